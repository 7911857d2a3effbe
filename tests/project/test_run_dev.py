"""`make run PORT=...` (bin/run-dev): emailed links point at the port the app is served on."""

import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings

# The worker stub (started in the background) leaves its line in a file; the web server stub (in the
# foreground: the script ends with it) waits for that line, so both are seen whatever the scheduling.
CELERY_STUB = """#!/usr/bin/env bash
echo "celery SITE_URL=${SITE_URL:-unset} $*" > "$0.tmp" && mv "$0.tmp" "$0.out"
"""
PYTHON_STUB = """#!/usr/bin/env bash
worker="$(dirname "$0")/celery.out"
for _ in $(seq 3000); do [ -e "$worker" ] && break; sleep 0.01; done
cat "$worker"
echo "python SITE_URL=${SITE_URL:-unset} $*"
"""


def run_dev(tmp_path: Path, **env: str) -> str:
    """Run a copy of bin/run-dev with stub python and celery programs; return what they printed."""
    (tmp_path / "bin").mkdir()
    shutil.copy(settings.BASE_DIR / "bin" / "run-dev", tmp_path / "bin" / "run-dev")
    venv = tmp_path / ".venv" / "bin"
    venv.mkdir(parents=True)
    for name, stub in (("python", PYTHON_STUB), ("celery", CELERY_STUB)):
        (venv / name).write_text(stub)
        (venv / name).chmod(0o755)
    environ = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "PORT")} | env
    done = subprocess.run(
        [str(tmp_path / "bin" / "run-dev")],
        env=environ,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stdout


def test_the_port_served_is_the_port_in_emailed_links(tmp_path):
    out = run_dev(tmp_path, PORT="18102")
    assert "python SITE_URL=http://127.0.0.1:18102 manage.py runserver 127.0.0.1:18102" in out
    assert "celery SITE_URL=http://127.0.0.1:18102 " in out  # the worker sends reminder emails


def test_the_default_port_is_8000(tmp_path):
    assert "python SITE_URL=http://127.0.0.1:8000 manage.py runserver 127.0.0.1:8000" in run_dev(tmp_path)


def test_a_site_url_set_by_the_user_is_kept(tmp_path):
    out = run_dev(tmp_path, PORT="18102", SITE_URL="https://care.example.org")
    assert "python SITE_URL=https://care.example.org manage.py runserver 127.0.0.1:18102" in out
