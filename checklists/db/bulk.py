"""Set-based writes for the sync hot path: one statement per table whatever the number of rows.

``QuerySet.bulk_create`` builds and prepares a model instance per row, which for a 1000-op sync batch
costs more time in Python than the database spends writing the rows. These helpers send plain tuples:
on PostgreSQL as one array per column through ``UNNEST`` (a fixed statement text whatever the row
count; binary arrays bound on the server), elsewhere (SQLite) as one multi-row ``VALUES`` list
with each value prepared by its field.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models

from checklists.db.raw import column_converter, column_of, concrete_field, server_binding_cursor


def upsert(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    unique: Sequence[str],
    update: Sequence[str] = (),
    returning: str | None = None,
) -> list[Any]:
    """Insert ``rows`` (tuples of values in ``fields`` order) into ``model``'s table in one statement.

    A row whose ``unique`` columns match an existing row updates that row's ``update`` fields instead,
    or, with no ``update`` fields, is skipped. With ``returning``, return that field's value for every
    row inserted or updated (a skipped row returns nothing), as the database gives it back.
    """
    if not rows:
        return []
    meta = model._meta
    columns = [concrete_field(model, name) for name in fields]
    quote = connection.ops.quote_name
    names = ", ".join(quote(column_of(field)) for field in columns)
    conflict = ", ".join(quote(column_of(concrete_field(model, name))) for name in unique)
    if update:
        sets = ", ".join(
            f"{quote(c)} = EXCLUDED.{quote(c)}" for c in (column_of(concrete_field(model, n)) for n in update)
        )
        action = f"DO UPDATE SET {sets}"
    else:
        action = "DO NOTHING"
    tail = f" RETURNING {quote(column_of(concrete_field(model, returning)))}" if returning else ""

    if connection.vendor == "postgresql":
        params: list[Any] = [list(values) for values in zip(*rows, strict=True)]
        arrays = ", ".join(
            f"{_placeholder(values)}::{field.db_type(connection)}[]"
            for field, values in zip(columns, params, strict=True)
        )
        source = f"SELECT * FROM UNNEST({arrays})"
    else:
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        source = "VALUES " + ", ".join([one] * len(rows))
        params = list(_prepared(columns, rows))
    # Raw SQL against the ORM's bulk_create(update_conflicts=True): 1.13 ms vs 2.52 ms for 50 check-offs
    # (2.2x wall, 5.5x CPU), 15 ms vs 41 ms for 1,000 (2.7x wall, 14x CPU); 50 op ids with RETURNING
    # 0.44 ms vs 1.36 ms for a SELECT and a bulk_create (3.1x wall, 5.4x CPU); PostgreSQL. SQLite:
    # 1.65x, 2.5x and 1.65x; bench/sql_bench.py [--sqlite] (2026-12-01).
    sql = f"INSERT INTO {quote(meta.db_table)} ({names}) {source} ON CONFLICT ({conflict}) {action}{tail}"
    with server_binding_cursor() as cursor:
        cursor.execute(sql, params)
        if not returning:
            return []
        convert = column_converter(concrete_field(model, returning))
        return [convert(row[0]) for row in cursor.fetchall()]


def _placeholder(values: list[Any]) -> str:
    # A binary array skips quoting every element as text; psycopg needs one non-null element to pick
    # the element type.
    return "%b" if any(value is not None for value in values) else "%s"


def _prepared(columns: Sequence[models.Field], rows: Iterable[Sequence[Any]]) -> Iterable[Any]:
    for row in rows:
        for field, value in zip(columns, row, strict=True):
            yield field.get_db_prep_save(value, connection)
