"""The summary at the top of a patient's page: what a clinician prepares a visit with, before the forms."""

import re
from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from checklists.admin.summary import patient_summary_for
from checklists.careplan import services
from checklists.models import CheckOff, DiaryEntry
from checklists.models.careplan import FollowUpKind
from checklists.plan.services import assignment_create
from tests.factories import LabResultFactory, SeverityScoreFactory, template_with_items

pytestmark = pytest.mark.django_db


def page(patient) -> str:
    return f"/admin/checklists/patient/{patient.pk}/change/"


def summary_html(html: str) -> str:
    match = re.search(r'<section id="patient-summary".*?</section>', html, re.S)
    assert match, "no summary on the page"
    return match.group(0)


def history(patient, clinician, *, labs: int, scores: int, nights: int, checklists: int, medicines: int):
    """Give ``patient`` that much history (at least one of each kind), the newest yesterday."""
    today = patient.local_today()
    for n in range(labs):
        LabResultFactory(
            patient=patient, ferritin=58 + n, tsat=17 + n, drawn_on=today - timedelta(days=30 + 90 * n)
        )
    for n in range(scores):
        SeverityScoreFactory(
            patient=patient, irls_total=18 + n % 10, scored_on=today - timedelta(days=7 + 30 * n)
        )
    DiaryEntry.objects.bulk_create(
        DiaryEntry(
            patient=patient,
            date=today - timedelta(days=offset),
            severity=offset % 10,
            onset_time=time(21, offset % 60),
            sleep_quality=5,
        )
        for offset in range(1, nights + 1)
    )
    for n in range(checklists):
        assignment = assignment_create(
            patient=patient,
            template=template_with_items(3, name=f"Checklist {n} of {patient.pk}"),
            assigned_by=clinician,
            start_date=today - timedelta(days=60),
        )
        first = assignment.items.first()
        CheckOff.objects.bulk_create(
            CheckOff(patient=patient, item=first, date=today - timedelta(days=d), done=True)
            for d in range(1, 8)
        )
    names = ["Pramipexole 0.25 mg", "Sertraline 50 mg", "Gabapentin 300 mg", "Zzyzxq", "Loratadine"]
    for n in range(medicines):
        services.medication_add(patient=patient, name=names[n % len(names)], times_of_day="evening")
    services.followup_create(
        patient=patient,
        kind=FollowUpKind.MEDICATION_REVIEW,
        due_date=today - timedelta(days=3),
        created_by=clinician,
    )
    services.followup_create(
        patient=patient,
        kind=FollowUpKind.VENOUS_DUPLEX,
        due_date=today + timedelta(days=10),
        created_by=clinician,
    )


def test_the_summary_comes_first_and_shows_what_a_visit_needs(client, clinician, patient):
    patient.diabetes = True
    patient.save()
    history(patient, clinician, labs=2, scores=2, nights=20, checklists=1, medicines=4)
    client.force_login(clinician)

    html = client.get(page(patient)).content.decode()

    summary = summary_html(html)
    assert html.index('id="patient-summary"') < html.index("<fieldset")  # before the forms
    assert "Diabetes" in summary or "diabetes" in summary
    # Current medicines with the medicine check's state and the intake log.
    assert "Pramipexole 0.25 mg" in summary and "dopaminergic: augmentation watch on" in summary
    assert "may worsen RLS: review" in summary and "recognised, not flagged" in summary
    assert "not recognised: check it" in summary
    assert "No doses recorded" in summary or "doses taken" in summary
    # Iron as a trend with the guideline lines, IRLS on its bands, the diary's 12 weeks.
    for line in ("75 ng/mL", "100 ng/mL", "20%", "45%"):
        assert line in summary
    assert "IRLS total over the period, on its severity bands" in summary
    assert "Symptom onset time each night" in summary and "20 nights recorded of 84" in summary
    # Adherence per checklist over the plan's window: one item of three ticked on each of 7 days.
    assert "Last 7 complete days" in summary and "33% (7/21)" in summary
    # Follow-ups: overdue first, then upcoming.
    assert summary.index("Overdue") < summary.index("Medication review") < summary.index("Venous duplex")
    assert "due 3 days ago" in summary and "in 10 days" in summary


def test_the_charts_are_svg_with_titles_and_no_script_or_style(client, clinician, patient):
    history(patient, clinician, labs=3, scores=3, nights=30, checklists=1, medicines=1)
    client.force_login(clinician)

    summary = summary_html(client.get(page(patient)).content.decode())

    charts = re.findall(r"<svg[^>]*>", summary)
    assert len(charts) == 5  # ferritin, TSAT, IRLS, nights, onset
    assert all('role="img"' in tag and "aria-label=" in tag for tag in charts)
    assert summary.count("<title>") == 5
    assert "<script" not in summary and " style=" not in summary and "<style" not in summary


def test_a_patient_without_history_gets_a_summary_in_words(client, clinician, patient):
    client.force_login(clinician)

    summary = summary_html(client.get(page(patient)).content.decode())

    assert "<svg" not in summary
    for words in ("No iron studies recorded.", "No IRLS total recorded.", "No diary entry in these weeks."):
        assert words in summary


def test_another_clinicians_patient_has_no_summary(client, clinician, other_patient, other_clinician):
    history(other_patient, other_clinician, labs=1, scores=1, nights=3, checklists=1, medicines=1)
    client.force_login(clinician)

    response = client.get(page(other_patient))

    assert response.status_code == 404
    assert b"patient-summary" not in response.content and b"Pramipexole" not in response.content


def test_the_summary_reads_a_fixed_number_of_queries_whatever_the_history(
    clinician, patient, other_patient, django_assert_num_queries
):
    history(patient, clinician, labs=1, scores=1, nights=1, checklists=1, medicines=1)
    history(other_patient, clinician, labs=12, scores=20, nights=120, checklists=4, medicines=5)
    with CaptureQueriesContext(connection) as little:
        patient_summary_for(patient=patient)

    with django_assert_num_queries(len(little)):
        summary = patient_summary_for(patient=other_patient)

    assert len(summary.nights) == 84  # the 12 weeks before today, not the 120 nights recorded
    assert len(summary.scores) == 12 and len(summary.adherence) == 4 and len(summary.medicines) == 5


def test_the_whole_patient_page_reads_a_fixed_number_of_queries_whatever_the_history(
    client, clinician, patient, other_patient, django_assert_num_queries
):
    other_patient.care_team.add(clinician)
    history(patient, clinician, labs=1, scores=1, nights=1, checklists=1, medicines=1)
    history(other_patient, clinician, labs=12, scores=20, nights=120, checklists=4, medicines=5)
    client.force_login(clinician)
    client.get(page(patient))  # the session and the user once
    with CaptureQueriesContext(connection) as little:
        client.get(page(patient))

    with django_assert_num_queries(len(little)):
        response = client.get(page(other_patient))

    assert response.status_code == 200 and b"Checklist 3 of" in response.content
