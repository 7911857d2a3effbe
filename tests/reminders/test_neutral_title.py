"""A reminder's lock-screen title, email subject and sender name are neutral ("Care reminder") by default,
the clinic's own when it sets REMINDER_TITLE, and never the app's name (it names the condition)."""

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.utils import translation

from checklists.reminders.email import email_patient
from checklists.reminders.payload import reminder_payload

APP_NAME = "RLS Care"
SW = Path(__file__).resolve().parents[2] / "frontend" / "src" / "sw.js"


def payload() -> dict:
    slot = datetime(2027, 7, 7, 11, 30, tzinfo=UTC)
    return reminder_payload(slot=slot, day=date(2027, 7, 7), tasks=3, items=[1], reminder_ids=[2])


def test_the_push_title_is_neutral_by_default(settings) -> None:
    settings.REMINDER_TITLE = ""
    assert payload()["title"] == "Care reminder"
    assert APP_NAME not in str(payload())


def test_the_clinic_chooses_the_push_title(settings) -> None:
    settings.REMINDER_TITLE = "Leeds Sleep Clinic"
    assert payload()["title"] == "Leeds Sleep Clinic"


def test_the_default_title_is_in_the_patients_language(settings) -> None:
    settings.REMINDER_TITLE = ""
    with translation.override("en"):
        assert payload()["title"] == "Care reminder"


@pytest.mark.django_db
def test_the_email_subject_and_sender_name_are_neutral(patient, settings, mailoutbox) -> None:
    settings.REMINDER_TITLE = ""
    settings.DEFAULT_FROM_EMAIL = "RLS Care <no-reply@rlscare.example>"

    assert email_patient(patient_id=patient.pk, body="You have 3 care tasks due", url="/#today")

    [message] = mailoutbox
    assert message.subject == "Care reminder"
    assert message.from_email == "Care reminder <no-reply@rlscare.example>"
    assert APP_NAME not in message.subject + message.from_email + message.body
    assert "You have 3 care tasks due" in message.body


@pytest.mark.django_db
def test_the_clinics_title_is_the_email_subject_and_sender_name(patient, settings, mailoutbox) -> None:
    settings.REMINDER_TITLE = "Leeds Sleep Clinic"
    settings.DEFAULT_FROM_EMAIL = "no-reply@clinic.example"

    email_patient(patient_id=patient.pk, body="You have 1 care task due", url="/#today")

    [message] = mailoutbox
    assert (message.subject, message.from_email) == (
        "Leeds Sleep Clinic",
        "Leeds Sleep Clinic <no-reply@clinic.example>",
    )


def test_the_service_worker_shows_the_servers_title() -> None:
    """The worker's notification title is the payload's (the server's neutral title), never its own text;
    tests/browser/test_pwa.py delivers a push and reads the shown notification's title."""
    assert "showNotification(data.title," in SW.read_text()


def test_reminder_title_comes_from_the_environment(tmp_path) -> None:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='rlsapp.settings'; django.setup();"
        "from django.conf import settings; print(repr(settings.REMINDER_TITLE))"
    )
    env = {"PATH": "", "RLS_VAR_DIR": str(tmp_path), "REMINDER_TITLE": "Clinic reminder"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "'Clinic reminder'"
