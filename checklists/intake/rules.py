"""A medicine's dose times, from what the clinician entered on it; pure functions, no queries.

The clinician enters when a medicine is taken (``Medication.dose_times``: times of day such as
"evening" or exact times such as "21:00"), on which days (``dose_weekdays``, or ``every_other_day``
counted from the start date, for alternate-day iron courses), or that it is taken as needed (no
schedule). A time of day resolves to the patient's own time for it (``Patient.dose_time_<name>``),
else the clinic's default (``settings.INTAKE_DEFAULT_TIMES``). The app never suggests a dose or a
change: a dose time is only ever one the clinician entered.

Dose times are local wall times ("HH:MM") on a local date; ``slot_instant`` gives the UTC instant,
with the reminders' DST rules (a time in a spring-forward gap is the moment the clocks jump, one in a
fall-back overlap its first occurrence).
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from checklists.careplan.content import Ruleset
from checklists.plan.rules import EVERY_DAY, adherence_label, adherence_window, mask_includes
from checklists.reminders.schedule import local_to_utc

RULESET = Ruleset(
    name="intake",
    revision=1,
    sources=("App rule: a dose time is only one the clinician entered on the medicine (issue 18).",),
)

# The times of day a clinician may enter, in the order of a day.
TIMES_OF_DAY = ("morning", "midday", "evening", "bedtime")
TIME_OF_DAY_LABELS = {
    "morning": _("morning"),
    "midday": _("midday"),
    "evening": _("evening"),
    "bedtime": _("bedtime"),
}
# Every other day: a dose day is an even number of days from the start date.
ALTERNATE_DAY_PERIOD = 2
_EXACT_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_SEPARATORS = re.compile(r"\s*(?:,|;|\band\b|&|\+|/)\s*", re.IGNORECASE)
# Words a free-text entry may use for a time of day (the old "times of day" text is read with these).
_SYNONYMS = {
    "morning": "morning",
    "midday": "midday",
    "noon": "midday",
    "evening": "evening",
    "bedtime": "bedtime",
    "night": "bedtime",
    "at night": "bedtime",
    "at bedtime": "bedtime",
    "before bed": "bedtime",
}

DOSE_TIMES_HELP = _(
    "When it is taken: morning, midday, evening, bedtime or exact times as HH:MM, separated by commas "
    "(for example: evening, 21:00). Empty for a medicine taken as needed."
)


class Scheduled(Protocol):
    """What the rule reads from a medicine (a Medication, or anything with these attributes)."""

    dose_times: str
    dose_weekdays: int
    every_other_day: bool
    as_needed: bool
    start_date: date | None
    stop_date: date | None


def parse_dose_times(text: str) -> tuple[str, ...]:
    """Return the entry's dose times as tokens (a time of day name or "HH:MM"), in the order entered,
    each once; raise ValueError naming the first part that is neither.

    "evening, 21:00" -> ("evening", "21:00"); "" -> ().
    """
    tokens: list[str] = []
    for part in _SEPARATORS.split(text.strip()):
        word = part.strip().lower()
        if not word:
            continue
        if word in TIMES_OF_DAY or _EXACT_RE.match(word):
            token = word
        elif re.fullmatch(r"\d:[0-5]\d", word):
            token = f"0{word}"
        else:
            raise ValueError(part.strip())
        if token not in tokens:
            tokens.append(token)
    return tuple(tokens)


def validate_dose_times(value: str) -> None:
    """Raise ValidationError unless ``value`` is a list of times of day and HH:MM times."""
    try:
        parse_dose_times(value)
    except ValueError as exc:
        raise ValidationError(
            _("%(part)s is not a time of day (morning, midday, evening, bedtime) or a time as HH:MM."),
            params={"part": str(exc)},
        ) from None


def read_free_text(text: str) -> tuple[str, ...] | None:
    """Return the dose times a free-text "times of day" entry states unambiguously, or None.

    Used once, to carry the old free-text field over: "evening, 21:00", "Morning and night",
    "08:00" are read; "twice daily", "as directed", "after food" or anything else is None, and the
    schedule stays empty (the text is still shown as written).
    """
    tokens: list[str] = []
    for part in _SEPARATORS.split(text.strip()):
        word = " ".join(part.lower().split())
        if not word:
            continue
        if word in _SYNONYMS:
            token = _SYNONYMS[word]
        elif _EXACT_RE.match(word):
            token = word
        elif re.fullmatch(r"\d:[0-5]\d", word):
            token = f"0{word}"
        else:
            return None
        if token not in tokens:
            tokens.append(token)
    return tuple(tokens) or None


def default_day_times() -> dict[str, time]:
    """Return the clinic's default time of each time of day (``settings.INTAKE_DEFAULT_TIMES``)."""
    return {name: time.fromisoformat(settings.INTAKE_DEFAULT_TIMES[name]) for name in TIMES_OF_DAY}


