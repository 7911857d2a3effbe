"""What the benchmarks share: a timestamped log line, a fresh PostgreSQL database, Django set up to serve
pages as in production, and signed-in sessions for many patients at once."""

import os
import sys
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    """Print ``message`` with the time of day, at once."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def recreate_database(server: str, name: str) -> None:
    """Drop the PostgreSQL database ``name`` on ``server`` (a postgres:// URL without a database) if it
    exists, ending its connections, and create it empty."""
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")


def setup_served_django(*, database_url: str, var_dir: Path, settings_env: Mapping[str, str]) -> None:
    """Set Django up on ``database_url`` with ``settings_env`` (DEBUG=0 and the like), its files under
    ``var_dir``, then migrate and collect the static files (DEBUG=0 serves their hashed names)."""
    os.environ.update(settings_env)
    os.environ["RLS_VAR_DIR"] = str(var_dir)
    os.environ["STATIC_ROOT"] = str(var_dir / "static")
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "rlsapp.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def sign_in(users: Iterable[Any]) -> dict[int, dict[str, str]]:
    """Give each of ``users`` a signed-in session, as the login form would leave it, written in one
    bulk insert; returns {user id: {"cookie": the Cookie header, "csrf": the X-CSRFToken value}}."""
    from django.conf import settings
    from django.utils import timezone

    from checklists.models import UserSession
    from checklists.security.middleware import RENEW_AT_KEY
    from checklists.security.sessions.db import SessionStore

    expire = timezone.now() + timedelta(days=1)
    rows, clients = [], {}
    for user in users:
        store = SessionStore()
        key = store._get_new_session_key()  # type: ignore[attr-defined]  # private; not in the stubs
        data = {
            "_auth_user_id": str(user.pk),
            "_auth_user_backend": "checklists.security.backends.PatientModelBackend",
            "_auth_user_hash": user.get_session_auth_hash(),
            # Sign-in starts the idle clock (checklists.security.signals): no renewal write at first.
            RENEW_AT_KEY: int(time.time()) + settings.SESSION_RENEW_INTERVAL_SECONDS,
        }
        rows.append(
            UserSession(session_key=key, session_data=store.encode(data), expire_date=expire, user_id=user.pk)
        )
        csrf = uuid.uuid4().hex  # a 32-character CSRF secret: cookie and header carry the same
        clients[user.pk] = {"cookie": f"sessionid={key}; csrftoken={csrf}", "csrf": csrf}
    UserSession.objects.bulk_create(rows, batch_size=5000)
    return clients
