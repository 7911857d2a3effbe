"""Writes of the diary."""

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from checklists.careplan.augmentation_services import augmentation_screen_after_commit
from checklists.models import DiaryEntry, Patient
from checklists.sync.changes import patient_take_seq


@transaction.atomic
def diary_entry_put(*, patient: Patient, day: date, **fields: Any) -> tuple[DiaryEntry, bool]:
    """Create or replace the patient's diary entry for ``day``; returns (entry, created).

    The write takes a change number, so phones pulling with a sync cursor see it, and counts as a
    change at the server's current time for last-writer-wins against ops still on a phone. Once it
    commits, the augmentation screening runs for the patient.
    """
    seq = patient_take_seq(patient_id=patient.pk)
    entry, created = DiaryEntry.objects.update_or_create(
        patient=patient,
        date=day,
        defaults={**fields, "seq": seq, "op_id": None, "client_at": timezone.now()},
    )
    augmentation_screen_after_commit(patient=patient)
    return entry, created
