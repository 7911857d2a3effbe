"""Fixtures of the patient API tests: a signed-in patient with a plan."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client

from checklists import services
from tests.factories import template_with_items


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """Throttle counts live in the cache; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def signed_in(user, *, enforce_csrf: bool = False) -> Client:
    """Return a test client with ``user``'s session cookie."""
    client = Client(enforce_csrf_checks=enforce_csrf)
    client.force_login(user)
    return client


@pytest.fixture
def patient_client(patient) -> Client:
    return signed_in(patient.user)


@pytest.fixture
def other_client(other_patient) -> Client:
    return signed_in(other_patient.user)


@pytest.fixture
def clinician_client(clinician) -> Client:
    return signed_in(clinician)


def make_plan(patient, *, items: int = 3, days_back: int = 30, **kwargs):
    """Assign a fresh template of ``items`` items to ``patient``, started ``days_back`` days ago."""
    return services.assignment_create(
        patient=patient,
        template=template_with_items(items),
        assigned_by=None,
        start_date=patient.local_today() - timedelta(days=days_back),
        **kwargs,
    )


@pytest.fixture
def plan(patient):
    """The patient's checklist: three items, every day, started 30 days ago."""
    return make_plan(patient)


@pytest.fixture
def other_plan(other_patient):
    return make_plan(other_patient)
