"""Patient data rights and session control: export everything, delete the account, end sessions.

Generic over the models: any model with a chain of foreign keys to ``Patient`` is found by
``patient_data_models()``, so a new table of patient data is exported and deleted without changes here.
"""

import io
import json
import zipfile
from collections import deque
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from checklists.fhir.export import PATIENT, patient_bundle
from checklists.models import AccessLog, AccountClosure, Patient, UserSession
from checklists.security.audit import Action, audit_record, plain_value
from checklists.security.spreadsheet import csv_writer

# Kept on purpose when a patient leaves, never exported as "their data": the accountability records.
NOT_PATIENT_DATA = {AccessLog, AccountClosure}
# Left out of the export: secrets of no use to the patient (their browser's push keys, password hash),
# and the care team's own working notes ("notes" on care-plan rows, marked never shown to the patient;
# "review_note" on an augmentation finding).
SECRET_FIELDS = {"password", "p256dh", "auth"}
CLINICIAN_ONLY_FIELDS = {"notes", "review_note"}
USER_FIELDS = ["id", "username", "email", "first_name", "last_name", "date_joined", "last_login"]
# Longest foreign-key chain followed from a model to Patient (e.g. Delivery -> Reminder -> Patient).
MAX_PATH_LENGTH = 4


def _patient_path(model: type[models.Model]) -> str | None:
    """Return the shortest ``a__b__patient`` lookup from ``model`` to Patient, or None."""
    queue: deque[tuple[type[models.Model], list[str]]] = deque([(model, [])])
    seen = {model}
    while queue:
        current, path = queue.popleft()
        if len(path) >= MAX_PATH_LENGTH:
            continue
        for field in current._meta.concrete_fields:
            target = field.related_model if field.many_to_one or field.one_to_one else None
            if target is None or target in seen:
                continue
            if target is Patient:
                return "__".join([*path, field.name])
            seen.add(target)
            queue.append((target, [*path, field.name]))
    return None


def patient_data_models() -> list[tuple[type[models.Model], str]]:
    """Return every (model, lookup to Patient) that holds a patient's data, deepest paths first."""
    found = []
    for model in apps.get_models():
        if model is Patient or model in NOT_PATIENT_DATA or model._meta.proxy:
            continue
        path = _patient_path(model)
        if path is not None:
            found.append((model, path))
    return sorted(found, key=lambda pair: (-pair[1].count("__"), pair[0]._meta.label_lower))


def _row(obj: models.Model) -> dict:
    return {
        field.attname: plain_value(getattr(obj, field.attname))
        for field in obj._meta.concrete_fields
        if field.name not in SECRET_FIELDS and field.name not in CLINICIAN_ONLY_FIELDS
    }


def patient_export_data(*, patient: Patient) -> dict:
    """Return everything stored about ``patient`` as {"account", "patient", "tables": {label: rows}}."""
    user = patient.user
    tables: dict[str, list[dict]] = {}
    for model, lookup in sorted(patient_data_models(), key=lambda pair: pair[0]._meta.label_lower):
        queryset = model._default_manager.filter(**{lookup: patient}).order_by("pk")
        tables[model._meta.label_lower] = [_row(obj) for obj in queryset]
    profile = _row(patient)
    profile["care_team"] = [str(member.get_full_name() or member.email) for member in patient.care_team.all()]
    return {
        "exported_at": timezone.now().isoformat(),
        "app_version": settings.APP_VERSION,
        "account": {name: plain_value(getattr(user, name)) for name in USER_FIELDS},
        "patient": profile,
        "tables": tables,
    }


def _csv(rows: list[dict]) -> str:
    """Return ``rows`` as spreadsheet-safe CSV (a value that would start a formula is text)."""
    buffer = io.StringIO()
    columns = list(rows[0]) if rows else []
    writer = csv_writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([json.dumps(v) if isinstance(v, list | dict) else v for v in row.values()])
    return buffer.getvalue()


def patient_export_zip(*, patient: Patient, request: HttpRequest | None = None) -> bytes:
    """Return a zip of data.json plus one CSV per table (account, patient and each data table) and
    fhir.json (the patient's version of the FHIR R4 Bundle); the export is written to the access log."""
    data = patient_export_data(patient=patient)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, indent=2, ensure_ascii=False))
        bundle = patient_bundle(patient=patient, audience=PATIENT)
        archive.writestr("fhir.json", json.dumps(bundle, indent=2, ensure_ascii=False))
        archive.writestr("account.csv", _csv([data["account"]]))
        archive.writestr("patient.csv", _csv([data["patient"]]))
        for label, rows in data["tables"].items():
            archive.writestr(f"{label.split('.')[-1]}.csv", _csv(rows))
    audit_record(
        request=request,
        action=Action.EXPORT,
        patient_id=patient.pk,
        kind="checklists.patient",
        object_id=patient.pk,
    )
    return buffer.getvalue()


