"""What hand-written SQL on the hot paths needs from Django: the ORM's value conversions, and on
PostgreSQL a cursor that binds parameters on the server."""

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
    text). Wrapped as ``connection.cursor()`` wraps its own, so query logging and counting see it."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    return connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
