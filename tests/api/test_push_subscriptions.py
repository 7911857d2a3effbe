"""POST/DELETE /api/v1/push-subscriptions/: a browser's Web Push subscription."""

import base64

import pytest

from checklists.models import PushSubscription
from tests.api.conftest import signed_in
from tests.reminders.fakepush import Subscriber

URL = "/api/v1/push-subscriptions/"
ENDPOINT = "https://fcm.googleapis.com/fcm/send/abc:APA91b"
BROWSER = Subscriber.new("phone")

pytestmark = pytest.mark.usefixtures("fake_dns")


def subscription(endpoint=ENDPOINT, p256dh=BROWSER.p256dh, auth=BROWSER.auth):
    """The browser's PushSubscription.toJSON()."""
    return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": p256dh, "auth": auth}}


def post(client, body):
    return client.post(URL, body, content_type="application/json")


def test_it_stores_a_subscription(patient_client, patient):
    response = patient_client.post(
        URL, subscription(), content_type="application/json", headers={"User-Agent": "Phone"}
    )
    assert response.status_code == 201
    stored = PushSubscription.objects.get(pk=response.json()["id"])
    assert (stored.patient, stored.endpoint, stored.p256dh, stored.auth, stored.user_agent) == (
        patient,
        ENDPOINT,
        BROWSER.p256dh,
        BROWSER.auth,
        "Phone",
    )


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/x",
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAAA",
        "https://wns2-par02p.notify.windows.com/w/?token=BQYAAA",
        "https://web.push.apple.com/QGuQyavXutnMH",
    ],
)
def test_it_accepts_each_browsers_push_service(patient_client, endpoint):
    assert post(patient_client, subscription(endpoint=endpoint)).status_code == 201


def test_posting_the_same_endpoint_again_updates_it(patient_client):
    first = post(patient_client, subscription()).json()
    laptop = Subscriber.new("laptop")
    again = post(patient_client, subscription(p256dh=laptop.p256dh, auth=laptop.auth))
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    stored = PushSubscription.objects.get()
    assert (stored.p256dh, stored.auth) == (laptop.p256dh, laptop.auth)


def test_another_patient_posting_an_endpoint_answers_as_for_a_new_one_and_leaves_the_first_alone(
    patient_client, other_patient, patient
):
    mine = post(patient_client, subscription())
    thief = Subscriber.new("thief")
    theirs = post(signed_in(other_patient.user), subscription(p256dh=thief.p256dh, auth=thief.auth))
    # The same answer as for an endpoint nobody stored: no way to tell that it exists.
    assert (mine.status_code, theirs.status_code) == (201, 201)
    first = PushSubscription.objects.get(pk=mine.json()["id"])
    assert (first.patient, first.p256dh, first.auth) == (patient, BROWSER.p256dh, BROWSER.auth)
    assert PushSubscription.objects.get(pk=theirs.json()["id"]).patient == other_patient


def test_an_invalid_subscription_is_refused(patient_client):
    response = post(patient_client, {"endpoint": "not a url", "keys": {}})
    assert response.status_code == 400
    assert set(response.json()) == {"endpoint", "keys"}


# What a patient could make the server POST to before (issue 15): 11 of these were accepted.
INTERNAL_TARGETS = [
    "http://127.0.0.1:6379/",  # Redis
    "https://127.0.0.1:5432/",  # PostgreSQL
    "https://[::1]/",
    "https://0.0.0.0/",
    "https://169.254.169.254/latest/meta-data/",  # cloud instance metadata
    "https://10.0.0.1/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "ftp://fcm.googleapis.com/fcm/send/x",
    "https://user:pass@fcm.googleapis.com/fcm/send/x",
    "http://fcm.googleapis.com/fcm/send/x",
    "https://localhost/",
    "https://192.168.1.1/",
    "https://[::ffff:127.0.0.1]/",
    "https://2130706433/",  # 127.0.0.1 as one number
    "https://[fe80::1]/",
    "https://224.0.0.1/",  # multicast
    "https://fcm.googleapis.com@127.0.0.1/x",  # the push service's name as the user info
    "https://fcm.googleapis.com:6379/fcm/send/x",  # a push service's host, another port
]


