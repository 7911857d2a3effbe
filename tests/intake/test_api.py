"""The intake contract on the API: medicines in GET /api/v1/careplan/ carry their id and schedule, and
GET/PATCH /api/v1/me/dose-times/ sets what the times of day mean for the patient."""

import json
from datetime import time, timedelta

import pytest

from checklists.models import Patient
from checklists.models.reminders import ReminderKind
from checklists.reminders.services import reminder_create
from tests.intake.conftest import add_medicine

pytestmark = pytest.mark.django_db

CAREPLAN = "/api/v1/careplan/"
DOSE_TIMES = "/api/v1/me/dose-times/"


def medicines(client) -> dict:
    response = client.get(CAREPLAN)
    assert response.status_code == 200
    return {m["name"]: m for m in response.json()["medications"]}


def test_each_current_medicine_carries_its_id_and_todays_schedule(patient_client, patient, today):
    evening = add_medicine(patient, "Gabapentin", dose_text="300 mg", dose_times="evening, 21:00")
    iron = add_medicine(
        patient, "Ferrous sulfate", dose_times="morning", every_other_day=True, start_date=today
    )
    add_medicine(patient, "Codeine", as_needed=True, times_of_day="when the legs are bad at night")
    add_medicine(patient, "Old pill", dose_times="morning", stop_date=today - timedelta(days=1))
    meds = medicines(patient_client)
    assert set(meds) == {"Gabapentin", "Ferrous sulfate", "Codeine"}
    gaba = meds["Gabapentin"]
    assert gaba["id"] == evening.pk
    assert gaba["schedule"] == ["19:00", "21:00"]
    assert gaba["dose_times"] == [
        {"entered": "evening", "time": "19:00"},
        {"entered": "21:00", "time": "21:00"},
    ]
    assert gaba["as_written"] == "evening, 21:00" and gaba["as_needed"] is False
    assert gaba["days"] == [0, 1, 2, 3, 4, 5, 6] and gaba["every_other_day"] is False
    assert meds["Ferrous sulfate"]["id"] == iron.pk
    assert (
        meds["Ferrous sulfate"]["schedule"] == ["08:00"]
        and meds["Ferrous sulfate"]["every_other_day"] is True
    )
    prn = meds["Codeine"]
    assert prn["schedule"] == [] and prn["dose_times"] == [] and prn["as_needed"] is True
    # The clinician's words, as written: nothing is suggested in their place.
    assert prn["as_written"] == "when the legs are bad at night"


def test_the_off_day_of_every_other_day_has_no_schedule(patient_client, patient, today):
    add_medicine(
        patient,
        "Ferrous sulfate",
        dose_times="morning",
        every_other_day=True,
        start_date=today - timedelta(days=1),
    )
    assert medicines(patient_client)["Ferrous sulfate"]["schedule"] == []


def test_a_patient_moves_their_evening_and_the_schedule_follows(patient_client, patient):
    add_medicine(patient, "Gabapentin", dose_times="evening")
    response = patient_client.get(DOSE_TIMES)
    assert response.json() == {
        "morning": "08:00",
        "midday": "13:00",
        "evening": "19:00",
        "bedtime": "22:00",
        "defaults": {"morning": "08:00", "midday": "13:00", "evening": "19:00", "bedtime": "22:00"},
    }
    response = patient_client.patch(DOSE_TIMES, {"evening": "20:30"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["evening"] == "20:30" and response.json()["morning"] == "08:00"
    assert Patient.objects.get(pk=patient.pk).dose_time_evening == time(20, 30)
    assert medicines(patient_client)["Gabapentin"]["schedule"] == ["20:30"]
    # null: back to the default.
    response = patient_client.patch(DOSE_TIMES, {"evening": None}, content_type="application/json")
    assert response.json()["evening"] == "19:00"
    assert medicines(patient_client)["Gabapentin"]["schedule"] == ["19:00"]


def test_changing_a_time_of_day_reschedules_the_patients_reminders(patient_client, patient):
    reminder = reminder_create(patient=patient, kind=ReminderKind.MEDICATION, local_time=time(21))
    before = reminder.next_fire_at
    patient.time_zone = "Asia/Tokyo"
    Patient.objects.filter(pk=patient.pk).update(time_zone="Asia/Tokyo")
    patient_client.patch(DOSE_TIMES, {"morning": "07:00"}, content_type="application/json")
    reminder.refresh_from_db()
    assert reminder.next_fire_at != before  # recomputed (here in the patient's new zone)


@pytest.mark.parametrize("body", [{"evening": "7pm"}, {"evening": "25:00"}, {"evening": 19}])
def test_a_time_that_is_not_hh_mm_is_a_400(patient_client, patient, body):
    response = patient_client.patch(DOSE_TIMES, body, content_type="application/json")
    assert response.status_code == 400 and "evening" in response.json()
    assert Patient.objects.get(pk=patient.pk).dose_time_evening is None


def test_another_patient_and_clinicians_get_nothing(patient, other_client, clinician_client, client):
    add_medicine(patient, "Gabapentin", dose_times="evening")
    other = medicines(other_client)
    assert other == {}
    for who in (clinician_client, client):
        assert who.get(CAREPLAN).status_code == 403
        assert who.get(DOSE_TIMES).status_code == 403
        assert who.patch(DOSE_TIMES, {"evening": "20:00"}, content_type="application/json").status_code == 403
    other_client.patch(DOSE_TIMES, {"evening": "20:00"}, content_type="application/json")
    assert Patient.objects.get(pk=patient.pk).dose_time_evening is None


def test_the_schema_describes_the_intake_op_the_change_and_the_schedule(patient_client):
    schema = json.loads(patient_client.get("/api/schema/", {"format": "json"}).content)
    components = schema["components"]["schemas"]
    op = components["IntakeOpInput"]["properties"]
    assert {"op_id", "kind", "medication", "date", "slot", "status", "reason", "at"} <= set(op)
    assert op["slot"]["nullable"] is True
    assert set(components["IntakeOpInput"]["required"]) == {
        "op_id",
        "kind",
        "medication",
        "date",
        "slot",
        "status",
        "at",
    }
    assert "intake" in json.dumps(components["SyncOpInput"])
    assert "intake" in json.dumps(components["SyncChange"])
    medication = components["CarePlanMedicationOutput"]["properties"]
    assert {"id", "schedule", "dose_times", "as_written", "as_needed", "days", "every_other_day"} <= set(
        medication
    )
    assert "/api/v1/me/dose-times/" in schema["paths"]
