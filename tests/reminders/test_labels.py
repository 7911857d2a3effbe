"""Default reminders carry a name the patient recognises in the app's reminder list."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps

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


LONG_TITLE = (
    "Ferritin and TSAT recheck: morning draw, no iron-containing supplements or foods for 24 h before"
)


def test_a_long_follow_up_title_is_shortened_never_its_when(patient):
    followup_create(
        patient=patient,
        kind="ferritin_tsat_lab",
        title=LONG_TITLE,
        due_date=patient.local_today() + timedelta(days=9),
    )

    labels = sorted(
        Reminder.objects.filter(patient=patient, kind="follow_up").values_list("label", flat=True)
    )

    assert len(set(labels)) == 2
    assert sorted(label.rsplit("\u2026", 1)[1] for label in labels) == [": in 3 days", ": today"]
    assert all(len(label) <= 80 and label.startswith("Ferritin and TSAT recheck") for label in labels)


def test_a_follow_up_without_a_title_is_named_by_its_kind(patient):
    followup_create(patient=patient, kind="venous_duplex", due_date=patient.local_today() + timedelta(days=9))

    labels = sorted(
        Reminder.objects.filter(patient=patient, kind="follow_up").values_list("label", flat=True)
    )

    assert labels == ["Venous duplex ultrasound: in 3 days", "Venous duplex ultrasound: today"]


def test_migration_0012_renames_the_old_follow_up_labels_and_drops_duplicates(patient):
    migration = importlib.import_module("checklists.migrations.0012_reminder_controls")
    due = patient.local_today() + timedelta(days=9)
    long = followup_create(patient=patient, kind="ferritin_tsat_lab", title=LONG_TITLE, due_date=due)
    untitled = followup_create(patient=patient, kind="venous_duplex", due_date=due)
    # As the old code left them: the long title cut at 80 with its "when", the untitled one unnamed,
    # and one reminder twice.
    Reminder.objects.filter(follow_up_id=long.pk).update(label=LONG_TITLE[:80])
    Reminder.objects.filter(follow_up_id=untitled.pk, on_date=due).update(label="Follow-up today")
    Reminder.objects.filter(follow_up_id=untitled.pk, on_date=due - timedelta(days=3)).update(
        label="Follow-up in 3 days"
    )
    twin = Reminder.objects.filter(follow_up_id=untitled.pk, on_date=due).get()
    twin.pk = None
    twin.save()

    migration.follow_up_labels(django_apps, None)

    rows = Reminder.objects.filter(patient=patient, kind="follow_up")
    labels = sorted(rows.values_list("label", flat=True))
    assert rows.count() == 4 and len(set(labels)) == 4
    assert "Venous duplex ultrasound: today" in labels and "Venous duplex ultrasound: in 3 days" in labels
    assert sum(label.endswith("\u2026: in 3 days") for label in labels) == 1
