"""Pages and endpoints of the security work: two-factor enrolment and verification, CSP reports."""

import logging
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token

from checklists.api.parsers import json_loads_limited
from checklists.security import twofactor
from checklists.security.logsafe import log_safe

logger = logging.getLogger("rlscare.security")

# HTTP 429 Too Many Requests: what a locked-out sign-in gets.
LOCKED_OUT_STATUS = 429
# A report is a few hundred bytes; anything far larger is not a browser's report.
CSP_REPORT_MAX_BYTES = 16 * 1024


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(candidate, {request.get_host()}, require_https=request.is_secure()):
        return candidate
    return reverse("admin:index")


def _staff_only(request: HttpRequest) -> User:
    """Return the signed-in staff user; PermissionDenied for anyone else."""
    if not isinstance(request.user, User) or not request.user.is_staff:
        raise PermissionDenied
    return request.user


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator: show its QR code, confirm it with one code, then continue."""
    user = _staff_only(request)
    if twofactor.has_confirmed_device(user):
        return HttpResponseRedirect(f"{reverse('two_factor_verify')}?next={_next_url(request)}")
    device = twofactor.totp_pending_device(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor.totp_confirm(device=device, token=form.cleaned_data["token"]):
            otp_login(request, device)
            return HttpResponseRedirect(_next_url(request))
        form.add_error(
            "token", _("That code did not match. Check your phone's clock and try the current code.")
        )
    context = {
        "title": _("Set up two-factor sign-in"),
        "form": form,
        "qr": twofactor.totp_qr_data_uri(device),
        "secret": twofactor.totp_secret_base32(device),
        "next": _next_url(request),
    }
    return render(request, "registration/two_factor_setup.html", context)


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Ask for the current authenticator code once per session."""
    _staff_only(request)
    if not twofactor.has_confirmed_device(request.user):
        return HttpResponseRedirect(f"{reverse('two_factor_setup')}?next={_next_url(request)}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"].strip())
        if device is not None:
            otp_login(request, device)
            return HttpResponseRedirect(_next_url(request))
        form.add_error("token", _("That code did not match. Try the current code from your authenticator."))
    context = {"title": _("Two-factor sign-in"), "form": form, "next": _next_url(request)}
    return render(request, "registration/two_factor_verify.html", context)


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' lockout response: 429 with how long the pause lasts (HTML, or JSON for scripts)."""
    minutes = settings.AXES_COOLOFF_MINUTES
    message = ngettext(
        "Too many failed sign-ins. Signing in with this email from this device is paused; "
        "try again in %(minutes)d minute.",
        "Too many failed sign-ins. Signing in with this email from this device is paused; "
        "try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
    wants_json = (
        request.path.startswith("/api/")
        or request.headers.get("x-requested-with") == "XMLHttpRequest"
        or "json" in request.headers.get("accept", "")
    )
    if wants_json:
        return JsonResponse({"detail": message, "cooloff_minutes": minutes}, status=LOCKED_OUT_STATUS)
    context = {"title": _("Sign-in paused"), "message": message}
    return render(request, "registration/locked_out.html", context, status=LOCKED_OUT_STATUS)


def _csp_details(payload: Any) -> list[dict[str, Any]] | None:
    """Return the violation details of a report-uri report (``{"csp-report": {...}}``) or a Reporting
    API batch (``[{"type": ..., "body": {...}}, ...]``); None for any other shape."""
    reports = payload if isinstance(payload, list) else [payload]
    details = []
    for report in reports:
        if not isinstance(report, dict):
            return None
        detail = report.get("csp-report", report.get("body", {}))
        if not isinstance(detail, dict):
            return None
        details.append(detail)
    return details


@csrf_exempt  # browsers send reports without a token; the endpoint only writes a log line
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Log a Content-Security-Policy violation report (report-uri or Reporting API format): 204.

    Anything else (not JSON, nested too deep, larger than CSP_REPORT_MAX_BYTES, another shape) is a
    400 that logs nothing. Each logged value goes through log_safe: a report cannot forge a log line."""
    body = request.read(CSP_REPORT_MAX_BYTES + 1)  # not request.body: never more than the limit
    if len(body) > CSP_REPORT_MAX_BYTES:
        return HttpResponse(status=400)
    try:
        details = _csp_details(json_loads_limited(body.decode("utf-8") or "{}"))
    except ValueError:  # not UTF-8, not JSON, or nested deeper than API_JSON_MAX_DEPTH
        return HttpResponse(status=400)
    if details is None:
        return HttpResponse(status=400)
    for detail in details:
        logger.warning(
            "CSP violation: directive=%s blocked=%s page=%s",
            log_safe(detail.get("violated-directive") or detail.get("effectiveDirective")),
            log_safe(detail.get("blocked-uri") or detail.get("blockedURL")),
            log_safe(detail.get("document-uri") or detail.get("documentURL")),
        )
    return HttpResponse(status=204)


__all__ = ["csp_report", "two_factor_setup", "two_factor_verify"]
