"""The patient page of the clinicians' admin: queries, server time and HTML size, whole and per part.

    .venv/bin/python bench/patient_page_bench.py                 # SQLite in a temporary folder
    .venv/bin/python bench/patient_page_bench.py --small         # CI: 3 repeats
    .venv/bin/python bench/patient_page_bench.py --database-url postgres://postgres@127.0.0.1:5432

Served as in production (DEBUG=0: cached templates, hashed static files; bench/benchlib.py), migrated
and seeded with seed_demo; the demo clinician also gets two patients of their own, one with little
history and one with a lot (HISTORY below: e.g. 10 against 200 diary nights, 2 against 10 medicines).
The Django test client, signed in as the clinician, GETs each patient's page the way a browser does.
Prints, for each patient, the queries, the median server time of ``--repeats`` GETs (after one warm-up;
in process, no network) and the HTML size, the KB of each part (the summary at the top, the main form,
each inline) and the median time of the summary alone; then the targets of issue 21 as met or NOT met:
the same query count for little and for much history, under 80 ms and under 100 KB for every patient.
"""

import argparse
import os
import re
import statistics
import tempfile
import time
from datetime import time as clock
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchlib import recreate_database, setup_served_django

DB_NAME = "rls_bench_admin"
TARGET_MS = 80.0
TARGET_KB = 100.0
SETTINGS_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
    "ALLOWED_HOSTS": "testserver",
    "CELERY_BROKER_URL": "memory://",
    "REQUIRE_CLINICIAN_2FA": "0",
    "LOG_LEVEL": "WARNING",
}
# The two extra patients: (diary nights, medicines (every other one stopped), follow-ups done, iron
# studies, IRLS totals), one of each every 60 and 20 days back.
HISTORY = {"few": (10, 2, 1, 2, 2), "many": (200, 10, 30, 20, 30)}
MEDICINES = ["Pramipexole", "Sertraline", "Gabapentin", "Ferrous sulfate", "Loratadine", "Zzyzxq"]


def seed_patient(clinician: Any, label: str) -> Any:
    """Return a new patient of ``clinician`` with the history HISTORY[label]."""
    from checklists.accounts.services import patient_create
    from checklists.careplan import services
    from checklists.models import DiaryEntry, SeverityScore
    from checklists.models.careplan import FollowUpKind

    nights, medicines, done, labs, scores = HISTORY[label]
    patient = patient_create(email=f"{label}@example.com", clinician=clinician, invite=False)
    today = patient.local_today()
    DiaryEntry.objects.bulk_create(
        DiaryEntry(patient=patient, date=today - timedelta(days=n), severity=n % 10, onset_time=clock(21))
        for n in range(1, nights + 1)
    )
    for n in range(medicines):
        services.medication_add(
            patient=patient,
            name=MEDICINES[n % len(MEDICINES)],
            dose_text="1 tablet",
            times_of_day="evening",
            start_date=today - timedelta(days=400 - 30 * n),
            stop_date=today - timedelta(days=100 - 5 * n) if n % 2 else None,
        )
    for n in range(done + 2):
        followup = services.followup_create(
            patient=patient,
            kind=FollowUpKind.FERRITIN_TSAT_LAB,
            due_date=today - timedelta(days=30 * (done - n) - 10),
            created_by=clinician,
        )
        if n < done:
            services.followup_close(followup=followup, status="done", on=followup.due_date, by=clinician)
    for n in range(labs):
        services.labresult_add(
            patient=patient,
            drawn_on=today - timedelta(days=60 * n + 1),
            ferritin=Decimal(40 + n),
            tsat=Decimal(18),
        )
    SeverityScore.objects.bulk_create(
        SeverityScore(patient=patient, scored_on=today - timedelta(days=20 * n + 1), irls_total=10 + n % 20)
        for n in range(scores)
    )
    return patient


