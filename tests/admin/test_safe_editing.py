"""Editing on the patient's page cannot lose data by accident: a checklist with history is ended, not
deleted; a care team is never empty and leaving it asks first; a checklist is never assigned twice;
an action that did nothing says so."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.constants import SUCCESS, WARNING
from django.urls import reverse

from checklists.models import AccessLog, Assignment, CheckOff, Patient
from checklists.plan.services import assignment_create
from tests.admin.pages import repost
from tests.factories import ClinicianFactory, PatientFactory, template_with_items

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:checklists_patient_changelist"


def change_url(patient: Patient) -> str:
    return reverse("admin:checklists_patient_change", args=[patient.pk])


def checked_off(assignment: Assignment, days: int = 3) -> None:
    item = assignment.items.first()
    assert item is not None
    for n in range(days):
        CheckOff.objects.create(
            item=item, patient=assignment.patient, date=assignment.start_date - timedelta(days=n), done=True
        )


def row_prefix(response, assignment: Assignment) -> str:
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.model is Assignment:
            for form in inline.formset.forms:
                if form.instance.pk == assignment.pk:
                    return form.prefix
    raise AssertionError("the checklist is not on the page")


def levels(response) -> list[tuple[int, str]]:
    return [(message.level, str(message)) for message in get_messages(response.wsgi_request)]


# -- a checklist with history is ended, never deleted ---------------------------------------------


def test_a_checklist_with_check_offs_has_no_delete_tick_and_a_posted_tick_deletes_nothing(
    client, clinician, patient
):
    assignment = assignment_create(patient=patient, template=template_with_items(2), assigned_by=None)
    checked_off(assignment, days=24)
    client.force_login(clinician)
    page = client.get(change_url(patient))
    prefix = row_prefix(page, assignment)
    assert f'name="{prefix}-DELETE"' in page.content.decode()  # a hidden, disabled field, no tick
    assert f'type="checkbox" name="{prefix}-DELETE"' not in page.content.decode()
    assert "untick Active or set an end date" in page.content.decode()

    response = repost(client, change_url(patient), lambda data: data.update({f"{prefix}-DELETE": "on"}))

    assert response.status_code == 302
    assert Assignment.objects.filter(pk=assignment.pk).exists()
    assert CheckOff.objects.filter(patient=patient).count() == 24


def test_a_checklist_with_check_offs_is_ended_by_unticking_active(client, clinician, patient):
    assignment = assignment_create(patient=patient, template=template_with_items(1), assigned_by=None)
    checked_off(assignment)
    client.force_login(clinician)
    prefix = row_prefix(client.get(change_url(patient)), assignment)

    repost(client, change_url(patient), lambda data: data.__delitem__(f"{prefix}-active"))

    assignment.refresh_from_db()
    assert assignment.active is False
    assert CheckOff.objects.filter(patient=patient).count() == 3


def test_its_own_page_offers_no_delete_either(client, clinician, patient):
    assignment = assignment_create(patient=patient, template=template_with_items(1), assigned_by=None)
    checked_off(assignment)
    client.force_login(clinician)
    url = reverse("admin:checklists_assignment_delete", args=[assignment.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Assignment.objects.filter(pk=assignment.pk).exists()


def test_the_checklist_list_offers_no_bulk_delete(client, clinician, patient):
    """ "Delete selected" would take checklists with check-offs too."""
    assignment = assignment_create(patient=patient, template=template_with_items(1), assigned_by=None)
    checked_off(assignment)
    client.force_login(clinician)
    response = client.post(
        reverse("admin:checklists_assignment_changelist"),
        {"action": "delete_selected", "_selected_action": [str(assignment.pk)], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert Assignment.objects.filter(pk=assignment.pk).exists()


def test_a_checklist_without_history_is_deleted_and_logged_with_its_id(client, clinician, patient):
    assignment = assignment_create(patient=patient, template=template_with_items(1), assigned_by=None)
    client.force_login(clinician)
    prefix = row_prefix(client.get(change_url(patient)), assignment)

    repost(client, change_url(patient), lambda data: data.update({f"{prefix}-DELETE": "on"}))

    assert not Assignment.objects.filter(pk=assignment.pk).exists()
    entry = AccessLog.objects.get(action="delete", object_kind="checklists.assignment")
    assert entry.object_id == str(assignment.pk)
    assert entry.patient == patient


def test_a_checklist_added_on_the_page_is_logged_with_its_id(client, clinician, patient):
    template = template_with_items(1)
    client.force_login(clinician)

    def add_row(data):
        total = int(data["assignments-TOTAL_FORMS"])
        data.update(
            {
                "assignments-TOTAL_FORMS": str(total + 1),
                f"assignments-{total}-template": str(template.pk),
                f"assignments-{total}-weekdays": [str(day) for day in range(7)],
                f"assignments-{total}-active": "on",
            }
        )

    assert repost(client, change_url(patient), add_row).status_code == 302
    created = Assignment.objects.get(patient=patient, template=template)
    entry = AccessLog.objects.get(action="add", object_kind="checklists.assignment")
    assert entry.object_id == str(created.pk)


# -- the care team ----------------------------------------------------------------------------------


def test_the_care_team_cannot_be_emptied(client, clinician, patient):
    client.force_login(clinician)
    response = repost(client, change_url(patient), lambda data: data.__delitem__("care_team"))
    assert response.status_code == 200
    assert "at least one clinician" in str(response.context["adminform"].form.errors["care_team"])
    assert list(patient.care_team.all()) == [clinician]


def test_removing_yourself_asks_first_then_leaves_and_logs_it(client, clinician, patient):
    colleague = ClinicianFactory.create(email="carol.clinician@example.com")
    patient.care_team.add(colleague)
    client.force_login(clinician)

    asked = repost(client, change_url(patient), lambda data: data.update({"care_team": [str(colleague.pk)]}))

    assert asked.status_code == 200  # the page again, with the question
    assert "removing yourself" in str(asked.context["adminform"].form.errors["care_team"])
    assert "Yes, remove me" in asked.content.decode()
    assert set(patient.care_team.all()) == {clinician, colleague}

    data = {key: value for key, value in asked.wsgi_request.POST.lists()}
    data = {key: value if len(value) > 1 else value[0] for key, value in data.items()}
    data["leave_care_team"] = "on"
    done = client.post(change_url(patient), data)

    assert done.status_code == 302 and done["Location"] == reverse(CHANGELIST)
    assert list(patient.care_team.all()) == [colleague]
    removed = AccessLog.objects.get(action="care-team-remove")
    assert (removed.patient, removed.object_id, removed.actor) == (patient, str(clinician.pk), clinician)
    assert client.get(change_url(patient)).status_code == 404


def test_adding_a_colleague_is_its_own_entry(client, clinician, patient):
    colleague = ClinicianFactory.create(email="carol.clinician@example.com")
    client.force_login(clinician)
    repost(
        client,
        change_url(patient),
        lambda data: data.update({"care_team": [str(clinician.pk), str(colleague.pk)]}),
    )
    added = AccessLog.objects.get(action="care-team-add")
    assert (added.patient, added.object_id) == (patient, str(colleague.pk))
    assert not AccessLog.objects.filter(action="care-team-remove").exists()


# -- the same checklist twice -----------------------------------------------------------------------


def _add_row(template, data, start=""):
    total = int(data["assignments-TOTAL_FORMS"])
    data.update(
        {
            "assignments-TOTAL_FORMS": str(total + 1),
            f"assignments-{total}-template": str(template.pk),
            f"assignments-{total}-start_date": start,
            f"assignments-{total}-weekdays": [str(day) for day in range(7)],
            f"assignments-{total}-active": "on",
        }
    )


def test_the_page_refuses_a_checklist_already_running(client, clinician, patient):
    template = template_with_items(1, name="Evening routine")
    assignment_create(patient=patient, template=template, assigned_by=None)
    client.force_login(clinician)

    response = repost(client, change_url(patient), lambda data: _add_row(template, data))

    assert response.status_code == 200
    assert "“Evening routine” is already in this plan" in response.content.decode()
    assert Assignment.objects.filter(patient=patient, template=template).count() == 1


def test_the_page_refuses_the_same_checklist_added_twice_at_once(client, clinician, patient):
    template = template_with_items(1, name="Evening routine")
    client.force_login(clinician)

    def twice(data):
        _add_row(template, data)
        _add_row(template, data)

    response = repost(client, change_url(patient), twice)
    assert response.status_code == 200
    assert "added twice" in response.content.decode()
    assert not Assignment.objects.filter(patient=patient).exists()


def test_a_finished_checklist_can_be_assigned_again(client, clinician, patient):
    template = template_with_items(1)
    old = assignment_create(patient=patient, template=template, assigned_by=None)
    old.active = False
    old.save()
    client.force_login(clinician)
    assert repost(client, change_url(patient), lambda data: _add_row(template, data)).status_code == 302
    assert Assignment.objects.filter(patient=patient, template=template).count() == 2


def _bulk(client, patients, template, **extra):
    return client.post(
        reverse(CHANGELIST),
        {
            "action": "assign_template",
            "_selected_action": [str(p.pk) for p in patients],
            "apply": "1",
            "template": str(template.pk),
            "weekdays": ["0", "2", "4"],
            **extra,
        },
    )


def test_the_bulk_action_skips_patients_who_have_it_and_names_them(client, clinician, patient):
    template = template_with_items(1, name="Evening routine")
    second = PatientFactory.create(
        user__email="second@example.com", user__first_name="Sam", care_team=[clinician]
    )
    assignment_create(patient=patient, template=template, assigned_by=None)
    client.force_login(clinician)

    response = _bulk(client, [patient, second], template)

    assert Assignment.objects.filter(template=template).count() == 2
    messages = levels(response)
    assert (SUCCESS, "“Evening routine” assigned to 1 patient.") in messages
    skipped = [text for level, text in messages if level == WARNING]
    assert len(skipped) == 1 and "pat@example.com" in skipped[0] and "Evening routine" in skipped[0]
    assert (
        AccessLog.objects.filter(action="add", patient=second, object_kind="checklists.assignment").count()
        == 1
    )


def test_the_bulk_action_has_the_inline_options(client, clinician, patient):
    template = template_with_items(1)
    client.force_login(clinician)
    start = patient.local_today() + timedelta(days=2)
    _bulk(
        client,
        [patient],
        template,
        start_date=start.isoformat(),
        end_date=(start + timedelta(days=27)).isoformat(),
    )
    assignment = Assignment.objects.get(patient=patient)
    assert (assignment.start_date, assignment.end_date) == (start, start + timedelta(days=27))
    assert assignment.weekdays == 0b0010101  # Monday, Wednesday, Friday


def test_assigning_to_nobody_is_a_warning(client, clinician, patient):
    template = template_with_items(1, name="Evening routine")
    assignment_create(patient=patient, template=template, assigned_by=None)
    client.force_login(clinician)
    messages = levels(_bulk(client, [patient], template))
    assert (WARNING, "“Evening routine” assigned to 0 patients.") in messages
    assert not [text for level, text in messages if level == SUCCESS]


def test_resending_to_nobody_is_a_warning(client, clinician, patient):
    patient.invitation_accepted_at = patient.created_at
    patient.save()
    client.force_login(clinician)
    response = client.post(
        reverse(CHANGELIST), {"action": "resend_invitation", "_selected_action": [str(patient.pk)]}
    )
    assert all(level == WARNING for level, _text in levels(response))


def test_another_clinician_cannot_assign_to_my_patient(client, other_clinician, patient):
    template = template_with_items(1)
    client.force_login(other_clinician)
    _bulk(client, [patient], template)
    assert not Assignment.objects.filter(patient=patient).exists()
    assert client.get(change_url(patient)).status_code == 404
    refused = AccessLog.objects.get(action="refused")
    assert (refused.actor, refused.object_kind, refused.object_id) == (
        other_clinician,
        "checklists.patient",
        str(patient.pk),
    )
    assert refused.patient is None and refused.patient_label == ""  # names nobody
