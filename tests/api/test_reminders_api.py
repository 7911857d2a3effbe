"""The reminder, notification and VAPID-key endpoints of the patient API."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from checklists.models.reminders import Notification, Reminder
from checklists.plan.services import assignment_create
from checklists.reminders.push import vapid_generate_keys
from checklists.reminders.services import reminder_create
from tests.api.conftest import SESSION_QUERIES
from tests.factories import template_with_items

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient_client(client, patient):
    client.force_login(patient.user)
    return client


def make(patient, local_time: time = time(8, 0), **kwargs) -> Reminder:
    return reminder_create(patient=patient, kind="medication", local_time=local_time, **kwargs)


def test_list_shows_next_fire_at_in_the_patients_zone(patient_client, patient, django_assert_num_queries):
    for hour in (8, 12, 20):
        make(patient, local_time=time(hour, 0))
    with django_assert_num_queries(SESSION_QUERIES + 2):  # session, user with patient, reminders
        response = patient_client.get(reverse("api:reminders"))
    assert response.status_code == 200
    rows = response.json()
    assert [row["local_time"] for row in rows] == ["08:00", "12:00", "20:00"]
    first = datetime.fromisoformat(rows[0]["next_fire_at"])
    assert first.utcoffset() == patient.zone.utcoffset(first.replace(tzinfo=None))
    assert first.hour == 8 and rows[0]["weekdays"] == [0, 1, 2, 3, 4, 5, 6]


def test_create_a_diary_reminder(patient_client, patient):
    response = patient_client.post(
        reverse("api:reminders"),
        {"kind": "diary", "local_time": "22:15", "weekdays": [0, 2, 4]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["local_time"], body["weekdays"]) == ("diary", "22:15", [0, 2, 4])
    nxt = datetime.fromisoformat(body["next_fire_at"])
    assert (nxt.hour, nxt.minute, nxt.weekday() in (0, 2, 4)) == (22, 15, True)
    assert Reminder.objects.get(pk=body["id"]).patient == patient


def test_create_for_own_checklist(patient_client, patient):
    mine = assignment_create(patient=patient, template=template_with_items(1), assigned_by=None)
    response = patient_client.post(
        reverse("api:reminders"),
        {"kind": "assignment", "assignment": mine.pk, "local_time": "10:00"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["assignment"] == mine.pk


def test_create_for_another_patients_checklist_is_refused(patient_client, other_patient):
    theirs = assignment_create(patient=other_patient, template=template_with_items(1), assigned_by=None)
    response = patient_client.post(
        reverse("api:reminders"),
        {"kind": "assignment", "assignment": theirs.pk, "local_time": "10:00"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "assignment" in response.json()
    assert not Reminder.objects.filter(assignment=theirs, local_time=time(10, 0)).exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "follow_up", "local_time": "10:00"},
        {"kind": "diary", "local_time": "25:00"},
        {"kind": "diary", "local_time": "10:00", "weekdays": []},
        {"kind": "diary", "local_time": "10:00", "weekdays": [7]},
    ],
)
def test_create_rejects_bad_input(patient_client, payload):
    response = patient_client.post(reverse("api:reminders"), payload, content_type="application/json")
    assert response.status_code == 400


def test_patch_changes_time_and_reschedules(patient_client, patient):
    reminder = make(patient)
    response = patient_client.patch(
        reverse("api:reminder", args=[reminder.pk]), {"local_time": "09:45"}, content_type="application/json"
    )
    assert response.status_code == 200
    nxt = datetime.fromisoformat(response.json()["next_fire_at"])
    assert (nxt.hour, nxt.minute) == (9, 45)
    reminder.refresh_from_db()
    assert reminder.next_fire_at is not None
    assert reminder.next_fire_at.astimezone(patient.zone).time() == time(9, 45)


def test_deactivating_stops_it_firing(patient_client, patient):
    reminder = make(patient)
    response = patient_client.patch(
        reverse("api:reminder", args=[reminder.pk]), {"active": False}, content_type="application/json"
    )
    assert response.json()["next_fire_at"] is None


def test_delete(patient_client, patient):
    reminder = make(patient)
    assert patient_client.delete(reverse("api:reminder", args=[reminder.pk])).status_code == 204
    assert not Reminder.objects.filter(pk=reminder.pk).exists()


def test_snooze_accepts_10_30_or_60_minutes(patient_client, patient):
    reminder = make(patient)
    url = reverse("api:reminder-snooze", args=[reminder.pk])
    response = patient_client.post(url, {"minutes": 30}, content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["snoozed_until"] == body["next_fire_at"]
    assert patient_client.post(url, {"minutes": 45}, content_type="application/json").status_code == 400


@pytest.mark.parametrize(
    ("method", "name", "data"),
    [
        ("get", "api:reminder", None),
        ("patch", "api:reminder", {"local_time": "10:00"}),
        ("delete", "api:reminder", None),
        ("post", "api:reminder-snooze", {"minutes": 10}),
    ],
)
def test_it_hides_other_patients_reminders(patient_client, other_patient, method, name, data):
    theirs = make(other_patient)
    call = getattr(patient_client, method)
    response = call(reverse(name, args=[theirs.pk]), data, content_type="application/json")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.local_time == time(8, 0) and theirs.snoozed_until is None


def test_notifications_feed_is_the_patients_own(patient_client, patient, other_patient):
    slot = datetime(2026, 7, 1, 11, 30, tzinfo=UTC)
    common = {"slot": slot, "local_date": date(2026, 7, 1), "title": "RLS Care"}
    Notification.objects.create(patient=patient, body="You have 2 care tasks due", items=[1, 2], **common)
    Notification.objects.create(patient=other_patient, body="theirs", **common)
    rows = patient_client.get(reverse("api:notifications")).json()
    assert [row["body"] for row in rows] == ["You have 2 care tasks due"]
    assert rows[0]["slot"] == "2026-07-01T13:30:00+02:00"
    assert rows[0]["items"] == [1, 2]


def test_vapid_public_key(patient_client, settings):
    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = "", ""
    assert patient_client.get(reverse("api:vapid-public-key")).status_code == 404
    private, public = vapid_generate_keys()
    settings.VAPID_PRIVATE_KEY = private
    # Derived from the private key when only that is set.
    assert patient_client.get(reverse("api:vapid-public-key")).json() == {"public_key": public}


@pytest.mark.parametrize("persona", ["clinician", "superuser"])
def test_non_patients_are_refused(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    for name in ("api:reminders", "api:notifications", "api:vapid-public-key"):
        assert client.get(reverse(name)).status_code == 403


def test_anonymous_is_refused(client):
    assert client.get(reverse("api:reminders")).status_code == 403


def test_moving_time_zone_in_settings_reschedules_reminders(patient_client, patient):
    reminder = make(patient, local_time=time(21, 30))
    response = patient_client.patch(
        reverse("api:me"), {"time_zone": "America/New_York"}, content_type="application/json"
    )
    assert response.status_code == 200
    reminder.refresh_from_db()
    assert reminder.next_fire_at is not None
    local = reminder.next_fire_at.astimezone(ZoneInfo("America/New_York"))
    assert local.time() == time(21, 30)
