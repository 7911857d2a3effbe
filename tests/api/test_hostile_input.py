"""Hostile input to the patient API: a clean 4xx with field messages, JSON for every status, nothing
half-written (issue 15)."""

from datetime import time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from checklists.models import CheckOff, DiaryEntry, Patient, PushSubscription, Reminder
from checklists.reminders.services import reminder_create
from tests.api.conftest import checkoff_op, diary_op, post_sync
from tests.factories import DEFAULT_PASSWORD

DEEP = "[" * 10_000 + "]" * 10_000
DEEP_OBJECT = '{"a":' * 10_000 + "1" + "}" * 10_000


@pytest.fixture
def reminder(patient):
    return reminder_create(patient=patient, kind="medication", local_time=time(8, 0))


def write_endpoints(patient, reminder) -> list[tuple[str, str]]:
    today = patient.local_today().isoformat()
    return [
        ("patch", "/api/v1/me/"),
        ("post", "/api/v1/sync/"),
        ("put", f"/api/v1/diary/{today}/"),
        ("post", "/api/v1/push-subscriptions/"),
        ("post", "/api/v1/me/delete/"),
        ("post", "/api/v1/reminders/"),
        ("patch", f"/api/v1/reminders/{reminder.pk}/"),
        ("post", f"/api/v1/reminders/{reminder.pk}/snooze/"),
    ]


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["arrays", "objects"])
def test_json_nested_too_deep_is_a_400_that_says_so_on_every_write_endpoint(
    patient_client, patient, reminder, plan, body, settings
):
    reminders = Reminder.objects.count()
    for method, url in write_endpoints(patient, reminder):
        response = getattr(patient_client, method)(url, body, content_type="application/json")
        assert response.status_code == 400, (method, url, response.status_code)
        assert str(settings.API_JSON_MAX_DEPTH) in str(response.json()), (method, url)
    assert Patient.objects.filter(pk=patient.pk, user__is_active=True).exists()
    assert not DiaryEntry.objects.exists() and not PushSubscription.objects.exists()
    assert Reminder.objects.count() == reminders


def test_json_as_deep_as_the_limit_is_still_parsed(patient_client, settings):
    settings.API_JSON_MAX_DEPTH = 3
    ok = patient_client.patch("/api/v1/me/", '{"x": [[1]]}', content_type="application/json")
    assert ok.status_code == 200
    deep = patient_client.patch("/api/v1/me/", '{"x": [[[1]]]}', content_type="application/json")
    assert deep.status_code == 400
    # Brackets inside strings are text, not nesting.
    for body in ('{"x": "[[[[{{{{\\"]]"}', '{"x": "[[[[{{{{]]"}'):  # with an escape, and without
        assert patient_client.patch("/api/v1/me/", body, content_type="application/json").status_code == 200


@pytest.mark.parametrize(
    "query, field",
    [
        ("date=9999-12-31", "date"),
        ("date=0001-01-01", "date"),
    ],
)
def test_today_at_the_edge_of_the_calendar_is_a_400(patient_client, plan, query, field):
    response = patient_client.get(f"/api/v1/today/?{query}")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    "query, field",
    [
        ("to=0001-01-01", "to"),
        ("from=0001-01-01&to=0001-01-05", "from"),
        ("from=9999-10-01&to=9999-12-31", "from"),
        ("from=9999-12-30&to=9999-12-31", "to"),
        ("to=9999-12-31", "to"),
    ],
)
def test_days_at_the_edge_of_the_calendar_is_a_400(patient_client, plan, query, field):
    response = patient_client.get(f"/api/v1/days/?{query}")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_diary_at_the_edge_of_the_calendar_is_a_400(patient_client, day):
    put = patient_client.put(f"/api/v1/diary/{day}/", {"severity": 3}, content_type="application/json")
    assert put.status_code == 400
    assert "date" in put.json()
    assert patient_client.get(f"/api/v1/diary/{day}/").status_code == 404
    assert not DiaryEntry.objects.exists()


@pytest.mark.parametrize(
    "at",
    ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"],
)
def test_a_sync_op_at_the_edge_of_the_calendar_is_a_400_naming_the_field(patient_client, plan, at):
    item = plan.items.first()
    ops = [checkoff_op(item, timezone.localdate()), checkoff_op(item, timezone.localdate())]
    ops[1]["at"] = at
    response = post_sync(patient_client, ops)
    assert response.status_code == 400
    assert "ops[1].at" in response.json()["errors"]
    assert not CheckOff.objects.exists()


