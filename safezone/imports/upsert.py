"""Bulk upsert by a natural key, for the write step of an import type: one batch of rows in a few
statements, counting what was created, what changed and what stayed as it was.

The batch goes into a temporary table (COPY on PostgreSQL, executemany on SQLite), then one
`INSERT … SELECT … WHERE (the same row is not stored) ON CONFLICT (key) DO UPDATE` writes the
rows that are new or differ: a row whose fields are already stored is not touched (no write, no
lock, no dead tuple), so the same file twice changes nothing the second time. Only tables
without history rows: a model with simple-history needs its services' own path (`common.bulk`).
"""

from collections import Counter
from collections.abc import Sequence

from django.db import connection, models

_PASS_THROUGH = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
)


def _columns(model, names: Sequence[str]) -> list[models.Field]:
    fields = [model._meta.get_field(name) for name in names]
    for f in fields:
        if isinstance(f, models.DateTimeField) or not isinstance(f, (models.DateField, *_PASS_THROUGH)):
            raise TypeError(f"upsert does not handle {f.__class__.__name__} ({model.__name__}.{f.name})")
        if isinstance(f, (models.CharField, models.TextField)) and type(f).get_prep_value not in (
            models.CharField.get_prep_value,
            models.TextField.get_prep_value,
        ):
            # An encrypted text field prepares its values itself: passing them through would store clear text.
            raise TypeError(f"upsert does not handle {f.__class__.__name__} ({model.__name__}.{f.name})")
    return fields


def _temporary_table(model, fields: list[models.Field]) -> str:
    """The batch's temporary table (this connection's own), empty; created on first use."""
    quote = connection.ops.quote_name
    name = quote(f"import_{model._meta.db_table}")
    definition = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} ({definition})")
        # Emptied for each batch. On PostgreSQL a DELETE would leave the rows' space behind and
        # each batch would read every batch before it (a million rows: minutes); TRUNCATE gives
        # it back. SQLite empties a table without a WHERE the same way.
        cursor.execute(f"TRUNCATE {name}" if connection.vendor == "postgresql" else f"DELETE FROM {name}")
    return name


def _fill(table: str, fields: list[models.Field], rows: Sequence[tuple]) -> None:
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    dates = [i for i, f in enumerate(fields) if isinstance(f, models.DateField)]
    if dates:
        # SQLite stores dates as ISO text (as Django does); sqlite3's own date adapter is deprecated.
        iso: dict = {None: None}

        def text(day):
            found = iso.get(day)
            if found is None and day is not None:
                found = iso[day] = day.isoformat()
            return found

        rows = [[text(v) if i in dates else v for i, v in enumerate(row)] for row in rows]
    marks = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def upsert(model, *, key: Sequence[str], fields: Sequence[str], rows: Sequence[tuple]) -> Counter:
    """Write `rows` (each the values of `key`, then of `fields`, by model field name; a foreign key
    as its id) into `model`'s table, in the caller's transaction.

    A key not stored yet is inserted; a stored key whose fields differ is updated; the rest is left
    alone. `key` must be a unique constraint of the model, and each key may appear once in `rows`.
    Returns Counter(created=…, updated=…, unchanged=…).
    """
    counts = Counter(created=0, updated=0, unchanged=0)
    if not rows:
        return counts
    quote = connection.ops.quote_name
    columns = _columns(model, [*key, *fields])
    key_columns = ", ".join(quote(f.column) for f in columns[: len(key)])
    names = ", ".join(quote(f.column) for f in columns)
    value_columns = [quote(f.column) for f in columns[len(key) :]]
    target = quote(model._meta.db_table)
    staged = _temporary_table(model, columns)
    _fill(staged, columns, rows)
    postgres = connection.vendor == "postgresql"
    distinct, same = ("IS DISTINCT FROM", "IS NOT DISTINCT FROM") if postgres else ("IS NOT", "IS")
    if value_columns:
        assignments = ", ".join(f"{c} = excluded.{c}" for c in value_columns)
        differs = " OR ".join(f"stored.{c} {distinct} excluded.{c}" for c in value_columns)
        conflict = f"ON CONFLICT ({key_columns}) DO UPDATE SET {assignments} WHERE {differs}"
    else:
        conflict = f"ON CONFLICT ({key_columns}) DO NOTHING"
    # Rows stored as they are do not reach the INSERT at all: ON CONFLICT DO UPDATE would lock each
    # one (a write) even when its WHERE leaves it alone. A scalar subquery, not NOT EXISTS: the
    # planner turns NOT EXISTS into an anti-join and, with the table's statistics, may hash the
    # whole table for each batch (measured: 80 s instead of 10 s for a million unchanged rows);
    # a scalar subquery is one probe of the key's unique index per row, whatever the statistics.
    as_stored = " AND ".join(
        [f"kept.{quote(f.column)} = batch.{quote(f.column)}" for f in columns[: len(key)]]
        + [f"kept.{c} {same} batch.{c}" for c in value_columns]
    )
    insert = (
        f"INSERT INTO {target} AS stored ({names}) SELECT {names} FROM {staged} AS batch "
        f"WHERE (SELECT 1 FROM {target} AS kept WHERE {as_stored}) IS NULL {conflict}"
    )
    with connection.cursor() as cursor:
        if postgres:
            # A row inserted has no deleting transaction yet (xmax 0); an updated one has ours.
            # Rows left as they were are not returned.
            cursor.execute(
                f"WITH written AS ({insert} RETURNING (stored.xmax = 0) AS created) "
                "SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM written"
            )
            created, updated = cursor.fetchone()
        else:
            on_key = " AND ".join(f"stored.{quote(f.column)} = {staged}.{quote(f.column)}" for f in columns[: len(key)])
            cursor.execute(f"SELECT count(*) FROM {staged} JOIN {target} AS stored ON {on_key}")
            existing = cursor.fetchone()[0]
            cursor.execute(insert)
            written = cursor.rowcount  # inserted and updated rows; the untouched are not counted
            created = len(rows) - existing
            updated = written - created
    counts["created"] = created
    counts["updated"] = updated
    counts["unchanged"] = len(rows) - created - updated
    return counts
