"""Celery tasks: thin wrappers that load ids and call a service (services never import tasks)."""

import time
from datetime import datetime
from importlib import import_module
from typing import Any

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from checklists.accounts.password_reset import password_reset_email_send
from checklists.careplan import augmentation_services
from checklists.ops import marks, metrics
from checklists.reminders import dispatch
from checklists.reminders.send import reminders_send_slots


@shared_task(name="checklists.tasks.reminders_sweep", ignore_result=True)
def reminders_sweep() -> None:
    """Run one reminder sweep (the beat entry 'reminders-sweep' sends this every minute); mark it
    finished for /readyz and ``liveness beat``, and time it."""
    started = time.perf_counter()
    sweep_and_enqueue()
    metrics.sweep_record(seconds=time.perf_counter() - started)
    marks.sweep_mark(at=timezone.now())


@shared_task(
    name="checklists.tasks.reminders_send", ignore_result=True, acks_late=True, reject_on_worker_lost=True
)
def reminders_send(patient_id: int, slot: str) -> None:
    """Deliver one patient's reminders for one slot (an ISO 8601 UTC instant). The form sweeps queued
    before send tasks carried batches: such a task still runs after an upgrade."""
    reminders_send_batch([[patient_id, slot]])


@shared_task(
    name="checklists.tasks.reminders_send_batch",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
)
def reminders_send_batch(pairs: list[list[Any]]) -> None:
    """Deliver the reminders of up to REMINDER_SEND_BATCH [patient id, slot (ISO 8601 UTC)] pairs."""
    slots = [(int(patient_id), datetime.fromisoformat(slot)) for patient_id, slot in pairs]
    results = reminders_send_slots(pairs=slots)
    at = timezone.now()
    for (_, slot), result in zip(slots, results, strict=True):
        metrics.delivery_record(channel=result.channel, outcome=result.status, slot=slot, at=at)


@shared_task(name="checklists.tasks.sessions_clear_expired", ignore_result=True)
def sessions_clear_expired() -> None:
    """Delete expired sessions (the beat entry 'sessions-clear-expired', daily), as Django's
    ``clearsessions`` command does."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()


@shared_task(name="checklists.tasks.augmentation_screen_all", ignore_result=True)
def augmentation_screen_all() -> None:
    """Screen every patient on a dopaminergic drug for augmentation (the beat entry
    'augmentation-screen', daily) and store the findings."""
    augmentation_services.augmentation_screen_all()


@shared_task(name="checklists.tasks.password_reset_email", ignore_result=True)
def password_reset_email(email: str) -> None:
    """Send the "Forgot your password?" link (if the email has an account), after the page answered:
    the page then does the same work whether or not it has one."""
    password_reset_email_send(email=email)


def broker_enqueue(producer: Any) -> dispatch.Enqueue:
    """Return an enqueue function that publishes send tasks through one broker producer, each with up
    to REMINDER_SEND_BATCH (patient, slot) pairs."""

    def enqueue(slots: list[tuple[int, datetime]]) -> None:
        size = settings.REMINDER_SEND_BATCH
        with producer.batch():  # transports without batches publish each message at once
            for start in range(0, len(slots), size):
                pairs = [[patient_id, slot.isoformat()] for patient_id, slot in slots[start : start + size]]
                # retry=False: with the broker down, fail now and let a later sweep queue the slots again.
                reminders_send_batch.apply_async((pairs,), retry=False, producer=producer)

    return enqueue


def sweep_and_enqueue(*, now: datetime | None = None, batch_size: int | None = None) -> dispatch.SweepResult:
    """Run one sweep whose send tasks go to the Celery broker; returns what it did."""
    with reminders_send.app.producer_or_acquire() as producer:
        return dispatch.reminders_sweep(enqueue=broker_enqueue(producer), now=now, batch_size=batch_size)
