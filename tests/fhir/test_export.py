"""The FHIR R4 Bundle of a patient's record: valid, self-contained, rightly coded, and the patient's
version without the clinician-only parts."""

from datetime import timedelta

import pytest

from checklists.fhir import codes
from checklists.fhir.export import patient_bundle
from tests.fhir.conftest import DIARY_NOTE, FOLLOW_UP_NOTE, LAB_NOTE, MEDICATION_NOTE
from tests.fhir.helpers import coded, parsed, resources, texts, unresolved

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("audience", ["clinician", "patient"])
def test_the_bundle_validates_and_its_references_resolve(record, audience):
    bundle = patient_bundle(patient=record, audience=audience)

    model = parsed(bundle)
    assert model.type == "collection"
    assert unresolved(bundle) == set()
    full_urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(set(full_urls)) == len(full_urls)
    assert all(url.startswith("urn:uuid:") for url in full_urls)


def test_every_resource_the_record_calls_for_is_there(record):
    bundle = patient_bundle(patient=record, audience="clinician")

    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert kinds == {
        "Patient",
        "Condition",
        "Observation",
        "MedicationStatement",
        "DetectedIssue",
        "CarePlan",
        "Task",
    }
    (patient,) = resources(bundle, "Patient")
    assert patient["telecom"] == [{"system": "email", "value": "pat@example.com"}]
    assert len(resources(bundle, "MedicationStatement")) == 2
    assert len(resources(bundle, "Task")) == 4  # duplex, review, the done lab test and its next occurrence


def test_rls_is_the_condition_with_its_icd_10_code(record):
    (condition,) = resources(patient_bundle(patient=record, audience="patient"), "Condition")

    codings = {(c["system"], c["code"]) for c in condition["code"]["coding"]}
    assert ("http://hl7.org/fhir/sid/icd-10-cm", "G25.81") in codings
    assert ("http://hl7.org/fhir/sid/icd-10", "G25.8") in codings


def test_iron_results_carry_loinc_codes_ucum_units_and_the_laboratory(record):
    bundle = patient_bundle(patient=record, audience="patient")

    ferritin = coded(bundle, "http://loinc.org", "2276-4")
    tsat = coded(bundle, "http://loinc.org", "2502-3")
    assert sorted((o["effectiveDateTime"], o["valueQuantity"]["value"]) for o in ferritin)[-1][1] == 58
    assert {(o["valueQuantity"]["system"], o["valueQuantity"]["code"]) for o in ferritin} == {
        ("http://unitsofmeasure.org", "ng/mL"),
        ("http://unitsofmeasure.org", "ug/L"),  # kept as recorded (numerically equal)
    }
    (tsat_result,) = tsat  # the older draw had no TSAT: no Observation is made up for it
    assert tsat_result["valueQuantity"] == {
        "value": 17.0,
        "unit": "%",
        "system": "http://unitsofmeasure.org",
        "code": "%",
    }
    assert tsat_result["performer"] == [{"display": "Demo hospital laboratory (immunoassay)"}]
    assert {o["category"][0]["coding"][0]["code"] for o in ferritin + tsat} == {"laboratory"}


def test_irls_totals_and_diary_values_are_survey_observations_in_our_own_code_system(record):
    bundle = patient_bundle(patient=record, audience="patient")

    (irls,) = coded(bundle, codes.OBSERVATION_SYSTEM, "irls-total")
    assert irls["valueInteger"] == 24
    assert irls["interpretation"][0]["coding"][0]["code"] == "severe"
    assert "loinc" not in irls["code"]["coding"][0]["system"]
    assert len(coded(bundle, codes.OBSERVATION_SYSTEM, "diary-severity")) == 21
    assert len(coded(bundle, codes.OBSERVATION_SYSTEM, "diary-sleep-quality")) == 21
    onsets = sorted(
        (o["effectiveDateTime"], o["valueTime"])
        for o in coded(bundle, codes.OBSERVATION_SYSTEM, "diary-onset-time")
    )
    assert onsets[0][1] == "22:00:00" and onsets[-1][1] == "18:00:00"
    arms = [o["valueBoolean"] for o in coded(bundle, codes.OBSERVATION_SYSTEM, "diary-arms-involved")]
    assert arms.count(True) == 2 and arms.count(False) == 19
    survey = [
        o
        for o in resources(bundle, "Observation")
        if o["code"]["coding"][0]["system"] == codes.OBSERVATION_SYSTEM
    ]
    assert {o["category"][0]["coding"][0]["code"] for o in survey} == {"survey"}
    assert DIARY_NOTE in texts(bundle)  # the patient's own note stays theirs in both versions


