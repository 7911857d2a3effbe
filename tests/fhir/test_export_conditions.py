"""The clinician's Bundle carries what the clinician recorded about the patient: the date of birth
(Patient.birthDate) and each recorded condition as a Condition; the patient's Bundle carries neither,
as the care plan keeps the conditions in the clinicians' workspace."""

from datetime import date

import pytest

from checklists.fhir.export import patient_bundle
from tests.fhir.helpers import parsed, resources, unresolved

pytestmark = pytest.mark.django_db

SNOMED = "http://snomed.info/sct"


@pytest.fixture
def recorded(patient):
    patient.date_of_birth = date(1960, 2, 3)
    patient.chronic_kidney_disease = True
    patient.on_dialysis = True
    patient.pregnant = True
    patient.pregnancy_due_date = date(2027, 9, 1)
    patient.thyroid_disease = True
    patient.save()
    return patient


def _by_text(bundle: dict) -> dict[str, dict]:
    return {c["code"]["text"]: c for c in resources(bundle, "Condition")}


def test_the_clinicians_bundle_has_the_birth_date_and_each_condition(recorded):
    bundle = patient_bundle(patient=recorded, audience="clinician")
    parsed(bundle)
    assert unresolved(bundle) == set()
    (fhir_patient,) = resources(bundle, "Patient")
    assert fhir_patient["birthDate"] == "1960-02-03"

    conditions = _by_text(bundle)
    assert set(conditions) == {
        "Restless legs syndrome (Willis-Ekbom disease)",
        "chronic kidney disease",
        "pregnancy",
        "thyroid disease",
    }
    kidney = conditions["chronic kidney disease"]
    assert [(c["system"], c["code"]) for c in kidney["code"]["coding"]] == [(SNOMED, "709044004")]
    assert "On dialysis." in kidney["note"][0]["text"]
    assert kidney["subject"] == {"reference": f"urn:uuid:{fhir_patient['id']}"}
    pregnancy = conditions["pregnancy"]
    assert [(c["system"], c["code"]) for c in pregnancy["code"]["coding"]] == [(SNOMED, "77386006")]
    assert "Due date 2027-09-01." in pregnancy["note"][0]["text"]
    assert (
        "coding" not in conditions["thyroid disease"]["code"]
    )  # no code found in a public source: text only
    assert all(c["clinicalStatus"]["coding"][0]["code"] == "active" for c in conditions.values())


def test_the_patients_bundle_has_neither(recorded):
    bundle = patient_bundle(patient=recorded, audience="patient")
    (fhir_patient,) = resources(bundle, "Patient")
    assert "birthDate" not in fhir_patient
    assert list(_by_text(bundle)) == ["Restless legs syndrome (Willis-Ekbom disease)"]


def test_no_condition_recorded_leaves_only_rls(patient):
    bundle = patient_bundle(patient=patient, audience="clinician")
    assert list(_by_text(bundle)) == ["Restless legs syndrome (Willis-Ekbom disease)"]
    (fhir_patient,) = resources(bundle, "Patient")
    assert "birthDate" not in fhir_patient


def test_the_clinicians_medication_statement_says_what_the_medicine_check_found(patient):
    from checklists.careplan import services as careplan

    careplan.medication_add(patient=patient, name="Restex")  # a brand the dictionary lacks
    careplan.medication_add(patient=patient, name="Zoloft 50mg")
    bundle = patient_bundle(patient=patient, audience="clinician")
    notes = {
        s["medicationCodeableConcept"]["text"]: " ".join(n["text"] for n in s.get("note", []))
        for s in resources(bundle, "MedicationStatement")
    }
    assert "Medicine check: not recognised: check it (rules medications c2.r1)." in notes["Restex"]
    assert "Generic name as matched by the app: sertraline." in notes["Zoloft 50mg"]
    assert "Medicine check: may worsen RLS: review (rules medications c2.r1)." in notes["Zoloft 50mg"]
    patients_own = patient_bundle(patient=patient, audience="patient")
    assert "Medicine check" not in str(resources(patients_own, "MedicationStatement"))
