"""Authentication backends: django-axes' (tolerant of calls without a request) and the user loader."""

from functools import cache

from axes.backends import AxesStandaloneBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.db import connection, models

from checklists.db.raw import column_converter, column_of, server_binding_cursor
from checklists.models import Patient


class AxesBackend(AxesStandaloneBackend):
    """Every sign-in form passes the request and is throttled; a call without one (Django's test
    client ``login()``, scripts) cannot be tied to an address, so axes steps aside for it."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class PatientModelBackend(ModelBackend):
    """Django's ModelBackend, loading the user's Patient record (if any) in the same query: every
    signed-in request needs the user and every API request the patient too.

    The query is written once per process rather than built by the ORM per request: compiling a
    select_related over both tables cost more than running it.
    """

    def get_user(self, user_id):
        user = user_with_patient(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def user_with_patient(user_id: object) -> User | None:
    """Return the user with primary key ``user_id``, ``user.patient`` already loaded (or known to be
    absent), or None; one query."""
    user_model = get_user_model()
    sql, user_fields, patient_fields = _user_with_patient_sql()
    pk = user_model._meta.pk
    assert pk is not None  # every concrete model has a primary key
    # Raw SQL: 0.18 ms vs 0.48 ms for the ORM's select_related("patient").get() (2.7x wall, 4.4x CPU),
    # PostgreSQL; SQLite 0.037 vs 0.24 ms (6.6x); bench/sql_bench.py [--sqlite] (2026-12-01).
    with server_binding_cursor() as cursor:  # prepared on PostgreSQL: this runs on every request
        cursor.execute(sql, [pk.to_python(user_id)])
        row = cursor.fetchone()
    if row is None:
        return None
    values = [convert(value) for convert, value in zip(_converters(), row, strict=True)]
    split = len(user_fields)
    user = user_model.from_db(connection.alias, [f.attname for f in user_fields], values[:split])
    patient = None
    if values[split] is not None:  # the patient's primary key: null when the user has no patient
        patient = Patient.from_db(connection.alias, [f.attname for f in patient_fields], values[split:])
        patient._state.fields_cache["user"] = user
    user._state.fields_cache["patient"] = patient  # None makes user.patient raise DoesNotExist
    return user


@cache
def _user_with_patient_sql() -> tuple[str, list[models.Field], list[models.Field]]:
    user_model = get_user_model()
    user_fields = list(user_model._meta.concrete_fields)
    patient_fields = list(Patient._meta.concrete_fields)
    pk = user_model._meta.pk
    assert pk is not None  # every concrete model has a primary key
    quote = connection.ops.quote_name
    columns = [f"u.{quote(column_of(f))}" for f in user_fields] + [
        f"p.{quote(column_of(f))}" for f in patient_fields
    ]
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(user_model._meta.db_table)} u"
        f" LEFT JOIN {quote(Patient._meta.db_table)} p ON p.{quote(Patient._meta.get_field('user').column)}"
        f" = u.{quote(column_of(pk))} WHERE u.{quote(column_of(pk))} = %s"
    )
    return sql, user_fields, patient_fields


@cache
def _converters() -> list:
    """Per column, a function from the database's value to the field's Python value (the conversions
    the ORM applies, e.g. SQLite's text datetimes)."""
    _, user_fields, patient_fields = _user_with_patient_sql()
    return [column_converter(field) for field in [*user_fields, *patient_fields]]
