"""The URLconf of the gunicorn that bench/api_bench.py starts: the app's own, plus the bare baseline view."""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def bare_json(request: HttpRequest) -> JsonResponse:
    """Return a constant small JSON object, through the same middleware as the API: the least a Django
    JSON view can do, the baseline the API's figures are divided by."""
    return JsonResponse({"ok": True})


urlpatterns = [
    path("bench/bare/", bare_json, name="bench-bare"),
    path("", include("rlsapp.urls")),
]
