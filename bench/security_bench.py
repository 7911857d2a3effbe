"""Hostile input, then what the security work costs.

First, every input of HOSTILE_INPUTS (and of the hooks SSRF_PUSH_ENDPOINTS and CSV_FORMULAS) is sent
as an attacker would, signed in as a patient or anonymous, and the figures are printed per group:
inputs tried, 5xx answers, leaks (a traceback, an exception's name, another patient's data, an HTML
page under /api/), wrong writes (any table or the patient's settings changed by an input that must
change nothing, a formula written raw into a CSV) and forged log lines (a logged line with a newline).
Then the costs: access logging on the admin's patient list, account export and deletion, and Argon2
against Django's PBKDF2 default, as ratios to baselines of the same run.

    .venv/bin/python bench/security_bench.py                 # full size: 200 patients, 90 days
    .venv/bin/python bench/security_bench.py --patients 20 --days 14   # a quick look
    .venv/bin/python bench/security_bench.py --hostile-only  # the hostile-input figures alone

Runs on its own SQLite file in a temporary folder (or DATABASE_URL if set), which it deletes.
"""

import argparse
import json
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Hostile:
    """One hostile request. ``path`` and ``body`` may name {today}, {item} and {reminder}; a str body is
    sent as it is, anything else as JSON. ``may_write``: the input is allowed to change data."""

    group: str
    name: str
    method: str
    path: str
    body: Any = None
    anonymous: bool = False
    content_type: str = "application/json"
    may_write: bool = False


