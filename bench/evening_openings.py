"""App openings as the PWA makes them after a tap on a reminder, replayed over HTTP, started at given
times whatever the answers (an open loop, as many independent phones would). Used by
bench/evening_bench.py.

What one opening sends (frontend/src/sw.js, app.js, screens/today.js, intake.js, inbox.js, sync.js):

1. the navigation to the shell ("/"): sw.js answers navigations network first; the shell is
   never_cache, so the browser keeps no copy to revalidate;
2. then, side by side: the service worker's update check of /serviceworker.js (every navigation in
   its scope starts one; ``updateViaCache: "none"`` bypasses the HTTP cache, so the check carries
   If-None-Match only when an earlier answer had an ETag), Today's day and the care plan (today.js
   and its doses section), the inbox feed (refreshFeed), the outbox flush with the ops made offline
   (sync.js) and the profile (loadProfile).

The static files and the manifest are precached by the worker and answered cache first: no request.
"""

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

# What nginx adds in front of gunicorn (deploy/nginx.conf): the production settings trust them.
PROXY_HEADERS = ("Host: localhost", "X-Forwarded-Proto: https", "X-Forwarded-For: 203.0.113.7")
ORIGIN = "https://localhost"
SHELL = "shell"
# The success statuses: a 304 answers a revalidation.
OK = {200, 201, 204, 304}


@dataclass
class Phone:
    """A signed-in patient's phone: what its requests carry and what it keeps between openings."""

    cookie: str
    csrf: str
    zone: str
    items: list[int]
    medication: int | None = None
    cursor: int = 0
    etags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Call:
    """One request: ``name`` is the endpoint as the figures group it."""

    name: str
    method: str
    path: str
    body: bytes = b""


@dataclass
class Opening:
    """One opening's outcome: seconds from its scheduled start to its last answer, and each call's
    (name, status, seconds); ``errors`` names each call that failed (an HTTP error, a timeout)."""

    patient_id: int
    offset: float
    seconds: float = 0.0
    calls: list[tuple[str, int, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def outbox_ops(phone: Phone, now: datetime) -> list[dict]:
    """Return the few ops a patient leaves in the outbox, in store.js's shapes: two items of today
    checked, and the reminded dose recorded as taken."""
    local = now.astimezone(ZoneInfo(phone.zone))
    at, day = local.isoformat(timespec="milliseconds"), local.date().isoformat()
    ops: list[dict] = [
        {"op_id": str(uuid.uuid4()), "kind": "checkoff", "item": item, "date": day, "done": True, "at": at}
        for item in phone.items[:2]
    ]
    if phone.medication is not None:
        ops.append(
            {
                "op_id": str(uuid.uuid4()),
                "kind": "intake",
                "medication": phone.medication,
                "date": day,
                "slot": "08:00",
                "status": "taken",
                "at": at,
            }
        )
    return ops


def opening_calls(phone: Phone, *, now: datetime) -> tuple[Call, list[Call]]:
    """Return an opening's first call (the navigation) and the calls the page and its worker then make
    side by side."""
    day = now.astimezone(ZoneInfo(phone.zone)).date().isoformat()
    sync = json.dumps({"ops": outbox_ops(phone, now), "since": phone.cursor}).encode()
    return Call(SHELL, "GET", "/"), [
        Call("serviceworker.js", "GET", "/serviceworker.js"),
        Call("today", "GET", f"/api/v1/today/?date={day}"),
        Call("careplan", "GET", "/api/v1/careplan/"),
        Call("notifications", "GET", "/api/v1/notifications/"),
        Call("sync", "POST", "/api/v1/sync/", sync),
        Call("me", "GET", "/api/v1/me/"),
    ]


def raw_request(call: Call, phone: Phone) -> bytes:
    """Return ``call`` as the bytes the proxy hands gunicorn: the browser's headers (Accept, the
    cookie, If-None-Match where the phone holds an ETag, Origin and the CSRF header on a POST) and
    the proxy's."""
    accept = {SHELL: "text/html", "serviceworker.js": "*/*"}.get(call.name, "application/json")
    lines = [f"{call.method} {call.path} HTTP/1.1", *PROXY_HEADERS, "Connection: close"]
    lines += [f"Accept: {accept}", f"Cookie: {phone.cookie}"]
    if etag := phone.etags.get(call.path):
        lines.append(f"If-None-Match: {etag}")
    if call.method != "GET":
        lines += [f"Origin: {ORIGIN}", f"X-CSRFToken: {phone.csrf}", "Content-Type: application/json"]
        lines.append(f"Content-Length: {len(call.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + call.body


async def exchange(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send one request on a fresh connection to 127.0.0.1:``port``; returns (status, headers with
    lower-case names, body)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw)
        await writer.drain()
        data = await reader.read()
    finally:
        writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


async def open_app(port: int, phone: Phone, opening: Opening, *, late: float, timeout: float) -> Opening:
    """Make ``opening``'s calls for ``phone``; ``late`` is how long after its scheduled time it began
    (counted in its seconds). Remembers ETags and the sync cursor on the phone, as the browser and
    the store do."""

    async def one(call: Call) -> None:
        started = time.perf_counter()
        try:
            status, headers, body = await asyncio.wait_for(exchange(port, raw_request(call, phone)), timeout)
        except TimeoutError:
            opening.errors.append(f"{call.name} timeout")
            return
        except (OSError, ValueError, IndexError) as error:
            opening.errors.append(f"{call.name} {type(error).__name__}")
            return
        opening.calls.append((call.name, status, time.perf_counter() - started))
        if status not in OK:
            opening.errors.append(f"{call.name} HTTP {status} {body[:120]!r}")
        elif "etag" in headers:
            phone.etags[call.path] = headers["etag"]
        if call.name == "sync" and status == 200:
            phone.cursor = max(phone.cursor, json.loads(body)["cursor"])

    started = time.perf_counter()
    first, rest = opening_calls(phone, now=datetime.now(UTC))
    await one(first)
    await asyncio.gather(*(one(call) for call in rest))
    opening.seconds = late + time.perf_counter() - started
    return opening


async def run_openings(
    port: int,
    phones: dict[int, Phone],
    feed: Callable[[], list[tuple[int, float]]],
    *,
    origin: float,
    expected: int,
    timeout: float,
    request_timeout: float = 10.0,
) -> list[Opening]:
    """Start each opening ``feed()`` makes known, (patient id, seconds after ``origin``, a
    ``time.time()``), at its time, until ``expected`` have finished or ``timeout`` s have passed;
    returns the finished openings in the order they started."""
    finished: list[Opening] = []
    tasks: set[asyncio.Task] = set()

    async def at_its_time(opening: Opening) -> None:
        await asyncio.sleep(max(0.0, origin + opening.offset - time.time()))
        late = max(0.0, time.time() - origin - opening.offset)
        phone = phones[opening.patient_id]
        finished.append(await open_app(port, phone, opening, late=late, timeout=request_timeout))

    deadline = time.time() + timeout
    while len(finished) < expected and time.time() < deadline:
        for patient_id, offset in feed():
            task = asyncio.create_task(at_its_time(Opening(patient_id, offset)))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.sleep(0.01)
    for task in tasks:
        task.cancel()
    return sorted(finished, key=lambda o: o.offset)
