"""Delivery channels for reminders: Web Push (VAPID, pywebpush) and email.

Payloads carry generic text and ids only, never health data: a lock screen shows "You have 3 care
tasks due", never what the tasks are. The in-app feed is written by the caller (checklists.reminders.send).
"""

import base64
import email.utils
import json
import logging
import os
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import urllib3
from celery.exceptions import SoftTimeLimitExceeded
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone
from py_vapid import Vapid
from pywebpush import WebPusher

from checklists.db.raw import any_of, column_converter, server_binding_cursor
from checklists.models import PushSubscription
from checklists.ops.metrics import push_failure_record
from checklists.reminders.endpoints import endpoint_problem

logger = logging.getLogger(__name__)
# Push service answers that mean "this subscription is gone": delete it.
GONE_STATUSES = frozenset({404, 410})
# How fresh ``PushSubscription.last_success_at`` is kept.
SUCCESS_RECORD_INTERVAL = timedelta(hours=1)
# Answers that mean "try again later".
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# The push budget's clock (REMINDER_PUSH_BUDGET_SECONDS); a test gives its own.
_clock = time.monotonic


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def vapid_generate_keys() -> tuple[str, str]:
    """Return a new (private, public) VAPID key pair: base64url raw P-256 scalar and uncompressed point."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64url(private), _b64url(public)


@cache
def _vapid(private_key: str) -> Vapid:
    return Vapid.from_string(private_key=private_key)


def vapid_public_key() -> str:
    """Return the configured VAPID public key (base64url), derived from the private key if not set."""
    if settings.VAPID_PUBLIC_KEY:
        return settings.VAPID_PUBLIC_KEY
    if not settings.VAPID_PRIVATE_KEY:
        return ""
    public = _vapid(settings.VAPID_PRIVATE_KEY).public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64url(public)


PUSH_CONNECTIONS_PER_SERVICE = 10  # as requests' default pool size
# pid -> this process's HTTP connection pools (urllib3's PoolManager: one pool per push service,
# connections kept alive between pushes, safe to share between threads). Keyed by pid so a forked
# pool process never shares its parent's sockets.
_http_by_pid: dict[int, urllib3.PoolManager] = {}


def _http() -> urllib3.PoolManager:
    """Return this process's connection pools; through ``HTTPS_PROXY`` when that is set."""
    manager = _http_by_pid.get(os.getpid())
    if manager is None:
        proxy = urllib.request.getproxies().get("https")
        # Up to PUSH_CONNECTIONS_PER_SERVICE kept-alive connections to each push service: one per thread
        # of a thread-pool worker (urllib3's default of 1 would close the others after each push).
        pools: dict[str, Any] = {"maxsize": PUSH_CONNECTIONS_PER_SERVICE}
        manager = urllib3.ProxyManager(proxy, **pools) if proxy else urllib3.PoolManager(**pools)
        _http_by_pid.clear()
        _http_by_pid[os.getpid()] = manager
    return manager


# A VAPID token (RFC 8292) may be valid for up to 24 h; ours are valid for 12 h, as pywebpush signs
# them, and each is reused for its first 6 h: one signature per push service every 6 h, not per push.
VAPID_TOKEN_SECONDS = 12 * 3600
VAPID_TOKEN_REUSE_SECONDS = 6 * 3600
# (key, subject, push service origin) -> (time to sign again, headers)
_signed: dict[tuple[str, str, str], tuple[float, dict[str, str]]] = {}


def _vapid_headers(endpoint: str) -> dict[str, str]:
    """Return the VAPID ``Authorization`` header for the push service of ``endpoint``."""
    url = urlsplit(endpoint)
    audience = f"{url.scheme}://{url.netloc}"
    key = (settings.VAPID_PRIVATE_KEY, settings.VAPID_SUBJECT, audience)
    now = time.time()
    signed = _signed.get(key)
    if signed is None or signed[0] <= now:
        claims = {"sub": settings.VAPID_SUBJECT, "aud": audience, "exp": int(now) + VAPID_TOKEN_SECONDS}
        signed = _signed[key] = (
            now + VAPID_TOKEN_REUSE_SECONDS,
            _vapid(settings.VAPID_PRIVATE_KEY).sign(claims),
        )
    return signed[1]


