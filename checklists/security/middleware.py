"""Middleware: a shorter idle timeout for staff sessions, and the clinicians' two-factor gate."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from checklists.security.twofactor import has_confirmed_device


class StaffSessionMiddleware:
    """Staff (clinicians, superusers) are signed out after STAFF_SESSION_IDLE_SECONDS of inactivity;
    everyone else after SESSION_COOKIE_AGE. Each request renews it (SESSION_SAVE_EVERY_REQUEST)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            request.session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)
        return self.get_response(request)


def two_factor_required(user) -> bool:
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
            and not request.user.is_verified()
            and two_factor_required(request.user)
        ):
            target = "two_factor_verify" if has_confirmed_device(request.user) else "two_factor_setup"
            return HttpResponseRedirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
