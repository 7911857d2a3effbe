"""Patients in the clinicians' workspace: invite, assign checklists, see adherence."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from checklists.accounts.invitations import (
    InvitationState,
    invitation_email_change,
    invitation_open,
    invitation_send,
    invitation_state,
    invitation_state_filter,
    invitation_withdraw,
)
from checklists.accounts.services import patient_create
from checklists.admin.audit import AuditedDeleteConfirmationMixin
from checklists.admin.augmentation import AugmentationPatientAdminMixin
from checklists.admin.careplan import CAREPLAN_INLINES, CarePlanPatientListMixin
from checklists.admin.clinics import ClinicPatientAdminMixin
from checklists.admin.forms import (
    LEAVE_CARE_TEAM,
    AssignmentFormSet,
    AssignmentInlineForm,
    AssignTemplateForm,
    PatientAddForm,
    PatientChangeForm,
)
from checklists.admin.intake import IntakeAdherencePatientAdminMixin
from checklists.admin.invite_import import InviteImportAdminMixin
from checklists.admin.labimport import LabImportAdminMixin
from checklists.admin.report import VisitReportAdminMixin
from checklists.admin.scoping import PatientScopedAdmin, PatientScopedInline, admin_user
from checklists.admin.summary import PatientSummaryAdminMixin
from checklists.admin.worklist import WorklistAdminMixin
from checklists.careplan import services as careplan_services
from checklists.careplan.conditions import CONDITION_FORM_FIELDS
from checklists.clinics.selectors import clinicians_for, templates_for
from checklists.models import Assignment, Patient
from checklists.plan.assigning import assignments_assign, assignments_with_history
from checklists.plan.rules import adherence_label
from checklists.plan.selectors import adherence_for
from checklists.plan.services import assignment_create
from checklists.reminders.services import reminders_reschedule_patient
from checklists.security.audit import Action, audit_objects, audit_record


class AssignmentInline(PatientScopedInline):
    model = Assignment
    form = AssignmentInlineForm
    formset = AssignmentFormSet
    extra = 0
    fields = ["template", "name", "start_date", "end_date", "weekdays", "active", "items_link"]
    readonly_fields = ["name", "items_link"]
    show_change_link = True
    verbose_name = _("checklist")
    verbose_name_plural = _("checklists")

    class Media:
        css = {"all": ["checklists/admin.css"]}

    @admin.display(description=_("items"))
    def items_link(self, obj: Assignment) -> str:
        if not obj.pk:
            return ""
        url = reverse("admin:checklists_assignment_change", args=[obj.pk])
        link = format_html('<a href="{}">{}</a>', url, _("Edit this patient's items"))
        if obj.pk in getattr(self, "_with_history", set()):
            # No "Delete?" tick on this row (AssignmentFormSet): say how to stop it instead.
            return format_html(
                '{}<div class="help">{}</div>',
                link,
                _("Has check-offs: to end it, untick Active or set an end date."),
            )
        return link

    def get_formset(self, request, obj=None, **kwargs):
        if obj is not None:
            self._with_history = assignments_with_history(
                assignment_ids=obj.assignments.values_list("pk", flat=True)
            )
        return with_shared_template_choices(super().get_formset(request, obj, **kwargs))


def with_shared_template_choices(formset: type) -> type:
    """Return ``formset`` whose rows share one list of checklist-template choices: one query for the
    page, not one per checklist row (the choices are each form's own, limited to the clinician's)."""

    class SharedTemplateChoices(formset):
        def _construct_form(self, i, **kwargs):
            form = super()._construct_form(i, **kwargs)
            field = form.fields.get("template")
            if field is not None:
                if not hasattr(self, "_template_choices"):
                    self._template_choices = list(field.choices)
                field.choices = self._template_choices
            return form

    return SharedTemplateChoices


class InvitationFilter(admin.SimpleListFilter):
    title = _("invitation")
    parameter_name = "invitation"

    def lookups(self, request, model_admin):
        return [(state.value, state.label) for state in InvitationState]

    def queryset(self, request, queryset):
        value = self.value()
        return invitation_state_filter(queryset, value) if value in InvitationState.values else queryset


@admin.register(Patient)
class PatientAdmin(
    AuditedDeleteConfirmationMixin,
    InviteImportAdminMixin,
    VisitReportAdminMixin,
    LabImportAdminMixin,
    CarePlanPatientListMixin,
    AugmentationPatientAdminMixin,
    IntakeAdherencePatientAdminMixin,
    PatientSummaryAdminMixin,
    WorklistAdminMixin,
    ClinicPatientAdminMixin,  # the care team is of the patient's clinic (checklists/admin/clinics.py)
    PatientScopedAdmin,
):
    patient_lookup = ""
    list_display = ["__str__", "time_zone", "invitation_status_display", "adherence_display"]
    list_filter = [InvitationFilter]
    list_select_related = ["user"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    readonly_fields = [
        "email",
        "invitation_status_display",
        "invited_at",
        "invitation_accepted_at",
        "intake_adherence",
    ]
    inlines = [AssignmentInline, *CAREPLAN_INLINES]
    actions = ["assign_template", "resend_invitation", "withdraw_invitation", "augmentation_mark_reviewed"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = PatientChangeForm if obj is not None else PatientAddForm
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            # Removing yourself from the care team asks first (PatientChangeForm.clean). The class is
            # made afresh for each request (modelform_factory), so this never reaches another request.
            form.requesting_user = admin_user(request)
        return form

    def _removing_self(self, request: HttpRequest, obj: Patient) -> bool:
        # The confirmation tick is shown once a save takes the clinician off the care team.
        user = admin_user(request)
        return (
            request.method == "POST"
            and str(user.pk) not in request.POST.getlist("care_team")
            and obj.care_team.filter(pk=user.pk).exists()
        )

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (None, {"fields": ["email", "first_name", "last_name", "time_zone", "language"]}),
                (_("Quiet hours (no reminders)"), {"fields": ["quiet_hours_start", "quiet_hours_end"]}),
            ]
        care_team = ["care_team", LEAVE_CARE_TEAM] if self._removing_self(request, obj) else ["care_team"]
        return [
            (None, {"fields": ["email", *self.clinic_fields(request), "time_zone", "language", *care_team]}),
            # Folded on the page (the summary at the top comes first); a field with an error opens it.
            (
                _("Quiet hours (no reminders)"),
                {"classes": ["collapse"], "fields": ["quiet_hours_start", "quiet_hours_end"]},
            ),
            (
                _("Conditions (recorded by the clinician; shown to the care team only)"),
                {
                    "fields": list(CONDITION_FORM_FIELDS),
                    "description": _(
                        "Kidney disease, dialysis, pregnancy and age change the iron notes; dialysis and "
                        "heart failure replace the fluid item of the default checklists. The others are "
                        "context beside the care plan."
                    ),
                },
            ),
            (
                _("Invitation"),
                {"fields": ["invitation_status_display", "invited_at", "invitation_accepted_at"]},
            ),
            (
                _("Intake log (recorded by the patient)"),
                {"classes": ["collapse"], "fields": ["intake_adherence"]},  # in the summary's medicines too
            ),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if invitation_open(patient=obj):
            # Not yet accepted: the email can be corrected (PatientChangeForm).
            return [name for name in self.readonly_fields if name != "email"]
        return self.readonly_fields

    def get_inlines(self, request, obj):
        # A new patient gets their checklists on the next screen, once the account exists.
        return self.inlines if obj is not None else []

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "care_team":
            kwargs["queryset"] = clinicians_for(request.user)  # their own clinic's (checklists/clinics/)
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            email = form.cleaned_data.get("email")
            if "email" in form.changed_data and invitation_email_change(patient=obj, email=email):
                self.message_user(
                    request,
                    _("A fresh invitation goes to %(email)s; the links sent before no longer work.")
                    % {"email": email},
                    messages.SUCCESS,
                )
            # reminders: local times follow the patient's zone and quiet hours
            if {"time_zone", "quiet_hours_start", "quiet_hours_end"} & set(form.changed_data):
                reminders_reschedule_patient(patient=obj)
            # iron notes and the fluid item follow the recorded conditions
            careplan_services.patient_conditions_apply(patient=obj, changed=form.changed_data)
            return
        data = form.cleaned_data
        created = patient_create(
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            time_zone=data["time_zone"],
            language=data["language"],
            quiet_hours_start=data["quiet_hours_start"],
            quiet_hours_end=data["quiet_hours_end"],
            clinician=request.user,
        )
        # The admin keeps using ``obj`` after this (log entry, redirect): make it the saved row.
        obj.pk, obj.user = created.pk, created.user
        obj._state.adding, obj._state.db = False, created._state.db

    def save_related(self, request, form, formsets, change):
        patient = form.instance
        before = set(patient.care_team.values_list("pk", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        if not change:
            return
        after = set(patient.care_team.values_list("pk", flat=True))
        # Each clinician added or removed is its own entry: the object is the clinician's account.
        for action, user_ids in (
            (Action.CARE_TEAM_ADD, after - before),
            (Action.CARE_TEAM_REMOVE, before - after),
        ):
            for user_id in sorted(user_ids):
                audit_record(
                    request=request, action=action, patient_id=patient.pk, kind="auth.user", object_id=user_id
                )

    def response_change(self, request, obj):
        user = admin_user(request)
        if not user.is_superuser and not obj.care_team.filter(pk=user.pk).exists():
            # They left the care team: the patient's page is no longer theirs to see.
            self.message_user(
                request,
                _("You are no longer on the care team of %(patient)s.") % {"patient": obj},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:checklists_patient_changelist"))
        return super().response_change(request, obj)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Assignment:
            super().save_formset(request, form, formset, change)
            return
        with transaction.atomic():
            for assignment in formset.save(commit=False):
                if assignment.pk is None:
                    created = assignment_create(
                        patient=form.instance,
                        template=assignment.template,
                        assigned_by=request.user,
                        start_date=assignment.start_date,
                        end_date=assignment.end_date,
                        weekdays=assignment.weekdays,
                    )
                    # save_related logs formset.new_objects: name the row that was made.
                    assignment.pk = created.pk
                else:
                    assignment.save()
            history = assignments_with_history(assignment_ids=[a.pk for a in formset.deleted_objects])
            for assignment in formset.deleted_objects:
                if assignment.pk in history:
                    continue  # never: its form has no delete tick (AssignmentFormSet)
                pk = assignment.pk
                assignment.delete()
                assignment.pk = pk  # save_related logs the deletion with the id the row had

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # One computation for the whole page (three queries), not one per row.
        adherence = adherence_for(patients=list(changelist.result_list))
        for patient in changelist.result_list:
            patient.adherence = adherence.get(patient.pk)
        return changelist

    @admin.display(description=_("email"))
    def email(self, obj: Patient) -> str:
        return obj.user.email

    @admin.display(description=_("invitation"))
    def invitation_status_display(self, obj: Patient) -> str:
        return str(InvitationState(invitation_state(patient=obj)).label)

    @admin.display(description=lazy(adherence_label, str)(settings.ADHERENCE_WINDOW_DAYS))
    def adherence_display(self, obj: Patient) -> str | None:
        adherence = getattr(obj, "adherence", None)
        if adherence is None or adherence.share is None:
            return None  # shown as the admin's empty value
        return f"{adherence.share:.0%} ({adherence.done}/{adherence.due})"

    @admin.action(description=_("Resend the invitation to the selected patients"))
    def resend_invitation(self, request: HttpRequest, queryset: QuerySet) -> None:
        pending = [
            patient for patient in queryset.select_related("user") if not patient.invitation_accepted_at
        ]
        for patient in pending:
            invitation_send(patient=patient)
        audit_objects(request=request, action=Action.INVITATION_SENT, objects=pending, patient_lookup="")
        skipped = queryset.count() - len(pending)
        self.message_user(
            request,
            ngettext("Invitation sent to %d patient.", "Invitations sent to %d patients.", len(pending))
            % len(pending),
            messages.SUCCESS if pending else messages.WARNING,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%d patient has already accepted and was skipped. A patient who forgot the "
                    'password chooses a new one with "Forgot your password?" on the sign-in page.',
                    "%d patients have already accepted and were skipped. A patient who forgot the "
                    'password chooses a new one with "Forgot your password?" on the sign-in page.',
                    skipped,
                )
                % skipped,
                messages.WARNING,
            )

    @admin.action(description=_("Withdraw the invitation of the selected patients"), permissions=["change"])
    def withdraw_invitation(self, request: HttpRequest, queryset: QuerySet) -> None:
        withdrawn_patients = [
            patient for patient in queryset.select_related("user") if invitation_withdraw(patient=patient)
        ]
        audit_objects(request=request, action=Action.CHANGE, objects=withdrawn_patients, patient_lookup="")
        withdrawn = len(withdrawn_patients)
        self.message_user(
            request,
            ngettext(
                "Invitation withdrawn for %d patient: the link no longer works.",
                "Invitations withdrawn for %d patients: the links no longer work.",
                withdrawn,
            )
            % withdrawn,
            messages.SUCCESS if withdrawn else messages.WARNING,
        )
        skipped = queryset.count() - withdrawn
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%d patient has already accepted and was skipped.",
                    "%d patients have already accepted and were skipped.",
                    skipped,
                )
                % skipped,
                messages.WARNING,
            )

    @admin.action(description=_("Assign a checklist to the selected patients"), permissions=["change"])
    def assign_template(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        form = AssignTemplateForm(request.POST if "apply" in request.POST else None)
        form.fields["template"].queryset = templates_for(request.user)  # type: ignore[attr-defined]
        patients = list(queryset.select_related("user"))
        if "apply" in request.POST and form.is_valid():
            template = form.cleaned_data["template"]
            outcome = assignments_assign(
                patients=patients,
                template=template,
                assigned_by=admin_user(request),
                start_date=form.cleaned_data["start_date"],
                end_date=form.cleaned_data["end_date"],
                weekdays=form.cleaned_data["weekdays"],
            )
            audit_objects(
                request=request, action=Action.ADD, objects=outcome.created, patient_lookup="patient"
            )
            created = len(outcome.created)
            self.message_user(
                request,
                ngettext(
                    "“%(template)s” assigned to %(count)d patient.",
                    "“%(template)s” assigned to %(count)d patients.",
                    created,
                )
                % {"template": template.name, "count": created},
                messages.SUCCESS if created else messages.WARNING,
            )
            if outcome.skipped:
                self.message_user(
                    request,
                    ngettext(
                        "Skipped %(count)d patient who already has “%(template)s” running then: %(names)s.",
                        "Skipped %(count)d patients who already have “%(template)s” running then: %(names)s.",
                        len(outcome.skipped),
                    )
                    % {
                        "count": len(outcome.skipped),
                        "template": template.name,
                        "names": ", ".join(str(patient) for patient in outcome.skipped),
                    },
                    messages.WARNING,
                )
            return None
        # The confirmation step names the patients: that is a view of their records.
        audit_objects(request=request, action=Action.VIEW, objects=patients, patient_lookup="")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Assign a checklist"),
            "opts": self.model._meta,
            "form": form,
            "patients": patients,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action": "assign_template",
        }
        return TemplateResponse(request, "admin/checklists/patient/assign_template.html", context)
