"""The visit report's charts, drawn on the server as inline SVG.

The iron charts draw the guideline's lines only in the clinician's version: like the lab
interpretations, they are for the clinician to read (the adult thresholds do not fit every patient).

No script and no style attributes (the strict CSP, and WeasyPrint draws the same markup into the PDF):
every mark carries a class that report.css colours. Each function returns "" when there is nothing to
draw, and the template says so in words. Every value written into the markup is a number we computed or
text escaped here.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from checklists.careplan.augmentation import evening_minutes, time_from_evening_minutes
from checklists.careplan.labs import (
    FERRITIN_IV_ONLY_MAX,
    FERRITIN_ORAL_OR_IV_MAX,
    TSAT_LOW_BELOW,
    TSAT_UPPER_GUARD,
)
from checklists.careplan.severity import IRLS_MAX, IRLS_MIN, IrlsBand, band_range
from checklists.report.selectors import ChecklistAdherence, LabPoint, NightPoint, ScorePoint

# Drawing units (the SVG scales to the page width): a plot area with room for axis labels around it.
WIDTH = 400
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 8, 18
DIARY_SCALE_MAX = 10


@dataclass(frozen=True)
class _Frame:
    """Maps dates to x and values to y inside a plot of ``height`` units."""

    first: date
    last: date
    low: float
    high: float
    height: int

    def x(self, day: date) -> float:
        span = max((self.last - self.first).days, 1)
        return round(LEFT + (WIDTH - LEFT - RIGHT) * (day - self.first).days / span, 1)

    def y(self, value: float) -> float:
        span = (self.high - self.low) or 1
        clipped = min(max(value, self.low), self.high)
        return round(self.height - BOTTOM - (self.height - TOP - BOTTOM) * (clipped - self.low) / span, 1)

    @property
    def x0(self) -> float:
        return LEFT

    @property
    def x1(self) -> float:
        return WIDTH - RIGHT


def _svg(frame: _Frame, label: str, parts: Iterable[str]) -> SafeString:
    body = "".join(parts)
    return mark_safe(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {frame.height}" role="img" aria-label="{escape(label)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(label)}</title>{body}</svg>'
    )


def _text(x: float, y: float, text: str, css: str = "tick", anchor: str = "middle") -> str:
    return f'<text class="{css}" x="{x}" y="{y}" text-anchor="{anchor}">{escape(text)}</text>'


def _line(x1: float, y1: float, x2: float, y2: float, css: str) -> str:
    return f'<line class="{css}" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"/>'


def _date_axis(frame: _Frame) -> list[str]:
    """The x axis: a baseline and five evenly spaced date labels."""
    base = frame.height - BOTTOM
    parts = [_line(frame.x0, base, frame.x1, base, "axis")]
    span = (frame.last - frame.first).days
    for step in range(5):
        day = frame.first + timedelta(days=round(span * step / 4))
        anchor = "start" if step == 0 else "end" if step == 4 else "middle"  # the ends stay on the page
        parts.append(_text(frame.x(day), frame.height - 6, day.strftime("%d %b"), anchor=anchor))
    return parts


def _value_axis(frame: _Frame, ticks: Sequence[float], unit: str = "") -> list[str]:
    parts = []
    for tick in ticks:
        y = frame.y(tick)
        parts.append(_line(frame.x0, y, frame.x1, y, "gridline"))
        parts.append(_text(frame.x0 - 4, y + 3, f"{tick:g}{unit}", anchor="end"))
    return parts


def _guideline(frame: _Frame, value: float, label: str) -> list[str]:
    y = frame.y(value)
    return [
        _line(frame.x0, y, frame.x1, y, "guideline"),
        _text(frame.x1 - 2, y - 3, label, "guideline-label", "end"),
    ]


def _series(frame: _Frame, points: Sequence[tuple[date, float]], css: str) -> list[str]:
    """A line through the points (when more than one) and a dot on each."""
    parts = []
    if len(points) > 1:
        coordinates = " ".join(f"{frame.x(day)},{frame.y(value)}" for day, value in points)
        parts.append(f'<polyline class="{css}" points="{coordinates}"/>')
    parts += [
        f'<circle class="{css}-dot" cx="{frame.x(day)}" cy="{frame.y(value)}" r="3"/>'
        for day, value in points
    ]
    return parts


def _ceiling(values: Iterable[Decimal | float], floor: float) -> float:
    """Return a y-axis top: at least ``floor``, or the largest value plus a tenth, to the next 10."""
    top = max([float(v) for v in values] + [floor])
    return float(-(-top * 1.1 // 10) * 10) if top > floor else floor


def ferritin_chart(labs: Sequence[LabPoint], first: date, last: date, *, guidelines: bool) -> SafeString:
    """Ferritin (ng/mL = ug/L) over the period, with the guideline's 75 and 100 ng/mL lines if asked."""
    points = [(lab.drawn_on, float(lab.ferritin)) for lab in labs if lab.ferritin is not None]
    if not points:
        return mark_safe("")
    high = _ceiling([value for _day, value in points], 150)
    frame = _Frame(first=first, last=last, low=0, high=high, height=120)
    ticks = [0, high / 2, high]
    parts = _value_axis(frame, ticks) + _date_axis(frame)
    if guidelines:
        parts += _guideline(frame, float(FERRITIN_ORAL_OR_IV_MAX), f"{FERRITIN_ORAL_OR_IV_MAX} ng/mL")
        parts += _guideline(frame, float(FERRITIN_IV_ONLY_MAX), f"{FERRITIN_IV_ONLY_MAX} ng/mL")
    parts += _series(frame, points, "series-ferritin")
    return _svg(frame, _("Ferritin (ng/mL) over the period"), parts)


