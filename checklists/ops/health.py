"""Readiness of the web tier: the database and the cache answer, every migration is applied, and the
reminder sweep ran recently; the workers' heartbeat is reported beside it.

Why not django-health-check: its current release (4.11) needs Python 3.14 (we run 3.12), and the
4.8 line answers 500 rather than 503, names checks by their repr, puts exception text (a database
error can quote the host and user) in its answer, runs each check in its own thread with its own
database connection, and brings dnspython. The checks needed here are a few lines each.

Every answer holds statuses, times and ages only: nothing about any patient.
"""

import logging
import secrets
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from checklists.ops import marks

logger = logging.getLogger(__name__)

PROBE_KEY = "ops:readyz-probe"


def database_ok() -> bool:
    """True when the default database answers ``SELECT 1``."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception as exc:
        # The class only: a driver's message can name the host, port and user.
        logger.warning("readiness: database unreachable (%s)", type(exc).__name__)
        return False


def cache_ok() -> bool:
    """True when the default cache stores and returns a value."""
    token = secrets.token_hex(8)
    try:
        cache.set(PROBE_KEY, token, timeout=10)
        return cache.get(PROBE_KEY) == token
    except Exception as exc:
        logger.warning("readiness: cache unreachable (%s)", type(exc).__name__)
        return False


def migrations_ok() -> bool:
    """True when the database has every migration of the code that runs."""
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        return not executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        logger.warning("readiness: migrations not checked (%s)", type(exc).__name__)
        return False


def sweep_freshness(*, now: datetime) -> marks.Freshness:
    """The age of the last finished reminder sweep against READYZ_SWEEP_MAX_AGE_SECONDS."""
    return marks.freshness(
        _safe(marks.last_sweep_at), max_age_seconds=settings.READYZ_SWEEP_MAX_AGE_SECONDS, now=now
    )


def worker_freshness(*, now: datetime, node: str = "") -> marks.Freshness:
    """The age of the last worker heartbeat (``node``'s, or any worker's) against
    WORKER_HEARTBEAT_MAX_AGE_SECONDS."""
    return marks.freshness(
        _safe(lambda: marks.last_heartbeat_at(node)),
        max_age_seconds=settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS,
        now=now,
    )


def _safe(read: Any) -> datetime | None:
    try:
        value: datetime | None = read()
    except Exception:
        return None  # the cache check reports the outage
    return value


def readiness(*, now: datetime) -> tuple[bool, dict[str, Any]]:
    """Run every check; returns (ready, the /readyz body). The worker's heartbeat is reported but
    does not decide readiness: the sweep's age already shows whether work gets done."""
    database = database_ok()
    checks: dict[str, Any] = {
        "database": {"status": "ok" if database else "fail"},
        "cache": {"status": "ok" if cache_ok() else "fail"},
        "migrations": {"status": "ok" if database and migrations_ok() else "fail"},
        "sweep": sweep_freshness(now=now).as_dict(),
        "worker": worker_freshness(now=now).as_dict(stale="stale"),
    }
    ready = all(checks[name]["status"] == "ok" for name in ("database", "cache", "migrations", "sweep"))
    if checks["sweep"]["status"] != "ok":
        logger.warning(
            "readiness: the last reminder sweep is stale (age %s s)", checks["sweep"]["age_seconds"]
        )
    return ready, {"status": "ok" if ready else "fail", "checks": checks}
