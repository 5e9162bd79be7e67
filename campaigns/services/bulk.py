"""Inserting many new rows at once, for the events import.

``QuerySet.bulk_create`` prepares every value of every object through the field's full
``get_db_prep_save`` chain; for a 10,000-row sheet that is over half a million calls and
most of the import's time (bench/import.py). The sheet's values are already clean Python
values of the column's type, so for plain columns (text, numbers, keys) they go to the
database as they are, and only the columns whose form depends on the database (dates and
times on SQLite, JSON, ...) are adapted, by the field itself.

No signals are sent and no primary keys come back; callers look their rows up again by a
natural key (the import: the unit's external references).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models
from django.utils import timezone

# Fields whose value, once of the right Python type, is what the database driver takes.
PLAIN_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "ForeignKey",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}


def _adapter(field: models.Field):
    """How one column's Python value becomes the driver's, decided once for all the rows."""
    kind = field.get_internal_type()
    if kind in PLAIN_TYPES:
        return None
    if kind == "DateTimeField":
        # The backend's own step of the field's chain: the import's moments are aware already.
        return connection.ops.adapt_datetimefield_value
    return lambda value: field.get_db_prep_save(value, connection)


def objects_insert(model: type[models.Model], objects: Sequence[models.Model]) -> None:
    """Insert new, unsaved ``objects`` of ``model`` (every concrete column but the key)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    readers = []
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            readers.append(lambda obj, now=now: now)
        else:
            readers.append(lambda obj, attname=field.attname: getattr(obj, attname))
    rows_insert(
        model,
        [field.name for field in fields],
        [tuple(read(obj) for read in readers) for obj in objects],
    )


def rows_insert(model: type[models.Model], names: Sequence[str], rows: Sequence[tuple]) -> None:
    """Insert ``rows`` of values for the fields ``names`` of ``model`` as new rows."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in names]
    adapters = [_adapter(field) for field in fields]
    if any(adapters):
        rows = [
            tuple(
                value if adapt is None else adapt(value)
                for adapt, value in zip(adapters, row, strict=True)
            )
            for row in rows
        ]
    columns = [field.column for field in fields]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy(cursor.cursor, model._meta.db_table, columns, rows)
        else:
            _executemany(cursor, model._meta.db_table, columns, rows)


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    # COPY streams the rows without a statement per row: for 60,000 rows about a tenth of
    # the time of an executemany, even pipelined.
    quote = connection.ops.quote_name
    statement = f"COPY {quote(table)} ({', '.join(quote(column) for column in columns)}) FROM STDIN"
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _executemany(cursor, table: str, columns: list[str], rows) -> None:
    # One short statement for every row: the driver prepares it once and steps through the
    # rows; one long statement of many rows would be parsed again on every call.
    quote = connection.ops.quote_name
    cursor.executemany(
        # Names from the model's meta, quoted; the values are bound.
        f"INSERT INTO {quote(table)} ({', '.join(quote(column) for column in columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))})",
        rows,
    )
