"""Fixtures for the reminder tests: VAPID keys, a fake push service, a patient with a checklist."""

from datetime import time

import pytest

from checklists import services
from checklists.models import PushSubscription
from checklists.push import vapid_generate_keys
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
def fake_push(vapid_keys):
    service = FakePushService(vapid_public_key=vapid_keys[1]).start()
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
    return services.assignment_create(patient=patient, template=template, assigned_by=clinician)


DEFAULT_TRIGGER_TIME = time(13, 30)
