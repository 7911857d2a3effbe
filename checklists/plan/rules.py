"""The checklist rules, pure functions: weekday masks, whether an item is due on a day, which days can
be recorded, and the adherence window.

Weekday sets are stored as a 7-bit mask, bit 0 = Monday ... bit 6 = Sunday (``date.weekday()``).
"""

from collections import defaultdict
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
    ``weekdays``, until the local day ``retired_on`` (exclusive; None: not retired). With a
    ``weekly_target`` (N times a week) the item is open on those days but owed N times per week, not
    every day (see ``is_weekly``)."""

    item_id: int
    start: date
    end: date | None
    weekdays: int
    retired_on: date | None
    checklist_id: int
    weekly_target: int | None = None


# The item columns a DueWindow is made from, in the order due_windows reads them.
DUE_ITEM_FIELDS = (
    "id",
    "retired_at",
    "due_from",
    "assignment__start_date",
    "assignment__end_date",
    "assignment__weekdays",
    "assignment_id",
    "weekly_target",
)


def due_windows(rows: Iterable[Sequence], zone: tzinfo) -> list[DueWindow]:
    """Return the due windows of item rows holding DUE_ITEM_FIELDS, with retirement as a local date in
    ``zone``. An item added to a running checklist (``due_from``) is due from that day on. A row
    without the last column (``weekly_target``) is an every-day item."""
    return [
        DueWindow(
            item_id,
            max(start, due_from) if due_from else start,
            end,
            weekdays,
            retired.astimezone(zone).date() if retired else None,
            checklist_id,
            weekly[0] if weekly else None,
        )
        for item_id, retired, due_from, start, end, weekdays, checklist_id, *weekly in rows
    ]


def not_due_reason(window: DueWindow, day: date) -> NotDue | None:
    """Return why the item is not due on ``day``, or None when it is due.

    THE rule of when an item is due: the Today screen, the per-day totals, adherence, the reminders'
    send-time count and the sync's rejections all decide it here. For a weekly-target item "due"
    means open: it may be done that day, and is owed per week (``week_target``), not that day."""
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
    """Return True when the item is due (open, for a weekly item) on ``day`` (see ``not_due_reason``)."""
    return not_due_reason(window, day) is None


# Weekly targets ("exercise 3 times a week"). A week is Monday to Sunday (ISO 8601, and the weekday
# masks' order) of the patient's local dates: check-offs carry the patient-local date, so the week
# follows the patient's own time zone with no conversion.
WEEKLY_TARGET_MAX = 7


def is_weekly(window: DueWindow) -> bool:
    """Return True for an item owed N times a week rather than on each day it is open."""
    return window.weekly_target is not None


def counts_on_day(window: DueWindow, day: date) -> bool:
    """Return True when the item is owed on ``day`` itself: an every-day item that is due. A weekly
    item is shown on the days it is open but never makes one day incomplete by not being ticked."""
    return not is_weekly(window) and window_is_due(window, day)


def week_of(day: date) -> tuple[date, date]:
    """Return the Monday and Sunday of ``day``'s week."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def week_target(window: DueWindow, monday: date) -> int:
    """Return how many check-offs the week from ``monday`` owes: the weekly target, or fewer in a week
    with fewer open days (a checklist starting on a Friday owes at most 3 that week); 0 when none."""
    open_days = sum(window_is_due(window, monday + timedelta(days=n)) for n in range(7))
    return min(window.weekly_target or 0, open_days)


def week_done(window: DueWindow, monday: date, done: set[tuple[int, date]]) -> int:
    """Return the days of the week from ``monday`` the item was checked (any day of it counts, as the
    sync accepts a tap on any day within the checklist's dates)."""
    return sum((window.item_id, monday + timedelta(days=n)) in done for n in range(7))


def weekly_behind(window: DueWindow, day: date, done: set[tuple[int, date]]) -> bool:
    """Return True when, at the end of ``day``, the item's week can no longer reach its target: the
    days checked so far plus the open days left after ``day`` are fewer than the week owes."""
    monday, sunday = week_of(day)
    so_far = sum((window.item_id, d) in done for d in _days(monday, day))
    left = sum(window_is_due(window, d) for d in _days(day + timedelta(days=1), sunday))
    return so_far + left < week_target(window, monday)


