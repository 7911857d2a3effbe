"""Delivery channels for reminders: Web Push (VAPID) and email.

Payloads carry generic text and ids only, never health data: a lock screen shows "You have 3 care
tasks due", never what the tasks are. The in-app feed is written by the caller (checklists.reminders.send).

A send task pushes to many patients at once: over HTTP/2, one connection per push service with many
concurrent streams (``checklists.reminders.http2``), else HTTP/1.1 (urllib3) to a service that does
not negotiate h2.
"""

import asyncio
import base64
import email.utils
import hmac
import json
import logging
import os
import ssl
import struct
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import urllib3
from celery.exceptions import SoftTimeLimitExceeded
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone
from hpack import Encoder, NeverIndexedHeaderTuple
from py_vapid import Vapid

from checklists.db.raw import any_of, column_converter, server_binding_cursor
from checklists.models import PushSubscription
from checklists.ops.metrics import push_failure_record
from checklists.reminders.endpoints import address_is_public, endpoint_problem, resolve

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
# (pid, REMINDER_PUSH_CA_FILE) -> this process's HTTP connection pools (urllib3's PoolManager: one pool
# per push service, connections kept alive between pushes, safe to share between threads). Keyed by
# pid so a forked pool process never shares its parent's sockets.
_http_by_pid: dict[tuple[int, str], urllib3.PoolManager] = {}


def _http() -> urllib3.PoolManager:
    """Return this process's connection pools; through ``HTTPS_PROXY`` when that is set."""
    key = (os.getpid(), settings.REMINDER_PUSH_CA_FILE)
    manager = _http_by_pid.get(key)
    if manager is None:
        proxy = urllib.request.getproxies().get("https")
        # Up to PUSH_CONNECTIONS_PER_SERVICE kept-alive connections to each push service: one per thread
        # of a thread-pool worker (urllib3's default of 1 would close the others after each push).
        pools: dict[str, Any] = {"maxsize": PUSH_CONNECTIONS_PER_SERVICE}
        if settings.REMINDER_PUSH_CA_FILE:
            pools["ca_certs"] = settings.REMINDER_PUSH_CA_FILE
        manager = urllib3.ProxyManager(proxy, **pools) if proxy else urllib3.PoolManager(**pools)
        _http_by_pid.clear()
        _http_by_pid[key] = manager
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


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# RFC 8188 record size of the one record a push message is (any value above the message's size).
RECORD_SIZE = 4096


def encrypt(data: bytes, p256dh: str, auth: str) -> bytes:
    """Return ``data`` encrypted for one subscription (RFC 8291, aes128gcm: one record, a new ephemeral
    key per message, as the RFC requires).

    Written on ``cryptography`` rather than through pywebpush: 0.28 ms vs 0.42 ms of CPU per message
    (pywebpush's encode also builds an object and base64-encodes per call); the fake push service
    decrypts with http_ece, an independent implementation."""
    browser_key = _b64url_decode(p256dh)
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    server_key = ephemeral.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    shared = ephemeral.exchange(
        ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), browser_key)
    )
    ikm = hmac.digest(
        hmac.digest(_b64url_decode(auth), shared, "sha256"),
        b"WebPush: info\x00" + browser_key + server_key + b"\x01",
        "sha256",
    )
    salt = os.urandom(16)
    prk = hmac.digest(salt, ikm, "sha256")
    key = hmac.digest(prk, b"Content-Encoding: aes128gcm\x00\x01", "sha256")[:16]
    nonce = hmac.digest(prk, b"Content-Encoding: nonce\x00\x01", "sha256")[:12]
    header = salt + struct.pack("!IB", RECORD_SIZE, len(server_key)) + server_key
    return header + AESGCM(key).encrypt(nonce, data + b"\x02", None)  # 0x02: the last record


def _request_headers(headers: dict[str, str]) -> dict[str, str]:
    return {
        **headers,
        "TTL": str(settings.REMINDER_PUSH_TTL_SECONDS),
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
    }


