"""Who may use the patient API: patients only, each seeing only their own data."""

from datetime import time
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from checklists.models import CheckOff, DiaryEntry, PushSubscription
from checklists.security.backends import PatientModelBackend
from tests.api.conftest import checkoff_op, post_sync, signed_in

ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("get", "/api/v1/me/", None),
    ("patch", "/api/v1/me/", {"language": "en"}),
    ("get", "/api/v1/today/", None),
    ("get", "/api/v1/days/", None),
    ("post", "/api/v1/sync/", {"ops": [], "since": None}),
    ("get", "/api/v1/diary/2026-01-01/", None),
    ("put", "/api/v1/diary/2026-01-01/", {"severity": 3}),
    (
        "post",
        "/api/v1/push-subscriptions/",
        {"endpoint": "https://push.example/x", "keys": {"p256dh": "k", "auth": "a"}},
    ),
    ("delete", "/api/v1/push-subscriptions/1/", None),
]


def call(client: Client, method: str, url: str, body):
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, body, content_type="application/json")


@pytest.mark.parametrize(("method", "url", "body"), ENDPOINTS)
def test_anonymous_is_refused(db, method, url, body):
    response = call(Client(), method, url, body)
    assert response.status_code in (401, 403)
    assert "credentials" in response.json()["detail"]


@pytest.mark.parametrize(("method", "url", "body"), ENDPOINTS)
@pytest.mark.parametrize("persona", ["clinician", "superuser"])
def test_a_user_without_a_patient_record_gets_403(request, method, url, body, persona):
    user = request.getfixturevalue(persona)
    response = call(signed_in(user), method, url, body)
    assert response.status_code == 403
    assert response.json()["detail"] == "This API is for patients; your account has no patient record."


@pytest.mark.parametrize(("method", "url", "body"), [e for e in ENDPOINTS if e[0] != "get"])
def test_writes_need_the_csrf_token_with_the_session(patient, method, url, body):
    client = signed_in(patient.user, enforce_csrf=True)
    assert call(client, method, url, body).status_code == 403
    client.get("/api/v1/me/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    response = (
        getattr(client, method)(url, body, content_type="application/json", headers={"X-CSRFToken": token})
        if body is not None
        else getattr(client, method)(url, headers={"X-CSRFToken": token})
    )
    assert response.status_code != 403


def test_another_patients_diary_is_not_found(patient_client, other_patient):
    DiaryEntry.objects.create(patient=other_patient, date="2026-01-01", severity=9, note="theirs")
    assert patient_client.get("/api/v1/diary/2026-01-01/").status_code == 404


def test_putting_a_diary_date_never_touches_another_patients_entry(patient_client, patient, other_patient):
    DiaryEntry.objects.create(patient=other_patient, date="2026-01-01", severity=9)
    assert (
        patient_client.put(
            "/api/v1/diary/2026-01-01/", {"severity": 1}, content_type="application/json"
        ).status_code
        == 201
    )
    assert DiaryEntry.objects.get(patient=other_patient).severity == 9


def test_another_patients_push_subscription_cannot_be_deleted(patient_client, other_patient):
    theirs = PushSubscription.objects.create(
        patient=other_patient, endpoint="https://push.example/theirs", p256dh="k", auth="a"
    )
    assert patient_client.delete(f"/api/v1/push-subscriptions/{theirs.pk}/").status_code == 404
    assert PushSubscription.objects.filter(pk=theirs.pk).exists()


def test_another_patients_items_are_neither_shown_nor_writable(
    patient_client, patient, other_plan, other_patient
):
    today = patient.local_today()
    body = patient_client.get("/api/v1/today/").json()
    assert body["checklists"] == []
    foreign = other_plan.items.first()
    assert post_sync(patient_client, [checkoff_op(foreign, today)]).json()["rejected"][0]["op_id"]
    assert not CheckOff.objects.exists()
    days = patient_client.get("/api/v1/days/").json()
    assert days["due"] == 0


def test_the_user_loader_brings_the_patient_in_the_same_query(patient, clinician, django_assert_num_queries):
    patient.quiet_hours_start, patient.quiet_hours_end = time(22, 30), time(7)
    patient.save()
    expected = User.objects.get(pk=patient.user.pk)
    backend = PatientModelBackend()
    with django_assert_num_queries(1):
        user = backend.get_user(patient.user.pk)
        assert user.patient.pk == patient.pk and user.patient.user is user
        assert (user.patient.quiet_hours_start, user.patient.time_zone) == (time(22, 30), patient.time_zone)
        assert (user.username, user.date_joined, user.password) == (
            expected.username,
            expected.date_joined,
            expected.password,
        )
    assert not hasattr(backend.get_user(clinician.pk), "patient")  # a clinician has no patient
    patient.user.is_active = False
    patient.user.save()
    assert backend.get_user(patient.user.pk) is None
    assert backend.get_user(10**9) is None
