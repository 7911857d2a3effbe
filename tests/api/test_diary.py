"""GET/PUT /api/v1/diary/<date>/: the nightly diary, visible to sync on every phone."""

from datetime import timedelta

from checklists.models import DiaryEntry
from tests.api.conftest import post_sync


def test_put_creates_then_replaces_the_entry(patient_client, patient):
    url = "/api/v1/diary/2026-01-05/"
    created = patient_client.put(
        url, {"severity": 6, "onset_time": "20:45", "note": "restless"}, content_type="application/json"
    )
    assert created.status_code == 201
    assert created.json()["onset_time"] == "20:45:00"
    replaced = patient_client.put(url, {"severity": 2}, content_type="application/json")
    assert replaced.status_code == 200
    entry = DiaryEntry.objects.get(patient=patient)
    assert (entry.severity, entry.onset_time, entry.note) == (2, None, "")
    got = patient_client.get(url).json()
    assert (got["date"], got["severity"]) == ("2026-01-05", 2)


def test_a_missing_entry_or_a_bad_date_is_not_found(patient_client):
    assert patient_client.get("/api/v1/diary/2026-01-05/").status_code == 404
    assert patient_client.get("/api/v1/diary/yesterday/").status_code == 404
    assert patient_client.get("/api/v1/diary/2026-02-30/").status_code == 404


def test_out_of_range_values_are_refused(patient_client):
    response = patient_client.put(
        "/api/v1/diary/2026-01-05/", {"severity": 11, "sleep_quality": -1}, content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"severity", "sleep_quality"}


def test_a_date_after_tomorrow_is_refused(patient_client, patient):
    day = patient.local_today() + timedelta(days=2)
    response = patient_client.put(f"/api/v1/diary/{day}/", {"severity": 1}, content_type="application/json")
    assert response.status_code == 400
    assert not DiaryEntry.objects.exists()


def test_a_put_reaches_phones_through_sync(patient_client, patient):
    cursor = post_sync(patient_client, []).json()["cursor"]
    patient_client.put("/api/v1/diary/2026-01-05/", {"severity": 4}, content_type="application/json")
    changes = post_sync(patient_client, [], since=cursor).json()["changes"]
    assert [(c["kind"], c["date"], c["entry"]["severity"]) for c in changes] == [("diary", "2026-01-05", 4)]
