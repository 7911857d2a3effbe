"""What hand-written SQL on the hot paths needs from Django: the ORM's value conversions, and on
PostgreSQL a cursor that binds parameters on the server."""

from collections.abc import Sequence
from typing import Any

import psycopg
from django.db import connection, models


def column_converter(field: models.Field):
    """Return a function turning ``field``'s raw column value into its Python value, as the ORM does
    (e.g. SQLite's text datetimes and UUIDs)."""
    column = field.get_col(field.model._meta.db_table)
    converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
    if not converters:
        return lambda value: value

    def convert(value):
        for converter in converters:
            value = converter(value, column, connection)
        return value

    return convert


def server_binding_cursor():
    """Return a Django cursor; on PostgreSQL one that binds parameters on the server whatever the
    connection's default (Django binds on the client, which renders each array element as quoted
    text). Wrapped as ``connection.cursor()`` wraps its own, so query logging and counting see it.

    On PostgreSQL its statements are also prepared once they have run ``prepare_threshold`` times on
    a connection (settings.DATABASES), so a hot statement is planned once per connection, not per run.
    Keep their text fixed: pass a list of ids through ``any_of()``, not a list of placeholders."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    return connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)


def any_of(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """Return SQL testing ``column`` against ``values``, and its parameters: on PostgreSQL one array
    parameter (the same statement text whatever the count, so it can be prepared), elsewhere an IN
    list. ``values`` must not be empty."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def db_values(model: type[models.Model], values: dict[str, Any]) -> list[Any]:
    """Return ``values`` (field name -> Python value) as the ORM would send them to the database."""
    meta = model._meta
    return [meta.get_field(name).get_db_prep_save(value, connection) for name, value in values.items()]


def insert_row(model: type[models.Model], values: dict[str, Any], *, skip_on_conflict: Sequence[str]) -> None:
    """Insert one row of ``model`` (field name -> Python value); skip it if a row with the same
    ``skip_on_conflict`` fields (a unique constraint) exists. ``bulk_create(ignore_conflicts=True)``
    for one row, without building and preparing a model instance."""
    meta, quote = model._meta, connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in values)
    conflict = ", ".join(quote(meta.get_field(name).column) for name in skip_on_conflict)
    placeholders = ", ".join(["%s"] * len(values))
    with server_binding_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders}) "
            f"ON CONFLICT ({conflict}) DO NOTHING",
            db_values(model, values),
        )
