"""The record of who did what: every admin page and action on patient data leaves one entry, a
refusal leaves a trace that names nobody, and the log reads as people say things."""

import pytest
from django.contrib import admin
from django.contrib.admin import helpers
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from checklists.accounts.services import patient_create
from checklists.admin.scoping import PatientScopedAdmin
from checklists.careplan import services as careplan_services
from checklists.models import AccessLog, DueFollowUp, Patient
from checklists.models.careplan import FollowUpKind
from checklists.plan.services import assignment_create
from checklists.security.audit import kind_label
from tests.factories import LabResultFactory, template_with_items
from tests.security.test_permission_matrix import _PATIENT_PAGE, ADMIN, ADMIN_PAGES

pytestmark = pytest.mark.django_db


@pytest.fixture
def personas(patient, other_patient, clinician, other_clinician, superuser) -> dict:
    return {
        "patient": patient,
        "other_patient": other_patient,
        "clinician": clinician,
        "other_clinician": other_clinician,
        "superuser": superuser,
    }


def patient_data_admins() -> list[str]:
    return sorted(
        label for label in ADMIN if isinstance(admin.site._registry.get(_model(label)), PatientScopedAdmin)
    )


def _model(label: str):
    return next(model for model in admin.site._registry if model._meta.label_lower == label)


def _count(actor, patient=None) -> int:
    entries = AccessLog.objects.filter(actor=actor).exclude(action="sign-in")
    return entries.filter(patient=patient).count() if patient is not None else entries.count()


def test_the_walk_covers_the_patient_data_admins():
    assert {"checklists.patient", "checklists.assignment", "checklists.duefollowup"} <= set(
        patient_data_admins()
    )


@pytest.mark.parametrize("label", patient_data_admins())
def test_every_page_of_patient_data_leaves_one_entry(client, personas, label):
    clinician, patient = personas["clinician"], personas["patient"]
    obj = ADMIN[label].make(personas)
    info = label.replace(".", "_")
    client.force_login(clinician)
    pages = {
        "changelist": reverse(f"admin:{info}_changelist"),
        "change": reverse(f"admin:{info}_change", args=[obj.pk]),
        "history": reverse(f"admin:{info}_history", args=[obj.pk]),
        "delete": reverse(f"admin:{info}_delete", args=[obj.pk]),
    }
    for page, url in pages.items():
        before = _count(clinician, patient)
        status = client.get(url).status_code
        if status == 403:
            continue  # this clinician may not use that page (e.g. no deleting): nothing was read
        assert status == 200, (page, status)
        assert _count(clinician, patient) - before == 1, page


@pytest.mark.parametrize("label", patient_data_admins())
def test_another_clinician_gets_nothing_and_leaves_a_refusal(client, personas, label):
    other = personas["other_clinician"]
    obj = ADMIN[label].make(personas)
    info = label.replace(".", "_")
    client.force_login(other)
    for view in ("change", "history", "delete"):
        response = client.get(reverse(f"admin:{info}_{view}", args=[obj.pk]))
        assert response.status_code in (403, 404), view
        if response.status_code == 404:
            refused = AccessLog.objects.filter(actor=other, action="refused").latest("id")
            assert (refused.object_kind, refused.object_id) == (label, str(obj.pk))
            assert refused.patient is None and refused.patient_label == ""
            assert str(personas["patient"].user.email) not in response.content.decode()
    assert not AccessLog.objects.filter(patient=personas["patient"], actor=other).exists()


@pytest.mark.parametrize(
    "name", sorted(name for name, entry in ADMIN_PAGES.items() if entry.expected == _PATIENT_PAGE)
)
def test_every_extra_patient_page_leaves_an_entry_or_a_refusal(client, personas, name):
    patient = personas["patient"]
    url = reverse(name, kwargs=ADMIN_PAGES[name].kwargs(personas))  # type: ignore[operator]
    client.force_login(personas["clinician"])
    before = _count(personas["clinician"], patient)
    assert client.get(url).status_code == 200
    assert _count(personas["clinician"], patient) > before
    other = Client()
    other.force_login(personas["other_clinician"])
    assert other.get(url).status_code == 404
    assert AccessLog.objects.filter(actor=personas["other_clinician"], action="refused").count() == 1


def test_the_fhir_export_of_another_clinicians_patient_leaves_a_refusal(client, other_clinician, patient):
    client.force_login(other_clinician)
    response = client.get(reverse("fhir:patient-everything", kwargs={"pk": patient.pk}))
    assert response.status_code == 404
    refused = AccessLog.objects.get(action="refused")
    assert (refused.actor, refused.object_kind, refused.object_id) == (
        other_clinician,
        "checklists.patient",
        str(patient.pk),
    )
    assert refused.patient is None


def test_a_404_elsewhere_is_no_refusal(client, clinician):
    client.force_login(clinician)
    assert client.get("/admin/checklists/no-such-page/").status_code == 404
    assert client.get(reverse("admin:checklists_accesslog_change", args=[999])).status_code in (403, 404)
    assert not AccessLog.objects.filter(action="refused").exists()


def _post_action(client, changelist, action, pks, **extra):
    return client.post(
        changelist, {"action": action, helpers.ACTION_CHECKBOX_NAME: [str(pk) for pk in pks], **extra}
    )


