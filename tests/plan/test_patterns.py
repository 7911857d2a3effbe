"""Personal patterns: severity after nights a trigger-avoidance item was kept vs not, above a minimum."""

from datetime import timedelta

import pytest

from checklists.models import CheckOff, DiaryEntry
from checklists.models.checklists import Category
from checklists.plan.rules import PATTERN_MIN_NIGHTS, pattern
from checklists.plan.selectors import patterns_for
from checklists.plan.services import assignment_create
from tests.factories import PatientFactory, template_with_items

pytestmark = pytest.mark.django_db


def test_no_pattern_below_the_minimum_on_either_side():
    enough = [3] * PATTERN_MIN_NIGHTS
    assert pattern(enough, [5] * (PATTERN_MIN_NIGHTS - 1)) is None
    assert pattern([5] * (PATTERN_MIN_NIGHTS - 1), enough) is None
    assert pattern(enough, [4, 5] * 5) == {
        "kept": {"nights": 10, "average": 3.0},
        "not_kept": {"nights": 10, "average": 4.5},
    }


def history(patient, kept: int, not_kept: int, category=Category.TRIGGER_AVOIDANCE):
    """Nights ending yesterday: ``kept`` days ticked with severity 2, then ``not_kept`` unticked with 6."""
    today = patient.local_today()
    assignment = assignment_create(
        patient=patient,
        template=template_with_items(1, category=category),
        assigned_by=None,
        start_date=today - timedelta(days=89),
    )
    item = assignment.items.get()
    item.text = "No coffee after noon"
    item.save()
    for n in range(kept + not_kept):
        day = today - timedelta(days=1 + n)
        ticked = n < kept
        DiaryEntry.objects.create(patient=patient, date=day, severity=2 if ticked else 6)
        if ticked:
            CheckOff.objects.create(item=item, patient=patient, date=day, done=True)
    return item


def test_a_pattern_shows_both_averages_with_their_counts():
    patient = PatientFactory.create()
    item = history(patient, kept=12, not_kept=10)
    assert patterns_for(patient=patient) == [
        {
            "id": item.pk,
            "text": "No coffee after noon",
            "checklist": item.assignment_id,
            "kept": {"nights": 12, "average": 2.0},
            "not_kept": {"nights": 10, "average": 6.0},
        }
    ]


def test_nothing_below_the_minimum_nor_for_other_categories():
    assert patterns_for(patient=PatientFactory.create()) == []
    short = PatientFactory.create()
    history(short, kept=12, not_kept=PATTERN_MIN_NIGHTS - 1)
    assert patterns_for(patient=short) == []
    lifestyle = PatientFactory.create()
    history(lifestyle, kept=12, not_kept=12, category=Category.LIFESTYLE)
    assert patterns_for(patient=lifestyle) == []


def test_another_patients_history_gives_nothing():
    history(PatientFactory.create(), kept=12, not_kept=12)
    assert patterns_for(patient=PatientFactory.create()) == []
