"""Fast bulk insert of model instances with their '+' history rows (demo region, bulk loads).

Django's bulk_create compiles every value through the ORM, and simple-history's bulk path
builds a second model instance per row; at a million cases that is hours. This writes the
same rows with executemany (COPY on PostgreSQL) after reserving primary keys, so the caller
gets `obj.pk` set.
Only the column types the register uses are converted; anything else is refused loudly.
"""

import datetime as dt

from django.db import connection, models
from django.utils import timezone

BATCH = 5000


# Text fields whose class prepares values its own way (EncryptedTextField encrypts them).
_STOCK_TEXT_PREP = (models.CharField.get_prep_value, models.TextField.get_prep_value)


def _converter(field: models.Field):
    """A function turning a Python value of this field into a database parameter."""
    if isinstance(field, models.JSONField):
        return lambda v: field.get_db_prep_save(v, connection)
    if isinstance(field, (models.CharField, models.TextField)) and type(field).get_prep_value not in _STOCK_TEXT_PREP:
        # Passing these through would store what the field must never store (clear text).
        return lambda v: field.get_db_prep_save(v, connection)
    if isinstance(field, models.DateTimeField):
        # Mostly the one `now` of a batch: convert each distinct value once.
        cache: dict = {None: None}

        def datetime_value(v):
            if v not in cache:
                cache[v] = connection.ops.adapt_datetimefield_value(v)
            return cache[v]

        return datetime_value
    if isinstance(field, models.DateField):
        return lambda v: None if v is None else connection.ops.adapt_datefield_value(v)
    if isinstance(
        field,
        (
            models.CharField,
            models.TextField,
            models.IntegerField,
            models.BooleanField,
            models.ForeignKey,
            models.AutoField,
        ),
    ):
        return lambda v: v
    raise TypeError(f"fast insert does not handle {field.__class__.__name__} ({field.model.__name__}.{field.name})")


def reserve_ids(model, count: int) -> list[int]:
    """`count` new primary keys for `model`, taken the way the database would hand them out."""
    if count == 0:
        return []
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, count]
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the caller's transaction holds the write lock, so nobody takes these meanwhile.
        cursor.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"')
        top = cursor.fetchone()[0]
        cursor.execute("SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = %s", [table])
        top = max(top, cursor.fetchone()[0])
    return list(range(top + 1, top + 1 + count))


def _insert(table: str, columns: list[str], rows: list[tuple]) -> None:
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    if connection.vendor == "postgresql":
        # COPY is PostgreSQL's bulk path: several times faster than row-by-row INSERTs.
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({marks})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])


def insert_values(model, columns: list[str], rows: list[tuple]) -> None:
    """Insert plain rows (already database values) into a model's table: for derived rows with
    no history and no key of their own to hand back (search keys)."""
    if rows:
        _insert(model._meta.db_table, columns, rows)


def insert_with_history(model, objs: list, *, now: dt.datetime | None = None) -> list:
    """Insert `objs` (unsaved instances of `model`) and one '+' history row each; sets their keys.

    Runs in the caller's transaction. auto_now fields get `now`; auto_now_add fields get `now`
    unless the object already carries a value (a bulk load of past events keeps their dates).
    """
    if not objs:
        return objs
    now = now or timezone.now()
    fields = [f for f in model._meta.concrete_fields]
    for obj, pk in zip(objs, reserve_ids(model, len(objs))):
        obj.pk = pk
        for f in fields:
            if getattr(f, "auto_now", False) or (getattr(f, "auto_now_add", False) and getattr(obj, f.attname) is None):
                setattr(obj, f.attname, now)
    convert = [_converter(f) for f in fields]
    _insert(
        model._meta.db_table,
        [f.column for f in fields],
        [tuple(c(getattr(obj, f.attname)) for c, f in zip(convert, fields)) for obj in objs],
    )

    history = getattr(model, "history", None)
    if history is not None:
        hmodel = history.model
        tracked = [f for f in hmodel._meta.concrete_fields if not f.name.startswith("history_")]
        hconvert = [_converter(f) for f in tracked]
        stamp = connection.ops.adapt_datetimefield_value(now)
        _insert(
            hmodel._meta.db_table,
            [f.column for f in tracked] + ["history_date", "history_type", "history_change_reason", "history_user_id"],
            [
                tuple(c(getattr(obj, f.attname)) for c, f in zip(hconvert, tracked)) + (stamp, "+", None, None)
                for obj in objs
            ],
        )
    return objs
