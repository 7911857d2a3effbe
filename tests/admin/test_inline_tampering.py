"""An inline row posted with someone else's row id is a validation error, never a new or changed row."""

import pytest
from django.urls import reverse

from checklists.models import AssignmentItem, Medication
from checklists.plan.services import assignment_create
from tests.admin.pages import Data, repost
from tests.factories import template_with_items

pytestmark = pytest.mark.django_db


def _point_row_at(data: Data, own_pk: int, foreign_pk: int, changes: dict[str, str]) -> None:
    key = next(k for k, v in data.items() if k.endswith("-id") and v == str(own_pk))
    data[key] = str(foreign_pk)
    prefix = key.removesuffix("-id")
    for name, value in changes.items():
        data[f"{prefix}-{name}"] = value


@pytest.fixture
def two_plans(patient, other_patient):
    mine = assignment_create(patient=patient, template=template_with_items(2), assigned_by=None)
    theirs = assignment_create(patient=other_patient, template=template_with_items(2), assigned_by=None)
    return mine, theirs


def test_an_item_row_with_another_patients_item_id_is_refused(client, clinician, two_plans):
    mine, theirs = two_plans
    own_item, foreign_item = mine.items.first(), theirs.items.first()
    before = sorted(AssignmentItem.objects.values_list("pk", "assignment_id", "text"))
    client.force_login(clinician)
    response = repost(
        client,
        reverse("admin:checklists_assignment_change", args=[mine.pk]),
        lambda data: _point_row_at(data, own_item.pk, foreign_item.pk, {"text": "Tampered"}),
    )
    assert response.status_code == 200  # the form again, with the error
    assert response.context["errors"]
    assert sorted(AssignmentItem.objects.values_list("pk", "assignment_id", "text")) == before


def test_an_item_row_with_an_item_id_of_my_other_checklist_is_refused(client, clinician, patient, two_plans):
    mine, _theirs = two_plans
    second = assignment_create(patient=patient, template=template_with_items(1), assigned_by=None)
    before = sorted(AssignmentItem.objects.values_list("pk", "assignment_id", "text"))
    client.force_login(clinician)
    response = repost(
        client,
        reverse("admin:checklists_assignment_change", args=[mine.pk]),
        lambda data: _point_row_at(data, mine.items.first().pk, second.items.get().pk, {"text": "Moved"}),
    )
    assert response.status_code == 200 and response.context["errors"]
    assert sorted(AssignmentItem.objects.values_list("pk", "assignment_id", "text")) == before


def test_a_care_plan_row_with_another_patients_id_is_refused(client, clinician, patient, other_patient):
    own = Medication.objects.create(patient=patient, name="Gabapentin")
    foreign = Medication.objects.create(patient=other_patient, name="Pregabalin")
    client.force_login(clinician)
    response = repost(
        client,
        reverse("admin:checklists_patient_change", args=[patient.pk]),
        lambda data: _point_row_at(data, own.pk, foreign.pk, {"name": "Tampered"}),
    )
    assert response.status_code == 200 and response.context["errors"]
    assert sorted(Medication.objects.values_list("patient_id", "name")) == sorted(
        [(patient.pk, "Gabapentin"), (other_patient.pk, "Pregabalin")]
    )


def test_every_scoped_inline_refuses_foreign_ids(rf, clinician):
    """The rule lives in one formset class that every patient-scoped inline uses."""
    from django.contrib import admin

    from checklists.admin.scoping import PatientScopedFormSet, PatientScopedInline

    request = rf.get("/admin/")
    request.user = clinician
    inlines = [
        inline_class(model, admin.site)
        for model, model_admin in admin.site._registry.items()
        for inline_class in getattr(model_admin, "inlines", [])
        if issubclass(inline_class, PatientScopedInline)
    ]
    assert inlines
    for inline in inlines:
        assert issubclass(inline.get_formset(request), PatientScopedFormSet), type(inline).__name__


@pytest.mark.parametrize("posted_id", ["abc", "-1", "0", "99999999999999999999", "1 OR 1=1"])
def test_a_malformed_row_id_is_a_validation_error(client, clinician, two_plans, posted_id):
    mine, _theirs = two_plans
    own_item = mine.items.first()
    before = sorted(AssignmentItem.objects.values_list("pk", "assignment_id", "text"))
    client.force_login(clinician)

    def edit(data):
        key = next(k for k, v in data.items() if k.endswith("-id") and v == str(own_item.pk))
        data[key] = posted_id

    response = repost(client, reverse("admin:checklists_assignment_change", args=[mine.pk]), edit)
    assert response.status_code == 200 and response.context["errors"]
    assert sorted(AssignmentItem.objects.values_list("pk", "assignment_id", "text")) == before
