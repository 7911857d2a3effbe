"""IRLS total -> severity band (Walters 2003). Only the total is used: the item wording is licensed."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from checklists.careplan.content import Ruleset

RULESET = Ruleset(
    name="irls-band",
    revision=1,
    sources=("IRLS severity bands: Walters 2003 (clinical content, Rating scales)",),
)

IRLS_MIN = 0
IRLS_MAX = 40


class IrlsBand(models.TextChoices):
    NONE = "none", _("none")
    MILD = "mild", _("mild")
    MODERATE = "moderate", _("moderate")
    SEVERE = "severe", _("severe")
    VERY_SEVERE = "very_severe", _("very severe")


# Upper bound (inclusive) of each band: 0 none, 1-10 mild, 11-20 moderate, 21-30 severe, 31-40 very severe
# (Walters 2003, via shared/clinical-content.md).
_BAND_UPPER_BOUNDS: list[tuple[int, IrlsBand]] = [
    (0, IrlsBand.NONE),
    (10, IrlsBand.MILD),
    (20, IrlsBand.MODERATE),
    (30, IrlsBand.SEVERE),
    (IRLS_MAX, IrlsBand.VERY_SEVERE),
]


def irls_band(total: int) -> IrlsBand:
    """Return the severity band of an IRLS total; raises ValueError outside 0-40."""
    if not IRLS_MIN <= total <= IRLS_MAX:
        raise ValueError(f"An IRLS total is between {IRLS_MIN} and {IRLS_MAX}; got {total}.")
    for upper, band in _BAND_UPPER_BOUNDS:
        if total <= upper:
            return band
    raise AssertionError("unreachable")


def band_range(band: IrlsBand) -> tuple[int, int]:
    """Return the lowest and highest IRLS total of ``band`` (both inclusive)."""
    lower = IRLS_MIN
    for upper, each in _BAND_UPPER_BOUNDS:
        if each == band:
            return lower, upper
        lower = upper + 1
    raise ValueError(f"Not an IRLS band: {band!r}.")
