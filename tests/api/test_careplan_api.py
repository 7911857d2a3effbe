"""GET /api/v1/careplan/: the signed-in patient's own plan, patient-safe fields only."""

import json
from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from checklists.careplan import services
from checklists.models import DiaryEntry
from checklists.models.careplan import FollowUpKind
from tests.factories import LabResultFactory, SeverityScoreFactory

URL = "/api/v1/careplan/"
CLINICIAN_ONLY_KEYS = {
    "notes",
    "created_by",
    "entered_by",
    "is_dopaminergic",
    "may_worsen_rls",
    "generic_name",
    "interpretation",
    "augmentation",
    "citation",
    "flagged",
}


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def all_keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in all_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in all_keys(v)}
    return set()


@pytest.fixture
def full_plan(patient, clinician):
    today = patient.local_today()
    services.followup_create(
        patient=patient,
        kind=FollowUpKind.MEDICATION_REVIEW,
        due_date=today - timedelta(days=3),
        notes="SECRET-FOLLOWUP-NOTE",
        created_by=clinician,
    )
    services.followup_create(patient=patient, kind=FollowUpKind.VENOUS_DUPLEX, due_date=today + timedelta(10))
    LabResultFactory(
        patient=patient,
        ferritin=58,
        tsat=17,
        laboratory="Hospital lab",
        notes="SECRET-LAB-NOTE",
        drawn_on=today,
    )
    SeverityScoreFactory(patient=patient, irls_total=22, scored_on=today)
    services.medication_add(patient=patient, name="Zoloft 50mg", dose_text="50 mg", times_of_day="morning")
    med = services.medication_add(patient=patient, name="Pramipexole", times_of_day="evening")
    med.notes = "SECRET-MED-NOTE"
    med.save()
    for offset in range(28):
        onset = time(22, 0) if offset >= 14 else time(18, 0)
        DiaryEntry.objects.create(
            patient=patient, date=today - timedelta(offset), severity=5, onset_time=onset
        )
    return patient


def test_patient_sees_their_plan(full_plan):
    response = api_for(full_plan.user).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["heading"] == "Your care team's plan"
    assert "does not replace" in body["disclaimer"]
    tracks = {t["track"]: t for t in body["tracks"]}
    assert set(tracks) == {"iron", "vascular", "medication"}
    assert tracks["medication"]["overdue"][0]["title"] == "Medication review"
    assert tracks["medication"]["overdue"][0]["days_until"] == -3
    assert tracks["vascular"]["next_due"]["title"] == "Venous duplex ultrasound"
    assert [item["overdue"] for item in body["timeline"]] == [True, False]
    assert body["labs"][0]["ferritin"] == 58 and body["labs"][0]["tsat_percent"] == 17
    severity = body["severity"]
    assert severity["scored_on"] == body["today"] and severity["irls_total"] == 22
    assert severity["band"] == "severe" and severity["band_range"] == "21\N{EN DASH}30"
    assert "past week" in severity["meaning"] and "0 none, 1\N{EN DASH}10 mild" in severity["meaning"]
    assert body["labs"][0]["laboratory"] == "Hospital lab"
    assert {m["name"]: m["times_of_day"] for m in body["medications"]} == {
        "Zoloft 50mg": "morning",
        "Pramipexole": "evening",
    }
    meds = {m["name"]: m for m in body["medications"]}
    assert meds["Zoloft 50mg"]["review_with_clinician"] is True
    assert meds["Zoloft 50mg"]["review_note"].startswith("Keep taking your medicines as prescribed.")
    assert "discuss it with your clinician before changing anything" in meds["Zoloft 50mg"]["review_note"]
    assert "stop" not in meds["Zoloft 50mg"]["review_note"].lower()
    assert meds["Pramipexole"]["review_with_clinician"] is False
    assert meds["Pramipexole"]["review_note"] is None


CONTACT = {
    "name": "Leeds Sleep Clinic",
    "phone": "+44 113 496 0000",
    "email": "sleep@clinic.example",
    "hours": "Mon-Fri 9:00-17:00",
}


