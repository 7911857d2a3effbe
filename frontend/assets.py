"""The built front-end bundle (frontend/build/, made by ``npm run build``): file names and version."""

import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

BUILD_DIR = Path(__file__).resolve().parent / "build"
BUILD_HELP = "The front-end is not built: run `make setup` (or `cd frontend && npm ci && npm run build`)."


def _read_manifest() -> dict:
    try:
        return json.loads((BUILD_DIR / "assets.json").read_text())
    except FileNotFoundError as exc:
        raise ImproperlyConfigured(BUILD_HELP) from exc


# In DEBUG the bundle may be rebuilt while the server runs, so read the manifest every time.
_cached_manifest = cache(_read_manifest)


def manifest() -> dict:
    """Return the build manifest: {"js": static path, "css": static path, "hash": content hash}."""
    return _read_manifest() if settings.DEBUG else _cached_manifest()


def app_version() -> str:
    """Return the version string that keys the service worker's caches: app version plus bundle hash."""
    return f"{settings.APP_VERSION}-{manifest()['hash']}"


def service_worker_source() -> str:
    """Return the built service worker's JavaScript (without its per-request configuration line)."""
    try:
        return (BUILD_DIR / "serviceworker.js").read_text()
    except FileNotFoundError as exc:
        raise ImproperlyConfigured(BUILD_HELP) from exc
