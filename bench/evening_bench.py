"""The busiest minute of the day (issue 21): reminders go out while the patients open the app.

    .venv/bin/python bench/evening_bench.py                       # 10,000 patients, 100,000 reminders
    .venv/bin/python bench/evening_bench.py --patients 500 --open-within 10 --check errors   # CI

One command, every process on this machine: PostgreSQL (own database rls_bench_evening, created when
missing and migrated; populate empties its tables), Redis (db 9
the broker, db 10 the cache), and the production process set started from the systemd units' own
commands (deploy/smoke.py's Unit: gunicorn with checklists.ops.gunicorn_conf and the unit's worker
count, one Celery worker at the unit's concurrency, beat), the fake push service in a child process
(it verifies VAPID and decrypts every push) and this process as the load generator (asyncio).

Two runs. (a) The evening: N patients with R reminders each (bench/reminders_bench.py's populate:
one checklist, one diary, the rest dose reminders, a quarter of the doses already taken) all due at
one slot; the sweep is sent at the slot, as a beat tick on the minute would send it; a share of the
patients (30 %) open the app at a random moment within two minutes of the time their push arrived,
and each opening makes the PWA's requests (bench/evening_openings.py). (b) Alone: the same openings
at the same times relative to the start, the same requests, no reminders going out. Prints each
run's opening latency (all its requests) p50/p95/max, p95 by endpoint, errors, slot to delivery of
the last reminder and p99, the CPU seconds of every kind of process, and evening/alone ratios.
Targets: every reminder delivered within 60 s of its slot; opening p95 < 250 ms; no errors.
"""

import argparse
import asyncio
import multiprocessing
import os
import queue
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_bench import figures
from benchlib import ROOT, log, setup_served_django, sign_in
from evening_openings import Opening, Phone, run_openings
from reminders_bench import (
    CpuSampler,
    cpu_seconds_by_kind,
    ensure_database,
    populate,
    record_doses,
    serve_push_in_child,
)

sys.path.insert(0, str(ROOT))
from deploy import smoke

if TYPE_CHECKING:
    import multiprocessing.queues
    import multiprocessing.synchronize

    from tests.reminders.fakepush import FakePushService

PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "rls_bench_evening"
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379")
# The targets.
DELIVERY_TARGET_SECONDS = 60
OPENING_P95_TARGET_MS = 250


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--per-patient", type=int, default=10, help="reminders per patient")
    parser.add_argument("--open-share", type=float, default=0.3, help="share of patients who open the app")
    parser.add_argument("--open-within", type=float, default=120, help="seconds after their push")
    parser.add_argument("--web-workers", type=int, help="GUNICORN_WORKERS (default: the unit's)")
    parser.add_argument("--concurrency", type=int, help="CELERY_WORKER_CONCURRENCY (default: the unit's)")
    parser.add_argument(
        "--worker-nice", type=int, help="run the Celery worker at this niceness (default: the unit's Nice=)"
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for every unit, as in /etc/rlscare/rlscare.env (repeatable)",
    )
    parser.add_argument("--timeout", type=float, default=900, help="give up on a run after this many seconds")
    parser.add_argument(
        "--check",
        choices=["targets", "errors"],
        default="targets",
        help="what the exit status reports: the targets (default), or only that there were no errors and "
        "every reminder was delivered (CI's small run, whose timings mean little)",
    )
    return parser.parse_args()


def unit_environment(args: argparse.Namespace, work: Path, port: int) -> dict[str, str]:
    """The environment file of a production host (deploy/smoke.py's), with this bench's database and
    Redis dbs; the worker counts are the units' own unless given."""
    urls = argparse.Namespace(
        database_url=f"{PG_SERVER}/{DB_NAME}", broker_url=f"{REDIS}/9", cache_url=f"{REDIS}/10"
    )
    env = smoke.production_env(urls, work, port)
    for name in ("GUNICORN_WORKERS", "CELERY_WORKER_CONCURRENCY", "REMINDER_SWEEP_INTERVAL_SECONDS"):
        del env[name]  # the smoke run's small numbers: the units' defaults apply instead
    if args.web_workers:
        env["GUNICORN_WORKERS"] = str(args.web_workers)
    if args.concurrency:
        env["CELERY_WORKER_CONCURRENCY"] = str(args.concurrency)
    env["STATIC_ROOT"] = str(work / "var" / "static")  # where setup_served_django collects them
    env.update(pair.split("=", 1) for pair in args.env)
    return env


