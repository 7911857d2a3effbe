"""Invitation and password-reset emails: a neutral subject, sender name and body by default (the app's
name names the condition), the clinic's own app name when it sets ACCOUNT_EMAIL_APP_NAME."""

import subprocess
import sys
from email.utils import parseaddr

import pytest

from checklists.accounts.invitations import invitation_send
from checklists.accounts.password_reset import password_reset_email_send
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

CONDITION_WORDS = ("RLS Care", "restless", "Willis-Ekbom")  # the address is the deployment's


def _names_the_condition(text: str) -> bool:
    return any(word.lower() in text.lower() for word in CONDITION_WORDS)


@pytest.fixture
def neutral(settings):
    settings.ACCOUNT_EMAIL_APP_NAME = ""
    settings.DEFAULT_FROM_EMAIL = "RLS Care <no-reply@rlscare.example>"


@pytest.fixture
def signed_up(patient):
    patient.user.set_password("a-password-of-their-own-2026")
    patient.user.save()
    return patient


def test_the_invitation_is_neutral_by_default(neutral, clinician, mailoutbox):
    invitation_send(patient=PatientFactory.create(user__email="new@example.com", care_team=[clinician]))
    [message] = mailoutbox
    assert message.subject == "Your invitation to your care team's app"
    assert message.from_email == "Your care team <no-reply@rlscare.example>"
    assert not _names_the_condition(message.subject + parseaddr(message.from_email)[0] + message.body)
    assert "Your care team has invited you to their app for your care plan." in message.body


def test_the_password_reset_is_neutral_by_default(neutral, signed_up, mailoutbox):
    assert password_reset_email_send(email=signed_up.user.email) == 1
    [message] = mailoutbox
    assert message.subject == "Choose a new password"
    assert message.from_email == "Your care team <no-reply@rlscare.example>"
    assert not _names_the_condition(message.subject + parseaddr(message.from_email)[0] + message.body)


def test_the_clinic_names_its_app_in_both(settings, clinician, signed_up, mailoutbox):
    settings.ACCOUNT_EMAIL_APP_NAME = "Leeds Sleep Clinic app"
    settings.DEFAULT_FROM_EMAIL = "no-reply@clinic.example"
    invitation_send(patient=PatientFactory.create(user__email="new@example.com", care_team=[clinician]))
    password_reset_email_send(email=signed_up.user.email)
    invitation, reset = mailoutbox
    assert invitation.subject == "Your invitation to Leeds Sleep Clinic app"
    assert "Your care team has invited you to Leeds Sleep Clinic app, the app for your care plan." in (
        invitation.body
    )
    assert reset.subject == "Choose a new Leeds Sleep Clinic app password"
    assert "a new password for Leeds Sleep Clinic app" in reset.body
    assert {invitation.from_email, reset.from_email} == {"Leeds Sleep Clinic app <no-reply@clinic.example>"}


def test_the_app_name_comes_from_the_environment(tmp_path):
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='rlsapp.settings'; django.setup();"
        "from django.conf import settings; print(repr(settings.ACCOUNT_EMAIL_APP_NAME))"
    )
    env = {"PATH": "", "RLS_VAR_DIR": str(tmp_path), "ACCOUNT_EMAIL_APP_NAME": "Sleep clinic app"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "'Sleep clinic app'"
