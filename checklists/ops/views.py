"""The operations endpoints: /healthz, /readyz and the protected /metrics."""

import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from checklists.ops import health, metrics
from checklists.ops.middleware import NO_USER_ATTRIBUTE


def _no_user(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    setattr(view, NO_USER_ATTRIBUTE, True)
    return view


def _json(body: dict[str, Any], status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status)
    add_never_cache_headers(response)
    return response


@_no_user
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 while the process answers; touches neither the database nor the cache."""
    return _json({"status": "ok"})


@_no_user
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """200 when the database and cache answer, the migrations are applied and the reminder sweep ran
    recently; else 503. The same body both ways (see checklists.ops.health.readiness)."""
    ready, body = health.readiness(now=timezone.now())
    response = _json(body, status=200 if ready else 503)
    # The failed check was logged once as a warning (checklists.ops.health); a probe asking every few
    # seconds must not add an ERROR line "Service Unavailable" each time (Django's request log).
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


@_no_user
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus' text format, for a scraper that sends ``Authorization: Bearer <METRICS_TOKEN>``.
    Without METRICS_TOKEN configured the endpoint does not exist (404); a missing or wrong token
    gets 401."""
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(given.strip().encode(), token.encode()):
        response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    response = HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)
    add_never_cache_headers(response)
    return response
