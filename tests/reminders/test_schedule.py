"""Reminder timing: local wall time in an IANA zone, through both DST transitions and quiet hours."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checklists.plan.rules import EVERY_DAY, mask_includes, weekdays_to_mask
from checklists.reminders.schedule import in_quiet_hours, local_to_utc, next_fire

ZONES = ["America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata", "Pacific/Chatham"]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def next_slot(**kwargs: Any) -> datetime:
    """Return next_fire(**kwargs) for a schedule that has a next slot."""
    instant = next_fire(**kwargs)
    assert instant is not None, "no next slot"
    return instant


def local(instant: datetime, zone: str) -> datetime:
    return instant.astimezone(ZoneInfo(zone))


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected_utc"),
    [
        # Spring forward: the wall time does not exist -> the first valid instant after it.
        ("America/New_York", date(2026, 3, 8), time(2, 30), utc(2026, 3, 8, 7, 0)),  # 03:00 EDT
        ("Europe/Berlin", date(2026, 3, 29), time(2, 15), utc(2026, 3, 29, 1, 0)),  # 03:00 CEST
        ("Australia/Sydney", date(2026, 10, 4), time(2, 0), utc(2026, 10, 3, 16, 0)),  # 03:00 AEDT
        ("Pacific/Chatham", date(2026, 9, 27), time(2, 50), utc(2026, 9, 26, 14, 0)),  # 03:45 +1345
        # Fall back: the wall time happens twice -> once, at the first occurrence.
        ("America/New_York", date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30)),  # 01:30 EDT
        ("Europe/Berlin", date(2026, 10, 25), time(2, 30), utc(2026, 10, 25, 0, 30)),  # 02:30 CEST
        ("Australia/Sydney", date(2026, 4, 5), time(2, 30), utc(2026, 4, 4, 15, 30)),  # 02:30 AEDT
        ("Pacific/Chatham", date(2026, 4, 5), time(3, 0), utc(2026, 4, 4, 13, 15)),  # 03:00 +1345
        # Ordinary days, including a half-hour offset and no DST.
        ("Asia/Kolkata", date(2026, 3, 8), time(13, 30), utc(2026, 3, 8, 8, 0)),
        ("Asia/Kolkata", date(2026, 11, 1), time(21, 30), utc(2026, 11, 1, 16, 0)),
        ("Pacific/Chatham", date(2026, 7, 1), time(9, 0), utc(2026, 6, 30, 20, 15)),  # +12:45
        ("America/New_York", date(2026, 7, 1), time(13, 30), utc(2026, 7, 1, 17, 30)),
    ],
)
def test_local_to_utc_handles_gaps_and_overlaps(zone, day, at, expected_utc):
    assert local_to_utc(day, at, ZoneInfo(zone)) == expected_utc


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("at", [time(0, 0), time(1, 30), time(2, 30), time(3, 0), time(13, 30), time(23, 59)])
def test_a_year_of_daily_reminders_gives_one_slot_per_local_day(zone, at):
    tz = ZoneInfo(zone)
    instant = datetime(2026, 1, 1, tzinfo=tz).astimezone(UTC) - timedelta(microseconds=1)
    days = []
    for _ in range(366):
        instant = next_slot(after=instant, at=at, zone=tz)
        days.append(instant.astimezone(tz).date())
    assert days == [date(2026, 1, 1) + timedelta(days=n) for n in range(366)]


def test_the_slot_keeps_local_wall_time_across_transitions():
    tz = ZoneInfo("Europe/Berlin")
    before = next_slot(after=utc(2026, 3, 27, 0, 0), at=time(13, 30), zone=tz)
    after = next_slot(after=utc(2026, 3, 30, 0, 0), at=time(13, 30), zone=tz)
    assert before == utc(2026, 3, 27, 12, 30)  # CET, +1
    assert after == utc(2026, 3, 30, 11, 30)  # CEST, +2
    assert local(before, "Europe/Berlin").time() == local(after, "Europe/Berlin").time() == time(13, 30)


def test_fall_back_overlap_fires_once_not_twice():
    tz = ZoneInfo("America/New_York")
    first = next_slot(after=utc(2026, 11, 1, 0, 0), at=time(1, 30), zone=tz)
    second = next_slot(after=first, at=time(1, 30), zone=tz)
    assert first == utc(2026, 11, 1, 5, 30)
    # Not the second 01:30 (EST, 06:30 UTC) an hour later: the next day.
    assert second == utc(2026, 11, 2, 6, 30)


def test_weekdays_are_local_weekdays():
    # 2026-07-06 is a Monday; 23:30 Monday in Sydney is still Monday morning UTC... the day is local.
    tz = ZoneInfo("Australia/Sydney")
    mondays = weekdays_to_mask([0])
    instant = next_slot(after=utc(2026, 7, 1, 0, 0), at=time(7, 0), zone=tz, weekdays=mondays)
    assert local(instant, "Australia/Sydney") == datetime(2026, 7, 6, 7, 0, tzinfo=tz)
    assert instant.date() == date(2026, 7, 5)  # a Sunday in UTC


def test_quiet_hours_defer_to_their_end():
    tz = ZoneInfo("Europe/Berlin")
    # A 23:00 reminder inside 22:00-07:00 quiet hours fires at 07:00 the next morning.
    instant = next_slot(
        after=utc(2026, 7, 1, 12, 0), at=time(23, 0), zone=tz, quiet_start=time(22, 0), quiet_end=time(7, 0)
    )
    assert local(instant, "Europe/Berlin") == datetime(2026, 7, 2, 7, 0, tzinfo=tz)
    # A same-day window: 13:30 inside 13:00-15:00 fires at 15:00; 12:59 is untouched.
    quiet = {"quiet_start": time(13, 0), "quiet_end": time(15, 0)}
    deferred = next_slot(after=utc(2026, 7, 1, 0, 0), at=time(13, 30), zone=tz, **quiet)
    untouched = next_slot(after=utc(2026, 7, 1, 0, 0), at=time(12, 59), zone=tz, **quiet)
    assert local(deferred, "Europe/Berlin").time() == time(15, 0)
    assert local(untouched, "Europe/Berlin").time() == time(12, 59)


def test_deferred_slot_is_not_fired_again_the_next_day():
    tz = ZoneInfo("Europe/Berlin")
    quiet = {"quiet_start": time(22, 0), "quiet_end": time(7, 0)}
    first = next_slot(after=utc(2026, 7, 1, 0, 0), at=time(6, 0), zone=tz, **quiet)
    second = next_slot(after=first, at=time(6, 0), zone=tz, **quiet)
    assert local(first, "Europe/Berlin") == datetime(2026, 7, 1, 7, 0, tzinfo=tz)
    assert local(second, "Europe/Berlin") == datetime(2026, 7, 2, 7, 0, tzinfo=tz)


def test_one_off_reminder_fires_once_then_never():
    tz = ZoneInfo("Asia/Kolkata")
    instant = next_slot(after=utc(2026, 7, 1, 0, 0), at=time(9, 0), zone=tz, on_date=date(2026, 7, 4))
    assert local(instant, "Asia/Kolkata") == datetime(2026, 7, 4, 9, 0, tzinfo=tz)
    assert next_fire(after=instant, at=time(9, 0), zone=tz, on_date=date(2026, 7, 4)) is None


def test_a_skipped_date_has_no_slot():
    # Samoa skipped 30 December 2011 entirely.
    tz = ZoneInfo("Pacific/Apia")
    instant = next_slot(after=utc(2011, 12, 29, 22, 0), at=time(12, 0), zone=tz)  # 12:00 on the 29th
    assert local(instant, "Pacific/Apia").date() == date(2011, 12, 31)


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from([*ZONES, "America/Santiago", "Australia/Lord_Howe", "Europe/London"]),
    after=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
    ),
    at=st.times(),
    mask=st.integers(min_value=1, max_value=EVERY_DAY),
    quiet=st.one_of(st.none(), st.tuples(st.times(), st.times())),
)
def test_next_fire_properties(zone, after, at, mask, quiet):
    tz = ZoneInfo(zone)
    quiet_start, quiet_end = quiet or (None, None)
    instant = next_fire(
        after=after, at=at, zone=tz, weekdays=mask, quiet_start=quiet_start, quiet_end=quiet_end
    )
    assert instant is not None and instant > after
    assert instant - after <= timedelta(days=8, hours=1)
    wall = instant.astimezone(tz)
    # It never fires in quiet hours, unless it was exactly deferred to their end.
    assert not in_quiet_hours(wall.time().replace(tzinfo=None), quiet_start, quiet_end)
    if quiet is None:
        # Without quiet hours: on a chosen weekday, at the wall time or (in a gap) just after it.
        assert mask_includes(mask, wall.date())
        naive_at = datetime.combine(wall.date(), at)
        assert timedelta(0) <= wall.replace(tzinfo=None) - naive_at <= timedelta(hours=1)
        if wall.replace(tzinfo=None) != naive_at:
            # Only in a spring-forward gap: the wall time did not exist that day.
            exists = local_to_utc(wall.date(), at, tz).astimezone(tz).replace(tzinfo=None)
            assert exists != naive_at
        # Firing is idempotent: asking again just before the slot gives the same slot.
        assert next_fire(after=instant - timedelta(microseconds=1), at=at, zone=tz, weekdays=mask) == instant


@settings(max_examples=200, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    start=st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    ),
    at=st.times(),
)
def test_consecutive_daily_slots_are_on_consecutive_local_days(zone, start, at):
    tz = ZoneInfo(zone)
    instant = next_slot(after=start, at=at, zone=tz)
    for _ in range(20):
        following = next_slot(after=instant, at=at, zone=tz)
        assert following.astimezone(tz).date() - instant.astimezone(tz).date() == timedelta(days=1)
        instant = following
