"""Bulk inserts for derived and generated rows: what ``bulk_create`` does, without its per-value overhead.

``bulk_create`` compiles every value of every row through the SQL compiler; for the ten national years of
the generator (about 3.5 million rows) that alone took most of ten minutes. This writes the same values
(each field's own ``get_db_prep_save``, so dates, UUIDs and JSON are stored exactly as the ORM stores them
on either database) in batches: ``executemany`` on SQLite, ``COPY … FROM STDIN`` on PostgreSQL.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone

BATCH = 5000
_PASSTHROUGH = frozenset({
    "CharField", "TextField", "SlugField", "EmailField", "IntegerField", "PositiveIntegerField",
    "PositiveSmallIntegerField", "SmallIntegerField", "BigIntegerField", "BooleanField", "BigAutoField",
    "AutoField", "ForeignKey", "OneToOneField", "URLField",
})


def _const(value):
    def default():
        return value

    return default


def reserve_ids(model, n: int) -> list[int]:
    """``n`` primary keys nobody else will use: a block from the sequence (PostgreSQL) or above the current
    maximum (SQLite, where the writing transaction holds the database's write lock)."""
    conn = connections[DEFAULT_DB_ALIAS]
    table, column = model._meta.db_table, model._meta.pk.column
    with conn.cursor() as cur:
        if conn.vendor == "postgresql":
            cur.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                        [table, column, n])
            return [r[0] for r in cur.fetchall()]
        qn = conn.ops.quote_name
        cur.execute(f"SELECT COALESCE(MAX({qn(column)}), 0) FROM {qn(table)}")
        first = cur.fetchone()[0] + 1
    return list(range(first, first + n))


def bulk_insert(model, rows: list[dict]) -> None:
    """Insert ``rows`` (field attname → value) in batches.

    Missing fields get the field's default, ``auto_now`` fields the current time. An automatic primary key
    is reserved first and written back into each row (``row["id"]``), as ``bulk_create`` sets ``pk``.
    """
    if not rows:
        return
    conn = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.generated]  # the database computes generated columns
    if isinstance(meta.pk, models.AutoField | models.BigAutoField):
        for row, pk in zip(rows, reserve_ids(model, len(rows)), strict=True):
            row[meta.pk.attname] = pk
    now = timezone.now()
    plan = []
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            default = _const(now)
        elif f.has_default() and callable(f.default):
            default = f.default
        else:
            default = _const(f.get_default())
        convert = None if f.get_internal_type() in _PASSTHROUGH else f.get_db_prep_save
        plan.append((f.attname, default, convert))
    qn = conn.ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)

    def values(chunk):
        for row in chunk:
            out = []
            for attname, default, convert in plan:
                v = row[attname] if attname in row else default()
                out.append(v if convert is None or v is None else convert(v, conn))
            yield out

    if conn.vendor == "postgresql":
        conn.ensure_connection()
        with conn.connection.cursor() as cur, cur.copy(f"COPY {qn(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for out in values(rows):
                copy.write_row(out)
        return
    sql = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    with conn.cursor() as cur:
        for i in range(0, len(rows), BATCH):
            cur.executemany(sql, list(values(rows[i:i + BATCH])))
