"""End to end: the real ``dispatch_reminders`` command and a real Celery worker on Redis, sending to a
local fake push service that verifies VAPID and decrypts every message; crashes and broker outages.

These need a database a worker process can share, so they run on PostgreSQL + Redis (CI's second
configuration: DATABASE_URL=postgres://..., CELERY_BROKER_URL=redis://...). Each test starts its own
redis-server on a free port, so stopping the broker disturbs no one.
"""

import os
import shutil
from collections import Counter
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from checklists.models import IntakeRecord, Medication, Patient, PushSubscription
from checklists.models.reminders import Delivery, Notification, Reminder
from checklists.reminders.services import medication_reminders_sync, reminder_create, reminder_update
from tests.factories import PatientFactory
from tests.reminders.conftest import subscribe
from tests.reminders.fakepush import FakePushService
from tests.reminders.processes import (
    Dispatcher,
    PrivateRedis,
    Worker,
    database_url,
    dispatch_once,
    wait_for,
)

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis"),
        reason="needs a database a Celery worker process can share: runs with DATABASE_URL=postgres://... "
        "and CELERY_BROKER_URL=redis://... (CI's second configuration); the embedded in-memory SQLite "
        "test database is invisible to another process",
    ),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed"),
]

SENDING_TIMEOUT = 2
REQUEUE_AFTER = 3
# Pairs per send task: several tasks for the kill -9 test's 24 patients.
SEND_BATCH = 4
HEALTH_WORDS = ["caffeine", "alcohol", "pregabalin", "iron", "ferritin", "diary", "medication", "@"]


@pytest.fixture
def redis_server():
    server = PrivateRedis().start()
    yield server
    server.stop()


@pytest.fixture
def push_service(vapid_keys):
    """The fake push service over HTTP/2 (TLS, ALPN h2), as the browsers' push services speak."""
    service = FakePushService(vapid_public_key=vapid_keys[1], http2=True).start()
    yield service
    service.stop()


@pytest.fixture
def env(redis_server, vapid_keys, tmp_path, settings, push_service):
    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = vapid_keys
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "rlsapp.settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_server.url,
        "VAPID_PRIVATE_KEY": vapid_keys[0],
        "VAPID_PUBLIC_KEY": vapid_keys[1],
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "RLS_VAR_DIR": str(tmp_path / "var"),
        "REMINDER_SENDING_TIMEOUT_SECONDS": str(SENDING_TIMEOUT),
        "REMINDER_REQUEUE_AFTER_SECONDS": str(REQUEUE_AFTER),
        "LOG_LEVEL": "WARNING",
        "PUSH_ALLOW_LOCAL_ENDPOINTS": "1",  # the fake push service on https://127.0.0.1
        "REMINDER_PUSH_CA_FILE": push_service.ca_file,  # its own certificate
        "REMINDER_SEND_BATCH": str(SEND_BATCH),
    }


@pytest.fixture
def workers(env, tmp_path):
    started: list[Worker] = []

    def start(name: str = "w1") -> Worker:
        worker = Worker(env, name=name, log=tmp_path / f"{name}.log").start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def due_patients(
    count: int, push_service: FakePushService | None, *, per_patient: int = 1, prefix: str = "e2e"
) -> list[Patient]:
    """``count`` patients, each with a subscription (if a push service is given) and due reminders."""
    patients = []
    for n in range(count):
        patient = PatientFactory.create(user__email=f"{prefix}{n}@example.com", time_zone="Asia/Kolkata")
        if push_service:
            subscribe(patient, push_service, f"phone{n}")
        for _ in range(per_patient):
            reminder_create(patient=patient, kind="medication", local_time=timezone.now().time())
        patients.append(patient)
    Reminder.objects.update(next_fire_at=timezone.now() - timedelta(seconds=1))
    return patients


def all_sent() -> bool:
    return not Delivery.objects.exclude(status="sent").exists() and Delivery.objects.exists()


