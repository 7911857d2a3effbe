"""Patients in the clinicians' workspace: invite, assign checklists, see adherence."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from checklists.accounts.invitations import (
    invitation_email_change,
    invitation_open,
    invitation_send,
    invitation_withdraw,
)
from checklists.accounts.services import patient_create
from checklists.admin.careplan import CAREPLAN_INLINES, CarePlanPatientListMixin
from checklists.admin.forms import AssignmentInlineForm, AssignTemplateForm, PatientAddForm, PatientChangeForm
from checklists.admin.labimport import LabImportAdminMixin
from checklists.admin.report import VisitReportAdminMixin
from checklists.admin.scoping import PatientScopedAdmin, PatientScopedInline, admin_user
from checklists.models import Assignment, Patient
from checklists.models.patients import CLINICIANS_GROUP
from checklists.plan.rules import adherence_label
from checklists.plan.selectors import adherence_for
from checklists.plan.services import assignment_create, assignments_bulk_create
from checklists.reminders.services import reminders_reschedule_patient


class AssignmentInline(PatientScopedInline):
    model = Assignment
    form = AssignmentInlineForm
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
        return format_html('<a href="{}">{}</a>', url, _("Edit this patient's items"))


@admin.register(Patient)
class PatientAdmin(VisitReportAdminMixin, LabImportAdminMixin, CarePlanPatientListMixin, PatientScopedAdmin):
    patient_lookup = ""
    list_display = ["__str__", "time_zone", "invitation_status_display", "adherence_display"]
    list_select_related = ["user"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    readonly_fields = ["email", "invitation_status_display", "invited_at", "invitation_accepted_at"]
    inlines = [AssignmentInline, *CAREPLAN_INLINES]
    actions = ["assign_template", "resend_invitation", "withdraw_invitation"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = PatientChangeForm if obj is not None else PatientAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (None, {"fields": ["email", "first_name", "last_name", "time_zone", "language"]}),
                (_("Quiet hours (no reminders)"), {"fields": ["quiet_hours_start", "quiet_hours_end"]}),
            ]
        return [
            (None, {"fields": ["email", "time_zone", "language", "care_team"]}),
            (_("Quiet hours (no reminders)"), {"fields": ["quiet_hours_start", "quiet_hours_end"]}),
            (
                _("Invitation"),
                {"fields": ["invitation_status_display", "invited_at", "invitation_accepted_at"]},
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
            from django.contrib.auth import get_user_model

            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(is_active=True, is_staff=True, groups__name=CLINICIANS_GROUP)
                .order_by("last_name", "email")
            )
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

    def save_formset(self, request, form, formset, change):
        if formset.model is not Assignment:
            super().save_formset(request, form, formset, change)
            return
        with transaction.atomic():
            for assignment in formset.save(commit=False):
                if assignment.pk is None:
                    assignment_create(
                        patient=form.instance,
                        template=assignment.template,
                        assigned_by=request.user,
                        start_date=assignment.start_date,
                        end_date=assignment.end_date,
                        weekdays=assignment.weekdays,
                    )
                else:
                    assignment.save()
            for assignment in formset.deleted_objects:
                assignment.delete()

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
        labels = {
            "accepted": _("accepted"),
            "pending": _("sent, not yet accepted"),
            "not invited": _("not sent"),
        }
        return str(labels[obj.invitation_status])

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
        skipped = queryset.count() - len(pending)
        self.message_user(
            request,
            ngettext("Invitation sent to %d patient.", "Invitations sent to %d patients.", len(pending))
            % len(pending),
            messages.SUCCESS,
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
        withdrawn = sum(invitation_withdraw(patient=patient) for patient in queryset.select_related("user"))
        self.message_user(
            request,
            ngettext(
                "Invitation withdrawn for %d patient: the link no longer works.",
                "Invitations withdrawn for %d patients: the links no longer work.",
                withdrawn,
            )
            % withdrawn,
            messages.SUCCESS,
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
        if "apply" in request.POST and form.is_valid():
            template = form.cleaned_data["template"]
            created = assignments_bulk_create(
                patients=list(queryset),
                template=template,
                assigned_by=admin_user(request),
                start_date=form.cleaned_data["start_date"],
            )
            self.message_user(
                request,
                ngettext(
                    "“%(template)s” assigned to %(count)d patient.",
                    "“%(template)s” assigned to %(count)d patients.",
                    len(created),
                )
                % {"template": template.name, "count": len(created)},
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Assign a checklist"),
            "opts": self.model._meta,
            "form": form,
            "patients": queryset.select_related("user"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action": "assign_template",
        }
        return TemplateResponse(request, "admin/checklists/patient/assign_template.html", context)
