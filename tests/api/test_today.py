"""GET /api/v1/today/: the checklists due on a day, in the patient's own zone."""

from datetime import UTC, datetime, timedelta
from unittest import mock

from checklists.diary.services import diary_entry_put
from checklists.models import AssignmentItem, CheckOff
from checklists.plan.rules import EVERY_DAY
from checklists.plan.services import assignment_item_add, assignment_item_retire
from tests.api.conftest import make_plan


def test_it_lists_due_checklists_with_items_and_done_state(patient_client, patient, plan):
    first, second, third = plan.items.order_by("position")
    today = patient.local_today()
    CheckOff.objects.create(item=second, patient=patient, date=today, done=True)
    CheckOff.objects.create(item=third, patient=patient, date=today, done=False)
    CheckOff.objects.create(item=first, patient=patient, date=today - timedelta(days=1), done=True)
    body = patient_client.get("/api/v1/today/").json()
    assert body["date"] == today.isoformat()
    assert (body["due"], body["done"]) == (3, 1)
    [checklist] = body["checklists"]
    assert (checklist["id"], checklist["name"], checklist["due"], checklist["done"]) == (
        plan.pk,
        plan.name,
        3,
        1,
    )
    assert [(i["id"], i["text"], i["done"]) for i in checklist["items"]] == [
        (first.pk, first.text, False),
        (second.pk, second.text, True),
        (third.pk, third.text, False),
    ]
    assert checklist["items"][0]["source"] == "Test source"


def test_today_is_the_patients_local_date(patient_client, patient, plan):
    patient.time_zone = "Pacific/Kiritimati"  # UTC+14
    patient.save()
    late_utc = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=late_utc):
        body = patient_client.get("/api/v1/today/").json()
    assert body["date"] == "2026-03-11"


def test_a_date_can_be_asked_for(patient_client, patient, plan):
    day = patient.local_today() - timedelta(days=3)
    assert patient_client.get(f"/api/v1/today/?date={day}").json()["date"] == day.isoformat()


def test_a_bad_date_is_a_400(patient_client, plan):
    response = patient_client.get("/api/v1/today/?date=yesterday")
    assert response.status_code == 400
    assert "date" in response.json()


def test_it_leaves_out_inactive_out_of_window_off_weekday_and_retired(patient_client, patient, plan):
    today = patient.local_today()
    inactive = make_plan(patient, items=1)
    inactive.active = False
    inactive.save()
    ended = make_plan(patient, items=1, days_back=10)
    ended.end_date = today - timedelta(days=1)
    ended.save()
    make_plan(patient, items=1, days_back=-1)  # starts tomorrow
    not_today = make_plan(patient, items=1, weekdays=EVERY_DAY & ~(1 << today.weekday()))
    retired = plan.items.order_by("position").last()
    assignment_item_retire(item=retired)
    body = patient_client.get("/api/v1/today/").json()
    assert [c["id"] for c in body["checklists"]] == [plan.pk]
    assert retired.pk not in [i["id"] for i in body["checklists"][0]["items"]]
    # Before its retirement the item was due.
    yesterday = patient_client.get(f"/api/v1/today/?date={today - timedelta(days=1)}").json()
    assert retired.pk in [i["id"] for c in yesterday["checklists"] for i in c["items"]]
    assert {c["id"] for c in yesterday["checklists"]} == {plan.pk, ended.pk, not_today.pk}


def test_it_returns_the_sync_cursor_of_the_read(patient_client, patient, plan):
    diary_entry_put(patient=patient, day=patient.local_today(), severity=3)
    assert patient_client.get("/api/v1/today/").json()["cursor"] == 1


def test_an_item_added_to_a_running_plan_is_due_from_its_first_day(patient_client, patient, plan):
    today = patient.local_today()
    added = assignment_item_add(assignment=plan, item=AssignmentItem(text="New item", position=9))
    assert added.due_from == today
    ids = [i["id"] for c in patient_client.get("/api/v1/today/").json()["checklists"] for i in c["items"]]
    assert added.pk in ids
    before = patient_client.get(f"/api/v1/today/?date={today - timedelta(days=1)}").json()
    assert added.pk not in [i["id"] for c in before["checklists"] for i in c["items"]]
