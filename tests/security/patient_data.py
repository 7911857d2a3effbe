"""Fill every table of patient data for one patient, with distinctive health values to look for.

``MAKERS`` has one entry per model that ``checklists.privacy.patient_data_models()`` finds: a new model
with a path to Patient and no maker here fails tests/security/test_data_rights.py, so export, deletion
and the leak checks always cover it.
"""

import uuid
from collections.abc import Callable
from datetime import time, timedelta
from decimal import Decimal

from django.db import models, transaction
from django.utils import timezone

from checklists.careplan import services as careplan_services
from checklists.models import (
    AugmentationBaseline,
    AugmentationFinding,
    CheckOff,
    Delivery,
    DiaryEntry,
    IntakeRecord,
    LabNote,
    LabResult,
    Notification,
    Patient,
    PushSubscription,
    SeverityScore,
    SyncOp,
    WorklistReview,
)
from checklists.models.careplan import FollowUpKind
from checklists.models.reminders import ReminderKind
from checklists.plan.services import assignment_create
from checklists.reminders.services import reminder_create
from checklists.sync.changes import patient_take_seq
from tests.factories import template_with_items

# Health values that must never leave the record except to the patient and their care team.
DIARY_NOTE = "Woke at 3am with crawling feeling zxqv-diary-note"
MEDICATION_NAME = "Pramipexolezxqv"
LAB_VALUE = "873.9"


def _plan(patient: Patient) -> None:
    assignment = assignment_create(patient=patient, template=template_with_items(2), assigned_by=None)
    today = patient.local_today()
    with transaction.atomic():
        seq = patient_take_seq(patient_id=patient.pk, count=2)
        for offset, item in enumerate(assignment.items.all()):
            CheckOff.objects.create(item=item, patient=patient, date=today, done=True, seq=seq - offset)


def _diary(patient: Patient) -> None:
    with transaction.atomic():
        seq = patient_take_seq(patient_id=patient.pk)
        DiaryEntry.objects.create(
            patient=patient,
            date=patient.local_today() - timedelta(days=1),
            severity=6,
            note=DIARY_NOTE,
            seq=seq,
        )


def _push(patient: Patient) -> None:
    PushSubscription.objects.create(
        patient=patient,
        endpoint=f"https://push.example.net/send/{uuid.uuid4()}",
        p256dh="BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
        auth="tBHItJI5svbpez7KI4CCXg",
    )


def _sync_op(patient: Patient) -> None:
    SyncOp.objects.create(op_id=uuid.uuid4(), patient=patient)


def _care_plan(patient: Patient) -> None:
    today = patient.local_today()
    careplan_services.followup_create(
        patient=patient, kind=FollowUpKind.FERRITIN_TSAT_LAB, due_date=today + timedelta(days=30)
    )
    LabResult.objects.create(
        patient=patient, drawn_on=today, ferritin=Decimal(LAB_VALUE), tsat=Decimal("21.5")
    )
    careplan_services.medication_add(patient=patient, name=MEDICATION_NAME, dose_text="1 tablet")
    SeverityScore.objects.create(patient=patient, scored_on=today, irls_total=17)


def _lab_note(patient: Patient) -> None:
    lab = LabResult.objects.create(patient=patient, drawn_on=patient.local_today(), ferritin=Decimal("150"))
    LabNote.objects.create(lab_result=lab, note_code="none_indicated", rule_version="iron c2.r0")


def _augmentation(patient: Patient) -> None:
    today = patient.local_today()
    AugmentationBaseline.objects.create(
        patient=patient, start=today - timedelta(days=60), end=today - timedelta(days=40)
    )
    now = timezone.now()
    AugmentationFinding.objects.create(
        patient=patient,
        computed_at=now,
        checked_at=now,
        status="no_baseline",
        rule_version="augmentation c2.r1",
    )


def _intake(patient: Patient) -> None:
    # The patient's one medicine (tests look it up with .get()), made here if _care_plan has not run.
    medication = patient.medications.first() or careplan_services.medication_add(
        patient=patient, name=MEDICATION_NAME, dose_text="1 tablet"
    )
    IntakeRecord.objects.create(
        patient=patient,
        medication=medication,
        date=patient.local_today(),
        slot=time(19, 0),
        status="skipped",
        reason="felt dizzy",
    )


def _worklist_review(patient: Patient) -> None:
    WorklistReview.objects.create(
        patient=patient, reason="no_sync", reviewed_at=timezone.now(), rule_version="worklist c2.r1"
    )


def _reminders(patient: Patient) -> None:
    reminder = reminder_create(patient=patient, kind=ReminderKind.MEDICATION, local_time=time(21, 0))
    now = timezone.now()
    Delivery.objects.create(reminder=reminder, patient=patient, slot=now)
    Notification.objects.create(
        patient=patient, slot=now, local_date=patient.local_today(), title="RLS Care", body="1 care task due"
    )


# label -> function that gives the patient at least one row in that table (and the tables it needs).
MAKERS: dict[str, Callable[[Patient], None]] = {
    "checklists.assignment": _plan,
    "checklists.assignmentitem": _plan,
    "checklists.checkoff": _plan,
    "checklists.diaryentry": _diary,
    "checklists.pushsubscription": _push,
    "checklists.syncop": _sync_op,
    "checklists.followup": _care_plan,
    "checklists.labresult": _care_plan,
    "checklists.labnote": _lab_note,  # an earlier guideline note of a lab result
    "checklists.medication": _care_plan,
    "checklists.medicationfinding": _care_plan,  # medication_add records the medicine check
    "checklists.severityscore": _care_plan,
    "checklists.augmentationbaseline": _augmentation,
    "checklists.augmentationfinding": _augmentation,
    "checklists.intakerecord": _intake,
    "checklists.worklistreview": _worklist_review,
    "checklists.reminder": _reminders,
    "checklists.delivery": _reminders,
    "checklists.notification": _reminders,
}


def fill_every_table(patient: Patient) -> None:
    """Give ``patient`` rows in every table of patient data (each maker runs once)."""
    for maker in dict.fromkeys(MAKERS.values()):
        maker(patient)


def rows_per_table() -> dict[str, int]:
    """Return {model label: row count} for every concrete model."""
    from django.apps import apps

    return {
        model._meta.label_lower: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if not model._meta.proxy and model._meta.managed
    }


def patient_rows(patient_id: int, model: type[models.Model], lookup: str) -> int:
    return model._default_manager.filter(
        **{f"{lookup}_id" if "__" not in lookup else lookup: patient_id}
    ).count()