class HasDayTimes(Protocol):
    """What ``patient_day_times`` reads: a Patient's own times for the times of day."""

    dose_time_morning: time | None
    dose_time_midday: time | None
    dose_time_evening: time | None
    dose_time_bedtime: time | None


def patient_day_times(patient: HasDayTimes) -> dict[str, time]:
    """Return the patient's time for each time of day: their own where set, else the default."""
    defaults = default_day_times()
    return {name: getattr(patient, f"dose_time_{name}") or defaults[name] for name in TIMES_OF_DAY}


def is_dose_day(medication: Scheduled, day: date) -> bool:
    """Return True when ``day`` is within the medicine's dates and on one of its days."""
    if medication.start_date and day < medication.start_date:
        return False
    if medication.stop_date and day > medication.stop_date:
        return False
    if medication.every_other_day:
        if medication.start_date is None:
            return False  # the form requires a start date; without one no day can be counted
        return (day - medication.start_date).days % ALTERNATE_DAY_PERIOD == 0
    return mask_includes(medication.dose_weekdays or EVERY_DAY, day)


def dose_slots_on(medication: Scheduled, day: date, *, day_times: Mapping[str, time]) -> list[str]:
    """Return the medicine's dose times on local date ``day`` as sorted, distinct "HH:MM" strings.

    Empty for a medicine taken as needed, with no dose times entered, or when ``day`` is not one of
    its dose days (outside its start/stop dates, another weekday, the off day of every other day).
    ``day_times`` is ``patient_day_times(patient)``: what "morning" etc. mean for this patient.
    """
    if medication.as_needed or not is_dose_day(medication, day):
        return []
    try:
        tokens = parse_dose_times(medication.dose_times)
    except ValueError:
        return []  # not saved through the form; never guess a time
    return sorted({resolve(token, day_times) for token in tokens})


def resolve(token: str, day_times: Mapping[str, time]) -> str:
    """Return the "HH:MM" of one dose time token (a time of day name, or an exact time as is)."""
    if token in TIMES_OF_DAY:
        return day_times[token].strftime("%H:%M")
    return token


def slot_instant(day: date, slot: str, zone: tzinfo) -> datetime:
    """Return the UTC instant of dose time ``slot`` ("HH:MM") on local date ``day`` in ``zone``."""
    return local_to_utc(day, time.fromisoformat(slot), zone)


def days_between(first: date, last: date) -> Iterable[date]:
    """Yield each date from ``first`` to ``last`` inclusive."""
    day = first
    while day <= last:
        yield day
        day = date.fromordinal(day.toordinal() + 1)


# Adherence: over the last N complete local days (today is left out while it is still going), as the
# checklists' adherence (plan.rules.adherence_window). A dose time counts once however often it was
# recorded; an extra dose counts in its own figure, never in the scheduled doses.
INTAKE_ADHERENCE_WINDOWS = (7, 30)
# The skipped reasons shown to the clinician: the most recent distinct ones, each with its count.
SKIPPED_REASONS_SHOWN = 5
DAYS_PER_WEEK = 7


@dataclass(frozen=True)
class IntakeWindow:
    """One medicine's doses over ``days`` complete days from ``first`` to ``last``."""

    days: int
    first: date
    last: date
    taken: int
    scheduled: int
    skipped: int
    extra: int

    @property
    def share(self) -> float | None:
        """Return taken / scheduled, or None when no dose was scheduled."""
        return self.taken / self.scheduled if self.scheduled else None

    @property
    def extra_per_week(self) -> float:
        """Return the extra (as-needed) doses per week over the window."""
        return self.extra * DAYS_PER_WEEK / self.days

    @property
    def label(self) -> str:
        return adherence_label(self.days)


