"""Sign-in throttling (axes), session idle timeout, sign out everywhere, clinician two-factor, CSRF."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from checklists.models import AccessLog, UserSession
from tests.factories import DEFAULT_PASSWORD

LOGIN_PAGES = ["/accounts/login/", "/admin/login/"]


def _attempt(client: Client, url: str, username: str, password: str, ip: str = "203.0.113.7"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_lockout_after_failures_and_recovery_after_cooloff(client, clinician, url):
    username = clinician.username
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _attempt(client, url, username, "wrong").status_code == 200
    locked = _attempt(client, url, username, "wrong")
    assert locked.status_code == 429
    text = locked.content.decode()
    assert f"try again in {settings.AXES_COOLOFF_MINUTES} minutes" in text
    # Even the right password is refused while locked.
    assert _attempt(client, url, username, DEFAULT_PASSWORD).status_code == 429
    # Same username from another address, and another username from this address, are not locked.
    assert _attempt(client, url, username, DEFAULT_PASSWORD, ip="198.51.100.9").status_code == 302
    other_user = Client().post(
        url, {"username": "someone@example.com", "password": "x"}, REMOTE_ADDR="203.0.113.7"
    )
    assert other_user.status_code == 200  # the form says "wrong password", no lockout
    with time_machine.travel(timezone.now() + timedelta(minutes=settings.AXES_COOLOFF_MINUTES, seconds=1)):
        recovered = _attempt(Client(), url, username, DEFAULT_PASSWORD)
    assert recovered.status_code == 302


def test_lockout_answers_scripts_with_json(client, patient):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            "/accounts/login/",
            {"username": "pat@example.com", "password": "wrong"},
            headers={"accept": "application/json"},
        )
    assert response.status_code == 429
    assert response.json()["cooloff_minutes"] == settings.AXES_COOLOFF_MINUTES


def test_sign_in_and_failed_sign_in_are_audited(client, patient):
    client.post(
        "/accounts/login/", {"username": "pat@example.com", "password": "nope"}, REMOTE_ADDR="192.0.2.1"
    )
    client.post("/accounts/login/", {"username": "pat@example.com", "password": DEFAULT_PASSWORD})
    failed, signed_in = AccessLog.objects.order_by("id")
    assert (failed.action, failed.actor, failed.actor_label, failed.patient, failed.ip_address) == (
        "sign-in-failed",
        None,
        "pat@example.com",
        patient,
        "192.0.2.1",
    )
    assert (signed_in.action, signed_in.actor, signed_in.patient) == ("sign-in", patient.user, patient)
    assert "nope" not in str(AccessLog.objects.values_list())


def test_staff_sessions_expire_sooner_than_patients(client, clinician, patient):
    client.force_login(clinician)
    client.get("/admin/")
    staff_session = UserSession.objects.get()
    idle = staff_session.expire_date - timezone.now()
    assert timedelta(seconds=settings.STAFF_SESSION_IDLE_SECONDS - 60) < idle
    assert idle <= timedelta(seconds=settings.STAFF_SESSION_IDLE_SECONDS)
    patient_client = Client()
    patient_client.force_login(patient.user)
    patient_client.get("/api/v1/me/")
    patient_session = UserSession.objects.exclude(pk=staff_session.pk).get()
    assert patient_session.expire_date - timezone.now() > timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_session_ends_after_inactivity(client, patient):
    client.force_login(patient.user)
    assert client.get("/api/v1/me/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE + 1)):
        # With CACHE_URL the session's cached copy expires with it (its TTL is the session's age), but
        # time_machine cannot move Redis's clock: drop the copy as Redis would have.
        cache.clear()
        assert client.get("/api/v1/me/").status_code == 403


def test_activity_renews_the_session(client, patient):
    client.force_login(patient.user)
    half = timedelta(seconds=settings.SESSION_COOKIE_AGE // 2 + 1)
    with time_machine.travel(timezone.now() + half):
        assert client.get("/api/v1/me/").status_code == 200
    with time_machine.travel(timezone.now() + 2 * half):
        assert client.get("/api/v1/me/").status_code == 200


def test_sign_out_everywhere_ends_other_sessions_only(patient, other_patient):
    phone, laptop, other = Client(enforce_csrf_checks=True), Client(), Client()
    phone.force_login(patient.user)
    laptop.force_login(patient.user)
    other.force_login(other_patient.user)
    phone.get("/accounts/login/")  # a page that sets the CSRF cookie
    token = phone.cookies["csrftoken"].value
    response = phone.post(
        "/api/v1/me/sign-out-everywhere/", {}, content_type="application/json", headers={"x-csrftoken": token}
    )
    assert response.status_code == 200
    assert response.json() == {"ended": 1}
    assert phone.get("/api/v1/me/").status_code == 200
    assert laptop.get("/api/v1/me/").status_code == 403
    assert other.get("/api/v1/me/").status_code == 200
    assert AccessLog.objects.filter(action="sign-out-everywhere", patient=patient).count() == 1


def test_session_writes_need_the_csrf_token(patient):
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient.user)
    response = client.post("/api/v1/me/sign-out-everywhere/")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    response = client.post("/api/v1/me/delete/", {"password": DEFAULT_PASSWORD, "confirm": True})
    assert response.status_code == 403
    login = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": "pat@example.com", "password": DEFAULT_PASSWORD}
    )
    assert login.status_code == 403


class TestTwoFactor:
    def _code(self, device: TOTPDevice) -> str:
        """Return the code an authenticator app shows now, computed independently (RFC 6238)."""
        return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"

    def test_required_2fa_enrols_then_lets_the_clinician_in(self, client, clinician, settings):
        settings.REQUIRE_CLINICIAN_2FA = True
        client.force_login(clinician)
        response = client.get("/admin/checklists/patient/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/2fa/setup/?next=%2Fadmin%2Fchecklists%2Fpatient%2F"
        page = client.get(response["Location"])
        assert page.status_code == 200
        assert 'src="data:image/svg+xml;base64,' in page.content.decode()
        device = TOTPDevice.objects.get(user=clinician, confirmed=False)
        wrong = client.post("/accounts/2fa/setup/", {"token": "000000", "next": "/admin/checklists/patient/"})
        assert wrong.status_code == 200 and "did not match" in wrong.content.decode()
        # A wrong code makes the device wait before the next try (django-otp's throttling).
        with time_machine.travel(timezone.now() + timedelta(seconds=device.step), tick=False):
            device.refresh_from_db()
            done = client.post(
                "/accounts/2fa/setup/", {"token": self._code(device), "next": "/admin/checklists/patient/"}
            )
            assert done.status_code == 302 and done["Location"] == "/admin/checklists/patient/"
            assert client.get("/admin/checklists/patient/").status_code == 200

    def test_enrolled_clinician_must_verify_in_each_new_session(self, clinician, settings):
        settings.REQUIRE_CLINICIAN_2FA = False  # optional, but once enrolled it is asked for
        device = TOTPDevice.objects.create(user=clinician, name="phone", confirmed=True)
        client = Client()
        client.force_login(clinician)
        response = client.get("/admin/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/verify/")
        later = timezone.now() + timedelta(seconds=device.step * 2)
        with time_machine.travel(later, tick=False):
            ok = client.post("/accounts/2fa/verify/", {"token": self._code(device), "next": "/admin/"})
            assert ok.status_code == 302 and ok["Location"] == "/admin/"
            assert client.get("/admin/").status_code == 200

    def test_clinician_without_2fa_when_not_required(self, client, clinician, settings):
        settings.REQUIRE_CLINICIAN_2FA = False
        client.force_login(clinician)
        assert client.get("/admin/").status_code == 200

    def test_patients_cannot_open_the_enrolment_page(self, client, patient):
        client.force_login(patient.user)
        assert client.get("/accounts/2fa/setup/").status_code == 403


def test_password_validators_apply_on_the_invitation_page_and_in_the_admin(client, superuser, patient):
    from checklists.accounts.invitations import invitation_link

    link = invitation_link(patient=patient).split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + link, follow=True)
    weak = {"new_password1": "12345678", "new_password2": "12345678"}
    response = client.post(page.redirect_chain[-1][0], weak)
    assert response.status_code == 200
    assert "This password is too common" in response.text or "entirely numeric" in response.text
    admin = Client()
    admin.force_login(superuser)
    url = f"/admin/auth/user/{patient.user.pk}/password/"
    response = admin.post(url, {"password1": "password", "password2": "password", "usable_password": "true"})
    assert response.status_code == 200
    assert "This password is too common" in response.text