def _user_session_keys(user_id: int, *, live_only: bool = False) -> list[str]:
    # The session engines record each session's user (checklists.security.sessions): one indexed query.
    sessions = UserSession.objects.filter(user_id=user_id)
    if live_only:
        sessions = sessions.filter(expire_date__gt=timezone.now())
    return list(sessions.values_list("session_key", flat=True))


def _sessions_delete(keys: list[str]) -> None:
    # Through the session engine, so a cached copy (cached_db with CACHE_URL) ends with the row.
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        store(session_key=key).delete()


def sessions_end_others(
    *, user: User, keep_session_key: str | None, request: HttpRequest | None = None
) -> int:
    """Sign ``user`` out on every other device (delete their sessions except ``keep_session_key``);
    return how many sessions ended."""
    keys = [key for key in _user_session_keys(user.pk, live_only=True) if key != keep_session_key]
    _sessions_delete(keys)
    patient = getattr(user, "patient", None)
    audit_record(
        request=request,
        actor=user,
        action=Action.SIGN_OUT_EVERYWHERE,
        patient_id=patient.pk if patient else None,
        kind="sessions.session",
        object_id=len(keys),
    )
    return len(keys)


@transaction.atomic
def patient_account_delete(*, patient: Patient, request: HttpRequest | None = None) -> AccountClosure:
    """Delete the patient's account and every row of their data, in one transaction.

    Kept: an AccountClosure (the name the care team knew, else "patient #id"; the date; their care
    team) so clinicians see they left, and the access log, where the patient's own entries, and every
    entry whose recorded name is their email or user name in any case (sign-ins typed differently),
    are anonymised to "deleted patient #id". Nothing kept holds the email address. Returns the closure.
    """
    user = patient.user
    patient_id = patient.pk
    closure = AccountClosure.objects.create(
        patient_ref=patient_id, display_name=user.get_full_name() or f"patient #{patient_id}"
    )
    closure.care_team.set(patient.care_team.all())
    audit_record(
        request=None,
        action=Action.ACCOUNT_DELETED,
        patient_id=patient_id,
        kind="checklists.patient",
        object_id=patient_id,
        actor_label=f"deleted patient #{patient_id}",
    )
    for model, lookup in patient_data_models():
        rows = model._default_manager.filter(**{lookup: patient})
        _admin_history_forget(model, list(rows.values_list("pk", flat=True)))
        rows.delete()
    _admin_history_forget(Patient, [patient_id])
    _admin_history_forget(get_user_model(), [user.pk])
    names = {user.get_username(), user.email} - {""}
    typed_as_them = models.Q()
    for name in names:
        typed_as_them |= models.Q(actor_label__iexact=name)
    AccessLog.objects.filter(models.Q(actor=user) | typed_as_them).anonymise(
        actor_label=f"deleted patient #{patient_id}"
    )
    _axes_forget(names)
    _sessions_delete(_user_session_keys(user.pk))
    patient.delete()
    get_user_model()._default_manager.filter(pk=user.pk).delete()
    return closure


def _admin_history_forget(model: type[models.Model], pks: list) -> None:
    """Delete the admin's history entries about these rows: their titles can hold health data (a
    medication's name). Who changed what and when stays in the access log, which holds no values."""
    if not pks:
        return
    # The admin logs a proxy's rows (e.g. "due follow-ups") under the proxy's content type.
    variants = [m for m in apps.get_models() if m._meta.concrete_model is model._meta.concrete_model]
    content_types = ContentType.objects.get_for_models(*variants, for_concrete_models=False).values()
    LogEntry.objects.filter(content_type__in=content_types, object_id__in=[str(pk) for pk in pks]).delete()


def _axes_forget(usernames: set[str]) -> None:
    """Remove django-axes' records of sign-in attempts typed as any of ``usernames`` in any case
    (axes keeps what was typed: "Del-Patient@..." is the same person)."""
    from axes.models import AccessAttempt, AccessFailureLog
    from axes.models import AccessLog as AxesAccessLog

    typed = models.Q()
    for username in usernames:
        typed |= models.Q(username__iexact=username)
    for model in (AccessAttempt, AccessFailureLog, AxesAccessLog):
        model.objects.filter(typed).delete()
