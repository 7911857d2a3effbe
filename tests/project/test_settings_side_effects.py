"""Reading the settings makes no folders; the SQLite backend and Celery make theirs when first used."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter on the embedded defaults, plus ``env``."""
    inherited = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env={**inherited, "DJANGO_SETTINGS_MODULE": "rlsapp.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_reading_the_settings_makes_no_folders(tmp_path):
    var, static = tmp_path / "var", tmp_path / "static"
    result = _python(
        "from django.conf import settings; print(settings.CELERY_BROKER_URL, settings.STATIC_ROOT)",
        RLS_VAR_DIR=str(var),
        STATIC_ROOT=str(static),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["filesystem://", str(static)]
    assert not var.exists() and not static.exists()


def test_the_first_sqlite_connection_makes_the_database_folder(tmp_path):
    var = tmp_path / "fresh" / "var"
    result = _python("from django.db import connection; connection.ensure_connection()", RLS_VAR_DIR=str(var))
    assert result.returncode == 0, result.stderr
    assert (var / "db.sqlite3").is_file()


def test_celery_makes_the_filesystem_broker_folders_when_it_reads_its_configuration(tmp_path):
    var = tmp_path / "var"
    result = _python("from rlsapp.celery import app; print(app.conf.broker_url)", RLS_VAR_DIR=str(var))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (var / "celery").iterdir()) == ["control", "processed", "queue"]


def test_celery_makes_no_folder_for_another_broker(tmp_path):
    var = tmp_path / "var"
    result = _python(
        "from rlsapp.celery import app; print(app.conf.broker_url)",
        RLS_VAR_DIR=str(var),
        CELERY_BROKER_URL="memory://",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "memory://"
    assert not var.exists()
