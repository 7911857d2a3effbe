"""Celery tasks: thin wrappers that load ids and call a service."""

from datetime import datetime

from celery import shared_task

from checklists import reminders


@shared_task(name="checklists.tasks.reminders_sweep", ignore_result=True)
def reminders_sweep() -> None:
    """Run one reminder sweep (the beat entry 'reminders-sweep' sends this every minute)."""
    reminders.reminders_sweep()


@shared_task(
    name="checklists.tasks.reminders_send", ignore_result=True, acks_late=True, reject_on_worker_lost=True
)
def reminders_send(patient_id: int, slot: str) -> None:
    """Deliver one patient's reminders for one slot (an ISO 8601 UTC instant)."""
    reminders.reminders_send_slot(patient_id=patient_id, slot=datetime.fromisoformat(slot))