def tsat_chart(
    labs: Sequence[LabPoint], first: date, last: date, *, guidelines: bool, upper_guard: bool = False
) -> SafeString:
    """TSAT (%) over the period, with the guideline's 20% line if asked (and the 45% guard if asked)."""
    points = [(lab.drawn_on, float(lab.tsat)) for lab in labs if lab.tsat is not None]
    if not points:
        return mark_safe("")
    high = _ceiling([value for _day, value in points], 50)
    frame = _Frame(first=first, last=last, low=0, high=high, height=100)
    parts = _value_axis(frame, [0, high / 2, high], "%") + _date_axis(frame)
    if guidelines:
        parts += _guideline(frame, float(TSAT_LOW_BELOW), f"{TSAT_LOW_BELOW}%")
        if upper_guard:
            parts += _guideline(frame, float(TSAT_UPPER_GUARD), f"{TSAT_UPPER_GUARD}%")
    parts += _series(frame, points, "series-tsat")
    return _svg(frame, _("Transferrin saturation (%) over the period"), parts)


def _irls_bands() -> list[tuple[int, int, str, str]]:
    """Return (lowest, highest, band value, band label) per IRLS band, from the severity rule itself."""
    return [(*band_range(band), band.value, str(band.label)) for band in IrlsBand]


def irls_chart(scores: Sequence[ScorePoint], first: date, last: date) -> SafeString:
    """IRLS totals (0-40) over the period on the severity bands (Walters 2003)."""
    if not scores:
        return mark_safe("")
    frame = _Frame(first=first, last=last, low=IRLS_MIN, high=IRLS_MAX, height=140)
    parts = []
    for lowest, highest, value, label in _irls_bands():
        # A band covers its totals from half a point below its lowest to half above its highest.
        top, bottom = frame.y(highest + 0.5), frame.y(max(lowest - 0.5, IRLS_MIN))
        parts.append(
            f'<rect class="band band-{value}" x="{frame.x0}" y="{top}" width="{frame.x1 - frame.x0}" '
            f'height="{round(bottom - top, 1)}"/>'
        )
        if bottom - top >= 8:  # a band too thin to hold its name (0, "none") goes unnamed
            parts.append(_text(frame.x1 - 2, (top + bottom) / 2 + 3, label, "band-label", "end"))
    parts += _value_axis(frame, [0, 10, 20, 30, 40]) + _date_axis(frame)
    parts += _series(frame, [(s.scored_on, s.total) for s in scores], "series-irls")
    return _svg(frame, _("IRLS total over the period, on its severity bands"), parts)