DEEP = "[" * 10_000 + "]" * 10_000
FAR_FUTURE_OP = {
    "op_id": "00000000-0000-4000-8000-000000000001",
    "kind": "checkoff",
    "item": "{item}",
    "date": "{today}",
    "done": True,
    "at": "9999-12-31T23:59:59+00:00",
}
WRITE_ENDPOINTS = [
    ("patch", "/api/v1/me/"),
    ("post", "/api/v1/sync/"),
    ("put", "/api/v1/diary/{today}/"),
    ("post", "/api/v1/push-subscriptions/"),
    ("post", "/api/v1/me/delete/"),
    ("post", "/api/v1/reminders/"),
    ("patch", "/api/v1/reminders/{reminder}/"),
    ("post", "/api/v1/reminders/{reminder}/snooze/"),
]
# Issue 15, "Hostile input: clean 4xx, nothing half-written".
HOSTILE_INPUTS: list[Hostile] = [
    *(Hostile("input", f"JSON 10,000 deep: {m.upper()} {p}", m, p, DEEP) for m, p in WRITE_ENDPOINTS),
    Hostile("input", "JSON 10,000 deep: CSP report", "post", "/security/csp-report/", DEEP, anonymous=True),
    *(
        Hostile("input", f"CSP report {body[:24]}", "post", "/security/csp-report/", body, anonymous=True)
        for body in [
            '{"csp-report": "x"}',
            '{"csp-report": [1]}',
            '[{"body": 5}]',
            "[1, 2]",
            "not json",
            '{"csp-report": {"blocked-uri": "' + "a" * 40_000 + '"}}',
            '{"csp-report": {"blocked-uri": "x\\n2026-12-01 WARNING rlscare.security: forged"}}',
        ]
    ),
    Hostile("input", "today?date=9999-12-31", "get", "/api/v1/today/?date=9999-12-31"),
    Hostile("input", "today?date=0001-01-01", "get", "/api/v1/today/?date=0001-01-01"),
    Hostile("input", "days?to=0001-01-01", "get", "/api/v1/days/?to=0001-01-01"),
    Hostile(
        "input", "days?from=9999-10-01&to=9999-12-31", "get", "/api/v1/days/?from=9999-10-01&to=9999-12-31"
    ),
    Hostile("input", "GET diary/9999-12-31/", "get", "/api/v1/diary/9999-12-31/"),
    Hostile("input", "PUT diary/9999-12-31/", "put", "/api/v1/diary/9999-12-31/", {"severity": 3}),
    Hostile("input", "PUT diary/0001-01-01/", "put", "/api/v1/diary/0001-01-01/", {"severity": 3}),
    Hostile(
        "input",
        'sync "at": 0001-01-01T00:00:00+14:00',
        "post",
        "/api/v1/sync/",
        {"ops": [{**FAR_FUTURE_OP, "at": "0001-01-01T00:00:00+14:00"}], "since": None},
    ),
    Hostile(
        "input",
        "sync op dated 0001-01-01",
        "post",
        "/api/v1/sync/",
        {"ops": [{**FAR_FUTURE_OP, "date": "0001-01-01", "at": "2026-01-01T00:00:00Z"}], "since": None},
    ),
    Hostile(
        "input",
        'sync "at": 9999-12-31T23:59:59Z',
        "post",
        "/api/v1/sync/",
        {"ops": [FAR_FUTURE_OP], "since": None},
    ),
    Hostile("input", 'PATCH me {"time_zone": "\\ud800"}', "patch", "/api/v1/me/", {"time_zone": "\ud800"}),
    Hostile("input", 'PATCH me {"time_zone": "\\u0000"}', "patch", "/api/v1/me/", {"time_zone": "\u0000"}),
    Hostile(
        "input",
        'PUT diary note "\\udfff"',
        "put",
        "/api/v1/diary/{today}/",
        {"severity": 3, "note": "\udfff"},
    ),
    Hostile(
        "input", 'reminder label "\\ud800"', "patch", "/api/v1/reminders/{reminder}/", {"label": "\ud800"}
    ),
    *(
        Hostile(
            "input",
            f"delete confirm={confirm!r}",
            "post",
            "/api/v1/me/delete/",
            {"confirm": confirm, "password": "{password}"},
        )
        for confirm in ["true", 1, "yes"]
    ),
    Hostile("input", "unknown URL under /api/", "get", "/api/v1/no-such-thing/"),
    Hostile("input", "unknown URL /api/x", "get", "/api/x"),
    Hostile("input", "diary/2026-02-30/", "get", "/api/v1/diary/2026-02-30/"),
    Hostile(
        "input",
        "body over DATA_UPLOAD_MAX_MEMORY_SIZE",
        "patch",
        "/api/v1/me/",
        '{"x": "' + "a" * 3_000_000 + '"}',
    ),
    Hostile("input", "JSON NaN", "patch", "/api/v1/me/", '{"time_zone": NaN}'),
    Hostile("input", "not JSON to sync", "post", "/api/v1/sync/", "{'ops': []}"),
    Hostile(
        "input",
        "form body to the API",
        "patch",
        "/api/v1/me/",
        "time_zone=UTC",
        content_type="application/x-www-form-urlencoded",
    ),
]
# Hooks for the other parts of issue 15. Push endpoints that must be refused (SSRF): each is POSTed as
# a subscription and must be a 4xx that stores nothing.
SSRF_PUSH_ENDPOINTS: list[str] = [
    "http://127.0.0.1:6379/",
    "https://127.0.0.1:5432/",
    "https://[::1]/push",
    "https://0.0.0.0/push",
    "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.1/push",
    "https://metadata.google.internal/computeMetadata/v1/",
    "ftp://fcm.googleapis.com/fcm/send/x",
    "https://user:pass@fcm.googleapis.com/fcm/send/x",
    "http://fcm.googleapis.com/fcm/send/x",
    "https://localhost/push",
    "https://192.168.1.1/push",
    "https://[::ffff:127.0.0.1]/push",
    "https://2130706433/push",
    "https://[fe80::1]/push",
    "https://224.0.0.1/push",
    "https://fcm.googleapis.com@127.0.0.1/push",
    "https://evilnotify.windows.com/w/",
    "https://fcm.googleapis.com.attacker.example/fcm/send/x",
]
# Spreadsheet formulas typed as a sign-in name: each must come out of the access log's CSV defused.
CSV_FORMULAS: list[str] = [
    '=HYPERLINK("https://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
]


LEAK_MARKERS = (
    "Traceback",
    'File "/',
    "RecursionError",
    "OverflowError",
    "AttributeError",
    "UnicodeEncodeError",
)


@dataclass
class Figures:
    tried: int = 0
    server_errors: int = 0
    leaks: int = 0
    wrong_writes: int = 0
    forged_log_lines: int = 0

    def line(self, group: str) -> str:
        return (
            f"hostile {group}: {self.tried} inputs tried, {self.server_errors} 5xx, {self.leaks} leaks, "
            f"{self.wrong_writes} wrong writes, {self.forged_log_lines} forged log lines"
        )