def test_a_sync_op_dated_at_the_edge_of_the_calendar_is_a_400(patient_client, plan):
    ops = [diary_op(timezone.localdate()), diary_op(timezone.localdate())]
    ops[1]["date"] = "0001-01-01"
    response = post_sync(patient_client, ops)
    assert response.status_code == 400
    assert "ops[1].date" in response.json()["errors"]
    assert not DiaryEntry.objects.exists()


def test_a_phone_clock_far_ahead_is_rejected_and_a_real_tap_then_wins(
    patient_client, patient, plan, settings
):
    item = plan.items.first()
    today = patient.local_today()
    now = timezone.now()
    ahead = checkoff_op(item, today, done=True)
    ahead["at"] = "9999-12-31T23:59:59+00:00"
    body = post_sync(patient_client, [ahead]).json()
    assert body["applied"] == []
    assert [r["op_id"] for r in body["rejected"]] == [ahead["op_id"]]
    assert "at" in body["rejected"][0]["errors"]
    assert not CheckOff.objects.exists()

    limit = settings.SYNC_MAX_CLOCK_AHEAD_SECONDS
    slightly_ahead = checkoff_op(item, today, done=True, at=now + timedelta(seconds=limit // 2))
    assert post_sync(patient_client, [slightly_ahead]).json()["applied"] == [slightly_ahead["op_id"]]
    too_far = checkoff_op(item, today, done=False, at=now + timedelta(seconds=limit + 60))
    assert post_sync(patient_client, [too_far]).json()["rejected"][0]["op_id"] == too_far["op_id"]
    assert CheckOff.objects.get().done is True


def test_a_rejected_future_clock_op_can_be_sent_again_later(patient_client, patient, plan):
    """Rejected ops are not remembered, so the same op id is judged again, not a duplicate."""
    item = plan.items.first()
    op = checkoff_op(item, patient.local_today(), at=timezone.now() + timedelta(days=30))
    assert post_sync(patient_client, [op]).json()["rejected"]
    assert post_sync(patient_client, [op]).json()["duplicates"] == []


@pytest.mark.parametrize("zone", ["\ud800", "Europe/\udfffBerlin", "Europe/Berlin\x00"])
def test_a_time_zone_that_cannot_be_encoded_is_a_clean_400(patient_client, patient, zone):
    # The test client writes JSON with ensure_ascii: "\\ud800", as a phone's JSON.stringify would.
    response = patient_client.patch("/api/v1/me/", {"time_zone": zone}, content_type="application/json")
    assert response.status_code == 400
    assert "time_zone" in response.json()
    response.content.decode("utf-8")  # the message is valid UTF-8: nothing echoed that cannot be encoded
    assert Patient.objects.get(pk=patient.pk).time_zone == "Europe/Berlin"


@pytest.mark.parametrize("confirm", ["true", 1, "yes", "1", None])
def test_account_deletion_needs_the_json_boolean_true(patient_client, patient, confirm):
    response = patient_client.post(
        "/api/v1/me/delete/",
        {"password": DEFAULT_PASSWORD, "confirm": confirm},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "confirm" in response.json()
    assert Patient.objects.filter(pk=patient.pk).exists()


@pytest.mark.parametrize(
    "url", ["/api/v1/no-such-thing/", "/api/nothing", "/api/v1/diary/", "/api/v1/reminders/1/nope/"]
)
def test_an_unknown_url_under_the_api_is_a_json_404(patient_client, url):
    response = patient_client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_an_unknown_page_outside_the_api_stays_html(patient_client):
    response = patient_client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.allow_error_logs
def test_an_unhandled_error_in_the_api_is_a_json_500(patient, plan, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the selector broke")

    monkeypatch.setattr("checklists.api.views.today_for", broken)
    client = Client(raise_request_exception=False)
    client.force_login(patient.user)
    response = client.get("/api/v1/today/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"detail"}
    assert "the selector broke" not in response.content.decode()


def test_an_api_body_over_the_upload_limit_is_a_json_413(patient_client, patient, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"time_zone": "America/Sao_Paulo", "x": "' + "a" * 2000 + '"}'
    response = patient_client.patch("/api/v1/me/", body, content_type="application/json")
    assert response.status_code == 413
    assert "1000" in response.json()["detail"]
    assert Patient.objects.get(pk=patient.pk).time_zone == "Europe/Berlin"
