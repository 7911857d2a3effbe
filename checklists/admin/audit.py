"""The access log (superusers, read-only, exportable) and closed patient accounts (their care team)."""

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checklists.models import AccessLog, AccountClosure
from checklists.security.audit import Action, accesslog_write_csv, audit_record


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
    list_display = ["at", "actor_label", "action", "object_kind", "object_id", "patient_ref", "ip_address"]
    list_filter = ["action", "object_kind"]
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
