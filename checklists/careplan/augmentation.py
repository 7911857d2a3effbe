"""Augmentation screening: does the diary show the signs of augmentation against the patient's baseline?

Screens a patient on a dopaminergic drug against the Max Planck Institute (MPI) criteria as
shared/clinical-content.md words them ("Medication track", "Diagnostic standard"; Garcia-Borreguero et
al., Sleep Med 2007, PMID 17544323):

- (A) nightly severity worse than the baseline on at least WORSE_NIGHTS_NEEDED of the WEEK_NIGHTS most
  recent nights;
- (B) symptom onset at least ONSET_SHIFT_ALONE_HOURS earlier than the baseline, or
  ONSET_SHIFT_SIGN_HOURS to ONSET_SHIFT_ALONE_HOURS earlier together with spread to the arms or greater
  intensity (the diary has no measure of time at rest or of a dose's relief).

The baseline is the patient's own: a period the clinician picks, or else the first BASELINE_WEEKS weeks
after the dopaminergic drug started. Onset is compared against it, so a slow drift of a few minutes a
night adds up. A night belongs to the evening it started (checklists/diary/rules.py), and an onset is
placed on that evening's own axis (minutes since EVENING_AXIS_STARTS_AT), so 03:30 -> 04:30 is later.

The result says which criteria appear met, with the evidence. It is a prompt for the clinician
("possible augmentation: review"), never a diagnosis, and never shown to the patient.
"""

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from checklists.careplan.content import Ruleset

# One definition of a diary night for the diary and this screening; NIGHT_STARTS_AT stays importable here.
from checklists.diary.rules import MINUTES_PER_DAY
from checklists.diary.rules import NIGHT_STARTS_AT as NIGHT_STARTS_AT

RULESET = Ruleset(
    name="augmentation",
    revision=1,
    sources=(
        "Garcia-Borreguero et al., Sleep Med 2007, PMID 17544323 (Max Planck Institute criteria)",
        "Garcia-Borreguero et al., Sleep Med 2016, PMID 27448465 (signs of augmentation)",
    ),
)
CITATION = "; ".join(RULESET.sources)

# MPI criteria (PMID 17544323, as shared/clinical-content.md words them): part of the rule, not a
# deployment's choice. (A) worse on at least 5 of the 7 most recent nights. (B) onset at least 4 h
# earlier, or 2-4 h earlier with spread or greater intensity; an earlier onset of 2 h is also the low end
# of "often 2-4 h earlier" (PMID 27448465), so it is shown to the clinician as a sign on its own.
WEEK_NIGHTS = 7
WORSE_NIGHTS_NEEDED = 5
ONSET_SHIFT_ALONE_HOURS = 4
ONSET_SHIFT_SIGN_HOURS = 2

# The baseline: the content says "before treatment, or the first weeks on it" and gives no number of
# weeks. App convention: the first 4 weeks after the dopaminergic drug's start date (enough nights for a
# median; augmentation, about 8% a year on treatment (PMID 21493132), has seldom begun by then). The
# clinician picks another period on the patient's page when this one does not fit (no diary then, a
# dose still being adjusted).
BASELINE_WEEKS = 4

# App rules, not clinical ones. Onset and arms are compared over the RECENT_NIGHTS most recent nights
# (a median over two weeks, not one noisy night); every compared period needs MIN_NIGHTS diary nights.
RECENT_NIGHTS = 14
MIN_NIGHTS = 5
# A night is "worse" when its severity (0-10) is more than SEVERITY_WORSE_MARGIN above the baseline
# median, so a one-point wobble on the diary's scale does not count (app convention, no source).
SEVERITY_WORSE_MARGIN = 1
# Spread to the arms: arms involved on at least this share of the recent nights, and on a larger share
# than in the baseline (app convention: a single night with arms is not a spread).
SPREAD_MIN_SHARE = 0.5

