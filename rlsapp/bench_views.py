"""The benchmark's baseline: the least a Django JSON view can do. Routed only when API_BENCH_VIEWS is on."""

from django.http import HttpRequest, JsonResponse


def bare_json(request: HttpRequest) -> JsonResponse:
    """Return a constant small JSON object, through the same middleware as the API."""
    return JsonResponse({"ok": True})
