"""A demo-like record (as ``seed_demo`` gives patient@example.com) for the FHIR tests."""

from datetime import time, timedelta
from decimal import Decimal

import pytest

from checklists.careplan import services as careplan_services
from checklists.models import AugmentationBaseline, DiaryEntry, LabResult, Medication, SeverityScore
from checklists.models.careplan import FollowUpKind, FollowUpStatus
from checklists.plan.services import assignment_create
from tests.factories import template_with_items

LAB_NOTE = "Discussed iron with the patient at the last visit."
FOLLOW_UP_NOTE = "Sertraline and pramipexole: check for augmentation and worsening."
MEDICATION_NOTE = "Prescribed by the GP."
DIARY_NOTE = "Bad night after a long drive."


@pytest.fixture
def record(patient, clinician):
    """``patient`` with labs (one in ug/L without TSAT), an IRLS total, three weeks of diary whose onset
    moves earlier with arms on the last two nights, sertraline and pramipexole (every flag shows),
    follow-ups planned, overdue and done, and a checklist."""
    today = patient.local_today()
    LabResult.objects.create(
        patient=patient,
        drawn_on=today - timedelta(days=30),
        ferritin=Decimal("58"),
        tsat=Decimal("17"),
        laboratory="Demo hospital laboratory (immunoassay)",
        notes=LAB_NOTE,
    )
    LabResult.objects.create(
        patient=patient, drawn_on=today - timedelta(days=200), ferritin=Decimal("120"), ferritin_unit="ug/L"
    )
    SeverityScore.objects.create(patient=patient, scored_on=today - timedelta(days=30), irls_total=24)
    careplan_services.followup_create(
        patient=patient,
        kind=FollowUpKind.VENOUS_DUPLEX,
        due_date=today + timedelta(days=10),
        created_by=clinician,
    )
    careplan_services.followup_create(
        patient=patient,
        kind=FollowUpKind.MEDICATION_REVIEW,
        due_date=today - timedelta(days=3),
        notes=FOLLOW_UP_NOTE,
        created_by=clinician,
    )
    lab = careplan_services.followup_create(
        patient=patient,
        kind=FollowUpKind.FERRITIN_TSAT_LAB,
        due_date=today - timedelta(days=30),
        use_default_recurrence=True,
    )
    careplan_services.followup_close(followup=lab, status=FollowUpStatus.DONE, on=today - timedelta(days=30))
    sertraline = careplan_services.medication_add(
        patient=patient,
        name="Sertraline",
        dose_text="50 mg",
        times_of_day="morning",
        start_date=today - timedelta(days=365),
    )
    Medication.objects.filter(pk=sertraline.pk).update(notes=MEDICATION_NOTE)
    careplan_services.medication_add(
        patient=patient,
        name="Pramipexole",
        dose_text="0.25 mg",
        times_of_day="evening",
        start_date=today - timedelta(days=365),
    )
    nights = 21
    for offset in range(nights, 0, -1):
        minutes = 22 * 60 - (nights - offset) * 12
        DiaryEntry.objects.create(
            patient=patient,
            date=today - timedelta(days=offset),
            severity=4 + (nights - offset) // 7,
            onset_time=time(minutes // 60, minutes % 60),
            sleep_quality=7 - (nights - offset) // 7,
            arms_involved=offset <= 2,
            note=DIARY_NOTE if offset == 1 else "",
        )
    # Pramipexole started before the diary: the diary's first week is the augmentation baseline.
    AugmentationBaseline.objects.create(
        patient=patient, start=today - timedelta(days=nights), end=today - timedelta(days=nights - 6)
    )
    assignment_create(
        patient=patient, template=template_with_items(2, name="Evening routine"), assigned_by=clinician
    )
    return patient
