"""Per-user throttling: settings.API_THROTTLE_RATES, counted per signed-in user."""

from checklists.api import throttling
from tests.api.conftest import post_sync, signed_in


def test_a_patient_over_the_rate_gets_429_while_others_go_on(patient, other_patient, settings):
    settings.API_THROTTLE_RATES = {"patient": "3/minute", "sync": "2/minute"}
    client = signed_in(patient.user)
    assert [client.get("/api/v1/me/").status_code for _ in range(4)] == [200, 200, 200, 429]
    throttled = client.get("/api/v1/me/")
    assert "Retry-After" in throttled.headers
    assert signed_in(other_patient.user).get("/api/v1/me/").status_code == 200


def test_sync_has_its_own_lower_rate(patient, settings):
    settings.API_THROTTLE_RATES = {"patient": "100/minute", "sync": "2/minute"}
    client = signed_in(patient.user)
    assert [post_sync(client, []).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/api/v1/today/").status_code == 200


def test_the_count_starts_again_in_the_next_window(patient, settings, monkeypatch):
    settings.API_THROTTLE_RATES = {"patient": "2/minute", "sync": "2/minute"}
    clock = [60 * 16_667 + 20.0]  # 20 s into a minute window
    monkeypatch.setattr(throttling.time, "time", lambda: clock[0])
    client = signed_in(patient.user)
    assert [client.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/api/v1/me/").headers["Retry-After"] == "40"
    clock[0] += 40
    assert client.get("/api/v1/me/").status_code == 200