# The evening's own axis: an onset time is read as minutes after noon of the night's date, so 18:00,
# 23:00, 00:30 and 04:30 follow each other on the same night. The diary stores a time of day without a
# date; an onset between NIGHT_STARTS_AT and noon is read as the morning after the night (and counted in
# the evidence, since on a severely augmented patient it may have been that day's morning instead).
EVENING_AXIS_STARTS_AT = time(12, 0)


class AugmentationStatus(models.TextChoices):
    FLAGGED = "flagged", _("Possible augmentation: review")
    NO_SIGNS = "no_signs", _("No signs in the diary")
    NOT_ENOUGH_DATA = "not_enough_data", _("Not enough diary data")
    NO_BASELINE = "no_baseline", _("No baseline: pick a baseline period")
    NOT_APPLICABLE = "not_applicable", _("Not on a dopaminergic drug")


class BaselineSource(models.TextChoices):
    CLINICIAN = "clinician", _("period picked by the clinician")
    DRUG_START = "drug_start", _("first weeks on the dopaminergic drug")


@dataclass(frozen=True)
class DiaryNight:
    date: date  # the evening the night started
    onset_time: time | None
    arms_involved: bool
    severity: int | None = None


@dataclass(frozen=True)
class Baseline:
    start: date
    end: date
    source: BaselineSource
    drug: str = ""  # the dopaminergic drug whose start set it (source DRUG_START)


@dataclass(frozen=True)
class Window:
    start: date
    end: date
    nights: int
    nights_with_onset: int
    median_onset: time | None
    median_onset_minutes: float | None  # on the evening's axis
    median_severity: float | None
    arms_nights: int
    morning_onsets: int = 0  # onsets between NIGHT_STARTS_AT and noon (read as the morning after)

    @property
    def arms_share(self) -> float:
        return self.arms_nights / self.nights if self.nights else 0.0


@dataclass(frozen=True)
class AugmentationWatch:
    status: AugmentationStatus
    baseline: Baseline | None = None
    baseline_window: Window | None = None
    recent: Window | None = None  # the RECENT_NIGHTS most recent nights: onset and arms
    week: Window | None = None  # the WEEK_NIGHTS most recent nights: criterion A
    week_severities: tuple[tuple[date, int], ...] = ()
    worse_nights: int | None = None
    onset_shift_minutes: int | None = None  # positive: the recent median is that much earlier
    onset_earlier: bool = False  # at least ONSET_SHIFT_SIGN_HOURS earlier
    spread: bool = False
    intensity_greater: bool = False
    criterion_a: bool = False
    criterion_b: bool = False
    reasons: list[str] = field(default_factory=list)
    citation: str = CITATION
    rule_version: str = RULESET.tag

    @property
    def flagged(self) -> bool:
        return self.status == AugmentationStatus.FLAGGED

    @property
    def criteria_met(self) -> list[str]:
        """Return the MPI criteria that appear met, e.g. ["A", "B"]."""
        return [name for name, met in (("A", self.criterion_a), ("B", self.criterion_b)) if met]

    @property
    def evidence(self) -> str:
        """Return a one-line account of the baseline and the recent nights, for the clinician."""
        return evidence_text(self.evidence_data())

    def evidence_data(self) -> dict[str, Any]:
        """Return the evidence as JSON-ready data (what a stored finding keeps)."""
        data: dict[str, Any] = {"status": str(self.status), "criteria_met": self.criteria_met}
        if self.baseline:
            data["baseline"] = {
                "start": self.baseline.start.isoformat(),
                "end": self.baseline.end.isoformat(),
                "source": str(self.baseline.source),
                "drug": self.baseline.drug,
            }
        for key, window in (("baseline_nights", self.baseline_window), ("recent", self.recent)):
            if window:
                data[key] = _window_data(window)
        if self.week:
            data["week"] = {
                "start": self.week.start.isoformat(),
                "end": self.week.end.isoformat(),
                "severities": [[d.isoformat(), s] for d, s in self.week_severities],
                "worse_nights": self.worse_nights,
            }
        data["onset_shift_minutes"] = self.onset_shift_minutes
        data["signs"] = {
            "onset_earlier": self.onset_earlier,
            "spread": self.spread,
            "intensity_greater": self.intensity_greater,
        }
        data["reasons"] = list(self.reasons)
        return data


