"""GET /api/v1/days/: per-day totals for adherence charts, at most 92 days per call."""

from datetime import timedelta

from checklists.models import AssignmentItem, CheckOff, DiaryEntry
from checklists.plan.rules import weekdays_to_mask
from checklists.plan.services import assignment_item_add, assignment_item_retire
from tests.api.conftest import make_plan


def test_it_counts_due_and_done_items_per_day(patient_client, patient):
    today = patient.local_today()
    daily = make_plan(patient, items=2, days_back=5)
    mondays = make_plan(patient, items=3, days_back=14, weekdays=weekdays_to_mask([0]))
    first = daily.items.order_by("position").first()
    for d in (0, 1):
        CheckOff.objects.create(item=first, patient=patient, date=today - timedelta(days=d), done=True)
    CheckOff.objects.create(item=daily.items.last(), patient=patient, date=today, done=False)
    DiaryEntry.objects.create(patient=patient, date=today - timedelta(days=1), severity=6)
    first_day = today - timedelta(days=9)
    body = patient_client.get(f"/api/v1/days/?from={first_day}&to={today}").json()
    assert body["from"] == first_day.isoformat() and body["to"] == today.isoformat()
    by_date = {d["date"]: d for d in body["days"]}
    assert len(by_date) == 10
    for offset in range(10):
        day = today - timedelta(days=offset)
        expected_due = (2 if offset <= 5 else 0) + (3 if day.weekday() == 0 else 0)
        expected_done = 1 if offset in (0, 1) else 0
        row = by_date[day.isoformat()]
        assert (row["due"], row["done"]) == (expected_due, expected_done), day
    assert by_date[(today - timedelta(days=1)).isoformat()]["severity"] == 6
    assert by_date[today.isoformat()]["severity"] is None
    assert body["due"] == sum(d["due"] for d in body["days"])
    assert body["done"] == 2
    assert mondays.pk


def test_retired_items_count_only_before_their_retirement(patient_client, patient, plan):
    today = patient.local_today()
    assignment_item_retire(item=plan.items.first())
    body = patient_client.get(f"/api/v1/days/?from={today - timedelta(days=1)}&to={today}").json()
    assert [d["due"] for d in body["days"]] == [3, 2]


def test_default_range_is_the_last_30_days(patient_client, patient):
    body = patient_client.get("/api/v1/days/").json()
    assert len(body["days"]) == 30
    assert body["to"] == patient.local_today().isoformat()


def test_92_days_is_the_most_per_call(patient_client, patient):
    today = patient.local_today()
    assert (
        patient_client.get(f"/api/v1/days/?from={today - timedelta(days=91)}&to={today}").status_code == 200
    )
    response = patient_client.get(f"/api/v1/days/?from={today - timedelta(days=92)}&to={today}")
    assert response.status_code == 400
    assert response.json() == {"to": ["At most 92 days per request."]}


def test_from_after_to_is_a_400(patient_client):
    response = patient_client.get("/api/v1/days/?from=2026-02-02&to=2026-02-01")
    assert response.status_code == 400
    assert "from" in response.json()


def test_an_added_item_counts_from_the_day_it_was_added(patient_client, patient, plan):
    today = patient.local_today()
    assignment_item_add(assignment=plan, item=AssignmentItem(text="New item", position=9))
    body = patient_client.get(f"/api/v1/days/?from={today - timedelta(days=1)}&to={today}").json()
    assert [d["due"] for d in body["days"]] == [3, 4]


def test_it_sends_sleep_quality_and_whether_each_day_is_complete(patient_client, patient):
    today = patient.local_today()
    plan = make_plan(patient, items=1, days_back=5)
    CheckOff.objects.create(item=plan.items.get(), patient=patient, date=today - timedelta(days=1), done=True)
    DiaryEntry.objects.create(patient=patient, date=today - timedelta(days=1), severity=4, sleep_quality=7)
    body = patient_client.get(f"/api/v1/days/?from={today - timedelta(days=2)}&to={today}").json()
    rows = [(d["complete"], d["severity"], d["sleep_quality"]) for d in body["days"]]
    assert rows == [(False, None, None), (True, 4, 7), (False, None, None)]


def test_a_weekly_item_is_counted_per_week_not_per_day(patient_client, patient):
    today = patient.local_today()
    plan = make_plan(patient, items=1, days_back=40)
    item = plan.items.get()
    item.weekly_target = 3
    item.save()
    last_sunday = today - timedelta(days=today.weekday() + 1)
    monday = last_sunday - timedelta(days=6)
    for n in (0, 2, 4):
        CheckOff.objects.create(item=item, patient=patient, date=monday + timedelta(days=n), done=True)
    body = patient_client.get(f"/api/v1/days/?from={monday}&to={last_sunday}").json()
    assert all((d["due"], d["done"], d["complete"]) == (0, 0, True) for d in body["days"])
    [weekly] = body["weekly"]
    assert (weekly["id"], weekly["target"], weekly["checklist"]) == (item.pk, 3, plan.pk)
    assert weekly["weeks"] == [
        {"from": monday.isoformat(), "to": last_sunday.isoformat(), "target": 3, "done": 3}
    ]
    week = next(w for w in body["adherence"] if w["days"] == 7)
    assert (week["done"], week["due"]) == (3, 3)  # the week with 3 sessions is complete
    assert [c["id"] for c in body["checklists"]] == [plan.pk]
    # Today lists it (it may be done any day) but leaves it out of the day's count.
    day = patient_client.get("/api/v1/today/").json()
    assert [i["weekly_target"] for c in day["checklists"] for i in c["items"]] == [3]
    assert (day["due"], day["done"]) == (0, 0)


def test_patterns_come_with_days_only_above_the_minimum_and_only_ones_own(
    patient_client, other_client, patient
):
    today = patient.local_today()
    plan = make_plan(patient, items=1, days_back=60)
    plan.category = "trigger_avoidance"
    plan.save()
    item = plan.items.get()
    for n in range(1, 21):
        day = today - timedelta(days=n)
        DiaryEntry.objects.create(patient=patient, date=day, severity=2 if n % 2 else 5)
        if n % 2:
            CheckOff.objects.create(item=item, patient=patient, date=day, done=True)
    [found] = patient_client.get("/api/v1/days/").json()["patterns"]
    assert (found["id"], found["kept"], found["not_kept"]) == (
        item.pk,
        {"nights": 10, "average": 2.0},
        {"nights": 10, "average": 5.0},
    )
    assert other_client.get("/api/v1/days/").json()["patterns"] == []
    DiaryEntry.objects.filter(patient=patient, date=today - timedelta(days=2)).delete()
    assert patient_client.get("/api/v1/days/").json()["patterns"] == []  # 9 nights not kept: none
