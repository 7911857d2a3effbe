"""Care-plan writes: keyword-only functions named <entity>_<action>."""

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from checklists.careplan import labs, medication_services
from checklists.careplan.conditions import (
    FLUID_ADVICE_FIELDS,
    IRON_NOTE_FIELDS,
    iron_note_evaluate,
    is_fluid_item,
    needs_care_team_fluid_advice,
)
from checklists.library.defaults import CARE_TEAM_FLUID_ADVICE
from checklists.models import AssignmentItem, FollowUp, LabNote, LabResult, Medication, Patient
from checklists.models.careplan import KIND_TRACK, FerritinUnit, FollowUpKind, FollowUpStatus
from checklists.plan.services import assignment_item_add, assignment_item_retire
from checklists.reminders.services import (
    medication_reminders_sync,
    reminders_cancel_follow_up,
    reminders_for_follow_up,
)

# The closing statuses after which a repeating follow-up is planned again; "cancelled" ends the series.
ROLLS_FORWARD = (FollowUpStatus.DONE, FollowUpStatus.SKIPPED)

# What a new follow-up of a kind repeats by default (None: one-off), each a named setting.
DEFAULT_RECURRENCE_WEEKS_SETTING: dict[str, str] = {
    FollowUpKind.FERRITIN_TSAT_LAB: "CAREPLAN_FERRITIN_RECHECK_WEEKS",
}


def followup_default_recurrence_weeks(*, kind: str) -> int | None:
    """Return the default repeat interval (weeks) for a new follow-up of ``kind``, or None for a one-off."""
    name = DEFAULT_RECURRENCE_WEEKS_SETTING.get(kind)
    return getattr(settings, name) if name else None


def followup_create(
    *,
    patient: Patient,
    kind: str,
    due_date: date,
    title: str = "",
    track: str | None = None,
    recurrence_weeks: int | None = None,
    use_default_recurrence: bool = False,
    notes: str = "",
    created_by: User | None = None,
) -> FollowUp:
    """Plan a follow-up; the track defaults to the kind's, the interval to the kind's default if asked."""
    if use_default_recurrence and recurrence_weeks is None:
        recurrence_weeks = followup_default_recurrence_weeks(kind=kind)
    followup = FollowUp(
        patient=patient,
        kind=kind,
        track=track or KIND_TRACK.get(kind, ""),
        title=title,
        due_date=due_date,
        recurrence_weeks=recurrence_weeks,
        notes=notes,
        created_by=created_by,
    )
    followup.full_clean()
    followup.save()
    reminders_for_follow_up(patient=patient, follow_up_id=followup.pk, due_date=due_date, title=title)
    return followup


def followup_schedule_post_ablation_duplex(
    *, patient: Patient, ablation_date: date, created_by: User | None = None
) -> FollowUp:
    """Plan the duplex scan that confirms closure after an ablation (CAREPLAN_POST_ABLATION_DUPLEX_DAYS)."""
    return followup_create(
        patient=patient,
        kind=FollowUpKind.VENOUS_DUPLEX,
        title=str(FollowUpKind.VENOUS_DUPLEX.label),
        due_date=ablation_date + timedelta(days=settings.CAREPLAN_POST_ABLATION_DUPLEX_DAYS),
        created_by=created_by,
    )


@transaction.atomic
def followup_close(
    *,
    followup: FollowUp,
    status: str = FollowUpStatus.DONE,
    on: date,
    by: User | None = None,
) -> FollowUp | None:
    """Close a planned follow-up as done, skipped or cancelled; returns the next occurrence or None.

    Only the call that moves the row out of "planned" acts (a conditional UPDATE), so closing twice, or
    from two requests at once, plans the next occurrence once and only once. Done and skipped repeating
    follow-ups roll forward ``recurrence_weeks`` after ``on``; cancelled ends the series.
    """
    if status == FollowUpStatus.PLANNED:
        raise ValueError("Closing needs a status other than planned.")
    updated = FollowUp.objects.filter(pk=followup.pk, status=FollowUpStatus.PLANNED).update(
        status=status, completed_on=on if status == FollowUpStatus.DONE else None
    )
    followup.refresh_from_db()
    if updated != 1:
        return None  # already closed: another call got there first
    reminders_cancel_follow_up(follow_up_id=followup.pk)  # reminders
    if status not in ROLLS_FORWARD or not followup.recurrence_weeks:
        return None
    successor = FollowUp.objects.create(
        patient_id=followup.patient_id,
        track=followup.track,
        kind=followup.kind,
        title=followup.title,
        due_date=on + timedelta(weeks=followup.recurrence_weeks),
        recurrence_weeks=followup.recurrence_weeks,
        notes=followup.notes,
        created_by=by or followup.created_by,
        previous=followup,
    )
    reminders_for_follow_up(
        patient=followup.patient,
        follow_up_id=successor.pk,
        due_date=successor.due_date,
        title=successor.title,
    )
    return successor


def followup_complete(*, followup: FollowUp, on: date, by: User | None = None) -> FollowUp | None:
    """Mark a follow-up done on ``on``; returns the next occurrence if it repeats (see followup_close)."""
    return followup_close(followup=followup, status=FollowUpStatus.DONE, on=on, by=by)


def medication_apply_match(*, medication: Medication) -> Medication:
    """Set the generic name, medicine-check state and flags from ``medication.name`` (unsaved)."""
    medication_services.medication_apply_match(medication=medication)
    return medication