class Subscription(NamedTuple):
    """The columns of a ``PushSubscription`` a push needs."""

    id: int
    endpoint: str
    p256dh: str
    auth: str
    failure_count: int
    last_success_at: datetime | None


def _post(subscription: Subscription, data: bytes, headers: dict[str, str]) -> tuple[int, str | None]:
    """Encrypt ``data`` for ``subscription`` (RFC 8291, aes128gcm, by pywebpush) and POST it to its
    push service (RFC 8030). Returns the answer's status and its Retry-After header.

    urllib3 rather than pywebpush's own ``requests`` call: requests' per-request work (proxy and netrc
    lookups, hooks, cookies) cost more CPU than the encryption. Raises urllib3's HTTPError when the
    service cannot be reached or does not answer in time.
    """
    pusher = WebPusher(
        {
            "endpoint": subscription.endpoint,
            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
        }
    )
    body = pusher.encode(data, "aes128gcm")["body"]
    response = _http().request(
        "POST",
        subscription.endpoint,
        body=body,
        headers={
            **headers,
            "TTL": str(settings.REMINDER_PUSH_TTL_SECONDS),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
        },
        timeout=urllib3.Timeout(
            connect=settings.REMINDER_PUSH_CONNECT_TIMEOUT_SECONDS,
            read=settings.REMINDER_PUSH_TIMEOUT_SECONDS,
        ),
        retries=False,  # a failed push is retried through the queue, with backoff
    )
    return response.status, response.headers.get("Retry-After")


@dataclass
class PushOutcome:
    """What happened when pushing to all of a patient's subscriptions."""

    delivered: int = 0
    pruned: int = 0
    failed: int = 0
    # Set when at least one service asked to try again later, or subscriptions were left untried (the
    # push budget, the soft time limit): seconds to wait (Retry-After or None).
    retry: bool = False
    retry_after: int | None = None
    errors: list[str] = field(default_factory=list)
    # For push_record(): subscription ids by what to write.
    gone_ids: list[int] = field(default_factory=list)
    failed_ids: list[int] = field(default_factory=list)
    succeeded_ids: list[int] = field(default_factory=list)

    def failure(self, subscription_id: int, error: str) -> None:
        """Count a push that did not arrive (the subscription stays, with one failure more)."""
        self.failed_ids.append(subscription_id)
        self.failed += 1
        self.errors.append(error)


def _retry_after_seconds(value: str | None) -> int | None:
    """Return a Retry-After header (seconds or HTTP date) as seconds from now, or None."""
    if not value:
        return None
    if value.strip().isdigit():
        return int(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0, int((when - datetime.now(UTC)).total_seconds()))


def _subscriptions(patient_id: int, limit: int) -> list[Subscription]:
    # Plain SQL: a push runs once per patient and slot, and the ORM's query and model instances cost
    # more CPU than the query itself. Raw SQL: 0.10 ms vs 0.33 ms for the ORM's values_list (3.5x wall,
    # 5.4x CPU), PostgreSQL; SQLite 0.015 vs 0.18 ms (12x); bench/sql_bench.py [--sqlite] (2026-12-01).
    with server_binding_cursor() as cursor:
        # Those that worked last first (a budget or time limit cuts the list short), and never more
        # than a patient may now keep (older rows from before the limit).
        cursor.execute(
            "SELECT id, endpoint, p256dh, auth, failure_count, last_success_at "
            "FROM checklists_pushsubscription WHERE patient_id = %s ORDER BY failure_count, id LIMIT %s",
            [patient_id, limit],
        )
        rows = cursor.fetchall()
    as_datetime = column_converter(PushSubscription._meta.get_field("last_success_at"))
    return [Subscription._make([*row[:5], as_datetime(row[5])]) for row in rows]


