"""Scoping for the clinicians' workspace: a clinician only ever sees their own patients' rows.

Every ModelAdmin that shows patient data uses ``PatientScopedAdmin`` (or the inline variant) and names
the lookup from its model to ``Patient`` in ``patient_lookup``. A row is in scope when its patient is on
the clinician's care team and of the clinician's clinic (both, always). Out-of-scope objects are simply
not in the queryset, so a direct URL to one is a 404, and foreign-key choices and autocomplete are
limited too (checklist templates to the default library and the clinician's clinic's own).

Every scoped admin also writes the access log (``checklists.security.audit``) for free: a change
list writes one "view" entry per patient shown on the page (who saw whose rows, not one per row); a
change form, history page or delete confirmation one "view"; a saved add/change/delete one entry
each, also for every row added, changed or deleted through a ``PatientScopedInline`` on the page.
"""

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.forms import BaseInlineFormSet, ModelChoiceField
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from checklists.clinics.selectors import clinicians_for, same_clinic_q, templates_for
from checklists.models import ChecklistTemplate, Patient
from checklists.security.audit import (
    Action,
    audit_record,
    audit_record_many,
    object_kind,
    patient_id_of,
    patient_ids_for,
)

# The mixins below call the admin's own methods through super(); to the type checker they are admins.
if TYPE_CHECKING:
    _FormfieldsBase = admin.options.BaseModelAdmin
    _AdminBase = admin.ModelAdmin
else:
    _FormfieldsBase = _AdminBase = object


def admin_user(request: HttpRequest) -> User:
    """Return the signed-in user of an admin request (the admin lets no anonymous visitor this far)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def scope_to_clinician(queryset: QuerySet, request: HttpRequest, patient_lookup: str) -> QuerySet:
    """Return ``queryset`` limited to rows of patients on the requesting user's care team and of their
    clinic (a superuser: every row)."""
    user = request.user
    if user.is_superuser:
        return queryset
    if not (user.is_active and user.is_staff):
        return queryset.none()
    care_team_filter = f"{patient_lookup}__care_team" if patient_lookup else "care_team"
    # On the care team AND of the same clinic: a care team that lists another clinic's clinician
    # (however it came to) still shows them nothing (checklists/clinics/selectors.py).
    return queryset.filter(same_clinic_q(user, patient_lookup), **{care_team_filter: user}).distinct()


class _ScopedForeignKeysMixin(_FormfieldsBase):
    """Limit foreign-key and autocomplete choices to the clinician's own patients and their rows."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if related is Patient:
            kwargs["queryset"] = scope_to_clinician(Patient.objects.all(), request, "")
        elif hasattr(related, "patient"):
            kwargs["queryset"] = scope_to_clinician(related._default_manager.all(), request, "patient")
        elif related is User and not request.user.is_superuser:
            kwargs["queryset"] = clinicians_for(request.user)  # never another clinic's clinicians
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _limit_template_choices(form: Any, user: Any) -> None:
    """Offer (and accept) only the templates ``user`` may assign: the default library and their own
    clinic's. A posted id of another clinic's template is then the field's "not a valid choice"."""
    for field in form.fields.values():
        queryset = field.queryset if isinstance(field, ModelChoiceField) else None
        if queryset is not None and queryset.model is ChecklistTemplate:
            field.queryset = queryset.filter(pk__in=templates_for(user).values("pk"))


def with_clinic_templates(form_class: type, request: HttpRequest) -> type:
    """Return ``form_class`` whose checklist-template choices are limited to the requesting user's."""
    user = request.user

    class ClinicTemplatesForm(form_class):  # a form class made at run time
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            _limit_template_choices(self, user)

    ClinicTemplatesForm.__name__ = ClinicTemplatesForm.__qualname__ = form_class.__name__
    return ClinicTemplatesForm


class _AuditedAdminMixin(_AdminBase):
    """Write the access log for every view and change of patient data through this admin."""

    patient_lookup: str

    def _audit_obj(self, request: HttpRequest, action: str, obj: Model, lookup: str | None = None) -> None:
        lookup = self.patient_lookup if lookup is None else lookup
        audit_record(
            request=request,
            action=action,
            patient_id=patient_id_of(obj, lookup),
            kind=object_kind(obj),
            object_id=obj.pk,
        )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            pks = [obj.pk for obj in changelist.result_list]
            patient_ids = sorted(set(patient_ids_for(self.model, pks, self.patient_lookup).values()) - {None})
            audit_record_many(
                request=request,
                action=Action.VIEW,
                kind=object_kind(self.model),
                pairs=[("", patient_id) for patient_id in patient_ids],
            )
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and request.method == "GET":
            self._audit_obj(request, Action.VIEW, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            self._audit_obj(request, Action.VIEW, obj)
        return super().history_view(request, object_id, extra_context)

    def log_addition(self, request, obj, message):
        self._audit_obj(request, Action.ADD, obj)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._audit_obj(request, Action.CHANGE, obj)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self._audit_obj(request, Action.DELETE, obj)
        return super().log_deletions(request, queryset)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: Any) -> None:
        super().save_related(request, form, formsets, change)
        for formset in formsets:
            lookup = getattr(formset, "patient_lookup", None)
            if lookup is None:
                continue
            for obj in getattr(formset, "new_objects", []):
                self._audit_obj(request, Action.ADD, obj, lookup)
            for obj, _fields in getattr(formset, "changed_objects", []):
                self._audit_obj(request, Action.CHANGE, obj, lookup)
            for obj in getattr(formset, "deleted_objects", []):
                self._audit_obj(request, Action.DELETE, obj, lookup)


class PatientScopedAdmin(_AuditedAdminMixin, _ScopedForeignKeysMixin, admin.ModelAdmin):
    """A ModelAdmin whose rows belong to patients; ``patient_lookup`` leads from the model to Patient."""

    patient_lookup = "patient"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope_to_clinician(super().get_queryset(request), request, self.patient_lookup)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Model:
        """Return the object, or raise Http404 when it is missing or not this clinician's.

        Django's admin would redirect with "doesn't exist" instead; a 404 tells nothing either way.
        """
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def get_form(self, request, obj=None, change=False, **kwargs):
        return with_clinic_templates(super().get_form(request, obj, change=change, **kwargs), request)


class PatientScopedFormSet(BaseInlineFormSet):
    """An inline formset whose rows can only be the parent's own rows (as scoped for this clinician).

    Django accepts a posted row id that is not among them (another patient's item) and saves the row
    as a new one; here that id is a validation error and nothing is saved.
    """

    def add_fields(self, form, index):
        super().add_fields(form, index)
        pk = self.model._meta.pk if self.model is not None else None  # set by inlineformset_factory
        pk_field = form.fields.get(pk.name) if pk is not None else None
        if isinstance(pk_field, ModelChoiceField):
            pk_field.queryset = self.get_queryset()
            pk_field.error_messages["invalid_choice"] = _(
                "This row is not one of this page's rows. Reload the page and try again."
            )


class PatientScopedInline(_ScopedForeignKeysMixin, admin.TabularInline):
    """An inline on a patient-owned parent; rows are scoped like the parent, and a row id posted
    from elsewhere is refused (``PatientScopedFormSet``)."""

    patient_lookup = "patient"
    formset = PatientScopedFormSet

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope_to_clinician(super().get_queryset(request), request, self.patient_lookup)

    def get_formset(self, request, obj=None, **kwargs):
        # The parent admin's save_formset reads this to write the access log for inline rows.
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = with_clinic_templates(formset.form, request)
        formset.patient_lookup = self.patient_lookup  # type: ignore[attr-defined]  # our marker, read above
        return formset
