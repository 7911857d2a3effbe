"""Middleware: sessions that end after inactivity, and the clinicians' two-factor gate."""

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from checklists.security.twofactor import has_confirmed_device

RENEW_AT_KEY = "_rls_renew_at"


def session_renew(request: HttpRequest, user: User | AnonymousUser | None = None) -> None:
    """Push the session's idle deadline out to a full timeout from now (staff: the shorter one)."""
    user = user or request.user
    age = settings.STAFF_SESSION_IDLE_SECONDS if user.is_staff else settings.SESSION_COOKIE_AGE
    if user.is_staff:
        request.session.set_expiry(age)
    # Renew at most once per interval: an idle timeout accurate to a tenth of itself, without a
    # session write on every request.
    interval = min(settings.SESSION_RENEW_INTERVAL_SECONDS, age // 10)
    request.session[RENEW_AT_KEY] = int(time.time()) + interval


class SessionIdleMiddleware:
    """Sessions end after SESSION_COOKIE_AGE of inactivity (staff: STAFF_SESSION_IDLE_SECONDS); activity
    keeps them alive. Like SESSION_SAVE_EVERY_REQUEST, but writing the session once per interval."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and time.time() >= request.session.get(RENEW_AT_KEY, 0):
            session_renew(request)
        return self.get_response(request)


def two_factor_required(user: User | AnonymousUser) -> bool:
    """Return True when ``user`` must pass an authenticator code before using the admin."""
    if not (user.is_authenticated and user.is_staff):
        return False
    return settings.REQUIRE_CLINICIAN_2FA or has_confirmed_device(user)


class ClinicianTwoFactorMiddleware:
    """Send a signed-in staff user who still owes a TOTP code from /admin/ to enrol or verify first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        admin_root = reverse("admin:index")
        if (
            request.path.startswith(admin_root)
            and request.path not in (reverse("admin:login"), reverse("admin:logout"))
            and not request.user.is_verified()  # type: ignore[union-attr]  # added by django-otp's OTPMiddleware
            and two_factor_required(request.user)
        ):
            target = "two_factor_verify" if has_confirmed_device(request.user) else "two_factor_setup"
            return HttpResponseRedirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
