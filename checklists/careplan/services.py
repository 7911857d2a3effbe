"""Care-plan writes: keyword-only functions named <entity>_<action>."""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from checklists.careplan.medications import match_medication
from checklists.models import FollowUp, LabResult, Medication, Patient
from checklists.models.careplan import KIND_TRACK, FerritinUnit, FollowUpKind, FollowUpStatus
from checklists.reminders.services import reminders_cancel_follow_up, reminders_for_follow_up

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
    """Set the generic name and the two flags from ``medication.name`` (unsaved; the caller saves)."""
    match = match_medication(medication.name)
    medication.generic_name = match.generic_name[: Medication._meta.get_field("generic_name").max_length]
    medication.is_dopaminergic = match.is_dopaminergic
    medication.may_worsen_rls = match.may_worsen_rls
    return medication


def medication_save(*, medication: Medication) -> Medication:
    """Save a medication with its generic name and flags matched from its name."""
    medication_apply_match(medication=medication)
    medication.full_clean()
    medication.save()
    return medication


def medication_add(
    *,
    patient: Patient,
    name: str,
    dose_text: str = "",
    times_of_day: str = "",
    start_date: date | None = None,
    stop_date: date | None = None,
    entered_by: User | None = None,
) -> Medication:
    """Add a medication to the patient's list, matched against the RLS lists."""
    return medication_save(
        medication=Medication(
            patient=patient,
            name=name,
            dose_text=dose_text,
            times_of_day=times_of_day,
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

    The guideline note is not stored: it is worked out from the values wherever a result is shown
    (``interpret_iron``), so a recorded result gets the same note whichever way it came in.
    """
    lab_result.full_clean()
    lab_result.save()
    return lab_result
