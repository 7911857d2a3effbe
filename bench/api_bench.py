"""Benchmark of the patient API on PostgreSQL behind gunicorn, with production-like settings.

    .venv/bin/python bench/api_bench.py          # full size: 300 patients at 90 and 900 days, 32 clients
    .venv/bin/python bench/api_bench.py --patients 50 --history 40,400 --duration 1   # CI size, ~1 minute
    .venv/bin/python bench/api_bench.py --history 90   # one history only: no comparison

For each history length D in ``--history`` it (re)creates its own database (``rls_bench_api_<D>d``),
migrates it, seeds the same N patients x 3 assignments x 10 items x D days of check-offs and diary
entries with set-based SQL, and starts a gunicorn on it (DEBUG=0, persistent
connections, production's Redis cache from BENCH_CACHE_URL; bench/api_bench_settings.py adds a bare
view the app itself never routes), and drives it with a small asyncio HTTP client at C
concurrent clients: a bare Django JSON view (the baseline), the same view with a patient's session
cookie (what signing in costs on its own), GET /api/v1/today/, and POST /api/v1/sync/ with 50-op
batches on days anywhere in the history; then each with one client; then the bare view and today at
a steady offered rate of half today's 32-client throughput (an open loop: latency at a load the
server keeps up with). Then it times a 1000-op sync batch against a raw multi-row upsert of the same
rows. All of that runs on the first history; the signed-in bare view, today and sync then run at C
clients on every history, taking turns (so a change in the machine's speed hits each history alike),
and each history's figures are printed beside the first's. Figures are printed as ratios to the
baselines of the same run; the gunicorns are stopped at the end.

Why 300 patients by default, not the 1,000 of the earlier runs: 900 days x 1,000 patients x 30 items
is 27 million check-offs (about 6 GB with its four indexes) and took too long to seed for a routine run
(see bench/RESULTS.md); 300 patients give 8.1 million at 900 days, ten times the 90-day rows as the
issue asks, and today and sync read one patient's rows whatever the number of patients.
"""

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from benchlib import log, recreate_database, sign_in

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_PREFIX = "rls_bench_api"
ITEMS_PER_ASSIGNMENT = 10
ASSIGNMENTS_PER_PATIENT = 3
SYNC_BATCH = 50
BIG_BATCH = 1000
BIG_BATCH_REPEATS = 7
SIGNED_IN_BARE = "bare view, signed in"
WARMUP_SECONDS = 2.0
SEQUENTIAL_SECONDS = 5.0
PASSWORD = "bench-password-not-secret"
SERVER_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DB_CONN_MAX_AGE": "600",
    "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/12"),
    "LOG_LEVEL": "WARNING",
    "RLS_VAR_DIR": str(ROOT / "var" / "bench"),
    "STATIC_ROOT": str(ROOT / "var" / "bench" / "static"),
    # Plain HTTP on 127.0.0.1 (production sits behind a TLS proxy): no HTTPS redirect, no Secure-only
    # cookies, no HSTS; everything else is the production configuration.
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "SECURE_HSTS_SECONDS": "0",
}


def database_url(days: int) -> str:
    """Return the URL of the bench's database of ``days`` days of history."""
    return f"{PG_SERVER}/{DB_PREFIX}_{days}d"


def setup_django(url: str) -> None:
    Path(SERVER_ENV["STATIC_ROOT"]).mkdir(parents=True, exist_ok=True)
    os.environ.update(SERVER_ENV)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "rlsapp.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def use_database(url: str) -> None:
    """Point Django's default connection at ``url``'s database (the seeding of each history)."""
    from django.db import connections

    connections.close_all()
    connections["default"].settings_dict["NAME"] = url.rsplit("/", 1)[1]


