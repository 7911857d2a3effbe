"""Where the Bundle leaves the app: the clinicians' $everything, the patient's API, the data export zip
and the link on the patient's admin page. Scoped as the admin, answered as FHIR JSON, written to the
access log."""

import io
import json
import zipfile

import pytest
from django.test import Client
from django.urls import reverse

from checklists.models import AccessLog
from tests.factories import ClinicianFactory
from tests.fhir.conftest import FOLLOW_UP_NOTE
from tests.fhir.helpers import parsed, resources, texts, unresolved

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def everything_url(patient) -> str:
    return reverse("fhir:patient-everything", kwargs={"pk": patient.pk})


def test_a_clinician_gets_their_patients_record_as_fhir_json(record, clinician):
    response = _client(clinician).get(everything_url(record))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    assert response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    bundle = json.loads(response.content)
    parsed(bundle)
    assert unresolved(bundle) == set()
    assert resources(bundle, "DetectedIssue")  # the clinician's version
    assert FOLLOW_UP_NOTE in texts(bundle)


def test_the_export_is_written_to_the_access_log(record, clinician):
    _client(clinician).get(everything_url(record))

    entry = AccessLog.objects.get(action="export")
    assert (entry.actor, entry.patient_ref, entry.object_kind) == (clinician, record.pk, "fhir.bundle")


def test_it_rejects_another_clinicians_patient_with_a_404(record, other_clinician):
    response = _client(other_clinician).get(everything_url(record))

    assert response.status_code == 404
    assert json.loads(response.content)["resourceType"] == "OperationOutcome"
    assert b"pat@example.com" not in response.content
    assert not AccessLog.objects.filter(action="export").exists()


def test_a_missing_patient_is_the_same_404(clinician):
    response = _client(clinician).get(reverse("fhir:patient-everything", kwargs={"pk": 999999}))

    assert response.status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "patient"])
def test_anyone_but_staff_is_sent_to_the_admin_sign_in(record, who):
    client = Client() if who == "anonymous" else _client(record.user)

    response = client.get(everything_url(record))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert not AccessLog.objects.filter(action="export").exists()


def test_staff_outside_the_clinicians_group_are_refused(record):
    staff = ClinicianFactory.create(email="staff.only@example.com")
    staff.groups.clear()
    record.care_team.add(staff)

    assert _client(staff).get(everything_url(record)).status_code == 403


def test_a_clinician_who_owes_a_second_factor_is_sent_to_enrol_first(record, clinician, settings):
    settings.REQUIRE_CLINICIAN_2FA = True

    response = _client(clinician).get(everything_url(record))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_setup"))


def test_the_patient_gets_their_own_version_from_the_api(record):
    response = _client(record.user).get(reverse("api:me-fhir"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    bundle = json.loads(response.content)
    parsed(bundle)
    assert unresolved(bundle) == set()
    assert resources(bundle, "DetectedIssue") == []
    assert FOLLOW_UP_NOTE not in texts(bundle)
    (patient,) = resources(bundle, "Patient")
    assert patient["identifier"][0]["value"] == str(record.pk)
    entry = AccessLog.objects.get(action="export")
    assert (entry.actor, entry.patient_ref, entry.object_kind) == (record.user, record.pk, "fhir.bundle")


def test_a_clinician_cannot_use_the_patients_endpoint(clinician):
    assert _client(clinician).get(reverse("api:me-fhir")).status_code == 403


def test_the_data_export_zip_carries_the_patients_fhir_json(record):
    response = _client(record.user).get(reverse("api:me-export"))

    archive = zipfile.ZipFile(io.BytesIO(response.content))
    bundle = json.loads(archive.read("fhir.json"))
    parsed(bundle)
    assert unresolved(bundle) == set()
    assert resources(bundle, "DetectedIssue") == []
    assert FOLLOW_UP_NOTE not in texts(bundle)
    assert len(resources(bundle, "MedicationStatement")) == 2


def test_the_patients_admin_page_links_to_the_fhir_export(record, clinician):
    page = _client(clinician).get(reverse("admin:checklists_patient_change", args=[record.pk]))

    assert page.status_code == 200
    assert f'href="{everything_url(record)}"'.encode() in page.content
    assert b"FHIR export" in page.content
