"""Writes of the intake domain: the patient's own times for the times of day.

Intake records themselves are written only by the offline sync (``checklists/sync/apply.py``), so a
dose is recorded once, last writer wins, whichever phone sent it.
"""

from collections.abc import Mapping
from datetime import time

from django.db import transaction

from checklists.intake.rules import TIMES_OF_DAY
from checklists.models import Patient
from checklists.reminders.services import reminders_reschedule_patient


def patient_dose_times_set(*, patient: Patient, times: Mapping[str, time | None]) -> Patient:
    """Set the patient's own time for each named time of day in ``times`` (None: back to the default)
    and reschedule their reminders; returns the patient. Raises ValueError for an unknown name."""
    unknown = set(times) - set(TIMES_OF_DAY)
    if unknown:
        raise ValueError(f"unknown times of day: {sorted(unknown)}")
    fields = []
    for name, at in times.items():
        setattr(patient, f"dose_time_{name}", at)
        fields.append(f"dose_time_{name}")
    if not fields:
        return patient
    with transaction.atomic():
        patient.save(update_fields=fields)
        reminders_reschedule_patient(patient=patient)
    return patient
