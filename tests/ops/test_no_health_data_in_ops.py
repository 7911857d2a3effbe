"""Nothing of a patient in the logs, the metrics or the health answers, after the data-heavy paths: a
sync with diary ops, a reminder sweep and send (push and email), an admin view of the patient's page."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from checklists.careplan import services as careplan_services
from checklists.models import LabResult, Reminder
from checklists.models.reminders import ReminderKind
from checklists.ops import marks
from checklists.reminders.services import reminder_create
from checklists.tasks import reminders_sweep
from rlsapp.celery import app as celery_app
from tests.api.conftest import checkoff_op, diary_op, make_plan, post_sync, signed_in
from tests.factories import PatientFactory
from tests.ops.test_logs import json_lines  # noqa: F401  (fixture)
from tests.reminders.conftest import fake_push, subscribe, vapid, vapid_keys  # noqa: F401  (fixtures)
from tests.security.patient_data import DIARY_NOTE, LAB_VALUE, MEDICATION_NAME

pytestmark = pytest.mark.django_db
TOKEN = "scrape-token-for-tests-0123456789"
NAME = ("Zebulon", "Quixotewright")
EMAIL = "zebulon.quixotewright@example.org"


def _scrape() -> str:
    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    return response.text


def test_logs_metrics_and_health_answers_carry_no_patient_data(
    settings,
    json_lines,  # noqa: F811
    clinician,
    vapid,  # noqa: F811
    fake_push,  # noqa: F811
):
    settings.METRICS_TOKEN = TOKEN
    patient = PatientFactory.create(
        user__email=EMAIL, user__first_name=NAME[0], user__last_name=NAME[1], care_team=[clinician]
    )
    no_phone = PatientFactory.create(
        user__first_name=NAME[0], user__last_name="Emailonly", care_team=[clinician]
    )
    careplan_services.medication_add(
        patient=patient, name=MEDICATION_NAME, dose_text="1 tablet", entered_by=clinician
    )
    LabResult.objects.create(
        patient=patient, drawn_on=timezone.now().date(), ferritin=LAB_VALUE, entered_by=clinician
    )

    # The phone syncs check-offs and diary nights with notes (and a duplicate, and a rejected op).
    phone = signed_in(patient.user)
    plan = make_plan(patient, items=2)
    today = patient.local_today()
    ops = [checkoff_op(item, today) for item in plan.items.all()]
    ops += [diary_op(today - timedelta(days=d), severity=6, note=DIARY_NOTE) for d in (1, 2)]
    ops += [ops[0], checkoff_op(plan.items.first(), today + timedelta(days=40))]
    assert post_sync(phone, ops).status_code == 200

    # The reminder sweep and its sends: by push for the patient, by email for one without a phone.
    subscribe(patient, fake_push, "phone")
    subscribe(patient, fake_push, "gone-phone")
    fake_push.statuses["gone-phone"] = 410
    for who in (patient, no_phone):
        reminder_create(
            patient=who, kind=ReminderKind.MEDICATION, local_time=timezone.now().time(), label=MEDICATION_NAME
        )
    Reminder.objects.filter(patient__in=[patient, no_phone]).update(
        next_fire_at=timezone.now() - timedelta(minutes=1)
    )
    eager_before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        reminders_sweep.apply()
    finally:
        celery_app.conf.task_always_eager = eager_before
    assert fake_push.received, "the reminder was pushed"

    # The clinician opens the patient's page (names, medicines and labs are on it: shown, not leaked).
    desk = signed_in(clinician)
    page = desk.get(f"/admin/checklists/patient/{patient.pk}/change/")
    assert page.status_code == 200 and MEDICATION_NAME in page.text

    marks.worker_heartbeat_mark(at=timezone.now(), node="celery@host")
    answers = {
        "metrics": _scrape(),
        "healthz": Client().get("/healthz").text,
        "readyz": Client().get("/readyz").text,
        "logs": json_lines.text(),
    }
    assert '"diary"' not in answers["metrics"]
    assert (
        "rlscare_sync_ops_total" in answers["metrics"]
        and "rlscare_reminder_deliveries_total" in answers["metrics"]
    )
    assert '"sweep": {"status": "ok"' in answers["readyz"]
    assert answers["logs"].count("\n") > 10, "the run was logged"
    secrets = [
        EMAIL,
        *NAME,
        DIARY_NOTE,
        "zxqv-diary-note",
        MEDICATION_NAME,
        MEDICATION_NAME.lower(),
        LAB_VALUE,
    ]
    for where, text in answers.items():
        for secret in secrets:
            assert secret not in text, f"{secret!r} is in the {where}"


def test_the_check_would_see_a_leak(json_lines):  # noqa: F811
    """The assertion above can fail: a note logged by mistake is in the JSON lines it reads."""
    import logging

    logging.getLogger("checklists.example").info("saved note %s", DIARY_NOTE)
    assert DIARY_NOTE in json_lines.text()
