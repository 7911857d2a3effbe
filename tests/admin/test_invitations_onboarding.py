"""Invitations read as they stand (sent, accepted, expired) and resend in bulk from the list; the
admin links to two-factor set-up, and a clinician's recovery codes are shown once and work once."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from checklists.accounts.invitations import InvitationState, invitation_state
from checklists.accounts.services import patient_create
from checklists.models import AccessLog, Patient
from checklists.security.recovery import RECOVERY_CODE_COUNT

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:checklists_patient_changelist"
RECOVERY = "two_factor_recovery_codes"
PASSWORD = "a-long-clinic-password-2026"


@pytest.fixture
def invited(clinician, django_capture_on_commit_callbacks) -> list[Patient]:
    with django_capture_on_commit_callbacks(execute=True):
        patients = [
            patient_create(email=f"p{n}@example.com", first_name=f"P{n}", clinician=clinician)
            for n in range(3)
        ]
    mail.outbox.clear()
    return patients


def _expire(patient: Patient, settings) -> None:
    Patient.objects.filter(pk=patient.pk).update(
        invited_at=timezone.now() - timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    )
    patient.refresh_from_db()


def test_the_list_says_sent_expired_and_accepted(client, clinician, invited, settings):
    sent, expired, accepted = invited
    _expire(expired, settings)
    Patient.objects.filter(pk=accepted.pk).update(invitation_accepted_at=timezone.now())
    client.force_login(clinician)

    page = client.get(reverse(CHANGELIST)).content.decode()

    assert invitation_state(patient=Patient.objects.get(pk=sent.pk)) == InvitationState.SENT
    assert invitation_state(patient=Patient.objects.get(pk=expired.pk)) == InvitationState.EXPIRED
    assert invitation_state(patient=Patient.objects.get(pk=accepted.pk)) == InvitationState.ACCEPTED
    cell = '<td class="field-invitation_status_display">{}</td>'
    assert page.count(cell.format("sent, not yet accepted")) == 1
    assert page.count(cell.format("expired, not accepted (resend it)")) == 1
    assert page.count(cell.format("accepted")) == 1


def test_the_list_filters_by_invitation_state(client, clinician, invited, settings):
    _expire(invited[1], settings)
    client.force_login(clinician)
    response = client.get(reverse(CHANGELIST), {"invitation": InvitationState.EXPIRED.value})
    assert [p.pk for p in response.context["cl"].result_list] == [invited[1].pk]


def test_resend_in_bulk_from_the_list_renews_expired_links_and_logs_each(
    client, clinician, invited, settings
):
    for patient in invited:
        _expire(patient, settings)
    client.force_login(clinician)

    client.post(
        reverse(CHANGELIST),
        {"action": "resend_invitation", "_selected_action": [str(p.pk) for p in invited]},
    )

    assert sorted(message.to[0] for message in mail.outbox) == [
        "p0@example.com",
        "p1@example.com",
        "p2@example.com",
    ]
    for patient in invited:
        patient.refresh_from_db()
        assert invitation_state(patient=patient) == InvitationState.SENT
    logged = AccessLog.objects.filter(action="invitation-sent", actor=clinician)
    assert sorted(logged.values_list("patient_id", flat=True)) == sorted(p.pk for p in invited)


def test_another_clinician_cannot_resend_my_patients_invitations(client, other_clinician, invited):
    client.force_login(other_clinician)
    client.post(
        reverse(CHANGELIST), {"action": "resend_invitation", "_selected_action": [str(invited[0].pk)]}
    )
    assert mail.outbox == []
    assert not AccessLog.objects.filter(action="invitation-sent").exists()


# -- two-factor and recovery codes -------------------------------------------------------------------


def test_the_admin_links_to_two_factor_and_recovery_codes(client, clinician):
    client.force_login(clinician)
    page = client.get(reverse("admin:index")).content.decode()
    assert f'href="{reverse(RECOVERY)}"' in page
    setup = client.get(reverse(RECOVERY)).content.decode()
    assert f'href="{reverse("two_factor_setup")}"' in setup  # no authenticator yet


def _signed_in_with_authenticator(client, clinician) -> None:
    """Sign in as a clinician would: password, then the current code from their enrolled app."""
    clinician.set_password(PASSWORD)
    clinician.save()
    device = TOTPDevice.objects.create(user=clinician, name="authenticator", confirmed=True)
    response = client.post(reverse("login"), {"username": clinician.username, "password": PASSWORD})
    assert response.status_code == 302
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    assert client.post(reverse("two_factor_verify"), {"token": code, "next": "/admin/"}).status_code == 302


def _sign_in_again(client, clinician, token: str):
    client.logout()
    client.post(reverse("login"), {"username": clinician.username, "password": PASSWORD})
    assert client.get(reverse("admin:index")).status_code == 302  # two-factor first
    return client.post(reverse("two_factor_verify"), {"token": token, "next": "/admin/"})


def test_recovery_codes_are_shown_once_and_each_signs_in_once(client, clinician):
    _signed_in_with_authenticator(client, clinician)

    made = client.post(reverse(RECOVERY))
    codes = made.context["codes"]
    assert len(codes) == RECOVERY_CODE_COUNT == len(set(codes))
    again = client.get(reverse(RECOVERY))
    assert not any(code in again.content.decode() for code in codes)  # never shown again
    assert f"{RECOVERY_CODE_COUNT} unused recovery codes left" in again.content.decode()

    # A new sign-in with the phone lost: one recovery code instead of the app's code.
    assert _sign_in_again(client, clinician, codes[0]).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200

    reused = _sign_in_again(client, clinician, codes[0])
    assert reused.status_code == 200  # the same code does not work twice
    assert client.get(reverse("admin:index")).status_code == 302


def test_new_recovery_codes_void_the_old_ones(client, clinician):
    _signed_in_with_authenticator(client, clinician)
    first = client.post(reverse(RECOVERY)).context["codes"]
    second = client.post(reverse(RECOVERY)).context["codes"]
    assert not set(first) & set(second)
    assert set(StaticToken.objects.filter(device__user=clinician).values_list("token", flat=True)) == set(
        second
    )
    assert _sign_in_again(client, clinician, first[0]).status_code == 200  # refused


def test_no_codes_before_an_authenticator_is_set_up(client, clinician):
    """Codes made with a password alone would stand in for the second step once one is set up."""
    client.force_login(clinician)
    response = client.post(reverse(RECOVERY))
    assert response.context["codes"] == []
    assert "Set up the authenticator app first" in response.content.decode()
    assert not StaticToken.objects.exists()


def test_a_password_alone_cannot_make_recovery_codes(client, clinician):
    """With an authenticator enrolled, a session that has not passed two-factor is sent to verify."""
    TOTPDevice.objects.create(user=clinician, name="authenticator", confirmed=True)
    client.force_login(clinician)
    response = client.post(reverse(RECOVERY))
    assert response.status_code == 302 and response["Location"].startswith(reverse("two_factor_verify"))
    assert not StaticToken.objects.exists()


def test_patients_have_no_recovery_page(client, patient):
    client.force_login(patient.user)
    assert client.get(reverse(RECOVERY)).status_code == 403
    assert isinstance(patient.user, User)
