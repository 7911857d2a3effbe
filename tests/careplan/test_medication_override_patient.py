"""A clinician's override of the medicine check is a clinical judgement: the patient's medication note
follows it (gone once overridden to "not flagged", there once a flag is raised), and the clinicians'
patient list says "not recognised: check it" for a current medicine nobody has resolved."""

import json

import pytest
from rest_framework.test import APIClient

from checklists.careplan import medication_services
from checklists.careplan import services as careplan
from checklists.careplan.wording import MEDICATION_REVIEW_NOTE
from checklists.fhir.export import patient_bundle
from checklists.models.careplan import MedicationRecognition as R
from checklists.report.selectors import visit_report_for

pytestmark = pytest.mark.django_db

CAREPLAN = "/api/v1/careplan/"
PATIENTS = "/admin/checklists/patient/"


def medicine_as_the_patient_reads_it(patient, name: str) -> dict:
    client = APIClient()
    client.force_authenticate(patient.user)
    (row,) = [m for m in client.get(CAREPLAN).json()["medications"] if m["name"] == name]
    return {"review": row["review_with_clinician"], "note": row["review_note"]}


def test_overriding_to_not_flagged_takes_the_patients_note_away_and_undoing_it_brings_it_back(
    patient, clinician
):
    med = careplan.medication_add(patient=patient, name="Zoloft")
    assert medicine_as_the_patient_reads_it(patient, "Zoloft") == {
        "review": True,
        "note": str(MEDICATION_REVIEW_NOTE),
    }

    medication_services.medication_override(
        medication=med, state=R.NOT_FLAGGED, reason="Reviewed with psychiatry; keep as is.", by=clinician
    )
    assert medicine_as_the_patient_reads_it(patient, "Zoloft") == {"review": False, "note": None}
    own_fhir = patient_bundle(patient=patient, audience="patient")
    assert str(MEDICATION_REVIEW_NOTE) not in json.dumps(own_fhir)
    today = patient.local_today()
    report = visit_report_for(patient=patient, first=today, last=today, audience="patient")
    assert [m.patient_note for m in report.medicines] == [""]

    medication_services.medication_override(medication=med, state="", reason="", by=clinician)
    assert medicine_as_the_patient_reads_it(patient, "Zoloft")["note"] == str(MEDICATION_REVIEW_NOTE)


def test_a_flag_the_clinician_raises_gives_the_patient_the_note(patient, clinician):
    med = careplan.medication_add(patient=patient, name="Restex")  # a brand the dictionary lacks
    assert medicine_as_the_patient_reads_it(patient, "Restex") == {"review": False, "note": None}
    medication_services.medication_override(
        medication=med, state=R.MAY_WORSEN_RLS, reason="Contains an antihistamine.", by=clinician
    )
    assert medicine_as_the_patient_reads_it(patient, "Restex")["note"] == str(MEDICATION_REVIEW_NOTE)


def test_the_patient_list_says_check_it_until_the_clinician_resolves_the_medicine(client, patient, clinician):
    med = careplan.medication_add(patient=patient, name="Restex")
    client.force_login(clinician)
    assert "not recognised: check it: Restex" in client.get(PATIENTS).content.decode()

    medication_services.medication_override(
        medication=med, state=R.NOT_FLAGGED, reason="Checked the label: no flagged ingredient.", by=clinician
    )
    assert "not recognised: check it" not in client.get(PATIENTS).content.decode()
