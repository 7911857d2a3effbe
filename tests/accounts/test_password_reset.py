"""A way back in: a forgotten password is reset by email; a signed-in user changes theirs."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from checklists.models import UserSession
from rlsapp.celery import app as celery_app
from tests.factories import DEFAULT_PASSWORD, PatientFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "legs-at-rest-2026"
RESET_URL = "/accounts/password_reset/"
LINK = re.compile(r"https?://\S+/accounts/reset/\S+/")


@pytest.fixture(autouse=True)
def _tasks_run_at_once():
    """The reset email is sent by a Celery task after the answer; run it in the test's process."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def request_reset(client: Client, email: str, capture, ip: str = "203.0.113.7"):
    with capture(execute=True):
        return client.post(RESET_URL, {"email": email}, REMOTE_ADDR=ip)


def sign_in(password: str, username: str = "pat@example.com") -> int:
    return Client().post("/accounts/login/", {"username": username, "password": password}).status_code


def the_link() -> str:
    (message,) = mail.outbox
    (link,) = LINK.findall(str(message.body))
    return link.split("://", 1)[1].split("/", 1)[1]


def test_the_sign_in_and_lock_out_pages_point_at_the_reset(client, patient):
    page = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password_reset/"' in page and "Forgot your password?" in page
    for _ in range(settings.AXES_FAILURE_LIMIT):
        locked = client.post("/accounts/login/", {"username": "pat@example.com", "password": "wrong"})
    assert locked.status_code == 429
    text = locked.content.decode()
    assert 'href="/accounts/password_reset/"' in text and "Forgot your password?" in text
    assert "new invitation" not in text