def _post(subscription: Subscription, data: bytes, headers: dict[str, str]) -> tuple[int, str | None]:
    """Encrypt ``data`` for ``subscription`` and POST it to its push service (RFC 8030) over HTTP/1.1.
    Returns the answer's status and its Retry-After header.

    urllib3 rather than pywebpush's own ``requests`` call: requests' per-request work (proxy and netrc
    lookups, hooks, cookies) cost more CPU than the encryption. Raises urllib3's HTTPError when the
    service cannot be reached or does not answer in time.
    """
    response = _http().request(
        "POST",
        subscription.endpoint,
        body=encrypt(data, subscription.p256dh, subscription.auth),
        headers=_request_headers(headers),
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

    def merge(self, other: "PushOutcome") -> None:
        """Add ``other``'s subscriptions to write (for one push_record() of a whole send task)."""
        self.gone_ids += other.gone_ids
        self.failed_ids += other.failed_ids
        self.succeeded_ids += other.succeeded_ids


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


# Each patient's subscriptions, those that worked last first (a budget or time limit cuts the list
# short), and never more than a patient may now keep (older rows from before the limit). Plain SQL: it
# runs once per send task, and the ORM's query and model instances cost more CPU than the query.
SUBSCRIPTIONS_SQL = """
    SELECT patient_id, id, endpoint, p256dh, auth, failure_count, last_success_at FROM (
        SELECT patient_id, id, endpoint, p256dh, auth, failure_count, last_success_at,
               row_number() OVER (PARTITION BY patient_id ORDER BY failure_count, id) AS rank
        FROM checklists_pushsubscription WHERE {patients}
    ) ranked WHERE rank <= %s ORDER BY patient_id, rank
"""


def _subscriptions(patient_ids: list[int], limit: int) -> dict[int, list[Subscription]]:
    """Return the subscriptions to push to, by patient (one query for the whole send task)."""
    patients, params = any_of("patient_id", patient_ids)
    with server_binding_cursor() as cursor:
        cursor.execute(SUBSCRIPTIONS_SQL.format(patients=patients), [*params, limit])
        rows = cursor.fetchall()
    as_datetime = column_converter(PushSubscription._meta.get_field("last_success_at"))
    found: dict[int, list[Subscription]] = defaultdict(list)
    for patient_id, *row in rows:
        found[patient_id].append(Subscription._make([*row[:5], as_datetime(row[5])]))
    return found


@dataclass
class _Job:
    """One push to make: a patient's payload (JSON) to one of their subscriptions."""

    index: int  # of its payload in push_to_patients()
    subscription: Subscription
    data: bytes
    headers: dict[str, str]


def push_to_patient(*, patient_id: int, payload: dict) -> PushOutcome:
    """Push ``payload`` to each of the patient's subscriptions: ``push_to_patients`` for one."""
    return push_to_patients(payloads=[(patient_id, payload)])[0]


def push_to_patients(*, payloads: list[tuple[int, dict]]) -> list[PushOutcome]:
    """Push each (patient id, payload) of ``payloads`` (JSON, encrypted aes128gcm) to each of the
    patient's subscriptions.

    Returns an outcome per payload, in order: counts of delivered, pruned (404/410) and failed pushes,
    whether a retry is due (a 429/5xx answer, an unreachable service, or subscriptions left untried by
    the push budget or the soft time limit), and which subscriptions to delete or update:
    ``push_record()`` writes that, so the caller can write it in the same transaction as its own
    outcome. Never raises for one subscription: an endpoint refused by ``endpoint_problem`` (never
    contacted) or any error pushing to it is that subscription's failure, and the others are still
    tried.
    """
    outcomes = [PushOutcome() for _ in payloads]
    if not settings.VAPID_PRIVATE_KEY or not payloads:
        return outcomes
    patient_ids = sorted({patient_id for patient_id, _ in payloads})
    subscriptions = _subscriptions(patient_ids, settings.PUSH_SUBSCRIPTIONS_PER_PATIENT)
    jobs = []
    for index, (patient_id, payload) in enumerate(payloads):
        data = json.dumps(payload, separators=(",", ":")).encode()
        headers = {"Urgency": "normal", "Topic": payload["tag"][-32:].replace(":", "")}
        for subscription in subscriptions.get(patient_id, []):
            problem = endpoint_problem(subscription.endpoint)  # again: the name may resolve elsewhere now
            if problem:
                outcomes[index].failure(subscription.id, f"endpoint refused: {problem}")
                continue
            headers_for = {**_vapid_headers(subscription.endpoint), **headers}
            jobs.append(_Job(index, subscription, data, headers_for))
    deadline = _clock() + settings.REMINDER_PUSH_BUDGET_SECONDS
    left = jobs
    try:
        left = _push_http2(jobs, outcomes, deadline)
        left = _push_http1(left, outcomes, deadline)
    except SoftTimeLimitExceeded:
        # The task's time is nearly up: stop, and let the slots be retried (see send._send).
        _left_for_retry(outcomes, left, "soft time limit")
    return outcomes


def _left_for_retry(outcomes: list[PushOutcome], jobs: list[_Job], reason: str) -> None:
    counts: dict[int, int] = defaultdict(int)
    for job in jobs:
        counts[job.index] += 1
    for index, count in counts.items():
        outcomes[index].retry = True
        noun = "subscription" if count == 1 else "subscriptions"
        outcomes[index].errors.append(f"{count} {noun} not tried ({reason})")


def _push_http1(jobs: list[_Job], outcomes: list[PushOutcome], deadline: float) -> list[_Job]:
    """Push ``jobs`` one after the other over HTTP/1.1 until the budget's ``deadline``; returns [] (the
    jobs left are noted as left for the retry), or raises SoftTimeLimitExceeded with ``jobs`` left."""
    for index, job in enumerate(jobs):
        if _clock() >= deadline:
            _left_for_retry(outcomes, jobs[index:], "push budget")
            break
        try:
            _push_one(outcomes[job.index], job)
        except SoftTimeLimitExceeded:
            _left_for_retry(outcomes, jobs[index:], "soft time limit")
            break
    return []


def _push_one(outcome: PushOutcome, job: _Job) -> None:
    """Push one job over HTTP/1.1 and note what happened in ``outcome``."""
    try:
        status, retry_after = _post(job.subscription, job.data, job.headers)
    except urllib3.exceptions.HTTPError as exc:
        _unreachable(outcome, job, exc)
        return
    except SoftTimeLimitExceeded:
        raise
    except Exception as exc:
        _own_failure(outcome, job, exc)
        return
    _answered(outcome, job.subscription, status, retry_after)


def _unreachable(outcome: PushOutcome, job: _Job, exc: BaseException) -> None:
    # Unreachable or timed out: like a 5xx, worth another try.
    push_failure_record("unreachable")
    outcome.failure(job.subscription.id, type(exc).__name__)
    outcome.retry = True


def _own_failure(outcome: PushOutcome, job: _Job, exc: BaseException) -> None:
    # A subscription we cannot encrypt for (bad keys), or anything else: its own failure, not the
    # slot's. Only the class is noted: the message may quote the stored keys.
    logger.warning("Push to subscription %s failed: %s", job.subscription.id, type(exc).__name__)
    outcome.failure(job.subscription.id, type(exc).__name__)


def _answered(outcome: PushOutcome, subscription: Subscription, status: int, retry_after: str | None) -> None:
    """Note a push service's answer to one push in ``outcome``."""
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


class _LiteralEncoder(Encoder):
    """HPACK without Huffman coding: h2 never indexes the Authorization header (a credential), so it
    would Huffman-code the ~400-byte VAPID token on every push, which cost more CPU than the
    encryption (0.85 ms per push); sent as it is, it costs a few hundred bytes instead."""

    def encode(self, headers: Any, huffman: bool = True) -> bytes:
        return super().encode(headers, huffman=False)


class Http2Connection(asyncio.Protocol):
    """A client HTTP/2 connection (h2's state machine on an asyncio transport) that POSTs on many
    concurrent streams. ``negotiated`` is False when the TLS handshake did not select h2 (ALPN): then
    nothing was sent and the caller closes it."""

    def __init__(self, authority: str, max_streams: int) -> None:
        self.authority, self.max_streams = authority, max_streams
        self.h2 = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=True, header_encoding="utf-8")
        )
        self.h2.encoder = _LiteralEncoder()
        self.negotiated = False
        self.transport: asyncio.Transport | None = None
        self.error: BaseException | None = None
        self._answers: dict[int, asyncio.Future[tuple[int, str | None]]] = {}
        self._statuses: dict[int, tuple[int, str | None]] = {}
        self._waiters: list[asyncio.Future[None]] = []
        self._streams = asyncio.Semaphore(max_streams)
        self._flush_pending = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        tls = transport.get_extra_info("ssl_object")
        self.negotiated = tls is not None and tls.selected_alpn_protocol() == "h2"
        if self.negotiated:
            self.h2.initiate_connection()
            self._flush()

    def data_received(self, data: bytes) -> None:
        try:
            events = self.h2.receive_data(data)
        except h2.exceptions.ProtocolError as exc:
            self._fail(exc)
            return
        for event in events:
            self._on(event)
        self._flush()
        self._wake()

    def _on(self, event: h2.events.Event) -> None:
        if isinstance(event, h2.events.ResponseReceived):
            headers: dict[Any, Any] = dict(event.headers or [])  # str: header_encoding is set
            assert event.stream_id is not None
            self._statuses[event.stream_id] = (int(headers[":status"]), headers.get("retry-after"))
        elif isinstance(event, h2.events.DataReceived) and event.stream_id is not None:
            self.h2.acknowledge_received_data(event.flow_controlled_length or 0, event.stream_id)
        elif isinstance(event, h2.events.StreamEnded) and event.stream_id is not None:
            answer = self._answers.pop(event.stream_id, None)
            if answer is not None and not answer.done():
                answer.set_result(self._statuses.pop(event.stream_id, (0, None)))
        elif isinstance(event, h2.events.StreamReset) and event.stream_id is not None:
            answer = self._answers.pop(event.stream_id, None)
            if answer is not None and not answer.done():
                answer.set_exception(ConnectionResetError(f"stream reset ({event.error_code!r})"))
        elif isinstance(event, h2.events.ConnectionTerminated):
            self._fail(ConnectionAbortedError(f"GOAWAY ({event.error_code!r})"))

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(exc or ConnectionResetError("the push service closed the connection"))

    def _fail(self, exc: BaseException) -> None:
        self.error = self.error or exc
        for answer in self._answers.values():
            if not answer.done():
                answer.set_exception(self.error)
        self._answers.clear()
        self._wake()
        if self.transport:
            self.transport.close()

    def _flush(self) -> None:
        self._flush_pending = False
        data = self.h2.data_to_send()
        if data and self.transport and not self.transport.is_closing():
            self.transport.write(data)

    def _flush_soon(self) -> None:
        """Flush once the streams started in this turn of the event loop are all written: one TLS
        record and one system call for many pushes."""
        if not self._flush_pending:
            self._flush_pending = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def _room(self) -> None:
        """Wait until the connection's state changes (a stream ended, a window opened, an error)."""
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        await waiter

    async def post(
        self, path: str, headers: dict[str, str], body: bytes, *, timeout: float
    ) -> tuple[int, str | None]:
        """POST ``body`` to ``path`` on a new stream; returns the status and the Retry-After header.
        Raises OSError when the connection fails, TimeoutError without an answer in ``timeout``."""
        async with self._streams:  # as many streams at once as both sides allow
            while self.error is None and len(self._answers) >= self.h2.remote_settings.max_concurrent_streams:
                await self._room()
            if self.error is not None:
                raise ConnectionError(str(self.error))
            stream = self.h2.get_next_available_stream_id()
            # The path differs per push: never indexed, so it does not push the (long, constant)
            # VAPID Authorization out of the HPACK table, which would then be compressed again.
            request: list[Any] = [(":method", "POST"), (":scheme", "https"), (":authority", self.authority)]
            request += [NeverIndexedHeaderTuple(":path", path)]
            request += [(name.lower(), value) for name, value in headers.items()]
            self.h2.send_headers(stream, [*request, ("content-length", str(len(body)))])
            answer = self._answers[stream] = asyncio.get_running_loop().create_future()
            while self.error is None and self.h2.local_flow_control_window(stream) < len(body):
                self._flush()
                await self._room()  # the service has not yet acknowledged earlier bodies
            if self.error is not None:
                raise ConnectionError(str(self.error))
            self.h2.send_data(stream, body, end_stream=True)
            self._flush_soon()
            return await asyncio.wait_for(answer, timeout)

    def close(self) -> None:
        if self.transport and not self.transport.is_closing():
            if self.negotiated and self.error is None:
                self.h2.close_connection()
                self._flush()
            self.transport.close()


