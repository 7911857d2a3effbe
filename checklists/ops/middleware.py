"""The request's id (X-Request-ID), its user id for the log lines, and its latency metric."""

import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from checklists.ops import metrics
from checklists.ops.logs import request_id_var, user_id_var

REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's id is kept when it looks like one (nginx's $request_id is 32 hex digits); anything else
# (too long, other characters that could forge a log field) is replaced by our own.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Views that must not touch the session or the database (the health answers): marked with this.
NO_USER_ATTRIBUTE = "ops_no_user"


class RequestContextMiddleware:
    """First in MIDDLEWARE: sets the request id (kept from ``X-Request-ID`` or made) for every log
    line of the request and answers it in ``X-Request-ID``; once the view is known, the signed-in
    user's id; and times the request for ``rlscare_http_request_duration_seconds`` by route name."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if REQUEST_ID_PATTERN.fullmatch(incoming) else uuid.uuid4().hex
        # Kept until the response is finished (request_context_clear), not only through the
        # middleware chain: Django logs a 4xx/5xx answer after the chain has returned.
        request_id_var.set(request_id)
        user_id_var.set(None)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        metrics.request_record(
            route=_route(request),
            method=request.method or "",
            status=response.status_code,
            seconds=time.perf_counter() - started,
        )
        return response

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: tuple, kwargs: dict[str, Any]
    ) -> None:
        """Note the signed-in user's id for the log lines (the views read the user anyway; the
        health views, marked ``ops_no_user``, do not, so they touch no session or database)."""
        if getattr(view, NO_USER_ATTRIBUTE, False):
            return
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            user_id_var.set(user.pk)


@receiver(request_finished)
def request_context_clear(**kwargs: Any) -> None:
    """The request is over: later log lines of this thread belong to no request."""
    request_id_var.set(None)
    user_id_var.set(None)


def _route(request: HttpRequest) -> str:
    """The URL pattern's name (``api:diary``), else its route (``api/v1/x/<int:pk>/``): never the
    path itself, which holds ids."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return metrics.UNMATCHED_ROUTE
    return match.view_name if match.url_name else (match.route or metrics.UNMATCHED_ROUTE)
