"""Writes to the access log. Callers pass kinds and ids, never values: the log holds no health data."""

from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from django.contrib.auth.models import User
from django.db import models
from django.http import HttpRequest

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
    """Append one entry to the access log and return it."""
    user, label = _actor(request, actor)
    return AccessLog.objects.create(
        actor=user,
        actor_label=actor_label or label,
        patient_id=patient_id,
        patient_ref=patient_id,
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
    rows = [
        AccessLog(
            actor=user,
            actor_label=label,
            patient_id=patient_id,
            patient_ref=patient_id,
            object_kind=kind,
            object_id=str(object_id or "")[:64],
            action=action,
            ip_address=ip,
        )
        for object_id, patient_id in pairs
    ]
    AccessLog.objects.bulk_create(rows)
    return len(rows)


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


ACCESSLOG_COLUMNS = ["at", "actor_label", "action", "object_kind", "object_id", "patient_ref", "ip_address"]


def accesslog_write_csv(*, queryset: models.QuerySet[AccessLog], out: "SupportsWrite[str]") -> int:
    """Write access-log entries as spreadsheet-safe CSV to ``out``; return how many rows were written."""
    writer = csv_writer(out)
    writer.writerow(ACCESSLOG_COLUMNS)
    count = 0
    for entry in queryset.order_by("at", "id").iterator():
        writer.writerow([plain_value(getattr(entry, column)) for column in ACCESSLOG_COLUMNS])
        count += 1
    return count
