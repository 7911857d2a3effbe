"""The patient list's adherence column: right figures, in a constant number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from checklists.models import AssignmentItem, CheckOff
from checklists.plan.rules import weekdays_to_mask
from checklists.plan.selectors import adherence_for
from checklists.plan.services import assignment_create, assignment_item_add
from tests.factories import PatientFactory, template_with_items

pytestmark = pytest.mark.django_db


def plan(patient, items: int = 2, days_ago: int = 10, **kwargs):
    start = patient.local_today() - timedelta(days=days_ago)
    return assignment_create(
        patient=patient, template=template_with_items(items), assigned_by=None, start_date=start, **kwargs
    )


def check(patient, item, days_ago: int, done: bool = True) -> None:
    CheckOff.objects.create(
        patient=patient, item=item, date=patient.local_today() - timedelta(days=days_ago), done=done
    )


def test_share_of_due_items_checked_over_the_last_seven_complete_days(patient):
    assignment = plan(patient, items=2)
    first, second = assignment.items.all()
    for days_ago in range(1, 8):
        check(patient, first, days_ago)
    check(patient, second, 1)
    check(patient, second, 2, done=False)  # unticked again: not done
    check(patient, second, 8)  # outside the window
    check(patient, first, 0)  # today is not complete yet

    adherence = adherence_for(patients=[patient])[patient.pk]

    assert (adherence.done, adherence.due) == (8, 14)


def test_only_scheduled_days_and_current_items_count(patient):
    assignment = plan(patient, items=1, weekdays=weekdays_to_mask([0]))  # Mondays only
    item = assignment.items.get()
    assignment_item_add(assignment=assignment, item=AssignmentItem(text="added today"))
    for days_ago in range(1, 8):
        check(patient, item, days_ago)  # ticked every day, but due only on the one Monday

    adherence = adherence_for(patients=[patient])[patient.pk]

    assert (adherence.done, adherence.due) == (1, 1)


def test_a_patient_with_nothing_due_has_no_share(patient):
    assert adherence_for(patients=[patient])[patient.pk].share is None


def test_the_column_shows_the_figure(client, clinician, patient):
    assignment = plan(patient, items=1)
    for days_ago in range(1, 5):
        check(patient, assignment.items.get(), days_ago)
    client.force_login(clinician)
    response = client.get(reverse("admin:checklists_patient_changelist"))
    assert "57% (4/7)" in response.text


def count_changelist_queries(client, clinician) -> int:
    client.force_login(clinician)
    url = reverse("admin:checklists_patient_changelist")
    client.get(url)  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_patient_list_costs_the_same_queries_for_2_or_20_patients(client, clinician):
    def add_patients(n):
        for _ in range(n):
            patient = PatientFactory(care_team=[clinician])
            assignment = plan(patient, items=3)
            for item in assignment.items.all():
                check(patient, item, 1)

    add_patients(2)
    few = count_changelist_queries(client, clinician)
    add_patients(18)
    many = count_changelist_queries(client, clinician)

    assert few == many


def test_the_clinicians_figure_counts_a_weekly_item_per_week(patient):
    """The patient list and the phone read the same rule: 2 sessions of a 3-times-a-week item are 2 of 3,
    in the 7 complete days that hold the last whole Monday-Sunday week."""
    assignment = plan(patient, items=2, days_ago=30)
    daily, weekly = assignment.items.all()
    weekly.weekly_target = 3
    weekly.save()
    today = patient.local_today()
    last_monday = today - timedelta(days=today.weekday() + 7)
    for n in (0, 3):
        CheckOff.objects.create(patient=patient, item=weekly, date=last_monday + timedelta(days=n), done=True)
    for days_ago in range(1, 8):
        check(patient, daily, days_ago)
    adherence = adherence_for(patients=[patient])[patient.pk]
    assert (adherence.done, adherence.due) == (7 + 2, 7 + 3)
