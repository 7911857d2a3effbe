"""The access log: every clinician view or change in the admin, exports, sign-ins; append-only."""

import csv
import io

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from checklists.accounts.services import patient_create
from checklists.models import AccessLog, Assignment, Patient
from checklists.models.audit import AppendOnlyError
from checklists.plan.services import assignment_create
from tests.factories import template_with_items

pytestmark = pytest.mark.django_db


@pytest.fixture
def assignment(patient):
    return assignment_create(patient=patient, template=template_with_items(2), assigned_by=None)


def _entries():
    return list(
        AccessLog.objects.exclude(action="sign-in")
        .order_by("id")
        .values_list("actor__email", "action", "object_kind", "patient_id")
    )


def test_patient_list_logs_one_view_per_patient_shown(client, clinician, patient, other_patient):
    second = patient_create(email="second@example.com", clinician=clinician)
    client.force_login(clinician)
    client.get(reverse("admin:checklists_patient_changelist"))
    assert sorted(_entries()) == sorted(
        [
            (clinician.email, "view", "checklists.patient", patient.pk),
            (clinician.email, "view", "checklists.patient", second.pk),
        ]
    )


def test_change_page_and_history_log_a_view(client, clinician, patient, assignment):
    client.force_login(clinician)
    client.get(reverse("admin:checklists_assignment_change", args=[assignment.pk]))
    client.get(reverse("admin:checklists_assignment_history", args=[assignment.pk]))
    assert _entries() == [(clinician.email, "view", "checklists.assignment", patient.pk)] * 2
    entry = AccessLog.objects.first()
    assert entry is not None
    assert entry.object_id == str(assignment.pk) and entry.ip_address == "127.0.0.1"


def test_other_clinicians_patient_is_not_logged_as_seen(client, clinician, other_patient):
    client.force_login(clinician)
    client.get(reverse("admin:checklists_patient_change", args=[other_patient.pk]))
    client.get(reverse("admin:checklists_patient_changelist"))
    assert not AccessLog.objects.filter(patient=other_patient).exists()


def test_delete_logs_a_delete(client, clinician, patient, assignment):
    client.force_login(clinician)
    response = client.post(
        reverse("admin:checklists_assignment_delete", args=[assignment.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert (
        AccessLog.objects.filter(action="delete", object_kind="checklists.assignment").get().patient
        == patient
    )


def test_add_and_change_are_logged(rf, clinician, patient, assignment):
    """The admin calls log_addition/log_change after every successful save; the base class audits them."""
    model_admin = admin.site._registry[Assignment]
    request = rf.post("/admin/", REMOTE_ADDR="192.0.2.5")
    request.user = clinician
    model_admin.log_addition(request, assignment, [])
    model_admin.log_change(request, assignment, [])
    assert _entries() == [
        (clinician.email, "add", "checklists.assignment", patient.pk),
        (clinician.email, "change", "checklists.assignment", patient.pk),
    ]


def test_every_patient_data_admin_is_audited():
    """Every admin of a model with patient data inherits the audit hooks (so nothing is missed)."""
    from checklists.accounts.data_rights import patient_data_models
    from checklists.admin.scoping import PatientScopedAdmin

    with_patient_data = {model for model, _lookup in patient_data_models()} | {Patient}
    for model, model_admin in admin.site._registry.items():
        if model in with_patient_data:
            assert isinstance(model_admin, PatientScopedAdmin), model


def test_access_log_is_for_superusers_only_and_read_only(client, clinician, superuser, patient, assignment):
    client.force_login(clinician)
    client.get(reverse("admin:checklists_assignment_change", args=[assignment.pk]))
    assert client.get(reverse("admin:checklists_accesslog_changelist")).status_code == 403
    client.force_login(superuser)
    page = client.get(reverse("admin:checklists_accesslog_changelist"))
    assert page.status_code == 200 and clinician.email in page.text
    entry = AccessLog.objects.filter(actor=clinician).first()
    assert entry is not None
    assert client.get(reverse("admin:checklists_accesslog_add")).status_code == 403
    assert (
        client.post(
            reverse("admin:checklists_accesslog_change", args=[entry.pk]), {"action": "x"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("admin:checklists_accesslog_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert AccessLog.objects.filter(pk=entry.pk, action="view").exists()


def test_entries_cannot_be_changed_or_deleted_in_code(patient):
    entry = AccessLog.objects.create(action="view", patient=patient, patient_ref=patient.pk)
    entry.action = "delete"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=entry.pk).update(action="export")
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()
    assert AccessLog.objects.get().action == "view"


def test_superuser_exports_entries_as_csv(client, superuser, clinician, patient, assignment):
    client.force_login(clinician)
    client.get(reverse("admin:checklists_assignment_change", args=[assignment.pk]))
    client.force_login(superuser)
    ids = list(AccessLog.objects.values_list("pk", flat=True))
    response = client.post(
        reverse("admin:checklists_accesslog_changelist"), {"action": "export_csv", "_selected_action": ids}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {(r["actor_label"], r["action"], r["object_kind"]) for r in rows} >= {
        (clinician.email, "view", "checklists.assignment")
    }
    assert AccessLog.objects.filter(actor=superuser, action="export").exists()


def test_management_command_exports_old_entries(patient, tmp_path):
    AccessLog.objects.create(
        action="view", patient=patient, patient_ref=patient.pk, actor_label="x@example.com"
    )
    out = tmp_path / "log.csv"
    call_command("accesslog_export", "--before", "2999-01-01", "--output", str(out))
    rows = list(csv.DictReader(out.open()))
    assert [(r["actor_label"], r["action"], r["patient_ref"]) for r in rows] == [
        ("x@example.com", "view", str(patient.pk))
    ]
    call_command("accesslog_export", "--before", "2000-01-01", "--output", str(out))
    assert list(csv.DictReader(out.open())) == []
