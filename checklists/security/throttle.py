"""Request counting for pages that send email to whoever asks ("Forgot your password?")."""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def _count(key: str, window_seconds: int) -> int:
    """Add one to the counter ``key`` (started by its first request, kept for the window); return it."""
    cache.add(key, 0, timeout=window_seconds)
    try:
        return cache.incr(key)
    except ValueError:  # it expired between the two calls: this request starts a new window
        cache.set(key, 1, timeout=window_seconds)
        return 1


def password_reset_allowed(*, email: str, address: str | None) -> bool:
    """Count one reset request for ``email`` and for the client ``address``; return False when either
    went over its limit within PASSWORD_RESET_LIMIT_WINDOW_MINUTES (a fixed window from its first request).

    Both are counted on every request, whether or not an account has that email, so the limit says
    nothing about accounts. Both are kept only as hashes (an address from X-Forwarded-For is client
    input; neither belongs in a cache key as typed).
    """
    window = settings.PASSWORD_RESET_LIMIT_WINDOW_MINUTES * 60
    per_email = _count(f"password-reset:email:{_digest(email.strip().lower())}", window)
    per_address = _count(f"password-reset:address:{_digest(address or '')}", window)
    return (
        per_email <= settings.PASSWORD_RESET_LIMIT_PER_EMAIL
        and per_address <= settings.PASSWORD_RESET_LIMIT_PER_ADDRESS
    )
