"""Augmentation watch: earlier onset (median shift >= 2 h) or new arms involvement, on dopaminergic drugs."""

from datetime import date, time, timedelta

from checklists.careplan.augmentation import MIN_NIGHTS, AugmentationStatus, DiaryNight, augmentation_watch

TODAY = date(2026, 11, 25)


def nights(
    onset_previous: time | None,
    onset_recent: time | None,
    *,
    arms_recent=False,
    arms_previous=False,
    recent_count=14,
    previous_count=14,
):
    """Diary nights: the previous window (28..15 days ago) then the recent one (13 days ago..today)."""
    rows = []
    for offset in range(27, 27 - previous_count, -1):
        rows.append(DiaryNight(TODAY - timedelta(days=offset), onset_previous, arms_previous))
    for offset in range(13, 13 - recent_count, -1):
        rows.append(DiaryNight(TODAY - timedelta(days=offset), onset_recent, arms_recent))
    return rows


def watch(rows, on_dopaminergic=True):
    return augmentation_watch(nights=rows, today=TODAY, on_dopaminergic=on_dopaminergic)


def test_onset_two_hours_earlier_is_flagged_with_evidence():
    result = watch(nights(time(22, 0), time(20, 0)))
    assert result.status == AugmentationStatus.FLAGGED
    assert result.onset_earlier and not result.arms_new
    assert result.onset_shift_minutes == 120
    assert result.recent.median_onset == time(20, 0)
    assert result.previous.median_onset == time(22, 0)
    assert result.recent.start == date(2026, 11, 12) and result.recent.end == TODAY
    assert result.previous.start == date(2026, 10, 29) and result.previous.end == date(2026, 11, 11)
    assert "20:00" in result.evidence and "22:00" in result.evidence


def test_one_hour_59_earlier_is_not_flagged():
    result = watch(nights(time(22, 0), time(20, 1)))
    assert result.status == AugmentationStatus.NO_SIGNS
    assert result.onset_shift_minutes == 119


def test_later_onset_is_not_flagged():
    assert watch(nights(time(20, 0), time(23, 0))).status == AugmentationStatus.NO_SIGNS


def test_onset_after_midnight_counts_as_later_not_earlier():
    # 23:30 -> 00:30 is an hour later, not 23 hours earlier; 00:30 -> 22:00 is 2.5 h earlier.
    assert watch(nights(time(23, 30), time(0, 30))).status == AugmentationStatus.NO_SIGNS
    assert watch(nights(time(0, 30), time(22, 0))).onset_shift_minutes == 150


def test_new_arms_involvement_is_flagged():
    result = watch(nights(time(22, 0), time(22, 0), arms_recent=True))
    assert result.status == AugmentationStatus.FLAGGED
    assert result.arms_new and not result.onset_earlier


def test_arms_involved_all_along_is_not_new():
    result = watch(nights(time(22, 0), time(22, 0), arms_recent=True, arms_previous=True))
    assert result.status == AugmentationStatus.NO_SIGNS


def test_not_enough_nights_in_the_earlier_window():
    result = watch(nights(time(22, 0), time(18, 0), previous_count=MIN_NIGHTS - 1))
    assert result.status == AugmentationStatus.NOT_ENOUGH_DATA
    assert not result.flagged


def test_no_diary_at_all_is_not_enough_data():
    assert watch([]).status == AugmentationStatus.NOT_ENOUGH_DATA


def test_nights_without_onset_time_do_not_count_for_the_median():
    rows = nights(None, time(18, 0))
    result = watch(rows)
    assert result.onset_shift_minutes is None
    assert result.status == AugmentationStatus.NO_SIGNS  # arms could be compared; onset could not


def test_not_on_a_dopaminergic_drug_is_never_flagged():
    result = watch(nights(time(22, 0), time(18, 0), arms_recent=True), on_dopaminergic=False)
    assert result.status == AugmentationStatus.NOT_APPLICABLE
    assert not result.flagged


def test_nights_outside_the_windows_are_ignored():
    rows = nights(time(22, 0), time(22, 0))
    rows += [DiaryNight(TODAY - timedelta(days=40 + i), time(12, 0), True) for i in range(10)]
    assert watch(rows).status == AugmentationStatus.NO_SIGNS
