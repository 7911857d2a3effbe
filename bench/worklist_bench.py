"""The clinicians' worklist at 1,000 patients per clinician: server time and queries.

    .venv/bin/python bench/worklist_bench.py                    # PostgreSQL: (re)creates h_worklist
    .venv/bin/python bench/worklist_bench.py --sqlite --patients 50 --requests 5   # a quick check

Seeds one clinician with ``--patients`` patients (and another clinician with a tenth as many, who must
not show) with eight weeks of realistic history: two checklists of five items checked four days in
five, a nightly diary (worse in the last two weeks for some), a sync op per day, two iron results,
follow-ups (some overdue), two medicines (some flagged), augmentation findings (some flagged),
invitations (some pending or expired). Then signs the clinician in with Django's test client and GETs
the worklist ``--requests`` times, and the admin's plain patient list page as the baseline in the same
run, printing the median and p95 server time of each (in process: the time Django takes to answer,
no network) and the worklist's query count, against the target (p95 under 300 ms).
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from benchlib import log, recreate_database, setup_served_django

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("BENCH_WORKLIST_DB", "h_worklist")
TARGET_MS = 300.0
DAYS = 56
SETTINGS_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
    "ALLOWED_HOSTS": "testserver",
    "LOG_LEVEL": "WARNING",
    "REQUIRE_CLINICIAN_2FA": "0",
}


def seed(clinician_email: str, count: int) -> None:
    """Give a new clinician ``count`` patients with DAYS days of history."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.utils import timezone

    from checklists.accounts.services import clinicians_group_sync
    from checklists.careplan.augmentation import AugmentationStatus
    from checklists.careplan.labs import interpret_iron
    from checklists.models import (
        Assignment,
        AssignmentItem,
        AugmentationFinding,
        ChecklistTemplate,
        CheckOff,
        DiaryEntry,
        FollowUp,
        LabResult,
        Medication,
        MedicationFinding,
        Patient,
        SyncOp,
        TemplateItem,
    )
    from checklists.models.careplan import MedicationRecognition

    clinician = User.objects.create_user(
        username=clinician_email, email=clinician_email, password="bench", is_staff=True
    )
    clinician.groups.add(clinicians_group_sync())
    now = timezone.now()
    password = make_password("bench-patient")
    prefix = clinician_email.split("@")[0]
    users = User.objects.bulk_create(
        User(
            username=f"{prefix}-p{n}@example.com",
            email=f"{prefix}-p{n}@example.com",
            first_name="Bench",
            last_name=f"{prefix} {n:04d}",
            # One in twenty never set a password: an invitation sent (some expired), not accepted.
            password=f"!unusable{n}" if n % 20 == 0 else password,
        )
        for n in range(count)
    )
    patients = Patient.objects.bulk_create(
        Patient(
            user=user,
            time_zone=("Europe/Berlin", "America/New_York", "Asia/Tokyo")[n % 3],
            invited_at=now - timedelta(days=(n % 40) // 4),
            invitation_accepted_at=None if n % 20 == 0 else now - timedelta(days=DAYS),
        )
        for n, user in enumerate(users)
    )
    Patient.care_team.through.objects.bulk_create(
        Patient.care_team.through(patient_id=p.pk, user_id=clinician.pk) for p in patients
    )
    today = patients[0].local_today()
    start = today - timedelta(days=DAYS)
    templates = []
    for name in ("evening", "triggers"):
        template = ChecklistTemplate.objects.create(name=f"{prefix} {name}", category="lifestyle")
        TemplateItem.objects.bulk_create(
            TemplateItem(template=template, position=i, text=f"{name} item {i}") for i in range(5)
        )
        templates.append(template)
    assignments = Assignment.objects.bulk_create(
        Assignment(
            patient=p, template=t, name=t.name, category=t.category, start_date=start, assigned_by=clinician
        )
        for p in patients
        for t in templates
    )
    items = AssignmentItem.objects.bulk_create(
        AssignmentItem(assignment=a, position=i, text=f"item {i}", due_from=start)
        for a in assignments
        for i in range(5)
    )
    log(f"  {count} patients, {len(items)} checklist items")
    by_patient = {a.pk: a.patient_id for a in assignments}
    days = [start + timedelta(days=d) for d in range(DAYS)]
    # Most patients check four days in five; one in ten has let it slide (adherence low).
    CheckOff.objects.bulk_create(
        (
            CheckOff(item=item, patient_id=by_patient[item.assignment_id], date=day, done=True)
            for item in items
            for day in days
            if (day.toordinal() + item.pk) % (5 if by_patient[item.assignment_id] % 10 else 2)
        ),
        batch_size=5000,
    )
    log("  check-offs")
    DiaryEntry.objects.bulk_create(
        (
            DiaryEntry(
                patient=p,
                date=day,
                # One in twelve is worse over the last two weeks.
                severity=(7 if n % 12 == 0 and (today - day).days < 14 else 3) + day.toordinal() % 2,
            )
            for n, p in enumerate(patients)
            for day in days
        ),
        batch_size=5000,
    )
    SyncOp.objects.bulk_create(
        (
            SyncOp(op_id=f"{p.pk:08x}-0000-4000-8000-{d:012x}", patient=p)
            for n, p in enumerate(patients)
            if n % 20  # the uninvited never synced
            for d in range(DAYS - (10 if n % 15 == 0 else 0))  # one in fifteen stopped syncing
        ),
        batch_size=5000,
    )
    SyncOp.objects.filter(patient__in=patients).update(received_at=now - timedelta(days=1))
    SyncOp.objects.filter(patient_id__in=[p.pk for n, p in enumerate(patients) if n % 15 == 0]).update(
        received_at=now - timedelta(days=11)
    )
    log("  diary and sync ops")
    labs = []
    for n, p in enumerate(patients):
        for k, ferritin in enumerate((120, 60 if n % 7 == 0 else 150)):
            note = interpret_iron(ferritin=ferritin, tsat=25)
            labs.append(
                LabResult(
                    patient=p,
                    drawn_on=today - timedelta(days=40 - 30 * k),
                    ferritin=Decimal(ferritin),
                    tsat=Decimal(25),
                    note_code=note.category.value,
                    rule_version=note.rule_version,
                    entered_by=clinician,
                )
            )
    LabResult.objects.bulk_create(labs, batch_size=5000)
    FollowUp.objects.bulk_create(
        (
            FollowUp(
                patient=p,
                track="iron",
                kind="ferritin_tsat_lab",
                due_date=today + timedelta(days=30 * k - (45 if n % 4 == 0 else 0)),
            )
            for n, p in enumerate(patients)
            for k in range(3)
        ),
        batch_size=5000,
    )
    medications = Medication.objects.bulk_create(
        Medication(
            patient=p,
            name=name,
            generic_name=name,
            recognition=state,
            may_worsen_rls=state == MedicationRecognition.MAY_WORSEN_RLS,
            rule_version="medications@1",
        )
        for n, p in enumerate(patients)
        for name, state in (
            ("ferrous sulfate", MedicationRecognition.NOT_FLAGGED),
            (
                ("diphenhydramine", MedicationRecognition.MAY_WORSEN_RLS)
                if n % 9 == 0
                else ("atorvastatin", MedicationRecognition.NOT_FLAGGED)
            ),
        )
    )
    MedicationFinding.objects.bulk_create(
        MedicationFinding(medication=m, name=m.name, state=m.recognition, rule_version="medications@1")
        for m in medications
    )
    AugmentationFinding.objects.bulk_create(
        AugmentationFinding(
            patient=p,
            computed_at=now - timedelta(days=d),
            checked_at=now,
            status=AugmentationStatus.FLAGGED if n % 25 == 0 and d == 0 else AugmentationStatus.NO_SIGNS,
            rule_version="augmentation@1",
        )
        for n, p in enumerate(patients)
        if n % 5 == 0
        for d in (0, 7, 14)
    )
    log("  labs, follow-ups, medicines, findings")


def timings(get: Callable[[], object], requests: int) -> list[float]:
    """Return the server time of ``requests`` GETs, in milliseconds (after one warm-up)."""
    get()
    out = []
    for _ in range(requests):
        started = time.perf_counter()
        get()
        out.append((time.perf_counter() - started) * 1000)
    return out


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead of PostgreSQL")
    parser.add_argument("--reuse", action="store_true", help="PostgreSQL: measure the database seeded before")
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="worklist-bench-"))
    try:
        if args.sqlite:
            database_url = f"sqlite:///{var_dir / 'bench.sqlite3'}"
        else:
            if not args.reuse:
                recreate_database(PG_SERVER, DB_NAME)
            database_url = f"{PG_SERVER}/{DB_NAME}"
        setup_served_django(database_url=database_url, var_dir=var_dir, settings_env=SETTINGS_ENV)
        if not args.reuse:
            log(f"seeding {args.patients} patients ({'SQLite' if args.sqlite else 'PostgreSQL ' + DB_NAME})")
            seed("alice@example.com", args.patients)
            seed("bob@example.com", max(args.patients // 10, 1))

        from django.contrib.auth.models import User
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext
        from django.urls import reverse

        if not args.sqlite:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        client = Client()
        client.force_login(User.objects.get(username="alice@example.com"))
        worklist = reverse("admin:checklists_patient_worklist")
        baseline = reverse("admin:checklists_patient_changelist")

        def get(url: str) -> Callable[[], object]:
            def call() -> object:
                response = client.get(url, secure=True)
                assert response.status_code == 200, response.status_code
                return response

            return call

        with CaptureQueriesContext(connection) as queries:
            response = get(worklist)()
        shown = response.context_data["total"]  # type: ignore[attr-defined]
        log(f"worklist: {shown} of {args.patients} patients need attention; {len(queries)} queries")
        base_ms = timings(get(baseline), args.requests)
        list_ms = timings(get(worklist), args.requests)
        for name, values in (("patient list (baseline)", base_ms), ("worklist", list_ms)):
            log(f"{name}: median {statistics.median(values):.1f} ms, p95 {p95(values):.1f} ms")
        log(f"machine load average (1/5/15 min): {'/'.join(f'{x:.1f}' for x in os.getloadavg())}")
        ratio = statistics.median(list_ms) / statistics.median(base_ms)
        met = p95(list_ms) < TARGET_MS
        log(
            f"worklist vs baseline: {ratio:.2f}x median; target p95 < {TARGET_MS:.0f} ms at "
            f"{args.patients} patients: {'met' if met else 'NOT MET'}"
        )
        return 0
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
