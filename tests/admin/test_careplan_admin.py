"""The care plan in the clinicians' admin: inlines, flags in the patient list, the due follow-ups list."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from checklists.careplan import services
from checklists.careplan.augmentation_services import augmentation_screen
from checklists.models import AugmentationBaseline, DiaryEntry, FollowUp, Medication
from checklists.models.careplan import FollowUpKind, FollowUpStatus
from tests.factories import LabResultFactory, PatientFactory

PATIENTS = "/admin/checklists/patient/"
DUE = "/admin/checklists/duefollowup/"


def flagged_patient(patient, clinician):
    """Give ``patient`` a low ferritin, sertraline + pramipexole, earlier onset, and two follow-ups."""
    today = patient.local_today()
    LabResultFactory(patient=patient, ferritin=58, tsat=17, drawn_on=today - timedelta(days=30))
    services.medication_add(patient=patient, name="Zoloft 50mg")
    services.medication_add(patient=patient, name="Pramipexole 0.25 mg")
    for offset in range(28):
        onset = time(18, 0) if offset < 14 else time(21, 0)
        DiaryEntry.objects.create(
            patient=patient,
            date=today - timedelta(offset),
            severity=5,
            onset_time=onset,
            note=f"night {offset}",
        )
    # The two weeks before as the augmentation baseline (onset 21:00), screened as after a diary write.
    AugmentationBaseline.objects.create(
        patient=patient, start=today - timedelta(days=27), end=today - timedelta(days=14)
    )
    augmentation_screen(patient=patient)
    overdue = services.followup_create(
        patient=patient,
        kind=FollowUpKind.MEDICATION_REVIEW,
        due_date=today - timedelta(days=3),
        recurrence_weeks=4,
        created_by=clinician,
    )
    soon = services.followup_create(
        patient=patient, kind=FollowUpKind.VENOUS_DUPLEX, due_date=today + timedelta(10)
    )
    return overdue, soon


@pytest.fixture
def plans(patient, other_patient, clinician, other_clinician):
    mine = flagged_patient(patient, clinician)
    theirs = flagged_patient(other_patient, other_clinician)
    return mine, theirs


def test_patient_page_shows_the_care_plan_inlines(client, clinician, patient, plans):
    client.force_login(clinician)
    response = client.get(f"{PATIENTS}{patient.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "Follow-ups",
        "Iron studies",
        "IRLS totals",
        "Medication review",
        "Venous duplex ultrasound",
        "Iron therapy may be considered (oral or IV)",
        "PMID 39324694",
        "sertraline",
        "pramipexole",
        "may worsen RLS",
        "night 0",
    ]:
        assert text in html, text
    diary_formset = next(f for f in response.context["inline_admin_formsets"] if f.opts.model is DiaryEntry)
    assert not diary_formset.has_add_permission and not diary_formset.has_change_permission


def test_patient_list_shows_flags(client, clinician, patient, plans):
    client.force_login(clinician)
    html = client.get(PATIENTS).content.decode()
    assert "ferritin 58.0 ng/mL, TSAT 17.0%" in html
    assert "dopaminergic: pramipexole" in html and "may worsen RLS: sertraline" in html
    assert "Possible augmentation" in html and "18:00" in html and "21:00" in html
    assert "other.pat@example.com" not in html


def test_patient_list_queries_do_not_grow_with_patients(client, clinician, plans):
    client.force_login(clinician)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(PATIENTS).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for _ in range(6):
        flagged_patient(PatientFactory(care_team=[clinician]), clinician)
    assert count() == few


def test_other_clinician_gets_404_for_the_patient_and_their_follow_ups(
    client, other_clinician, patient, plans
):
    (overdue, _soon), _ = plans
    client.force_login(other_clinician)
    assert client.get(f"{PATIENTS}{patient.pk}/change/").status_code == 404
    assert client.get(f"{DUE}{overdue.pk}/change/").status_code == 404
    html = client.get(DUE).content.decode()
    assert "pat@example.com" not in html.replace("other.pat@example.com", "")
    assert "other.pat@example.com" in html


def test_due_list_shows_overdue_and_due_soon_of_own_patients(client, clinician, plans):
    (overdue, soon), _ = plans
    client.force_login(clinician)
    response = client.get(DUE)
    assert response.status_code == 200
    listed = list(response.context["cl"].result_list)
    assert listed == [overdue, soon]
    html = response.content.decode()
    assert "overdue by 3 days" in html and "due in 10 days" in html


def test_due_list_leaves_out_later_and_closed_follow_ups(client, clinician, patient, plans, settings):
    today = patient.local_today()
    later = services.followup_create(
        patient=patient,
        kind=FollowUpKind.COMPRESSION_REVIEW,
        due_date=today + timedelta(settings.CAREPLAN_DUE_SOON_DAYS + 1),
    )
    cancelled = services.followup_create(patient=patient, kind=FollowUpKind.IRON_INFUSION, due_date=today)
    services.followup_close(followup=cancelled, status=FollowUpStatus.CANCELLED, on=today)
    client.force_login(clinician)
    listed = list(client.get(DUE).context["cl"].result_list)
    assert later not in listed and cancelled not in listed


def test_due_list_filters_by_track(client, clinician, plans):
    (overdue, soon), _ = plans
    client.force_login(clinician)
    assert list(client.get(DUE, {"track": "vascular"}).context["cl"].result_list) == [soon]
    assert list(client.get(DUE, {"track": "medication"}).context["cl"].result_list) == [overdue]
    assert list(client.get(DUE, {"when": "overdue"}).context["cl"].result_list) == [overdue]


def test_mark_done_rolls_forward_once_even_when_posted_twice(client, clinician, plans):
    (overdue, _), _ = plans
    client.force_login(clinician)
    data = {"action": "mark_done_today", "_selected_action": [overdue.pk]}
    client.post(DUE, data)
    client.post(DUE, data)
    overdue.refresh_from_db()
    assert overdue.status == FollowUpStatus.DONE
    assert FollowUp.objects.filter(previous=overdue).count() == 1
    assert FollowUp.objects.filter(patient=overdue.patient, kind=overdue.kind).count() == 2


def test_mark_done_cannot_touch_another_clinicians_follow_up(client, other_clinician, plans):
    (overdue, _), _ = plans
    client.force_login(other_clinician)
    client.post(DUE, {"action": "mark_done_today", "_selected_action": [overdue.pk]})
    overdue.refresh_from_db()
    assert overdue.status == FollowUpStatus.PLANNED


def post_patient_change(client, patient, edit):
    """Re-post the patient's change form as shown, after ``edit(data)`` changes it."""
    url = f"{PATIENTS}{patient.pk}/change/"
    response = client.get(url)
    data: dict[str, str | list[str]] = {}
    forms = [response.context["adminform"].form]
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        forms.append(management)
        forms.extend(formset.formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None or value is False:
                continue
            if isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = "on" if value is True else str(value)
    edit(data)
    return client.post(url, data)


def test_completing_in_the_inline_plans_the_next_once(client, clinician, patient, plans):
    (overdue, _), _ = plans
    client.force_login(clinician)

    def complete(data):
        index = next(k for k, v in data.items() if k.endswith("-id") and v == str(overdue.pk)).rsplit("-", 1)[
            0
        ]
        data[f"{index}-status"] = "done"

    response = post_patient_change(client, patient, complete)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    overdue.refresh_from_db()
    assert overdue.status == FollowUpStatus.DONE
    assert overdue.completed_on == patient.local_today()
    nxt = FollowUp.objects.get(previous=overdue)
    assert nxt.due_date == patient.local_today() + timedelta(weeks=4)
    post_patient_change(client, patient, lambda data: None)  # saving again changes nothing
    assert FollowUp.objects.filter(patient=patient, kind=overdue.kind).count() == 2


def test_adding_a_medication_in_the_inline_sets_its_flags(client, clinician, patient, plans):
    client.force_login(clinician)

    def add(data):
        prefix = next(k for k in data if k.endswith("TOTAL_FORMS") and "medication" in k).removesuffix(
            "-TOTAL_FORMS"
        )
        index = int(data[f"{prefix}-TOTAL_FORMS"])
        data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
        data[f"{prefix}-{index}-name"] = "  Requip   2mg "

    response = post_patient_change(client, patient, add)
    assert response.status_code == 302
    med = Medication.objects.get(patient=patient, name__contains="Requip")
    assert (med.generic_name, med.is_dopaminergic, med.entered_by) == ("ropinirole", True, clinician)
