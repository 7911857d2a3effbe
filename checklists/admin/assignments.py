"""One patient's checklists: their schedule and their own copy of the items."""

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checklists.admin.audit import AuditedDeleteConfirmationMixin
from checklists.admin.forms import AssignmentInlineForm, AssignmentItemForm
from checklists.admin.scoping import PatientScopedAdmin, PatientScopedInline
from checklists.models import Assignment, AssignmentItem
from checklists.plan.assigning import assignments_with_history, running_duplicates
from checklists.plan.services import assignment_create, assignment_item_add


class AssignmentItemInline(PatientScopedInline):
    model = AssignmentItem
    form = AssignmentItemForm
    patient_lookup = "assignment__patient"
    extra = 0
    fields = ["position", "text", "help_text", "source", "weekly_target", "due_from", "retired"]
    readonly_fields = ["due_from"]
    verbose_name = _("item")
    verbose_name_plural = _("items (this patient's copy: editing here never changes the library)")

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # Retire instead: deleting an item would delete the patient's history of it.
        return False


class AssignmentForm(AssignmentInlineForm):
    class Meta(AssignmentInlineForm.Meta):
        fields = ["patient", *AssignmentInlineForm.Meta.fields]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        patient, template = cleaned.get("patient"), cleaned.get("template")
        if self.instance.pk is None and patient is not None and template is not None:
            running = running_duplicates(
                patients=[patient],
                template=template,
                start_date=cleaned.get("start_date"),
                end_date=cleaned.get("end_date"),
            ).get(patient.pk)
            if running is not None:
                self.add_error(
                    "template",
                    _("“%(name)s” is already in this plan (from %(start)s): change that one's dates instead.")
                    % {"name": template.name, "start": running.start_date.isoformat()},
                )
        return cleaned


@admin.register(Assignment)
class AssignmentAdmin(AuditedDeleteConfirmationMixin, PatientScopedAdmin):
    form = AssignmentForm
    list_display = ["name", "patient", "category", "start_date", "end_date", "schedule_display", "active"]
    list_filter = ["category", "active"]
    list_select_related = ["patient__user"]
    search_fields = ["name", "patient__user__email", "patient__user__first_name", "patient__user__last_name"]
    autocomplete_fields = ["patient"]
    inlines = [AssignmentItemInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            form.base_fields["patient"].disabled = True
        return form

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_actions(
        self, request: HttpRequest, action_location: admin.ActionLocation = admin.ActionLocation.CHANGE_LIST
    ) -> dict:
        actions = super().get_actions(request, action_location)
        # "Delete selected" would delete checklists with check-offs too: one at a time, from its page.
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # A checklist with check-offs is ended (untick Active or set an end date), never deleted.
        if obj is not None and assignments_with_history(assignment_ids=[obj.pk]):
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("days"))
    def schedule_display(self, obj: Assignment) -> str:
        return obj.schedule_display

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = assignment_create(
            patient=obj.patient,
            template=obj.template,
            assigned_by=request.user,
            start_date=obj.start_date,
            end_date=obj.end_date,
            weekdays=obj.weekdays,
        )
        # The admin keeps using ``obj`` after this (inlines, log entry, redirect): make it the saved row.
        obj.pk = created.pk
        obj._state.adding, obj._state.db = False, created._state.db

    def save_formset(self, request, form, formset, change):
        if formset.model is not AssignmentItem:
            super().save_formset(request, form, formset, change)
            return
        with transaction.atomic():
            formset.save(commit=False)  # applies the edits to each form's instance; saves nothing yet
            for item_form in formset.forms:
                if not item_form.has_changed():
                    continue
                item = item_form.instance
                if item.pk is None:
                    assignment_item_add(assignment=form.instance, item=item)
                    continue
                retired = item_form.cleaned_data.get("retired", False)
                if retired and item.retired_at is None:
                    item.retired_at = timezone.now()
                elif not retired:
                    item.retired_at = None
                item.save()