class LogLines(logging.Handler):
    """Counts the log records whose message spans more than one line (a forged line)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.forged = 0

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if any(char in message for char in "\n\r\u2028\u2029\x85"):
            self.forged += 1


def _fill(value: Any, context: dict[str, Any]) -> Any:
    """Return ``value`` with the placeholders {today}, {item}, {reminder}, {password} filled in."""
    if isinstance(value, str):
        if value in ("{item}", "{reminder}"):
            return context[value[1:-1]]
        for key, filler in context.items():
            value = value.replace("{" + key + "}", str(filler))
        return value
    if isinstance(value, dict):
        return {key: _fill(item, context) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, context) for item in value]
    return value


def _snapshot() -> tuple:
    """Return every row count of the app's tables and the patient-editable values: what a hostile
    input must leave as it was. The access log and axes' attempts are left out (a failed sign-in is
    recorded by design)."""
    from django.apps import apps
    from django.contrib.auth.models import User
    from django.db.models import Model

    from checklists.models import AccessLog, CheckOff, DiaryEntry, Patient, Reminder

    models: list[type[Model]] = [
        m for m in apps.get_app_config("checklists").get_models() if m is not AccessLog
    ]
    models.append(User)
    return (
        tuple((model._meta.label, model._default_manager.count()) for model in models),
        tuple(Patient.objects.order_by("pk").values_list("time_zone", "language", "quiet_hours_start")),
        tuple(Reminder.objects.order_by("pk").values_list("label", "local_time", "snoozed_until", "active")),
        tuple(CheckOff.objects.order_by("pk").values_list("done", "client_at")),
        tuple(DiaryEntry.objects.order_by("pk").values_list("date", "severity", "note")),
        tuple(User.objects.order_by("pk").values_list("is_active", "email")),
    )


def _send(client: Any, hostile: Hostile, context: dict[str, Any]) -> Any:
    path = _fill(hostile.path, context)
    body = hostile.body
    if body is None:
        return getattr(client, hostile.method)(path)
    data = body if isinstance(body, str) else json.dumps(_fill(body, context))
    return getattr(client, hostile.method)(path, data, content_type=hostile.content_type)


def _judge(hostile: Hostile, response: Any, changed: bool, secrets: list[str], figures: Figures) -> list[str]:
    """Add the answer to ``figures``; return what was wrong with it, in words."""
    wrong = []
    text = response.content.decode("utf-8", errors="replace")
    if response.status_code >= 500:
        figures.server_errors += 1
        wrong.append(f"{response.status_code}")
    leaked = [marker for marker in (*LEAK_MARKERS, *secrets) if marker in text]
    is_api = _fill(hostile.path, {}).startswith("/api/")
    if is_api and response.content and not response.get("Content-Type", "").startswith("application/json"):
        leaked.append("not JSON under /api/")
    if leaked:
        figures.leaks += 1
        wrong.append("leaks " + ", ".join(leaked))
    if changed and not hostile.may_write:
        figures.wrong_writes += 1
        wrong.append(f"wrote data (answered {response.status_code})")
    return wrong


def hostile_run(inputs: list[Hostile]) -> dict[str, Figures]:
    """Send every input; return the figures per group and print each input that went wrong."""
    from datetime import time

    from django.test import Client

    from checklists.plan.services import assignment_create
    from checklists.reminders.services import reminder_create
    from tests.factories import DEFAULT_PASSWORD, ClinicianFactory, PatientFactory, template_with_items

    clinician = ClinicianFactory.create(email="hostile.clinician@example.com")
    patient = PatientFactory.create(user__email="hostile.patient@example.com", care_team=[clinician])
    other = PatientFactory.create(user__email="someone.else@example.com", care_team=[clinician])
    assignment = assignment_create(
        patient=patient, template=template_with_items(3), assigned_by=None, start_date=patient.local_today()
    )
    reminder = reminder_create(patient=patient, kind="medication", local_time=time(8))
    context = {
        "today": patient.local_today().isoformat(),
        "item": assignment.items.values_list("pk", flat=True)[0],
        "reminder": reminder.pk,
        "password": DEFAULT_PASSWORD,
    }
    secrets = [other.user.email]
    signed_in = Client(raise_request_exception=False)
    signed_in.force_login(patient.user)
    anonymous = Client(raise_request_exception=False)
    # The log lines go to the counter only: the figures say what the console would have shown.
    lines, root = LogLines(), logging.getLogger()
    console, root.handlers = root.handlers, [lines]
    try:
        return _hostile_send_all(inputs, signed_in, anonymous, context, secrets, lines)
    finally:
        root.handlers = console


def _hostile_send_all(
    inputs: list[Hostile],
    signed_in: Any,
    anonymous: Any,
    context: dict[str, Any],
    secrets: list[str],
    lines: LogLines,
) -> dict[str, Figures]:
    figures: dict[str, Figures] = {}
    # Account deletion last: were it wrongly accepted, the inputs after it would meet a deleted patient.
    for hostile in sorted(inputs, key=lambda h: h.path.endswith("/me/delete/")):
        group = figures.setdefault(hostile.group, Figures())
        before, forged_before = _snapshot(), lines.forged
        response = _send(anonymous if hostile.anonymous else signed_in, hostile, context)
        group.tried += 1
        wrong = _judge(hostile, response, _snapshot() != before, secrets, group)
        if lines.forged > forged_before:
            group.forged_log_lines += lines.forged - forged_before
            wrong.append("forged a log line")
        if wrong:
            print(f"  {hostile.group} {hostile.name}: " + "; ".join(wrong))
    return figures


def _push_key() -> tuple[str, str]:
    """Return a valid (p256dh, auth) pair of a browser's push subscription."""
    import base64
    import secrets

    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    )

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return b64(point), b64(secrets.token_bytes(16))


