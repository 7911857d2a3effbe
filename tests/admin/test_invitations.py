"""A clinician invites a patient; the emailed one-time link sets a password once."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from checklists.models import Patient

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "legs-at-rest-2026"


def invite(client, clinician, django_capture_on_commit_callbacks, email="new.patient@example.com"):
    client.force_login(clinician)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:checklists_patient_add"),
            {
                "email": email,
                "first_name": "Nora",
                "last_name": "Night",
                "time_zone": "Europe/Berlin",
                "language": "en",
                "_continue": "1",
            },
        )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    return Patient.objects.get(user__email=email)


def link_from(message) -> str:
    found = re.search(r"https?://\S+/accounts/invite/\S+/", message.body)
    assert found is not None, "no invitation link in the message"
    return found.group(0)


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


def test_inviting_creates_the_patient_on_my_care_team_and_emails_a_link(
    client, clinician, django_capture_on_commit_callbacks
):
    patient = invite(client, clinician, django_capture_on_commit_callbacks)

    assert list(patient.care_team.all()) == [clinician]
    assert patient.user.username == "new.patient@example.com"
    assert not patient.user.has_usable_password()
    assert patient.invitation_status == "pending"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.patient@example.com"]
    assert "/accounts/invite/" in link_from(mail.outbox[0])


def test_the_link_sets_a_password_once_and_signs_in(client, clinician, django_capture_on_commit_callbacks):
    patient = invite(client, clinician, django_capture_on_commit_callbacks)
    client.logout()
    link = path_of(link_from(mail.outbox[0]))

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"]
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.invitation_status == "accepted"
    assert patient.user.check_password(NEW_PASSWORD)
    assert client.session.get("_auth_user_id") == str(patient.user.pk)

    client.logout()
    assert client.login(username="new.patient@example.com", password=NEW_PASSWORD)
    client.logout()

    again = client.get(link, follow=True)
    assert not again.context["validlink"]
    assert "already been used or has expired" in again.text


def test_an_expired_link_is_refused_with_a_clear_message(
    client, clinician, settings, django_capture_on_commit_callbacks, monkeypatch
):
    invite(client, clinician, django_capture_on_commit_callbacks)
    client.logout()
    link = path_of(link_from(mail.outbox[0]))
    from django.contrib.auth.tokens import default_token_generator

    real_now = default_token_generator._now
    monkeypatch.setattr(
        default_token_generator,
        "_now",
        lambda: real_now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60),
    )
    response = client.get(link, follow=True)
    assert not response.context["validlink"]
    assert "already been used or has expired" in response.text


def test_weak_passwords_are_refused(client, clinician, django_capture_on_commit_callbacks):
    patient = invite(client, clinician, django_capture_on_commit_callbacks)
    client.logout()
    form_page = client.get(path_of(link_from(mail.outbox[0])), follow=True)
    response = client.post(form_page.redirect_chain[-1][0], {"new_password1": "123", "new_password2": "123"})
    assert response.status_code == 200
    assert response.context["form"].errors
    patient.refresh_from_db()
    assert not patient.user.has_usable_password()


def test_duplicate_email_is_a_form_error(client, clinician, patient):
    client.force_login(clinician)
    response = client.post(
        reverse("admin:checklists_patient_add"),
        {"email": patient.user.email.upper(), "time_zone": "UTC", "language": "en"},
    )
    assert response.status_code == 200
    assert "already exists" in response.text
    assert not mail.outbox


def test_resend_invitation_action(client, clinician, patient, other_patient):
    client.force_login(clinician)
    response = client.post(
        reverse("admin:checklists_patient_changelist"),
        {"action": "resend_invitation", "_selected_action": [patient.pk, other_patient.pk]},
        follow=True,
    )
    assert response.status_code == 200
    # Only the clinician's own patient is reachable; the other one is silently out of scope.
    assert [m.to for m in mail.outbox] == [[patient.user.email]]
    patient.refresh_from_db()
    assert patient.invitation_status == "pending"


def test_resending_to_a_patient_who_accepted_sends_nothing_and_points_at_the_reset(
    client, clinician, patient
):
    patient.invitation_accepted_at = patient.created_at
    patient.save()
    client.force_login(clinician)
    response = client.post(
        reverse("admin:checklists_patient_changelist"),
        {"action": "resend_invitation", "_selected_action": [patient.pk]},
        follow=True,
    )
    assert not mail.outbox
    assert "Forgot your password?" in response.text


def test_change_page_shows_invitation_status(client, clinician, patient):
    patient.invitation_accepted_at = patient.created_at
    patient.save()
    client.force_login(clinician)
    response = client.get(reverse("admin:checklists_patient_change", args=[patient.pk]))
    assert "accepted" in response.text


def _link_works(client, link: str) -> bool:
    client.logout()
    return bool(client.get(path_of(link), follow=True).context["validlink"])


def _resend(client, clinician, patient, django_capture_on_commit_callbacks):
    client.force_login(clinician)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:checklists_patient_changelist"),
            {"action": "resend_invitation", "_selected_action": [patient.pk]},
        )


def test_resending_the_invitation_kills_the_older_link(client, clinician, django_capture_on_commit_callbacks):
    patient = invite(client, clinician, django_capture_on_commit_callbacks)
    first = link_from(mail.outbox[0])
    _resend(client, clinician, patient, django_capture_on_commit_callbacks)
    second = link_from(mail.outbox[1])
    assert not _link_works(client, first)
    assert _link_works(client, second)


def _change_email(client, clinician, patient, email, django_capture_on_commit_callbacks):
    from tests.admin.pages import repost

    client.force_login(clinician)

    def edit(data):
        data["email"] = email

    with django_capture_on_commit_callbacks(execute=True):
        return repost(client, reverse("admin:checklists_patient_change", args=[patient.pk]), edit)


def test_correcting_the_email_of_an_unaccepted_invitation(
    client, clinician, django_capture_on_commit_callbacks
):
    patient = invite(client, clinician, django_capture_on_commit_callbacks, email="nora@exmaple.com")
    mistyped_link = link_from(mail.outbox[0])

    response = _change_email(
        client, clinician, patient, "Nora@Example.com", django_capture_on_commit_callbacks
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    patient.refresh_from_db()
    assert (patient.user.username, patient.user.email) == ("nora@example.com", "nora@example.com")
    assert patient.invitation_status == "pending"
    assert [m.to for m in mail.outbox] == [["nora@exmaple.com"], ["nora@example.com"]]
    page = client.get(response.url)
    assert "A fresh invitation goes to nora@example.com" in page.text
    assert not _link_works(client, mistyped_link)
    assert _link_works(client, link_from(mail.outbox[1]))


def test_an_unchanged_email_sends_nothing(client, clinician, django_capture_on_commit_callbacks):
    patient = invite(client, clinician, django_capture_on_commit_callbacks)
    response = _change_email(
        client, clinician, patient, patient.user.email, django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert _link_works(client, link_from(mail.outbox[0]))


def test_the_corrected_email_must_be_free(
    client, clinician, other_patient, django_capture_on_commit_callbacks
):
    patient = invite(client, clinician, django_capture_on_commit_callbacks)
    taken = other_patient.user.email.upper()
    response = _change_email(client, clinician, patient, taken, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert "already exists" in response.text
    patient.refresh_from_db()
    assert patient.user.email == "new.patient@example.com"
    assert len(mail.outbox) == 1


def test_the_email_of_an_accepted_invitation_cannot_be_changed_here(client, clinician, patient):
    patient.invitation_accepted_at = patient.created_at
    patient.save()
    response = _change_email(client, clinician, patient, "someone.else@example.com", lambda **kw: _Nothing())
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.user.email == "pat@example.com"
    assert not mail.outbox


class _Nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_withdrawing_an_invitation_kills_the_link_and_keeps_the_patient(
    client, clinician, patient, django_capture_on_commit_callbacks
):
    invited = invite(client, clinician, django_capture_on_commit_callbacks)
    link = link_from(mail.outbox[0])
    patient.invitation_accepted_at = patient.created_at
    patient.save()
    client.force_login(clinician)
    response = client.post(
        reverse("admin:checklists_patient_changelist"),
        {"action": "withdraw_invitation", "_selected_action": [invited.pk, patient.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert not _link_works(client, link)
    invited.refresh_from_db()
    assert invited.invitation_status == "not invited"  # kept: a fresh invitation can go out later
    patient.refresh_from_db()
    assert patient.invitation_status == "accepted"  # an accepted one has nothing to withdraw
    assert patient.user.has_usable_password()
    assert len(mail.outbox) == 1
