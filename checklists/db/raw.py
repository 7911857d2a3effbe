"""What hand-written SQL on the hot paths needs from Django: the ORM's value conversions, and on
PostgreSQL a cursor that binds parameters on the server."""

from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from django.db import connection, models
from django.db.backends.utils import CursorWrapper


def concrete_field(model: type[models.Model], name: str) -> models.Field:
    """Return ``model``'s field ``name``, one with a column (not the far side of a relation)."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} has no column")
    return field


def column_of(field: models.Field) -> str:
    """Return the name of ``field``'s database column."""
    if field.column is None:
        raise TypeError(f"{field} has no column")
    return field.column


def column_converter(field: models.Field) -> Callable[[Any], Any]:
    """Return a function turning ``field``'s raw column value into its Python value, as the ORM does
    (e.g. SQLite's text datetimes and UUIDs)."""
    column = field.get_col(field.model._meta.db_table)
    converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
    if not converters:
        return lambda value: value

    def convert(value: Any) -> Any:
        for converter in converters:
            value = converter(value, column, connection)
        return value

    return convert


def server_binding_cursor() -> CursorWrapper:
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
    # The stubs type the argument as Django's wrapper; Django itself wraps the DB-API cursor given.
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)  # type: ignore[arg-type]
    return connection.make_cursor(raw)  # type: ignore[arg-type]


def any_of(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """Return SQL testing ``column`` against ``values``, and its parameters: on PostgreSQL one array
    parameter (the same statement text whatever the count, so it can be prepared), elsewhere an IN
    list. ``values`` must not be empty."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def db_values(model: type[models.Model], values: dict[str, Any]) -> list[Any]:
    """Return ``values`` (field name -> Python value) as the ORM would send them to the database."""
    return [concrete_field(model, name).get_db_prep_save(value, connection) for name, value in values.items()]
