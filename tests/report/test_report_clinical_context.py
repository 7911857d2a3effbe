"""The visit report reads the night as the augmentation watch does, and gives the clinician the patient's
recorded conditions and every iron note of the period with the rules that made it."""

import re
from datetime import date, time, timedelta
from decimal import Decimal

import pytest

from checklists.careplan import labs
from checklists.careplan import services as careplan
from checklists.report.charts import onset_chart
from checklists.report.selectors import NightPoint, visit_report_for


def _dots(svg: str) -> list[float]:
    return [float(y) for y in re.findall(r'class="dot-onset" cx="[\d.]+" cy="([\d.]+)"', svg)]


def _night(day: date, onset: time) -> NightPoint:
    return NightPoint(date=day, severity=5, onset_time=onset, sleep_quality=5, arms_involved=False)


def test_an_onset_moving_from_0330_to_0430_is_drawn_an_hour_later_not_as_a_jump():
    first = date(2027, 3, 1)
    svg = str(
        onset_chart(
            [_night(first, time(3, 30)), _night(first + timedelta(days=1), time(4, 30))],
            first,
            first + timedelta(days=1),
        )
    )
    at_0330, at_0430 = _dots(svg)
    assert at_0430 < at_0330  # later sits higher (smaller y), as 23:00 sits above 22:00
    assert at_0330 - at_0430 < 20  # one hour apart, not the whole night


def test_the_onset_axis_runs_from_the_evening_into_the_small_hours():
    first = date(2027, 3, 1)
    nights = [_night(first, time(22, 0)), _night(first + timedelta(days=1), time(0, 30))]
    svg = str(onset_chart(nights, first, first + timedelta(days=1)))
    at_2200, at_0030 = _dots(svg)
    assert at_0030 < at_2200
    labels = re.findall(r">(\d\d:\d\d)<", svg)
    assert labels[0] == "16:00" and labels[-1] == "02:00"  # the default span, in the evening's order


@pytest.fixture
def recorded(patient):
    patient.date_of_birth = date(1960, 2, 3)
    patient.diabetes = True
    patient.heart_failure = True
    patient.save()
    today = patient.local_today()
    careplan.labresult_add(
        patient=patient, drawn_on=today - timedelta(days=40), ferritin=Decimal(40), tsat=Decimal(10)
    )
    careplan.labresult_add(
        patient=patient, drawn_on=today - timedelta(days=5), ferritin=Decimal(150), tsat=Decimal(30)
    )
    return patient


def _report(patient, audience):
    today = patient.local_today()
    return visit_report_for(patient=patient, first=today - timedelta(weeks=12), last=today, audience=audience)


@pytest.mark.django_db
def test_the_clinicians_report_lists_conditions_and_every_iron_note_with_its_rules(recorded):
    report = _report(recorded, "clinician")
    assert report.conditions == ["diabetes", "heart failure"]
    assert report.date_of_birth == date(1960, 2, 3)
    assert [(n.drawn_on, n.label, n.rule_version) for n in report.iron_notes] == [
        (
            recorded.local_today() - timedelta(days=40),
            str(labs.IronCategory.ORAL_OR_IV.label),
            labs.RULESET.tag,
        ),
        (
            recorded.local_today() - timedelta(days=5),
            str(labs.IronCategory.NONE_INDICATED.label),
            labs.RULESET.tag,
        ),
    ]


@pytest.mark.django_db
def test_the_page_shows_them_to_the_clinician_and_not_to_the_patient(recorded, clinician, client):
    client.force_login(clinician)
    html = client.get(f"/admin/checklists/patient/{recorded.pk}/report/").content.decode()
    assert "Conditions (recorded by the care team)" in html
    assert "diabetes, heart failure" in html
    assert html.count(f"rules {labs.RULESET.tag}") >= 2

    patient_report = _report(recorded, "patient")
    assert patient_report.conditions == [] and patient_report.iron_notes == []
    assert patient_report.date_of_birth is None
