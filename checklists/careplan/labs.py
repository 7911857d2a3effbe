"""Iron-studies interpretation for the clinician, by the AASM 2024 consensus thresholds.

A guideline note with its citation, never a prescription. Ferritin <= FERRITIN_ORAL_OR_IV_MAX or
TSAT < TSAT_LOW_BELOW: oral or IV iron may be considered; ferritin up to FERRITIN_IV_ONLY_MAX: IV iron
only; above: no iron indicated. The thresholds are the guideline's, not a deployment's choice, so they
are constants here rather than settings.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

AASM_2024_CITATION = (
    "AASM 2024 clinical practice guideline (PMID 39324694, doi:10.5664/jcsm.11390); consensus thresholds, "
    "not empirically tested."
)

# AASM 2024 clinical practice guideline (Winkelman et al., J Clin Sleep Med 2024; PMID 39324694,
# doi:10.5664/jcsm.11390; shared/clinical-content.md "Iron track"), consensus thresholds that the
# guideline itself says are not empirically tested: ferritin <= 75 ng/mL or TSAT < 20%: oral or IV iron
# may be considered; ferritin 75-100 ng/mL: IV iron only.
FERRITIN_ORAL_OR_IV_MAX = Decimal(75)  # ng/mL (= ug/L), inclusive
FERRITIN_IV_ONLY_MAX = Decimal(100)  # ng/mL (= ug/L), inclusive
TSAT_LOW_BELOW = Decimal(20)  # %, exclusive


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
    ferritin = None if ferritin is None else Decimal(str(ferritin))
    tsat = None if tsat is None else Decimal(str(tsat))

    if (ferritin is not None and ferritin <= FERRITIN_ORAL_OR_IV_MAX) or (
        tsat is not None and tsat < TSAT_LOW_BELOW
    ):
        category = IronCategory.ORAL_OR_IV
    elif ferritin is None:
        category = IronCategory.INCOMPLETE
    elif ferritin <= FERRITIN_IV_ONLY_MAX:
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