def serve_push_streaming(
    push_service: "FakePushService",
    stop: "multiprocessing.synchronize.Event",
    results: "multiprocessing.queues.Queue[dict[str, Any]]",
    arrivals: "multiprocessing.queues.Queue[list[tuple[str, float]]]",
) -> None:
    """serve_push_in_child, with each push's (subscriber, arrival time) also put on ``arrivals`` as it
    comes: the openings follow the pushes."""

    def stream() -> None:
        told = 0
        while not stop.wait(0.02):
            new = push_service.received[told:]
            if new:
                arrivals.put([(r.subscriber, r.at) for r in new])
                told += len(new)

    threading.Thread(target=stream, daemon=True).start()
    serve_push_in_child(push_service, stop, results)


def make_phones(users_clients: dict[int, dict[str, str]]) -> dict[int, Phone]:
    """Return {patient id: Phone}: the session, zone, checklist items and first medicine of each."""
    from checklists.models import AssignmentItem, Medication, Patient

    phones = {
        pk: Phone(users_clients[user_id]["cookie"], users_clients[user_id]["csrf"], zone, [], cursor=seq)
        for pk, user_id, zone, seq in Patient.objects.values_list("pk", "user_id", "time_zone", "sync_seq")
    }
    for item, patient_id in AssignmentItem.objects.values_list("id", "assignment__patient_id").order_by("id"):
        phones[patient_id].items.append(item)
    for medication, patient_id in Medication.objects.values_list("id", "patient_id").order_by("-id"):
        phones[patient_id].medication = medication
    return phones


def arrivals_feed(
    arrivals: "multiprocessing.queues.Queue[list[tuple[str, float]]]", delays: dict[int, float], origin: float
) -> Callable[[], list[tuple[int, float]]]:
    """A feed for run_openings: each opener's first push, as it arrives, becomes an opening ``delays``
    seconds later (seconds after ``origin``)."""
    seen: set[int] = set()

    def feed() -> list[tuple[int, float]]:
        due: list[tuple[int, float]] = []
        while True:
            try:
                batch = arrivals.get_nowait()
            except queue.Empty:
                return due
            for subscriber, at in batch:
                patient_id = int(subscriber.removeprefix("p"))
                if patient_id in delays and patient_id not in seen:
                    seen.add(patient_id)
                    due.append((patient_id, at - origin + delays[patient_id]))

    return feed


def replay_feed(openings: list[Opening]) -> Callable[[], list[tuple[int, float]]]:
    """A feed for run_openings: the same openings at the same offsets, all known at once."""
    pending = [(o.patient_id, o.offset) for o in openings]

    def feed() -> list[tuple[int, float]]:
        due, pending[:] = list(pending), []
        return due

    return feed


def hold_later_slots(slot: datetime, total: int) -> threading.Thread:
    """Start a thread that, once the sweep has claimed all ``total`` reminders of ``slot``, moves every
    reminder's next slot out of the runs (a later real slot, 21:30 in Kolkata say, would send during
    the evening's tail or the traffic-alone run); returns it, to join."""

    def hold() -> None:
        from django.db import connection

        from checklists.models.reminders import Delivery, Reminder

        while Delivery.objects.filter(slot=slot).count() < total:
            time.sleep(1.0)
        Reminder.objects.update(next_fire_at=datetime(2100, 1, 1, tzinfo=UTC))
        connection.close()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    return thread


def process_kinds(reading: dict, *, push_pid: int, groups: dict[int, str]) -> dict[int, str]:
    """Name this bench's processes: the units by their process group (``groups``: group id -> name;
    a machine shared with other runs has other gunicorns and Celery workers), PostgreSQL backends of
    other databases by their title ("postgres: user db 127.0.0.1(5432) idle"), and the rest of
    gunicorn and Celery as other processes."""
    kinds = {os.getpid(): "load generator (this process)", push_pid: "fake push service"}
    for pid, (command, _) in reading.items():
        try:
            group = groups.get(os.getpgid(pid))
        except ProcessLookupError:
            group = None
        backend = command.startswith("postgres: ") and ("(" in command or "autovacuum worker" in command)
        if group:
            kinds[pid] = group
        elif backend and DB_NAME not in command:
            kinds[pid] = "PostgreSQL, other databases"
        elif "gunicorn" in command or "celery" in command:
            kinds[pid] = "other processes"
    return kinds