def parts(html: str) -> dict[str, int]:
    """Return the bytes of each part of the page: the summary, the main form, each inline group."""
    groups = re.finditer(r'<div class="[^"]*inline-group[^"]*"\s+id="([\w-]+)-group"', html)
    starts = [(m.start(), m.group(1)) for m in groups]
    summary_start = html.find('id="patient-summary"')
    summary_end = html.find("</section>", summary_start)
    form_start = html.find("<fieldset", summary_end)
    end = html.find('<div class="submit-row"', starts[-1][0] if starts else 0)
    sizes = {
        "summary": summary_end - summary_start,
        "main form": (starts[0][0] if starts else end) - form_start,
    }
    for (start, name), (stop, _) in zip(starts, [*starts[1:], (end, "")], strict=True):
        sizes[name] = stop - start
    sizes["rest (head, header, sidebar, buttons)"] = len(html) - sum(sizes.values())
    return sizes


def measure(client: Any, url: str, repeats: int) -> tuple[int, float, str]:
    """Return the query count, the median milliseconds and the HTML of GETting ``url``."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, secure=True)  # warm-up (DEBUG=0 redirects plain HTTP to HTTPS)
    times = []
    for _ in range(repeats):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url, secure=True)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return len(queries), statistics.median(times) * 1000, response.content.decode()


def summary_ms(patient: Any, repeats: int) -> float:
    """Return the median milliseconds of reading and drawing the summary alone."""
    from django.template.loader import render_to_string

    from checklists.admin.summary import patient_summary_for

    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        summary = patient_summary_for(patient=patient)
        render_to_string("admin/checklists/patient/summary.html", {"patient_summary": summary})
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--small", action="store_true", help="3 repeats (CI)")
    parser.add_argument("--database-url", help=f"a postgres:// server: (re)creates {DB_NAME} there")
    args = parser.parse_args()
    repeats = 3 if args.small else args.repeats
    workdir = Path(tempfile.mkdtemp(prefix="patient-page-bench-"))
    database_url = f"sqlite:///{workdir}/db.sqlite3"
    if args.database_url:
        server = args.database_url.rstrip("/")
        recreate_database(server, DB_NAME)
        database_url = f"{server}/{DB_NAME}"
    setup_served_django(database_url=database_url, var_dir=workdir, settings_env=SETTINGS_ENV)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from checklists.models import Patient

    call_command("seed_demo", force=True, stdout=open(os.devnull, "w"))  # noqa: SIM115  # DEBUG is off
    clinician = get_user_model().objects.get(username="clinician@example.com")
    patients = {"seed_demo": Patient.objects.get(user__email="patient@example.com")}
    patients |= {label: seed_patient(clinician, label) for label in HISTORY}
    client = Client()
    client.force_login(clinician)
    print(
        f"{connection.vendor}, {repeats} repeats; (nights, medicines, follow-ups done, labs, scores): "
        f"{HISTORY}"
    )
    results = {}
    for label, patient in patients.items():
        queries, ms, html = measure(client, f"/admin/checklists/patient/{patient.pk}/change/", repeats)
        results[label] = (queries, ms, len(html) / 1024)
        print(
            f"{label:>10}: {queries} queries, median {ms:.1f} ms, {len(html) / 1024:.1f} KB HTML; "
            f"the summary alone {summary_ms(patient, repeats):.1f} ms"
        )
        print(
            "            " + ", ".join(f"{name} {size / 1024:.1f} KB" for name, size in parts(html).items())
        )
    # Constant in rows: the same count for little and for much history of the same kinds (seed_demo's
    # patient has other kinds too: checklists with check-offs, augmentation findings).
    counts = sorted({results[label][0] for label in HISTORY})
    slowest = max(ms for _queries, ms, _kb in results.values())
    largest = max(kb for _queries, _ms, kb in results.values())
    for target, met in (
        (f"constant queries (few, many: {counts})", len(counts) == 1),
        (f"under {TARGET_MS:.0f} ms (slowest median: {slowest:.1f} ms)", slowest < TARGET_MS),
        (f"under {TARGET_KB:.0f} KB (largest: {largest:.1f} KB)", largest < TARGET_KB),
    ):
        print(f"target {target}: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
