"""Default reminders carry a name the patient recognises in the app's reminder list."""

from datetime import timedelta

import pytest

from checklists.careplan.services import followup_create
from checklists.models.reminders import Reminder, ReminderKind
from checklists.plan.services import assignment_create
from tests.factories import template_with_items

pytestmark = pytest.mark.django_db


def test_checklist_and_diary_reminders_are_named(patient):
    template = template_with_items(1, name="Trigger avoidance plan", category="trigger_avoidance")
    assignment_create(patient=patient, template=template, assigned_by=None)

    labels = dict(Reminder.objects.filter(patient=patient).values_list("kind", "label"))

    assert labels[ReminderKind.ASSIGNMENT] == "Trigger avoidance plan"
    assert labels[ReminderKind.DIARY] == "Tonight's diary"


def test_follow_up_reminders_say_what_and_when(patient):
    followup_create(
        patient=patient,
        kind="medication_review",
        title="Medication review",
        due_date=patient.local_today() + timedelta(days=10),
    )

    labels = sorted(
        Reminder.objects.filter(patient=patient, kind=ReminderKind.FOLLOW_UP).values_list("label", flat=True)
    )

    assert labels == ["Medication review: in 3 days", "Medication review: today"]
