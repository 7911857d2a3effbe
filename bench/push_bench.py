"""Push pipeline benchmark: 100,000 patients, one reminder each at the same slot, one push each.

    .venv/bin/python bench/push_bench.py                      # full size
    .venv/bin/python bench/push_bench.py --patients 2000 --check delivery   # CI

PostgreSQL (own database, default rls_bench_push, created if missing), Redis (db 7), the real sweep
and Celery workers (send tasks of REMINDER_SEND_BATCH pairs) and the local fake push service speaking
HTTP/2 over TLS in a child process, which verifies VAPID and decrypts every message. Prints the
seconds from the slot to the last verified push, pushes per second end to end, whether every push
arrived exactly once, the CPU per push split into encryption, HTTP, database and Celery overhead,
and the CPU of each kind of process. Target: >= 1,700 pushes/s and all within 60 s of the slot.
"""

import argparse
import json
import multiprocessing
import os
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.reminders.fakepush import FakePushService

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reminders_bench import (  # noqa: E402 (after the path; bench/ is the script's own folder)
    CpuSampler,
    cpu_seconds_by_kind,
    ensure_database,
    serve_push_in_child,
    setup_django,
)

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/rls_bench_push"
DEFAULT_BROKER = "redis://127.0.0.1:6379/7"
TARGET_PUSHES_PER_SECOND = 1700
TARGET_SECONDS = 60


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=200, help="REMINDER_SEND_BATCH: pairs per send task")
    parser.add_argument("--workers", type=int, default=1, help="Celery worker processes")
    parser.add_argument("--concurrency", type=int, default=2, help="pool processes per worker")
    parser.add_argument("--pool", choices=["prefork", "threads", "solo"], default="prefork")
    parser.add_argument(
        "--fake-processes", type=int, default=2, help="processes serving the fake push service's socket"
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--broker-url", default=os.environ.get("BENCH_BROKER_URL", DEFAULT_BROKER))
    parser.add_argument("--timeout", type=float, default=600, help="give up waiting after this many seconds")
    parser.add_argument(
        "--check",
        choices=["targets", "delivery"],
        default="targets",
        help="what the exit status reports: the targets too (default), or only that every push arrived "
        "once, verified (CI's small run, whose timings mean little)",
    )
    return parser.parse_args()


def populate(count: int, push_service: "FakePushService") -> None:
    """Fill the bench database: ``count`` patients, each with one diary reminder (not due until the
    slot is set) and one push subscription to ``push_service``. Multi-row INSERTs of 5,000 rows."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from checklists.models import Patient, PushSubscription
    from checklists.models.reminders import Reminder

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE checklists_delivery, checklists_notification, checklists_reminder, "
            "checklists_pushsubscription, checklists_patient, auth_user CASCADE"
        )
    User = get_user_model()
    users = User.objects.bulk_create(
        (User(username=f"push{n}@example.com", email=f"push{n}@example.com") for n in range(count)),
        batch_size=5000,
    )
    patients = Patient.objects.bulk_create(
        (Patient(user=u, time_zone="Europe/Berlin") for u in users), batch_size=5000
    )
    far = datetime(2100, 1, 1, tzinfo=UTC)
    Reminder.objects.bulk_create(
        (Reminder(patient=p, kind="diary", local_time="21:30", next_fire_at=far) for p in patients),
        batch_size=5000,
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
    PushSubscription.objects.bulk_create(subscriptions, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def worker_profiles(folder: Path) -> dict[str, float]:
    """Sum the CPU accounts the workers wrote (bench/push_bench_settings.py)."""
    totals: dict[str, float] = {}
    for path in folder.glob("*.json"):
        for name, value in json.loads(path.read_text()).items():
            totals[name] = totals.get(name, 0.0) + value
    return totals


def main() -> int:
    args = parse_args()
    ensure_database(args.database_url)
    setup_django(args)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections
    from django.db.models import Count

    from checklists.models.reminders import Delivery, Reminder
    from checklists.reminders.push import vapid_generate_keys
    from checklists.tasks import reminders_send, sweep_and_enqueue
    from tests.reminders.fakepush import FakePushService
    from tests.reminders.processes import Worker, wait_for

    call_command("migrate", verbosity=0)
    private, public = vapid_generate_keys()
    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = private, public
    push_service = FakePushService(vapid_public_key=public, http2=True).bind()
    started = time.perf_counter()
    populate(args.patients, push_service)
    print(f"populated {args.patients:,} patients in {time.perf_counter() - started:.1f} s")
    profile_dir = Path(tempfile.mkdtemp(prefix="push-bench-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.push_bench_settings",
        "PUSH_BENCH_PROFILE_DIR": str(profile_dir),
        "VAPID_PRIVATE_KEY": private,
        "VAPID_PUBLIC_KEY": public,
        "REMINDER_SEND_BATCH": str(args.batch),
        "REMINDER_PUSH_CA_FILE": push_service.ca_file,
        "DB_CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-" + secrets.token_hex(20),
        "ALLOWED_HOSTS": "localhost",
    }
    settings.REMINDER_SEND_BATCH = args.batch
    fork = multiprocessing.get_context("fork")
    stop_push, push_results = fork.Event(), fork.Queue()
    workers: list[Worker] = []
    connections.close_all()  # the forked children must not share a database connection
    push_processes = [
        fork.Process(target=serve_push_in_child, args=(push_service, stop_push, push_results))
        for _ in range(args.fake_processes)
    ]
    for process in push_processes:
        process.start()
    try:
        with reminders_send.app.connection_for_write() as conn:
            conn.default_channel.queue_purge("celery")
        for n in range(args.workers):
            log = ROOT / "var" / f"push-bench-worker{n}.log"
            worker = Worker(env, name=f"push{n}", concurrency=args.concurrency, pool=args.pool, log=log)
            workers.append(worker.start())
        now = datetime.now(UTC)
        slot = (now + timedelta(seconds=20)).replace(microsecond=0)
        Reminder.objects.update(next_fire_at=slot)
        print(
            f"slot {slot:%H:%M:%S} UTC: {args.workers} worker(s), {args.pool} pool, concurrency "
            f"{args.concurrency}, {args.batch} pairs per send task"
        )
        time.sleep(max(0.0, (slot - datetime.now(UTC)).total_seconds()))
        sampler = CpuSampler()
        sweep_started = time.perf_counter()
        result = sweep_and_enqueue()
        sweep_seconds = time.perf_counter() - sweep_started
        print(f"sweep: claimed {result.claimed:,}, queued {result.queued:,} pairs in {sweep_seconds:.1f} s")

        def done() -> bool:
            return not Delivery.objects.filter(slot=slot, status__in=["pending", "sending"]).exists()

        wait_for(done, timeout=args.timeout, interval=0.5, message="all deliveries")
        before, after = sampler.stop()
        kinds = ours(after, args.database_url.rsplit("/", 1)[1])
        kinds[os.getpid()] = "this process (sweep, polling)"
        kinds.update((process.pid or 0, "fake push service") for process in push_processes)
        cpu = cpu_seconds_by_kind(before, after, kinds)
        statuses = dict(
            Delivery.objects.filter(slot=slot)
            .values("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
        channels = dict(
            Delivery.objects.filter(slot=slot)
            .values("channel")
            .annotate(n=Count("id"))
            .values_list("channel", "n")
        )
    finally:
        for worker in workers:
            worker.stop()
        stop_push.set()
        stats = merged([push_results.get(timeout=120) for _ in push_processes])
        for process in push_processes:
            process.join(timeout=30)
    connection.close()
    return report(args, slot, stats, statuses, channels, cpu, worker_profiles(profile_dir))


def ours(readings: dict[int, tuple[str, int]], database: str) -> dict[int, str]:
    """Return the kinds of this bench's own processes among ``readings`` (cpu_ticks()): the PostgreSQL
    backends of its database and its Celery workers (by their names); other agents' PostgreSQL and
    Celery processes on a shared machine then count apart."""
    kinds = {}
    for pid, (command, _) in readings.items():
        if command.startswith("postgres") and f" {database} " in f"{command} ":
            kinds[pid] = BENCH_POSTGRESQL
        elif "celery" in command and "--hostname push" in command:
            kinds[pid] = BENCH_WORKERS
    return kinds


BENCH_POSTGRESQL = "PostgreSQL (the bench's database)"
BENCH_WORKERS = "Celery workers (the bench's)"


def merged(results: list[dict]) -> dict:
    """Return what the fake push service's processes received, as one."""
    arrivals = [arrival for result in results for arrival in result["arrivals"]]
    protocols: dict[str, int] = {}
    for result in results:
        for protocol, count in result["protocols"].items():
            protocols[protocol] = protocols.get(protocol, 0) + count
    return {
        "received": len(arrivals),
        "tags": len({(subscriber, tag) for subscriber, tag, _ in arrivals}),
        "last_at": max((at for _, _, at in arrivals), default=0.0),
        "rejected_count": sum(result["rejected_count"] for result in results),
        "rejected": [text for result in results for text in result["rejected"]][:5],
        "protocols": protocols,
    }


def report(
    args: argparse.Namespace,
    slot: datetime,
    stats: dict,
    statuses: dict,
    channels: dict,
    cpu: dict[str, float],
    profile: dict[str, float],
) -> int:
    """Print the figures and targets; return the exit status."""
    pushes = stats["received"]
    last = stats["last_at"] - slot.timestamp() if pushes else float("inf")
    rate = pushes / last if pushes else 0.0
    print()
    print(f"deliveries: {statuses}, channels {channels}")
    print(
        f"pushes received, VAPID verified and decrypted: {pushes:,} (protocols {stats['protocols']}); "
        f"rejected: {stats['rejected_count']} {stats['rejected']}; "
        f"distinct (subscription, tag): {stats['tags']:,}"
    )
    once = pushes == stats["tags"] == args.patients and not stats["rejected_count"]
    print("none twice, none missing" if once else "PUSHES MISSING OR DUPLICATED")
    print(f"slot to last verified push: {last:.1f} s; pushes per second end to end: {rate:,.0f}")
    met = rate >= TARGET_PUSHES_PER_SECOND and last <= TARGET_SECONDS
    print(
        f"target >= {TARGET_PUSHES_PER_SECOND:,}/s and all within {TARGET_SECONDS} s: "
        + ("met" if met else "NOT met")
    )
    workers_cpu = cpu.get(BENCH_WORKERS, 0.0)
    per_push = 1000 / max(pushes, 1)
    encryption, push_phase, send = (profile.get(k, 0.0) for k in ("encryption", "push", "send"))
    print(
        "CPU ms per push: "
        f"encryption {encryption * per_push:.3f} (push.encrypt, timed in the workers); "
        f"HTTP {(push_phase - encryption) * per_push:.3f} (the push phase less encryption: h2, TLS, "
        "asyncio, VAPID header, endpoint checks, one query); "
        f"database {(send - push_phase) * per_push:.3f} in the workers (the send task less its push phase: "
        f"claims, reads, writes, decisions) + {cpu.get(BENCH_POSTGRESQL, 0.0) * per_push:.3f} in PostgreSQL "
        "(its backends of the bench's database); "
        f"Celery overhead {(workers_cpu - send) * per_push:.3f} (worker processes' CPU less the send "
        f"task bodies) + {cpu.get('Redis', 0.0) * per_push:.3f} in Redis; "
        f"fake push service {cpu.get('fake push service', 0.0) * per_push:.3f}"
    )
    print(
        "CPU seconds by process: "
        + ", ".join(
            f"{kind} {spent:.1f}"
            for kind, spent in sorted(cpu.items(), key=lambda kv: -kv[1])
            if spent >= 0.1
        )
        + f"; {sum(cpu.values()):.1f} in all on {os.cpu_count()} cores"
    )
    if args.check == "delivery":
        print("(timing target not judged: --check delivery)")
        return 0 if once else 1
    return 0 if once and met else 1


if __name__ == "__main__":
    sys.exit(main())
