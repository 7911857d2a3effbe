"""Clinics in the admin: a superuser manages them and their clinicians; a lead clinician keeps their own
clinic's contact details and settings up to date. Another clinic is a 404; other clinicians get 403."""

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _

from checklists.admin.library import lead_clinic_id
from checklists.admin.scoping import _AdminBase
from checklists.clinics.selectors import clinicians_of_clinic
from checklists.models import Clinic, ClinicMembership
from checklists.models.patients import CLINICIANS_GROUP


def with_clinic_care_team(form_class: type, request: HttpRequest) -> type:
    """Return the patient form whose care team can only be clinicians of the patient's clinic.

    A clinician's picker lists their (the patient's) clinic's clinicians, so another clinic's id posted is
    "not one of the available choices". A superuser's lists every clinician, and a save is refused while
    the care team names a clinician of another clinic than the one the patient is (being) given.
    """
    superuser = request.user.is_superuser

    class ClinicCareTeamForm(form_class):  # a form class made at run time
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            field = self.fields.get("care_team")
            if field is not None and not superuser:
                field.queryset = clinicians_of_clinic(self.instance.clinic_id)

        def clean(self) -> Any:
            cleaned = super().clean()
            team = self.cleaned_data.get("care_team")
            clinic = self.cleaned_data["clinic"] if "clinic" in self.fields else self.instance.clinic
            if team:
                allowed = set(
                    clinicians_of_clinic(clinic.pk if clinic else None).values_list("pk", flat=True)
                )
                outsiders = [
                    str(user.get_full_name() or user.email) for user in team if user.pk not in allowed
                ]
                if outsiders:
                    self.add_error(
                        "care_team",
                        _("Not clinicians of the patient's clinic (%(clinic)s): %(names)s.")
                        % {"clinic": clinic or _("no clinic"), "names": ", ".join(outsiders)},
                    )
            return cleaned

    ClinicCareTeamForm.__name__ = ClinicCareTeamForm.__qualname__ = form_class.__name__
    return ClinicCareTeamForm


class ClinicPatientAdminMixin(_AdminBase):
    """The patient's page, clinics apart: the care team is of the patient's clinic; a superuser sets
    which clinic the patient belongs to."""

    def clinic_fields(self, request: HttpRequest) -> list[str]:
        """The patient page's clinic field: a superuser's to set (the patient's page names it)."""
        return ["clinic"] if request.user.is_superuser else []

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return with_clinic_care_team(form, request) if obj is not None else form


class ClinicMembershipInline(admin.TabularInline):
    model = ClinicMembership
    extra = 0
    fields = ["user", "is_lead"]
    verbose_name = _("clinician")
    verbose_name_plural = _("clinicians (each belongs to one clinic)")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "user":
            from django.contrib.auth import get_user_model

            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(is_staff=True, groups__name=CLINICIANS_GROUP)
                .order_by("last_name", "email")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # Who belongs where is the superuser's to say; a lead clinician sees the list.
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser or (obj is not None and obj.pk == lead_clinic_id(request))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "contact_name", "contact_phone", "contact_email", "clinician_count"]
    search_fields = ["name"]
    inlines = [ClinicMembershipInline]
    fieldsets = [
        (None, {"fields": ["name"]}),
        (
            _("Contact details shown to the clinic's patients"),
            {
                "fields": ["contact_name", "contact_phone", "contact_email", "contact_hours"],
                "description": _("Empty: the deployment's contact (CLINIC_CONTACT_*) is shown instead."),
            },
        ),
        (_("Settings"), {"fields": ["adherence_alert_below_percent"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request).annotate(clinicians=Count("memberships"))
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk=lead_clinic_id(request)) if lead_clinic_id(request) else queryset.none()

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        if not self.has_module_permission(request):
            raise PermissionDenied  # not a clinic's lead: no clinic pages at all
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if request.user.is_superuser else ["name"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or lead_clinic_id(request) is not None

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser or self._leads(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser or self._leads(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    @staticmethod
    def _leads(request: HttpRequest, obj: Any) -> bool:
        clinic_id = lead_clinic_id(request)
        return clinic_id is not None and (obj is None or obj.pk == clinic_id)

    @admin.display(description=_("clinicians"))
    def clinician_count(self, obj: Clinic) -> int:
        return obj.clinicians  # type: ignore[attr-defined]  # annotated in get_queryset