# Concurrent streams per HTTP/2 connection, at most (fewer if the push service says so): enough to keep
# one connection busy while the task encrypts the next pushes.
PUSH_STREAMS_PER_CONNECTION = 100


def _push_http2(jobs: list[_Job], outcomes: list[PushOutcome], deadline: float) -> list[_Job]:
    """Push the jobs to https:// services over HTTP/2, one connection per service, until the budget's
    ``deadline``. Returns the jobs still to push over HTTP/1.1: those of plain http:// services (the
    local fake), of services that did not negotiate h2, and all of them behind an HTTPS proxy."""
    if urllib.request.getproxies().get("https"):
        return jobs  # a CONNECT tunnel for h2 is not worth its code here: HTTP/1.1 through the proxy
    by_service: dict[tuple[str, int], list[_Job]] = defaultdict(list)
    rest = []
    for job in jobs:
        url = urlsplit(job.subscription.endpoint)
        if url.scheme == "https" and url.hostname:
            by_service[(url.hostname, url.port or 443)].append(job)
        else:
            rest.append(job)
    if by_service:
        rest += asyncio.run(_http2_services(by_service, outcomes, deadline))
    return rest


async def _http2_services(
    by_service: dict[tuple[str, int], list[_Job]], outcomes: list[PushOutcome], deadline: float
) -> list[_Job]:
    done: set[int] = set()
    pushes = [
        asyncio.ensure_future(_http2_service(host, port, jobs, outcomes, done))
        for (host, port), jobs in by_service.items()
    ]
    finished, unfinished = await asyncio.wait(pushes, timeout=max(0.0, deadline - _clock()))
    for push in unfinished:
        push.cancel()
    if unfinished:
        await asyncio.wait(unfinished)
    http1 = [job for push in finished if not push.cancelled() for job in push.result()]
    tried = done | {id(job) for job in http1}
    late = [job for jobs in by_service.values() for job in jobs if id(job) not in tried]
    _left_for_retry(outcomes, late, "push budget")
    return http1


