"""Reference numbers: unique and increasing per region and year, on PostgreSQL without a locked row."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from bitrade.cases.models import ReferenceCounter
from bitrade.cases.references import next_reference
from bitrade.organisation.models import PoliceRegion

pytestmark = pytest.mark.django_db


def _number(ref: str) -> int:
    return int(ref.rsplit("-", 1)[1])


def test_numbers_increase_per_region_and_year(demo):
    a, b = PoliceRegion.objects.order_by("pk")[:2]
    now = datetime(2031, 3, 1, 12, tzinfo=UTC)
    refs = [next_reference(a, now) for _ in range(3)]
    assert [_number(r) for r in refs] == [_number(refs[0]) + i for i in range(3)]
    assert refs[0].startswith(f"HR-{a.code.upper()}-2031-")
    assert _number(next_reference(b, now)) == 1
    assert _number(next_reference(a, datetime(2032, 3, 1, 12, tzinfo=UTC))) == 1
    assert next_reference(a, now, prefix="KF").startswith("KF-")


def test_postgresql_sequence_continues_after_the_old_counter(demo):
    region = PoliceRegion.objects.order_by("pk").first()
    ReferenceCounter.objects.create(region=region, year=2033, last=41)
    ref = next_reference(region, datetime(2033, 5, 1, 12, tzinfo=UTC))
    assert _number(ref) == 42
    if connection.vendor == "postgresql":
        assert ReferenceCounter.objects.get(region=region, year=2033).last == 41  # no row was touched
