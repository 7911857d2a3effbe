"""The push path under hostile or broken subscriptions: endpoints refused at send time, one bad
subscription among good ones, retries that end, a push budget per task, and the Celery time limits."""

import logging
import subprocess
import sys
from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded

from checklists.models import PushSubscription
from checklists.models.reminders import Delivery
from checklists.reminders import push
from checklists.reminders.dispatch import reminders_sweep
from checklists.reminders.send import reminders_send_slot
from rlsapp.celery import time_limits_check
from tests.reminders.conftest import SLOT, Recorder, due_reminder, subscribe
from tests.reminders.fakepush import Subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def posted(monkeypatch):
    """Records the endpoint of every push that goes out (and still sends it)."""
    endpoints: list[str] = []
    real = push._post

    def spy(subscription, data, headers):
        endpoints.append(subscription.endpoint)
        if not subscription.endpoint.startswith("http://127.0.0.1:"):
            return 201, None  # never leave this machine
        return real(subscription, data, headers)

    monkeypatch.setattr(push, "_post", spy)
    return endpoints


def stored(patient, endpoint: str, *, p256dh: str | None = None, auth: str | None = None) -> PushSubscription:
    """A subscription as an older version of the app may have stored it, without today's checks."""
    browser = Subscriber.new(endpoint)
    return PushSubscription.objects.create(
        patient=patient, endpoint=endpoint, p256dh=p256dh or browser.p256dh, auth=auth or browser.auth
    )


def test_an_endpoint_refused_at_send_time_is_that_subscriptions_failure_and_never_contacted(
    patient, vapid, fake_push, fake_dns, posted
):
    phone = subscribe(patient, fake_push, "phone")
    rebound = stored(patient, "https://fcm.googleapis.com/fcm/send/rebound")
    # Valid when stored; since then the name has come to point inside our network.
    fake_dns.names["fcm.googleapis.com"] = ["10.0.0.5"]
    due_reminder(patient)
    reminders_sweep(now=SLOT, enqueue=Recorder())

    result = reminders_send_slot(patient_id=patient.pk, slot=SLOT, now=SLOT)

    assert (result.status, result.channel) == ("sent", "push")
    assert posted == [phone.endpoint]
    assert [r.subscriber for r in fake_push.received] == ["phone"]
    rebound.refresh_from_db()
    assert rebound.failure_count == 1
    assert "not a public one" in Delivery.objects.get().last_error


def test_an_exception_pushing_to_one_subscription_is_its_own_failure_and_the_others_still_get_it(
    patient, vapid, fake_push, settings
):
    # Stored before keys were checked: pywebpush raises on it. Tried first (the lower id).
    broken = stored(patient, fake_push.endpoint("broken"), p256dh="attackerkey", auth="au")
    subscribe(patient, fake_push, "phone")
    due_reminder(patient)
    reminders_sweep(now=SLOT, enqueue=Recorder())

    result = reminders_send_slot(patient_id=patient.pk, slot=SLOT, now=SLOT)

    assert (result.status, result.channel) == ("sent", "push")
    assert [r.subscriber for r in fake_push.received] == ["phone"]
    broken.refresh_from_db()
    assert broken.failure_count == 1
    delivery = Delivery.objects.get()
    assert delivery.status == "sent" and delivery.attempts == 1
    # Finished once: no later sweep sends the slot again.
    later = SLOT + timedelta(seconds=settings.REMINDER_SENDING_TIMEOUT_SECONDS + 1)
    assert reminders_sweep(now=later, enqueue=Recorder()).requeued == 0
    assert reminders_send_slot(patient_id=patient.pk, slot=SLOT, now=later).status == "none"
    assert len(fake_push.received) == 1


def test_a_patient_whose_only_subscription_raises_is_emailed(patient, vapid, fake_push, mailoutbox):
    stored(patient, fake_push.endpoint("broken"), p256dh="attackerkey", auth="au")
    due_reminder(patient)
    reminders_sweep(now=SLOT, enqueue=Recorder())

    result = reminders_send_slot(patient_id=patient.pk, slot=SLOT, now=SLOT)

    assert (result.status, result.channel) == ("sent", "email")
    assert len(mailoutbox) == 1
    assert Delivery.objects.get().status == "sent"


def test_a_slot_past_its_retries_goes_by_email_without_pushing_again(
    patient, vapid, fake_push, mailoutbox, settings
):
    subscribe(patient, fake_push, "phone")
    due_reminder(patient)
    reminders_sweep(now=SLOT, enqueue=Recorder())
    # Its workers died mid-push on every try so far (each claim counts one attempt).
    Delivery.objects.update(attempts=settings.REMINDER_PUSH_MAX_RETRIES + 1)

    result = reminders_send_slot(patient_id=patient.pk, slot=SLOT, now=SLOT)

    assert (result.status, result.channel) == ("sent", "email")
    assert fake_push.received == []
    assert len(mailoutbox) == 1


