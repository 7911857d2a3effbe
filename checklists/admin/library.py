"""The checklist library: the read-only default library, plus each clinic's own templates.

A clinician sees the default library (``clinic`` empty) and their own clinic's templates; another
clinic's are a 404. A clinic's lead clinicians create and edit their clinic's templates; the default
library stays read-only for every clinician (a superuser curates it, and sees every clinic's).
"""

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _

from checklists.clinics.selectors import clinic_membership_of, templates_for
from checklists.models import ChecklistTemplate, ClinicMembership, TemplateItem


def _membership(request: HttpRequest) -> ClinicMembership | None:
    """The requesting user's clinic membership, read once per request."""
    if not hasattr(request, "_clinic_membership"):
        request._clinic_membership = clinic_membership_of(request.user)  # type: ignore[attr-defined]
    return request._clinic_membership  # type: ignore[attr-defined]


def lead_clinic_id(request: HttpRequest) -> int | None:
    """The clinic the requesting user leads (an active staff lead clinician), or None."""
    user = request.user
    if not (user.is_active and user.is_staff):
        return None
    membership = _membership(request)
    return membership.clinic_id if membership is not None and membership.is_lead else None


def may_edit_template(request: HttpRequest, template: ChecklistTemplate | None) -> bool:
    """A superuser edits any template; a lead clinician a new one or their own clinic's; nobody else."""
    if request.user.is_superuser:
        return True
    clinic_id = lead_clinic_id(request)
    if clinic_id is None:
        return False
    return template is None or template.clinic_id == clinic_id


class TemplateItemInline(admin.TabularInline):
    model = TemplateItem
    extra = 0
    fields = ["position", "text", "help_text", "source"]

    # The parent template decides: its editors edit its items too (obj is the template).
    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return may_edit_template(request, obj)  # type: ignore[arg-type]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return may_edit_template(request, obj)  # type: ignore[arg-type]

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return may_edit_template(request, obj)  # type: ignore[arg-type]

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_view_permission(request, obj) or may_edit_template(request, obj)  # type: ignore[arg-type]


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "library", "item_count"]
    list_filter = ["category"]
    search_fields = ["name"]
    inlines = [TemplateItemInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return templates_for(request.user).select_related("clinic")

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        """Another clinic's template (or a missing one) is a 404, as a patient out of scope is."""
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["name", "category", "description"]
        # Only a superuser files a template under a clinic or the default library; a lead's is their clinic's.
        return [*fields, "clinic"] if request.user.is_superuser else fields

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) or may_edit_template(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or lead_clinic_id(request) is not None

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if request.user.is_superuser:
            return super().has_change_permission(request, obj)
        return lead_clinic_id(request) is not None and obj is not None and may_edit_template(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if request.user.is_superuser:
            return super().has_delete_permission(request, obj)
        return lead_clinic_id(request) is not None and obj is not None and may_edit_template(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not request.user.is_superuser and not change:
            obj.clinic_id = lead_clinic_id(request)  # a lead's new template is their clinic's
        super().save_model(request, obj, form, change)

    @admin.display(description=_("library"), ordering="clinic__name")
    def library(self, obj: ChecklistTemplate) -> str:
        return obj.clinic.name if obj.clinic_id and obj.clinic else str(_("default library"))

    @admin.display(description=_("items"))
    def item_count(self, obj: ChecklistTemplate) -> int:
        return obj.items.count()
