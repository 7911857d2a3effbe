"""The PWA's pages: the app shell, the service worker and the clinicians' landing page."""

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from checklists.diary.rules import DIARY_NOTE_MAX_LENGTH, NIGHT_STARTS_AT
from frontend import assets
from frontend.strings import catalog

# Icons the service worker precaches with the bundle (the manifest lists the same files).
ICONS = ("frontend/icons/icon-192.png", "frontend/icons/icon-512.png", "frontend/icons/maskable-512.png")


def user_key(user: User | AnonymousUser) -> str:
    """Return a stable, opaque key for ``user`` that names their caches and IndexedDB (no id, no email)."""
    # SHA-1, named: Django's default until 2028, and a new algorithm would rename the phone's stores,
    # hiding check-offs still waiting in the old outbox.
    return salted_hmac("rls-pwa-user-key", str(user.pk), algorithm="sha1").hexdigest()[:20]


@never_cache
@login_required
def app_shell(request: HttpRequest) -> HttpResponse:
    """The single-page app shell for patients; other signed-in users get a short page pointing to /admin/."""
    user = request.user
    if not isinstance(user, User) or not hasattr(user, "patient"):
        return render(request, "frontend/home.html")
    context = {
        "user_key": user_key(user),
        "version": assets.app_version(),
        "i18n_json": json.dumps(catalog(), ensure_ascii=False),
        "display_name": user.first_name or user.email,
        # The diary's rules, from their one definition (the phone dates a night and bounds the note).
        "diary_json": json.dumps(
            {"night_starts_at": NIGHT_STARTS_AT.strftime("%H:%M"), "note_max_length": DIARY_NOTE_MAX_LENGTH}
        ),
    }
    return render(request, "frontend/app.html", context)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker at /serviceworker.js (root scope): one configuration line, then the built bundle.

    The configuration names the caches after the app version and the signed-in user, so a new bundle or
    a different user on the same phone installs a fresh worker that drops the old caches.
    """
    user = request.user
    config = {
        "version": assets.app_version(),
        "user": user_key(user) if user.is_authenticated else "",
        "shell": reverse("frontend:home"),
        "precache": [static(assets.manifest()["js"]), static(assets.manifest()["css"])]
        + [static(icon) for icon in ICONS]
        + ["/manifest.json"],
        "login": settings.LOGIN_URL if settings.LOGIN_URL.startswith("/") else reverse(settings.LOGIN_URL),
    }
    body = f"self.RLS_CONFIG = {json.dumps(config)};\n{assets.service_worker_source()}"
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache, private"
    response["Vary"] = "Cookie"
    return response
