"""today, days and sync cost the same number of queries however many items, days or ops there are."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from checklists.models import CheckOff, DiaryEntry
from tests.api.conftest import SESSION_QUERIES, checkoff_op, diary_op, make_plan, post_sync

# The session, the user with the patient (one join), then the endpoint's own reads.
TODAY_QUERIES = SESSION_QUERIES + 2
# days_for's three reads, and patterns_for's three (trigger-avoidance items, diary, check-offs).
DAYS_QUERIES = SESSION_QUERIES + 4 + 3


def count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def add_history(patient, plans, days: int) -> None:
    today = patient.local_today()
    CheckOff.objects.bulk_create(
        (
            CheckOff(item=item, patient=patient, date=today - timedelta(days=d), done=d % 3 != 0)
            for plan in plans
            for item in plan.items.all()
            for d in range(days)
        ),
        ignore_conflicts=True,
    )
    DiaryEntry.objects.bulk_create(
        (DiaryEntry(patient=patient, date=today - timedelta(days=d), severity=d % 10) for d in range(days)),
        ignore_conflicts=True,
    )


def test_today_is_constant_as_items_and_history_grow(patient_client, patient, django_assert_num_queries):
    make_plan(patient, items=2)
    small = count_queries(lambda: patient_client.get("/api/v1/today/"))
    plans = [make_plan(patient, items=10, days_back=90) for _ in range(3)]
    add_history(patient, plans, 90)
    with django_assert_num_queries(TODAY_QUERIES):
        body = patient_client.get("/api/v1/today/").json()
    assert small == TODAY_QUERIES
    assert body["due"] == 32


def test_days_is_constant_as_items_and_range_grow(patient_client, patient, django_assert_num_queries):
    make_plan(patient, items=2)
    small = count_queries(lambda: patient_client.get("/api/v1/days/?from=2026-01-01&to=2026-01-02"))
    plans = [make_plan(patient, items=10, days_back=90) for _ in range(3)]
    add_history(patient, plans, 90)
    today = patient.local_today()
    with django_assert_num_queries(DAYS_QUERIES):
        body = patient_client.get(f"/api/v1/days/?from={today - timedelta(days=91)}&to={today}").json()
    assert small == DAYS_QUERIES
    assert len(body["days"]) == 92


def test_sync_is_constant_as_the_batch_and_history_grow(patient_client, patient):
    today = patient.local_today()
    plan = make_plan(patient, items=2)
    small_ops = [checkoff_op(plan.items.first(), today), diary_op(today)]
    small = count_queries(lambda: post_sync(patient_client, small_ops))

    plans = [make_plan(patient, items=10, days_back=90) for _ in range(3)]
    add_history(patient, plans, 40)
    items = [item for p in plans for item in p.items.all()]
    # 30 items x 30 days of check-offs (half of them overwriting history) plus 30 diary days.
    big_ops = [
        checkoff_op(item, today - timedelta(days=d), done=d % 2 == 0, at=d)
        for item in items
        for d in range(30)
    ] + [diary_op(today - timedelta(days=d), severity=d % 10, at=d) for d in range(30)]
    big = count_queries(lambda: post_sync(patient_client, big_ops, since=0))
    assert big == small
    assert CheckOff.objects.filter(patient=patient, op_id__isnull=False).count() == 901
    # A batch of nothing but duplicates is no dearer either.
    assert count_queries(lambda: post_sync(patient_client, big_ops, since=10**6)) <= small
