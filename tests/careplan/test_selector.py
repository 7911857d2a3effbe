"""care_plan_for: tracks, timeline, labs, medications and the augmentation flag, in constant queries."""

from datetime import date, time, timedelta

import pytest

from checklists.careplan import services
from checklists.careplan.augmentation import AugmentationStatus
from checklists.careplan.selectors import TrackSummary, care_flags_for_patients, care_plan_for
from checklists.models import DiaryEntry, FollowUp
from checklists.models.careplan import FollowUpKind, FollowUpStatus
from tests.factories import FollowUpFactory, LabResultFactory, PatientFactory, SeverityScoreFactory

TODAY = date(2026, 11, 25)


def add_history(patient, n: int) -> None:
    """``n`` closed follow-ups, lab results, scores, medications and diary nights."""
    for i in range(n):
        day = TODAY - timedelta(days=i + 1)
        FollowUpFactory.create(patient=patient, due_date=day, status=FollowUpStatus.DONE, completed_on=day)
        LabResultFactory.create(patient=patient, drawn_on=day)
        SeverityScoreFactory.create(patient=patient, scored_on=day)
        services.medication_add(patient=patient, name=f"Old medicine {i}", stop_date=day, start_date=day)
        DiaryEntry.objects.create(patient=patient, date=day, severity=3, onset_time=time(22, 0))
    services.medication_add(patient=patient, name="Pramipexole 0.25 mg")


@pytest.mark.parametrize("n", [1, 40])
def test_query_count_is_constant_as_history_grows(patient, django_assert_num_queries, n):
    add_history(patient, n)
    with django_assert_num_queries(6):  # the last two: the augmentation baseline and diary nights
        plan = care_plan_for(patient=patient, today=TODAY)
    assert plan.augmentation.status != AugmentationStatus.NOT_APPLICABLE


def test_without_a_dopaminergic_drug_the_diary_is_not_read(patient, django_assert_num_queries):
    with django_assert_num_queries(4):
        plan = care_plan_for(patient=patient, today=TODAY)
    assert plan.augmentation.status == AugmentationStatus.NOT_APPLICABLE


def test_tracks_timeline_and_overdue(patient):
    services.followup_create(
        patient=patient, kind=FollowUpKind.MEDICATION_REVIEW, due_date=TODAY - timedelta(3)
    )
    duplex = services.followup_create(
        patient=patient, kind=FollowUpKind.VENOUS_DUPLEX, due_date=TODAY + timedelta(10)
    )
    later_duplex = services.followup_create(
        patient=patient, kind=FollowUpKind.COMPRESSION_REVIEW, due_date=TODAY + timedelta(30)
    )
    far = services.followup_create(
        patient=patient, kind=FollowUpKind.IRON_INFUSION, due_date=TODAY + timedelta(91)
    )
    done = services.followup_create(
        patient=patient, kind=FollowUpKind.ORAL_IRON_REVIEW, due_date=TODAY - timedelta(9)
    )
    services.followup_complete(followup=done, on=TODAY - timedelta(9))

    plan = care_plan_for(patient=patient, today=TODAY)
    by_track: dict[str, TrackSummary] = {t.track: t for t in plan.tracks}
    assert [t.track for t in plan.tracks] == ["iron", "vascular", "medication"]
    assert by_track["medication"].next_due is None
    assert [i.followup.kind for i in by_track["medication"].overdue] == ["medication_review"]
    assert by_track["medication"].overdue[0].days_until == -3
    vascular, iron = by_track["vascular"].next_due, by_track["iron"].next_due
    assert vascular is not None and vascular.followup == duplex
    assert iron is not None and iron.followup == far  # the next one, even beyond the timeline
    assert [i.followup for i in plan.timeline][1:] == [duplex, later_duplex]
    assert plan.timeline[0].overdue
    assert far not in [i.followup for i in plan.timeline]
    assert FollowUp.objects.get(pk=done.pk) not in [i.followup for i in plan.timeline]


def test_labs_newest_first_with_interpretation_and_limited(patient, settings):
    settings.CAREPLAN_LAB_TREND_COUNT = 3
    for i, ferritin in enumerate([150, 90, 58, 40]):
        LabResultFactory.create(
            patient=patient, drawn_on=TODAY - timedelta(days=100 - 30 * i), ferritin=ferritin, tsat=25
        )
    plan = care_plan_for(patient=patient, today=TODAY)
    assert [row.result.ferritin for row in plan.labs] == [40, 58, 90]
    assert plan.latest_lab is not None and plan.latest_lab.interpretation.flagged


def test_only_current_medications_are_listed(patient):
    services.medication_add(patient=patient, name="Zoloft 50mg")
    services.medication_add(patient=patient, name="Benadryl", stop_date=TODAY - timedelta(1))
    services.medication_add(patient=patient, name="Requip", start_date=TODAY + timedelta(1))
    plan = care_plan_for(patient=patient, today=TODAY)
    assert [(m.generic_name, m.may_worsen_rls) for m in plan.medications] == [("sertraline", True)]


def test_patient_list_flags_take_three_queries_for_any_number_of_patients(db, django_assert_num_queries):
    patients = [PatientFactory.create() for _ in range(5)]
    for p in patients:
        add_history(p, 3)
    with django_assert_num_queries(3):
        flags = care_flags_for_patients(patients)
    assert all(flags[p.pk].dopaminergic == ["pramipexole"] for p in patients)
    assert all(flags[p.pk].latest_lab is not None for p in patients)
