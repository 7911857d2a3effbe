"""The installed app's name is the clinic's to choose (Android shows it in each notification's header)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

MANIFEST = """
import django
django.setup()
from django.test import Client
print(Client().get("/manifest.json", secure=True).content.decode())
"""


def manifest(tmp_path: Path, **env: str) -> dict:
    environ = {key: value for key, value in os.environ.items() if key != "PWA_APP_NAME"}
    environ.update(DJANGO_SETTINGS_MODULE="rlsapp.settings", RLS_VAR_DIR=str(tmp_path), **env)
    out = subprocess.run(
        [sys.executable, "-c", MANIFEST], cwd=ROOT, env=environ, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out[out.index("{") :])


def test_a_clinic_can_give_the_installed_app_a_neutral_name(tmp_path):
    assert manifest(tmp_path)["name"] == "RLS Care"
    neutral = manifest(tmp_path, PWA_APP_NAME="Care plan")
    assert neutral["name"] == "Care plan" and neutral["short_name"] == "Care plan"
