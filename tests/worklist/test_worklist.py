"""The worklist's reasons: each shows when it applies, stays quiet once reviewed, and shows again when
something new happens (checklists/worklist/rules.py says what "new" is for each)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from checklists.careplan.augmentation import AugmentationStatus
from checklists.careplan.medication_services import medication_override
from checklists.careplan.services import labresult_save, medication_save
from checklists.models import (
    AssignmentItem,
    AugmentationFinding,
    CheckOff,
    DiaryEntry,
    FollowUp,
    LabResult,
    Medication,
    Patient,
    SyncOp,
)
from checklists.models.careplan import MedicationRecognition
from checklists.plan.services import assignment_create
from checklists.sync.changes import patient_take_seq
from checklists.worklist.rules import Reason
from checklists.worklist.selectors import worklist_filtered, worklist_for
from checklists.worklist.services import worklist_mark_reviewed
from tests.factories import FollowUpFactory, PatientFactory, template_with_items

pytestmark = pytest.mark.django_db


def open_reasons(clinician: User, patient: Patient, now=None) -> set[str]:
    rows = worklist_for(patients=Patient.objects.for_clinician(clinician), now=now)
    return next((row.reasons for row in rows if row.patient.pk == patient.pk), set())


def review(patient: Patient, reason: str, clinician: User, now=None) -> None:
    worklist_mark_reviewed(patient=patient, reason=reason, by=clinician, now=now)


def test_a_patient_with_nothing_to_look_at_is_not_on_the_worklist(clinician, patient):
    assert worklist_for(patients=Patient.objects.for_clinician(clinician)) == []


def test_overdue_follow_up_quiet_after_review_until_another_one_is_overdue(clinician, patient):
    today = patient.local_today()
    FollowUpFactory(patient=patient, due_date=today - timedelta(days=3))
    assert Reason.OVERDUE_FOLLOW_UP in open_reasons(clinician, patient)

    review(patient, Reason.OVERDUE_FOLLOW_UP, clinician)
    assert Reason.OVERDUE_FOLLOW_UP not in open_reasons(clinician, patient)
    tomorrow = timezone.now() + timedelta(days=1)
    assert Reason.OVERDUE_FOLLOW_UP not in open_reasons(clinician, patient, now=tomorrow)

    FollowUpFactory(patient=patient, due_date=today)  # overdue from tomorrow: after the review
    assert Reason.OVERDUE_FOLLOW_UP in open_reasons(clinician, patient, now=tomorrow)


def test_a_done_follow_up_is_not_overdue(clinician, patient):
    FollowUpFactory(
        patient=patient,
        due_date=patient.local_today() - timedelta(days=3),
        status="done",
        completed_on=patient.local_today(),
    )
    assert open_reasons(clinician, patient) == set()


def _lab(patient: Patient, ferritin: int, tsat: int, days_ago: int = 1) -> LabResult:
    lab = LabResult(
        patient=patient,
        drawn_on=patient.local_today() - timedelta(days=days_ago),
        ferritin=Decimal(ferritin),
        tsat=Decimal(tsat),
    )
    return labresult_save(lab_result=lab)


def test_lab_result_needing_action_or_not_reviewed(clinician, patient):
    _lab(patient, ferritin=150, tsat=30)  # no iron indicated: still a result to read
    assert open_reasons(clinician, patient) == {Reason.LAB_UNREVIEWED}
    review(patient, Reason.LAB_UNREVIEWED, clinician)
    assert open_reasons(clinician, patient) == set()

    _lab(patient, ferritin=40, tsat=15, days_ago=0)  # a new result; its note: iron may be considered
    assert open_reasons(clinician, patient) == {Reason.LAB_ACTION}
    review(patient, Reason.LAB_ACTION, clinician)
    assert open_reasons(clinician, patient) == set()


def test_a_result_a_clinician_entered_needs_no_review_unless_it_needs_action(clinician, patient):
    lab = LabResult(
        patient=patient, drawn_on=patient.local_today(), ferritin=150, tsat=30, entered_by=clinician
    )
    labresult_save(lab_result=lab)
    assert open_reasons(clinician, patient) == set()
    flagged = LabResult(
        patient=patient, drawn_on=patient.local_today(), ferritin=40, tsat=15, entered_by=clinician
    )
    labresult_save(lab_result=flagged)
    assert open_reasons(clinician, patient) == {Reason.LAB_ACTION}


def test_lab_result_shows_again_when_its_note_changes(clinician, patient):
    lab = _lab(patient, ferritin=90, tsat=30)  # adult: IV iron only
    review(patient, Reason.LAB_ACTION, clinician, now=timezone.now())
    assert open_reasons(clinician, patient) == set()

    patient.on_dialysis = True
    patient.chronic_kidney_disease = True
    patient.save()
    labresult_save(lab_result=LabResult.objects.get(pk=lab.pk))  # the note is now the dialysis one
    assert lab.note_history.exists()
    assert open_reasons(clinician, patient) & {Reason.LAB_ACTION, Reason.LAB_UNREVIEWED}


def _finding(patient: Patient, status: str = AugmentationStatus.FLAGGED) -> AugmentationFinding:
    now = timezone.now()
    return AugmentationFinding.objects.create(
        patient=patient, computed_at=now, checked_at=now, status=status, rule_version="augmentation@1"
    )


def test_possible_augmentation_is_reviewed_on_its_finding(clinician, patient):
    finding = _finding(patient)
    assert open_reasons(clinician, patient) == {Reason.AUGMENTATION}

    review(patient, Reason.AUGMENTATION, clinician)
    finding.refresh_from_db()
    assert finding.reviewed_by == clinician and finding.reviewed_at is not None
    assert open_reasons(clinician, patient) == set()

    _finding(patient)  # a new finding
    assert open_reasons(clinician, patient) == {Reason.AUGMENTATION}


def test_a_finding_that_is_not_flagged_is_quiet(clinician, patient):
    _finding(patient, status=AugmentationStatus.NO_SIGNS)
    assert open_reasons(clinician, patient) == set()


def _medicine(patient: Patient, name: str) -> Medication:
    return medication_save(medication=Medication(patient=patient, name=name))


def test_flagged_medicine_quiet_after_review_until_a_new_finding(clinician, patient):
    med = _medicine(patient, "diphenhydramine")
    assert med.recognition == MedicationRecognition.MAY_WORSEN_RLS
    assert open_reasons(clinician, patient) == {Reason.MEDICATION_FLAGGED}

    review(patient, Reason.MEDICATION_FLAGGED, clinician)
    assert open_reasons(clinician, patient) == set()

    _medicine(patient, "metoclopramide")  # a new medicine, a new finding
    assert open_reasons(clinician, patient) == {Reason.MEDICATION_FLAGGED}


def test_a_medicine_the_clinician_overrode_is_reviewed(clinician, patient):
    med = _medicine(patient, "diphenhydramine")
    medication_override(
        medication=med, state=MedicationRecognition.MAY_WORSEN_RLS, reason="Known, discussed.", by=clinician
    )
    assert open_reasons(clinician, patient) == set()


def _nights(patient: Patient, first: int, last: int, severity: int) -> None:
    """Diary nights from today+first to today+last (days), at ``severity``."""
    today = patient.local_today()
    DiaryEntry.objects.bulk_create(
        DiaryEntry(patient=patient, date=today + timedelta(days=d), severity=severity)
        for d in range(first, last + 1)
    )


def test_severity_worse_quiet_for_the_window_reviewed_back_when_it_keeps_worsening(
    clinician, patient, settings
):
    settings.WORKLIST_SEVERITY_WEEKS = 2
    settings.WORKLIST_SEVERITY_RISE = 2
    _nights(patient, -27, -14, 2)
    _nights(patient, -13, 0, 5)
    assert open_reasons(clinician, patient) == {Reason.SEVERITY_WORSE}

    review(patient, Reason.SEVERITY_WORSE, clinician)
    assert open_reasons(clinician, patient) == set()
    in_two_weeks = timezone.now() + timedelta(weeks=2)
    assert open_reasons(clinician, patient, now=in_two_weeks) == set()  # not worse than 5 since

    _nights(patient, 1, 14, 8)  # the next two weeks, worse again
    assert Reason.SEVERITY_WORSE in open_reasons(clinician, patient, now=in_two_weeks)


def test_severity_needs_enough_nights_on_both_sides(clinician, patient, settings):
    settings.WORKLIST_SEVERITY_MIN_NIGHTS = 4
    _nights(patient, -20, -18, 1)  # 3 nights before
    _nights(patient, -13, 0, 9)
    assert open_reasons(clinician, patient) == set()


def test_adherence_below_the_threshold(clinician, patient, settings):
    settings.ADHERENCE_ALERT_BELOW_PERCENT = 80
    today = patient.local_today()
    assignment = assignment_create(
        patient=patient,
        template=template_with_items(2),
        assigned_by=clinician,
        start_date=today - timedelta(30),
    )
    AssignmentItem.objects.filter(assignment=assignment).update(due_from=today - timedelta(days=30))
    assert open_reasons(clinician, patient) == {Reason.ADHERENCE_LOW}

    review(patient, Reason.ADHERENCE_LOW, clinician)
    assert open_reasons(clinician, patient) == set()


def test_adherence_follows_new_check_offs_although_it_is_cached(clinician, patient, settings):
    settings.ADHERENCE_ALERT_BELOW_PERCENT = 80
    today = patient.local_today()
    assignment = assignment_create(
        patient=patient,
        template=template_with_items(1),
        assigned_by=clinician,
        start_date=today - timedelta(30),
    )
    item = AssignmentItem.objects.get(assignment=assignment)
    item.due_from = today - timedelta(days=30)
    item.save()
    assert open_reasons(clinician, patient) == {Reason.ADHERENCE_LOW}
    with transaction.atomic():  # as a sync from the phone writes them
        seq = patient_take_seq(patient_id=patient.pk, count=7)
        CheckOff.objects.bulk_create(
            CheckOff(item=item, patient=patient, date=today - timedelta(days=d), done=True, seq=seq + d - 1)
            for d in range(1, 8)
        )
    assert open_reasons(clinician, patient) == set()
    item.retired_at = timezone.now() - timedelta(days=20)  # retired: nothing was due
    item.save()
    CheckOff.objects.filter(patient=patient).delete()
    assert open_reasons(clinician, patient) == set()


def test_no_sync_quiet_after_review_until_the_phone_syncs_and_stops_again(clinician, patient, settings):
    settings.WORKLIST_NO_SYNC_DAYS = 7
    now = timezone.now()
    Patient.objects.filter(pk=patient.pk).update(invitation_accepted_at=now - timedelta(days=10))
    assert open_reasons(clinician, patient) == {Reason.NO_SYNC}

    review(patient, Reason.NO_SYNC, clinician)
    assert open_reasons(clinician, patient) == set()

    op = SyncOp.objects.create(op_id="00000000-0000-4000-8000-000000000001", patient=patient)
    assert op.received_at > now
    assert open_reasons(clinician, patient) == set()  # synced: nothing to look at
    assert open_reasons(clinician, patient, now=now + timedelta(days=8)) == {Reason.NO_SYNC}


def _invited(clinician: User, *, days_ago: float) -> Patient:
    invited = PatientFactory.create(user__email="new@example.com", care_team=[clinician])
    invited.user.set_unusable_password()
    invited.user.save()
    Patient.objects.filter(pk=invited.pk).update(invited_at=timezone.now() - timedelta(days=days_ago))
    invited.refresh_from_db()
    return invited


def test_invitation_pending_quiet_after_review_until_it_is_resent(clinician):
    invited = _invited(clinician, days_ago=1)
    assert open_reasons(clinician, invited) == {Reason.INVITATION}
    review(invited, Reason.INVITATION, clinician)
    assert open_reasons(clinician, invited) == set()

    Patient.objects.filter(pk=invited.pk).update(invited_at=timezone.now())  # resent
    assert open_reasons(clinician, invited) == {Reason.INVITATION}


def test_invitation_that_expires_after_the_review_shows_again(clinician, settings):
    settings.PASSWORD_RESET_TIMEOUT = 7 * 24 * 3600
    invited = _invited(clinician, days_ago=6)
    review(invited, Reason.INVITATION, clinician)
    assert open_reasons(clinician, invited) == set()
    assert open_reasons(clinician, invited, now=timezone.now() + timedelta(days=2)) == {Reason.INVITATION}


def test_most_urgent_first_and_filter_and_sort_by_each_reason(clinician, patient):
    late = PatientFactory.create(
        user__email="late@example.com", user__last_name="Aaron", care_team=[clinician]
    )
    FollowUpFactory(patient=late, due_date=late.local_today() - timedelta(days=9))
    _finding(patient)
    rows = worklist_for(patients=Patient.objects.for_clinician(clinician))
    assert [row.patient for row in rows] == [patient, late]  # augmentation before an overdue follow-up

    only = worklist_filtered(rows, reason=Reason.OVERDUE_FOLLOW_UP)
    assert [row.patient for row in only] == [late]
    by_reason = worklist_filtered(rows, sort=Reason.OVERDUE_FOLLOW_UP)
    assert [row.patient for row in by_reason] == [late, patient]


def test_another_clinicians_patients_are_not_on_the_worklist(clinician, other_clinician, other_patient):
    FollowUpFactory(patient=other_patient, due_date=other_patient.local_today() - timedelta(days=3))
    assert worklist_for(patients=Patient.objects.for_clinician(clinician)) == []
    assert [r.patient for r in worklist_for(patients=Patient.objects.for_clinician(other_clinician))] == [
        other_patient
    ]


def test_a_review_is_shared_by_the_care_team(clinician, other_clinician, patient):
    patient.care_team.add(other_clinician)
    FollowUp.objects.create(
        patient=patient, track="iron", kind="ferritin_tsat_lab", due_date=patient.local_today() - timedelta(1)
    )
    review(patient, Reason.OVERDUE_FOLLOW_UP, clinician)
    assert open_reasons(other_clinician, patient) == set()