def _window_data(window: Window) -> dict[str, Any]:
    return {
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "nights": window.nights,
        "nights_with_onset": window.nights_with_onset,
        "median_onset": _fmt(window.median_onset),
        "median_severity": window.median_severity,
        "arms_nights": window.arms_nights,
        "morning_onsets": window.morning_onsets,
    }


def _fmt(value: time | None) -> str:
    return value.strftime("%H:%M") if value else "-"


def _day(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d %b %Y")


def evidence_text(data: dict[str, Any]) -> str:
    """Return the clinician's one-line evidence for ``evidence_data()`` (also for a stored finding)."""
    parts = []
    baseline, nights = data.get("baseline"), data.get("baseline_nights")
    if baseline:
        text = str(_("baseline %(start)s-%(end)s")) % {
            "start": _day(baseline["start"]),
            "end": _day(baseline["end"]),
        }
        if baseline.get("drug"):
            text += " " + str(_("(first weeks on %(drug)s)")) % {"drug": baseline["drug"]}
        if nights:
            text += ": " + str(
                _("median onset %(onset)s, median severity %(severity)s, arms on %(arms)d of %(n)d nights")
            ) % {
                "onset": nights["median_onset"],
                "severity": _num(nights["median_severity"]),
                "arms": nights["arms_nights"],
                "n": nights["nights"],
            }
        parts.append(text)
    recent = data.get("recent")
    if recent:
        text = str(_("recent %(start)s-%(end)s: median onset %(onset)s")) % {
            "start": _day(recent["start"]),
            "end": _day(recent["end"]),
            "onset": recent["median_onset"],
        }
        shift = data.get("onset_shift_minutes")
        if shift is not None:
            direction = _("earlier") if shift > 0 else _("later")
            text += " " + str(_("(%(hours).1f h %(direction)s)")) % {
                "hours": abs(shift) / 60,
                "direction": direction,
            }
        text += ", " + str(_("arms on %(arms)d of %(n)d nights")) % {
            "arms": recent["arms_nights"],
            "n": recent["nights"],
        }
        if recent.get("morning_onsets"):
            text += ", " + str(_("%(n)d onsets before noon read as the morning after")) % {
                "n": recent["morning_onsets"]
            }
        parts.append(text)
    week = data.get("week")
    if week and week.get("worse_nights") is not None:
        parts.append(
            str(_("last %(n)d nights' severity %(values)s: %(worse)d worse than baseline"))
            % {
                "n": WEEK_NIGHTS,
                "values": ", ".join(str(s) for _d, s in week["severities"]) or "-",
                "worse": week["worse_nights"],
            }
        )
    return "; ".join(parts) if parts else str(AugmentationStatus(data["status"]).label)


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:g}"


def evening_minutes(value: time) -> int:
    """Return ``value``'s minutes on its evening's axis (0 at EVENING_AXIS_STARTS_AT, up to 1439), so
    23:00 < 00:30 < 03:30 < 04:30 on the same night."""
    start = EVENING_AXIS_STARTS_AT.hour * 60 + EVENING_AXIS_STARTS_AT.minute
    return (value.hour * 60 + value.minute - start) % MINUTES_PER_DAY


