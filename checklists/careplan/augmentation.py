"""Augmentation watch: does the diary suggest symptoms now start earlier, or have spread to the arms?

Augmentation (Garcia-Borreguero 2016, PMID 27448465): after a good response to a dopaminergic drug,
symptoms start earlier in the day (often 2-4 h earlier) or spread to the arms or trunk. For a patient on a
dopaminergic drug, this compares the median diary onset time of the last WINDOW_DAYS days with the same
number of days before, and looks for arms involvement that was absent before. The result carries its
evidence; it is for the clinician only and never advice to the patient.
"""

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

# One definition of a diary night for the diary and this watch (an onset at 00:30 counts as later than one
# at 23:00); NIGHT_STARTS_AT stays importable from here.
from checklists.diary.rules import NIGHT_STARTS_AT as NIGHT_STARTS_AT
from checklists.diary.rules import minutes_into_night, time_from_night_minutes

CITATION = "Garcia-Borreguero 2016, PMID 27448465 (signs of augmentation)"

# The watch's criteria: part of the rule, not a deployment's choice (shared/clinical-content.md,
# "Medication track"). Garcia-Borreguero 2016 (PMID 27448465): symptoms start earlier in the day, often
# 2-4 h earlier; an earlier median onset of ONSET_SHIFT_HOURS, the low end of that range, raises the flag.
ONSET_SHIFT_HOURS = 2
# App rules, not clinical ones: the length of each compared window, and the nights a window needs (a
# median of fewer is too noisy to flag on).
WINDOW_DAYS = 14
MIN_NIGHTS = 5


class AugmentationStatus(models.TextChoices):
    FLAGGED = "flagged", _("Possible augmentation: review")
    NO_SIGNS = "no_signs", _("No signs in the diary")
    NOT_ENOUGH_DATA = "not_enough_data", _("Not enough diary data")
    NOT_APPLICABLE = "not_applicable", _("Not on a dopaminergic drug")


@dataclass(frozen=True)
class DiaryNight:
    date: date
    onset_time: time | None
    arms_involved: bool


@dataclass(frozen=True)
class Window:
    start: date
    end: date
    nights: int
    nights_with_onset: int
    median_onset: time | None
    arms_nights: int


@dataclass(frozen=True)
class AugmentationWatch:
    status: AugmentationStatus
    recent: Window | None = None
    previous: Window | None = None
    onset_shift_minutes: int | None = None  # positive: the recent median is that much earlier
    onset_earlier: bool = False
    arms_new: bool = False
    reasons: list[str] = field(default_factory=list)
    citation: str = CITATION

    @property
    def flagged(self) -> bool:
        return self.status == AugmentationStatus.FLAGGED

    @property
    def evidence(self) -> str:
        """Return a one-line account of the two windows, for the clinician."""
        if not (self.recent and self.previous):
            return str(self.status.label)
        recent, previous = self.recent, self.previous
        return (
            f"median onset {_fmt(recent.median_onset)} ({recent.start:%d %b}-{recent.end:%d %b}, "
            f"{recent.nights_with_onset} nights) vs {_fmt(previous.median_onset)} "
            f"({previous.start:%d %b}-{previous.end:%d %b}, {previous.nights_with_onset} nights); "
            f"arms on {recent.arms_nights} vs {previous.arms_nights} nights"
        )


def _fmt(value: time | None) -> str:
    return value.strftime("%H:%M") if value else "-"


def _window(nights: list[DiaryNight], start: date, end: date) -> tuple[Window, float | None]:
    inside = [n for n in nights if start <= n.date <= end]
    onsets = [minutes_into_night(n.onset_time) for n in inside if n.onset_time is not None]
    median = statistics.median(onsets) if onsets else None
    window = Window(
        start=start,
        end=end,
        nights=len(inside),
        nights_with_onset=len(onsets),
        median_onset=None if median is None else time_from_night_minutes(median),
        arms_nights=sum(1 for n in inside if n.arms_involved),
    )
    return window, median


def watch_windows(today: date) -> tuple[date, date]:
    """Return (first day of the previous window, last day of the recent window) for ``today``."""
    return today - timedelta(days=2 * WINDOW_DAYS - 1), today


def augmentation_watch(
    *, nights: Iterable[DiaryNight], today: date, on_dopaminergic: bool
) -> AugmentationWatch:
    """Return the augmentation-watch result for the diary nights up to ``today``.

    Flags when the recent median onset is at least ONSET_SHIFT_HOURS earlier than the previous window's,
    or when arms involvement appears in the recent window after none in the previous one. Each window
    needs MIN_NIGHTS nights (with an onset time, for the onset comparison); otherwise that comparison is
    not made.
    """
    if not on_dopaminergic:
        return AugmentationWatch(status=AugmentationStatus.NOT_APPLICABLE)
    days = WINDOW_DAYS
    min_nights = MIN_NIGHTS
    threshold = ONSET_SHIFT_HOURS * 60
    nights = list(nights)
    recent, recent_median = _window(nights, today - timedelta(days=days - 1), today)
    previous, previous_median = _window(
        nights, today - timedelta(days=2 * days - 1), today - timedelta(days=days)
    )

    onset_comparable = recent.nights_with_onset >= min_nights and previous.nights_with_onset >= min_nights
    arms_comparable = recent.nights >= min_nights and previous.nights >= min_nights
    shift = None
    onset_earlier = arms_new = False
    reasons = []
    if onset_comparable and previous_median is not None and recent_median is not None:
        shift = round(previous_median - recent_median)
        onset_earlier = shift >= threshold
        if onset_earlier:
            reasons.append(str(_("Symptoms start %(hours).1f h earlier (median).")) % {"hours": shift / 60})
    if arms_comparable:
        arms_new = recent.arms_nights > 0 and previous.arms_nights == 0
        if arms_new:
            message = _("Arms involved on %(n)d recent nights, none before.")
            reasons.append(str(message) % {"n": recent.arms_nights})

    if onset_earlier or arms_new:
        status = AugmentationStatus.FLAGGED
    elif onset_comparable or arms_comparable:
        status = AugmentationStatus.NO_SIGNS
    else:
        status = AugmentationStatus.NOT_ENOUGH_DATA
    return AugmentationWatch(
        status=status,
        recent=recent,
        previous=previous,
        onset_shift_minutes=shift,
        onset_earlier=onset_earlier,
        arms_new=arms_new,
        reasons=reasons,
    )
