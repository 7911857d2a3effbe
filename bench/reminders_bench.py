"""Reminder dispatch benchmark: 100,000 reminders due in the same minute across 10,000 patients.

    .venv/bin/python bench/reminders_bench.py            # full size (see --help for smaller runs)

PostgreSQL (own database, default rls_bench_reminders, created if missing) and Redis (db 1), two
Celery worker processes and the local fake push service (which verifies VAPID and decrypts every
message). Prints: seconds from the slot to the last delivery, p50/p99 lateness, deliveries per
second, and the sweep's claim-and-insert throughput as a ratio to a raw ``INSERT ... SELECT`` of the
same delivery rows measured in the same run. Targets: all delivered within 60 s; ratio >= 0.5.

By default the medication reminders are dose reminders (issue 18): each of a medicine with a dose
time, decided at send time against the medicine's schedule and the intake log, and a quarter of
those doses already recorded as taken (skipped, "only if not done"). ``--doses off`` gives the
earlier mix (medication reminders of no medicine).
"""

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    import multiprocessing.queues
    import multiprocessing.synchronize

    from tests.reminders.fakepush import FakePushService

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/rls_bench_reminders"
DEFAULT_BROKER = "redis://127.0.0.1:6379/1"
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "Pacific/Chatham"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--per-patient", type=int, default=10, help="reminders per patient")
    parser.add_argument(
        "--doses",
        choices=["on", "off"],
        default="on",
        help="the medication reminders as dose reminders of medicines, a quarter of the doses "
        "recorded as taken (default), or reminders of no medicine (the mix before dose reminders)",
    )
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--concurrency", type=int, default=1, help="pool processes or threads per worker")
    parser.add_argument(
        "--pool",
        choices=["prefork", "threads", "solo"],
        default="prefork",
        help="Celery worker pool: processes, threads (overlap one task's waits on the database and "
        "the push service with another's work, in one process), or solo (tasks run in the worker "
        "process itself: no pool process to hand each task to; --concurrency is ignored)",
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--broker-url", default=os.environ.get("BENCH_BROKER_URL", DEFAULT_BROKER))
    parser.add_argument("--timeout", type=float, default=300, help="give up waiting after this many seconds")
    parser.add_argument(
        "--check",
        choices=["targets", "delivery"],
        default="targets",
        help="what the exit status reports: the timing targets too (default), or only that every "
        "reminder was delivered once and every push verified (CI's small run, whose timings mean little)",
    )
    return parser.parse_args()


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(args: argparse.Namespace) -> None:
    os.environ.update(
        {
            # The app's settings, with the fake push service on 127.0.0.1 allowed.
            "DJANGO_SETTINGS_MODULE": "bench.reminders_bench_settings",
            "DATABASE_URL": args.database_url,
            "CELERY_BROKER_URL": args.broker_url,
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()


def populate(args: argparse.Namespace, push_service: "FakePushService") -> tuple[int, int]:
    """Fill the bench database: patients with a push subscription, an assignment (3 items) and
    ``per_patient`` reminders each (one checklist, one diary, the rest medication times: with
    ``--doses on`` each the dose reminder of a medicine, one dose in four recorded as taken)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from checklists.models import Assignment, AssignmentItem, Medication, Patient, PushSubscription
    from checklists.models.reminders import Reminder

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE checklists_delivery, checklists_notification, checklists_reminder, "
            "checklists_intakerecord, checklists_medication, "
            "checklists_pushsubscription, checklists_assignmentitem, checklists_assignment, "
            "checklists_checkoff, checklists_diaryentry, checklists_patient, auth_user CASCADE"
        )
    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"bench{n}@example.com", email=f"bench{n}@example.com") for n in range(args.patients)
    )
    rng = random.Random(6)
    patients = Patient.objects.bulk_create(Patient(user=u, time_zone=rng.choice(ZONES)) for u in users)
    today = datetime.now(UTC).date() - timedelta(days=1)
    assignments = Assignment.objects.bulk_create(
        Assignment(patient=p, name="Bench", category="trigger_avoidance", start_date=today) for p in patients
    )
    AssignmentItem.objects.bulk_create(
        AssignmentItem(assignment=a, position=i, text=f"Item {i}") for a in assignments for i in range(3)
    )
    subscriptions = []
    for patient in patients:
        subscriber = push_service.subscriber(f"p{patient.pk}")
        subscriptions.append(
            PushSubscription(
                patient=patient,
                endpoint=push_service.endpoint(f"p{patient.pk}"),
                p256dh=subscriber.p256dh,
                auth=subscriber.auth,
            )
        )
    PushSubscription.objects.bulk_create(subscriptions, batch_size=2000)
    far = datetime(2100, 1, 1, tzinfo=UTC)
    doses = args.per_patient - 2
    medicines: list[Medication] = []
    if args.doses == "on":
        medicines = Medication.objects.bulk_create(
            (
                Medication(patient=p, name=f"Bench medicine {n}", dose_times="08:00")
                for p in patients
                for n in range(doses)
            ),
            batch_size=5000,
        )
    rows = []
    for index, (patient, assignment) in enumerate(zip(patients, assignments, strict=True)):
        rows.append(Reminder(patient=patient, kind="assignment", assignment=assignment, local_time="13:30"))
        rows.append(Reminder(patient=patient, kind="diary", local_time="21:30"))
        if medicines:
            rows.extend(
                Reminder(
                    patient=patient, kind="medication", medication=m, dose_time="08:00", local_time="08:00"
                )
                for m in medicines[index * doses : (index + 1) * doses]
            )
        else:
            rows.extend(
                Reminder(patient=patient, kind="medication", local_time="08:00") for _ in range(doses)
            )
    for row in rows:
        row.next_fire_at = far  # not due until the slot is chosen
    Reminder.objects.bulk_create(rows, batch_size=5000)
    return len(patients), len(rows)


def record_doses(slot: datetime) -> int:
    """Record one dose in four as taken on the slot's local date (those reminders are skipped at send
    time); returns how many."""
    from django.db import connection

    from checklists.models import IntakeRecord
    from checklists.models.reminders import Reminder
    from checklists.reminders.send import dose_date

    taken = []
    rows = Reminder.objects.filter(medication__isnull=False).values_list(
        "medication_id", "patient_id", "dose_time", "patient__time_zone"
    )
    for n, (medication_id, patient_id, dose_time, zone) in enumerate(rows.order_by("id")):
        if n % 4 == 0 and dose_time is not None:
            # The dose the slot reminds of: in zones where the slot comes before 08:00, yesterday's.
            day = dose_date(slot, dose_time, ZoneInfo(zone))
            taken.append(
                IntakeRecord(
                    medication_id=medication_id,
                    patient_id=patient_id,
                    date=day,
                    slot=dose_time,
                    status="taken",
                )
            )
    IntakeRecord.objects.bulk_create(taken, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return len(taken)


def raw_insert_select(slot: datetime, *, shift: bool = False) -> tuple[float, float]:
    """Time a raw INSERT ... SELECT of the same delivery rows the sweep will write: the statement
    alone, and with its commit (deferred foreign-key checks). Then delete the rows again."""
    from django.db import connection, transaction

    sql = """INSERT INTO checklists_delivery (reminder_id, patient_id, slot, channel, status, attempts,
                 last_error, created_at, queued_at)
             SELECT id, patient_id, %s, '', 'pending', 0, '', now(), now()
             FROM checklists_reminder WHERE active AND next_fire_at {} %s"""
    # Before the sweep: the due rows. After it (shift): the same rows, now due at their next slot,
    # inserted with a slot 1 microsecond after the sweep's so they do not collide.
    sql = sql.format(">" if shift else "<=")
    at = slot + timedelta(microseconds=1) if shift else slot
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [at, slot])
        statement = time.perf_counter() - started
    committed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM checklists_delivery WHERE slot = %s", [at])
        cursor.execute("VACUUM ANALYZE checklists_delivery")
    return statement, committed


def serve_push_in_child(
    push_service: "FakePushService",
    stop: "multiprocessing.synchronize.Event",
    results: "multiprocessing.queues.Queue[dict[str, Any]]",
) -> None:
    """Run the (already bound) fake push service in this forked process until ``stop`` is set, then
    report what it received. Its own process, so its decryption does not compete with the sweep."""
    try:
        push_service.start()
        stop.wait()
        words = ["caffeine", "alcohol", "item 0", "bench", "@example.com", "medication", "diary"]

        # A dose is ids only ({"medication": id, "date", "slot"}); the rest of the payload is text.
        def health_data(payload: dict) -> bool:
            text = str({k: v for k, v in payload.items() if k != "doses"}).lower()
            doses_ok = all(
                sorted(d) == ["date", "medication", "slot"] and isinstance(d["medication"], int)
                for d in payload.get("doses", [])
            )
            return any(w in text for w in words) or not doses_ok

        results.put(
            {
                "received": len(push_service.received),
                "tags": len({(r.subscriber, r.payload.get("tag")) for r in push_service.received}),
                "rejected": push_service.rejected[:5],
                "rejected_count": len(push_service.rejected),
                "health_data": sum(health_data(r.payload) for r in push_service.received),
                "first_at": min((r.at for r in push_service.received), default=0.0),
                "last_at": max((r.at for r in push_service.received), default=0.0),
                "protocols": dict(push_service.protocols),
                # (subscriber, tag, arrival time) of each push: duplicates across several serving
                # processes (bench/push_bench.py) show only here.
                "arrivals": [(r.subscriber, r.payload.get("tag"), r.at) for r in push_service.received],
            }
        )
        results.close()
        results.join_thread()  # the report is in the pipe before this process ends
        push_service.stop()
    finally:
        os._exit(0)  # no finalizers: the parent's inherited sockets stay untouched


def cpu_ticks() -> dict[int, tuple[str, int]]:
    """Return pid -> (command line, user + system CPU time in clock ticks) for every process."""
    ticks = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat, open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                fields = stat.read().rsplit(")", 1)[1].split()
                ticks[int(pid)] = (
                    cmdline.read().replace(b"\0", b" ").decode(errors="replace"),
                    int(fields[11]) + int(fields[12]),
                )
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile, or not ours to read
    return ticks


class CpuSampler:
    """Reads ``cpu_ticks()`` every half second in a thread, so processes that end before the last
    reading (autovacuum workers, say) still count with their last reading."""

    def __init__(self) -> None:
        self.before = cpu_ticks()
        self.latest = dict(self.before)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.latest.update(cpu_ticks())

    def stop(self) -> tuple[dict, dict]:
        """Take a last reading; return the first and the latest reading of every process."""
        self._stop.set()
        self._thread.join()
        self.latest.update(cpu_ticks())
        return self.before, self.latest


def cpu_seconds_by_kind(before: dict, after: dict, kinds: dict[int, str]) -> dict[str, float]:
    """Return CPU seconds spent between two ``cpu_ticks()`` readings, by kind of process: the pids in
    ``kinds``, then PostgreSQL, Celery and Redis by command line, the rest as "other processes" (much
    there means the run shared the machine)."""
    seconds: dict[str, float] = {}
    hertz = os.sysconf("SC_CLK_TCK")
    for pid, (command, ticks) in after.items():
        kind = kinds.get(pid) or next(
            (name for marker, name in CPU_KINDS if marker in command), "other processes"
        )
        spent = (ticks - before.get(pid, (command, 0))[1]) / hertz
        seconds[kind] = seconds.get(kind, 0.0) + spent
    return seconds


# Command-line markers of the processes the delivery phase keeps busy.
CPU_KINDS = [("postgres", "PostgreSQL"), ("celery", "Celery workers"), ("redis-server", "Redis")]


def main() -> int:
    args = parse_args()
    ensure_database(args.database_url)
    setup_django(args)
    from django.core.management import call_command
    from django.db import connection, connections
    from django.db.models import Count

    from checklists.models.reminders import Delivery, Reminder
    from checklists.reminders import dispatch
    from checklists.reminders.push import vapid_generate_keys
    from checklists.tasks import reminders_send, sweep_and_enqueue
    from tests.reminders.fakepush import FakePushService
    from tests.reminders.processes import Worker, wait_for

    call_command("migrate", verbosity=0)
    private, public = vapid_generate_keys()
    from django.conf import settings

    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = private, public
    push_service = FakePushService(vapid_public_key=public).bind()
    workers: list[Worker] = []
    push_process = None
    stop_push, push_results = (
        multiprocessing.get_context("fork").Event(),
        multiprocessing.get_context("fork").Queue(),
    )
    try:
        t0 = time.perf_counter()
        patients, total = populate(args, push_service)
        print(f"populated {patients:,} patients, {total:,} reminders in {time.perf_counter() - t0:.1f} s")
        # The slot: the next whole minute at least 15 s away (time for the workers to start).
        now = datetime.now(UTC)
        slot = (now + timedelta(seconds=75)).replace(second=0, microsecond=0)
        if (slot - now).total_seconds() > 60 + 15:
            slot -= timedelta(minutes=1)
        Reminder.objects.update(next_fire_at=slot)
        if args.doses == "on":
            print(f"recorded {record_doses(slot):,} doses as taken (their reminders are skipped)")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE checklists_reminder")  # as autovacuum would have
        raw_seconds, raw_committed = raw_insert_select(slot)
        print(
            f"raw INSERT ... SELECT of {total:,} delivery rows: {raw_seconds:.2f} s, "
            f"{raw_committed:.2f} s with its commit"
        )

        env = {
            **os.environ,
            "VAPID_PRIVATE_KEY": private,
            "VAPID_PUBLIC_KEY": public,
            "DB_CONN_MAX_AGE": "600",
            "LOG_LEVEL": "WARNING",
            # Production settings: with DEBUG on, Django also keeps every query's text in memory.
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
            "ALLOWED_HOSTS": "localhost",
        }
        connections.close_all()  # the forked child must not share a database connection
        push_process = multiprocessing.get_context("fork").Process(
            target=serve_push_in_child, args=(push_service, stop_push, push_results)
        )
        push_process.start()
        reminders_send.app.connection_for_write().connect()  # fail now if the broker is down
        with reminders_send.app.connection_for_write() as conn:
            conn.default_channel.queue_purge("celery")
        for n in range(args.workers):
            log = ROOT / "var" / f"bench-worker{n}.log"
            worker = Worker(env, name=f"bench{n}", concurrency=args.concurrency, pool=args.pool, log=log)
            workers.append(worker.start())
        wait = (slot - datetime.now(UTC)).total_seconds()
        print(
            f"slot {slot:%H:%M:%S} UTC: waiting {wait:.0f} s with {args.workers} workers started "
            f"({args.pool} pool, concurrency {args.concurrency})"
        )
        time.sleep(max(0.0, wait))

        # Inside the real sweep (which also publishes), time the claim-and-insert statements and
        # the whole claim transactions (claim and insert, advance next_fire_at, commit).
        timings = {"statement": 0.0, "transaction": 0.0}

        def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
            def wrapper(*args, **kwargs):
                started = time.perf_counter()
                try:
                    return function(*args, **kwargs)
                finally:
                    timings[name] += time.perf_counter() - started

            return wrapper

        originals = dispatch._claim_batch_postgresql, dispatch.reminders_claim_batch
        dispatch._claim_batch_postgresql = timed("statement", originals[0])
        dispatch.reminders_claim_batch = timed("transaction", originals[1])
        sampler = CpuSampler()
        started = time.perf_counter()
        result = sweep_and_enqueue()
        sweep_seconds = time.perf_counter() - started
        dispatch._claim_batch_postgresql, dispatch.reminders_claim_batch = originals
        print(
            f"sweep: claimed {result.claimed:,} reminders, queued {result.queued:,} sends in "
            f"{sweep_seconds:.2f} s: claim-and-insert statements {timings['statement']:.2f} s, "
            f"claim transactions with advance and commit {timings['transaction']:.2f} s"
        )

        def done() -> bool:
            return not Delivery.objects.filter(slot=slot, status__in=["pending", "sending"]).exists()

        wait_for(done, timeout=args.timeout, interval=0.5, message="all deliveries")
        assert push_process.pid is not None  # started above
        cpu = cpu_seconds_by_kind(
            *sampler.stop(),
            {os.getpid(): "this process (sweep, polling)", push_process.pid: "fake push service"},
        )
        # The raw insert again, right after the sweep (same rows, a slot 1 microsecond later), so
        # the ratio is not at the mercy of what else the machine was doing at one moment.
        raw_after, raw_after_committed = raw_insert_select(slot, shift=True)
        print(
            f"raw INSERT ... SELECT after the sweep: {raw_after:.2f} s, {raw_after_committed:.2f} s committed"
        )
        sent = list(Delivery.objects.filter(slot=slot).values_list("sent_at", flat=True))
        late = sorted((at - slot).total_seconds() for at in sent if at is not None)
        statuses = dict(
            Delivery.objects.filter(slot=slot)
            .values("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
    finally:
        for worker in workers:
            worker.stop()
        stop_push.set()
        stats = push_results.get(timeout=60) if push_process else {}
        if push_process:
            push_process.join(timeout=30)
    # The next run's migrate re-checks every medicine's name (a post_migrate step): leave none behind.
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE checklists_intakerecord, checklists_medication CASCADE")
    connection.close()

    last = late[-1]
    pushes = stats["received"]
    raw_seconds = (raw_seconds + raw_after) / 2
    raw_committed = (raw_committed + raw_after_committed) / 2
    raw_rate = total / raw_seconds
    sweep_rate = result.claimed / timings["statement"]
    full_ratio = (result.claimed / timings["transaction"]) / (total / raw_committed)
    q = statistics.quantiles(late, n=100)
    print()
    print(f"deliveries: {len(late):,} {statuses}; pushes received and decrypted: {pushes:,}")
    print(
        f"pushes the fake service rejected (VAPID, TTL, encoding, decryption): {stats['rejected_count']}; "
        f"distinct (subscription, tag): {stats['tags']:,}; payloads with health data: {stats['health_data']}"
    )
    print(f"slot to last delivery: {last:.1f} s  (target <= 60 s)")
    print(
        "CPU seconds from the sweep to the last delivery: "
        + ", ".join(
            f"{kind} {spent:.1f}"
            for kind, spent in sorted(cpu.items(), key=lambda kv: -kv[1])
            if spent >= 0.1
        )
        + f"; {sum(cpu.values()):.1f} in all on {os.cpu_count()} cores"
    )
    print(f"lateness p50 {q[49]:.1f} s, p99 {q[98]:.1f} s")
    print(f"deliveries per second: {len(late) / last:,.0f} (pushes per second: {pushes / last:,.0f})")
    print(
        f"sweep claim-and-insert: {sweep_rate:,.0f} rows/s vs raw INSERT ... SELECT {raw_rate:,.0f} rows/s: "
        f"ratio {sweep_rate / raw_rate:.2f}  (target >= 0.5)"
    )
    print(
        f"whole claim transactions (claim, insert, advance next_fire_at, commit) vs raw insert with commit: "
        f"ratio {full_ratio:.2f}"
    )
    delivered = (
        len(late) == total and pushes == stats["tags"] == args.patients and not stats["rejected_count"]
    )
    on_time = last <= 60 and sweep_rate / raw_rate >= 0.5
    print("every reminder delivered once" if delivered else "DELIVERY FAILED")
    if args.check == "delivery":
        print(f"timing targets {'met' if on_time else 'missed'} (not judged: --check delivery)")
    else:
        print("targets met" if on_time else "TARGETS MISSED")
    return 0 if delivered and (on_time or args.check == "delivery") else 1


if __name__ == "__main__":
    sys.exit(main())
