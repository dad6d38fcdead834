"""A new case takes the next reference number of its region and year; on PostgreSQL the number is drawn in the
case's own INSERT (one statement, no separate draw), and the row it stores is the row the model reads back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bitrade.cases import services
from bitrade.cases.models import Case, ReferenceCounter
from bitrade.cases.references import next_reference
from bitrade.common.actor import SYSTEM_ACTOR
from bitrade.organisation.models import Unit

pytestmark = pytest.mark.django_db


def _open(unit, now, **fields):
    return services.open_case(SYSTEM_ACTOR, "assistance", region=unit.region, unit=unit, state="received",
                              now=now, **fields)


def _number(ref: str) -> int:
    return int(ref.rsplit("-", 1)[1])


def test_a_case_takes_the_next_number_of_its_region_and_year(demo):
    unit = Unit.objects.get(name="Handräckningsgrupp Malmö")
    now = datetime(2035, 4, 1, 12, tzinfo=UTC)
    drawn = next_reference(unit.region, now)
    with CaptureQueriesContext(connection) as ctx:
        case = _open(unit, now, priority=2, routing_reasons=["Skäl ett"], routing_rule_name="Regel")
    assert case.reference_number == f"HR-{unit.region.code.upper()}-2035-{_number(drawn) + 1:05d}"
    assert _number(next_reference(unit.region, now)) == _number(drawn) + 2
    stored = Case.objects.get(pk=case.pk)
    for field in Case._meta.concrete_fields:
        assert getattr(case, field.attname) == getattr(stored, field.attname), field.name
    assert stored.events.get().action == "received"
    if connection.vendor == "postgresql":
        inserts = [q["sql"] for q in ctx.captured_queries if "cases_case\"" in q["sql"] or "cases_case " in q["sql"]]
        assert len(inserts) == 1 and "cases_next_references" in inserts[0], inserts
        assert not any(q["sql"].lstrip().upper().startswith("SELECT") for q in ctx.captured_queries)


def test_numbers_past_five_digits_keep_every_digit(demo):
    unit = Unit.objects.get(name="Handräckningsgrupp Malmö")
    ReferenceCounter.objects.create(region=unit.region, year=2036, last=99_998)
    now = datetime(2036, 2, 1, 12, tzinfo=UTC)
    assert [_number(_open(unit, now).reference_number) for _ in range(2)] == [99_999, 100_000]
    assert Case.objects.filter(reference_number=f"HR-{unit.region.code.upper()}-2036-100000").exists()