def test_each_patient_action_leaves_one_entry_per_patient(
    client, clinician, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        patient = patient_create(email="invited@example.com", clinician=clinician)
    mail.outbox.clear()
    client.force_login(clinician)
    changelist = reverse("admin:checklists_patient_changelist")
    template = template_with_items(1)
    for action, extra, logged in [
        ("assign_template", {}, "view"),  # the confirmation step names the patients
        ("assign_template", {"apply": "1", "template": str(template.pk), "weekdays": ["0", "1"]}, "add"),
        ("resend_invitation", {}, "invitation-sent"),
        ("withdraw_invitation", {}, "change"),
    ]:
        before = AccessLog.objects.filter(actor=clinician, patient=patient, action=logged).count()
        _post_action(client, changelist, action, [patient.pk], **extra)
        after = AccessLog.objects.filter(actor=clinician, patient=patient, action=logged).count()
        assert after - before == 1, action
    assert len(mail.outbox) == 1  # the resend


def test_mark_as_done_today_is_logged(client, clinician, patient):
    followup = careplan_services.followup_create(
        patient=patient, kind=FollowUpKind.FERRITIN_TSAT_LAB, due_date=patient.local_today()
    )
    client.force_login(clinician)
    _post_action(client, reverse("admin:checklists_duefollowup_changelist"), "mark_done_today", [followup.pk])
    entry = AccessLog.objects.get(actor=clinician, action="change", object_kind="checklists.duefollowup")
    assert (entry.patient, entry.object_id) == (patient, str(followup.pk))
    assert DueFollowUp.objects.filter(pk=followup.pk).count() <= 1


def _patient_actions() -> list[tuple[str, str]]:
    actions = [
        (label, action if isinstance(action, str) else action.__name__)
        for label in patient_data_admins()
        for action in (admin.site._registry[_model(label)].actions or [])
    ]
    return sorted(actions)


# Actions known to write no access-log entry yet (their owner's to fix; strict: a fix flips this).
NOT_YET_LOGGED: set[tuple[str, str]] = set()


def _walked_actions() -> list:
    return [
        pytest.param(*pair, marks=pytest.mark.xfail(strict=True, reason="writes no access-log entry yet"))
        if pair in NOT_YET_LOGGED
        else pair
        for pair in _patient_actions()
    ]


@pytest.mark.parametrize(("label", "action"), _walked_actions())
def test_every_action_on_patient_data_leaves_an_entry(client, personas, label, action):
    """Every action of every admin of patient data, run on one of the patient's records (an action
    with a confirmation step: its first step, which names the records)."""
    clinician, patient = personas["clinician"], personas["patient"]
    obj = ADMIN[label].make(personas)
    if label == "checklists.patient":  # invited, not yet accepted: every invitation action applies
        patient.user.set_unusable_password()
        patient.user.save()
        Patient.objects.filter(pk=patient.pk).update(invited_at=timezone.now())
    client.force_login(clinician)
    before = _count(clinician, patient)
    response = _post_action(client, reverse(f"admin:{label.replace('.', '_')}_changelist"), action, [obj.pk])
    assert response.status_code in (200, 302)
    assert _count(clinician, patient) > before, action


def test_entries_keep_the_patient_name_as_known_then(client, clinician, patient):
    patient.user.first_name, patient.user.last_name = "Nora", "Night"
    patient.user.save()
    assignment = assignment_create(patient=patient, template=template_with_items(1), assigned_by=None)
    client.force_login(clinician)
    client.get(reverse("admin:checklists_assignment_change", args=[assignment.pk]))
    patient.user.last_name = "Day"
    patient.user.save()
    entry = AccessLog.objects.get(actor=clinician, action="view")
    assert entry.patient_label == "Nora Night"


def test_the_log_shows_names_and_readable_types_and_finds_who_opened_a_record(
    client, clinician, other_clinician, superuser, patient
):
    patient.user.first_name, patient.user.last_name = "Nora", "Night"
    patient.user.save()
    lab = LabResultFactory.create(patient=patient)
    client.force_login(clinician)
    client.get(reverse("admin:checklists_patient_changelist"))
    client.force_login(patient.user)  # the patient's own sign-in, not what we search for
    client.force_login(superuser)
    log = reverse("admin:checklists_accesslog_changelist")

    found = client.get(log, {"q": "Nora Night"})

    rows = list(found.context["cl"].result_list)
    assert {(row.actor_label, row.action) for row in rows} == {(clinician.email, "view")}
    page = found.content.decode()
    assert f"Nora Night (#{patient.pk})" in page
    assert kind_label("checklists.labresult") == "Lab result"
    assert kind_label(lab._meta.label_lower) == "Lab result"
    assert '<td class="field-kind_display">Patient</td>' in page and "checklists.patient</td>" not in page


def test_the_log_filters_by_patient_clinician_action_and_date(
    client, clinician, other_clinician, superuser, patient, other_patient
):
    for who in (clinician, other_clinician):
        client.force_login(who)
        client.get(reverse("admin:checklists_patient_changelist"))
    client.force_login(superuser)
    log = reverse("admin:checklists_accesslog_changelist")

    def shown(**params) -> set[tuple[str, int | None]]:
        response = client.get(log, params)
        assert response.status_code == 200
        return {(row.actor_label, row.patient_ref) for row in response.context["cl"].result_list}

    assert shown(patient_ref=patient.pk) == {(clinician.email, patient.pk)}
    assert shown(actor=other_clinician.pk, action="view") == {(other_clinician.email, other_patient.pk)}
    today = patient.local_now().astimezone().date()
    assert (clinician.email, patient.pk) in shown(at__year=today.year, at__month=today.month)
    filters = {spec.title for spec in client.get(log).context["cl"].filter_specs}
    assert {"action", "clinician", "patient", "when"} <= {str(title) for title in filters}
