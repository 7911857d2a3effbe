"""Iron-studies notes for the clinician (shared/clinical-content.md "Iron track"), pure functions.

A guideline note with its citation, never a prescription. Which thresholds apply depends on the patient
as the clinician recorded them (``IronContext``, built by careplan/conditions.py), in this order:

1. a TSAT below TSAT_FRACTION_BELOW is queried (probably typed as a fraction) unless the clinician
   confirmed it: no threshold is applied to it;
2. pregnancy: "use the obstetric plan" instead of the adult categories (after the recorded due date:
   the content does not say, so no threshold-based note);
3. children (under CHILD_AGE_BELOW on the day of the draw): the pediatric ferritin thresholds; a child
   with kidney disease, or a child's TSAT at or above the upper guard: the content does not say;
4. dialysis: its own thresholds (ferritin < DIALYSIS_FERRITIN_BELOW and TSAT < DIALYSIS_TSAT_BELOW);
   chronic kidney disease without dialysis: the content gives no thresholds, so no threshold-based note;
5. adults: TSAT >= TSAT_UPPER_GUARD: no iron indicated whatever the ferritin; a missing TSAT is
   "incomplete: TSAT needed"; ferritin <= FERRITIN_ORAL_OR_IV_MAX or TSAT < TSAT_LOW_BELOW: oral or IV
   iron may be considered; ferritin <= FERRITIN_IV_ONLY_MAX: IV iron only; above: no iron indicated.

The thresholds are the sources', not a deployment's choice, so they are constants here, not settings.
Every stored note keeps ``RULESET.tag``; changing a rule here means bumping ``RULESET.revision``.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from checklists.careplan.content import Ruleset

AASM_2024 = (
    "AASM 2024 clinical practice guideline (Winkelman et al., J Clin Sleep Med; PMID 39324694, "
    "doi:10.5664/jcsm.11390)"
)
IRLSSG_2018 = "IRLSSG iron task force (Allen et al., Sleep Med 2018; PMID 29425576)"
IRLSSG_2018_PEDIATRIC = "IRLSSG 2018 pediatric recommendations; RLS Foundation algorithm"
IRLSSG_PREGNANCY_2015 = "IRLSSG pregnancy consensus (Picchietti et al., Sleep Med Rev 2015)"
CONTENT_SILENT = "shared/clinical-content.md v2 gives no threshold for this case"

RULESET = Ruleset(
    name="iron",
    revision=1,
    sources=(AASM_2024, IRLSSG_2018, IRLSSG_2018_PEDIATRIC, IRLSSG_PREGNANCY_2015),
)

# AASM 2024 (PMID 39324694), consensus thresholds the guideline says are not empirically tested:
# ferritin <= 75 ng/mL or TSAT < 20%: oral or IV iron may be considered; ferritin 75-100 ng/mL: IV iron
# only. 100 is kept inside the IV-only band (AASM "75-100"; IRLSSG 2018 writes "< 100"): at the
# boundary the note asks for a decision rather than reassures.
FERRITIN_ORAL_OR_IV_MAX = Decimal(75)  # ng/mL (= ug/L), inclusive
FERRITIN_IV_ONLY_MAX = Decimal(100)  # ng/mL (= ug/L), inclusive
TSAT_LOW_BELOW = Decimal(20)  # %, exclusive
# IRLSSG iron task force 2018 (PMID 29425576): IV iron only with TSAT < 45%; at or above it, iron is not
# indicated by these thresholds whatever the ferritin (risk of iron overload).
TSAT_UPPER_GUARD = Decimal(45)  # %, inclusive: 45 is "not indicated"
# Clinical content "Plausibility": TSAT is a percentage; below 1 it was almost certainly typed as a
# fraction (0.35 for 35%): ask, do not interpret.
TSAT_FRACTION_BELOW = Decimal(1)  # %
# IRLSSG 2018 pediatric recommendations (RLS Foundation algorithm): under 18, oral iron is recommended
# when ferritin < 50 ng/mL and may be considered at 50-75 ng/mL; the adult thresholds must not be applied.
CHILD_AGE_BELOW = 18  # years, on the day of the draw
CHILD_FERRITIN_ORAL_RECOMMENDED_BELOW = Decimal(50)  # ng/mL, exclusive
CHILD_FERRITIN_ORAL_MAY_MAX = Decimal(75)  # ng/mL, inclusive
# AASM 2024 (conditional): on dialysis / end-stage kidney disease, IV iron sucrose if ferritin < 200 ng/mL
# and TSAT < 20%; the adult 75/100 thresholds do not apply.
DIALYSIS_FERRITIN_BELOW = Decimal(200)  # ng/mL, exclusive
DIALYSIS_TSAT_BELOW = Decimal(20)  # %, exclusive


class IronCategory(models.TextChoices):
    """The stored note code (LabResult.note_code); the label is what the clinician reads."""

    ORAL_OR_IV = "oral_or_iv", _("Iron therapy may be considered (oral or IV)")
    IV_ONLY = "iv_only", _("IV iron only, per guideline")
    NONE_INDICATED = "none_indicated", _("No iron indicated by these thresholds")
    NONE_TSAT_HIGH = "none_tsat_high", _("No iron indicated: TSAT 45% or more, whatever the ferritin")
    INCOMPLETE_TSAT = "incomplete_tsat", _("Incomplete: TSAT needed")
    INCOMPLETE_FERRITIN = "incomplete_ferritin", _("Incomplete: ferritin needed")
    TSAT_QUERY = "tsat_query", _("Check the TSAT: a value below 1% looks like a fraction (0.35 for 35%)")
    PREGNANCY = "pregnancy", _("Pregnancy: use the obstetric plan")
    PREGNANCY_DUE_PASSED = (
        "pregnancy_due_passed",
        _("Pregnancy recorded, due date before this draw: update the conditions; the content does not say"),
    )
    CHILD_ORAL_RECOMMENDED = "child_oral_recommended", _("Child: oral iron recommended (ferritin below 50)")
    CHILD_ORAL_MAY = "child_oral_may", _("Child: oral iron may be considered (ferritin 50-75)")
    CHILD_INCOMPLETE = "child_incomplete", _("Child: incomplete: ferritin needed")
    CHILD_NOT_COVERED = "child_not_covered", _("Child: the content does not say; no threshold-based note")
    DIALYSIS_IV = (
        "dialysis_iv",
        _("Dialysis: IV iron sucrose may be considered (ferritin below 200 and TSAT below 20%)"),
    )
    DIALYSIS_OUTSIDE = (
        "dialysis_outside",
        _("Dialysis: outside the dialysis thresholds (ferritin below 200 and TSAT below 20%)"),
    )
    DIALYSIS_INCOMPLETE = "dialysis_incomplete", _("Dialysis: incomplete: ferritin and TSAT both needed")
    CKD_NOT_COVERED = (
        "ckd_not_covered",
        _("Kidney disease without dialysis: the content does not say; no threshold-based note"),
    )


# The categories that need nothing from the clinician beyond reading them; every other one is flagged.
NOT_FLAGGED = frozenset(
    {IronCategory.NONE_INDICATED, IronCategory.NONE_TSAT_HIGH, IronCategory.DIALYSIS_OUTSIDE}
)

CITATIONS: dict[str, str] = {
    IronCategory.ORAL_OR_IV: f"{AASM_2024}; consensus thresholds, not empirically tested.",
    IronCategory.IV_ONLY: f"{AASM_2024}; upper guard: {IRLSSG_2018}.",
    IronCategory.NONE_INDICATED: f"{AASM_2024}; upper guard: {IRLSSG_2018}.",
    IronCategory.NONE_TSAT_HIGH: f"{IRLSSG_2018}.",
    IronCategory.INCOMPLETE_TSAT: f"{AASM_2024}: test ferritin and TSAT; {IRLSSG_2018}.",
    IronCategory.INCOMPLETE_FERRITIN: f"{AASM_2024}: test ferritin and TSAT.",
    IronCategory.TSAT_QUERY: "Clinical content v2, plausibility: TSAT is a percentage (0-100).",
    IronCategory.PREGNANCY: f"{IRLSSG_PREGNANCY_2015}.",
    IronCategory.PREGNANCY_DUE_PASSED: f"{CONTENT_SILENT}.",
    IronCategory.CHILD_ORAL_RECOMMENDED: f"{IRLSSG_2018_PEDIATRIC}.",
    IronCategory.CHILD_ORAL_MAY: f"{IRLSSG_2018_PEDIATRIC}.",
    IronCategory.CHILD_INCOMPLETE: f"{IRLSSG_2018_PEDIATRIC}.",
    IronCategory.CHILD_NOT_COVERED: f"{IRLSSG_2018_PEDIATRIC}; {CONTENT_SILENT}.",
    IronCategory.DIALYSIS_IV: f"{AASM_2024}, conditional.",
    IronCategory.DIALYSIS_OUTSIDE: f"{AASM_2024}, conditional.",
    IronCategory.DIALYSIS_INCOMPLETE: f"{AASM_2024}, conditional.",
    IronCategory.CKD_NOT_COVERED: f"{CONTENT_SILENT}.",
}


@dataclass(frozen=True)
class IronContext:
    """What the rules need to know about the patient for one draw (careplan/conditions.iron_context)."""

    age_years: int | None = None  # on the day of the draw; None: date of birth not recorded
    chronic_kidney_disease: bool = False
    on_dialysis: bool = False
    pregnant: bool = False
    pregnancy_due_date: date | None = None
    drawn_on: date | None = None


# No condition and no date of birth recorded: the adult rules, with a remark that the age is not known.
NOTHING_RECORDED = IronContext()


@dataclass(frozen=True)
class IronInterpretation:
    category: IronCategory
    rule_version: str
    remarks: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return str(self.category.label)

    @property
    def note(self) -> str:
        """Return the label with any remarks, e.g. "... (date of birth not recorded: adult thresholds)"."""
        return f"{self.label} ({'; '.join(self.remarks)})" if self.remarks else self.label

    @property
    def citation(self) -> str:
        return CITATIONS[self.category]

    @property
    def flagged(self) -> bool:
        """True unless the note needs nothing from the clinician (no iron indicated, outside thresholds)."""
        return self.category not in NOT_FLAGGED


def _decimal(value: Decimal | float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _adult(ferritin: Decimal | None, tsat: Decimal | None) -> IronCategory:
    if tsat is not None and tsat >= TSAT_UPPER_GUARD:
        return IronCategory.NONE_TSAT_HIGH
    if tsat is None:
        return IronCategory.INCOMPLETE_TSAT
    if (ferritin is not None and ferritin <= FERRITIN_ORAL_OR_IV_MAX) or tsat < TSAT_LOW_BELOW:
        return IronCategory.ORAL_OR_IV
    if ferritin is None:
        return IronCategory.INCOMPLETE_FERRITIN
    if ferritin <= FERRITIN_IV_ONLY_MAX:
        return IronCategory.IV_ONLY
    return IronCategory.NONE_INDICATED


def _child(ferritin: Decimal | None, tsat: Decimal | None, context: IronContext) -> IronCategory:
    if context.chronic_kidney_disease or context.on_dialysis:
        return IronCategory.CHILD_NOT_COVERED
    if tsat is not None and tsat >= TSAT_UPPER_GUARD:
        return IronCategory.CHILD_NOT_COVERED
    if ferritin is None:
        return IronCategory.CHILD_INCOMPLETE
    if ferritin < CHILD_FERRITIN_ORAL_RECOMMENDED_BELOW:
        return IronCategory.CHILD_ORAL_RECOMMENDED
    if ferritin <= CHILD_FERRITIN_ORAL_MAY_MAX:
        return IronCategory.CHILD_ORAL_MAY
    return IronCategory.CHILD_NOT_COVERED


def _dialysis(ferritin: Decimal | None, tsat: Decimal | None) -> IronCategory:
    if ferritin is None or tsat is None:
        return IronCategory.DIALYSIS_INCOMPLETE
    if ferritin < DIALYSIS_FERRITIN_BELOW and tsat < DIALYSIS_TSAT_BELOW:
        return IronCategory.DIALYSIS_IV
    return IronCategory.DIALYSIS_OUTSIDE


def interpret_iron(
    *,
    ferritin: Decimal | float | None,
    tsat: Decimal | float | None,
    context: IronContext = NOTHING_RECORDED,
    tsat_confirmed: bool = False,
) -> IronInterpretation:
    """Return the note for one draw's ferritin (ng/mL = ug/L) and TSAT (%) for the patient in ``context``.

    ``tsat_confirmed``: the clinician confirmed a TSAT below TSAT_FRACTION_BELOW is really a percentage.
    The default context: nothing recorded about the patient (adult rules, with a remark saying so).
    """
    ferritin, tsat = _decimal(ferritin), _decimal(tsat)
    if tsat is not None and tsat < TSAT_FRACTION_BELOW and not tsat_confirmed:
        category = IronCategory.TSAT_QUERY
    elif context.pregnant:
        due = context.pregnancy_due_date
        passed = due is not None and context.drawn_on is not None and context.drawn_on > due
        category = IronCategory.PREGNANCY_DUE_PASSED if passed else IronCategory.PREGNANCY
    elif context.age_years is not None and context.age_years < CHILD_AGE_BELOW:
        category = _child(ferritin, tsat, context)
    elif context.on_dialysis:
        category = _dialysis(ferritin, tsat)
    elif context.chronic_kidney_disease:
        category = IronCategory.CKD_NOT_COVERED
    else:
        category = _adult(ferritin, tsat)
    return IronInterpretation(
        category=category, remarks=remarks_for(category, context), rule_version=RULESET.tag
    )


ADULT_CATEGORIES = frozenset(
    {
        IronCategory.ORAL_OR_IV,
        IronCategory.IV_ONLY,
        IronCategory.NONE_INDICATED,
        IronCategory.NONE_TSAT_HIGH,
        IronCategory.INCOMPLETE_TSAT,
        IronCategory.INCOMPLETE_FERRITIN,
    }
)


def remarks_for(category: IronCategory, context: IronContext) -> tuple[str, ...]:
    """Return what the clinician should know beside ``category``: an adult note without a date of birth."""
    if category in ADULT_CATEGORIES and context.age_years is None:
        return (str(_("date of birth not recorded: adult thresholds")),)
    return ()


def iron_note_from_code(
    code: str, *, rule_version: str, context: IronContext = NOTHING_RECORDED
) -> IronInterpretation | None:
    """Return a stored note (its code and rule version) as an interpretation, or None for an unknown code."""
    try:
        category = IronCategory(code)
    except ValueError:
        return None
    return IronInterpretation(
        category=category, remarks=remarks_for(category, context), rule_version=rule_version
    )


def note_label(code: str) -> str:
    """Return what the clinician reads for a stored note ``code`` (the code itself if no longer known)."""
    try:
        return str(IronCategory(code).label)
    except ValueError:
        return code
