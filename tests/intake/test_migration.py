"""The migration reads the old free-text "times of day" into the schedule only where it is unambiguous;
the text stays as written either way."""

import importlib

import pytest
from django.apps import apps

from checklists.models import Medication

pytestmark = pytest.mark.django_db

migration = importlib.import_module("checklists.migrations.0011_intake_log")


@pytest.mark.parametrize(
    ("text", "schedule"),
    [
        ("evening, 21:00", "evening, 21:00"),
        ("Morning and night", "morning, bedtime"),
        ("9:30", "09:30"),
        ("twice daily", ""),
        ("evening with food", ""),
        ("as directed", ""),
        ("", ""),
    ],
)
def test_the_free_text_becomes_a_schedule_only_when_unambiguous(patient, text, schedule):
    med = Medication.objects.create(patient=patient, name="Gabapentin", times_of_day=text)
    migration.schedule_from_free_text(apps, None)
    med.refresh_from_db()
    assert med.dose_times == schedule
    assert med.times_of_day == text


def test_a_schedule_already_entered_is_kept(patient):
    med = Medication.objects.create(
        patient=patient, name="Iron", times_of_day="evening", dose_times="morning"
    )
    migration.schedule_from_free_text(apps, None)
    med.refresh_from_db()
    assert med.dose_times == "morning"


def test_the_frozen_reader_agrees_with_the_rule():
    from checklists.intake.rules import read_free_text

    for text in ["evening, 21:00", "Morning and night", "at bedtime", "noon", "twice daily", "8:05", "x"]:
        expected = read_free_text(text)
        assert migration._read(text) == (", ".join(expected) if expected else None)
