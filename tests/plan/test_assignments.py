from datetime import date, timedelta

import pytest

from checklists.models import AssignmentItem
from checklists.plan.rules import weekdays_to_mask
from checklists.plan.selectors import days_for, today_for
from checklists.plan.services import assignment_create, assignment_item_add, assignment_item_retire
from checklists.sync.changes import patient_take_seq
from tests.factories import PatientFactory, template_with_items

pytestmark = pytest.mark.django_db


def due_per_day(patient) -> list[int]:
    """Return how many items are due yesterday and today, as the history API counts them."""
    today = patient.local_today()
    return [
        day["due"] for day in days_for(patient=patient, first=today - timedelta(days=1), last=today)["days"]
    ]


def test_assigning_copies_the_items():
    template = template_with_items(3)
    patient = PatientFactory.create()

    assignment = assignment_create(patient=patient, template=template, assigned_by=None)

    assert [item.text for item in assignment.items.all()] == [item.text for item in template.items.all()]
    assert assignment.name == template.name
    assert assignment.start_date == patient.local_today()


def test_editing_the_library_later_never_rewrites_a_patients_plan():
    template = template_with_items(2)
    patient = PatientFactory.create()
    assignment = assignment_create(patient=patient, template=template, assigned_by=None)

    first, last = template.items.first(), template.items.last()
    assert first is not None and last is not None
    first.text = "Rewritten in the library"
    first.save()
    last.delete()
    template.name = "Renamed"
    template.save()

    assignment.refresh_from_db()
    assert assignment.name != "Renamed"
    assert assignment.items.count() == 2
    assert "Rewritten in the library" not in [item.text for item in assignment.items.all()]


def test_deleting_a_template_keeps_the_assignment():
    template = template_with_items(2)
    assignment = assignment_create(patient=PatientFactory.create(), template=template, assigned_by=None)
    template.delete()
    assignment.refresh_from_db()
    assert assignment.template is None
    assert assignment.items.count() == 2


def test_an_item_added_later_is_due_from_that_day_only():
    patient = PatientFactory.create()
    start = patient.local_today() - timedelta(days=10)
    assignment = assignment_create(
        patient=patient, template=template_with_items(1), assigned_by=None, start_date=start
    )
    added = assignment_item_add(assignment=assignment, item=AssignmentItem(text="New"))

    assert added.due_from == patient.local_today()
    yesterday, today = due_per_day(patient)
    assert (yesterday, today) == (1, 2)


def test_retired_items_are_not_due_after_retirement():
    patient = PatientFactory.create()
    assignment = assignment_create(
        patient=patient,
        template=template_with_items(1),
        assigned_by=None,
        start_date=patient.local_today() - timedelta(days=3),
    )
    assignment_item_retire(item=assignment.items.get())
    yesterday, today = due_per_day(patient)
    assert (yesterday, today) == (1, 0)


def test_weekday_schedule():
    patient = PatientFactory.create()
    monday = date(2026, 11, 23)
    assignment = assignment_create(
        patient=patient,
        template=template_with_items(1),
        assigned_by=None,
        start_date=monday,
        weekdays=weekdays_to_mask([0, 2]),
    )
    shown = [bool(today_for(patient=patient, day=monday + timedelta(days=n))["checklists"]) for n in range(7)]
    assert shown == [True, False, True, False, False, False, False]
    assert today_for(patient=patient, day=monday - timedelta(days=7))["checklists"] == []
    assert assignment.schedule_display == "Mon, Wed"


@pytest.mark.django_db(transaction=True)
def test_patient_take_seq_must_run_in_a_transaction():
    patient = PatientFactory.create()
    with pytest.raises(RuntimeError):
        patient_take_seq(patient_id=patient.pk)
