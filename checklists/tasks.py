"""Celery tasks: thin wrappers that load ids and call a service."""

from datetime import datetime
from importlib import import_module

from celery import shared_task
from django.conf import settings

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


@shared_task(name="checklists.tasks.sessions_clear_expired", ignore_result=True)
def sessions_clear_expired() -> None:
    """Delete expired sessions (the beat entry 'sessions-clear-expired', daily), as Django's
    ``clearsessions`` command does."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
