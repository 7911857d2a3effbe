"""night_of: a night belongs to the evening it started, cut at NIGHT_STARTS_AT (04:00)."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from checklists.careplan import augmentation
from checklists.diary.rules import NIGHT_STARTS_AT, minutes_into_night, night_of, time_from_night_minutes
from checklists.plan.rules import latest_recordable_day

BERLIN = ZoneInfo("Europe/Berlin")


def test_half_past_midnight_belongs_to_the_evening_before():
    assert night_of(datetime(2026, 12, 1, 0, 30)) == date(2026, 11, 30)


def test_the_evening_itself_is_its_own_night():
    assert night_of(datetime(2026, 11, 30, 21, 0)) == date(2026, 11, 30)
    assert night_of(datetime(2026, 11, 30, 23, 59)) == date(2026, 11, 30)


def test_the_night_ends_at_four():
    assert night_of(datetime(2026, 12, 1, 3, 59)) == date(2026, 11, 30)
    assert night_of(datetime(2026, 12, 1, 4, 0)) == date(2026, 12, 1)


def test_it_uses_the_wall_clock_of_an_aware_time():
    # 23:30 UTC is 00:30 in Berlin (winter): the Berlin night of the 30th.
    moment = datetime(2026, 11, 30, 23, 30, tzinfo=UTC).astimezone(BERLIN)
    assert night_of(moment) == date(2026, 11, 30)


def test_spring_forward_night_in_berlin():
    # 29 March 2026: clocks jump from 02:00 to 03:00 CET->CEST; the night still ends at 04:00 wall time.
    assert night_of(datetime(2026, 3, 29, 1, 30, tzinfo=UTC).astimezone(BERLIN)) == date(2026, 3, 28)  # 03:30
    assert night_of(datetime(2026, 3, 29, 2, 0, tzinfo=UTC).astimezone(BERLIN)) == date(2026, 3, 29)  # 04:00


def test_fall_back_night_in_berlin():
    # 25 October 2026: 02:00-03:00 happens twice; both passes, and 03:59 CET, are the night of the 24th.
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC).astimezone(BERLIN)  # 02:30 CEST
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC).astimezone(BERLIN)  # 02:30 CET
    assert first.time() == second.time() == time(2, 30)
    assert night_of(first) == night_of(second) == date(2026, 10, 24)
    assert night_of(datetime(2026, 10, 25, 2, 59, tzinfo=UTC).astimezone(BERLIN)) == date(2026, 10, 24)
    assert night_of(datetime(2026, 10, 25, 3, 0, tzinfo=UTC).astimezone(BERLIN)) == date(2026, 10, 25)


def test_the_augmentation_watch_cuts_nights_at_the_same_hour():
    assert augmentation.NIGHT_STARTS_AT is NIGHT_STARTS_AT
    assert minutes_into_night(time(0, 30)) > minutes_into_night(time(23, 0))
    assert time_from_night_minutes(minutes_into_night(time(0, 30))) == time(0, 30)


def test_a_night_is_always_recordable():
    # What the phone sends at any hour of today (the night of today or of yesterday) is accepted.
    today = date(2026, 12, 1)
    for hour in (0, 3, 4, 23):
        assert night_of(datetime(2026, 12, 1, hour, 0)) <= latest_recordable_day(today)