def test_a_patient_resets_a_forgotten_password_with_the_emailed_link(
    client, patient, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "http://127.0.0.1:18102"
    response = request_reset(client, "PAT@example.com", django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == "/accounts/password_reset/done/"
    assert "Check your email" in client.get(response["Location"]).content.decode()
    (message,) = mail.outbox
    assert message.to == ["pat@example.com"]
    assert "http://127.0.0.1:18102/accounts/reset/" in message.body
    form = client.get("/" + the_link(), follow=True)
    assert form.status_code == 200 and 'name="new_password1"' in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302 and done["Location"] == "/accounts/reset/done/"
    assert "Sign in" in client.get(done["Location"]).content.decode()
    assert sign_in(NEW_PASSWORD) == 302
    assert sign_in(DEFAULT_PASSWORD) == 200
    # The link worked once: the password it was made for has changed.
    again = Client().get("/" + the_link(), follow=True)
    assert "new_password1" not in again.content.decode()
    assert "has already been used or has expired" in again.content.decode()


def test_the_reset_link_expires(client, patient, django_capture_on_commit_callbacks):
    request_reset(client, "pat@example.com", django_capture_on_commit_callbacks)
    later = timezone.now() + timedelta(minutes=settings.PASSWORD_RESET_LINK_MINUTES, seconds=1)
    with time_machine.travel(later):
        page = Client().get("/" + the_link(), follow=True).content.decode()
    assert "new_password1" not in page and "has already been used or has expired" in page


def test_an_invitation_link_is_not_a_reset_link(client, django_capture_on_commit_callbacks):
    """The two links set a password the same way but are told apart (their lifetimes differ)."""
    from checklists.accounts.invitations import invitation_link

    invited = PatientFactory.create(user__email="new@example.com", user__password=None)
    path = invitation_link(patient=invited).split("/accounts/invite/", 1)[1]
    page = client.get("/accounts/reset/" + path, follow=True).content.decode()
    assert "new_password1" not in page


def test_an_unknown_email_gets_the_same_answer_and_no_email(
    client, patient, django_capture_on_commit_callbacks
):
    known = request_reset(Client(), "pat@example.com", django_capture_on_commit_callbacks)
    mail.outbox.clear()
    unknown = request_reset(Client(), "nobody@example.com", django_capture_on_commit_callbacks)
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert unknown.content == known.content
    assert mail.outbox == []


def test_an_invited_patient_who_never_chose_a_password_gets_no_reset_email(
    client, django_capture_on_commit_callbacks
):
    PatientFactory.create(user__email="new@example.com", user__password=None)
    response = request_reset(client, "new@example.com", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert mail.outbox == []
    assert "new invitation" in client.get(response["Location"]).content.decode()


def test_a_malformed_email_is_a_form_error(client, patient):
    response = client.post(RESET_URL, {"email": "not an email\n<script>"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert "<script>" not in response.content.decode()


def test_reset_requests_are_throttled_per_email(
    client, patient, django_capture_on_commit_callbacks, settings
):
    settings.PASSWORD_RESET_LIMIT_PER_EMAIL = 2
    answers = [
        request_reset(Client(), "pat@example.com", django_capture_on_commit_callbacks, ip=f"198.51.100.{n}")
        for n in range(4)
    ]
    assert [a.status_code for a in answers] == [302] * 4
    assert {a["Location"] for a in answers} == {"/accounts/password_reset/done/"}
    assert len(mail.outbox) == 2
    # Another account is not held up; after the window the first can ask again.
    PatientFactory.create(user__email="other@example.com")
    request_reset(Client(), "other@example.com", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 3
    later = timezone.now() + timedelta(minutes=settings.PASSWORD_RESET_LIMIT_WINDOW_MINUTES, seconds=1)
    with time_machine.travel(later):
        from django.core.cache import cache

        cache.clear()  # time_machine cannot move Redis's clock: expire the counters as Redis would
        request_reset(Client(), "pat@example.com", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 4


def test_reset_requests_are_throttled_per_client_address(
    client, patient, django_capture_on_commit_callbacks, settings
):
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 3
    for n in range(3):
        PatientFactory.create(user__email=f"p{n}@example.com")
        request_reset(client, f"p{n}@example.com", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 3
    over = request_reset(client, "pat@example.com", django_capture_on_commit_callbacks)
    assert (over.status_code, over["Location"]) == (302, "/accounts/password_reset/done/")
    assert len(mail.outbox) == 3
    request_reset(Client(), "pat@example.com", django_capture_on_commit_callbacks, ip="192.0.2.50")
    assert len(mail.outbox) == 4


def test_the_new_password_must_pass_the_validators(client, patient, django_capture_on_commit_callbacks):
    request_reset(client, "pat@example.com", django_capture_on_commit_callbacks)
    form = client.get("/" + the_link(), follow=True)
    for weak in ("12345678", "password", "pat@example.com", "short"):
        response = client.post(form.redirect_chain[-1][0], {"new_password1": weak, "new_password2": weak})
        assert response.status_code == 200
        assert 'class="error"' in response.content.decode()
    assert sign_in(DEFAULT_PASSWORD) == 302


def test_a_reset_ends_every_session_and_lifts_the_lockout(
    client, patient, django_capture_on_commit_callbacks
):
    thief = Client()
    thief.force_login(patient.user)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "pat@example.com", "password": "wrong"})
    assert sign_in(DEFAULT_PASSWORD) == 429
    request_reset(client, "pat@example.com", django_capture_on_commit_callbacks)
    form = client.get("/" + the_link(), follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert thief.get("/api/v1/me/").status_code == 403
    assert not UserSession.objects.filter(user_id=patient.user.pk).exists()
    assert sign_in(NEW_PASSWORD) == 302


def test_a_clinician_reset_keeps_two_factor(client, clinician, django_capture_on_commit_callbacks):
    TOTPDevice.objects.create(user=clinician, name="authenticator", confirmed=True)
    request_reset(client, clinician.email, django_capture_on_commit_callbacks)
    form = client.get("/" + the_link(), follow=True)
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done["Location"] == "/accounts/reset/done/"
    # The reset signed nobody in; signing in with the new password still asks for the code.
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    staff = Client()
    staff.post("/admin/login/", {"username": clinician.username, "password": NEW_PASSWORD})
    assert staff.get("/admin/")["Location"].startswith("/accounts/2fa/verify/")
    assert TOTPDevice.objects.filter(user=clinician, confirmed=True).count() == 1


class TestPasswordChange:
    def test_it_changes_the_password_and_ends_other_sessions_only(self, patient):
        phone, laptop = Client(), Client()
        assert phone.post("/accounts/login/", {"username": "pat@example.com", "password": DEFAULT_PASSWORD})
        laptop.force_login(patient.user)
        page = phone.get("/accounts/password_change/")
        assert page.status_code == 200 and 'name="old_password"' in page.content.decode()
        response = phone.post(
            "/accounts/password_change/",
            {"old_password": DEFAULT_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        assert response.status_code == 302 and response["Location"] == "/accounts/password_change/done/"
        assert phone.get("/api/v1/me/").status_code == 200
        assert laptop.get("/api/v1/me/").status_code == 403
        assert UserSession.objects.filter(user_id=patient.user.pk).count() == 1
        assert sign_in(NEW_PASSWORD) == 302

    def test_it_needs_the_current_password_and_a_strong_new_one(self, client, patient):
        client.force_login(patient.user)
        wrong = client.post(
            "/accounts/password_change/",
            {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        weak = client.post(
            "/accounts/password_change/",
            {"old_password": DEFAULT_PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
        )
        assert wrong.status_code == weak.status_code == 200
        assert sign_in(DEFAULT_PASSWORD) == 302

    def test_it_needs_a_signed_in_user(self, client):
        response = client.get("/accounts/password_change/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "email",
    [
        "x" * 300 + "@example.com",
        "pat@example.com\x00",
        "pat@example.com\r\nBcc: victim@example.com",
        '=HYPERLINK("http://evil")@example.com',
        "",
    ],
)
def test_hostile_emails_are_form_errors_and_send_nothing(
    client, patient, django_capture_on_commit_callbacks, email
):
    response = request_reset(client, email, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/reset/Mg/garbage/",
        "/accounts/reset/!!!/1-2/",
        # a user id beyond any integer column
        "/accounts/reset/OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5/abc-def/",
        "/accounts/reset/LTE/abc-def/",  # "-1"
        "/accounts/reset/Mg/set-password/",  # no token in the session
    ],
)
def test_hostile_reset_links_say_the_link_is_dead(client, patient, path):
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert "has already been used or has expired" in response.content.decode()


def test_a_forged_address_cannot_forge_a_log_line(
    client, patient, django_capture_on_commit_callbacks, settings, caplog
):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 1
    forged = "192.0.2.1\nINFO rlscare.security: all is well"
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(RESET_URL, {"email": "pat@example.com"}, HTTP_X_FORWARDED_FOR=forged)
    assert len(mail.outbox) == 1
    (line,) = [r.getMessage() for r in caplog.records if "over the limit" in r.getMessage()]
    assert "\n" not in line and "192.0.2.1\\nINFO" in line


def test_a_dead_invitation_link_points_at_the_reset(client, patient):
    """A patient who signed up long ago and opens the old invitation link finds the way back in."""
    uid = urlsafe_base64_encode(force_bytes(patient.user.pk))
    page = client.get(f"/accounts/invite/{uid}/expired-token/", follow=True).content.decode()
    assert "already been used or has expired" in page
    assert 'href="/accounts/password_reset/"' in page
