"""What the benchmarks share: a timestamped log line, a fresh PostgreSQL database, and Django set up to
serve pages as in production."""

import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path

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
