"""Security plumbing shared by sign-in throttling, the access log and the middleware."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """Return the client's address: REMOTE_ADDR, or behind ``TRUSTED_PROXY_COUNT`` proxies the
    X-Forwarded-For entry written by the outermost one (entries further left can be forged)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None
