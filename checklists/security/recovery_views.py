"""The clinician's two-factor page, linked from the admin: whether an authenticator is set up, and
their recovery codes (made here, shown once)."""

from urllib.parse import urlencode

from django.contrib.admin import site
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from checklists.security.recovery import RECOVERY_CODE_COUNT, recovery_codes_generate, recovery_codes_left
from checklists.security.twofactor import has_confirmed_device


@login_required
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """Staff only. Codes are made only once an authenticator is set up and in a session that passed
    it: a password alone must never be enough to make codes that stand in for the second step later.
    POST makes new codes and shows them this once."""
    user = request.user
    if not isinstance(user, User) or not user.is_staff:
        raise PermissionDenied
    if has_confirmed_device(user) and not user.is_verified():  # type: ignore[attr-defined]  # django-otp
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse('two_factor_verify')}?{query}")
    has_authenticator = has_confirmed_device(user)
    codes = recovery_codes_generate(user=user) if request.method == "POST" and has_authenticator else []
    context = {
        **site.each_context(request),
        "title": _("Two-factor sign-in and recovery codes"),
        "has_authenticator": has_authenticator,
        "codes": codes,
        "left": recovery_codes_left(user=user),
        "count": RECOVERY_CODE_COUNT,
    }
    return TemplateResponse(request, "admin/two_factor/recovery_codes.html", context)