def cpu_by_kind(sampler: CpuSampler, *, push_pid: int, groups: dict[int, str]) -> dict[str, float]:
    """Stop ``sampler``; return the CPU seconds of each kind of process since it started."""
    kinds = process_kinds(sampler.latest, push_pid=push_pid, groups=groups)  # while the units run
    before, after = sampler.stop()
    return cpu_seconds_by_kind(before, after, kinds)


def delivery_figures(slot: datetime) -> dict:
    """Seconds from ``slot`` to each delivery's send, sorted, and the count of each status."""
    from django.db.models import Count

    from checklists.models.reminders import Delivery

    rows = Delivery.objects.filter(slot=slot)
    late = sorted((at - slot).total_seconds() for at in rows.values_list("sent_at", flat=True) if at)
    statuses = dict(rows.values("status").annotate(n=Count("id")).values_list("status", "n"))
    return {"late": late, "statuses": statuses}


def opening_figures(openings: list[Opening], expected: int) -> dict:
    """Per-opening and per-endpoint latency (api_bench's figures, plus the maximum) and the errors."""
    spent = max((o.offset for o in openings), default=1.0) or 1.0
    by_name: dict[str, list[float]] = {}
    for opening in openings:
        for name, _, seconds in opening.calls:
            by_name.setdefault(name, []).append(seconds)
    errors = [e for o in openings for e in o.errors] + ["opening never started"] * (expected - len(openings))
    totals = [o.seconds for o in openings]
    return {
        "opening": {**figures(totals, spent, len(errors)), "max": max(totals, default=0) * 1000},
        "endpoints": {
            name: {**figures(values, spent, 0), "max": max(values) * 1000} for name, values in by_name.items()
        },
        "errors": errors,
        "n": len(openings),
    }


def print_cpu(label: str, cpu: dict[str, float], seconds: float) -> None:
    print(
        f"CPU seconds, {label} ({seconds:.0f} s on {os.cpu_count()} cores): "
        + ", ".join(f"{k} {v:.1f}" for k, v in sorted(cpu.items(), key=lambda kv: -kv[1]) if v >= 0.1)
        + f"; {sum(cpu.values()):.1f} in all"
    )


