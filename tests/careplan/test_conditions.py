"""Patient conditions the clinician records: validation, the admin fieldset, what they change (the iron
note, the fluid item of the default library), and that they stay with the care team."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from checklists.careplan import services
from checklists.careplan.conditions import age_on, recorded_conditions
from checklists.library.defaults import CARE_TEAM_FLUID_ADVICE, FLUID_ITEM_TEXTS
from checklists.models import Assignment, AssignmentItem, ChecklistTemplate, CheckOff, LabNote
from checklists.models.careplan import LabResult
from checklists.plan.services import assignment_create
from tests.admin.pages import repost
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

FLUID = FLUID_ITEM_TEXTS[0]
CARE_TEAM_FLUID = CARE_TEAM_FLUID_ADVICE["text"]


def page(patient) -> str:
    return f"/admin/checklists/patient/{patient.pk}/change/"


def lifestyle() -> ChecklistTemplate:
    return ChecklistTemplate.objects.get(name="Lifestyle modifications")  # the default library


def active_texts(assignment: Assignment) -> list[str]:
    return list(
        assignment.items.filter(retired_at__isnull=True).order_by("position").values_list("text", flat=True)
    )


# Validation


def test_pregnancy_needs_its_due_date(patient):
    patient.pregnant = True
    with pytest.raises(ValidationError) as error:
        patient.full_clean()
    assert "pregnancy_due_date" in error.value.message_dict
    patient.pregnancy_due_date = patient.local_today() + timedelta(days=100)
    patient.full_clean()


def test_a_due_date_without_pregnancy_is_refused(patient):
    patient.pregnancy_due_date = patient.local_today() + timedelta(days=100)
    with pytest.raises(ValidationError) as error:
        patient.full_clean()
    assert "pregnancy_due_date" in error.value.message_dict


def test_dialysis_is_only_recorded_with_kidney_disease(patient):
    patient.on_dialysis = True
    with pytest.raises(ValidationError) as error:
        patient.full_clean()
    assert "on_dialysis" in error.value.message_dict
    patient.chronic_kidney_disease = True
    patient.full_clean()


def test_a_date_of_birth_in_the_future_of_the_patients_zone_is_refused(patient):
    patient.time_zone = "Pacific/Kiritimati"  # UTC+14: their today can be the server's tomorrow
    patient.date_of_birth = patient.local_today()
    patient.full_clean()
    patient.date_of_birth = patient.local_today() + timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        patient.full_clean()
    assert "date_of_birth" in error.value.message_dict


def test_age_is_in_whole_years_on_the_day():
    born = date(2009, 6, 15)
    assert age_on(born, date(2027, 6, 14)) == 17
    assert age_on(born, date(2027, 6, 15)) == 18
    assert age_on(None, date(2027, 6, 15)) is None


# The admin fieldset


def test_the_patient_page_has_the_conditions_fieldset(client, clinician, patient):
    client.force_login(clinician)
    html = client.get(page(patient)).content.decode()
    assert "Conditions (recorded by the clinician" in html
    for label in (
        "Date of birth",
        "Iron-deficiency anaemia",
        "Chronic kidney disease",
        "On dialysis",
        "Pregnancy",
        "Due date",
        "Diabetes",
        "Peripheral neuropathy",
        "Thyroid disease",
        "Parkinson&#x27;s disease",
        "Venous insufficiency",
        "Heart failure",
    ):
        assert label in html, label


def test_the_clinician_records_conditions_on_the_patient_page(client, clinician, patient):
    client.force_login(clinician)

    def record(data):
        data["date_of_birth"] = "1960-04-02"
        data["diabetes"] = "on"
        data["chronic_kidney_disease"] = "on"
        data["on_dialysis"] = "on"

    response = repost(client, page(patient), record)
    assert response.status_code == 302, response.context["adminform"].form.errors
    patient.refresh_from_db()
    assert (patient.date_of_birth, patient.diabetes, patient.on_dialysis) == (date(1960, 4, 2), True, True)
    assert recorded_conditions(patient) == ["chronic kidney disease", "on dialysis", "diabetes"]
    listed = client.get("/admin/checklists/patient/").content.decode()
    assert "chronic kidney disease, on dialysis, diabetes" in listed  # context beside the care-plan columns


def test_the_patient_page_refuses_dialysis_without_kidney_disease(client, clinician, patient):
    client.force_login(clinician)
    response = repost(client, page(patient), lambda data: data.update(on_dialysis="on"))
    assert response.status_code == 200
    assert "Dialysis is recorded with chronic kidney disease" in response.content.decode()
    patient.refresh_from_db()
    assert not patient.on_dialysis


def test_the_patient_page_refuses_pregnancy_without_a_due_date(client, clinician, patient):
    client.force_login(clinician)
    response = repost(client, page(patient), lambda data: data.update(pregnant="on"))
    assert response.status_code == 200
    assert "Enter the due date of the pregnancy" in response.content.decode()


def test_conditions_are_not_sent_to_the_patient(client, patient):
    patient.heart_failure = patient.diabetes = True
    patient.save()
    client.force_login(patient.user)
    body = client.get(reverse("api:careplan")).content.decode().lower()
    assert "heart failure" not in body and "diabetes" not in body and "conditions" not in body


def test_another_clinician_cannot_see_or_record_a_patients_conditions(client, other_clinician, patient):
    client.force_login(other_clinician)
    assert client.get(page(patient)).status_code in (302, 403, 404)
    response = client.post(page(patient), {"heart_failure": "on", "time_zone": "UTC", "language": "en"})
    assert response.status_code in (302, 403, 404)
    patient.refresh_from_db()
    assert not patient.heart_failure


# The fluid item


def test_the_default_library_has_the_general_fluid_item():
    assert FLUID in list(lifestyle().items.values_list("text", flat=True))


@pytest.mark.parametrize("condition", ["heart_failure", "on_dialysis"])
def test_a_checklist_assigned_on_dialysis_or_with_heart_failure_has_the_care_teams_fluid_advice(
    clinician, condition
):
    patient = PatientFactory.create(care_team=[clinician], chronic_kidney_disease=True, **{condition: True})
    assignment = assignment_create(patient=patient, template=lifestyle(), assigned_by=clinician)
    texts = active_texts(assignment)
    assert CARE_TEAM_FLUID in texts and FLUID not in texts
    assert not assignment.items.filter(text=FLUID).exists()  # never given, not even retired
    assert len(texts) == lifestyle().items.count()  # the other items are copied as they are


def test_a_checklist_assigned_without_those_conditions_keeps_the_general_item(clinician):
    patient = PatientFactory.create(care_team=[clinician], diabetes=True, chronic_kidney_disease=True)
    assignment = assignment_create(patient=patient, template=lifestyle(), assigned_by=clinician)
    assert FLUID in active_texts(assignment) and CARE_TEAM_FLUID not in active_texts(assignment)


def test_recording_heart_failure_later_replaces_the_item_and_keeps_its_history(client, clinician, patient):
    assignment = assignment_create(
        patient=patient,
        template=lifestyle(),
        assigned_by=clinician,
        start_date=patient.local_today() - timedelta(7),
    )
    old = assignment.items.get(text=FLUID)
    CheckOff.objects.create(item=old, patient=patient, date=patient.local_today() - timedelta(1), done=True)

    client.force_login(clinician)
    response = repost(client, page(patient), lambda data: data.update(heart_failure="on"))
    assert response.status_code == 302, response.context["adminform"].form.errors

    old.refresh_from_db()
    assert old.retired_at is not None and old.checkoffs.count() == 1  # retired, its check-off kept
    new = assignment.items.get(text=CARE_TEAM_FLUID, retired_at__isnull=True)
    assert (new.position, new.template_item_id, new.due_from) == (
        old.position,
        old.template_item_id,
        patient.local_today(),
    )
    assert FLUID not in active_texts(assignment)
    # Saving again does not add a second replacement.
    repost(client, page(patient), lambda data: None)
    assert assignment.items.filter(text=CARE_TEAM_FLUID).count() == 1


def test_recording_dialysis_later_replaces_the_item_through_the_service(clinician, patient):
    assignment = assignment_create(patient=patient, template=lifestyle(), assigned_by=clinician)
    patient.chronic_kidney_disease = patient.on_dialysis = True
    patient.save()
    services.patient_conditions_apply(patient=patient, changed=["chronic_kidney_disease", "on_dialysis"])
    assert CARE_TEAM_FLUID in active_texts(assignment) and FLUID not in active_texts(assignment)
    assert (
        AssignmentItem.objects.filter(assignment=assignment, text=FLUID, retired_at__isnull=False).count()
        == 1
    )


def test_other_patients_checklists_are_left_alone(clinician, patient, other_patient):
    theirs = assignment_create(patient=other_patient, template=lifestyle(), assigned_by=None)
    assignment_create(patient=patient, template=lifestyle(), assigned_by=clinician)
    patient.heart_failure = True
    patient.save()
    services.patient_conditions_apply(patient=patient, changed=["heart_failure"])
    assert FLUID in active_texts(theirs)


# The iron note follows the conditions


def test_recording_dialysis_re_evaluates_the_lab_notes_and_keeps_the_old_one(client, clinician, patient):
    patient.date_of_birth = date(1960, 1, 1)
    patient.save()
    lab = services.labresult_add(
        patient=patient,
        drawn_on=patient.local_today() - timedelta(3),
        ferritin=Decimal(150),
        tsat=Decimal(15),
    )
    assert lab.note_code == "oral_or_iv"

    client.force_login(clinician)
    response = repost(
        client, page(patient), lambda data: data.update(chronic_kidney_disease="on", on_dialysis="on")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors

    lab.refresh_from_db()
    assert lab.note_code == "dialysis_iv"
    (earlier,) = LabNote.objects.filter(lab_result=lab)
    assert (earlier.note_code, earlier.rule_version) == ("oral_or_iv", "iron c2.r1")
    html = client.get(page(patient)).content.decode()
    assert "Dialysis: IV iron sucrose may be considered" in html


def test_a_date_of_birth_makes_a_child_s_note_use_the_childrens_thresholds(clinician, patient):
    lab = services.labresult_add(
        patient=patient, drawn_on=patient.local_today(), ferritin=Decimal(90), tsat=Decimal(30)
    )
    assert lab.note_code == "iv_only"
    patient.date_of_birth = patient.local_today() - timedelta(days=365 * 12)
    patient.save()
    services.patient_conditions_apply(patient=patient, changed=["date_of_birth"])
    lab.refresh_from_db()
    assert lab.note_code == "child_not_covered"


def test_pregnancy_note_reaches_the_clinicians_patient_page(client, clinician, patient):
    today = patient.local_today()
    patient.pregnant, patient.pregnancy_due_date = True, today + timedelta(days=90)
    patient.save()
    services.labresult_add(patient=patient, drawn_on=today, ferritin=Decimal(30), tsat=Decimal(12))
    client.force_login(clinician)
    html = client.get(page(patient)).content.decode()
    assert "Pregnancy: use the obstetric plan" in html
    assert "Picchietti" in html
    assert "Iron therapy may be considered" not in html
    assert LabResult.objects.get(patient=patient).note_code == "pregnancy"
