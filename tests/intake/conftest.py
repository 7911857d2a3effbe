"""Fixtures of the intake tests: medicines with a schedule as a clinician enters them, intake ops."""

import uuid
from datetime import date, datetime, time, timedelta

import pytest

from checklists.careplan.services import medication_save
from checklists.models import Medication
from tests.api.conftest import BASE_AT, clinician_client, other_client, patient_client  # noqa: F401 (fixtures)


def add_medicine(patient, name: str = "Gabapentin", *, entered: date | None = None, **fields) -> Medication:
    """Save a medicine on ``patient``'s list through the care-plan service (validated, flags matched),
    entered in the app on local date ``entered`` (default: 60 days ago, before any test's dates)."""
    med = medication_save(medication=Medication(patient=patient, name=name, **fields))
    day = entered or patient.local_today() - timedelta(days=60)
    med.created_at = datetime.combine(day, time(9), tzinfo=patient.zone)
    Medication.objects.filter(pk=med.pk).update(created_at=med.created_at)
    return med


def intake_op(
    medication,
    day: date,
    slot: str | None = "19:00",
    *,
    status: str = "taken",
    at: datetime | int = 0,
    op_id: str | None = None,
    **extra,
) -> dict:
    """Return an intake op; an int ``at`` means that many minutes after the tests' fixed base time."""
    when = BASE_AT + timedelta(minutes=at) if isinstance(at, int) else at
    return {
        "op_id": op_id or str(uuid.uuid4()),
        "kind": "intake",
        "medication": getattr(medication, "pk", medication),
        "date": day.isoformat(),
        "slot": slot,
        "status": status,
        "at": when.isoformat(),
        **extra,
    }


@pytest.fixture
def today(patient) -> date:
    return patient.local_today()


@pytest.fixture
def evening_med(patient) -> Medication:
    """Taken in the evening (19:00 by default), every day, started 60 days ago."""
    return add_medicine(
        patient, "Gabapentin", dose_times="evening", start_date=patient.local_today() - timedelta(days=60)
    )
