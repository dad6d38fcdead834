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


def test_a_draw_is_one_statement_and_survives_a_rolled_back_sequence(demo):
    """PostgreSQL: the first draw of a year creates the sequence in the same statement (no savepoint); when the
    transaction that created it rolls back, the next draw creates it again from the start."""
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    region = PoliceRegion.objects.order_by("pk").first()
    now = datetime(2034, 2, 1, 12, tzinfo=UTC)

    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            with CaptureQueriesContext(connection) as ctx:
                first = next_reference(region, now)
            assert _number(first) == 1
            if connection.vendor == "postgresql":
                assert len(ctx.captured_queries) == 1
                assert "SAVEPOINT" not in ctx.captured_queries[0]["sql"].upper()
            raise Undo
    except Undo:
        pass
    with CaptureQueriesContext(connection) as ctx:
        again = next_reference(region, now)
    assert _number(again) == 1
    assert _number(next_reference(region, now)) == 2
    if connection.vendor == "postgresql":
        assert len(ctx.captured_queries) == 1


@pytest.mark.django_db(transaction=True)
def test_two_first_draws_at_once_both_get_a_number(demo_tx):
    """PostgreSQL: two transactions draw the first number of a new year at the same time; the one whose
    CREATE SEQUENCE meets the other's waits for it and then draws from it (no error, distinct numbers)."""
    import threading

    from django.db import connections, transaction

    region = PoliceRegion.objects.order_by("pk").first()
    now = datetime(2035, 2, 1, 12, tzinfo=UTC)
    got: dict = {}
    first_drew = threading.Event()

    def second() -> None:
        try:
            first_drew.wait(30)
            got["second"] = next_reference(region, now)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            got["error"] = repr(exc)
        finally:
            connections.close_all()

    t = threading.Thread(target=second)
    t.start()
    with transaction.atomic():
        got["first"] = next_reference(region, now)
        first_drew.set()
        if connection.vendor == "postgresql":
            t.join(1)  # the second waits for this transaction's new sequence
            assert t.is_alive()
    t.join(30)
    assert "error" not in got, got.get("error")
    assert sorted(_number(got[k]) for k in ("first", "second")) == [1, 2]
