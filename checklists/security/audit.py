"""Writes to the access log. Callers pass kinds and ids, never values: the log holds no health data
(only the patient's name as their care team knew it, for finding who opened whose record)."""

from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import User
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.text import capfirst

from checklists.models import AccessLog, Patient
from checklists.security import client_ip
from checklists.security.spreadsheet import csv_writer

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

Action = AccessLog.Action


def _actor(request: HttpRequest | None, actor: User | None = None) -> tuple[User | None, str]:
    user = actor if actor is not None else getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return user, user.get_username()
    return None, ""


def object_kind(obj_or_model: models.Model | type[models.Model]) -> str:
    """Return the model label of an object or model class, e.g. ``checklists.diaryentry``."""
    return obj_or_model._meta.label_lower


def kind_label(kind: str) -> str:
    """Return a model label as a reader says it ("checklists.labresult" -> "Lab result"); an unknown
    label as it is."""
    try:
        model = apps.get_model(kind)
    except (LookupError, ValueError):
        return kind
    return str(capfirst(model._meta.verbose_name))


def patient_name(patient: Patient) -> str:
    """Return the patient as their care team knows them: the full name, else "patient #id". Never the
    email: the log outlives a deleted account, which must leave no email behind (as AccountClosure)."""
    return patient.user.get_full_name() or f"patient #{patient.pk}"


def patient_labels(patient_ids: Iterable[int | None]) -> dict[int, str]:
    """Return {patient id: name as the care team knows it} for ``patient_ids`` in one query."""
    wanted = {pk for pk in patient_ids if pk is not None}
    if not wanted:
        return {}
    rows = Patient.objects.filter(pk__in=wanted).select_related("user")
    return {patient.pk: patient_name(patient)[:254] for patient in rows}


def audit_record(
    *,
    request: HttpRequest | None,
    action: str,
    patient_id: int | None = None,
    kind: str = "",
    object_id: object = "",
    actor: User | None = None,
    actor_label: str = "",
) -> AccessLog:
    """Append one entry to the access log and return it; the patient's name at this moment is kept
    with it (a later rename or a deleted account does not change who the entry was about)."""
    user, label = _actor(request, actor)
    return AccessLog.objects.create(
        actor=user,
        actor_label=actor_label or label,
        patient_id=patient_id,
        patient_ref=patient_id,
        patient_label=patient_labels([patient_id]).get(patient_id or 0, ""),
        object_kind=kind,
        object_id=str(object_id or "")[:64],
        action=action,
        ip_address=client_ip(request) if request is not None else None,
    )


def audit_record_many(
    *, request: HttpRequest, action: str, kind: str, pairs: Iterable[tuple[object, int | None]]
) -> int:
    """Append one entry per (object id, patient id) pair in one query; return how many were written."""
    user, label = _actor(request)
    ip = client_ip(request)
    pairs = list(pairs)
    names = patient_labels(patient_id for _object_id, patient_id in pairs)
    rows = [
        AccessLog(
            actor=user,
            actor_label=label,
            patient_id=patient_id,
            patient_ref=patient_id,
            patient_label=names.get(patient_id or 0, ""),
            object_kind=kind,
            object_id=str(object_id or "")[:64],
            action=action,
            ip_address=ip,
        )
        for object_id, patient_id in pairs
    ]
    AccessLog.objects.bulk_create(rows)
    return len(rows)


def audit_objects(
    *, request: HttpRequest, action: str, objects: Iterable[models.Model], patient_lookup: str = "patient"
) -> int:
    """Append one entry per object (its id and its patient, via ``patient_lookup``; '' = a patient) in
    one query, for an admin action on several records; return how many were written."""
    objects = list(objects)
    if not objects:
        return 0
    return audit_record_many(
        request=request,
        action=action,
        kind=object_kind(objects[0]),
        pairs=[(obj.pk, patient_id_of(obj, patient_lookup)) for obj in objects],
    )