def test_retries_stop_at_the_maximum_then_email(patient, vapid, fake_push, mailoutbox, settings):
    settings.REMINDER_PUSH_MAX_RETRIES = 2
    subscribe(patient, fake_push, "phone")
    fake_push.statuses["phone"] = 503
    due_reminder(patient)
    reminders_sweep(now=SLOT, enqueue=Recorder())
    now, statuses = SLOT, []
    for _ in range(5):
        result = reminders_send_slot(patient_id=patient.pk, slot=SLOT, now=now)
        statuses.append(result.channel or result.status)
        if result.status != "retry":
            break
        retry_at = Delivery.objects.get().retry_at
        assert retry_at is not None
        now = retry_at + timedelta(seconds=1)
        reminders_sweep(now=now, enqueue=Recorder())
    assert statuses == ["retry", "retry", "email"]
    assert Delivery.objects.get().attempts == 3
    assert len(mailoutbox) == 1


def test_the_push_budget_leaves_the_subscriptions_beyond_it_for_the_retry(
    patient, vapid, fake_push, settings, monkeypatch, posted
):
    settings.REMINDER_PUSH_BUDGET_SECONDS = 10
    clock = [0.0]
    counting = push._post

    def six_seconds_each(subscription, data, headers):
        clock[0] += 6
        return counting(subscription, data, headers)

    monkeypatch.setattr(push, "_post", six_seconds_each)
    monkeypatch.setattr(push, "_clock", lambda: clock[0])
    old, older, laptop = (subscribe(patient, fake_push, name) for name in ("old", "older", "laptop"))
    fake_push.statuses["old"] = fake_push.statuses["older"] = 410
    due_reminder(patient)
    reminders_sweep(now=SLOT, enqueue=Recorder())

    result = reminders_send_slot(patient_id=patient.pk, slot=SLOT, now=SLOT)

    # Two pushes took 12 s: the third is not started, but left for the retry (not given up for email).
    assert posted == [old.endpoint, older.endpoint]
    assert result.status == "retry"
    delivery = Delivery.objects.get()
    assert "1 subscription not tried (push budget)" in delivery.last_error
    assert delivery.retry_at is not None
    later = delivery.retry_at + timedelta(seconds=1)
    reminders_sweep(now=later, enqueue=Recorder())
    assert reminders_send_slot(patient_id=patient.pk, slot=SLOT, now=later).channel == "push"
    assert [r.subscriber for r in fake_push.received] == ["laptop"]
    assert list(PushSubscription.objects.all()) == [laptop]


def test_a_patient_over_the_subscription_limit_is_pushed_to_up_to_the_limit(
    patient, vapid, fake_push, settings, posted
):
    settings.PUSH_SUBSCRIPTIONS_PER_PATIENT = 2
    for name in ("a", "b", "c"):
        subscribe(patient, fake_push, name)
    due_reminder(patient)
    reminders_sweep(now=SLOT, enqueue=Recorder())
    reminders_send_slot(patient_id=patient.pk, slot=SLOT, now=SLOT)
    assert len(posted) == 2


def test_a_soft_time_limit_leaves_the_slot_for_a_later_sweep(patient, vapid, fake_push, monkeypatch):
    subscribe(patient, fake_push, "phone")
    due_reminder(patient)
    reminders_sweep(now=SLOT, enqueue=Recorder())

    def out_of_time(*args):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(push, "_post", out_of_time)
    result = reminders_send_slot(patient_id=patient.pk, slot=SLOT, now=SLOT)

    assert result.status == "retry"
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.retry_at is not None
    monkeypatch.undo()
    later = delivery.retry_at + timedelta(seconds=1)
    recorder = Recorder()
    reminders_sweep(now=later, enqueue=recorder)
    assert recorder.calls == [(patient.pk, SLOT)]


@pytest.mark.parametrize(("pool", "warns"), [("prefork", False), ("threads", True), ("solo", True)])
def test_a_worker_whose_pool_ignores_the_time_limits_says_so(caplog, pool, warns):
    class Worker:
        pool_cls = pool

    with caplog.at_level(logging.WARNING, logger="rlsapp.celery"):
        time_limits_check(sender=Worker())
    assert any("CELERY_TASK_TIME_LIMIT" in r.getMessage() for r in caplog.records) is warns


def start(tmp_path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import django, os; django.setup()"],
        env={
            "PATH": "",
            "RLS_VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "rlsapp.settings",
            "SECRET_KEY": "production-like-" + "k" * 50,
            **env,
        },
        capture_output=True,
        text=True,
    )


def test_production_refuses_to_start_with_local_push_endpoints_allowed(tmp_path):
    assert start(tmp_path, DEBUG="0").returncode == 0
    refused = start(tmp_path, DEBUG="0", PUSH_ALLOW_LOCAL_ENDPOINTS="1")
    assert refused.returncode != 0
    assert "PUSH_ALLOW_LOCAL_ENDPOINTS" in refused.stderr
    assert start(tmp_path, DEBUG="1", PUSH_ALLOW_LOCAL_ENDPOINTS="1").returncode == 0
