"""The patient page of the clinicians' admin: queries, server time and HTML size, with and without the
summary at its top (checklists/admin/summary.py), on the seed_demo patient.

    .venv/bin/python bench/patient_page_bench.py [--repeats 15]

A temporary SQLite file, migrated and seeded with seed_demo; the Django test client signed in as the demo
clinician GETs the page the way a browser does. Prints the median of ``--repeats`` GETs (after one warm-up)
and the targets of the performance issue: constant queries, under 80 ms, under 100 KB.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="patient-page-bench-")
    os.environ.update(
        {
            "DEBUG": "1",
            "RLS_VAR_DIR": workdir,
            "DATABASE_URL": f"sqlite:///{workdir}/db.sqlite3",
            "CELERY_BROKER_URL": "memory://",
            "REQUIRE_CLINICIAN_2FA": "0",
            "LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rlsapp.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from checklists.admin import summary
    from checklists.models import Patient

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    patient = Patient.objects.get(user__email="patient@example.com")
    client = Client()
    client.force_login(get_user_model().objects.get(username="clinician@example.com"))
    url = f"/admin/checklists/patient/{patient.pk}/change/"
    original = summary.PatientSummaryAdminMixin.render_change_form

    def without_summary(self, request, context, *a, **kw):
        return super(summary.PatientSummaryAdminMixin, self).render_change_form(request, context, *a, **kw)

    for label, method in (("without the summary", without_summary), ("with the summary", original)):
        summary.PatientSummaryAdminMixin.render_change_form = method  # type: ignore[method-assign]
        client.get(url)  # warm-up
        times = []
        for _ in range(args.repeats):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - started)
            assert response.status_code == 200
        print(
            f"{label:>20}: {len(queries)} queries, median {statistics.median(times) * 1000:.1f} ms "
            f"(min {min(times) * 1000:.1f}), {len(response.content) / 1024:.1f} KB HTML"
        )
    print("targets: constant queries, under 80 ms, under 100 KB")


if __name__ == "__main__":
    main()