def report(args: argparse.Namespace, result: dict) -> bool:
    """Print the figures and the targets; returns whether the exit status is success."""
    evening, alone = result["evening"], result["alone"]
    late, statuses = result["delivery"]["late"], result["delivery"]["statuses"]
    total, stats = result["reminders"], result["push"]
    print()
    print(
        f"Evening benchmark: {args.patients:,} patients, {total:,} reminders due at "
        f"{result['slot']:%H:%M:%S} UTC; {evening['n']:,} openings ({args.open_share:.0%} of patients, "
        f"within {args.open_within:.0f} s of their push); {result['units']}; DEBUG=0"
    )
    print(f"{'':<28}{'evening':>10}{'alone':>10}{'ratio':>8}")
    rows = [(f"opening {p} ms", evening["opening"][p], alone["opening"][p]) for p in ("p50", "p95", "max")]
    rows += [
        (f"  {name} p95 ms", figs["p95"], alone["endpoints"].get(name, {}).get("p95", float("nan")))
        for name, figs in evening["endpoints"].items()
    ]
    for label, a, b in rows:
        print(f"{label:<28}{a:>10.1f}{b:>10.1f}{a / b if b else float('nan'):>7.2f}x")
    print(f"{'errors':<28}{len(evening['errors']):>10}{len(alone['errors']):>10}")
    for error in (evening["errors"] + alone["errors"])[:5]:
        print(f"  e.g. {error}")
    last = late[-1] if late else float("inf")
    p99 = statistics.quantiles(late, n=100)[98] if len(late) > 1 else last
    p50 = late[len(late) // 2] if late else last
    print(
        f"deliveries {len(late):,} of {total:,} {statuses}, in-app notifications {result['notified']:,}; "
        f"pushes received and decrypted {stats['received']:,}, rejected {stats['rejected_count']}"
    )
    print(f"slot to last delivery {last:.1f} s, p99 {p99:.1f} s, p50 {p50:.1f} s")
    print_cpu("evening", result["cpu_evening"], result["seconds_evening"])
    print_cpu("alone", result["cpu_alone"], result["seconds_alone"])
    server = result["cpu_alone"].get("gunicorn", 0) + result["cpu_alone"].get("PostgreSQL", 0)
    calls = sum(figs["n"] for figs in alone["endpoints"].values())
    per_opening = server / max(alone["n"], 1)
    print(
        f"alone: {calls:,} answered calls in {result['seconds_alone']:.0f} s; gunicorn + PostgreSQL CPU "
        f"{per_opening * 1000:.0f} ms per opening: at most "
        f"{(os.cpu_count() or 1) / max(per_opening, 1e-9):.0f} openings per second with every core serving "
        "them and nothing else"
    )
    delivered = len(late) == total and result["notified"] == args.patients and not stats["rejected_count"]
    no_errors = not evening["errors"] and not alone["errors"]
    targets = [
        (
            f"every reminder delivered within {DELIVERY_TARGET_SECONDS} s",
            delivered and last <= DELIVERY_TARGET_SECONDS,
        ),
        (f"opening p95 < {OPENING_P95_TARGET_MS} ms", evening["opening"]["p95"] < OPENING_P95_TARGET_MS),
        ("no errors", no_errors),
    ]
    for label, ok in targets:
        print(f"  target {label}: {'met' if ok else 'NOT met'}")
    if args.check == "errors":
        verdict = "yes" if delivered and no_errors else "NO"
        print(f"every reminder delivered, no errors: {verdict} (--check errors)")
        return delivered and no_errors
    return all(ok for _, ok in targets)


def main() -> int:
    args = parse_args()
    work = Path(os.environ.get("RLS_VAR_DIR", str(ROOT / "var" / "evening"))) / "run"
    port = smoke.free_port()
    log(f"database {DB_NAME}: migrating (populate empties its tables) ...")
    ensure_database(f"{PG_SERVER}/{DB_NAME}")  # kept between runs: migrating an empty one takes minutes
    env = unit_environment(args, work, port)
    setup_served_django(database_url=env["DATABASE_URL"], var_dir=work / "var", settings_env=env)
    from django.core.cache import cache
    from django.db import connection, connections

    from checklists.models import Patient
    from checklists.models.reminders import Delivery, Notification, Reminder
    from checklists.reminders.push import vapid_generate_keys
    from checklists.tasks import reminders_sweep
    from tests.reminders.fakepush import FakePushService
    from tests.reminders.processes import wait_for

    cache.clear()
    env["VAPID_PRIVATE_KEY"], env["VAPID_PUBLIC_KEY"] = vapid_generate_keys()  # for the units only
    push_service = FakePushService(vapid_public_key=env["VAPID_PUBLIC_KEY"]).bind()
    started = time.perf_counter()
    patients, total = populate(
        argparse.Namespace(patients=args.patients, per_patient=args.per_patient, doses="on"), push_service
    )
    users = Patient.objects.select_related("user").order_by("pk")
    phones = make_phones(sign_in(p.user for p in users))
    log(f"populated {patients:,} patients, {total:,} reminders in {time.perf_counter() - started:.0f} s")
    rng = random.Random(21)
    openers = rng.sample(sorted(phones), round(args.open_share * len(phones)))
    delays = {patient_id: rng.uniform(0, args.open_within) for patient_id in openers}
    provisional = datetime.now(UTC) + timedelta(minutes=2)
    log(f"recorded {record_doses(provisional):,} doses as taken (their reminders are skipped)")

    connections.close_all()  # the forked child must not share a database connection
    context = multiprocessing.get_context("fork")
    stop_push, push_results, arrivals = context.Event(), context.Queue(), context.Queue()
    push_process = context.Process(
        target=serve_push_streaming, args=(push_service, stop_push, push_results, arrivals)
    )
    push_process.start()
    with reminders_sweep.app.connection_for_write() as conn:
        conn.default_channel.queue_purge("celery")  # an earlier run's leftovers
    worker_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.reminders_bench_settings"}  # the local fake push
    units = [
        smoke.Unit("rlscare-web.service", env, work),
        smoke.Unit("rlscare-worker@.service", worker_env, work),
        smoke.Unit("rlscare-beat.service", env, work),
    ]
    if args.worker_nice is not None:
        units[1].nice = args.worker_nice
    result: dict[str, Any] = {"reminders": total}
    try:
        for unit in units:
            unit.start()
        names = ["gunicorn", "Celery worker", "Celery beat"]  # each unit is a process group of its own
        groups = {unit.process.pid: name for unit, name in zip(units, names, strict=True) if unit.process}
        smoke.wait_for(lambda: smoke.get(port, "/healthz")[0] == 200, 120, "/healthz 200", units)
        smoke.wait_for(lambda: bool(reminders_sweep.app.control.ping(timeout=1)), 120, "the worker", units)
        result["units"] = (
            f"gunicorn {units[0].env.get('GUNICORN_WORKERS')} workers, Celery worker concurrency "
            f"{units[1].env.get('CELERY_WORKER_CONCURRENCY')}"
            + f" at nice {units[1].nice}"
            + ", beat"
            + (f"; {' '.join(args.env)}" if args.env else "")
        )
        warm = [p for p in phones if p not in delays][:16] or list(phones)[:16]
        asyncio.run(
            run_openings(
                port,
                phones,
                replay_feed([Opening(p, 0.0) for p in warm]),
                origin=time.time(),
                expected=len(warm),
                timeout=60,
            )
        )
        # The slot: a few seconds ahead, once everything is up and warm.
        slot = (datetime.now(UTC) + timedelta(seconds=8)).replace(microsecond=0)
        Reminder.objects.update(next_fire_at=slot)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE checklists_reminder")  # as autovacuum would have
        connection.close()
        result["slot"] = slot
        log(f"slot {slot:%H:%M:%S} UTC: {len(openers):,} patients will open the app after their push")
        sampler = CpuSampler()
        time.sleep(max(0.0, slot.timestamp() - time.time()))
        reminders_sweep.delay()  # what beat sends on its tick
        holder = hold_later_slots(slot, total)
        began = time.time()
        evening = asyncio.run(
            run_openings(
                port,
                phones,
                arrivals_feed(arrivals, delays, slot.timestamp()),
                origin=slot.timestamp(),
                expected=len(openers),
                timeout=args.timeout,
            )
        )

        def delivered() -> bool:
            return not Delivery.objects.filter(slot=slot, status__in=["pending", "sending"]).exists()

        wait_for(delivered, timeout=args.timeout, interval=1.0, message="all deliveries")
        holder.join(timeout=args.timeout)
        result["cpu_evening"] = cpu_by_kind(sampler, push_pid=push_process.pid or 0, groups=groups)
        result["seconds_evening"] = time.time() - began
        result["delivery"] = delivery_figures(slot)
        result["notified"] = Notification.objects.filter(slot=slot).count()
        connection.close()
        log(f"evening: {len(evening):,} openings done; now the same openings alone")
        time.sleep(5)  # the last sends' tails
        sampler = CpuSampler()
        began = time.time()
        alone = asyncio.run(
            run_openings(
                port,
                phones,
                replay_feed(evening),
                origin=began + 1,
                expected=len(evening),
                timeout=args.timeout,
            )
        )
        result["cpu_alone"] = cpu_by_kind(sampler, push_pid=push_process.pid or 0, groups=groups)
        result["seconds_alone"] = time.time() - began
    finally:
        for unit in reversed(units):
            unit.stop()
        stop_push.set()
        result["push"] = push_results.get(timeout=60)
        push_process.join(timeout=30)
        # The next run's migrate re-checks every medicine's name (a post_migrate step): leave none behind.
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE checklists_intakerecord, checklists_medication CASCADE")
        connection.close()
    result["evening"] = opening_figures(evening, len(openers))
    result["alone"] = opening_figures(alone, len(evening))
    return 0 if report(args, result) else 1


if __name__ == "__main__":
    sys.exit(main())
