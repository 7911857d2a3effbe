"""Augmentation screening (pure rules): MPI criteria A and B against the patient's own baseline."""

from datetime import date, time, timedelta

from checklists.careplan.augmentation import (
    BASELINE_WEEKS,
    MIN_NIGHTS,
    RULESET,
    AugmentationStatus,
    Baseline,
    BaselineSource,
    DiaryNight,
    augmentation_watch,
    choose_baseline,
    evening_minutes,
)

START = date(2026, 9, 1)  # the dopaminergic drug's start date
BASELINE = Baseline(
    start=START, end=START + timedelta(weeks=BASELINE_WEEKS, days=-1), source=BaselineSource.DRUG_START
)
TODAY = START + timedelta(weeks=12)


def at(minutes: int) -> time:
    minutes %= 24 * 60
    return time(minutes // 60, minutes % 60)


def diary(onset, *, severity=3, arms=lambda day: False, first=START, last=TODAY):
    """One night per date from ``first`` to ``last``; ``onset``/``severity`` may be functions of the day
    index (0 = START)."""
    rows = []
    day = first
    while day <= last:
        i = (day - START).days
        value = onset(i) if callable(onset) else onset
        sev = severity(i) if callable(severity) else severity
        rows.append(DiaryNight(date=day, onset_time=value, arms_involved=arms(i), severity=sev))
        day += timedelta(days=1)
    return rows


def screen(rows, baseline=BASELINE, on_dopaminergic=True, today=TODAY):
    return augmentation_watch(nights=rows, today=today, on_dopaminergic=on_dopaminergic, baseline=baseline)


def test_slow_drift_of_6_minutes_a_night_over_12_weeks_meets_criterion_b():
    result = screen(diary(lambda i: at(22 * 60 - 6 * i)))
    assert result.status == AugmentationStatus.FLAGGED
    assert result.criterion_b and not result.criterion_a
    assert result.criteria_met == ["B"]
    assert result.onset_shift_minutes is not None and result.onset_shift_minutes >= 4 * 60
    # The evidence names the baseline period, its median onset and the recent median.
    assert result.baseline_window is not None and result.recent is not None
    assert result.baseline_window.median_onset == at(22 * 60 - 81)  # days 0-27: the median is day 13.5
    assert "01 Sep 2026-28 Sep 2026" in result.evidence
    assert result.recent.median_onset is not None
    assert result.recent.median_onset.strftime("%H:%M") in result.evidence
    assert "h earlier" in result.evidence


def test_arms_on_one_earlier_night_then_on_all_14_recent_nights_is_spread():
    arms = lambda i: i == 10 or i >= (TODAY - START).days - 13  # noqa: E731
    result = screen(diary(time(22, 0), arms=arms))
    assert result.status == AugmentationStatus.FLAGGED
    assert result.spread
    assert result.recent is not None and result.recent.arms_nights == 14
    assert not result.criterion_b  # spread alone, with no earlier onset, is a sign, not criterion B
    assert any("Arms involved on 14 of the last 14 nights, 1 of 28" in r for r in result.reasons)


def test_onset_moving_later_from_0330_to_0430_is_not_flagged():
    recent_from = (TODAY - START).days - 13
    result = screen(diary(lambda i: time(3, 30) if i < recent_from else time(4, 30)))
    assert result.status == AugmentationStatus.NO_SIGNS
    assert result.onset_shift_minutes == -60  # an hour later, never "23.0 h earlier"
    assert "1.0 h later" in result.evidence


def test_onset_after_midnight_is_placed_on_the_evenings_axis():
    assert evening_minutes(time(18)) < evening_minutes(time(23)) < evening_minutes(time(0, 30))
    assert evening_minutes(time(0, 30)) < evening_minutes(time(3, 30)) < evening_minutes(time(4, 30))


def test_stable_patient_with_nightly_wobble_is_never_flagged():
    wobble = [-30, 15, 0, 40, -20, 10, -5]
    rows = diary(
        lambda i: at(22 * 60 + wobble[i % 7]), severity=lambda i: 3 + (i % 3) - 1, arms=lambda i: i % 20 == 0
    )
    for days_on in range(4 * 7 + MIN_NIGHTS, (TODAY - START).days + 1):
        result = screen(rows, today=START + timedelta(days=days_on))
        assert not result.flagged, (days_on, result.reasons)
        assert result.status == AugmentationStatus.NO_SIGNS


def test_five_worse_nights_of_seven_alone_meets_criterion_a_only():
    last = (TODAY - START).days
    worse = {last, last - 1, last - 3, last - 4, last - 6}
    result = screen(diary(time(22, 0), severity=lambda i: 7 if i in worse else 3))
    assert result.status == AugmentationStatus.FLAGGED
    assert result.criteria_met == ["A"]
    assert result.worse_nights == 5
    assert not result.onset_earlier and not result.spread
    assert "5 worse than baseline" in result.evidence


def test_four_worse_nights_of_seven_do_not_meet_criterion_a():
    last = (TODAY - START).days
    worse = {last, last - 1, last - 3, last - 4}
    result = screen(diary(time(22, 0), severity=lambda i: 7 if i in worse else 3))
    assert result.status == AugmentationStatus.NO_SIGNS
    assert result.worse_nights == 4


def test_two_to_four_hours_earlier_with_greater_intensity_meets_criterion_b():
    recent_from = (TODAY - START).days - 13
    rows = diary(
        lambda i: time(22, 0) if i < recent_from else time(19, 0),
        severity=lambda i: 3 if i < recent_from else 6,
    )
    result = screen(rows)
    assert result.criteria_met == ["A", "B"]
    assert result.intensity_greater
    assert any("with greater intensity" in r for r in result.reasons)


def test_two_to_four_hours_earlier_alone_is_a_sign_but_not_criterion_b():
    recent_from = (TODAY - START).days - 13
    result = screen(diary(lambda i: time(22, 0) if i < recent_from else time(19, 30)))
    assert result.status == AugmentationStatus.FLAGGED
    assert result.onset_earlier and result.criteria_met == []
    assert result.onset_shift_minutes == 150


def test_no_baseline_says_so():
    result = screen(diary(time(22, 0)), baseline=None)
    assert result.status == AugmentationStatus.NO_BASELINE
    assert not result.flagged
    assert "start date is not recorded" in result.reasons[0]


def test_baseline_without_diary_nights_says_so():
    rows = diary(time(18, 0), first=TODAY - timedelta(days=20))  # the diary began long after the drug
    result = screen(rows)
    assert result.status == AugmentationStatus.NO_BASELINE
    assert "0 diary nights" in result.reasons[0]


def test_not_on_a_dopaminergic_drug_is_not_screened():
    result = screen(diary(lambda i: at(22 * 60 - 6 * i)), on_dopaminergic=False)
    assert result.status == AugmentationStatus.NOT_APPLICABLE
    assert not result.flagged


def test_during_the_baseline_there_is_nothing_to_compare_yet():
    result = screen(diary(time(22, 0), last=START + timedelta(days=20)), today=START + timedelta(days=20))
    assert result.status == AugmentationStatus.NOT_ENOUGH_DATA


def test_the_clinicians_period_wins_over_the_drug_start():
    chosen = choose_baseline(
        clinician_period=(date(2026, 10, 1), date(2026, 10, 14)),
        dopaminergic_starts=[("pramipexole", START)],
    )
    assert chosen == Baseline(date(2026, 10, 1), date(2026, 10, 14), BaselineSource.CLINICIAN)
    default = choose_baseline(
        clinician_period=None, dopaminergic_starts=[("ropinirole", None), ("pramipexole", START)]
    )
    assert default == BASELINE.__class__(START, BASELINE.end, BaselineSource.DRUG_START, "pramipexole")
    assert choose_baseline(clinician_period=None, dopaminergic_starts=[("pramipexole", None)]) is None


def test_the_result_records_its_rule_version_and_source():
    result = screen(diary(time(22, 0)))
    assert result.rule_version == RULESET.tag == "augmentation c2.r1"
    assert "PMID 17544323" in result.citation
