"""Iron-studies interpretation for the clinician, by the AASM 2024 consensus thresholds.

A guideline note with its citation, never a prescription. Thresholds are settings (see settings.py):
ferritin <= CAREPLAN_FERRITIN_ORAL_OR_IV_MAX or TSAT < CAREPLAN_TSAT_LOW_BELOW: oral or IV iron may be
considered; ferritin up to CAREPLAN_FERRITIN_IV_ONLY_MAX: IV iron only; above: no iron indicated.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

AASM_2024_CITATION = (
    "AASM 2024 clinical practice guideline (PMID 39324694, doi:10.5664/jcsm.11390); consensus thresholds, "
    "not empirically tested."
)


class IronCategory(models.TextChoices):
    ORAL_OR_IV = "oral_or_iv", _("Iron therapy may be considered (oral or IV)")
    IV_ONLY = "iv_only", _("IV iron only, per guideline")
    NONE_INDICATED = "none_indicated", _("No iron indicated by these thresholds")
    INCOMPLETE = "incomplete", _("Not enough values to apply the thresholds")


@dataclass(frozen=True)
class IronInterpretation:
    category: IronCategory
    note: str
    citation: str = AASM_2024_CITATION

    @property
    def label(self) -> str:
        return str(self.category.label)

    @property
    def flagged(self) -> bool:
        """True when the thresholds say iron may be considered (oral/IV or IV only)."""
        return self.category in (IronCategory.ORAL_OR_IV, IronCategory.IV_ONLY)


def interpret_iron(*, ferritin: Decimal | float | None, tsat: Decimal | float | None) -> IronInterpretation:
    """Return the AASM 2024 threshold category of a ferritin (ng/mL = ug/L) and TSAT (%) pair.

    Either value may be missing: a low value alone is enough for "may be considered"; without ferritin
    the IV-only and no-iron bands cannot be told apart, so the result says the values are incomplete.
    """
    oral_or_iv_max = Decimal(settings.CAREPLAN_FERRITIN_ORAL_OR_IV_MAX)
    iv_only_max = Decimal(settings.CAREPLAN_FERRITIN_IV_ONLY_MAX)
    tsat_low_below = Decimal(settings.CAREPLAN_TSAT_LOW_BELOW)
    ferritin = None if ferritin is None else Decimal(str(ferritin))
    tsat = None if tsat is None else Decimal(str(tsat))

    if (ferritin is not None and ferritin <= oral_or_iv_max) or (tsat is not None and tsat < tsat_low_below):
        category = IronCategory.ORAL_OR_IV
    elif ferritin is None:
        category = IronCategory.INCOMPLETE
    elif ferritin <= iv_only_max:
        category = IronCategory.IV_ONLY
    else:
        category = IronCategory.NONE_INDICATED

    missing = []
    if ferritin is None:
        missing.append(str(_("ferritin")))
    if tsat is None:
        missing.append("TSAT")
    note = str(category.label)
    if missing:
        note += " " + str(_("(no %(missing)s value)")) % {"missing": " / ".join(missing)}
    return IronInterpretation(category=category, note=note)