def medication_save(*, medication: Medication) -> Medication:
    """Save a medication with its generic name and flags matched from its name, record the finding, and
    bring its dose reminders in line with its schedule."""
    match = medication_services.medication_apply_match(medication=medication)
    medication.full_clean()
    with transaction.atomic():
        medication.save()
        medication_services.medication_finding_sync(medication=medication, match=match)
        medication_reminders_sync(medication=medication)  # reminders
    return medication


def medication_add(
    *,
    patient: Patient,
    name: str,
    dose_text: str = "",
    times_of_day: str = "",
    dose_times: str = "",
    start_date: date | None = None,
    stop_date: date | None = None,
    entered_by: User | None = None,
) -> Medication:
    """Add a medication to the patient's list, matched against the RLS lists; ``dose_times`` is the
    clinician's schedule ("evening, 21:00"; see checklists.intake.rules), empty for none."""
    return medication_save(
        medication=Medication(
            patient=patient,
            name=name,
            dose_text=dose_text,
            times_of_day=times_of_day,
            dose_times=dose_times,
            start_date=start_date,
            stop_date=stop_date,
            entered_by=entered_by,
        )
    )


def labresult_add(
    *,
    patient: Patient,
    drawn_on: date,
    ferritin: Decimal | None = None,
    ferritin_unit: str = FerritinUnit.NG_ML,
    tsat: Decimal | None = None,
    laboratory: str = "",
    notes: str = "",
    entered_by: User | None = None,
) -> LabResult:
    """Record one blood draw's ferritin and/or TSAT (see ``labresult_save``)."""
    return labresult_save(
        lab_result=LabResult(
            patient=patient,
            drawn_on=drawn_on,
            ferritin=ferritin,
            ferritin_unit=ferritin_unit,
            tsat=tsat,
            laboratory=laboratory,
            notes=notes,
            entered_by=entered_by,
        )
    )


def labresult_save(*, lab_result: LabResult) -> LabResult:
    """Validate and save a lab result, entered by hand on the patient's page or imported from FHIR.

    Stores the guideline note the iron rules give it for the patient as recorded (``note_code``) and the
    rules' version (``rule_version``); a note it had before is kept in LabNote when the new one differs.
    """
    lab_result.full_clean()
    with transaction.atomic():
        superseded = _labresult_set_note(lab_result)
        lab_result.save()
        _labnote_keep(lab_result, superseded)
    return lab_result


def _labresult_set_note(lab_result: LabResult) -> tuple[str, str] | None:
    """Set the note the current rules give (unsaved); return the (code, version) it replaced, if any."""
    note = iron_note_evaluate(lab_result, lab_result.patient)
    old = (lab_result.note_code, lab_result.rule_version)
    lab_result.note_code, lab_result.rule_version = note.category.value, note.rule_version
    if old == (lab_result.note_code, lab_result.rule_version) or not old[0]:
        return None
    return old


def _labnote_keep(lab_result: LabResult, superseded: tuple[str, str] | None) -> None:
    if superseded is not None:
        LabNote.objects.create(lab_result=lab_result, note_code=superseded[0], rule_version=superseded[1])


def labresults_reevaluate(*, patient: Patient | None = None) -> int:
    """Re-evaluate stored lab notes with the current rules and the patients' conditions as recorded now;
    returns how many notes changed. Each replaced note is kept in LabNote. ``patient``: all of theirs;
    otherwise every result whose note is not the current rule version's.
    """
    results = LabResult.objects.select_related("patient").order_by("pk")
    if patient is not None:
        results = results.filter(patient=patient)
    else:
        results = results.exclude(rule_version=labs.RULESET.tag)
    changed = 0
    for lab in results.iterator(chunk_size=500):
        if patient is not None:
            lab.patient = patient  # the caller's copy carries the conditions just saved
        before = (lab.note_code, lab.rule_version)
        with transaction.atomic():
            superseded = _labresult_set_note(lab)
            if (lab.note_code, lab.rule_version) == before:
                continue
            lab.save(update_fields=["note_code", "rule_version"])
            _labnote_keep(lab, superseded)
        changed += 1
    return changed


def fluid_advice_replace(*, patient: Patient) -> int:
    """Replace the general fluid item on ``patient``'s checklists by the care team's fluid advice, when
    ``needs_care_team_fluid_advice``; returns how many items were replaced. The old item is retired (its
    check-offs stay) and the new one is due from the patient's today.
    """
    if not needs_care_team_fluid_advice(patient):
        return 0
    replaced = 0
    items = AssignmentItem.objects.filter(
        assignment__patient=patient, retired_at__isnull=True
    ).select_related("assignment__patient")
    with transaction.atomic():
        for item in items:
            if not is_fluid_item(item.text):
                continue
            assignment_item_retire(item=item)
            assignment_item_add(
                assignment=item.assignment,
                item=AssignmentItem(
                    template_item_id=item.template_item_id,
                    position=item.position,
                    weekly_target=item.weekly_target,
                    **CARE_TEAM_FLUID_ADVICE,
                ),
            )
            replaced += 1
    return replaced


def patient_conditions_apply(*, patient: Patient, changed: Iterable[str]) -> None:
    """Act on the conditions the clinician just changed (``changed``: Patient field names): re-evaluate
    the patient's lab notes if the iron rules depend on one, and replace the fluid item if it applies.
    """
    changed = set(changed)
    if changed & set(IRON_NOTE_FIELDS):
        labresults_reevaluate(patient=patient)
    if changed & set(FLUID_ADVICE_FIELDS):
        fluid_advice_replace(patient=patient)