def test_worker_delivers_by_push_and_email_and_prunes_gone_subscriptions(
    env, workers, push_service, tmp_path
):
    pushed = due_patients(3, push_service, per_patient=2)
    gone = due_patients(1, None, prefix="gone")[0]  # reminders made after the first batch: also due now
    gone.user.email = "gone@example.com"
    gone.user.save()
    subscribe(gone, push_service, "gone-phone")
    push_service.statuses["gone-phone"] = 410
    Reminder.objects.update(next_fire_at=timezone.now() - timedelta(seconds=1))
    workers()

    out = dispatch_once(env)

    assert "claimed 7 reminders, queued 4 sends" in out
    wait_for(all_sent, timeout=60, message="every delivery to be sent")
    assert push_service.rejected == []  # VAPID signature, TTL, aes128gcm all checked
    received = {r.subscriber: r for r in push_service.received}
    assert set(received) == {"phone0", "phone1", "phone2"}
    for patient, name in zip(pushed, ["phone0", "phone1", "phone2"], strict=True):
        payload = received[name].payload
        assert payload["body"] == "You have 2 care tasks due"
        assert sorted(payload["reminder_ids"]) == sorted(patient.reminders.values_list("id", flat=True))
        assert payload["tag"].startswith("rls-") and payload["url"] == "/#today"
        assert not any(word in str(payload).lower() for word in HEALTH_WORDS)
        assert received[name].ttl == settings.REMINDER_PUSH_TTL_SECONDS
    # The 410 pruned the subscription and the reminder went by email instead.
    assert not PushSubscription.objects.filter(patient=gone).exists()
    assert Delivery.objects.get(patient=gone).channel == "email"
    mails = "".join(path.read_text() for path in (tmp_path / "mail").iterdir())
    assert "To: gone@example.com" in mails and "You have 1 care task due" in mails
    assert Notification.objects.count() == 4


def test_a_worker_keeps_its_database_connection_from_task_to_task(env, workers, push_service):
    due_patients(3, push_service)
    workers()
    dispatch_once(env)
    wait_for(all_sent, timeout=60, message="every delivery to be sent")

    first_sent = min(at for at in Delivery.objects.values_list("sent_at", flat=True) if at is not None)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT backend_start FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        others = [started for (started,) in cursor.fetchall()]
    # Still open after the last task, and opened before the first send: no task reconnected.
    assert len(others) == 1
    assert others[0] < first_sent


def test_kill_9_mid_batch_then_restart_delivers_every_slot_once(env, workers, push_service):
    patients = due_patients(24, push_service)
    push_service.delay = 0.15  # slow enough to kill the worker in the middle of the batch
    worker = workers("first")
    dispatch_once(env)
    wait_for(lambda: len(push_service.received) >= 6, timeout=60, message="the batch to be under way")

    worker.kill9()
    stuck = Delivery.objects.exclude(status="sent").count()
    assert stuck > 0, "the worker finished before it was killed; the test proves nothing"
    push_service.delay = 0.0
    workers("second")
    # A later sweep retries what the dead worker held ("sending") or had prefetched (queued, pending).
    dispatcher = Dispatcher(env).start()
    try:
        wait_for(all_sent, timeout=60, message="recovery")
    finally:
        dispatcher.stop()

    assert Delivery.objects.filter(status="sent").count() == len(patients)
    tags = Counter((r.subscriber, r.payload["tag"]) for r in push_service.received)
    assert {name for name, _tag in tags} == {f"phone{n}" for n in range(len(patients))}
    # At most the pushes of the one send task in flight at the kill can arrive twice, with the same tag
    # (the phone shows each once): the worker died between the push service accepting them and
    # recording that, which a send task does once for its whole batch.
    assert sum(count - 1 for count in tags.values()) <= SEND_BATCH
    assert {r.protocol for r in push_service.received} == {"h2"}
    assert push_service.rejected == []


