"""Pure date and weekday math: no Django imports, so it is easy to test exhaustively.

Weekday sets are stored as a 7-bit mask, bit 0 = Monday ... bit 6 = Sunday (``date.weekday()``).
"""

from collections.abc import Iterable
from datetime import date, timedelta

EVERY_DAY = 0b1111111
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def weekdays_to_mask(weekdays: Iterable[int]) -> int:
    """Return the mask for the given weekday numbers (0 = Monday); raises ValueError outside 0-6."""
    mask = 0
    for day in weekdays:
        if not 0 <= int(day) <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {day!r}")
        mask |= 1 << int(day)
    return mask


def mask_to_weekdays(mask: int) -> list[int]:
    """Return the sorted weekday numbers set in ``mask``."""
    return [day for day in range(7) if mask & (1 << day)]


def mask_includes(mask: int, day: date) -> bool:
    """Return True when ``day`` falls on a weekday set in ``mask``."""
    return bool(mask & (1 << day.weekday()))


def describe_mask(mask: int) -> str:
    """Return 'every day' or a short list such as 'Mon, Wed, Fri'."""
    if mask & EVERY_DAY == EVERY_DAY:
        return "every day"
    return ", ".join(WEEKDAY_NAMES[d] for d in mask_to_weekdays(mask)) or "never"


def is_due(*, mask: int, start: date, end: date | None, day: date) -> bool:
    """Return True when a schedule running from ``start`` to ``end`` (inclusive) is due on ``day``."""
    if day < start or (end is not None and day > end):
        return False
    return mask_includes(mask, day)


def due_days(*, mask: int, start: date, end: date | None, first: date, last: date) -> list[date]:
    """Return every day in [first, last] on which the schedule is due."""
    days = []
    day = max(first, start)
    stop = last if end is None else min(last, end)
    while day <= stop:
        if mask_includes(mask, day):
            days.append(day)
        day += timedelta(days=1)
    return days