def time_from_evening_minutes(minutes: float) -> time:
    """Return the wall time ``minutes`` (rounded) after EVENING_AXIS_STARTS_AT: evening_minutes' inverse."""
    start = EVENING_AXIS_STARTS_AT.hour * 60 + EVENING_AXIS_STARTS_AT.minute
    total = (round(minutes) + start) % MINUTES_PER_DAY
    return time(total // 60, total % 60)


def _is_morning(value: time) -> bool:
    return NIGHT_STARTS_AT <= value.replace(tzinfo=None) < EVENING_AXIS_STARTS_AT


def choose_baseline(
    *, clinician_period: tuple[date, date] | None, dopaminergic_starts: Iterable[tuple[str, date | None]]
) -> Baseline | None:
    """Return the patient's baseline: the clinician's period if set, else the first BASELINE_WEEKS weeks
    after the earliest start date of their current dopaminergic drugs; None when neither is known."""
    if clinician_period:
        return Baseline(start=clinician_period[0], end=clinician_period[1], source=BaselineSource.CLINICIAN)
    dated = sorted((start, name) for name, start in dopaminergic_starts if start is not None)
    if not dated:
        return None
    start, name = dated[0]
    end = start + timedelta(weeks=BASELINE_WEEKS) - timedelta(days=1)
    return Baseline(start=start, end=end, source=BaselineSource.DRUG_START, drug=name)


def diary_ranges(*, today: date, baseline: Baseline | None) -> list[tuple[date, date]]:
    """Return the date ranges of diary nights the screening reads (the baseline and the recent nights)."""
    ranges = [(today - timedelta(days=RECENT_NIGHTS), today)]
    if baseline:
        ranges.append((baseline.start, baseline.end))
    return ranges


def _window(nights: list[DiaryNight], start: date, end: date) -> Window:
    inside = [n for n in nights if start <= n.date <= end]
    onsets = [evening_minutes(n.onset_time) for n in inside if n.onset_time is not None]
    severities = [n.severity for n in inside if n.severity is not None]
    median = statistics.median(onsets) if onsets else None
    return Window(
        start=start,
        end=end,
        nights=len(inside),
        nights_with_onset=len(onsets),
        median_onset=None if median is None else time_from_evening_minutes(median),
        median_onset_minutes=median,
        median_severity=statistics.median(severities) if severities else None,
        arms_nights=sum(1 for n in inside if n.arms_involved),
        morning_onsets=sum(1 for n in inside if n.onset_time is not None and _is_morning(n.onset_time)),
    )


def augmentation_watch(
    *,
    nights: Iterable[DiaryNight],
    today: date,
    on_dopaminergic: bool,
    baseline: Baseline | None = None,
) -> AugmentationWatch:
    """Return the screening of the diary ``nights`` up to the night of ``today`` against ``baseline``.

    Recent nights end with today's night if it is in the diary, else yesterday's, and only nights after
    the baseline count as recent. Flagged ("possible augmentation: review") when either MPI criterion
    appears met, or onset is at least ONSET_SHIFT_SIGN_HOURS earlier, or the arms are newly involved;
    ``criteria_met`` and ``reasons`` say which.
    """
    if not on_dopaminergic:
        return AugmentationWatch(status=AugmentationStatus.NOT_APPLICABLE)
    if baseline is None:
        return AugmentationWatch(
            status=AugmentationStatus.NO_BASELINE,
            reasons=[
                str(
                    _(
                        "No baseline: the dopaminergic drug's start date is not recorded. Enter it, or pick"
                        " a baseline period on the patient's page."
                    )
                )
            ],
        )
    nights = list(nights)
    base = _window(nights, baseline.start, baseline.end)
    last = today if any(n.date == today for n in nights) else today - timedelta(days=1)
    after_baseline = baseline.end + timedelta(days=1)
    recent = _window(nights, max(last - timedelta(days=RECENT_NIGHTS - 1), after_baseline), last)
    week = _window(nights, max(last - timedelta(days=WEEK_NIGHTS - 1), after_baseline), last)
    if base.nights < MIN_NIGHTS:
        message = _(
            "No baseline: %(n)d diary nights from %(start)s to %(end)s, at least %(min)d needed. Pick a"
            " baseline period with diary nights on the patient's page."
        )
        values = {"n": base.nights, "start": baseline.start, "end": baseline.end, "min": MIN_NIGHTS}
        return AugmentationWatch(
            status=AugmentationStatus.NO_BASELINE,
            baseline=baseline,
            baseline_window=base,
            reasons=[str(message) % values],
        )

    reasons: list[str] = []
    margin_above = (base.median_severity or 0) + SEVERITY_WORSE_MARGIN
    severities = tuple(
        sorted(
            (n.date, n.severity)
            for n in nights
            if n.severity is not None and week.start <= n.date <= week.end
        )
    )
    worse = sum(1 for _d, s in severities if s > margin_above)
    criterion_a = worse >= WORSE_NIGHTS_NEEDED
    if criterion_a:
        reasons.append(
            str(
                _(
                    "MPI criterion A appears met: severity worse than baseline on %(worse)d of the last"
                    " %(n)d nights (check whether something else explains it)."
                )
            )
            % {"worse": worse, "n": WEEK_NIGHTS}
        )

    shift = None
    if (
        recent.nights_with_onset >= MIN_NIGHTS
        and base.nights_with_onset >= MIN_NIGHTS
        and recent.median_onset_minutes is not None
        and base.median_onset_minutes is not None
    ):
        shift = round(base.median_onset_minutes - recent.median_onset_minutes)
    onset_earlier = shift is not None and shift >= ONSET_SHIFT_SIGN_HOURS * 60
    onset_far_earlier = shift is not None and shift >= ONSET_SHIFT_ALONE_HOURS * 60
    recent_enough = recent.nights >= MIN_NIGHTS
    spread = recent_enough and recent.arms_share >= SPREAD_MIN_SHARE and recent.arms_share > base.arms_share
    intensity_greater = (
        recent_enough and recent.median_severity is not None and recent.median_severity > margin_above
    )
    criterion_b = onset_far_earlier or (onset_earlier and (spread or intensity_greater))
    hours = {"hours": (shift or 0) / 60}
    if criterion_b and onset_far_earlier:
        reasons.append(
            str(_("MPI criterion B appears met: onset %(hours).1f h earlier than baseline.")) % hours
        )
    elif criterion_b:
        signs = [str(_("spread to the arms"))] if spread else []
        signs += [str(_("greater intensity"))] if intensity_greater else []
        text = _("MPI criterion B appears met: onset %(hours).1f h earlier than baseline, with %(signs)s.")
        reasons.append(str(text) % {**hours, "signs": str(_(" and ")).join(signs)})
    elif onset_earlier:
        reasons.append(
            str(
                _(
                    "Onset %(hours).1f h earlier than baseline (criterion B needs 4 h, or 2-4 h with spread"
                    " or greater intensity)."
                )
            )
            % hours
        )
    if spread:
        reasons.append(
            str(
                _(
                    "Arms involved on %(recent)d of the last %(n)d nights, %(base)d of %(base_n)d in the"
                    " baseline."
                )
            )
            % {
                "recent": recent.arms_nights,
                "n": recent.nights,
                "base": base.arms_nights,
                "base_n": base.nights,
            }
        )

    if criterion_a or criterion_b or onset_earlier or spread:
        status = AugmentationStatus.FLAGGED
    elif recent_enough:
        status = AugmentationStatus.NO_SIGNS
    else:
        status = AugmentationStatus.NOT_ENOUGH_DATA
        reasons.append(
            str(_("%(n)d diary nights since the baseline ended; at least %(min)d needed."))
            % {"n": recent.nights, "min": MIN_NIGHTS}
        )
    return AugmentationWatch(
        status=status,
        baseline=baseline,
        baseline_window=base,
        recent=recent,
        week=week,
        week_severities=severities,
        worse_nights=worse,
        onset_shift_minutes=shift,
        onset_earlier=onset_earlier,
        spread=spread,
        intensity_greater=intensity_greater,
        criterion_a=criterion_a,
        criterion_b=criterion_b,
        reasons=reasons,
    )