def create_databases(histories: list[int]) -> None:
    """Create the bench's database of each history, migrated: the first by ``migrate``, the others
    as copies of it (migrating each would double the set-up time of the CI run)."""
    from django.core.management import call_command
    from django.db import connections

    names = [database_url(days).rsplit("/", 1)[1] for days in histories]
    log(f"recreating database {names[0]} and migrating it ...")
    recreate_database(PG_SERVER, names[0])
    setup_django(database_url(histories[0]))
    call_command("migrate", verbosity=0)
    connections.close_all()
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        for name in names[1:]:
            log(f"recreating database {name} as a copy ...")
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {names[0]}")


def seed(*, patients: int, days: int) -> dict:
    """Seed the (migrated) database; returns {"clients": {patient_id: {"items", "cookie", "csrf",
    "cursor"}}, "first", "today", "days", "rows": {table: row count}}."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.cache import cache
    from django.db import connection, transaction

    from checklists.models import (
        Assignment,
        AssignmentItem,
        ChecklistTemplate,
        CheckOff,
        DiaryEntry,
        Patient,
    )

    cache.clear()  # sessions and throttle counts of an earlier run
    User = get_user_model()
    today = datetime.now(UTC).date()
    first = today - timedelta(days=days - 1)
    with transaction.atomic():
        password = make_password(PASSWORD)
        users = User.objects.bulk_create(
            User(username=f"bench{n}@example.com", email=f"bench{n}@example.com", password=password)
            for n in range(patients)
        )
        rows = Patient.objects.bulk_create(Patient(user=user, time_zone="UTC") for user in users)
        templates = [
            ChecklistTemplate.objects.create(name=f"Bench checklist {n}", category="lifestyle")
            for n in range(ASSIGNMENTS_PER_PATIENT)
        ]
        assignments = Assignment.objects.bulk_create(
            Assignment(patient=p, template=t, name=t.name, category=t.category, start_date=first)
            for p in rows
            for t in templates
        )
        AssignmentItem.objects.bulk_create(
            (
                AssignmentItem(assignment=a, position=n, text=f"Item {n}", source="bench")
                for a in assignments
                for n in range(ITEMS_PER_ASSIGNMENT)
            ),
            batch_size=5000,
        )
        with connection.cursor() as cursor:
            # Set-based history: every item on every day, ~70% done, each row with its change number.
            cursor.execute(
                """
                INSERT INTO checklists_checkoff (item_id, patient_id, date, done, seq, updated_at)
                SELECT i.id, a.patient_id, d::date, random() < 0.7,
                       row_number() OVER (PARTITION BY a.patient_id ORDER BY d, i.id), now()
                FROM checklists_assignmentitem i
                JOIN checklists_assignment a ON a.id = i.assignment_id
                CROSS JOIN generate_series(%s::date, %s::date, interval '1 day') AS d
                """,
                [first, today],
            )
            cursor.execute(
                """
                INSERT INTO checklists_diaryentry
                    (patient_id, date, severity, arms_involved, note, seq, updated_at)
                SELECT p.id, d::date, floor(random() * 11)::int, false, '',
                       %s + row_number() OVER (PARTITION BY p.id ORDER BY d), now()
                FROM checklists_patient p
                CROSS JOIN generate_series(%s::date, %s::date, interval '1 day') AS d
                """,
                [ASSIGNMENTS_PER_PATIENT * ITEMS_PER_ASSIGNMENT * days, first, today],
            )
            cursor.execute(
                """
                UPDATE checklists_patient p SET sync_seq = m.seq
                FROM (SELECT patient_id, max(seq) AS seq FROM checklists_diaryentry GROUP BY patient_id) m
                WHERE p.id = m.patient_id
                """
            )
        # One signed-in session per patient, as the login form would leave it.
        sessions = sign_in(users)
        clients: dict[int, dict[str, Any]] = {
            patient.pk: {**sessions[user.pk], "items": []} for user, patient in zip(users, rows, strict=True)
        }
    for item_id, patient_id in AssignmentItem.objects.values_list("id", "assignment__patient_id"):
        clients[patient_id]["items"].append(item_id)
    for patient_id, sync_seq in Patient.objects.values_list("id", "sync_seq"):
        clients[patient_id]["cursor"] = sync_seq
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    counts = {"check-offs": CheckOff.objects.count(), "diary entries": DiaryEntry.objects.count()}
    return {"clients": clients, "first": first, "today": today, "days": days, "rows": counts}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int, url: str) -> subprocess.Popen:
    # The production settings with the bench's URLconf: rlsapp.urls plus /bench/bare/.
    env = {
        **os.environ,
        **SERVER_ENV,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "bench.api_bench_settings",
    }
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "rlsapp.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "2048",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("gunicorn exited at start") from None
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not start within 30 s")


def http_request(method: str, path: str, *, cookie: str = "", csrf: str = "", body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", "Accept: application/json"]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    if csrf:
        lines.append(f"X-CSRFToken: {csrf}")
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def fetch(port: int, raw: bytes) -> tuple[int, bytes]:
    """Send one request on a fresh connection; returns (status, body)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw)
        await writer.drain()
        data = await reader.read()
    finally:
        writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head[9:12]), body


