"""The schedule rule: a medicine's dose times on a local day, only from what the clinician entered."""

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from checklists.intake import rules
from checklists.plan.rules import EVERY_DAY, weekdays_to_mask

DEFAULTS = {"morning": time(8), "midday": time(13), "evening": time(19), "bedtime": time(22)}
LONDON = ZoneInfo("Europe/London")


def med(**fields) -> SimpleNamespace:
    base = {
        "dose_times": "",
        "dose_weekdays": EVERY_DAY,
        "every_other_day": False,
        "as_needed": False,
        "start_date": None,
        "stop_date": None,
    }
    return SimpleNamespace(**{**base, **fields})


def test_it_reads_times_of_day_and_exact_times_in_the_order_entered():
    assert rules.parse_dose_times("Evening, 21:00") == ("evening", "21:00")
    assert rules.parse_dose_times("morning; bedtime, morning") == ("morning", "bedtime")
    assert rules.parse_dose_times("8:30") == ("08:30",)
    assert rules.parse_dose_times("  ") == ()


@pytest.mark.parametrize("text", ["twice daily", "25:00", "evening after food", "9pm"])
def test_it_refuses_an_entry_that_is_not_a_time_of_day_or_a_time(text):
    with pytest.raises(ValidationError):
        rules.validate_dose_times(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("evening, 21:00", ("evening", "21:00")),
        ("Morning and night", ("morning", "bedtime")),
        ("at bedtime", ("bedtime",)),
        ("08:00", ("08:00",)),
        ("twice daily", None),
        ("as directed", None),
        ("evening with food", None),
        ("", None),
    ],
)
def test_the_old_free_text_is_read_only_where_it_is_unambiguous(text, expected):
    assert rules.read_free_text(text) == expected


def test_a_time_of_day_resolves_to_the_patients_own_time_else_the_default():
    medicine = med(dose_times="evening, 21:00, morning")
    day = date(2026, 12, 1)
    assert rules.dose_slots_on(medicine, day, day_times=DEFAULTS) == ["08:00", "19:00", "21:00"]
    own = {**DEFAULTS, "evening": time(20, 30)}
    assert rules.dose_slots_on(medicine, day, day_times=own) == ["08:00", "20:30", "21:00"]


def test_a_time_of_day_and_an_exact_time_that_meet_are_one_dose():
    medicine = med(dose_times="evening, 19:00")
    assert rules.dose_slots_on(medicine, date(2026, 12, 1), day_times=DEFAULTS) == ["19:00"]


def test_patient_day_times_fall_back_to_the_setting(settings):
    settings.INTAKE_DEFAULT_TIMES = {
        "morning": "07:15",
        "midday": "12:00",
        "evening": "18:00",
        "bedtime": "23:00",
    }
    patient = SimpleNamespace(
        dose_time_morning=None, dose_time_midday=None, dose_time_evening=time(20), dose_time_bedtime=None
    )
    assert rules.patient_day_times(patient) == {
        "morning": time(7, 15),
        "midday": time(12),
        "evening": time(20),
        "bedtime": time(23),
    }


def test_an_as_needed_medicine_has_no_dose_times():
    assert (
        rules.dose_slots_on(med(as_needed=True, dose_times="evening"), date(2026, 12, 1), day_times=DEFAULTS)
        == []
    )
    assert rules.dose_slots_on(med(), date(2026, 12, 1), day_times=DEFAULTS) == []


def test_every_other_day_counts_from_the_start_date():
    iron = med(dose_times="morning", every_other_day=True, start_date=date(2026, 11, 28))
    taken = [
        day for day in range(28, 31) if rules.dose_slots_on(iron, date(2026, 11, day), day_times=DEFAULTS)
    ]
    assert taken == [28, 30]
    assert rules.dose_slots_on(iron, date(2026, 12, 2), day_times=DEFAULTS) == ["08:00"]
    assert rules.dose_slots_on(iron, date(2026, 12, 3), day_times=DEFAULTS) == []
    assert rules.dose_slots_on(iron, date(2026, 11, 26), day_times=DEFAULTS) == []  # before the start


def test_days_of_the_week_are_the_only_dose_days():
    weekly = med(dose_times="21:00", dose_weekdays=weekdays_to_mask([0, 3]))  # Monday, Thursday
    week = [date(2026, 11, 30) + timedelta(days=i) for i in range(7)]  # Monday 30 Nov to Sunday 6 Dec
    assert [day.weekday() for day in week if rules.dose_slots_on(weekly, day, day_times=DEFAULTS)] == [0, 3]