def nights_chart(nights: Sequence[NightPoint], first: date, last: date) -> SafeString:
    """Nightly severity (bars, 0-10) and sleep quality (dots, 0-10) from the diary."""
    if not nights:
        return mark_safe("")
    frame = _Frame(first=first, last=last, low=0, high=DIARY_SCALE_MAX, height=120)
    bar = max(round((frame.x1 - frame.x0) / max((last - first).days + 1, 1) * 0.7, 1), 1)
    parts = _value_axis(frame, [0, 5, 10]) + _date_axis(frame)
    base = frame.y(0)
    for night in nights:
        top = frame.y(night.severity)
        parts.append(
            f'<rect class="bar-severity" x="{round(frame.x(night.date) - bar / 2, 1)}" y="{top}" '
            f'width="{bar}" height="{round(base - top, 1)}"/>'
        )
    parts += [
        f'<circle class="dot-sleep" cx="{frame.x(n.date)}" cy="{frame.y(n.sleep_quality)}" r="2"/>'
        for n in nights
        if n.sleep_quality is not None
    ]
    return _svg(frame, _("Nightly severity (bars) and sleep quality (dots), 0-10"), parts)


def _clock(minutes: float) -> str:
    return time_from_evening_minutes(minutes).strftime("%H:%M")


def onset_chart(nights: Sequence[NightPoint], first: date, last: date) -> SafeString:
    """The time symptoms began each night: earlier onsets sit lower (the augmentation signal).

    Each onset sits on its evening's own axis, as the augmentation watch reads it (``evening_minutes``):
    03:30 then 04:30 is an hour later, not a jump across the night.
    """
    points = [(n.date, evening_minutes(n.onset_time)) for n in nights if n.onset_time is not None]
    if not points:
        return mark_safe("")
    # Whole hours around the onsets seen, at least 16:00 to 02:00 so a flat week still reads as times.
    low = min(min(m for _day, m in points), evening_minutes(time(16))) // 60 * 60
    high = -(-max(max(m for _day, m in points), evening_minutes(time(2))) // 60) * 60
    frame = _Frame(first=first, last=last, low=low, high=high, height=120)
    ticks = [low, low + (high - low) // 2 // 60 * 60, high]
    parts = []
    for tick in ticks:
        y = frame.y(tick)
        parts += [
            _line(frame.x0, y, frame.x1, y, "gridline"),
            _text(frame.x0 - 4, y + 3, _clock(tick), anchor="end"),
        ]
    parts += _date_axis(frame)
    parts += [
        f'<circle class="dot-onset" cx="{frame.x(day)}" cy="{frame.y(m)}" r="2.5"/>' for day, m in points
    ]
    return _svg(frame, _("Symptom onset time each night"), parts)


def adherence_bar(row: ChecklistAdherence) -> SafeString:
    """A small horizontal bar of the share of due items checked off."""
    share = row.share or 0
    width = 120
    return mark_safe(
        f'<svg class="bar" viewBox="0 0 {width} 10" xmlns="http://www.w3.org/2000/svg" aria-hidden="true">'
        f'<rect class="bar-track" x="0" y="0" width="{width}" height="10"/>'
        f'<rect class="bar-done" x="0" y="0" width="{round(width * share, 1)}" height="10"/></svg>'
    )


def with_stylesheet(svg: SafeString, css: str) -> SafeString:
    """Return ``svg`` with ``css`` in a ``<style>`` element inside it (for the PDF renderer, which reads
    SVG styles only from there; the web page links the stylesheet instead, under its CSP)."""
    if not svg or not css:
        return svg
    head, _sep, rest = str(svg).partition(">")
    return mark_safe(f"{head}><style>{escape(css)}</style>{rest}")
