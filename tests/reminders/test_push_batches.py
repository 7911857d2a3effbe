"""Send tasks of many patients at once: set-based claims and writes, pushes over HTTP/2 on one
connection per push service, and the guarantees of the single-slot path kept for each patient."""

from datetime import timedelta
from ipaddress import ip_address

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from checklists.models import PushSubscription
from checklists.models.reminders import Delivery, Notification
from checklists.reminders import push, send
from checklists.reminders.dispatch import reminders_sweep
from checklists.reminders.send import reminders_send_slots
from checklists.tasks import reminders_send
from tests.factories import PatientFactory
from tests.reminders.conftest import SLOT, Recorder, due_reminder, subscribe
from tests.reminders.fakepush import FakePushService

pytestmark = pytest.mark.django_db


def patients_due(count: int, service: FakePushService, prefix: str = "p") -> list:
    """``count`` patients, each with one reminder due at SLOT and one browser on ``service``."""
    patients = []
    for n in range(count):
        patient = PatientFactory(user__email=f"{prefix}{n}@example.com")
        subscribe(patient, service, f"{prefix}{n}")
        due_reminder(patient)
        patients.append(patient)
    reminders_sweep(now=SLOT, enqueue=Recorder())
    return patients


def test_a_batch_pushes_over_http2_on_one_connection(vapid, fake_push_h2):
    patients = patients_due(5, fake_push_h2)

    results = reminders_send_slots(pairs=[(p.pk, SLOT) for p in patients], now=SLOT)

    assert [(r.status, r.channel) for r in results] == [("sent", "push")] * 5
    assert sorted(r.subscriber for r in fake_push_h2.received) == [f"p{n}" for n in range(5)]
    assert {r.protocol for r in fake_push_h2.received} == {"h2"}
    assert fake_push_h2.connections == 1
    assert set(Delivery.objects.values_list("status", "channel")) == {("sent", "push")}


def test_a_service_that_does_not_negotiate_h2_is_pushed_to_over_http1(vapid, vapid_keys, settings):
    settings.PUSH_ALLOW_LOCAL_ENDPOINTS = True
    service = FakePushService(vapid_public_key=vapid_keys[1], tls=True).start()
    settings.REMINDER_PUSH_CA_FILE = service.ca_file
    try:
        patients = patients_due(2, service)
        results = reminders_send_slots(pairs=[(p.pk, SLOT) for p in patients], now=SLOT)
    finally:
        service.stop()

    assert service.origin.startswith("https://")
    assert [r.channel for r in results] == ["push", "push"]
    assert [r.protocol for r in service.received] == ["HTTP/1.1", "HTTP/1.1"]


def test_each_slot_is_pushed_once_with_one_feed_entry_under_duplicates_and_retried_tasks(vapid, fake_push_h2):
    patients = patients_due(3, fake_push_h2)
    pairs = [(p.pk, SLOT) for p in patients]

    first = reminders_send_slots(pairs=pairs + pairs[:1], now=SLOT)
    again = reminders_send_slots(pairs=pairs, now=SLOT)  # the same task delivered twice

    assert [r.status for r in first] == ["sent", "sent", "sent", "sent"]
    assert [r.status for r in again] == ["none"] * 3
    assert len(fake_push_h2.received) == 3
    assert sorted(Notification.objects.values_list("patient_id", flat=True)) == sorted(p.pk for p in patients)


def test_a_crash_mid_push_leaves_the_batch_for_a_retry_with_one_feed_entry(vapid, fake_push_h2, monkeypatch):
    patients = patients_due(3, fake_push_h2)

    def worker_dies(**kwargs):
        raise SystemExit("killed mid-push")

    monkeypatch.setattr(send, "push_to_patients", worker_dies)
    with pytest.raises(SystemExit):
        reminders_send_slots(pairs=[(p.pk, SLOT) for p in patients], now=SLOT)
    monkeypatch.undo()
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sending"}
    assert not fake_push_h2.received

    later = SLOT + timedelta(minutes=10)
    recorder = Recorder()
    reminders_sweep(now=later, enqueue=recorder)
    assert sorted(recorder.calls) == sorted((p.pk, SLOT) for p in patients)
    results = reminders_send_slots(pairs=recorder.calls, now=later)

    assert [r.channel for r in results] == ["push"] * 3
    assert len(fake_push_h2.received) == 3
    assert Notification.objects.count() == 3


def test_in_a_batch_gone_subscriptions_are_pruned_busy_ones_retried_and_the_rest_sent(vapid, fake_push_h2):
    gone, busy, fine = patients_due(3, fake_push_h2)
    fake_push_h2.statuses["p0"], fake_push_h2.statuses["p1"] = 410, 429

    results = reminders_send_slots(pairs=[(p.pk, SLOT) for p in (gone, busy, fine)], now=SLOT)

    assert [(r.status, r.channel) for r in results] == [("sent", "email"), ("retry", ""), ("sent", "push")]
    assert not PushSubscription.objects.filter(patient=gone).exists()
    retry = Delivery.objects.get(patient=busy)
    assert retry.status == "pending" and retry.retry_at == SLOT + timedelta(seconds=120)  # Retry-After
    assert [r.subscriber for r in fake_push_h2.received] == ["p2"]


def test_a_hostile_endpoint_in_a_batch_fails_only_itself(vapid, fake_push_h2, fake_dns, mailoutbox):
    hostile, *others = patients_due(3, fake_push_h2)
    PushSubscription.objects.filter(patient=hostile).update(endpoint="https://fcm.googleapis.com/fcm/send/x")
    fake_dns.names["fcm.googleapis.com"] = ["10.0.0.5"]  # a name that now points inside our network

    results = reminders_send_slots(pairs=[(p.pk, SLOT) for p in (hostile, *others)], now=SLOT)

    assert [r.channel for r in results] == ["email", "push", "push"]
    assert [m.to for m in mailoutbox] == [[hostile.user.email]]
    assert "not a public one" in Delivery.objects.get(patient=hostile).last_error
    assert sorted(r.subscriber for r in fake_push_h2.received) == ["p1", "p2"]


def test_the_http2_connection_goes_only_to_an_address_checked_for_it(vapid, fake_push_h2, monkeypatch):
    (patient,) = patients_due(1, fake_push_h2)
    # The endpoint's check passed; by the time the connection looks the name up, it points inside.
    monkeypatch.setattr(push, "resolve", lambda host, port: [ip_address("10.0.0.5")])

    [result] = reminders_send_slots(pairs=[(patient.pk, SLOT)], now=SLOT)

    assert result.status == "retry"
    assert not fake_push_h2.received and fake_push_h2.connections == 0
    assert Delivery.objects.get().last_error == "ConnectionRefusedError"


def test_a_task_queued_in_the_old_one_slot_form_still_runs(vapid, fake_push_h2):
    (patient,) = patients_due(1, fake_push_h2)

    reminders_send(patient.pk, SLOT.isoformat())

    assert Delivery.objects.get().status == "sent"
    assert [r.subscriber for r in fake_push_h2.received] == ["p0"]


def batch_queries(count: int, service: FakePushService, prefix: str) -> int:
    patients = patients_due(count, service, prefix)
    with CaptureQueriesContext(connection) as queries:
        results = reminders_send_slots(pairs=[(p.pk, SLOT) for p in patients], now=SLOT)
    assert [r.channel for r in results] == ["push"] * count
    return len(queries)


def test_the_queries_of_a_batch_do_not_grow_with_its_size(vapid, fake_push_h2):
    assert batch_queries(2, fake_push_h2, "a") == batch_queries(8, fake_push_h2, "b")
