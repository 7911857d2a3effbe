"""What the patient reads on the care-plan page (wording rules of shared/clinical-content.md)."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from checklists.careplan.content import Ruleset
from checklists.careplan.severity import IrlsBand, band_range

RULESET = Ruleset(
    name="patient-wording",
    revision=1,
    sources=(
        "Clinical content: Wording rules, When to seek care now, Medication track (patient-facing note)",
        "IRLS bands: Walters 2003",
    ),
)

HEADING = _("Your care team's plan")
DISCLAIMER = _(
    "This app supports your medical care; it does not replace it. It does not prescribe, dose or "
    "diagnose. If something changes or worries you, contact your care team."
)
# Leads with "keep taking your medicines as prescribed" (clinical content, Medication track): changing
# some of them suddenly is dangerous, so the note never reads as a reason to change anything.
MEDICATION_REVIEW_NOTE = _(
    "Keep taking your medicines as prescribed. This medicine can make restless legs worse for some "
    "people; discuss it with your clinician before changing anything."
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
# The short disclaimer of Today and the diary (clinical content, Wording rules).
SHORT_DISCLAIMER = _("This app supports, does not replace, your care team.")

# The safety net (clinical content, "When to seek care now"): shown where patients read clinical content.
# Everyone reads NOT_WATCHED and SELF_HARM; each situation's lines are for patients it applies to
# (checklists/careplan/safety.py decides which), and the full list is one tap away from every screen.
SAFETY_HEADING = _("When to seek care now")
SAFETY_NOT_WATCHED = _(
    "The app is not watched in real time: nothing typed into it reaches a clinician at once."
)
SAFETY_SELF_HARM = _("Thoughts of self-harm: contact emergency services or a crisis line now.")
SAFETY_VEIN_PROCEDURE_TITLE = _("After a vein procedure")
SAFETY_VEIN_PROCEDURE_LINES = (
    _("New pain, swelling, warmth or redness in the leg: contact the vein team the same day."),
    _("Chest pain or sudden breathlessness: call emergency services."),
)
SAFETY_IRON_INFUSION_TITLE = _("During or after an iron infusion")
SAFETY_IRON_INFUSION_LINES = (
    _(
        "Rash, swelling of the face, wheezing or faintness: tell the staff at once, or call emergency "
        "services if at home."
    ),
)
SAFETY_DOPAMINE_MEDICINE_TITLE = _("While on pramipexole, ropinirole, rotigotine or levodopa")
SAFETY_DOPAMINE_MEDICINE_LINES = (
    _(
        "Symptoms that suddenly get much worse, spread to the arms or start much earlier in the day: "
        "contact the care team soon (possible augmentation)."
    ),
)

# Each situation (checklists.careplan.safety.Situation values) with its title and lines, in the order shown.
SAFETY_SITUATIONS = {
    "vein_procedure": (SAFETY_VEIN_PROCEDURE_TITLE, SAFETY_VEIN_PROCEDURE_LINES),
    "iron_infusion": (SAFETY_IRON_INFUSION_TITLE, SAFETY_IRON_INFUSION_LINES),
    "dopamine_medicine": (SAFETY_DOPAMINE_MEDICINE_TITLE, SAFETY_DOPAMINE_MEDICINE_LINES),
}

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
