"""The clinician sets an item's weekly target ("3 times a week") on the patient's checklist page."""

from datetime import timedelta

import pytest
from django.urls import reverse

from checklists.plan.services import assignment_create
from tests.admin.test_assign_checklists import inline_management
from tests.factories import template_with_items

pytestmark = pytest.mark.django_db


def post_item(client, assignment, item, *, weekdays, weekly_target):
    return client.post(
        reverse("admin:checklists_assignment_change", args=[assignment.pk]),
        {
            "template": "",
            "start_date": assignment.start_date.isoformat(),
            "weekdays": [str(d) for d in weekdays],
            "active": "on",
            **inline_management("items", total=1, initial=1),
            "items-0-id": item.pk,
            "items-0-assignment": assignment.pk,
            "items-0-position": "0",
            "items-0-text": item.text,
            "items-0-weekly_target": str(weekly_target),
        },
    )


@pytest.fixture
def assignment(patient, clinician):
    return assignment_create(
        patient=patient,
        template=template_with_items(1),
        assigned_by=clinician,
        start_date=patient.local_today() - timedelta(days=3),
    )


def test_the_clinician_sees_and_sets_the_weekly_target(client, clinician, assignment):
    client.force_login(clinician)
    page = client.get(reverse("admin:checklists_assignment_change", args=[assignment.pk]))
    assert b"Times a week" in page.content
    item = assignment.items.get()
    response = post_item(client, assignment, item, weekdays=range(7), weekly_target=3)
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.weekly_target == 3


def test_a_target_above_the_checklists_days_is_refused(client, clinician, assignment):
    client.force_login(clinician)
    item = assignment.items.get()
    response = post_item(client, assignment, item, weekdays=[0, 2], weekly_target=3)
    assert response.status_code == 200
    assert b"runs on 2 days a week" in response.content
    for bad in (0, 8):
        assert post_item(client, assignment, item, weekdays=range(7), weekly_target=bad).status_code == 200
    item.refresh_from_db()
    assert item.weekly_target is None