def test_the_clinician_version_has_the_guideline_note_and_the_flags(record):
    bundle = patient_bundle(patient=record, audience="clinician")

    (tsat,) = coded(bundle, "http://loinc.org", "2502-3")
    assert tsat["interpretation"][0]["coding"][0]["code"] == "oral_or_iv"
    assert "AASM 2024" in texts(tsat["note"])
    assert LAB_NOTE in texts(tsat["note"])
    issues = {i["code"]["coding"][0]["code"]: i for i in resources(bundle, "DetectedIssue")}
    assert set(issues) == {"may-worsen-rls", "possible-augmentation"}
    statements = {
        f"urn:uuid:{m['id']}": m["medicationCodeableConcept"]["text"]
        for m in resources(bundle, "MedicationStatement")
    }
    assert [statements[r["reference"]] for r in issues["may-worsen-rls"]["implicated"]] == ["Sertraline"]
    assert [statements[r["reference"]] for r in issues["possible-augmentation"]["implicated"]] == [
        "Pramipexole"
    ]
    assert issues["possible-augmentation"]["evidence"][0]["detail"]  # the diary nights it rests on
    assert FOLLOW_UP_NOTE in texts(bundle)
    assert MEDICATION_NOTE in texts(bundle)


def test_the_patient_version_lacks_the_clinician_only_parts(record):
    bundle = patient_bundle(patient=record, audience="patient")

    assert resources(bundle, "DetectedIssue") == []
    for lab in coded(bundle, "http://loinc.org", "2276-4") + coded(bundle, "http://loinc.org", "2502-3"):
        assert "interpretation" not in lab and "note" not in lab
    everything = texts(bundle)
    for clinician_only in (LAB_NOTE, FOLLOW_UP_NOTE, MEDICATION_NOTE, "AASM", "augmentation", "dopaminergic"):
        assert clinician_only not in everything
    # What the care plan does tell the patient about sertraline, and nothing about pramipexole.
    notes = {
        m["medicationCodeableConcept"]["text"]: texts(m.get("note", []))
        for m in resources(bundle, "MedicationStatement")
    }
    assert notes["Sertraline"].startswith("Keep taking your medicines as prescribed.")
    assert notes["Pramipexole"] == ""


def test_the_care_plan_has_the_checklists_and_a_task_per_follow_up_with_its_due_date_and_status(record):
    bundle = patient_bundle(patient=record, audience="patient")

    (careplan,) = resources(bundle, "CarePlan")
    tasks = {f"urn:uuid:{t['id']}": t for t in resources(bundle, "Task")}
    referenced = [a["reference"]["reference"] for a in careplan["activity"] if "reference" in a]
    assert sorted(referenced) == sorted(tasks)
    (checklist,) = [a["detail"] for a in careplan["activity"] if "detail" in a]
    assert checklist["description"].startswith("Evening routine: ")
    assert checklist["status"] == "in-progress"
    assert len(checklist["scheduledTiming"]["repeat"]["dayOfWeek"]) == 7
    today = record.local_today()
    by_kind = {(t["code"]["coding"][0]["code"], t["status"]): t for t in tasks.values()}
    duplex = by_kind[("venous_duplex", "requested")]
    assert duplex["restriction"]["period"]["end"] == (today + timedelta(days=10)).isoformat()
    assert duplex["businessStatus"]["coding"][0]["code"] == "planned"
    done = by_kind[("ferritin_tsat_lab", "completed")]
    assert done["executionPeriod"]["end"] < today.isoformat()
    assert ("ferritin_tsat_lab", "requested") in by_kind  # the next recheck, planned when it was done
    assert "goal" not in careplan  # the app records no goals yet


def test_a_patient_with_nothing_recorded_still_gets_a_valid_bundle(patient):
    bundle = patient_bundle(patient=patient, audience="clinician")

    parsed(bundle)
    assert {e["resource"]["resourceType"] for e in bundle["entry"]} == {"Patient", "Condition", "CarePlan"}
    assert unresolved(bundle) == set()


def test_the_same_record_keeps_its_ids_across_exports(record):
    first = patient_bundle(patient=record, audience="clinician")
    second = patient_bundle(patient=record, audience="clinician")

    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in second["entry"]]


def test_an_unknown_audience_is_refused(patient):
    with pytest.raises(ValueError):
        patient_bundle(patient=patient, audience="everyone")