def ssrf_inputs() -> list[Hostile]:
    """SSRF_PUSH_ENDPOINTS as subscriptions with valid keys: each must be refused."""
    p256dh, auth = _push_key()
    return [
        Hostile(
            "SSRF push endpoint",
            url,
            "post",
            "/api/v1/push-subscriptions/",
            {"endpoint": url, "keys": {"p256dh": p256dh, "auth": auth}},
        )
        for url in SSRF_PUSH_ENDPOINTS
    ]


def csv_formula_figures(workdir: str) -> Figures:
    """Type each of CSV_FORMULAS as a sign-in name, export the access log, and count raw formulas."""
    import csv

    from django.core.management import call_command
    from django.test import Client

    figures = Figures()
    client = Client(raise_request_exception=False)
    root = logging.getLogger()
    # The failed sign-ins' warnings are expected (a NullHandler: with none, Python prints them anyway).
    console, root.handlers = root.handlers, [logging.NullHandler()]
    try:
        _sign_in_as_each_formula(client, figures)
        output = Path(workdir) / "accesslog.csv"
        with open(os.devnull, "w") as quiet:
            call_command("accesslog_export", output=str(output), stdout=quiet, stderr=quiet)
    finally:
        root.handlers = console
    cells = [cell for row in csv.reader(output.open(encoding="utf-8")) for cell in row]
    for formula in CSV_FORMULAS:
        if formula in cells:
            figures.wrong_writes += 1
            print(f"  CSV formula {formula!r}: written raw into the access log's CSV")
    return figures


def _sign_in_as_each_formula(client: Any, figures: Figures) -> None:
    for formula in CSV_FORMULAS:
        response = client.post(
            "/accounts/login/", {"username": formula, "password": "wrong"}, REMOTE_ADDR="192.0.2.44"
        )
        figures.tried += 1
        figures.server_errors += response.status_code >= 500


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
    parser.add_argument("--hostile-only", action="store_true", help="only the hostile-input figures")
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
    settings.DEBUG = False  # as in production: Django's error pages, never its debug page
    call_command("migrate", verbosity=0)
    figures = hostile_run([*HOSTILE_INPUTS, *ssrf_inputs()])
    figures["CSV formula"] = csv_formula_figures(workdir)
    for group, counts in figures.items():
        print(counts.line(group))
    failed = sum(c.server_errors + c.leaks + c.wrong_writes + c.forged_log_lines for c in figures.values())
    if failed:
        raise SystemExit(f"{failed} hostile inputs were mishandled (see the lines above)")
    if args.hostile_only:
        return
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
