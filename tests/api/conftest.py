"""Fixtures of the patient API tests: a signed-in patient with a plan."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.test import Client

from checklists.plan.services import assignment_create
from tests.factories import template_with_items

# Queries to read a signed-in request's session: none when CACHE_URL keeps sessions in the cache.
SESSION_QUERIES = 0 if settings.SESSION_ENGINE.endswith(".cached_db") else 1


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
    return assignment_create(
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


SYNC_URL = "/api/v1/sync/"
BASE_AT = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def checkoff_op(item, day, *, done: bool = True, at: datetime | int = 0, op_id: str | None = None) -> dict:
    """Return a check-off op; an int ``at`` means that many minutes after a fixed base time."""
    when = BASE_AT + timedelta(minutes=at) if isinstance(at, int) else at
    return {
        "op_id": op_id or str(uuid.uuid4()),
        "kind": "checkoff",
        "item": getattr(item, "pk", item),
        "date": day.isoformat(),
        "done": done,
        "at": when.isoformat(),
    }


def diary_op(day, *, severity: int = 5, at: datetime | int = 0, op_id: str | None = None, **entry) -> dict:
    when = BASE_AT + timedelta(minutes=at) if isinstance(at, int) else at
    return {
        "op_id": op_id or str(uuid.uuid4()),
        "kind": "diary",
        "date": day.isoformat(),
        "at": when.isoformat(),
        "entry": {"severity": severity, **entry},
    }


def post_sync(client: Client, ops: list[dict], since: int | None = None):
    """POST a batch; returns the response."""
    return client.post(SYNC_URL, {"ops": ops, "since": since}, content_type="application/json")