@pytest.mark.parametrize("endpoint", INTERNAL_TARGETS)
def test_it_refuses_internal_targets(patient_client, endpoint):
    response = post(patient_client, subscription(endpoint=endpoint))
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["endpoint"]
    assert response.json()["endpoint"][0]
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://evilnotify.windows.com/w/",  # ends like *.notify.windows.com, is not one
        "https://notify.windows.com.attacker.example/w/",
        "https://fcm.googleapis.com.attacker.example/fcm/send/x",
        "https://push.example/send/abc",
    ],
)
def test_it_refuses_hosts_that_are_not_a_push_service(patient_client, endpoint):
    response = post(patient_client, subscription(endpoint=endpoint))
    assert response.status_code == 400
    assert response.json()["endpoint"] == ["This is not the address of a browser's push service."]


@pytest.mark.parametrize(
    "addresses", [["10.0.0.7"], ["142.250.185.106", "127.0.0.1"], ["2a00:1450::1", "fd00::1"]]
)
def test_it_refuses_a_push_service_name_that_resolves_to_an_internal_address(
    patient_client, fake_dns, addresses
):
    fake_dns.names["fcm.googleapis.com"] = addresses
    response = post(patient_client, subscription())
    assert response.status_code == 400
    assert response.json()["endpoint"] == ["The push service's address is not a public one."]
    assert not PushSubscription.objects.exists()


def test_local_endpoints_need_the_test_setting(patient_client, settings):
    settings.PUSH_ALLOW_LOCAL_ENDPOINTS = True
    assert post(patient_client, subscription(endpoint="http://127.0.0.1:8123/push/a")).status_code == 201
    # Even then, only this machine's loopback: not the network's.
    assert post(patient_client, subscription(endpoint="http://10.0.0.1/push/a")).status_code == 400


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "p256dh",
    [
        "attackerkey",
        b64(b"\x04" + b"\x01" * 64),  # 65 bytes, but not a point on P-256
        b64(b"\x02" + b"\x01" * 32),  # a compressed point
        BROWSER.p256dh[:-2],
        "BPk+/not base64url",
    ],
)
def test_it_refuses_a_key_that_is_not_a_p256_point(patient_client, p256dh):
    response = post(patient_client, subscription(p256dh=p256dh))
    assert response.status_code == 400
    assert list(response.json()) == ["keys"]
    assert list(response.json()["keys"]) == ["p256dh"]
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize("auth", ["au", b64(b"x" * 15), b64(b"x" * 17), "!!!!!!!!!!!!!!!!!!!!!!"])
def test_it_refuses_an_auth_secret_that_is_not_16_bytes(patient_client, auth):
    response = post(patient_client, subscription(auth=auth))
    assert response.status_code == 400
    assert list(response.json()["keys"]) == ["auth"]
    assert not PushSubscription.objects.exists()


def test_the_subscription_beyond_the_limit_is_refused_saying_so(patient_client, settings):
    settings.PUSH_SUBSCRIPTIONS_PER_PATIENT = 10
    for n in range(10):
        assert post(patient_client, subscription(endpoint=f"{ENDPOINT}{n}")).status_code == 201
    response = post(patient_client, subscription(endpoint=f"{ENDPOINT}10"))
    assert response.status_code == 400
    assert response.json() == {
        "endpoint": ["You have 10 devices with notifications on, the most allowed. Turn one off first."]
    }
    assert PushSubscription.objects.count() == 10
    # Posting one of the ten again still updates it.
    assert post(patient_client, subscription(endpoint=f"{ENDPOINT}3")).status_code == 200


def test_delete_forgets_it(patient_client):
    created = post(patient_client, subscription()).json()
    assert patient_client.delete(f"{URL}{created['id']}/").status_code == 204
    assert not PushSubscription.objects.exists()
    assert patient_client.delete(f"{URL}{created['id']}/").status_code == 404
