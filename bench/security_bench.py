"""What the security work costs: access logging on the admin's patient list, account export and
deletion, and Argon2 against Django's PBKDF2 default. Figures are ratios to baselines of the same run.

    .venv/bin/python bench/security_bench.py                 # full size: 200 patients, 90 days
    .venv/bin/python bench/security_bench.py --patients 20 --days 14   # a quick look

Runs on its own SQLite file in a temporary folder (or DATABASE_URL if set), which it deletes.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(fn: Callable[[], object], repeats: int) -> float:
    """Return the median seconds of ``repeats`` calls of ``fn``."""
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="rls-security-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ.update(
        {"RLS_VAR_DIR": workdir, "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "rlsapp.settings"}
    )

    import django

    django.setup()
    from datetime import timedelta
    from unittest import mock

    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from checklists.accounts.data_rights import patient_account_delete, patient_export_zip
    from checklists.models import AccessLog, CheckOff, DiaryEntry
    from checklists.plan.services import assignment_create
    from tests.factories import ClinicianFactory, PatientFactory, template_with_items

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    clinician = ClinicianFactory.create(email="bench.clinician@example.com")
    patients = [PatientFactory.create(care_team=[clinician]) for _ in range(args.patients)]
    template = template_with_items(10)
    subject = patients[0]
    assignment = assignment_create(
        patient=subject,
        template=template,
        assigned_by=None,
        start_date=subject.local_today() - timedelta(days=args.days),
    )
    today = subject.local_today()
    CheckOff.objects.bulk_create(
        CheckOff(item=item, patient=subject, date=today - timedelta(days=d), done=True)
        for item in assignment.items.all()
        for d in range(args.days)
    )
    DiaryEntry.objects.bulk_create(
        DiaryEntry(patient=subject, date=today - timedelta(days=d), severity=d % 10) for d in range(args.days)
    )
    client = Client()
    client.force_login(clinician)
    url = "/admin/checklists/patient/?all="
    client.get(url)
    # Interleaved, so a busy machine slows both alike.
    with_samples, without_samples = [], []
    for _ in range(args.repeats):
        with_samples.append(timed(lambda: client.get(url), 1))
        with mock.patch("checklists.admin.scoping.audit_record_many", lambda **kwargs: 0):
            without_samples.append(timed(lambda: client.get(url), 1))
    with_audit, without_audit = statistics.median(with_samples), statistics.median(without_samples)
    rows = AccessLog.objects.filter(action="view").count() // (args.repeats + 1)
    print(
        f"admin patient list, {args.patients} patients: {with_audit * 1000:.1f} ms with access log, "
        f"{without_audit * 1000:.1f} ms without: ratio {with_audit / without_audit:.2f} "
        f"({rows} entries/request)"
    )

    export = timed(lambda: patient_export_zip(patient=subject), 3)
    listing = timed(lambda: client.get(url), 3)
    print(
        f"export of one patient ({args.days} days x 10 items): {export * 1000:.1f} ms = "
        f"{export / listing:.1f} x the patient list"
    )
    start = time.perf_counter()
    patient_account_delete(patient=subject)
    delete = time.perf_counter() - start
    print(
        f"account deletion of that patient: {delete * 1000:.1f} ms = "
        f"{delete / listing:.1f} x the patient list"
    )

    argon2 = timed(lambda: make_password("correct-horse", hasher="argon2"), args.repeats)
    pbkdf2 = timed(lambda: make_password("correct-horse", hasher="pbkdf2_sha256"), args.repeats)
    print(
        f"password hash: Argon2 {argon2 * 1000:.1f} ms, PBKDF2 {pbkdf2 * 1000:.1f} ms: "
        f"ratio {argon2 / pbkdf2:.2f}"
    )


def run() -> None:
    """main(), then remove the temporary folder."""
    try:
        main()
    finally:
        for path in Path(tempfile.gettempdir()).glob("rls-security-bench-*"):
            shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    run()