def _ssl_context() -> ssl.SSLContext:
    """Return the TLS settings of a push connection: verified, offering h2 then HTTP/1.1 (ALPN)."""
    context = ssl.create_default_context(cafile=settings.REMINDER_PUSH_CA_FILE or None)
    context.set_alpn_protocols(["h2", "http/1.1"])
    return context


async def _connect(host: str, port: int) -> Http2Connection | None:
    """Open a connection to the push service ``host``: to one of the addresses resolved here and checked
    to be public (so DNS cannot send it elsewhere after the check). Returns None when the service does
    not negotiate h2; raises OSError (or ssl.SSLError, TimeoutError) when it cannot be reached."""
    local = settings.PUSH_ALLOW_LOCAL_ENDPOINTS
    addresses = await asyncio.to_thread(resolve, host, port)
    allowed = [a for a in addresses if address_is_public(a) or (local and a.is_loopback)]
    if not allowed or len(allowed) != len(addresses):
        raise ConnectionRefusedError("the push service's address is not a public one")
    loop = asyncio.get_running_loop()
    _, http2 = await asyncio.wait_for(
        loop.create_connection(
            lambda: Http2Connection(f"{host}:{port}" if port != 443 else host, PUSH_STREAMS_PER_CONNECTION),
            host=str(allowed[0]),
            port=port,
            ssl=_ssl_context(),
            server_hostname=host,
        ),
        settings.REMINDER_PUSH_CONNECT_TIMEOUT_SECONDS,
    )
    if not http2.negotiated:
        http2.close()
        return None
    return http2


