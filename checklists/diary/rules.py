"""The diary's rules: which night a moment belongs to, and the entry's bounds (as the DiaryEntry model
has them)."""

from datetime import date, datetime, time, timedelta

# A night belongs to the evening it started (shared/clinical-content.md): symptoms at 00:30 are part of
# the night that began the evening before, so the diary and the augmentation watch date them there. The
# night runs from this wall-clock time to the same time next day, late enough for a patient awake with
# symptoms after midnight, early enough that an early riser's morning is the new day (a data
# convention, not a clinical number).
NIGHT_STARTS_AT = time(4, 0)
MINUTES_PER_DAY = 24 * 60

# Diary fields an op carries, with the same bounds as the DiaryEntry model.
DIARY_SCALE_MAX = 10
DIARY_NOTE_MAX_LENGTH = 2000
DIARY_FIELDS = ("severity", "sleep_quality", "onset_time", "arms_involved", "note")


def night_of(local: datetime) -> date:
    """Return the date of the evening whose night ``local`` (the patient's wall-clock time) belongs to:
    the day before ``local``'s date before NIGHT_STARTS_AT, ``local``'s date from it on."""
    if local.time().replace(tzinfo=None) < NIGHT_STARTS_AT:
        return local.date() - timedelta(days=1)
    return local.date()


def minutes_into_night(value: time) -> int:
    """Return the minutes from NIGHT_STARTS_AT to the wall time ``value`` (0 to 1439), so 00:30 sorts
    after 23:00."""
    start = NIGHT_STARTS_AT.hour * 60 + NIGHT_STARTS_AT.minute
    return (value.hour * 60 + value.minute - start) % MINUTES_PER_DAY


def time_from_night_minutes(minutes: float) -> time:
    """Return the wall time ``minutes`` (rounded) after NIGHT_STARTS_AT: the inverse of
    minutes_into_night."""
    start = NIGHT_STARTS_AT.hour * 60 + NIGHT_STARTS_AT.minute
    total = (round(minutes) + start) % MINUTES_PER_DAY
    return time(total // 60, total % 60)
