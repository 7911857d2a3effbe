"""The worklist's rules on their own: when each reason applies and when a review stops covering it."""

from datetime import UTC, date, datetime, timedelta

from checklists.worklist import rules
from checklists.worklist.rules import Attention, Reason

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
TODAY = date(2026, 12, 1)


def test_a_review_covers_what_began_before_it_only():
    attention = Attention(Reason.NO_SYNC, NOW)
    assert rules.is_quiet(attention, NOW)
    assert not rules.is_quiet(attention, NOW - timedelta(seconds=1))
    assert not rules.is_quiet(attention, None)


def test_adherence_reviewed_now_shows_again_once_a_whole_new_window_is_low():
    def low(today: date) -> Attention | None:
        return rules.adherence_low(
            done=1, due=7, below=0.8, window_start=today - timedelta(days=7), zone=UTC, label=lambda: "7 days"
        )

    reviewed = NOW
    assert (now := low(TODAY)) is not None and rules.is_quiet(now, reviewed)
    assert (later := low(TODAY + timedelta(days=8))) is not None and not rules.is_quiet(later, reviewed)
    assert rules.adherence_low(done=6, due=7, below=0.8, window_start=TODAY, zone=UTC, label=str) is None
    assert rules.adherence_low(done=0, due=0, below=0.8, window_start=TODAY, zone=UTC, label=str) is None


def test_severity_worse_needs_the_whole_rise():
    def worse(recent: float) -> Attention | None:
        return rules.severity_worse(
            recent=(recent, 7), before=(3.0, 7), window_start=TODAY, zone=UTC, rise=2, min_nights=4
        )

    assert worse(5.0) is not None
    assert worse(4.9) is None


def test_no_sync_counts_from_the_last_sync_or_the_acceptance():
    week = 7
    assert (
        rules.no_sync(accepted=True, last_sync=NOW - timedelta(days=6), accepted_at=None, now=NOW, days=week)
        is None
    )
    found = rules.no_sync(
        accepted=True, last_sync=NOW - timedelta(days=9), accepted_at=None, now=NOW, days=week
    )
    assert found is not None and found.since == NOW - timedelta(days=2) and "9 days" in found.detail
    never = rules.no_sync(
        accepted=True, last_sync=None, accepted_at=NOW - timedelta(days=8), now=NOW, days=week
    )
    assert never is not None and never.detail == "never synced"
    assert rules.no_sync(accepted=False, last_sync=None, accepted_at=None, now=NOW, days=week) is None


def test_overdue_counts_only_days_before_today_and_since_is_the_latest_to_fall_due():
    found = rules.overdue_follow_up([TODAY, TODAY - timedelta(days=4), TODAY - timedelta(days=1)], TODAY, UTC)
    assert found is not None
    assert found.detail == "2 overdue, the oldest by 4 days"
    assert found.since == datetime(2026, 12, 1, tzinfo=UTC)  # the one due yesterday fell due today
    assert rules.overdue_follow_up([TODAY], TODAY, UTC) is None


def test_patients_sort_by_their_most_urgent_reason_then_by_how_many():
    augmentation = [Attention(Reason.AUGMENTATION, NOW)]
    two = [Attention(Reason.OVERDUE_FOLLOW_UP, NOW), Attention(Reason.INVITATION, NOW)]
    one = [Attention(Reason.OVERDUE_FOLLOW_UP, NOW)]
    assert sorted([one, two, augmentation], key=rules.rank) == [augmentation, two, one]
