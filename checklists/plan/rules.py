"""The checklist rules, pure functions: weekday masks, whether an item is due on a day, which days can
be recorded, and the adherence window.

Weekday sets are stored as a 7-bit mask, bit 0 = Monday ... bit 6 = Sunday (``date.weekday()``).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo
from enum import StrEnum
from typing import NamedTuple

from django.utils.translation import gettext_lazy, ngettext

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


class NotDue(StrEnum):
    """Why an item is not due on a day."""

    BEFORE_START = "before_start"  # before its checklist's start date (or the day it was added)
    AFTER_END = "after_end"  # after its checklist's end date
    RETIRED = "retired"  # on or after the local day it was retired
    NOT_SCHEDULED = "not_scheduled"  # a weekday its checklist does not run on


class DueWindow(NamedTuple):
    """When one item is due: from ``start`` to ``end`` (inclusive; None: open), on the weekdays in
    ``weekdays``, until the local day ``retired_on`` (exclusive; None: not retired)."""

    item_id: int
    start: date
    end: date | None
    weekdays: int
    retired_on: date | None
    checklist_id: int


# The item columns a DueWindow is made from, in the order due_windows reads them.
DUE_ITEM_FIELDS = (
    "id",
    "retired_at",
    "due_from",
    "assignment__start_date",
    "assignment__end_date",
    "assignment__weekdays",
    "assignment_id",
)


def due_windows(rows: Iterable[Sequence], zone: tzinfo) -> list[DueWindow]:
    """Return the due windows of item rows holding DUE_ITEM_FIELDS, with retirement as a local date in
    ``zone``. An item added to a running checklist (``due_from``) is due from that day on."""
    return [
        DueWindow(
            item_id,
            max(start, due_from) if due_from else start,
            end,
            weekdays,
            retired.astimezone(zone).date() if retired else None,
            checklist_id,
        )
        for item_id, retired, due_from, start, end, weekdays, checklist_id in rows
    ]


def not_due_reason(window: DueWindow, day: date) -> NotDue | None:
    """Return why the item is not due on ``day``, or None when it is due.

    THE rule of when an item is due: the Today screen, the per-day totals, adherence, the reminders'
    send-time count and the sync's rejections all decide it here."""
    if day < window.start:
        return NotDue.BEFORE_START
    if window.end is not None and day > window.end:
        return NotDue.AFTER_END
    if window.retired_on is not None and day >= window.retired_on:
        return NotDue.RETIRED
    if not mask_includes(window.weekdays, day):
        return NotDue.NOT_SCHEDULED
    return None


def window_is_due(window: DueWindow, day: date) -> bool:
    """Return True when the item is due on ``day`` (see ``not_due_reason``)."""
    return not_due_reason(window, day) is None


# Recording: a check-off or diary entry may be dated up to the patient's local tomorrow (a diary
# written after midnight, a phone a little ahead), never later.
FUTURE_DAY_MESSAGE = gettext_lazy("Dates after tomorrow cannot be recorded yet.")


def latest_recordable_day(today: date) -> date:
    """Return the last date a check-off or diary entry may carry, given the patient's local today."""
    return today + timedelta(days=1)


# Adherence: the share of due items checked over the last N complete local days, today left out while
# it is still going. The clinicians' list and the phone's Progress screen both show this one figure.
LONG_ADHERENCE_WINDOW_DAYS = 30


def adherence_window(today: date, days: int) -> tuple[date, date]:
    """Return the first and last day of the ``days`` complete local days before ``today``."""
    return today - timedelta(days=days), today - timedelta(days=1)


def adherence_label(days: int) -> str:
    """Return the label every adherence figure carries, e.g. "Last 7 complete days"."""
    return ngettext("Last %(days)d complete day", "Last %(days)d complete days", days) % {"days": days}


@dataclass(frozen=True)
class Adherence:
    """How many due items were checked (done) out of how many were due, overall and per checklist."""

    done: int
    due: int
    checklists: dict[int, tuple[int, int]] = field(default_factory=dict)  # checklist id -> (done, due)

    @property
    def share(self) -> float | None:
        """Return done / due, or None when nothing was due."""
        return self.done / self.due if self.due else None


def share(done: int, due: int) -> float | None:
    """Return done / due, or None when nothing was due."""
    return done / due if due else None
