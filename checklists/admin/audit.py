"""The access log (superusers, read-only, exportable) and closed patient accounts (their care team)."""

from typing import Any

from django.contrib import admin
from django.db.models import F, Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checklists.models import AccessLog, AccountClosure
from checklists.security.audit import Action, accesslog_write_csv, audit_record, kind_label


class ObjectKindFilter(admin.SimpleListFilter):
    """Filter by the kind of record, named as a reader says it ("Lab result")."""

    title = _("record")
    parameter_name = "object_kind"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        kinds = AccessLog.objects.exclude(object_kind="").values_list("object_kind", flat=True).distinct()
        return sorted(((kind, kind_label(kind)) for kind in kinds), key=lambda pair: pair[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(object_kind=value) if value else queryset


class ClinicianFilter(admin.SimpleListFilter):
    """Filter by who did it (staff: the clinicians and administrators who appear in the log)."""

    title = _("clinician")
    parameter_name = "actor"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        staff = (
            AccessLog.objects.filter(actor__is_staff=True)
            .values_list("actor_id", "actor__email")
            .distinct()
            .order_by("actor__email")
        )
        return [(str(pk), email) for pk, email in staff]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(actor_id=value) if value and value.isdigit() else queryset


class PatientFilter(admin.SimpleListFilter):
    """Filter by the patient the entry is about (by id, so a deleted account's entries stay findable)."""

    title = _("patient")
    parameter_name = "patient_ref"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        rows = (
            AccessLog.objects.exclude(patient_ref=None)
            .exclude(patient_label="")
            .values_list("patient_ref", "patient_label")
            .distinct()
        )
        names: dict[int, str] = {}
        for ref, label in rows:
            if ref is not None:
                names.setdefault(ref, label)
        return sorted(((str(ref), label) for ref, label in names.items()), key=lambda pair: pair[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(patient_ref=value) if value and value.isdigit() else queryset


class AuditedDeleteConfirmationMixin:
    """The delete confirmation (one record's, or the "Delete selected" action's) lists the records and
    what goes with them: a view of each, logged as one. The deletion itself is logged on its own."""

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        if not request.POST.get("post"):  # the confirmation page, not the confirmed deletion
            for obj in objs:
                self._audit_obj(request, Action.VIEW, obj)  # type: ignore[attr-defined]  # PatientScopedAdmin's
        return super().get_deleted_objects(objs, request)  # type: ignore[misc]


class ReadOnlyRecordAdmin(admin.ModelAdmin):
    """Records nobody may add or change in the admin; one out of reach is a 404, not a redirect."""

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Model:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyRecordAdmin):
    list_display = [
        "at",
        "actor_label",
        "action",
        "kind_display",
        "object_id",
        "patient_display",
        "ip_address",
    ]
    list_filter = ["action", ObjectKindFilter, ClinicianFilter, PatientFilter, "at"]
    # An email finds what that person did; a patient's name, who opened their record (get_search_results).
    search_fields = ["actor_label", "=patient_ref", "=ip_address"]
    date_hierarchy = "at"
    actions = ["export_csv"]
    list_select_related = False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # append-only

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        """Also match the patient's name as recorded, on entries of what others did with their record
        (their own sign-ins are found by their email)."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            by_others = (
                Q(actor__isnull=True)
                | Q(actor__patient__isnull=True)
                | ~Q(actor__patient__id=F("patient_ref"))
            )
            results = results | queryset.filter(Q(patient_label__icontains=term) & by_others)
        return results, may_have_duplicates

    @admin.display(description=_("record"), ordering="object_kind")
    def kind_display(self, obj: AccessLog) -> str:
        return kind_label(obj.object_kind)

    @admin.display(description=_("patient"), ordering="patient_label")
    def patient_display(self, obj: AccessLog) -> str:
        if obj.patient_label:
            return f"{obj.patient_label} (#{obj.patient_ref})"
        return f"#{obj.patient_ref}" if obj.patient_ref is not None else ""

    @admin.action(description=_("Export selected entries as CSV"))
    def export_csv(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="access-log-{stamp}.csv"'
        count = accesslog_write_csv(queryset=queryset, out=response)
        audit_record(request=request, action=Action.EXPORT, kind="checklists.accesslog", object_id=count)
        return response


@admin.register(AccountClosure)
class AccountClosureAdmin(ReadOnlyRecordAdmin):
    """Clinicians see which of their patients deleted their account, and when."""

    list_display = ["display_name", "closed_at"]
    fields = ["display_name", "closed_at"]
    readonly_fields = ["display_name", "closed_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(care_team=request.user)
