"""The worklist page in the admin: the clinician's start, scoped to their own patients, with a link to
act and "Mark reviewed" on each reason, filters and sorts, in a constant number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from checklists.careplan.augmentation import AugmentationStatus
from checklists.models import (
    AccessLog,
    AugmentationFinding,
    Clinic,
    ClinicMembership,
    DiaryEntry,
    Patient,
    WorklistReview,
)
from checklists.worklist.rules import RULESET, Reason
from tests.factories import FollowUpFactory, LabResultFactory, PatientFactory

pytestmark = pytest.mark.django_db

WORKLIST = reverse("admin:checklists_patient_worklist")


def _review_url(patient: Patient) -> str:
    return reverse("admin:checklists_patient_worklist_review", args=[patient.pk])


def _overdue(patient: Patient, days: int = 3) -> None:
    FollowUpFactory(patient=patient, due_date=patient.local_today() - timedelta(days=days))


def _everything(patient: Patient) -> None:
    """Give ``patient`` most of the reasons at once."""
    _overdue(patient)
    LabResultFactory(patient=patient, drawn_on=patient.local_today())
    now = timezone.now()
    AugmentationFinding.objects.create(
        patient=patient,
        computed_at=now,
        checked_at=now,
        status=AugmentationStatus.FLAGGED,
        rule_version="a@1",
    )
    today = patient.local_today()
    DiaryEntry.objects.bulk_create(
        DiaryEntry(patient=patient, date=today - timedelta(days=d), severity=2 if d > 13 else 7)
        for d in range(28)
    )
    Patient.objects.filter(pk=patient.pk).update(invitation_accepted_at=now - timedelta(days=30))


def test_the_start_page_leads_to_the_worklist(client, clinician):
    client.force_login(clinician)
    page = client.get(reverse("admin:index")).content.decode()
    assert WORKLIST in page
    changelist = reverse("admin:checklists_patient_changelist")
    assert page.index(f'href="{WORKLIST}"') < page.index(f'href="{changelist}"')


def test_the_worklist_shows_own_patients_reasons_with_a_link_to_act(
    client, clinician, patient, other_patient
):
    _overdue(patient)
    _overdue(other_patient)
    client.force_login(clinician)
    response = client.get(WORKLIST)
    page = response.content.decode()
    assert response.status_code == 200
    assert escape(str(patient)) in page and escape(str(other_patient)) not in page
    assert "Overdue follow-up" in page and "1 overdue, the oldest by 3 days" in page
    change = reverse("admin:checklists_patient_change", args=[patient.pk])
    assert f'href="{change}#follow_ups-group"' in page
    assert AccessLog.objects.filter(action="view", object_kind="worklist", patient=patient).exists()
    assert not AccessLog.objects.filter(patient=other_patient).exists()


def test_another_clinician_sees_nothing_and_cannot_mark_it_reviewed(client, other_clinician, patient):
    _overdue(patient)
    client.force_login(other_clinician)
    page = client.get(WORKLIST).content.decode()
    assert escape(str(patient)) not in page and "Overdue follow-up:" not in page
    response = client.post(_review_url(patient), {"reason": Reason.OVERDUE_FOLLOW_UP})
    assert response.status_code == 404
    assert not WorklistReview.objects.exists()


def test_mark_reviewed_quietens_the_reason_and_comes_back_to_the_same_view(client, clinician, patient):
    _overdue(patient)
    client.force_login(clinician)
    back = f"{WORKLIST}?sort=name"
    response = client.post(_review_url(patient), {"reason": Reason.OVERDUE_FOLLOW_UP, "next": back})
    assert response.status_code == 302 and response["Location"] == back
    review = WorklistReview.objects.get(patient=patient)
    assert review.reviewed_by == clinician and review.rule_version == RULESET.tag
    page = client.get(WORKLIST).content.decode()
    assert "marked reviewed for" in page  # the message, once
    assert 'id="worklist-empty"' in page and "Overdue follow-up:" not in page
    assert AccessLog.objects.filter(
        action="change", object_kind="worklist", object_id=Reason.OVERDUE_FOLLOW_UP
    ).exists()


def test_mark_reviewed_refuses_an_unknown_reason_and_a_get(client, clinician, patient):
    client.force_login(clinician)
    assert client.post(_review_url(patient), {"reason": "everything"}).status_code == 400
    assert client.get(_review_url(patient)).status_code == 405
    assert not WorklistReview.objects.exists()


def test_mark_reviewed_never_redirects_off_site(client, clinician, patient):
    client.force_login(clinician)
    response = client.post(
        _review_url(patient), {"reason": Reason.NO_SYNC, "next": "https://evil.example.net/"}
    )
    assert response["Location"] == WORKLIST


def test_filter_and_sort_by_reason(client, clinician, patient):
    late = PatientFactory.create(
        user__email="late@example.com", user__last_name="Aardvark", care_team=[clinician]
    )
    _overdue(late, days=10)
    LabResultFactory(patient=patient, drawn_on=patient.local_today())
    client.force_login(clinician)

    page = client.get(WORKLIST, {"reason": Reason.OVERDUE_FOLLOW_UP}).content.decode()
    assert escape(str(late)) in page and escape(str(patient)) not in page
    page = client.get(WORKLIST, {"reason": Reason.LAB_UNREVIEWED}).content.decode()
    assert escape(str(patient)) in page and escape(str(late)) not in page

    by_lab = client.get(WORKLIST, {"sort": Reason.LAB_UNREVIEWED}).content.decode()
    assert by_lab.index(escape(str(patient))) < by_lab.index(escape(str(late)))
    by_urgency = client.get(WORKLIST).content.decode()
    assert by_urgency.index(escape(str(late))) < by_urgency.index(
        escape(str(patient))
    )  # overdue before an unread lab


def test_the_worklist_takes_the_same_queries_for_1_and_20_patients(
    client, clinician, django_assert_num_queries
):
    client.force_login(clinician)
    first = PatientFactory.create(care_team=[clinician])
    _everything(first)
    client.get(WORKLIST)  # warm: the session and the content types
    with CaptureQueriesContext(connection) as one:
        response = client.get(WORKLIST)
    assert response.status_code == 200 and len(response.context["entries"]) == 1

    for _ in range(19):
        _everything(PatientFactory.create(care_team=[clinician]))
    with django_assert_num_queries(len(one)):
        response = client.get(WORKLIST)
    assert len(response.context["entries"]) == 20


def test_a_clinician_of_another_clinic_sees_nothing_even_on_the_care_team(
    client, clinician, other_clinician, patient
):
    own, other = Clinic.objects.create(name="North clinic"), Clinic.objects.create(name="South clinic")
    ClinicMembership.objects.create(user=clinician, clinic=own)
    ClinicMembership.objects.create(user=other_clinician, clinic=other)
    Patient.objects.filter(pk=patient.pk).update(clinic=own)
    patient.care_team.add(other_clinician)
    _overdue(patient)

    client.force_login(other_clinician)
    assert client.get(WORKLIST).context["entries"] == []
    assert client.post(_review_url(patient), {"reason": Reason.OVERDUE_FOLLOW_UP}).status_code == 404
    client.force_login(clinician)
    assert [e["row"].patient for e in client.get(WORKLIST).context["entries"]] == [patient]
