"""POST/DELETE /api/v1/push-subscriptions/: a browser's Web Push subscription."""

from checklists.models import PushSubscription
from tests.api.conftest import signed_in

URL = "/api/v1/push-subscriptions/"


def subscription(endpoint="https://push.example/send/abc", p256dh="BPk", auth="au"):
    """The browser's PushSubscription.toJSON()."""
    return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": p256dh, "auth": auth}}


def test_it_stores_a_subscription(patient_client, patient):
    response = patient_client.post(
        URL, subscription(), content_type="application/json", headers={"User-Agent": "Phone"}
    )
    assert response.status_code == 201
    stored = PushSubscription.objects.get(pk=response.json()["id"])
    assert (stored.patient, stored.endpoint, stored.p256dh, stored.auth, stored.user_agent) == (
        patient,
        "https://push.example/send/abc",
        "BPk",
        "au",
        "Phone",
    )


def test_posting_the_same_endpoint_again_updates_it(patient_client):
    first = patient_client.post(URL, subscription(), content_type="application/json").json()
    again = patient_client.post(URL, subscription(p256dh="NEW", auth="new"), content_type="application/json")
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    stored = PushSubscription.objects.get()
    assert (stored.p256dh, stored.auth) == ("NEW", "new")


def test_an_endpoint_moves_to_whoever_is_signed_in_on_that_browser(patient_client, other_patient, patient):
    patient_client.post(URL, subscription(), content_type="application/json")
    signed_in(other_patient.user).post(URL, subscription(), content_type="application/json")
    assert PushSubscription.objects.get().patient == other_patient


def test_an_invalid_subscription_is_refused(patient_client):
    response = patient_client.post(
        URL, {"endpoint": "not a url", "keys": {}}, content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"endpoint", "keys"}


def test_delete_forgets_it(patient_client):
    created = patient_client.post(URL, subscription(), content_type="application/json").json()
    assert patient_client.delete(f"{URL}{created['id']}/").status_code == 204
    assert not PushSubscription.objects.exists()
    assert patient_client.delete(f"{URL}{created['id']}/").status_code == 404
