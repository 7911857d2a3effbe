"""Assigning a checklist without doubling it, and ending one without losing its history.

A checklist is "the same" as one in the plan when it was copied from the same library template and
the two run at the same time (the running one is active and their dates overlap): Today would show
it twice. A checklist with check-offs is ended (inactive or an end date), never deleted: deleting it
would delete the patient's record of what they did.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import User
from django.db import transaction

from checklists.models import Assignment, ChecklistTemplate, CheckOff, Patient
from checklists.plan.rules import EVERY_DAY
from checklists.plan.services import assignment_create


def periods_overlap(start: date, end: date | None, other_start: date, other_end: date | None) -> bool:
    """Return whether [start, end] and [other_start, other_end] share a day (None: open-ended)."""
    return (end is None or end >= other_start) and (other_end is None or other_end >= start)


def running_duplicates(
    *,
    patients: Iterable[Patient],
    template: ChecklistTemplate,
    start_date: date | None,
    end_date: date | None,
    exclude_ids: Iterable[int] = (),
) -> dict[int, Assignment]:
    """Return {patient id: the running checklist from ``template``} for the patients in whose plan a
    new copy from ``start_date`` (None: their today) to ``end_date`` would run twice. One query."""
    by_id = {patient.pk: patient for patient in patients}
    running = (
        Assignment.objects.filter(patient_id__in=by_id, template=template, active=True)
        .exclude(pk__in=list(exclude_ids))
        .order_by("start_date", "id")
    )
    found: dict[int, Assignment] = {}
    for assignment in running:
        start = start_date or by_id[assignment.patient_id].local_today()
        if assignment.patient_id not in found and periods_overlap(
            start, end_date, assignment.start_date, assignment.end_date
        ):
            found[assignment.patient_id] = assignment
    return found


def assignments_with_history(*, assignment_ids: Iterable[int]) -> set[int]:
    """Return which of ``assignment_ids`` have at least one check-off (one query)."""
    ids = [pk for pk in assignment_ids if pk is not None]
    if not ids:
        return set()
    return set(
        CheckOff.objects.filter(item__assignment_id__in=ids).values_list("item__assignment_id", flat=True)
    )


@dataclass
class AssignOutcome:
    """What a bulk assignment did: the checklists created, and the patients skipped (already running)."""

    created: list[Assignment] = field(default_factory=list)
    skipped: list[Patient] = field(default_factory=list)


@transaction.atomic
def assignments_assign(
    *,
    patients: Iterable[Patient],
    template: ChecklistTemplate,
    assigned_by: User | None,
    start_date: date | None = None,
    end_date: date | None = None,
    weekdays: int = EVERY_DAY,
) -> AssignOutcome:
    """Assign ``template`` to each patient whose plan does not already run it at that time; the
    others are skipped and returned. All or nothing."""
    patients = list(patients)
    duplicates = running_duplicates(
        patients=patients, template=template, start_date=start_date, end_date=end_date
    )
    outcome = AssignOutcome()
    for patient in patients:
        if patient.pk in duplicates:
            outcome.skipped.append(patient)
            continue
        outcome.created.append(
            assignment_create(
                patient=patient,
                template=template,
                assigned_by=assigned_by,
                start_date=start_date,
                end_date=end_date,
                weekdays=weekdays,
            )
        )
    return outcome
