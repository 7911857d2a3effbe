"""Scoping for the clinicians' workspace: a clinician only ever sees their own patients' rows.

Every ModelAdmin that shows patient data uses ``PatientScopedAdmin`` (or the inline variant) and names
the lookup from its model to ``Patient`` in ``patient_lookup``. Out-of-scope objects are simply not in
the queryset, so a direct URL to one is a 404, and foreign-key choices and autocomplete are limited too.
"""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from checklists.models import Patient


def scope_to_clinician(queryset: QuerySet, request: HttpRequest, patient_lookup: str) -> QuerySet:
    """Return ``queryset`` limited to rows of patients on the requesting user's care team."""
    user = request.user
    if user.is_superuser:
        return queryset
    if not (user.is_active and user.is_staff):
        return queryset.none()
    care_team_filter = f"{patient_lookup}__care_team" if patient_lookup else "care_team"
    return queryset.filter(**{care_team_filter: user}).distinct()


class _ScopedForeignKeysMixin:
    """Limit foreign-key and autocomplete choices to the clinician's own patients and their rows."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if related is Patient:
            kwargs["queryset"] = scope_to_clinician(Patient.objects.all(), request, "")
        elif hasattr(related, "patient"):
            kwargs["queryset"] = scope_to_clinician(related._default_manager.all(), request, "patient")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PatientScopedAdmin(_ScopedForeignKeysMixin, admin.ModelAdmin):
    """A ModelAdmin whose rows belong to patients; ``patient_lookup`` leads from the model to Patient."""

    patient_lookup = "patient"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope_to_clinician(super().get_queryset(request), request, self.patient_lookup)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        """Return the object, or raise Http404 when it is missing or not this clinician's.

        Django's admin would redirect with "doesn't exist" instead; a 404 tells nothing either way.
        """
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj


class PatientScopedInline(_ScopedForeignKeysMixin, admin.TabularInline):
    """An inline on a patient-owned parent; rows are scoped like the parent."""

    patient_lookup = "patient"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope_to_clinician(super().get_queryset(request), request, self.patient_lookup)