def test_no_dose_time_outside_the_medicines_dates():
    course = med(dose_times="evening", start_date=date(2026, 12, 1), stop_date=date(2026, 12, 3))
    assert rules.dose_slots_on(course, date(2026, 11, 30), day_times=DEFAULTS) == []
    assert rules.dose_slots_on(course, date(2026, 12, 3), day_times=DEFAULTS) == ["19:00"]
    assert rules.dose_slots_on(course, date(2026, 12, 4), day_times=DEFAULTS) == []


def test_on_londons_dst_days_each_dose_time_is_there_once_at_the_reminders_instant():
    medicine = med(dose_times="01:30, evening")
    spring, autumn = date(2027, 3, 28), date(2026, 10, 25)
    assert rules.dose_slots_on(medicine, spring, day_times=DEFAULTS) == ["01:30", "19:00"]
    assert rules.dose_slots_on(medicine, autumn, day_times=DEFAULTS) == ["01:30", "19:00"]
    # 01:30 does not exist on 28 March 2027 in London: the moment the clocks jump (01:00 UTC).
    assert rules.slot_instant(spring, "01:30", LONDON) == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    # 01:30 happens twice on 25 October 2026: its first occurrence, still BST (00:30 UTC).
    assert rules.slot_instant(autumn, "01:30", LONDON) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert rules.slot_instant(spring, "19:00", LONDON) == datetime(2027, 3, 28, 18, 0, tzinfo=UTC)
    assert rules.slot_instant(autumn, "19:00", LONDON) == datetime(2026, 10, 25, 19, 0, tzinfo=UTC)


def test_intake_counts_each_dose_time_once_and_extras_apart():
    medicine = med(dose_times="morning, evening")
    today = date(2026, 12, 8)  # the 7 complete days: 1-7 December, 14 doses scheduled
    records = [
        (date(2026, 12, 1), time(8), "taken"),
        (date(2026, 12, 1), time(19), "taken"),
        (date(2026, 12, 2), time(8), "taken"),
        (date(2026, 12, 2), time(7), "taken"),  # a time the schedule has since moved from: still that day's
        (date(2026, 12, 2), time(6), "taken"),  # but never more than the day's doses
        (date(2026, 12, 3), time(19), "skipped"),
        (date(2026, 12, 4), None, "extra"),
        (date(2026, 12, 8), time(8), "taken"),  # today: not complete, left out
        (date(2026, 11, 30), time(8), "taken"),  # before the window
    ]
    window = rules.count_intake(medicine, records, today=today, days=7, day_times=DEFAULTS)
    assert (window.taken, window.scheduled, window.skipped, window.extra) == (4, 14, 1, 1)
    assert window.share == pytest.approx(4 / 14)
    assert window.extra_per_week == 1
    assert window.label == "Last 7 complete days"


def test_as_needed_doses_per_week_over_thirty_days():
    prn = med(as_needed=True)
    today = date(2026, 12, 31)
    records = [(date(2026, 12, day), None, "extra") for day in (1, 2, 3, 10, 20, 30)]
    window = rules.count_intake(prn, records, today=today, days=30, day_times=DEFAULTS)
    assert (window.scheduled, window.share, window.extra) == (0, None, 6)
    assert window.extra_per_week == pytest.approx(6 * 7 / 30)


def test_skipped_reasons_are_counted_most_recent_first():
    rows = [
        (date(2026, 12, 1), "skipped", "Felt sick"),
        (date(2026, 12, 3), "skipped", "felt  sick"),
        (date(2026, 12, 2), "skipped", "Forgot at work"),
        (date(2026, 12, 4), "skipped", ""),
        (date(2026, 12, 4), "taken", ""),
        (date(2026, 10, 1), "skipped", "Too old"),
    ]
    reasons = rules.skipped_reasons(rows, first=date(2026, 11, 1), last=date(2026, 12, 7))
    assert [(r.reason, r.count, r.last_date) for r in reasons] == [
        ("felt sick", 2, date(2026, 12, 3)),
        ("Forgot at work", 1, date(2026, 12, 2)),
    ]


def test_no_dose_is_owed_before_the_log_was_in_use():
    medicine = med(dose_times="morning")
    today = date(2026, 12, 8)
    records = [(date(2026, 12, 6), time(8), "taken"), (date(2026, 12, 7), time(8), "taken")]
    window = rules.count_intake(
        medicine, records, today=today, days=7, day_times=DEFAULTS, owed_from=date(2026, 12, 5)
    )
    assert (window.taken, window.scheduled) == (2, 3)
