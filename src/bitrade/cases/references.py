"""Reference numbers (HR-<REGION>-<YEAR>-<NNNNN>) without one hot row per region.

PostgreSQL: one sequence per region and year, created on first use (CREATE SEQUENCE IF NOT EXISTS, started
after the region's old counter row if there is one) by the database function ``PG_FUNCTION`` (migration
cases/0008), so a draw is one statement: no savepoint around a first ``nextval`` that may fail, and a
sequence rolled back with the transaction that created it (a test's, say) is simply created again by the
next draw. nextval() takes no row lock and is not rolled back:
a request whose transaction rolls back leaves a gap in the numbers; numbers are unique and increasing,
not gap-free. SQLite has a single writer anyway: the counter row (ReferenceCounter) is kept there.

A batch takes many numbers in one step (``next_references``): on PostgreSQL one statement draws ``count``
values from the sequence (a concurrent batch may draw in between, so a batch's numbers are unique and
increasing but not necessarily consecutive); on SQLite the counter row moves by ``count`` at once.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.utils import timezone

from .models import ReferenceCounter


def _sequence_name(region_id: int, year: int) -> str:
    return f"cases_reference_r{int(region_id)}_y{int(year)}"


PG_FUNCTION_NAME = "cases_next_references"

# seq: the sequence's name (``_sequence_name``); region, yr: where an old counter row may say where to start;
# n: how many numbers. The exception block (a subtransaction) is entered only when the sequence is missing.
PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {PG_FUNCTION_NAME}(seq text, region integer, yr integer, n integer)
RETURNS SETOF bigint LANGUAGE plpgsql AS $$
BEGIN
  IF to_regclass(seq) IS NULL THEN
    BEGIN
      EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I START WITH %s', seq,
        COALESCE((SELECT c.last FROM {ReferenceCounter._meta.db_table} c
                  WHERE c.region_id = region AND c.year = yr), 0) + 1);
    EXCEPTION WHEN unique_violation OR duplicate_table OR duplicate_object THEN
      NULL;  -- created by a concurrent transaction meanwhile
    END;
  END IF;
  RETURN QUERY SELECT nextval(seq::regclass) FROM generate_series(1, n);
END $$
"""

_DRAW = f"SELECT * FROM {PG_FUNCTION_NAME}(%s, %s, %s, %s)"


def _pg_next(region, year: int, count: int = 1) -> list[int]:
    with connection.cursor() as cur:
        cur.execute(_DRAW, [_sequence_name(region.pk, year), region.pk, year, count])
        return sorted(row[0] for row in cur.fetchall())


_BUMP = f"UPDATE {ReferenceCounter._meta.db_table} SET last = last + %s WHERE region_id = %s AND year = %s RETURNING last"


def _counter_next(region, year: int, count: int = 1) -> list[int]:
    """SQLite (one writer at a time): the counter row moved by ``count`` in one statement, created on the
    region's first case of the year."""
    with connection.cursor() as cur:
        cur.execute(_BUMP, [count, region.pk, year])
        row = cur.fetchone()
    if row is None:
        counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(region=region, year=year)
        ReferenceCounter.objects.filter(pk=counter.pk).update(last=counter.last + count)
        last = counter.last + count
    else:
        last = row[0]
    return list(range(last - count + 1, last + 1))


def _format(prefix: str, region, year: int, number: int) -> str:
    return f"{prefix}-{region.code.upper()}-{year}-{number:05d}"


def next_reference(region, now: datetime, prefix: str = "HR") -> str:
    return next_references(region, now, 1, prefix)[0]


def next_references(region, now: datetime, count: int, prefix: str = "HR") -> list[str]:
    """``count`` new reference numbers of the region and year, increasing, taken in one step."""
    if count < 1:
        return []
    year = timezone.localtime(now).year
    draw = _pg_next if connection.vendor == "postgresql" else _counter_next
    return [_format(prefix, region, year, n) for n in draw(region, year, count)]