# A scenario: make() returns a raw request and a context for the hook that reads the answer's body.
MakeRequest = Callable[[], tuple[bytes, Any]]


async def drive(
    port: int,
    make: MakeRequest,
    *,
    clients: int,
    duration: float,
    on_body: Callable[[Any, bytes], None] | None = None,
) -> dict:
    """Run ``clients`` loops of make() -> request for ``duration`` s after a warm-up; returns figures."""
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    errors = 0
    measuring = False

    async def client() -> None:
        nonlocal errors
        while not stop.is_set():
            raw, context = make()
            started = time.perf_counter()
            status, body = await fetch(port, raw)
            elapsed = time.perf_counter() - started
            if status != 200:
                errors += 1
                if errors <= 3:
                    log(f"  HTTP {status}: {body[:200]!r}")
            elif measuring:
                latencies.append(elapsed)
            if on_body and status == 200:
                on_body(context, body)

    stop = asyncio.Event()
    tasks = [asyncio.create_task(client()) for _ in range(clients)]
    await asyncio.sleep(min(WARMUP_SECONDS, duration))  # a short CI run warms up as briefly
    measuring, began = True, loop.time()
    await asyncio.sleep(duration)
    measuring = False
    spent = loop.time() - began
    stop.set()
    await asyncio.gather(*tasks)
    return figures(latencies, spent, errors)


def figures(latencies: list[float], spent: float, errors: int) -> dict:
    """Requests per second and p50/p95/p99 in ms of the successful requests, and the error count."""
    latencies = sorted(latencies)

    def pct(p: float) -> float:
        return (
            latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else float("nan")
        )

    return {
        "rps": len(latencies) / spent,
        "p50": pct(0.50),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "n": len(latencies),
        "errors": errors,
    }


async def drive_at_rate(port: int, make: MakeRequest, *, rate: float, duration: float) -> dict:
    """Start ``rate`` requests per second, whatever the answers, for ``duration`` s (an open loop, as
    many independent phones would); returns the same figures as drive(). Each latency counts from
    the request's scheduled start, so a server that falls behind shows it."""
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    errors = 0
    pending: set[asyncio.Task] = set()

    async def one(raw: bytes, scheduled: float) -> None:
        nonlocal errors
        status, body = await fetch(port, raw)
        if status == 200:
            latencies.append(loop.time() - scheduled)
        else:
            errors += 1
            if errors <= 3:
                log(f"  HTTP {status}: {body[:200]!r}")

    began = loop.time()
    for n in range(int(rate * duration)):
        scheduled = began + n / rate
        if scheduled > loop.time():
            await asyncio.sleep(scheduled - loop.time())
        raw, _ = make()
        task = asyncio.create_task(one(raw, scheduled))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    return figures(latencies, loop.time() - began, errors)


def checkoff_ops(items: list[int], first: date, today: date, count: int, at: datetime) -> list[dict]:
    days = (today - first).days + 1
    return [
        {
            "op_id": str(uuid.uuid4()),
            "kind": "checkoff",
            "item": random.choice(items),
            "date": (first + timedelta(days=random.randrange(days))).isoformat(),
            "done": random.random() < 0.8,
            "at": at.isoformat(),
        }
        for _ in range(count)
    ]


