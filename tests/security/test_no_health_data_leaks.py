"""No health data leaves where it shouldn't: across a full day of use, no log line, email, push
message or access-log entry carries a diary note, a medication name or a lab value."""

import json
import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from checklists.accounts.invitations import invitation_send
from checklists.careplan import services as careplan_services
from checklists.models import AccessLog, LabResult, Reminder
from checklists.models.reminders import ReminderKind
from checklists.reminders.dispatch import reminders_sweep
from checklists.reminders.send import reminders_send_slot
from checklists.reminders.services import reminder_create
from tests.api.conftest import checkoff_op, diary_op, make_plan
from tests.factories import DEFAULT_PASSWORD, PatientFactory
from tests.reminders.conftest import Recorder, fake_push, subscribe, vapid, vapid_keys  # noqa: F401  (fixtures)
from tests.security.patient_data import DIARY_NOTE, LAB_VALUE, MEDICATION_NAME

pytestmark = pytest.mark.django_db
HEALTH_VALUES = [DIARY_NOTE, "zxqv-diary-note", MEDICATION_NAME, MEDICATION_NAME.lower(), LAB_VALUE]


def _sign_in(url: str, username: str) -> Client:
    client = Client()
    response = client.post(url, {"username": username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302, response.content
    return client


# A record's clock and process readings are numbers the logging module fills in, not content; a
# float such as relativeCreated=62873.98 can hold the lab value's digits by chance (CI, 26 Nov).
_RECORD_BOOKKEEPING = {"created", "msecs", "relativeCreated", "thread", "process"}


def _everything_logged(caplog) -> str:
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        content = {k: v for k, v in vars(record).items() if k not in _RECORD_BOOKKEEPING}
        parts.append(repr(content))
    return "\n".join(parts)


def test_a_full_day_leaks_no_health_data(caplog, clinician, patient, other_patient, vapid, fake_push):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    now = timezone.now()

    # Morning: the clinician signs in, records a lab and a medication, invites a new patient.
    Client().post("/admin/login/", {"username": clinician.username, "password": "wrong"})
    desk = _sign_in("/admin/login/", clinician.username)
    plan = make_plan(patient, items=2)
    careplan_services.medication_add(
        patient=patient, name=MEDICATION_NAME, dose_text="1 tablet", entered_by=clinician
    )
    LabResult.objects.create(patient=patient, drawn_on=now.date(), ferritin=LAB_VALUE, entered_by=clinician)
    assert desk.get(f"/admin/checklists/patient/{patient.pk}/change/").status_code == 200
    assert (
        MEDICATION_NAME in desk.get(f"/admin/checklists/patient/{patient.pk}/change/").text
    )  # shown, not leaked
    invitation_send(patient=PatientFactory.create(user__email="new@example.com", care_team=[clinician]))

    # Day: the patient ticks items and writes the diary, offline first then online, and reads their plan.
    phone = _sign_in("/accounts/login/", patient.user.email)
    today = patient.local_today()
    ops = [checkoff_op(item, today) for item in plan.items.all()]
    ops.append(diary_op(today - timedelta(days=1), severity=7, note=DIARY_NOTE))
    response = phone.post("/api/v1/sync/", {"ops": ops, "since": None}, content_type="application/json")
    assert response.status_code == 200, response.content
    response = phone.put(
        f"/api/v1/diary/{today.isoformat()}/",
        {"severity": 4, "note": DIARY_NOTE},
        content_type="application/json",
    )
    assert response.status_code in (200, 201), response.content
    for path in ["/api/v1/today/", "/api/v1/days/", "/api/v1/careplan/", "/api/v1/me/export/"]:
        assert phone.get(path).status_code == 200, path
    phone.post("/api/v1/diary/not-a-date/", {"note": DIARY_NOTE}, content_type="application/json")

    # Evening: a reminder cycle, by push for this patient and by email for one without a phone.
    subscribe(patient, fake_push, "phone")
    for who in (patient, other_patient):
        reminder_create(
            patient=who,
            kind=ReminderKind.MEDICATION,
            local_time=(now + timedelta(hours=1)).time(),
            label=MEDICATION_NAME,
        )
    slot = timezone.now() + timedelta(minutes=1)
    Reminder.objects.filter(patient__in=[patient, other_patient]).update(next_fire_at=slot)
    recorder = Recorder()
    reminders_sweep(now=slot, enqueue=recorder)
    results = [reminders_send_slot(patient_id=pid, slot=at) for pid, at in recorder.calls]
    assert {r.channel for r in results} == {"push", "email"}
    assert fake_push.received, "the push service got the reminder"

    # Nothing of the health data anywhere it goes out or is logged.
    logged = _everything_logged(caplog)
    assert logged, "logs were captured"
    emails = "\n".join(f"{m.subject}\n{m.body}" for m in mail.outbox)
    assert len(mail.outbox) >= 2  # the invitation and the reminder email
    pushes = json.dumps([r.payload for r in fake_push.received])
    access_log = repr(list(AccessLog.objects.values_list()))
    assert AccessLog.objects.filter(action="view", patient=patient).exists()
    for channel, text in {"logs": logged, "emails": emails, "push": pushes, "access log": access_log}.items():
        for value in HEALTH_VALUES:
            assert value not in text, f"{value!r} leaked into {channel}"


def test_the_check_would_see_a_leak(caplog):
    """The assertion above can fail: a note in a message and a lab value in a record's extra
    attributes are both caught."""
    caplog.set_level(logging.DEBUG)
    logging.getLogger("checklists").debug("saved note %s", DIARY_NOTE)
    logging.getLogger("checklists").info("lab saved", extra={"ferritin": LAB_VALUE})
    logged = _everything_logged(caplog)
    assert DIARY_NOTE in logged
    assert LAB_VALUE in logged


def test_the_check_ignores_clock_readings(caplog):
    """A record's clock readings are not content: the one CI caught by chance doesn't count."""
    caplog.set_level(logging.DEBUG)
    logging.getLogger("checklists").debug("swept")
    caplog.records[0].relativeCreated = 62873.98672103882
    assert LAB_VALUE not in _everything_logged(caplog)