def day_complete(windows: Iterable[DueWindow], done: set[tuple[int, date]], day: date) -> bool:
    """Return True when ``day`` counts towards a streak: something was open, every every-day item due
    was checked, and no weekly item's week is out of reach (``weekly_behind``)."""
    any_open = False
    for window in windows:
        if not window_is_due(window, day):
            continue
        any_open = True
        if is_weekly(window):
            if weekly_behind(window, day, done):
                return False
        elif (window.item_id, day) not in done:
            return False
    return any_open


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


# Recording: a check-off or diary entry may be dated up to the patient's local tomorrow (a phone a little
# ahead, or still on another zone), never later. The phone dates a diary entry by its night
# (diary.rules.night_of: the evening it started, today or yesterday), always within this bound.
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


def adherence_first_needed(first: date) -> date:
    """Return the first check-off date ``count_adherence`` reads for a window starting on ``first``:
    the Monday of its first week."""
    return week_of(first)[0]


def count_adherence(
    windows: Iterable[DueWindow], done: set[tuple[int, date]], first: date, last: date
) -> Adherence:
    """Return the adherence from ``first`` to ``last``, overall and per checklist.

    An every-day item counts each day it is due: 1 owed, 1 done if checked. A weekly item counts once
    per Monday-Sunday week whose Sunday falls in the window (so a window of 7 complete days holds one
    whole week, 30 days four or five): ``week_target`` owed, min(days checked, owed) done. A week with
    3 sessions of a 3-times-a-week item is complete, a 4th adds nothing, and 2 count 2 of 3."""
    windows = list(windows)
    per_checklist: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for day in _days(first, last):
        for window in windows:
            if is_weekly(window):
                if day.weekday() != 6:
                    continue
                monday = day - timedelta(days=6)
                owed = week_target(window, monday)
                if owed:
                    counts = per_checklist[window.checklist_id]
                    counts[0] += min(week_done(window, monday, done), owed)
                    counts[1] += owed
            elif window_is_due(window, day):
                counts = per_checklist[window.checklist_id]
                counts[0] += (window.item_id, day) in done
                counts[1] += 1
    return _totals(per_checklist)


def _totals(per_checklist: dict[int, list[int]]) -> Adherence:
    """Return the Adherence of per-checklist [done, due] counts: their sums and each checklist's pair."""
    return Adherence(
        done=sum(done for done, _ in per_checklist.values()),
        due=sum(due for _, due in per_checklist.values()),
        checklists={checklist: (done, due) for checklist, (done, due) in per_checklist.items()},
    )


def count_day(windows: Iterable[DueWindow], done: set[tuple[int, date]], day: date) -> Adherence:
    """Return one day's totals: the every-day items due that day and those checked (weekly items are
    counted per week, by ``count_adherence``, never per day)."""
    per_checklist: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for window in windows:
        if counts_on_day(window, day):
            counts = per_checklist[window.checklist_id]
            counts[0] += (window.item_id, day) in done
            counts[1] += 1
    return _totals(per_checklist)


# Personal patterns: for a trigger-avoidance item, the diary's average severity on the nights after
# days it was ticked versus days it was not (a night belongs to the evening it started, so the diary
# of date D is the night after day D). Below PATTERN_MIN_NIGHTS nights on either side no pattern is
# shown: with fewer, one bad night swings the average. A pattern, not proof.
PATTERN_WINDOW_DAYS = 90
PATTERN_MIN_NIGHTS = 10


def pattern(kept: Sequence[int], not_kept: Sequence[int]) -> dict[str, dict[str, float | int]] | None:
    """Return ``{"kept": {"nights", "average"}, "not_kept": {...}}`` for the severities of nights after
    days the item was ticked and not ticked, averages to one decimal; None below PATTERN_MIN_NIGHTS
    nights on either side."""
    if min(len(kept), len(not_kept)) < PATTERN_MIN_NIGHTS:
        return None
    return {
        side: {"nights": len(values), "average": round(sum(values) / len(values), 1)}
        for side, values in (("kept", kept), ("not_kept", not_kept))
    }
