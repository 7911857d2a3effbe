"""Reminder timing, pure zoneinfo math: a local wall time in an IANA zone -> the next UTC instant.

Rules (documented in the README's "Reminders" section):
- a local time that does not exist (spring-forward gap) fires at the first valid instant after it,
  the moment the clocks jump (e.g. 02:30 on a New York spring-forward day fires at 03:00 EDT);
- a local time that happens twice (fall-back overlap) fires once, at its first occurrence;
- a day whose whole date is skipped by its zone (Samoa, 30 Dec 2011) has no slot;
- a slot inside the patient's quiet hours is deferred to the end of those quiet hours.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from checklists.plan.rules import EVERY_DAY, mask_includes

_GAP_SEARCH_PRECISION = timedelta(seconds=1)


def _first_instant_at_or_after_offset(lo: datetime, hi: datetime, zone: tzinfo) -> datetime:
    """Return the first UTC instant in (lo, hi] whose offset in ``zone`` equals the offset at ``hi``."""
    target = hi.astimezone(zone).utcoffset()
    while hi - lo > _GAP_SEARCH_PRECISION:
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zone).utcoffset() == target:
            hi = mid
        else:
            lo = mid
    # Transitions fall on whole seconds; drop the binary search's sub-second remainder.
    return hi.replace(microsecond=0)


def local_to_utc(day: date, at: time, zone: tzinfo) -> datetime:
    """Return the UTC instant of wall time ``at`` on ``day`` in ``zone``.

    A wall time in a fall-back overlap gives its first occurrence; one in a spring-forward gap gives
    the first valid instant after it (the transition itself).
    """
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=zone, fold=0)
    utc = first.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) == naive:
        return utc
    # In a gap: fold=1 reads the wall time with the offset after the jump (an earlier UTC instant),
    # fold=0 with the offset before it; the transition lies between the two.
    after_jump = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    lo, hi = sorted((after_jump, utc))
    return _first_instant_at_or_after_offset(lo, hi, zone)


def in_quiet_hours(at: time, start: time | None, end: time | None) -> bool:
    """Return True when wall time ``at`` lies in [start, end); the window may wrap past midnight."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= at < end
    return at >= start or at < end


def defer_past_quiet_hours(instant: datetime, zone: tzinfo, start: time | None, end: time | None) -> datetime:
    """Return ``instant`` (UTC), or the end of the quiet hours it falls in (UTC)."""
    local = instant.astimezone(zone)
    if not in_quiet_hours(local.time().replace(tzinfo=None), start, end):
        return instant
    assert end is not None  # in_quiet_hours is False without both ends
    end_day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    return max(instant, local_to_utc(end_day, end, zone))


def next_fire(
    *,
    after: datetime,
    at: time,
    zone: tzinfo,
    weekdays: int = EVERY_DAY,
    on_date: date | None = None,
    quiet_start: time | None = None,
    quiet_end: time | None = None,
) -> datetime | None:
    """Return the first UTC instant strictly after ``after`` at which the reminder fires, or None.

    The reminder fires at wall time ``at`` in ``zone`` on each local day in ``weekdays`` (or only on
    ``on_date`` for a one-off), deferred past quiet hours. None means it will never fire again.
    """
    if after.tzinfo is None:
        raise ValueError("after must be an aware datetime")
    if on_date is not None:
        days: Iterable[date] = [on_date]
    else:
        if not weekdays & EVERY_DAY:
            return None
        # Start a day early: quiet-hours deferral can move yesterday's slot past ``after``.
        first_day = after.astimezone(zone).date() - timedelta(days=1)
        days = (first_day + timedelta(days=offset) for offset in range(9))
    for day in days:
        if on_date is None and not mask_includes(weekdays, day):
            continue
        instant = local_to_utc(day, at, zone)
        if instant.astimezone(zone).date() != day:
            continue  # the zone skipped this whole date
        instant = defer_past_quiet_hours(instant, zone, quiet_start, quiet_end)
        if instant > after:
            return instant
    return None