def test_the_clinics_contact_is_sent_as_set(full_plan, settings):
    settings.CLINIC_CONTACT = CONTACT
    assert api_for(full_plan.user).get(URL).json()["contact"] == CONTACT


def test_contact_is_null_when_the_clinic_has_set_none(full_plan, settings):
    settings.CLINIC_CONTACT = None
    assert api_for(full_plan.user).get(URL).json()["contact"] is None


def test_clinic_contact_comes_from_the_environment(tmp_path):
    import subprocess
    import sys

    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='rlsapp.settings'; django.setup();"
        "from django.conf import settings; print(settings.CLINIC_CONTACT)"
    )

    def run(**env: str) -> subprocess.CompletedProcess:
        environ = {"PATH": "", "RLS_VAR_DIR": str(tmp_path), **env}
        return subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True, text=True)

    set_ = run(CLINIC_CONTACT_NAME="Leeds Sleep Clinic", CLINIC_CONTACT_PHONE="0113 496 0000")
    assert set_.returncode == 0, set_.stderr
    assert "'name': 'Leeds Sleep Clinic', 'phone': '0113 496 0000', 'email': '', 'hours': ''" in set_.stdout
    assert run().stdout.strip() == "None"
    bad = run(CLINIC_CONTACT_NAME="Clinic", CLINIC_CONTACT_EMAIL="not an address")
    assert bad.returncode != 0 and "CLINIC_CONTACT_EMAIL must be an email address" in bad.stderr
    nothing_to_call = run(CLINIC_CONTACT_NAME="Clinic")
    assert (
        nothing_to_call.returncode != 0
        and "CLINIC_CONTACT_PHONE or CLINIC_CONTACT_EMAIL" in nothing_to_call.stderr
    )


def test_clinician_only_fields_are_absent(full_plan):
    response = api_for(full_plan.user).get(URL)
    text = response.content.decode()
    assert not CLINICIAN_ONLY_KEYS & all_keys(response.json())
    for secret in ("SECRET-FOLLOWUP-NOTE", "SECRET-LAB-NOTE", "SECRET-MED-NOTE"):
        assert secret not in text
    for clinician_wording in ("augmentation", "IV iron", "may be considered", "dopaminergic", "PMID"):
        assert clinician_wording.lower() not in text.lower()


def test_another_patients_plan_is_never_shown(full_plan, other_patient):
    body = api_for(other_patient.user).get(URL).json()
    assert body["labs"] == [] and body["medications"] == [] and body["timeline"] == []
    assert body["severity"] is None
    assert "SECRET" not in json.dumps(body)


def test_clinicians_and_anonymous_users_are_refused(clinician, db):
    assert api_for(clinician).get(URL).status_code == 403
    assert APIClient().get(URL).status_code == 403


def test_query_count_does_not_grow_with_history(patient):
    client = api_for(patient.user)
    services.medication_add(patient=patient, name="Ropinirole")

    def queries_for_get() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    few = queries_for_get()
    today = patient.local_today()
    for i in range(30):
        day = today - timedelta(days=i + 1)
        services.followup_create(patient=patient, kind=FollowUpKind.OTHER, track="iron", due_date=day)
        LabResultFactory(patient=patient, drawn_on=day)
        SeverityScoreFactory(patient=patient, scored_on=day)
        DiaryEntry.objects.create(patient=patient, date=day, severity=3, onset_time=time(21, 0))
        services.medication_add(patient=patient, name=f"Sertraline {i}")
    assert queries_for_get() == few


def test_the_endpoint_is_in_the_openapi_schema(patient):
    response = api_for(patient.user).get("/api/schema/", {"format": "json"})
    schema = json.loads(response.content)
    operation = schema["paths"]["/api/v1/careplan/"]["get"]
    assert operation["summary"] == "Your care team's plan"
    output = schema["components"]["schemas"]["CarePlanOutput"]
    assert {
        "heading",
        "disclaimer",
        "tracks",
        "timeline",
        "labs",
        "medications",
        "severity",
        "contact",
    } <= set(output["properties"])
    medication = schema["components"]["schemas"]["CarePlanMedicationOutput"]["properties"]
    assert "may_worsen_rls" not in medication and "notes" not in medication