def push_to_patient(*, patient_id: int, payload: dict) -> PushOutcome:
    """Push ``payload`` (JSON, encrypted aes128gcm) to each of the patient's subscriptions.

    Returns counts of delivered, pruned (404/410) and failed pushes, whether a retry is due (a 429/5xx
    answer, an unreachable service, or subscriptions left untried by the push budget or the soft time
    limit), and which subscriptions to delete or update: ``push_record()`` writes that, so the caller
    can write it in the same transaction as its own outcome. Never raises for one subscription: an
    endpoint refused by ``endpoint_problem`` (never contacted) or any error pushing to it is that
    subscription's failure, and the others are still tried.
    """
    outcome = PushOutcome()
    if not settings.VAPID_PRIVATE_KEY:
        return outcome
    data = json.dumps(payload, separators=(",", ":")).encode()
    headers = {"Urgency": "normal", "Topic": payload["tag"][-32:].replace(":", "")}
    subscriptions = _subscriptions(patient_id, settings.PUSH_SUBSCRIPTIONS_PER_PATIENT)
    deadline = _clock() + settings.REMINDER_PUSH_BUDGET_SECONDS
    for index, subscription in enumerate(subscriptions):
        if _clock() >= deadline:
            _left_for_retry(outcome, len(subscriptions) - index, "push budget")
            break
        try:
            _push_one(outcome, subscription, data, headers)
        except SoftTimeLimitExceeded:
            # The task's time is nearly up: stop, and let the slot be retried (see send._send).
            _left_for_retry(outcome, len(subscriptions) - index, "soft time limit")
            break
    return outcome


def _left_for_retry(outcome: PushOutcome, count: int, reason: str) -> None:
    outcome.retry = True
    noun = "subscription" if count == 1 else "subscriptions"
    outcome.errors.append(f"{count} {noun} not tried ({reason})")


def _push_one(outcome: PushOutcome, subscription: Subscription, data: bytes, headers: dict[str, str]) -> None:
    """Push to one subscription and note what happened in ``outcome``."""
    problem = endpoint_problem(subscription.endpoint)  # again: the name may resolve elsewhere by now
    if problem:
        outcome.failure(subscription.id, f"endpoint refused: {problem}")
        return
    try:
        status, retry_after = _post(subscription, data, {**_vapid_headers(subscription.endpoint), **headers})
    except urllib3.exceptions.HTTPError as exc:
        # Unreachable or timed out: like a 5xx, worth another try.
        push_failure_record("unreachable")
        outcome.failure(subscription.id, type(exc).__name__)
        outcome.retry = True
        return
    except SoftTimeLimitExceeded:
        raise
    except Exception as exc:
        # A subscription pywebpush cannot encrypt for (WebPushException), or anything else: its own
        # failure, not the slot's. Only the class is noted: the message may quote the stored keys.
        logger.warning("Push to subscription %s failed: %s", subscription.id, type(exc).__name__)
        outcome.failure(subscription.id, type(exc).__name__)
        return
    push_failure_record(status)  # counts only answers above 202, by status
    if status in GONE_STATUSES:
        outcome.gone_ids.append(subscription.id)
        outcome.pruned += 1
        return
    if status > 202:
        outcome.failure(subscription.id, f"HTTP {status}")
        if status in RETRY_STATUSES:
            outcome.retry = True
            wait = _retry_after_seconds(retry_after)
            if wait is not None:
                outcome.retry_after = max(wait, outcome.retry_after or 0)
        return
    # Recorded at most every SUCCESS_RECORD_INTERVAL: one write fewer per reminder in steady state.
    if (
        subscription.failure_count
        or subscription.last_success_at is None
        or timezone.now() - subscription.last_success_at > SUCCESS_RECORD_INTERVAL
    ):
        outcome.succeeded_ids.append(subscription.id)
    outcome.delivered += 1


def push_record(outcome: PushOutcome) -> None:
    """Write what ``push_to_patient`` found: delete the subscriptions that are gone, count failures,
    and reset the failure count and note the time of a success."""
    if outcome.gone_ids:
        PushSubscription.objects.filter(pk__in=outcome.gone_ids).delete()
    if outcome.failed_ids:
        PushSubscription.objects.filter(pk__in=outcome.failed_ids).update(
            failure_count=F("failure_count") + 1
        )
    if outcome.succeeded_ids:
        ids, id_params = any_of("id", outcome.succeeded_ids)
        # Raw SQL: 0.14 ms vs 0.25 ms for the ORM's update() (1.8x wall, 2.6x CPU), PostgreSQL; SQLite
        # 0.017 vs 0.088 ms (5.3x); bench/sql_bench.py [--sqlite] (2026-12-01).
        with server_binding_cursor() as cursor:
            cursor.execute(
                f"UPDATE checklists_pushsubscription SET last_success_at = %s, failure_count = 0 WHERE {ids}",
                [connection.ops.adapt_datetimefield_value(timezone.now()), *id_params],
            )
