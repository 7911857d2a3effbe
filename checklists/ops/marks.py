"""Liveness marks of the background processes, kept in the shared cache (Redis in production).

The worker that runs the beat's ``reminders-sweep`` task marks each finished sweep; every Celery
worker marks its heartbeat. ``/readyz`` and ``manage.py liveness`` read them. With the default
per-process cache a web process cannot see another process's marks: production sets ``CACHE_URL``.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.cache import cache

logger = logging.getLogger(__name__)

SWEEP_KEY = "ops:last-sweep"
HEARTBEAT_KEY = "ops:worker-heartbeat"
# Marks outlive any max age by far; a mark older than a week is as good as none.
MARK_TIMEOUT_SECONDS = 7 * 24 * 3600


def _write(values: dict[str, float]) -> None:
    # A mark must never break the sweep or the worker: a cache outage shows as a stale mark instead.
    try:
        cache.set_many(values, timeout=MARK_TIMEOUT_SECONDS)
    except Exception as exc:
        logger.warning("liveness mark not written: %s", type(exc).__name__)


def _read(key: str) -> datetime | None:
    value = cache.get(key)
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int | float) else None


def sweep_mark(*, at: datetime) -> None:
    """Record that a reminder sweep finished at ``at``."""
    _write({SWEEP_KEY: at.timestamp()})


def worker_heartbeat_mark(*, at: datetime, node: str = "") -> None:
    """Record a heartbeat of a Celery worker (``node``: its name, e.g. ``celery@host``)."""
    values = {HEARTBEAT_KEY: at.timestamp()}
    if node:
        values[f"{HEARTBEAT_KEY}:{node}"] = at.timestamp()
    _write(values)


def last_sweep_at() -> datetime | None:
    """Return when the last reminder sweep finished, or None if none is recorded."""
    return _read(SWEEP_KEY)


def last_heartbeat_at(node: str = "") -> datetime | None:
    """Return the last heartbeat of worker ``node`` (any worker when empty), or None."""
    return _read(f"{HEARTBEAT_KEY}:{node}" if node else HEARTBEAT_KEY)


@dataclass(frozen=True)
class Freshness:
    """How old a mark is against its limit; ``fresh`` is False for a missing mark."""

    last_at: datetime | None
    age_seconds: int | None
    max_age_seconds: int

    @property
    def fresh(self) -> bool:
        return self.age_seconds is not None and self.age_seconds <= self.max_age_seconds

    def as_dict(self, ok: str = "ok", stale: str = "fail") -> dict[str, object]:
        return {
            "status": ok if self.fresh else stale,
            "last_at": self.last_at.isoformat() if self.last_at else None,
            "age_seconds": self.age_seconds,
            "max_age_seconds": self.max_age_seconds,
        }


def freshness(last_at: datetime | None, *, max_age_seconds: int, now: datetime) -> Freshness:
    """Return the age of a mark at ``now`` (never negative: clocks of hosts differ a little)."""
    age = None if last_at is None else max(0, int((now - last_at).total_seconds()))
    return Freshness(last_at=last_at, age_seconds=age, max_age_seconds=max_age_seconds)
