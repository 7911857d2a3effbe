"""Closing a repeating follow-up plans the next one, once and only once."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from checklists.careplan import services
from checklists.models import FollowUp
from checklists.models.careplan import FollowUpKind, FollowUpStatus

DAY = date(2026, 11, 25)


@pytest.fixture
def recheck(patient, clinician):
    return services.followup_create(
        patient=patient,
        kind=FollowUpKind.FERRITIN_TSAT_LAB,
        due_date=DAY,
        recurrence_weeks=12,
        created_by=clinician,
    )


def test_completing_a_repeating_follow_up_plans_the_next(recheck, clinician):
    nxt = services.followup_complete(followup=recheck, on=DAY + timedelta(days=2), by=clinician)
    recheck.refresh_from_db()
    assert recheck.status == FollowUpStatus.DONE
    assert recheck.completed_on == DAY + timedelta(days=2)
    assert nxt is not None
    assert nxt.status == FollowUpStatus.PLANNED
    assert nxt.due_date == DAY + timedelta(days=2, weeks=12)
    assert (nxt.kind, nxt.track, nxt.recurrence_weeks) == (recheck.kind, "iron", 12)
    assert nxt.previous == recheck


def test_completing_twice_plans_the_next_only_once(recheck, clinician):
    first = services.followup_complete(followup=recheck, on=DAY, by=clinician)
    stale_copy = FollowUp.objects.get(pk=recheck.pk)
    second = services.followup_complete(followup=recheck, on=DAY, by=clinician)
    third = services.followup_complete(followup=stale_copy, on=DAY + timedelta(days=1), by=clinician)
    assert first is not None
    assert second is None and third is None
    assert FollowUp.objects.filter(patient=recheck.patient).count() == 2
    recheck.refresh_from_db()
    assert recheck.completed_on == DAY  # the second call changed nothing


def test_the_next_one_rolls_forward_again_when_it_is_completed(recheck):
    second = services.followup_complete(followup=recheck, on=DAY)
    assert second is not None
    third = services.followup_complete(followup=second, on=second.due_date)
    assert third is not None
    assert third.due_date == second.due_date + timedelta(weeks=12)
    assert FollowUp.objects.filter(status=FollowUpStatus.PLANNED).get() == third


def test_skipping_rolls_forward_and_cancelling_ends_the_series(recheck):
    nxt = services.followup_close(followup=recheck, status=FollowUpStatus.SKIPPED, on=DAY)
    assert nxt is not None
    assert services.followup_close(followup=nxt, status=FollowUpStatus.CANCELLED, on=DAY) is None
    assert not FollowUp.objects.filter(status=FollowUpStatus.PLANNED).exists()


def test_a_one_off_does_not_roll_forward(patient):
    scan = services.followup_create(patient=patient, kind=FollowUpKind.VENOUS_DUPLEX, due_date=DAY)
    assert services.followup_complete(followup=scan, on=DAY) is None
    assert FollowUp.objects.count() == 1


def test_ferritin_recheck_default_interval_is_the_setting(patient, settings):
    settings.CAREPLAN_FERRITIN_RECHECK_WEEKS = 16
    lab = services.followup_create(
        patient=patient, kind=FollowUpKind.FERRITIN_TSAT_LAB, due_date=DAY, use_default_recurrence=True
    )
    assert lab.recurrence_weeks == 16
    assert lab.track == "iron"


def test_post_ablation_duplex_is_due_after_the_setting(patient, settings):
    settings.CAREPLAN_POST_ABLATION_DUPLEX_DAYS = 14
    scan = services.followup_schedule_post_ablation_duplex(patient=patient, ablation_date=DAY)
    assert scan.due_date == DAY + timedelta(days=14)
    assert scan.track == "vascular"


def test_a_kind_on_the_wrong_track_is_refused(patient):
    with pytest.raises(ValidationError):
        services.followup_create(patient=patient, kind=FollowUpKind.VENOUS_DUPLEX, track="iron", due_date=DAY)
