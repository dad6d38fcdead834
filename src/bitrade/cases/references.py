"""Reference numbers (HR-<REGION>-<YEAR>-<NNNNN>) without one hot row per region.

PostgreSQL: one sequence per region and year, created on first use (CREATE SEQUENCE IF NOT EXISTS, started
after the region's old counter row if there is one). nextval() takes no row lock and is not rolled back:
a request whose transaction rolls back leaves a gap in the numbers; numbers are unique and increasing,
not gap-free. SQLite has a single writer anyway: the counter row (ReferenceCounter) is kept there.

A batch takes many numbers in one step (``next_references``): on PostgreSQL one statement draws ``count``
values from the sequence (a concurrent batch may draw in between, so a batch's numbers are unique and
increasing but not necessarily consecutive); on SQLite the counter row moves by ``count`` at once.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.utils import timezone

from .models import ReferenceCounter


def _sequence_name(region_id: int, year: int) -> str:
    return f"cases_reference_r{int(region_id)}_y{int(year)}"


_DRAW = "SELECT nextval(%s) FROM generate_series(1, %s)"


def _pg_next(region, year: int, count: int = 1) -> list[int]:
    name = _sequence_name(region.pk, year)
    with connection.cursor() as cur:
        try:
            with transaction.atomic():
                cur.execute(_DRAW, [name, count])
                return sorted(row[0] for row in cur.fetchall())
        except ProgrammingError:  # the sequence does not exist yet
            pass
        start = (ReferenceCounter.objects.filter(region=region, year=year).values_list("last", flat=True).first()
                 or 0) + 1
        try:
            with transaction.atomic():
                cur.execute(f"CREATE SEQUENCE IF NOT EXISTS {name} START WITH {int(start)}")
        except IntegrityError:  # created concurrently by another request
            pass
        cur.execute(_DRAW, [name, count])
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