async def _http2_service(
    host: str, port: int, jobs: list[_Job], outcomes: list[PushOutcome], done: set[int]
) -> list[_Job]:
    """Push ``jobs`` (all to one service) over one HTTP/2 connection, as many at once as it allows.
    Returns the jobs for HTTP/1.1 if the service does not negotiate h2, else []."""
    try:
        http2 = await _connect(host, port)
    except (OSError, ssl.SSLError, TimeoutError) as exc:
        for job in jobs:
            _unreachable(outcomes[job.index], job, exc)
            done.add(id(job))
        return []
    if http2 is None:
        return jobs

    async def push(job: _Job) -> None:
        outcome = outcomes[job.index]
        try:
            body = encrypt(job.data, job.subscription.p256dh, job.subscription.auth)
            status, retry_after = await http2.post(
                urlsplit(job.subscription.endpoint).path,
                _request_headers(job.headers),
                body,
                timeout=settings.REMINDER_PUSH_TIMEOUT_SECONDS,
            )
        except (OSError, TimeoutError, h2.exceptions.H2Error) as exc:
            _unreachable(outcome, job, exc)
        except Exception as exc:
            _own_failure(outcome, job, exc)
        else:
            _answered(outcome, job.subscription, status, retry_after)
        done.add(id(job))

    try:
        await asyncio.gather(*(push(job) for job in jobs))
    finally:
        http2.close()
    return []


def push_record(outcome: PushOutcome) -> None:
    """Write what ``push_to_patients`` found: delete the subscriptions that are gone, count failures,
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
