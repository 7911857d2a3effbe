"""Writes of the checklists: the library, assignments and their items."""

from collections.abc import Iterable
from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from checklists.careplan.conditions import item_content_for
from checklists.library.defaults import DEFAULT_TEMPLATES
from checklists.models import Assignment, AssignmentItem, ChecklistTemplate, Patient, TemplateItem
from checklists.plan.rules import EVERY_DAY
from checklists.reminders.services import reminder_defaults_ensure


def library_install_defaults() -> list[ChecklistTemplate]:
    """Create the default library templates that are missing (by name); existing ones are left as they are."""
    installed = []
    for data in DEFAULT_TEMPLATES:
        template, created = ChecklistTemplate.objects.get_or_create(
            name=data["name"], defaults={"category": data["category"], "description": data["description"]}
        )
        if created:
            TemplateItem.objects.bulk_create(
                TemplateItem(template=template, position=position, **item)
                for position, item in enumerate(data["items"])
            )
        installed.append(template)
    return installed


@transaction.atomic
def assignment_create(
    *,
    patient: Patient,
    template: ChecklistTemplate,
    assigned_by: User | None,
    start_date: date | None = None,
    end_date: date | None = None,
    weekdays: int = EVERY_DAY,
) -> Assignment:
    """Assign ``template`` to ``patient``, copying its items so later library edits never rewrite the plan."""
    assignment = Assignment.objects.create(
        patient=patient,
        template=template,
        name=template.name,
        category=template.category,
        assigned_by=assigned_by,
        start_date=start_date or patient.local_today(),
        end_date=end_date,
        weekdays=weekdays,
    )
    AssignmentItem.objects.bulk_create(
        AssignmentItem(
            assignment=assignment,
            template_item=item,
            position=item.position,
            # the care team's fluid advice instead of the general one on dialysis or with heart failure
            **item_content_for(patient, text=item.text, help_text=item.help_text, source=item.source),
        )
        for item in template.items.all()
    )
    # the checklist's daily reminder and the diary's, if the patient has none.
    reminder_defaults_ensure(patient=patient)
    return assignment


@transaction.atomic
def assignments_bulk_create(
    *,
    patients: Iterable[Patient],
    template: ChecklistTemplate,
    assigned_by: User | None,
    start_date: date | None = None,
) -> list[Assignment]:
    """Assign ``template`` to each patient; all or nothing."""
    return [
        assignment_create(patient=patient, template=template, assigned_by=assigned_by, start_date=start_date)
        for patient in patients
    ]


def assignment_item_add(*, assignment: Assignment, item: AssignmentItem) -> AssignmentItem:
    """Add a new item to a running checklist; it is due from the patient's today, not retroactively."""
    item.assignment = assignment
    if item.due_from is None:
        item.due_from = max(assignment.start_date, assignment.patient.local_today())
    item.save()
    return item


def assignment_item_retire(*, item: AssignmentItem) -> AssignmentItem:
    """Stop an item being due from now on; its past check-offs stay."""
    if item.retired_at is None:
        item.retired_at = timezone.now()
        item.save(update_fields=["retired_at"])
    return item
