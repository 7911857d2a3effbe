"""The patient's page stays small whatever the history: past rows are text, the few most recent shown,
every one a click away ("Show all and edit", the same page scoped the same way); none of them can be
changed by posting the page; the time zone is typed, not picked from 600 options."""

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from checklists.admin.history import HISTORY_ROWS
from checklists.careplan import services
from checklists.models import DiaryEntry, FollowUp, Medication, SeverityScore
from checklists.models.careplan import FollowUpKind, FollowUpStatus
from tests.admin.pages import repost

pytestmark = pytest.mark.django_db

# The page's HTML for a long history (200 nights, 30 follow-ups done, 20 iron studies, 30 IRLS totals,
# 2 medicines stopped beside 2 taken): drawn in full it is several times this; bounded, about 140 KB, most
# of it the summary's charts and the current rows, which are not bounded (every medicine taken is a form).
# The 100 KB target is the bench's, on its patients.
PAGE_BUDGET = 150 * 1024


def page(patient) -> str:
    return f"/admin/checklists/patient/{patient.pk}/change/"


def history(patient, clinician, *, nights: int, medicines: int, done: int, labs: int, scores: int) -> None:
    """Give ``patient`` that much history; every other medicine is stopped, ``done`` follow-ups closed."""
    today = patient.local_today()
    DiaryEntry.objects.bulk_create(
        DiaryEntry(patient=patient, date=today - timedelta(days=n), severity=n % 10, onset_time=time(21))
        for n in range(1, nights + 1)
    )
    for n in range(medicines):
        services.medication_add(
            patient=patient,
            name=f"Gabapentin {n}",
            start_date=today - timedelta(days=400),
            stop_date=today - timedelta(days=100 - n) if n % 2 else None,
        )
    for n in range(done + 2):
        followup = services.followup_create(
            patient=patient,
            kind=FollowUpKind.FERRITIN_TSAT_LAB,
            title=f"Recheck {n}",
            due_date=today - timedelta(days=30 * (done - n) - 10),
            created_by=clinician,
        )
        if n < done:
            services.followup_close(followup=followup, status=FollowUpStatus.DONE, on=followup.due_date)
    for n in range(labs):
        services.labresult_add(
            patient=patient,
            drawn_on=today - timedelta(days=60 * n + 1),
            ferritin=Decimal(40 + n),
            tsat=Decimal(18),
        )
    SeverityScore.objects.bulk_create(
        SeverityScore(patient=patient, scored_on=today - timedelta(days=20 * n + 1), irls_total=12)
        for n in range(scores)
    )


@pytest.fixture
def long_history(patient, clinician):
    history(patient, clinician, nights=200, medicines=10, done=30, labs=20, scores=30)
    return patient


def test_a_long_history_stays_under_the_pages_byte_budget(client, clinician, patient):
    history(patient, clinician, nights=200, medicines=4, done=30, labs=20, scores=30)
    client.force_login(clinician)

    response = client.get(page(patient))

    assert response.status_code == 200
    assert len(response.content) < PAGE_BUDGET, len(response.content)


def test_the_page_reads_as_many_queries_for_a_long_history_as_for_a_short_one(
    client, clinician, patient, other_patient, django_assert_num_queries
):
    other_patient.care_team.add(clinician)
    history(patient, clinician, nights=10, medicines=2, done=1, labs=2, scores=2)
    history(other_patient, clinician, nights=200, medicines=10, done=30, labs=20, scores=30)
    client.force_login(clinician)
    client.get(page(patient))  # the session and the user once
    with CaptureQueriesContext(connection) as short:
        client.get(page(patient))

    with django_assert_num_queries(len(short)):
        response = client.get(page(other_patient))

    assert response.status_code == 200


