"""The visit report's render time: a patient with three years of history against one with twelve weeks.

    .venv/bin/python bench/report_bench.py            # a temporary SQLite file
    .venv/bin/python bench/report_bench.py --pg       # PostgreSQL: (re)creates the database rls_bench_report

Seeds two patients with the app's own models: a daily diary, two checklists of five items checked off
most days, monthly iron results, quarterly IRLS totals, monthly follow-ups done, three medicines; one
patient over three years, the other over twelve weeks. Then renders each one's clinician report (the
default period: the last twelve weeks) as HTML and as the PDF/A-3 with the FHIR Bundle embedded, the
way the views do, and prints the median of ``--repeats`` renders (wall time) and the PDF's size. The
report's period and row caps (checklists/report/selectors.py) are what keep the long history as quick
as the short one; the embedded Bundle is the one part that grows with the history.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from benchlib import log, recreate_database, setup_served_django

if TYPE_CHECKING:
    from checklists.models import Patient

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "rls_bench_report"
TARGET_SECONDS = 2.0
SETTINGS_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
    "ALLOWED_HOSTS": "127.0.0.1",
    "LOG_LEVEL": "WARNING",
}


def seed_patient(email: str, days: int) -> "Patient":
    """Return a new patient with ``days`` days of history up to yesterday."""
    from datetime import time as clock
    from decimal import Decimal

    from django.contrib.auth.models import User

    from checklists.careplan.services import medication_add
    from checklists.models import (
        AssignmentItem,
        ChecklistTemplate,
        CheckOff,
        DiaryEntry,
        FollowUp,
        LabResult,
        Patient,
        SeverityScore,
        TemplateItem,
    )
    from checklists.plan.services import assignment_create

    user = User.objects.create_user(
        username=email, email=email, first_name="Bench", last_name=email.split("@")[0]
    )
    patient = Patient.objects.create(
        user=user, time_zone="Europe/Berlin", visit_questions="Is my iron low again?"
    )
    today = patient.local_today()
    start = today - timedelta(days=days)
    for name in ("evening", "triggers"):
        template = ChecklistTemplate.objects.create(name=f"{email} {name}", category="lifestyle")
        TemplateItem.objects.bulk_create(
            TemplateItem(template=template, position=i, text=f"{name} item {i}") for i in range(5)
        )
        assignment_create(patient=patient, template=template, assigned_by=None, start_date=start)
    AssignmentItem.objects.filter(assignment__patient=patient).update(due_from=start)
    items = list(AssignmentItem.objects.filter(assignment__patient=patient))
    days_list = [start + timedelta(days=n) for n in range(days)]
    CheckOff.objects.bulk_create(
        (
            CheckOff(item=item, patient=patient, date=day, done=True)
            for day in days_list
            for item in items
            if (day.toordinal() + item.pk) % 5  # four in five done
        ),
        batch_size=2000,
    )
    DiaryEntry.objects.bulk_create(
        (
            DiaryEntry(
                patient=patient,
                date=day,
                severity=day.toordinal() % 8,
                onset_time=clock(20 + day.toordinal() % 3, 15),
                sleep_quality=5 + day.toordinal() % 4,
                arms_involved=day.toordinal() % 17 == 0,
            )
            for day in days_list
        ),
        batch_size=2000,
    )
    months = max(days // 30, 1)
    LabResult.objects.bulk_create(
        LabResult(
            patient=patient,
            drawn_on=today - timedelta(days=30 * m + 5),
            ferritin=Decimal(60 + m % 7 * 10),
            tsat=Decimal(18 + m % 5),
            laboratory="Bench Lab",
        )
        for m in range(months)
    )
    SeverityScore.objects.bulk_create(
        SeverityScore(patient=patient, scored_on=today - timedelta(days=90 * q + 3), irls_total=12 + q % 10)
        for q in range(max(days // 90, 1))
    )
    FollowUp.objects.bulk_create(
        FollowUp(
            patient=patient,
            track="iron",
            kind="ferritin_tsat_lab",
            due_date=today - timedelta(days=30 * m + 5),
            status="done",
            completed_on=today - timedelta(days=30 * m + 5),
        )
        for m in range(months)
    )
    FollowUp.objects.create(
        patient=patient, track="iron", kind="ferritin_tsat_lab", due_date=today + timedelta(30)
    )
    for name in ("pramipexole", "ferrous sulfate", "sertraline"):
        medication_add(patient=patient, name=name, start_date=start)
    return patient


def median_seconds[T](render: Callable[[], T], repeats: int) -> tuple[float, T]:
    """Return the median wall time of ``repeats`` calls of ``render`` (after one warm-up) and its result."""
    result = render()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = render()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--pg", action="store_true", help="run on PostgreSQL instead of a temporary SQLite file"
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, help="also write each patient's report.html and report.pdf here")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="rls-report-bench-"))
    try:
        if args.pg:
            log(f"recreating database {DB_NAME} ...")
            recreate_database(PG_SERVER, DB_NAME)
            database_url = f"{PG_SERVER}/{DB_NAME}"
        else:
            database_url = f"sqlite:///{scratch / 'bench.sqlite3'}"
        setup_served_django(database_url=database_url, var_dir=scratch, settings_env=SETTINGS_ENV)
        from django.db import connection

        from checklists.report.html import report_html
        from checklists.report.pdf import fhir_bundle_json, report_pdf
        from checklists.report.selectors import report_period, visit_report_for

        cases = [("3 years", 3 * 365), ("12 weeks", 12 * 7)]
        rows = []
        for label, days in cases:
            log(f"seeding a patient with {label} of history ...")
            patient = seed_patient(f"bench-{days}@example.com", days)
            first, last = report_period(today=patient.local_today())

            def html(patient: "Patient" = patient, first: date = first, last: date = last) -> str:
                report = visit_report_for(patient=patient, first=first, last=last, audience="clinician")
                return report_html(report)

            def pdf(patient: "Patient" = patient, first: date = first, last: date = last) -> bytes:
                report = visit_report_for(patient=patient, first=first, last=last, audience="clinician")
                return report_pdf(report=report, patient=patient)

            def bundle(patient: "Patient" = patient) -> str:
                return fhir_bundle_json(patient=patient, audience="clinician")

            bundle_s, _bundle = median_seconds(bundle, args.repeats)
            html_s, page = median_seconds(html, args.repeats)
            pdf_s, document = median_seconds(pdf, args.repeats)
            rows.append((label, html_s, bundle_s, pdf_s, len(document)))
            if args.out:
                args.out.mkdir(parents=True, exist_ok=True)
                (args.out / f"report-{days}d.html").write_text(str(page))
                (args.out / f"report-{days}d.pdf").write_bytes(document)
            log(
                f"{label}: HTML {html_s * 1000:.0f} ms, PDF {pdf_s * 1000:.0f} ms, "
                f"{len(document) / 1000:.0f} kB"
            )

        print()
        load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        print(f"{load} (other work on the machine slows every figure)")
        print(
            f"Visit report render time ({connection.vendor}, median of {args.repeats}, "
            "default 12-week period)"
        )
        print("(PDF: the whole PDF render, the FHIR Bundle included; Bundle: building that alone)")
        print(f"{'history':<10} {'HTML ms':>8} {'Bundle ms':>10} {'PDF ms':>8} {'PDF kB':>8}")
        for label, html_s, bundle_s, pdf_s, size in rows:
            figures = (
                f"{html_s * 1000:>8.0f} {bundle_s * 1000:>10.0f} {pdf_s * 1000:>8.0f} {size / 1000:>8.0f}"
            )
            print(f"{label:<10} {figures}")
        slowest = max(row[3] for row in rows)
        verdict = "under" if slowest < TARGET_SECONDS else "OVER"
        print(f"slowest PDF {slowest:.2f} s: {verdict} the {TARGET_SECONDS:.0f} s target")
        if slowest >= TARGET_SECONDS:
            sys.exit(1)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
