"""The patient's conditions as the clinician recorded them, and what they change (pure functions).

shared/clinical-content.md "Patient conditions the clinician records": iron-deficiency anaemia, chronic
kidney disease (and whether on dialysis), pregnancy (with due date), diabetes, peripheral neuropathy,
thyroid disease, Parkinson's disease, venous insufficiency, heart failure; and the date of birth for age.
Recorded by the clinician, never inferred. They change rules only where the content says so: the iron
note (kidney, pregnancy, age: ``iron_context``) and the fluid item of the default library (dialysis,
heart failure: ``needs_care_team_fluid_advice``). Otherwise they are context beside the care plan, for
the clinician only (the content does not say they may be shown to the patient).
"""

import zoneinfo
from datetime import date
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checklists.careplan import labs
from checklists.careplan.content import Ruleset
from checklists.careplan.labs import IronContext, IronInterpretation, interpret_iron, iron_note_from_code
from checklists.library.defaults import CARE_TEAM_FLUID_ADVICE, FLUID_ITEM_TEXTS, ItemData

if TYPE_CHECKING:
    from checklists.models import LabResult, Patient

RULESET = Ruleset(
    name="conditions",
    revision=1,
    sources=(
        "shared/clinical-content.md v2, Patient conditions the clinician records (no general fluid "
        "advice on dialysis or with heart failure; kidney, pregnancy and age change the iron rules)",
    ),
)

# The yes/no conditions (Patient fields), in the content's order.
CONDITION_FIELDS: tuple[str, ...] = (
    "iron_deficiency_anaemia",
    "chronic_kidney_disease",
    "on_dialysis",
    "pregnant",
    "diabetes",
    "peripheral_neuropathy",
    "thyroid_disease",
    "parkinsons_disease",
    "venous_insufficiency",
    "heart_failure",
)
# All the fields of the "Conditions" fieldset, for the admin and the form.
CONDITION_FORM_FIELDS: tuple[str, ...] = (
    "date_of_birth",
    *CONDITION_FIELDS[:4],
    "pregnancy_due_date",
    *CONDITION_FIELDS[4:],
)
# What the fluid item changes with (no general fluid advice on dialysis or with heart failure).
FLUID_ADVICE_FIELDS: tuple[str, ...] = ("on_dialysis", "heart_failure")
# What the iron note depends on: a change re-evaluates the patient's lab notes.
IRON_NOTE_FIELDS: tuple[str, ...] = (
    "date_of_birth",
    "chronic_kidney_disease",
    "on_dialysis",
    "pregnant",
    "pregnancy_due_date",
)


def _local_today(patient: "Patient") -> date:
    try:
        return patient.local_today()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):  # an invalid zone has its own field error
        return timezone.localdate()


def conditions_errors(patient: "Patient") -> dict[str, str]:
    """Return the field errors of the recorded conditions (empty when they are consistent)."""
    errors: dict[str, str] = {}
    if patient.pregnant and patient.pregnancy_due_date is None:
        errors["pregnancy_due_date"] = str(_("Enter the due date of the pregnancy."))
    if patient.pregnancy_due_date is not None and not patient.pregnant:
        errors["pregnancy_due_date"] = str(_("A due date is only recorded with a pregnancy: tick pregnancy."))
    if patient.on_dialysis and not patient.chronic_kidney_disease:
        errors["on_dialysis"] = str(_("Dialysis is recorded with chronic kidney disease: tick it too."))
    if patient.date_of_birth is not None and patient.date_of_birth > _local_today(patient):
        errors["date_of_birth"] = str(_("The date of birth cannot be in the future."))
    return errors


def age_on(date_of_birth: date | None, day: date) -> int | None:
    """Return the age in whole years on ``day``, or None when the date of birth is not recorded."""
    if date_of_birth is None:
        return None
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - before_birthday


def iron_context(patient: "Patient", *, on: date) -> IronContext:
    """Return what the iron rules need to know about ``patient`` for a blood draw on ``on``."""
    return IronContext(
        age_years=age_on(patient.date_of_birth, on),
        chronic_kidney_disease=patient.chronic_kidney_disease,
        on_dialysis=patient.on_dialysis,
        pregnant=patient.pregnant,
        pregnancy_due_date=patient.pregnancy_due_date,
        drawn_on=on,
    )


def iron_note_evaluate(lab: "LabResult", patient: "Patient") -> IronInterpretation:
    """Return the note the current iron rules give ``lab`` for ``patient`` as recorded now."""
    return interpret_iron(
        ferritin=lab.ferritin,
        tsat=lab.tsat,
        context=iron_context(patient, on=lab.drawn_on),
        tsat_confirmed=lab.tsat_confirmed,
    )


def iron_note_for(lab: "LabResult", patient: "Patient") -> IronInterpretation:
    """Return the note to show for a recorded result: the stored one (with its rule version) while it is
    the current rules', otherwise the note the current rules give (until ``labresults_reevaluate`` stores it).
    """
    if lab.note_code and lab.rule_version == labs.RULESET.tag:
        stored = iron_note_from_code(
            lab.note_code, rule_version=lab.rule_version, context=iron_context(patient, on=lab.drawn_on)
        )
        if stored is not None:
            return stored
    return iron_note_evaluate(lab, patient)


def recorded_conditions(patient: "Patient") -> list[str]:
    """Return the labels of the conditions recorded for ``patient`` (with the due date), content order."""
    labels = []
    for name in CONDITION_FIELDS:
        if getattr(patient, name):
            label = str(getattr(patient._meta.get_field(name), "verbose_name", name))
            if name == "pregnant" and patient.pregnancy_due_date:
                label = str(_("pregnancy (due %(date)s)")) % {"date": patient.pregnancy_due_date.isoformat()}
            labels.append(label)
    return labels


def needs_care_team_fluid_advice(patient: "Patient") -> bool:
    """True when general fluid advice must not be given (on dialysis or with heart failure)."""
    return any(getattr(patient, name) for name in FLUID_ADVICE_FIELDS)


def _normalised(text: str) -> str:
    return " ".join(text.casefold().split())


def is_fluid_item(text: str) -> bool:
    """True when ``text`` is the default library's general fluid advice (any of its known wordings)."""
    return _normalised(text) in {_normalised(t) for t in FLUID_ITEM_TEXTS}


def item_content_for(patient: "Patient", *, text: str, help_text: str, source: str) -> ItemData:
    """Return the text, help text and source a checklist item is copied with for ``patient``: the care
    team's fluid advice instead of the general fluid item when ``needs_care_team_fluid_advice``.
    """
    if is_fluid_item(text) and needs_care_team_fluid_advice(patient):
        return ItemData(**CARE_TEAM_FLUID_ADVICE)
    return ItemData(text=text, help_text=help_text, source=source)


def is_care_team_fluid_advice(text: str) -> bool:
    """True when ``text`` is the replacement item ("follow your care team's fluid advice")."""
    return _normalised(text) == _normalised(CARE_TEAM_FLUID_ADVICE["text"])
