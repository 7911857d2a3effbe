"""A clinician sees only the patients on their care team: lists, pages, URLs and autocomplete."""

import pytest
from django.urls import reverse

from checklists.plan.services import assignment_create
from tests.factories import template_with_items

pytestmark = pytest.mark.django_db


@pytest.fixture
def assignments(patient, other_patient):
    template = template_with_items(2)
    mine = assignment_create(patient=patient, template=template, assigned_by=None)
    theirs = assignment_create(patient=other_patient, template=template, assigned_by=None)
    return mine, theirs


def test_patient_list_shows_only_own_patients(client, clinician, patient, other_patient):
    client.force_login(clinician)
    response = client.get(reverse("admin:checklists_patient_changelist"))
    assert response.status_code == 200
    assert patient.user.email in response.text
    assert other_patient.user.email not in response.text


@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_it_rejects_other_clinicians_patient(client, clinician, other_patient, view):
    client.force_login(clinician)
    response = client.get(reverse(f"admin:checklists_patient_{view}", args=[other_patient.pk]))
    assert response.status_code == 404
    assert other_patient.user.email not in response.text


def test_it_rejects_changing_other_clinicians_patient_by_post(client, clinician, other_patient):
    client.force_login(clinician)
    url = reverse("admin:checklists_patient_change", args=[other_patient.pk])
    response = client.post(url, {"time_zone": "UTC", "language": "en"})
    assert response.status_code == 404
    other_patient.refresh_from_db()
    assert other_patient.time_zone == "Europe/Berlin"


def test_own_patient_page_opens(client, clinician, patient):
    client.force_login(clinician)
    response = client.get(reverse("admin:checklists_patient_change", args=[patient.pk]))
    assert response.status_code == 200
    assert patient.user.email in response.text


@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_it_rejects_other_clinicians_assignment(client, clinician, assignments, view):
    _, theirs = assignments
    client.force_login(clinician)
    response = client.get(reverse(f"admin:checklists_assignment_{view}", args=[theirs.pk]))
    assert response.status_code == 404


def test_assignment_list_is_scoped(client, clinician, assignments):
    mine, _theirs = assignments
    client.force_login(clinician)
    response = client.get(reverse("admin:checklists_assignment_changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert list(response.context["cl"].result_list) == [mine]


def test_it_refuses_to_delete_other_clinicians_assignment(client, clinician, assignments):
    _, theirs = assignments
    client.force_login(clinician)
    response = client.post(reverse("admin:checklists_assignment_delete", args=[theirs.pk]), {"post": "yes"})
    assert response.status_code == 404
    theirs.refresh_from_db()


def test_bulk_delete_action_cannot_reach_other_clinicians_rows(client, clinician, assignments):
    _mine, theirs = assignments
    client.force_login(clinician)
    client.post(
        reverse("admin:checklists_assignment_changelist"),
        {"action": "delete_selected", "_selected_action": [theirs.pk], "post": "yes"},
    )
    theirs.refresh_from_db()  # still there


def test_autocomplete_offers_only_own_patients(client, clinician, patient, other_patient):
    client.force_login(clinician)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "checklists", "model_name": "assignment", "field_name": "patient", "term": ""},
    )
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {str(patient.pk)}


def test_assignment_add_form_offers_only_own_patients(client, clinician, patient, other_patient):
    client.force_login(clinician)
    response = client.post(
        reverse("admin:checklists_assignment_add"),
        {
            "patient": other_patient.pk,
            "template": template_with_items(1).pk,
            "weekdays": ["0"],
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not other_patient.assignments.exists()


def test_superuser_sees_every_patient(client, superuser, patient, other_patient):
    client.force_login(superuser)
    response = client.get(reverse("admin:checklists_patient_changelist"))
    assert {p.pk for p in response.context["cl"].result_list} == {patient.pk, other_patient.pk}
    assert client.get(reverse("admin:checklists_patient_change", args=[other_patient.pk])).status_code == 200


def test_clinicians_have_no_superuser_powers(client, clinician):
    client.force_login(clinician)
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
    template = template_with_items(1)
    # The library is read-only for clinicians.
    assert (
        client.get(reverse("admin:checklists_checklisttemplate_change", args=[template.pk])).status_code
        == 200
    )
    assert client.get(reverse("admin:checklists_checklisttemplate_add")).status_code == 403
    client.post(reverse("admin:checklists_checklisttemplate_change", args=[template.pk]), {"name": "Hacked"})
    template.refresh_from_db()
    assert template.name != "Hacked"


def test_a_patient_cannot_enter_the_admin(client, patient):
    client.force_login(patient.user)
    response = client.get(reverse("admin:checklists_patient_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
