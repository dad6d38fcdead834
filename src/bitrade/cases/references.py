"""Reference numbers (HR-<REGION>-<YEAR>-<NNNNN>) without one hot row per region.

PostgreSQL: one sequence per region and year, created on first use (CREATE SEQUENCE IF NOT EXISTS, started
after the region's old counter row if there is one). nextval() takes no row lock and is not rolled back:
a request whose transaction rolls back leaves a gap in the numbers; numbers are unique and increasing,
not gap-free. SQLite has a single writer anyway: the counter row (ReferenceCounter) is kept there.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.utils import timezone

from .models import ReferenceCounter


def _sequence_name(region_id: int, year: int) -> str:
    return f"cases_reference_r{int(region_id)}_y{int(year)}"


def _pg_next(region, year: int) -> int:
    name = _sequence_name(region.pk, year)
    with connection.cursor() as cur:
        try:
            with transaction.atomic():
                cur.execute("SELECT nextval(%s)", [name])
                return cur.fetchone()[0]
        except ProgrammingError:  # the sequence does not exist yet
            pass
        start = (ReferenceCounter.objects.filter(region=region, year=year).values_list("last", flat=True).first()
                 or 0) + 1
        try:
            with transaction.atomic():
                cur.execute(f"CREATE SEQUENCE IF NOT EXISTS {name} START WITH {int(start)}")
        except IntegrityError:  # created concurrently by another request
            pass
        cur.execute("SELECT nextval(%s)", [name])
        return cur.fetchone()[0]


def _counter_next(region, year: int) -> int:
    counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(region=region, year=year)
    ReferenceCounter.objects.filter(pk=counter.pk).update(last=counter.last + 1)
    return counter.last + 1


def next_reference(region, now: datetime, prefix: str = "HR") -> str:
    year = timezone.localtime(now).year
    number = _pg_next(region, year) if connection.vendor == "postgresql" else _counter_next(region, year)
    return f"{prefix}-{region.code.upper()}-{year}-{number:05d}"