def big_batch_ops(items: list[int], first: date, count: int, at: datetime) -> list[dict]:
    """``count`` ops on distinct (item, date) keys, all of them existing rows."""
    keys = [(item, first + timedelta(days=d)) for d in range(count // len(items) + 1) for item in items][
        :count
    ]
    return [
        {
            "op_id": str(uuid.uuid4()),
            "kind": "checkoff",
            "item": item,
            "date": day.isoformat(),
            "done": random.random() < 0.5,
            "at": at.isoformat(),
        }
        for item, day in keys
    ]


def raw_upsert(conn: psycopg.Connection, patient_id: int, ops: list[dict], seq: int) -> float:
    """Upsert the same rows in one multi-row INSERT .. ON CONFLICT; returns seconds."""
    now = datetime.now(UTC)
    values = []
    for offset, op in enumerate(ops):
        values += [op["item"], patient_id, op["date"], op["done"], op["op_id"], op["at"], seq + offset, now]
    placeholders = ",".join(["(%s,%s,%s,%s,%s,%s,%s,%s)"] * len(ops))
    sql = (
        "INSERT INTO checklists_checkoff"
        " (item_id, patient_id, date, done, op_id, client_at, seq, updated_at)"
        f" VALUES {placeholders} ON CONFLICT (item_id, date) DO UPDATE SET done = EXCLUDED.done,"
        " op_id = EXCLUDED.op_id, client_at = EXCLUDED.client_at, seq = EXCLUDED.seq,"
        " updated_at = EXCLUDED.updated_at"
    )
    started = time.perf_counter()
    with conn.transaction():
        conn.execute(sql, values)
    return time.perf_counter() - started


async def time_big_batches(port: int, seeded: dict) -> dict:
    clients = seeded["clients"]
    patient_id = next(iter(clients))
    me = clients[patient_id]
    sync_times, raw_times = [], []
    with psycopg.connect(database_url(seeded["days"]), autocommit=True) as conn:
        for repeat in range(BIG_BATCH_REPEATS + 1):
            at = datetime.now(UTC) + timedelta(seconds=repeat)
            ops = big_batch_ops(me["items"], seeded["first"], BIG_BATCH, at)
            body = json.dumps({"ops": ops, "since": me["cursor"]}).encode()
            raw = http_request("POST", "/api/v1/sync/", cookie=me["cookie"], csrf=me["csrf"], body=body)
            started = time.perf_counter()
            status, response = await fetch(port, raw)
            elapsed = time.perf_counter() - started
            if status != 200:
                raise RuntimeError(f"1000-op sync failed: HTTP {status} {response[:300]!r}")
            result = json.loads(response)
            assert len(result["applied"]) == BIG_BATCH, "every op of the big batch should apply"
            me["cursor"] = result["cursor"]
            # The same rows again, raw, a moment later (so they are real updates, as the sync's were).
            raw_ops = [{**op, "op_id": str(uuid.uuid4()), "done": not op["done"]} for op in ops]
            raw_time = raw_upsert(conn, patient_id, raw_ops, me["cursor"] + 1)
            if repeat:  # the first round warms caches
                sync_times.append(elapsed)
                raw_times.append(raw_time)
    return {"sync": statistics.median(sync_times) * 1000, "raw": statistics.median(raw_times) * 1000}


SYNC = f"sync {SYNC_BATCH} ops"
# The scenarios every history runs, taking turns: the floor, and the two endpoints the issue names.
HISTORY_SCENARIOS = (SIGNED_IN_BARE, "today", SYNC)
# Within this share of each other at the first and the longest history (issue 21).
HISTORY_TOLERANCE = 0.10
TODAY_P95_MS = 25
TODAY_VS_SIGNED_IN = 0.7


def scenarios_for(seeded: dict) -> tuple[dict[str, MakeRequest], dict[str, Callable[[Any, bytes], None]]]:
    """Return the request makers of each scenario on one seeded database, and the hooks reading
    their answers."""
    pool = list(seeded["clients"].items())
    first, today = seeded["first"], seeded["today"]
    bare = http_request("GET", "/bench/bare/")
    scenarios: dict[str, MakeRequest] = {"bare view": lambda: (bare, None)}

    def signed_in_bare_request():
        # The same view with a patient's session cookie: the middleware then loads the session and
        # the user, as on every API call. Shows what signing in costs apart from the endpoint itself.
        _, me = random.choice(pool)
        return http_request("GET", "/bench/bare/", cookie=me["cookie"]), None

    scenarios[SIGNED_IN_BARE] = signed_in_bare_request

    def today_request():
        _, me = random.choice(pool)
        return http_request("GET", "/api/v1/today/", cookie=me["cookie"]), None

    scenarios["today"] = today_request

    def sync_request():
        # Days anywhere in the history: a longer history must not make the same batch dearer.
        patient_id, me = random.choice(pool)
        ops = checkoff_ops(me["items"], first, today, SYNC_BATCH, datetime.now(UTC))
        body = json.dumps({"ops": ops, "since": me["cursor"]}).encode()
        return http_request(
            "POST", "/api/v1/sync/", cookie=me["cookie"], csrf=me["csrf"], body=body
        ), patient_id

    def remember_cursor(patient_id: int, body: bytes) -> None:
        me = seeded["clients"][patient_id]
        me["cursor"] = max(me["cursor"], json.loads(body)["cursor"])

    scenarios[SYNC] = sync_request
    return scenarios, {SYNC: remember_cursor}


async def warm_up(ports: dict[int, int], seeded: dict[int, dict], *, workers: int) -> None:
    """Send every server each kind of request, twice as many at once as it has workers: a worker's
    first request loads the URLconf and opens its connections, seconds on a busy machine, which would
    otherwise fall in the first scenario measured on that server."""
    for days, port in ports.items():
        scenarios, _ = scenarios_for(seeded[days])
        for make in scenarios.values():
            await asyncio.gather(*(fetch(port, make()[0]) for _ in range(2 * workers)))


async def run_load(port: int, seeded: dict, *, clients: int, duration: float) -> dict:
    """Run every scenario on one history; returns the figures by scenario name."""
    scenarios, hooks = scenarios_for(seeded)
    results: dict[str, Any] = {}
    for name, make in scenarios.items():
        log(f"{name}: {clients} concurrent clients ...")
        results[name] = await drive(port, make, clients=clients, duration=duration, on_body=hooks.get(name))
    # One client at a time: the server's own time per request, without queueing behind 31 others.
    for name, make in scenarios.items():
        log(f"{name}: one client ...")
        results[f"{name} (1 client)"] = await drive(
            port, make, clients=1, duration=min(SEQUENTIAL_SECONDS, duration), on_body=hooks.get(name)
        )
    # Latency at a load the server keeps up with: half of today's 32-client throughput, offered at a
    # steady rate, to bare view and today alike.
    rate = round(results["today"]["rps"] / 2)
    for name in ("bare view", "today"):
        log(f"{name}: {rate} requests per second, open loop ...")
        results[f"{name} at {rate} req/s"] = await drive_at_rate(
            port, scenarios[name], rate=rate, duration=min(SEQUENTIAL_SECONDS, duration)
        )
    results["open loop rate"] = rate
    log(f"{BIG_BATCH}-op sync batch against a raw upsert of the same rows ...")
    results["big"] = await time_big_batches(port, seeded)
    return results


async def run_histories(
    ports: dict[int, int], seeded: dict[int, dict], *, clients: int, duration: float
) -> dict[int, dict]:
    """Run HISTORY_SCENARIOS at ``clients`` clients on every history, one history after the other
    per scenario; returns the figures by history, then scenario name."""
    results: dict[int, dict] = {days: {} for days in ports}
    for name in HISTORY_SCENARIOS:
        for days, port in ports.items():
            scenarios, hooks = scenarios_for(seeded[days])
            log(f"{name} at {days} days of history: {clients} concurrent clients ...")
            results[days][name] = await drive(
                port, scenarios[name], clients=clients, duration=duration, on_body=hooks.get(name)
            )
    return results


def share(part: float, whole: float) -> float:
    """Return part / whole; nan when no request of ``whole`` finished in time (a machine too busy for
    the run's duration), which then fails every target it enters."""
    return part / whole if whole else float("nan")


def print_targets(checks: list[tuple[str, bool]]) -> None:
    for label, ok in checks:
        print(f"  target {label}: {'met' if ok else 'NOT met'}")


def report(results: dict, args: argparse.Namespace, days: int) -> None:
    bare = results["bare view"]
    names = ("bare view", SIGNED_IN_BARE, "today", SYNC)
    print()
    print(
        f"Patient API benchmark: {args.patients} patients x {ASSIGNMENTS_PER_PATIENT} assignments x "
        f"{ITEMS_PER_ASSIGNMENT} items x {days} days; gunicorn {args.workers} workers, "
        f"{args.clients} concurrent clients, {args.duration:.0f} s per scenario, PostgreSQL, DEBUG=0"
    )
    header = ("scenario", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "vs bare req/s")
    print(f"{header[0]:<33}" + "".join(f"{h:>9}" for h in header[1:-1]) + f"{header[-1]:>15}")
    rate = results["open loop rate"]
    at_rate = [f"{n} at {rate} req/s" for n in ("bare view", "today")]
    for name in (*names, *(f"{n} (1 client)" for n in names), *at_rate):
        r = results[name]
        base = bare
        if "(1 client)" in name:
            base = results["bare view (1 client)"]
        elif name in at_rate:
            base = results[at_rate[0]]
        print(
            f"{name:<33}{r['rps']:>9.0f}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['p99']:>9.1f}{r['errors']:>8}"
            f"{share(r['rps'], base['rps']):>14.2f}x"
        )
    big = results["big"]
    ratio = big["sync"] / big["raw"]
    print(
        f"{BIG_BATCH}-op sync batch (HTTP, end to end, median of {BIG_BATCH_REPEATS}): {big['sync']:.1f} ms; "
        f"raw multi-row upsert of the same rows: {big['raw']:.1f} ms; ratio {ratio:.2f}x"
    )
    today = results["today"]
    vs_signed_in = share(today["rps"], results[SIGNED_IN_BARE]["rps"])
    print(
        f"today vs the bare view signed in (the same session and user loading, no endpoint): "
        f"{vs_signed_in:.2f}x req/s"
    )
    print_targets(
        [
            (f"today p95 < {TODAY_P95_MS} ms", today["p95"] < TODAY_P95_MS),
            (f"today >= {TODAY_VS_SIGNED_IN}x the bare view signed in", vs_signed_in >= TODAY_VS_SIGNED_IN),
            (f"{BIG_BATCH}-op batch <= 1.5x raw upsert", ratio <= 1.5),
        ]
    )


def report_histories(results: dict[int, dict], seeded: dict[int, dict], args: argparse.Namespace) -> None:
    """Print each history's figures beside the first's, its rows, and the within-10% targets."""
    first, *others = results
    print()
    print(
        f"History: {args.patients} patients, {args.clients} concurrent clients, {args.duration:.0f} s "
        "per scenario and history, the histories taking turns"
    )
    for days in results:
        rows = seeded[days]["rows"]
        scale = rows["check-offs"] / seeded[first]["rows"]["check-offs"]
        counts = ", ".join(f"{count:,} {name}" for name, count in rows.items())
        print(
            f"  {days} days: {counts} ({scale:.1f}x the check-offs of {first} days); "
            f"today's query touches {seeded[days]['today buffers']} pages"
        )
    header = "".join(f"{f'{days} d req/s':>13}{'p95 ms':>9}" for days in results)
    print(f"{'scenario':<24}{header}" + "".join(f"{f'{d} d / {first} d':>14}" for d in others))
    checks = []
    for name in HISTORY_SCENARIOS:
        figures = "".join(f"{results[d][name]['rps']:>13.0f}{results[d][name]['p95']:>9.1f}" for d in results)
        ratios = [share(results[d][name]["rps"], results[first][name]["rps"]) for d in others]
        print(f"{name:<24}{figures}" + "".join(f"{r:>13.2f}x" for r in ratios))
        if name != SIGNED_IN_BARE:
            checks += [
                (f"{name} at {d} days within 10% of {first} days (req/s)", abs(r - 1) <= HISTORY_TOLERANCE)
                for d, r in zip(others, ratios, strict=True)
            ]
    for days in results:
        today = results[days]["today"]
        vs_signed_in = share(today["rps"], results[days][SIGNED_IN_BARE]["rps"])
        print(f"today vs the bare view signed in at {days} days: {vs_signed_in:.2f}x req/s")
        checks += [
            (f"today p95 < {TODAY_P95_MS} ms at {days} days", today["p95"] < TODAY_P95_MS),
            (
                f"today >= {TODAY_VS_SIGNED_IN}x the bare view signed in at {days} days",
                vs_signed_in >= TODAY_VS_SIGNED_IN,
            ),
        ]
    print_targets(checks)


def today_buffers(seeded: dict) -> int:
    """Return the 8 kB pages that today's query touches for one patient: a figure of the work a longer
    history adds that the machine's load leaves alone, unlike the req/s beside it."""
    from django.db import connection

    from checklists.plan.selectors import TODAY_SQL

    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + TODAY_SQL,
            [seeded["today"], next(iter(seeded["clients"]))],
        )
        [[explained]] = cursor.fetchall()
    plan = explained[0]["Plan"]
    return plan["Shared Hit Blocks"] + plan["Shared Read Blocks"]


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=300)
    parser.add_argument(
        "--history", default="90,900", help="days of history per patient, comma-separated (default 90,900)"
    )
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds measured per scenario")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    args = parser.parse_args()
    histories = [int(days) for days in args.history.split(",")]
    # The 1000-op batch writes distinct (item, day) keys from the first day on, none in the future.
    least = BIG_BATCH // (ASSIGNMENTS_PER_PATIENT * ITEMS_PER_ASSIGNMENT) + 1
    if histories[0] < least:
        parser.error(f"the first history needs at least {least} days for the {BIG_BATCH}-op batch")

    create_databases(histories)
    seeded: dict[int, dict] = {}
    for days in histories:
        use_database(database_url(days))
        log(f"seeding {args.patients} patients x {days} days ...")
        started = time.perf_counter()
        seeded[days] = seed(patients=args.patients, days=days)
        log(f"seeded in {time.perf_counter() - started:.1f} s: {seeded[days]['rows']}")
        seeded[days]["today buffers"] = today_buffers(seeded[days])
    from django.db import connections

    connections.close_all()
    servers: dict[int, subprocess.Popen] = {}
    ports: dict[int, int] = {}
    try:
        for days in histories:
            ports[days] = free_port()
            servers[days] = start_gunicorn(ports[days], args.workers, database_url(days))
            log(f"gunicorn pid {servers[days].pid} on port {ports[days]}: {days} days of history")
        first = histories[0]
        asyncio.run(warm_up(ports, seeded, workers=args.workers))
        results = asyncio.run(
            run_load(ports[first], seeded[first], clients=args.clients, duration=args.duration)
        )
        history_results = {}
        if len(histories) > 1:
            history_results = asyncio.run(
                run_histories(ports, seeded, clients=args.clients, duration=args.duration)
            )
    finally:
        for server in servers.values():
            stop_server(server)
        log("gunicorns stopped")
    report(results, args, first)
    if history_results:
        report_histories(history_results, seeded, args)
    every = [*results.values(), *(r for by_name in history_results.values() for r in by_name.values())]
    failed = sum(r["errors"] for r in every if isinstance(r, dict) and "errors" in r)
    if failed:
        sys.exit(f"{failed} requests failed: the figures above are not valid.")


if __name__ == "__main__":
    main()