def test_broker_down_then_back_loses_nothing(env, workers, push_service, redis_server):
    patients = due_patients(5, push_service)
    redis_server.stop()

    out = dispatch_once(env)

    assert "broker unavailable" in out
    assert Delivery.objects.filter(status="pending", queued_at__isnull=True).count() == len(patients)
    # Advanced, not lost.
    assert all(r.next_fire_at and r.next_fire_at > timezone.now() for r in Reminder.objects.all())
    redis_server.start()
    workers()
    out = dispatch_once(env)
    assert f"requeued {len(patients)}" in out
    wait_for(all_sent, timeout=60, message="the waiting deliveries to go out")
    assert Counter(r.subscriber for r in push_service.received) == {f"phone{n}": 1 for n in range(5)}


def noon_zone() -> str:
    """A fixed-offset zone where it is about noon now: a repeat 10 minutes on stays on the same day."""
    hours = (12 - timezone.now().hour + 12) % 24 - 12  # UTC offset in -12..11
    return f"Etc/GMT{-hours:+d}" if hours else "Etc/GMT"  # POSIX signs: Etc/GMT-2 is UTC+2


def dose_patient(push_service: FakePushService) -> tuple[Patient, Medication, Reminder]:
    patient = PatientFactory.create(user__email="dose@example.com", time_zone=noon_zone())
    subscribe(patient, push_service, "phone")
    # A dose time a minute ago: due_now() puts the slot at now minus 1 s, which must not fall before the
    # dose time (in a minute's first second it did, and the dose read as yesterday's).
    a_minute_ago = timezone.now() - timedelta(minutes=1)
    now_local = a_minute_ago.astimezone(patient.zone).time().replace(second=0, microsecond=0)
    medication = Medication.objects.create(
        patient=patient, name="Pramipexole", dose_times=now_local.strftime("%H:%M"), start_date=None
    )
    [reminder] = medication_reminders_sync(medication=medication)
    return patient, medication, reminder


def due_now(reminder: Reminder) -> None:
    """Bring the reminder's next slot (regular or repeat, its round kept) to just before now."""
    Reminder.objects.filter(pk=reminder.pk).update(next_fire_at=timezone.now() - timedelta(seconds=1))


def test_a_dose_reminder_reaches_the_phone_with_ids_only_then_repeats_until_taken(env, workers, push_service):
    patient, medication, reminder = dose_patient(push_service)
    reminder_update(reminder=reminder, repeat_every_minutes=10, repeat_max_times=3)
    due_now(reminder)
    workers()

    dispatch_once(env)
    wait_for(lambda: len(push_service.received) == 1, timeout=60, message="the dose reminder")
    [first] = push_service.received
    today = timezone.now().astimezone(patient.zone).date().isoformat()
    slot = reminder.dose_time.strftime("%H:%M") if reminder.dose_time else ""
    assert first.payload["doses"] == [{"medication": medication.pk, "date": today, "slot": slot}]
    assert first.payload["body"] == "You have 1 care task due" and first.payload["repeat"] is False
    assert "pramipexole" not in str(first.payload).lower()
    # The repeat is scheduled ten minutes after the slot.
    wait_for(all_sent, timeout=60, message="the first slot to be recorded")
    assert Reminder.objects.get(pk=reminder.pk).repeat_round == 1

    due_now(reminder)
    dispatch_once(env)
    wait_for(lambda: len(push_service.received) == 2, timeout=60, message="the repeat")
    assert push_service.received[1].payload["repeat"] is True
    wait_for(all_sent, timeout=60, message="the repeat to be recorded")
    assert Notification.objects.filter(patient=patient).count() == 1  # a repeat adds no feed entry

    # "Taken" recorded (as the service worker's intake op does through the sync): the repeats stop.
    IntakeRecord.objects.create(
        medication=medication,
        patient=patient,
        date=date.fromisoformat(today),
        slot=reminder.dose_time,
        status="taken",
    )
    due_now(reminder)
    dispatch_once(env)
    wait_for(
        lambda: Delivery.objects.filter(reminder=reminder, status="skipped").exists(),
        timeout=60,
        message="the next repeat to be skipped",
    )
    after = Reminder.objects.get(pk=reminder.pk)
    assert after.repeat_round == 0
    assert after.next_fire_at is not None and after.next_fire_at > timezone.now() + timedelta(hours=20)
    assert len(push_service.received) == 2
    assert push_service.rejected == []
