"""Clinics apart: a clinician sees and picks only their own clinic's clinicians, patients and templates;
a clinic's contact details reach its patients; only a superuser manages clinics."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from checklists.clinics.rules import adherence_alert_below, clinic_contact
from checklists.clinics.services import clinic_membership_set
from checklists.models import Assignment, ChecklistTemplate, Clinic, Patient
from tests.admin.pages import repost
from tests.factories import ClinicianFactory, PatientFactory, template_with_items

pytestmark = pytest.mark.django_db

CONTACT_A = {
    "contact_name": "Leeds Sleep Clinic",
    "contact_phone": "+44 113 496 0000",
    "contact_email": "sleep@leeds.example",
    "contact_hours": "Mon-Fri 9:00-17:00",
}


@pytest.fixture
def clinic_a(db):
    return Clinic.objects.create(name="Leeds", **CONTACT_A)


@pytest.fixture
def clinic_b(db):
    return Clinic.objects.create(name="York", contact_phone="+44 1904 000000")


def _clinician(clinic: Clinic, email: str, *, lead: bool = False):
    user = ClinicianFactory.create(email=email)
    clinic_membership_set(user=user, clinic=clinic, is_lead=lead)
    return user


@pytest.fixture
def a_clin(clinic_a):
    return _clinician(clinic_a, "ann@leeds.example")


@pytest.fixture
def a_lead(clinic_a):
    return _clinician(clinic_a, "lea@leeds.example", lead=True)


@pytest.fixture
def b_clin(clinic_b):
    return _clinician(clinic_b, "bert@york.example")


@pytest.fixture
def b_lead(clinic_b):
    return _clinician(clinic_b, "bea@york.example", lead=True)


@pytest.fixture
def a_patient(clinic_a, a_clin):
    return PatientFactory(user__email="pat@leeds.example", care_team=[a_clin], clinic=clinic_a)


def patient_url(patient: Patient) -> str:
    return reverse("admin:checklists_patient_change", args=[patient.pk])


def care_team_choices(response) -> set[int]:
    field = response.context["adminform"].form.fields["care_team"]
    return set(field.queryset.values_list("pk", flat=True))


# -- the care-team picker --------------------------------------------------------------------------


def test_the_care_team_picker_lists_only_the_clinics_own_clinicians(
    client, a_clin, a_lead, b_clin, a_patient
):
    client.force_login(a_clin)
    response = client.get(patient_url(a_patient))
    assert response.status_code == 200
    assert care_team_choices(response) == {a_clin.pk, a_lead.pk}
    assert b_clin.email not in response.text


def test_a_tampered_post_with_another_clinics_clinician_is_a_form_error(client, a_clin, b_clin, a_patient):
    client.force_login(a_clin)

    def add_b(data):
        data["care_team"] = [str(a_clin.pk), str(b_clin.pk)]

    response = repost(client, patient_url(a_patient), add_b)
    assert response.status_code == 200
    assert "care_team" in response.context["adminform"].form.errors
    assert list(a_patient.care_team.all()) == [a_clin]


def test_a_superuser_moves_a_patient_to_another_clinic_with_its_clinicians(
    client, superuser, clinic_b, a_clin, b_clin, a_patient
):
    client.force_login(superuser)

    def move(data):
        data.update({"clinic": str(clinic_b.pk), "care_team": [str(b_clin.pk)]})

    assert repost(client, patient_url(a_patient), move).status_code == 302
    a_patient.refresh_from_db()
    assert a_patient.clinic == clinic_b and list(a_patient.care_team.all()) == [b_clin]
    client.force_login(b_clin)
    assert client.get(patient_url(a_patient)).status_code == 200
    client.force_login(a_clin)
    assert client.get(patient_url(a_patient)).status_code == 404


def test_a_superuser_cannot_leave_the_old_clinics_clinicians_on_the_care_team(
    client, superuser, clinic_a, clinic_b, a_clin, a_patient
):
    client.force_login(superuser)

    def move_only(data):
        data["clinic"] = str(clinic_b.pk)

    response = repost(client, patient_url(a_patient), move_only)
    assert response.status_code == 200
    assert "Not clinicians of the patient&#x27;s clinic (York)" in response.text
    a_patient.refresh_from_db()
    assert a_patient.clinic == clinic_a


# -- patients never cross ---------------------------------------------------------------------------


def test_another_clinics_clinician_sees_nothing_even_when_put_on_the_care_team(client, b_clin, a_patient):
    a_patient.care_team.add(b_clin)  # however it came to be: the clinic still keeps them apart
    client.force_login(b_clin)
    listing = client.get(reverse("admin:checklists_patient_changelist"))
    assert listing.status_code == 200
    assert a_patient.user.email not in listing.text
    for view in ("change", "history", "delete", "report"):
        assert client.get(reverse(f"admin:checklists_patient_{view}", args=[a_patient.pk])).status_code == 404
    fhir = client.get(reverse("fhir:patient-everything", kwargs={"pk": a_patient.pk}))
    assert fhir.status_code == 404
    assert not Patient.objects.for_clinician(b_clin).exists()


def test_the_clinics_own_clinicians_still_see_their_patients(client, a_clin, a_patient, superuser):
    client.force_login(a_clin)
    assert a_patient.user.email in client.get(reverse("admin:checklists_patient_changelist")).text
    client.force_login(superuser)
    assert client.get(patient_url(a_patient)).status_code == 200


def test_a_patient_invited_by_a_clinician_joins_their_clinic(client, a_clin, clinic_a):
    client.force_login(a_clin)
    response = client.post(
        reverse("admin:checklists_patient_add"),
        {"email": "new@leeds.example", "first_name": "New", "last_name": "Patient"}
        | {"time_zone": "Europe/London", "language": "en"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    patient = Patient.objects.get(user__email="new@leeds.example")
    assert patient.clinic == clinic_a
    assert client.get(patient_url(patient)).status_code == 200


# -- clinic templates -------------------------------------------------------------------------------


def _new_template(client, name: str, **extra: str):
    return client.post(
        reverse("admin:checklists_checklisttemplate_add"),
        {
            **extra,
            "name": name,
            "category": "lifestyle",
            "description": "",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "1000",
            "items-0-position": "0",
            "items-0-text": "Walk after dinner",
            "items-0-source": "Clinic protocol",
        },
    )


def test_a_lead_clinician_creates_a_template_for_their_clinic(client, a_lead, clinic_a, clinic_b):
    client.force_login(a_lead)
    # a posted clinic is not theirs to choose: the template is their own clinic's
    assert _new_template(client, "Leeds evening routine", clinic=str(clinic_b.pk)).status_code == 302
    template = ChecklistTemplate.objects.get(name="Leeds evening routine")
    assert template.clinic == clinic_a
    assert list(template.items.values_list("text", flat=True)) == ["Walk after dinner"]


def test_a_clinician_who_is_not_a_lead_cannot_create_one(client, a_clin):
    client.force_login(a_clin)
    assert client.get(reverse("admin:checklists_checklisttemplate_add")).status_code == 403
    assert _new_template(client, "Not allowed").status_code == 403
    assert not ChecklistTemplate.objects.filter(name="Not allowed").exists()


def test_the_default_library_stays_read_only_for_a_lead(client, a_lead):
    library = ChecklistTemplate.objects.get(name="Trigger avoidance")
    client.force_login(a_lead)
    url = reverse("admin:checklists_checklisttemplate_change", args=[library.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"name": "Changed", "category": "lifestyle"}).status_code == 403
    assert (
        client.get(reverse("admin:checklists_checklisttemplate_delete", args=[library.pk])).status_code == 403
    )
    library.refresh_from_db()
    assert library.name == "Trigger avoidance"


def test_another_clinic_never_sees_a_clinics_template(client, clinic_a, a_clin, b_clin, b_lead):
    own = template_with_items(1, name="Leeds evening routine", clinic=clinic_a)
    for user in (b_clin, b_lead):
        client.force_login(user)
        listing = client.get(reverse("admin:checklists_checklisttemplate_changelist"))
        assert listing.status_code == 200
        assert "Trigger avoidance" in listing.text and own.name not in listing.text
        for view in ("change", "delete", "history"):
            url = reverse(f"admin:checklists_checklisttemplate_{view}", args=[own.pk])
            assert client.get(url).status_code == 404
    client.force_login(a_clin)  # their own clinic's: listed, read-only for a clinician who is not a lead
    assert own.name in client.get(reverse("admin:checklists_checklisttemplate_changelist")).text


def test_a_lead_edits_their_clinics_template_but_not_another_clinics(client, clinic_a, clinic_b, a_lead):
    own = template_with_items(1, name="Leeds evening routine", clinic=clinic_a)
    theirs = template_with_items(1, name="York morning routine", clinic=clinic_b)
    client.force_login(a_lead)

    def rename(data):
        data["name"] = "Leeds evening routine (2)"

    assert (
        repost(
            client, reverse("admin:checklists_checklisttemplate_change", args=[own.pk]), rename
        ).status_code
        == 302
    )
    own.refresh_from_db()
    assert own.name == "Leeds evening routine (2)" and own.clinic == clinic_a
    url = reverse("admin:checklists_checklisttemplate_change", args=[theirs.pk])
    assert client.post(url, {"name": "Taken over", "category": "lifestyle"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "York morning routine"


def test_the_assign_action_offers_the_default_library_and_the_own_clinics_templates(
    client, clinic_a, clinic_b, a_clin, a_patient
):
    own = template_with_items(1, name="Leeds evening routine", clinic=clinic_a)
    theirs = template_with_items(1, name="York morning routine", clinic=clinic_b)
    client.force_login(a_clin)
    url = reverse("admin:checklists_patient_changelist")
    selected = {"action": "assign_template", "_selected_action": [a_patient.pk]}
    confirm = client.post(url, selected)
    offered = set(confirm.context["form"].fields["template"].queryset)
    assert own in offered and ChecklistTemplate.objects.get(name="Trigger avoidance") in offered
    assert theirs not in offered
    assert theirs.name not in confirm.text

    tampered = client.post(url, {**selected, "apply": "1", "template": theirs.pk, "start_date": ""})
    assert tampered.status_code == 200
    assert "template" in tampered.context["form"].errors
    assert not Assignment.objects.exists()

    done = client.post(url, {**selected, "apply": "1", "template": own.pk, "start_date": ""})
    assert done.status_code == 302
    assert Assignment.objects.get().template == own


def test_the_patients_page_refuses_another_clinics_template(client, clinic_b, a_clin, a_patient):
    theirs = template_with_items(1, name="York morning routine", clinic=clinic_b)
    client.force_login(a_clin)
    page = client.get(patient_url(a_patient))
    assert theirs.name not in page.text

    def add_row(data):
        data.update(
            {
                "assignments-TOTAL_FORMS": "1",
                "assignments-0-template": str(theirs.pk),
                "assignments-0-weekdays": [str(d) for d in range(7)],
                "assignments-0-active": "on",
            }
        )

    response = repost(client, patient_url(a_patient), add_row)
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not Assignment.objects.exists()


# -- contact details per clinic ---------------------------------------------------------------------


def test_a_clinics_patients_read_its_own_contact_on_the_care_plan(a_patient, settings):
    settings.CLINIC_CONTACT = {"name": "Deployment", "phone": "000", "email": "", "hours": ""}
    api = APIClient()
    api.force_authenticate(a_patient.user)
    assert api.get("/api/v1/careplan/").json()["contact"] == {
        "name": "Leeds Sleep Clinic",
        "phone": "+44 113 496 0000",
        "email": "sleep@leeds.example",
        "hours": "Mon-Fri 9:00-17:00",
    }


def test_without_its_own_contact_the_deployments_contact_is_shown(settings, clinic_b):
    fallback = {"name": "Deployment", "phone": "000", "email": "", "hours": ""}
    settings.CLINIC_CONTACT = fallback
    assert clinic_contact(Clinic(name="No contact yet")) == fallback
    assert clinic_contact(None) == fallback
    assert clinic_contact(clinic_b) == {"name": "York", "phone": "+44 1904 000000", "email": "", "hours": ""}


def test_a_clinic_may_set_its_own_low_adherence_threshold(settings):
    settings.ADHERENCE_ALERT_BELOW_PERCENT = 80
    assert adherence_alert_below(None) == 0.8
    assert adherence_alert_below(Clinic(name="Default")) == 0.8
    assert adherence_alert_below(Clinic(name="Strict", adherence_alert_below_percent=90)) == 0.9


# -- managing clinics -------------------------------------------------------------------------------


def test_a_superuser_manages_clinics_and_their_clinicians(client, superuser, a_clin):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:checklists_clinic_add"),
        {
            "name": "Bradford",
            "contact_phone": "+44 1274 000000",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-user": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert Clinic.objects.filter(name="Bradford").exists()


def test_a_clinician_cannot_manage_clinics(client, a_clin, clinic_a):
    client.force_login(a_clin)
    assert client.get(reverse("admin:checklists_clinic_changelist")).status_code == 403
    assert client.get(reverse("admin:checklists_clinic_change", args=[clinic_a.pk])).status_code == 403
    assert client.get(reverse("admin:checklists_clinic_add")).status_code == 403


def test_a_lead_keeps_their_own_clinics_contact_but_cannot_touch_another_clinic(
    client, clinic_a, clinic_b, a_lead
):
    client.force_login(a_lead)

    def new_hours(data):
        data["contact_hours"] = "Mon-Thu 8:00-16:00"

    own = reverse("admin:checklists_clinic_change", args=[clinic_a.pk])
    assert repost(client, own, new_hours).status_code == 302
    clinic_a.refresh_from_db()
    assert clinic_a.contact_hours == "Mon-Thu 8:00-16:00"
    other = reverse("admin:checklists_clinic_change", args=[clinic_b.pk])
    assert client.get(other).status_code == 404
    assert client.post(other, {"name": "Taken", "contact_phone": "1"}).status_code == 404
    assert client.get(reverse("admin:checklists_clinic_add")).status_code == 403
    listing = client.get(reverse("admin:checklists_clinic_changelist"))
    assert "Leeds" in listing.text and "York" not in listing.text
