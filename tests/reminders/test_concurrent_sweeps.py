"""Several sweeps at once on PostgreSQL: every slot is claimed once, every patient's slot queued once."""

import threading
from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections

from checklists.models import Patient
from checklists.models.reminders import Delivery, Reminder
from checklists.reminders.dispatch import reminders_sweep

SLOT = datetime(2027, 7, 7, 11, 30, tzinfo=UTC)
PATIENTS = 60
REMINDERS_PER_PATIENT = 7
SWEEPS = 4

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent sweeps need PostgreSQL (SKIP LOCKED); set DATABASE_URL=postgres://... (CI does)",
    ),
]


def make_due_reminders() -> list[Reminder]:
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"sweep{n}@example.com", email=f"sweep{n}@example.com")
        for n in range(PATIENTS)
    )
    patients = Patient.objects.bulk_create(Patient(user=user, time_zone="Europe/Berlin") for user in users)
    return Reminder.objects.bulk_create(
        Reminder(patient=patient, kind="medication", local_time=time(13, 30), next_fire_at=SLOT)
        for patient in patients
        for _ in range(REMINDERS_PER_PATIENT)
    )


def test_concurrent_sweeps_claim_each_slot_once_and_queue_each_patient_once():
    due = make_due_reminders()
    queued: list[tuple[int, datetime]] = []
    lock = threading.Lock()
    start = threading.Barrier(SWEEPS)
    errors: list[BaseException] = []

    def record(slots: list[tuple[int, datetime]]) -> None:
        with lock:
            queued.extend(slots)

    def sweep() -> None:
        try:
            start.wait()
            # Small batches, so the sweeps interleave many times.
            reminders_sweep(now=SLOT + timedelta(seconds=1), batch_size=3, enqueue=record)
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(SWEEPS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    per_reminder = Counter(Delivery.objects.filter(slot=SLOT).values_list("reminder_id", flat=True))
    assert set(per_reminder) == {r.pk for r in due}
    assert set(per_reminder.values()) == {1}
    assert Counter(queued) == {(patient_id, SLOT): 1 for patient_id in {r.patient_id for r in due}}
    # Every reminder moved on to the next day's slot.
    assert set(Reminder.objects.values_list("next_fire_at", flat=True)) == {SLOT + timedelta(days=1)}