def test_past_rows_are_text_the_most_recent_few_with_a_link_to_all(client, clinician, long_history):
    client.force_login(clinician)

    html = client.get(page(long_history)).content.decode()

    # Stopped medicines: the most recently stopped shown as text, none of them as a form field.
    stopped = Medication.objects.filter(patient=long_history, stop_date__isnull=False).order_by("-stop_date")
    assert f'<td class="field-name">{stopped[0].name}</td>' in html
    assert f'value="{stopped[0].name}"' not in html
    assert 'value="Gabapentin 0"' in html  # a current one is a form, as before
    # Follow-ups done: HISTORY_ROWS of 30, the planned ones editable.
    assert html.count('<td class="field-title">Recheck ') == HISTORY_ROWS
    assert 'value="Recheck 30"' in html and 'value="Recheck 31"' in html  # the planned ones
    assert 'href="?history=follow_ups"' in html and "Show all 30 and edit them" in html
    assert 'href="?history=medications"' in html and "Show all 5 and edit them" in html


def test_the_past_rows_shown_are_the_patients_own_most_recent(client, clinician, long_history, other_patient):
    other_patient.care_team.add(clinician)
    today = other_patient.local_today()
    for n in range(HISTORY_ROWS + 1):  # closed more recently than any of long_history's
        followup = services.followup_create(
            patient=other_patient, kind=FollowUpKind.VENOUS_DUPLEX, title=f"Theirs {n}", due_date=today
        )
        services.followup_close(followup=followup, status=FollowUpStatus.DONE, on=today)
    client.force_login(clinician)

    html = client.get(page(long_history)).content.decode()

    assert html.count('<td class="field-title">Recheck ') == HISTORY_ROWS and "Theirs" not in html


def test_show_all_lists_every_row_editable(client, clinician, long_history):
    client.force_login(clinician)

    html = client.get(page(long_history) + "?history=follow_ups").content.decode()

    done = FollowUp.objects.filter(patient=long_history, status=FollowUpStatus.DONE)
    assert all(f'value="{followup.title}"' in html for followup in done)
    assert "?history=medications" in html  # the other inlines stay short


def test_repost_from_show_all_saves_a_past_row(client, clinician, long_history):
    closed = FollowUp.objects.filter(patient=long_history, status=FollowUpStatus.DONE).earliest("pk")
    client.force_login(clinician)

    def edit(data):
        key = next(k for k, v in data.items() if k.endswith("-id") and v == str(closed.pk))
        data[key.removesuffix("-id") + "-notes"] = "Result filed."

    response = repost(client, page(long_history) + "?history=follow_ups", edit)

    assert response.status_code == 302
    closed.refresh_from_db()
    assert closed.notes == "Result filed."


def test_another_clinician_gets_a_404_for_show_all(client, other_clinician, long_history):
    client.force_login(other_clinician)

    for inline in ("follow_ups", "medications", "lab_results", "severity_scores"):
        response = client.get(page(long_history) + f"?history={inline}")
        assert response.status_code == 404
        assert b"Recheck" not in response.content


def test_a_past_row_posted_back_changes_nothing(client, clinician, long_history):
    closed = FollowUp.objects.filter(patient=long_history, status=FollowUpStatus.DONE).order_by("-due_date")
    newest = closed[0]
    client.force_login(clinician)

    def edit(data):
        # What a crafted post could say about the first history row of the follow-ups.
        data["follow_ups-2-0-id"] = str(newest.pk)
        data["follow_ups-2-0-notes"] = "Tampered"
        data["follow_ups-2-0-status"] = FollowUpStatus.PLANNED

    response = repost(client, page(long_history), edit)

    assert response.status_code == 302
    newest.refresh_from_db()
    assert (newest.notes, newest.status) == ("", FollowUpStatus.DONE)


def test_the_time_zone_is_typed_and_must_be_a_real_zone(client, clinician, patient):
    client.force_login(clinician)

    html = client.get(page(patient)).content.decode()
    assert '<select name="time_zone"' not in html and 'name="time_zone"' in html

    refused = repost(client, page(patient), lambda data: data.update(time_zone="Mars/Olympus_Mons"))
    assert refused.status_code == 200 and refused.context["errors"]
    saved = repost(client, page(patient), lambda data: data.update(time_zone="America/New_York"))
    assert saved.status_code == 302
    patient.refresh_from_db()
    assert patient.time_zone == "America/New_York"
