"""seed_demo gives patient@example.com a care plan that shows every flag, once however often it runs."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

from django.core.management import call_command

from checklists.careplan.augmentation import AugmentationStatus
from checklists.careplan.selectors import TrackSummary, care_plan_for
from checklists.models import DiaryEntry, FollowUp, LabResult, Medication, Patient


def test_seed_demo_care_plan_shows_every_flag_and_is_idempotent(db):
    call_command("seed_demo", "--force", stdout=StringIO())
    call_command("seed_demo", "--force", stdout=StringIO())
    patient = Patient.objects.get(user__email="patient@example.com")
    today = patient.local_today()
    plan = care_plan_for(patient=patient, today=today)

    lab = plan.latest_lab
    assert lab is not None
    assert (lab.result.ferritin, lab.result.tsat, lab.result.drawn_on) == (
        Decimal(58),
        Decimal(17),
        today - timedelta(days=30),
    )
    assert lab.interpretation.flagged
    by_track: dict[str, TrackSummary] = {t.track: t for t in plan.tracks}
    assert by_track["vascular"].next_due is not None
    assert by_track["vascular"].next_due.followup.kind == "venous_duplex"
    assert by_track["vascular"].next_due.days_until == 10
    assert by_track["medication"].overdue[0].days_until == -3
    assert by_track["iron"].next_due is not None
    assert {(m.generic_name, m.is_dopaminergic, m.may_worsen_rls) for m in plan.medications} == {
        ("sertraline", False, True),
        ("pramipexole", True, False),
    }
    assert plan.augmentation.status == AugmentationStatus.FLAGGED
    assert plan.augmentation.onset_earlier

    assert LabResult.objects.filter(patient=patient).count() == 1
    assert FollowUp.objects.filter(patient=patient).count() == 3
    assert Medication.objects.filter(patient=patient).count() == 2
    diary = DiaryEntry.objects.filter(patient=patient)
    assert diary.count() == 21
    seqs = sorted(diary.values_list("seq", flat=True))
    assert seqs[0] > 0 and len(set(seqs)) == 21
    assert patient.sync_seq >= seqs[-1]

    other = Patient.objects.get(user__email="patient2@example.com")
    assert not FollowUp.objects.filter(patient=other).exists()
    assert not Medication.objects.filter(patient=other).exists()
