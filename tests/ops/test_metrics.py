"""/metrics: refused without the token, and the named metrics after a sync, a sweep and a send."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from checklists.models import Reminder
from checklists.models.reminders import ReminderKind
from checklists.reminders.services import reminder_create
from checklists.tasks import reminders_sweep
from rlsapp.celery import app as celery_app
from tests.api.conftest import checkoff_op, diary_op, make_plan, post_sync, signed_in
from tests.reminders.conftest import fake_push, subscribe, vapid, vapid_keys  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db
TOKEN = "scrape-token-for-tests-0123456789"


@pytest.fixture
def metrics_token(settings) -> str:
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(token: str = TOKEN) -> str:
    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return response.text


def test_metrics_does_not_exist_without_a_token(settings):
    settings.METRICS_TOKEN = ""
    assert Client().get("/metrics").status_code == 404
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_metrics_refuses_a_missing_or_wrong_token(metrics_token, patient, clinician):
    assert Client().get("/metrics").status_code == 401
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert Client().get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 401
    # Signed in as anyone is no token either.
    for user in (patient.user, clinician):
        assert signed_in(user).get("/metrics").status_code == 401


def test_metrics_lists_the_named_metrics_after_a_sync_a_sweep_and_a_send(
    metrics_token,
    patient,
    vapid,  # noqa: F811
    fake_push,  # noqa: F811
):
    phone = signed_in(patient.user)
    plan = make_plan(patient, items=2)
    today = patient.local_today()
    item = plan.items.first()
    first = checkoff_op(item, today)
    ops = [first, diary_op(today, severity=4), {**first}]  # the copy is a duplicate
    ops.append(checkoff_op(item, today + timedelta(days=30)))  # not due yet: rejected
    assert post_sync(phone, ops).status_code == 200
    reminder_create(patient=patient, kind=ReminderKind.DIARY, local_time=timezone.now().time())
    Reminder.objects.filter(patient=patient).update(next_fire_at=timezone.now() - timedelta(minutes=2))

    subscribe(patient, fake_push, "phone")
    subscribe(patient, fake_push, "old-phone")
    fake_push.statuses["old-phone"] = 410  # unsubscribed since: the push service says gone

    eager_before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True  # the send tasks the sweep queues run at once
    try:
        reminders_sweep.apply()
    finally:
        celery_app.conf.task_always_eager = eager_before

    text = scrape()
    for name in (
        "rlscare_http_request_duration_seconds_bucket",
        "rlscare_reminder_lateness_seconds_bucket",
        "rlscare_reminder_deliveries_total",
        "rlscare_reminder_sweep_duration_seconds_count",
        "rlscare_reminder_deliveries_queued",
        "rlscare_sync_ops_total",
        "rlscare_push_failures_total",
        "rlscare_reminder_last_sweep_timestamp_seconds",
    ):
        assert name in text, name
    assert 'rlscare_sync_ops_total{outcome="applied"}' in text
    assert 'rlscare_sync_ops_total{outcome="duplicate"}' in text
    assert 'rlscare_sync_ops_total{outcome="rejected"}' in text
    assert 'rlscare_reminder_deliveries_total{channel="push",outcome="sent"} 1.0' in text
    assert 'rlscare_push_failures_total{status="410"} 1.0' in text
    assert "rlscare_reminder_lateness_seconds_count" in text
    # Routes by name, never the raw path with its ids or dates.
    assert 'route="api:sync"' in text
    assert today.isoformat() not in text
    assert "/api/v1/" not in text


def test_request_latency_is_labelled_by_route_name_not_path(metrics_token, patient):
    phone = signed_in(patient.user)
    day = patient.local_today().isoformat()
    phone.get(f"/api/v1/diary/{day}/")
    Client().get("/no-such-page/12345/")
    text = scrape()
    assert 'route="api:diary"' in text
    assert 'route="<unmatched>"' in text
    assert day not in text and "12345" not in text
