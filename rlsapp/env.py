"""Small, checked readers for settings that come from environment variables.

Each helper returns the parsed value or raises ``ImproperlyConfigured`` naming the variable and
what was expected, so a bad deployment fails at start with a message that says what to fix.
"""

import os
from collections.abc import Mapping
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    return (os.environ if environ is None else environ).get(name)


def env_bool(name: str, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    """Return the variable as a boolean (1/0, true/false, yes/no, on/off; any case)."""
    raw = _raw(name, environ)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}.")


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Return the variable as an integer within [minimum, maximum] when those are given."""
    raw = _raw(name, environ)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}.")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}; got {value}.")
    return value


def env_str(
    name: str, default: str | None = None, *, required: bool = False, environ: Mapping[str, str] | None = None
) -> str:
    """Return the variable as a stripped string; ``required`` makes an unset or empty value an error."""
    raw = _raw(name, environ)
    value = raw.strip() if raw is not None else None
    if required and not value:
        raise ImproperlyConfigured(f"{name} must be set.")
    if value is None:
        return default if default is not None else ""
    return value


def env_list(name: str, default: list[str], environ: Mapping[str, str] | None = None) -> list[str]:
    """Return a comma-separated variable as a list of non-empty, stripped strings."""
    raw = _raw(name, environ)
    if raw is None:
        return list(default)
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_url(
    name: str, default: str, *, schemes: tuple[str, ...], environ: Mapping[str, str] | None = None
) -> str:
    """Return the variable as a URL whose scheme is one of ``schemes``."""
    raw = _raw(name, environ)
    value = default if raw is None or not raw.strip() else raw.strip()
    scheme = urlparse(value).scheme
    if scheme not in schemes:
        expected = ", ".join(f"{s}://" for s in schemes)
        raise ImproperlyConfigured(f"{name} must be a URL starting with one of {expected}; got {value!r}.")
    return value
