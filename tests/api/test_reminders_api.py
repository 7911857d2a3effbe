"""The reminder, notification and VAPID-key endpoints of the patient API."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from checklists.careplan.services import followup_create
from checklists.models import Medication, PushSubscription
from checklists.models.reminders import Notification, Reminder
from checklists.plan.services import assignment_create
from checklists.reminders.push import vapid_generate_keys
from checklists.reminders.services import medication_reminders_sync, reminder_create
from tests.api.conftest import SESSION_QUERIES
from tests.factories import template_with_items
from tests.reminders.fakepush import FakePushService

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


# --- The reminders screen (issue 18): what each reminder is for, its controls, the channel, a test ---


@pytest.fixture
def vapid(settings):
    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = vapid_generate_keys()


@pytest.fixture
def fake_push(settings):
    settings.PUSH_ALLOW_LOCAL_ENDPOINTS = True  # it listens on http://127.0.0.1
    service = FakePushService(vapid_public_key=settings.VAPID_PUBLIC_KEY).start()
    yield service
    service.stop()


def phone(patient, fake_push: FakePushService, name: str = "phone") -> PushSubscription:
    subscriber = fake_push.subscriber(name)
    return PushSubscription.objects.create(
        patient=patient, endpoint=fake_push.endpoint(name), p256dh=subscriber.p256dh, auth=subscriber.auth
    )


def by_kind(rows: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row["kind"], []).append(row)
    return grouped


LONG_TITLE = (
    "Ferritin and TSAT recheck: morning draw, no iron-containing supplements or foods for 24 h before"
)


def test_each_reminder_says_what_it_is_for(patient_client, patient, django_assert_num_queries):
    checklist = assignment_create(
        patient=patient, template=template_with_items(1, name="Evening routine"), assigned_by=None
    )
    today = patient.local_today()
    followup_create(
        patient=patient, kind="ferritin_tsat_lab", title=LONG_TITLE, due_date=today + timedelta(days=20)
    )
    followup_create(patient=patient, kind="venous_duplex", due_date=today + timedelta(days=10))
    medication = Medication.objects.create(patient=patient, name="Pramipexole", dose_times="21:00")
    medication_reminders_sync(medication=medication)

    with django_assert_num_queries(SESSION_QUERIES + 2):  # session, user with patient, reminders
        rows = by_kind(patient_client.get(reverse("api:reminders")).json())

    [assignment] = rows["assignment"]
    assert (assignment["title"], assignment["target"]) == (
        "Evening routine",
        {"type": "assignment", "id": checklist.pk},
    )
    assert [r["title"] for r in rows["diary"]] == ["Diary"]
    follow_ups = rows["follow_up"]
    assert sorted(r["title"] for r in follow_ups) == sorted(
        [LONG_TITLE, LONG_TITLE, "Venous duplex ultrasound", "Venous duplex ultrasound"]
    )
    # No two rows read the same: each names its date and how long before it is.
    assert len({(r["title"], r["subtitle"]) for r in follow_ups}) == 4
    assert len({r["label"] for r in follow_ups}) == 4
    duplex = sorted(
        (r for r in follow_ups if r["title"] == "Venous duplex ultrasound"),
        key=lambda r: r["target"]["days_before"],
    )
    assert [r["target"]["days_before"] for r in duplex] == [0, 3]
    assert duplex[1]["target"]["due_date"] == (today + timedelta(days=10)).isoformat()
    assert "3 days before" in duplex[1]["subtitle"] and "on the day" in duplex[0]["subtitle"]
    assert all(r["label"].startswith("Venous duplex ultrasound: ") for r in duplex)
    assert all(len(r["label"]) <= 80 and r["label"].startswith("Ferritin and TSAT") for r in follow_ups[:2])
    [dose] = rows["medication"]
    assert (dose["title"], dose["subtitle"]) == ("Pramipexole", "Dose at 21:00")
    assert dose["target"] == {"type": "medication", "id": medication.pk, "dose_time": "21:00"}
    assert "weekdays" not in dose["editable"] and "repeat_every_minutes" in dose["editable"]
    assert (dose["repeat_every_minutes"], dose["repeat_max_times"]) == (None, 3)


def test_repeat_until_done_is_set_from_the_screen(patient_client, patient):
    reminder = make(patient)
    url = reverse("api:reminder", args=[reminder.pk])
    response = patient_client.patch(
        url, {"repeat_every_minutes": 15, "repeat_max_times": 4}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["repeat_every_minutes"], response.json()["repeat_max_times"]) == (15, 4)
    off = patient_client.patch(url, {"repeat_every_minutes": None}, content_type="application/json")
    assert off.json()["repeat_every_minutes"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"repeat_every_minutes": 7}, "repeat_every_minutes"),
        ({"repeat_max_times": 99}, "repeat_max_times"),
        ({"repeat_max_times": 0}, "repeat_max_times"),
        ({"local_time": "25:00"}, "local_time"),
        ({"weekdays": []}, "weekdays"),
    ],
)
def test_invalid_changes_are_400_with_a_message_per_field(patient_client, patient, body, field):
    reminder = make(patient)
    response = patient_client.patch(
        reverse("api:reminder", args=[reminder.pk]), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert all(isinstance(message, str) and message for message in response.json()[field])


def test_a_follow_up_reminders_date_and_days_follow_the_care_plan(patient_client, patient):
    followup_create(
        patient=patient, kind="venous_duplex", due_date=patient.local_today() + timedelta(days=10)
    )
    reminder = Reminder.objects.filter(patient=patient, kind="follow_up").first()
    assert reminder is not None
    url = reverse("api:reminder", args=[reminder.pk])

    refused = patient_client.patch(url, {"weekdays": [0]}, content_type="application/json")
    assert refused.status_code == 400
    assert "can't be changed" in refused.json()["weekdays"][0]
    assert patient_client.patch(url, {"active": False}, content_type="application/json").status_code == 200
    assert patient_client.delete(url).status_code == 400
    assert Reminder.objects.filter(pk=reminder.pk, active=False).exists()


def test_dose_reminders_cannot_be_made_by_hand(patient_client):
    response = patient_client.post(
        reverse("api:reminders"),
        {"kind": "medication", "local_time": "21:00"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "kind" in response.json()


def test_a_snooze_can_be_ended(patient_client, patient):
    reminder = make(patient)
    url = reverse("api:reminder-snooze", args=[reminder.pk])
    patient_client.post(url, {"minutes": 60}, content_type="application/json")
    body = patient_client.delete(url).json()
    assert body["snoozed_until"] is None
    assert datetime.fromisoformat(body["next_fire_at"]).time() == time(8, 0)


@pytest.mark.parametrize(
    ("method", "name", "data"),
    [
        ("patch", "api:reminder", {"repeat_every_minutes": 10}),
        ("delete", "api:reminder-snooze", None),
    ],
)
def test_another_patients_reminder_is_404_for_the_new_controls(
    patient_client, other_patient, method, name, data
):
    theirs = make(other_patient)
    response = getattr(patient_client, method)(
        reverse(name, args=[theirs.pk]), data, content_type="application/json"
    )
    assert response.status_code == 404
    assert Reminder.objects.get(pk=theirs.pk).repeat_every_minutes is None


def channel(client, endpoint: str | None = None) -> dict:
    response = client.post(
        reverse("api:reminder-channel"), {"endpoint": endpoint}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    return response.json()


def test_channel_without_push_on_the_server_says_so_in_words(patient_client, settings):
    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = "", ""
    status = channel(patient_client)
    assert (status["channel"], status["code"], status["push"]["configured"]) == (
        "email",
        "push_not_configured",
        False,
    )
    assert "detail" not in status and "Web Push" not in status["message"]
    vapid = patient_client.get(reverse("api:vapid-public-key"))
    assert vapid.status_code == 404
    assert vapid.json()["code"] == "push_not_configured" and "Web Push" not in vapid.json()["message"]


def test_channel_with_no_subscription_is_email_or_nothing(patient_client, patient, vapid):
    status = channel(patient_client)
    assert (status["channel"], status["code"]) == ("email", "email_fallback")
    assert "email" in status["message"]
    patient.user.email = ""
    patient.user.save()
    status = channel(patient_client)
    assert (status["channel"], status["code"], status["email"]["available"]) == ("none", "none", False)


def test_channel_push_on_this_phone_only_once_a_push_reached_it(patient_client, patient, vapid):
    endpoint = "https://fcm.googleapis.com/fcm/send/this-phone"
    mine = PushSubscription.objects.create(patient=patient, endpoint=endpoint, p256dh="k", auth="a")
    status = channel(patient_client, endpoint)
    assert (status["channel"], status["code"], status["push"]["this_device"]) == (
        "push",
        "push_unconfirmed",
        True,
    )

    PushSubscription.objects.filter(pk=mine.pk).update(
        last_success_at=datetime(2026, 7, 1, 19, 0, tzinfo=UTC)
    )
    status = channel(patient_client, endpoint)
    assert status["code"] == "push_ok"
    assert status["push"]["last_success_at"] == "2026-07-01T21:00:00+02:00"
    assert "21:00" in status["message"]

    PushSubscription.objects.filter(pk=mine.pk).update(failure_count=2)
    status = channel(patient_client, endpoint)
    assert (status["channel"], status["code"]) == ("email", "push_failing")

    # From another browser of the same patient: the reminders go to the phone, not here.
    status = channel(patient_client, "https://fcm.googleapis.com/fcm/send/laptop")
    assert (status["code"], status["push"]["this_device"], status["push"]["other_devices"]) == (
        "push_other_device",
        False,
        1,
    )


def test_the_channel_never_counts_another_patients_subscription(patient_client, other_patient, vapid):
    endpoint = "https://fcm.googleapis.com/fcm/send/shared"
    PushSubscription.objects.create(patient=other_patient, endpoint=endpoint, p256dh="k", auth="a")
    status = channel(patient_client, endpoint)
    assert (status["code"], status["push"]["this_device"], status["push"]["other_devices"]) == (
        "email_fallback",
        False,
        0,
    )


def test_a_test_reminder_goes_through_the_real_push_and_confirms_the_channel(
    patient_client, patient, vapid, fake_push
):
    mine = phone(patient, fake_push)
    response = patient_client.post(reverse("api:reminder-test"))
    assert response.status_code == 200
    assert (response.json()["channel"], response.json()["code"]) == ("push", "sent_push")
    [received] = fake_push.received
    assert received.payload["body"] == "This is a test reminder" and received.payload["test"] is True
    assert fake_push.rejected == []
    assert not Notification.objects.exists()  # not a reminder: no inbox entry
    assert channel(patient_client, mine.endpoint)["code"] == "push_ok"


def test_a_test_reminder_without_push_goes_by_email(patient_client, patient, vapid, mailoutbox):
    response = patient_client.post(reverse("api:reminder-test"))
    assert (response.json()["channel"], response.json()["code"]) == ("email", "sent_email")
    [message] = mailoutbox
    assert message.to == [patient.user.email] and "test reminder" in message.body


def test_test_reminders_are_throttled(patient_client, vapid, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "reminder_test": "2/day"}
    url = reverse("api:reminder-test")
    assert [patient_client.post(url).status_code for _ in range(3)] == [200, 200, 429]
