"""Fixtures and helpers for the reminder tests: VAPID keys, a fake push service, a patient with a
checklist, a slot, a due reminder, and a stand-in for the broker."""

from datetime import UTC, datetime, time

import pytest

from checklists.models import PushSubscription
from checklists.models.reminders import Reminder, ReminderKind
from checklists.plan.services import assignment_create
from checklists.reminders.push import vapid_generate_keys
from checklists.reminders.services import reminder_create
from tests.factories import template_with_items
from tests.reminders.fakepush import FakePushService


@pytest.fixture(scope="session")
def vapid_keys() -> tuple[str, str]:
    return vapid_generate_keys()


@pytest.fixture
def vapid(settings, vapid_keys):
    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = vapid_keys
    return vapid_keys


@pytest.fixture
def fake_push(vapid_keys, settings):
    settings.PUSH_ALLOW_LOCAL_ENDPOINTS = True  # it listens on http://127.0.0.1
    service = FakePushService(vapid_public_key=vapid_keys[1]).start()
    yield service
    service.stop()


@pytest.fixture
def fake_push_h2(vapid_keys, settings):
    """The fake push service speaking HTTP/2 over TLS, as the browsers' push services do."""
    settings.PUSH_ALLOW_LOCAL_ENDPOINTS = True
    service = FakePushService(vapid_public_key=vapid_keys[1], http2=True).start()
    settings.REMINDER_PUSH_CA_FILE = service.ca_file
    yield service
    service.stop()


def subscribe(patient, fake_push: FakePushService, name: str) -> PushSubscription:
    """Register a browser of ``patient`` with the fake push service; returns its subscription."""
    subscriber = fake_push.subscriber(name)
    return PushSubscription.objects.create(
        patient=patient, endpoint=fake_push.endpoint(name), p256dh=subscriber.p256dh, auth=subscriber.auth
    )


@pytest.fixture
def trigger_checklist(patient, clinician):
    """A trigger-avoidance checklist of three items assigned to ``patient`` (Europe/Berlin)."""
    template = template_with_items(3, name="No caffeine after midday", category="trigger_avoidance")
    return assignment_create(patient=patient, template=template, assigned_by=clinician)


DEFAULT_TRIGGER_TIME = time(13, 30)


# Wednesday 7 July 2027, 13:30 in Berlin (CEST, UTC+2).
SLOT = datetime(2027, 7, 7, 11, 30, tzinfo=UTC)


class Recorder:
    """Stands in for the broker: records (patient id, slot) of each queued send task."""

    def __init__(self, fail: bool = False):
        self.calls: list[tuple[int, datetime]] = []
        self.fail = fail

    def __call__(self, slots: list[tuple[int, datetime]]) -> None:
        if self.fail:
            raise ConnectionError("broker down")
        self.calls.extend(slots)


def due_reminder(patient, **kwargs) -> Reminder:
    """Create a 13:30 medication reminder for ``patient``, due at SLOT."""
    reminder = reminder_create(
        patient=patient, kind=ReminderKind.MEDICATION, local_time=time(13, 30), **kwargs
    )
    Reminder.objects.filter(pk=reminder.pk).update(next_fire_at=SLOT)
    reminder.refresh_from_db()
    return reminder
