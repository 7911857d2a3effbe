"""What the patient reads on the care-plan page (wording rules of shared/clinical-content.md)."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from checklists.careplan.severity import IrlsBand, band_range

HEADING = _("Your care team's plan")
DISCLAIMER = _(
    "This app supports your medical care; it does not replace it. It does not prescribe, dose or "
    "diagnose. If something changes or worries you, contact your care team."
)
MEDICATION_REVIEW_NOTE = _(
    "Review with your clinician: this medicine can make restless legs worse for some people. "
    "Discuss with your clinician before changing anything."
)

# The IRLS: what the total and its band mean (clinical content, "Rating scales": 10 items scored 0-4,
# total 0-40, the past week; bands per Walters 2003). The item wording is licensed: never quoted.
IRLS_MEANING = _(
    "The IRLS (International Restless Legs Syndrome Study Group rating scale) is a score your clinician "
    "gives from 10 questions about the past week, from 0 to 40: the higher, the more severe."
)
# Plain words for what the iron follow-ups say (clinical content, "Iron track").
TSAT_MEANING = _(
    "Ferritin and TSAT (transferrin saturation) are blood tests of the iron in your body. Guidelines "
    "advise them for people with restless legs. Different laboratories measure ferritin in slightly "
    "different ways, so each result is shown with its laboratory."
)
MORNING_DRAW_MEANING = _(
    "Morning draw: the blood is taken in the morning, with no iron-containing supplements or foods for at "
    "least 24 hours before. Follow your care team's instructions if they differ."
)
# An overdue follow-up: the next step, with or without the clinic's contact details.
OVERDUE_NEXT_STEP = _("This is overdue. Contact {name} to arrange a new date.")
OVERDUE_NEXT_STEP_NO_CONTACT = _("This is overdue. Contact your care team to arrange a new date.")


def band_totals(band: IrlsBand) -> str:
    """Return the totals of ``band`` as the patient reads them: "0", "11-20" (with an en dash)."""
    low, high = band_range(band)
    return str(low) if low == high else f"{low}\N{EN DASH}{high}"


def irls_scale() -> str:
    """Return every IRLS band with its totals ("0 none, 1-10 mild, ..."), in the active language."""
    parts = [f"{band_totals(band)} {band.label}" for band in IrlsBand]
    return gettext("Bands: %(bands)s.") % {"bands": ", ".join(parts)}
