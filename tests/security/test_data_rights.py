"""Download my data and delete my account: complete export, nothing left behind, clinician informed."""

import csv
import io
import json
import zipfile

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from checklists.accounts.data_rights import patient_data_models
from checklists.models import (
    AccessLog,
    AccountClosure,
    DueFollowUp,
    LabResult,
    Medication,
    Patient,
    UserSession,
)
from tests.factories import DEFAULT_PASSWORD
from tests.security.patient_data import DIARY_NOTE, MAKERS, MEDICATION_NAME, fill_every_table, rows_per_table

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient_client(patient, other_patient):
    fill_every_table(patient)
    fill_every_table(other_patient)
    client = Client()
    client.force_login(patient.user)
    return client


def test_every_table_of_patient_data_is_known_to_the_tests():
    """A new model with a path to Patient needs a maker in tests/security/patient_data.py."""
    labels = {model._meta.label_lower for model, _lookup in patient_data_models()}
    assert labels - set(MAKERS) == set()
    assert {"checklists.checkoff", "checklists.diaryentry", "checklists.assignmentitem"} <= labels


def test_export_holds_everything_about_the_patient_and_nothing_else(patient_client, patient, other_patient):
    LabResult.objects.filter(patient=patient).update(notes="Clinician-only remark")
    response = patient_client.get(reverse("api:me-export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="rls-care-my-data-')
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("data.json"))
    expected = {model._meta.label_lower for model, _lookup in patient_data_models()}
    assert set(data["tables"]) == expected
    for label, rows in data["tables"].items():
        assert rows, f"{label} is empty in the export"
        csv_rows = list(csv.DictReader(io.StringIO(archive.read(f"{label.split('.')[-1]}.csv").decode())))
        assert len(csv_rows) == len(rows), label
    assert data["account"]["email"] == patient.user.email
    assert data["patient"]["id"] == patient.pk
    assert {"account.csv", "patient.csv", "data.json"} <= set(archive.namelist())
    assert data["tables"]["checklists.diaryentry"][0]["note"] == DIARY_NOTE
    text = archive.read("data.json").decode()
    assert other_patient.user.email not in text
    assert patient.user.password not in text and "p256dh" not in text
    assert "Clinician-only remark" not in text  # the care team's notes are theirs
    assert data["tables"]["checklists.medication"][0]["name"] == MEDICATION_NAME
    own_ids = {row["patient_id"] for rows in data["tables"].values() for row in rows if "patient_id" in row}
    assert own_ids == {patient.pk}
    assert AccessLog.objects.filter(action="export", patient=patient, actor=patient.user).count() == 1


def _delete(client: Client, **data):
    return client.post(reverse("api:me-delete"), data, content_type="application/json")


def test_delete_needs_the_password_and_confirmation(patient_client, patient):
    assert _delete(patient_client, password="wrong", confirm=True).status_code == 400
    assert _delete(patient_client, password=DEFAULT_PASSWORD, confirm=False).status_code == 400
    assert _delete(patient_client, password=DEFAULT_PASSWORD).status_code == 400
    assert Patient.objects.filter(pk=patient.pk).exists()


def test_delete_leaves_nothing_behind(patient_client, patient, other_patient, clinician, other_clinician):
    patient_id, user_id, email = patient.pk, patient.user_id, patient.user.email
    # The admin's history of edits to the patient's rows names them (a medication's name).
    medication = Medication.objects.get(patient=patient)
    LogEntry.objects.log_actions(user_id=clinician.pk, queryset=[medication, patient], action_flag=CHANGE)
    due = DueFollowUp.objects.get(patient=patient)  # a proxy: logged under its own content type
    LogEntry.objects.log_actions(user_id=clinician.pk, queryset=[due], action_flag=CHANGE)
    LogEntry.objects.log_actions(
        user_id=clinician.pk, queryset=[Medication.objects.get(patient=other_patient)], action_flag=CHANGE
    )
    own_rows = {
        model._meta.label_lower: model._default_manager.filter(**{lookup: patient}).count()
        for model, lookup in patient_data_models()
    }
    before = rows_per_table()
    response = _delete(patient_client, password=DEFAULT_PASSWORD, confirm=True)
    assert response.status_code == 204
    after = rows_per_table()

    expected = dict(before)
    for label, count in own_rows.items():
        expected[label] -= count
    expected["auth.user"] -= 1
    expected["checklists.patient"] -= 1
    expected["checklists.accountclosure"] += 1
    expected["checklists.patient_care_team"] -= 1
    expected["checklists.accountclosure_care_team"] += 1
    expected["admin.logentry"] -= 3
    expected["checklists.usersession"] -= 1  # the patient's one session
    expected["checklists.accesslog"] = after["checklists.accesslog"]  # append-only, checked below
    assert after == expected
    for model, lookup in patient_data_models():
        assert not model._default_manager.filter(**{f"{lookup}_id": patient_id}).exists(), model
        assert model._default_manager.filter(**{lookup: other_patient}).exists(), model

    assert not get_user_model().objects.filter(pk=user_id).exists()
    assert not UserSession.objects.filter(user_id=user_id).exists()
    # The session is over, and nothing in the kept records names the patient's account any more.
    assert patient_client.get(reverse("api:me")).status_code == 403
    assert not AccessLog.objects.filter(actor_label=email).exists()
    # The admin's history about the patient's rows is gone; the other patient's stays.
    assert list(LogEntry.objects.values_list("object_id", flat=True)) == [
        str(Medication.objects.get(patient=other_patient).pk)
    ]
    assert AccessLog.objects.filter(action="account-deleted", patient_ref=patient_id).count() == 1


def test_clinician_sees_that_the_patient_left(patient_client, patient, clinician, other_clinician):
    name, email = patient.user.get_full_name(), patient.user.email
    _delete(patient_client, password=DEFAULT_PASSWORD, confirm=True)
    closure = AccountClosure.objects.get()
    assert list(closure.care_team.all()) == [clinician]
    admin = Client()
    admin.force_login(clinician)
    page = admin.get(reverse("admin:checklists_accountclosure_changelist"))
    assert page.status_code == 200 and name in page.text
    assert email not in page.text  # the name they knew, not the contact details
    admin.force_login(other_clinician)
    page = admin.get(reverse("admin:checklists_accountclosure_changelist"))
    assert page.status_code == 200 and name not in page.text


def test_the_export_holds_what_is_recorded_about_the_patient_and_the_readme_says_so(patient_client, patient):
    """The export is the patient's right of access (GDPR Art. 15): what is recorded about them,
    including the medication flags the app's screens leave to the care team; the README agrees."""
    from pathlib import Path

    Medication.objects.filter(patient=patient).update(is_dopaminergic=True, may_worsen_rls=False)
    archive = zipfile.ZipFile(io.BytesIO(patient_client.get(reverse("api:me-export")).content))
    medication = json.loads(archive.read("data.json"))["tables"]["checklists.medication"][0]
    assert (medication["is_dopaminergic"], medication["may_worsen_rls"]) == (True, False)
    assert "is_dopaminergic" in archive.read("medication.csv").decode().splitlines()[0]

    readme = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text().split())
    assert "medication flags and the augmentation watch are never sent to the patient" not in readme
    assert "the medication flags (dopaminergic, may worsen RLS) are in the data export" in readme
