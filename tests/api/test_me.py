"""GET/PATCH /api/v1/me/: the patient's own settings."""

import pytest

from checklists.models import Patient


def test_it_shows_the_patients_profile(patient_client, patient):
    body = patient_client.get("/api/v1/me/").json()
    assert body == {
        "email": "pat@example.com",
        "first_name": patient.user.first_name,
        "time_zone": "Europe/Berlin",
        "language": "en",
        "quiet_hours_start": None,
        "quiet_hours_end": None,
        "today": patient.local_today().isoformat(),
        "visit_questions": "",
    }


def test_it_changes_zone_language_and_quiet_hours(patient_client, patient):
    response = patient_client.patch(
        "/api/v1/me/",
        {"time_zone": "America/Sao_Paulo", "quiet_hours_start": "22:30", "quiet_hours_end": "07:00"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["quiet_hours_start"] == "22:30:00"
    patient = Patient.objects.get(pk=patient.pk)
    assert (patient.time_zone, str(patient.quiet_hours_start), str(patient.quiet_hours_end)) == (
        "America/Sao_Paulo",
        "22:30:00",
        "07:00:00",
    )


@pytest.mark.parametrize("zone", ["Mars/Olympus", "berlin", "", "UTC+2"])
def test_an_unknown_time_zone_is_refused(patient_client, patient, zone):
    response = patient_client.patch("/api/v1/me/", {"time_zone": zone}, content_type="application/json")
    assert response.status_code == 400
    assert "time_zone" in response.json()
    assert Patient.objects.get(pk=patient.pk).time_zone == "Europe/Berlin"


def test_an_unknown_language_is_refused(patient_client):
    response = patient_client.patch("/api/v1/me/", {"language": "xx"}, content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"quiet_hours_start": "22:00"},
        {"quiet_hours_end": "07:00"},
        {"quiet_hours_start": "22:00", "quiet_hours_end": None},
    ],
)
def test_quiet_hours_are_both_or_neither(patient_client, body):
    response = patient_client.patch("/api/v1/me/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"quiet_hours": ["Set both the start and the end of quiet hours, or neither."]}


def test_one_end_of_existing_quiet_hours_can_move_and_both_can_be_cleared(patient_client, patient):
    patient.quiet_hours_start, patient.quiet_hours_end = "22:00", "07:00"
    patient.save()
    assert (
        patient_client.patch(
            "/api/v1/me/", {"quiet_hours_end": "06:30"}, content_type="application/json"
        ).json()["quiet_hours_end"]
        == "06:30:00"
    )
    cleared = patient_client.patch(
        "/api/v1/me/", {"quiet_hours_start": None, "quiet_hours_end": None}, content_type="application/json"
    ).json()
    assert (cleared["quiet_hours_start"], cleared["quiet_hours_end"]) == (None, None)


def test_me_sets_the_csrf_cookie_the_app_needs(patient_client):
    response = patient_client.get("/api/v1/me/")
    assert "csrftoken" in response.cookies