def audit_refused(*, request: HttpRequest, kind: str, object_id: object) -> AccessLog:
    """Record that the signed-in user asked for ``kind`` ``object_id`` and got nothing (not theirs, or
    missing). The entry names what was asked, never whose it is: a refusal reveals no patient."""
    return audit_record(request=request, action=Action.REFUSED, kind=kind, object_id=object_id)


# Pages of one patient's data outside the admin: URL name -> (the kind asked for, the id's URL kwarg).
REFUSAL_AUDITED_PAGES = {"fhir:patient-everything": ("checklists.patient", "pk")}


class AdminRefusalAuditMiddleware:
    """Log a "refused" entry when a page of one record of patient data answers 404 to a signed-in
    user: a clinician trying another clinician's patient (or a row of theirs) leaves a trace. The
    admin's object pages of patient-data admins, and REFUSAL_AUDITED_PAGES."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 404 and getattr(request.user, "is_authenticated", False):
            asked = _asked_for(request)
            if asked is not None:
                audit_refused(request=request, kind=asked[0], object_id=asked[1])
        return response


def _asked_for(request: HttpRequest) -> tuple[str, object] | None:
    """Return (kind, id) of the patient-data record a request asked for, or None for any other page."""
    match = request.resolver_match
    if match is None:
        return None
    if match.view_name in REFUSAL_AUDITED_PAGES:
        kind, kwarg = REFUSAL_AUDITED_PAGES[match.view_name]
        return kind, match.kwargs.get(kwarg, "")
    object_id = match.kwargs.get("object_id")
    if match.namespace != "admin" or object_id is None:
        return None
    model_admin = getattr(match.func, "model_admin", None) or _model_admin_of(match.url_name or "")
    if model_admin is None or not hasattr(model_admin, "patient_lookup"):
        return None  # not an admin of patient data
    return object_kind(model_admin.model), object_id


def _model_admin_of(url_name: str) -> admin.ModelAdmin | None:
    # A ModelAdmin's own extra pages are named "<app>_<model>_<page>" (see its get_urls).
    for model, model_admin in admin.site._registry.items():
        if url_name.startswith(f"{model._meta.app_label}_{model._meta.model_name}_"):
            return model_admin
    return None


def patient_id_of(obj: models.Model, patient_lookup: str) -> int | None:
    """Return the id of the patient ``obj`` belongs to by following ``patient_lookup`` ('' = obj is one)."""
    if isinstance(obj, Patient) or not patient_lookup:
        return obj.pk
    *hops, last = patient_lookup.split("__")
    target: object = obj
    for hop in hops:
        target = getattr(target, hop, None)
        if target is None:
            return None
    return getattr(target, f"{last}_id", None)


def patient_ids_for(model: type[models.Model], pks: list, patient_lookup: str) -> dict:
    """Return {object pk: patient id} for ``pks`` of ``model`` in one query."""
    if not patient_lookup:
        return {pk: pk for pk in pks}
    return dict(model._default_manager.filter(pk__in=pks).values_list("pk", patient_lookup))


def plain_value(value: object) -> object:
    """Return ``value`` as JSON and CSV write it: dates and times in ISO 8601, decimals and UUIDs as text."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


ACCESSLOG_COLUMNS = [
    "at",
    "actor_label",
    "action",
    "object_kind",
    "object_id",
    "patient_ref",
    "ip_address",
    "patient_label",
]


def accesslog_write_csv(*, queryset: models.QuerySet[AccessLog], out: "SupportsWrite[str]") -> int:
    """Write access-log entries as spreadsheet-safe CSV to ``out``; return how many rows were written."""
    writer = csv_writer(out)
    writer.writerow(ACCESSLOG_COLUMNS)
    count = 0
    for entry in queryset.order_by("at", "id").iterator():
        writer.writerow([plain_value(getattr(entry, column)) for column in ACCESSLOG_COLUMNS])
        count += 1
    return count