@dataclass(frozen=True)
class SkippedReason:
    """A reason given for skipping, how often within the window, and when last."""

    reason: str
    count: int
    last_date: date


def count_intake(
    medication: Scheduled,
    records: Iterable[tuple[date, time | None, str]],
    *,
    today: date,
    days: int,
    day_times: Mapping[str, time],
    owed_from: date | None = None,
) -> IntakeWindow:
    """Return the medicine's taken / scheduled doses, skipped and extra doses over the ``days``
    complete days before ``today``; ``records`` are its (date, slot, status) rows (any dates).

    A day's taken doses count at most its scheduled dose times: a dose recorded at a time the schedule
    has since moved from still counts for that day, never twice. No dose is owed before ``owed_from``
    (``owed_from_day``: before then the log was not in use for this medicine).
    """
    first, last = adherence_window(today, days)
    taken_on: dict[date, int] = {}
    skipped = extra = 0
    for day, slot, status in records:
        if not first <= day <= last:
            continue
        if status == "extra":
            extra += 1
        elif status == "skipped":
            skipped += 1
        elif status == "taken" and slot is not None:
            taken_on[day] = taken_on.get(day, 0) + 1
    scheduled = taken = 0
    for day in days_between(max(first, owed_from) if owed_from else first, last):
        due = len(dose_slots_on(medication, day, day_times=day_times))
        scheduled += due
        taken += min(taken_on.get(day, 0), due)
    return IntakeWindow(
        days=days, first=first, last=last, taken=taken, scheduled=scheduled, skipped=skipped, extra=extra
    )


def owed_from_day(*, start: date | None, entered: date, first_record: date | None, today: date) -> date:
    """Return the first day a medicine's scheduled doses count in its adherence: the latest of its start
    date, the day it was entered in the app and the patient's first recorded dose of any medicine
    (before that the patient was not using the log: unknown, not missed); ``today`` (nothing owed yet)
    when the patient has never recorded a dose."""
    if first_record is None:
        return today
    return max(day for day in (start, entered, first_record) if day is not None)


def skipped_reasons(
    records: Iterable[tuple[date, str, str]], *, first: date, last: date, limit: int = SKIPPED_REASONS_SHOWN
) -> list[SkippedReason]:
    """Return the distinct reasons of skipped doses (date, status, reason) from ``first`` to ``last``,
    most recent first, each with its count; at most ``limit``. Reasons differing only in case or
    spacing count as one, shown as last written."""
    found: dict[str, SkippedReason] = {}
    for day, status, reason in sorted(records, key=lambda row: row[0]):
        text = " ".join(reason.split())
        if status != "skipped" or not text or not first <= day <= last:
            continue
        key = text.casefold()
        held = found.get(key)
        found[key] = SkippedReason(reason=text, count=(held.count if held else 0) + 1, last_date=day)
    return sorted(found.values(), key=lambda r: (r.last_date, r.count), reverse=True)[:limit]


def describe_intake(windows: Iterable[IntakeWindow]) -> str:
    """Return one line on a medicine's intake over its windows, e.g. "5 of 7 doses taken (Last 7 complete
    days); 20 of 30 (Last 30 complete days). Extra doses: 1.0 a week (...); 0.5 a week (...)"."""
    windows = list(windows)
    parts = []
    scheduled = [w for w in windows if w.scheduled]
    if scheduled:
        head, *rest = scheduled
        taken = [
            _("%(taken)d of %(scheduled)d doses taken (%(label)s)")
            % {"taken": head.taken, "scheduled": head.scheduled, "label": head.label}
        ]
        taken += [
            _("%(taken)d of %(scheduled)d (%(label)s)")
            % {"taken": w.taken, "scheduled": w.scheduled, "label": w.label}
            for w in rest
        ]
        parts.append("; ".join(taken))
    if any(w.extra for w in windows):
        extras = "; ".join(
            _("%(rate).1f a week (%(label)s)") % {"rate": w.extra_per_week, "label": w.label} for w in windows
        )
        parts.append(_("Extra doses: %(extras)s") % {"extras": extras})
    return ". ".join(parts) if parts else str(_("No doses recorded"))
