"""The inbox's change stamps do not make writers of one unit queue (``cases.stamps``): on PostgreSQL two
transactions that insert cases into the same unit and region both proceed while the other is still open
(each bumps its own slot of the unit's and the region's key), and the stamp -- the sum over the slots --
still changes with every committed change and only then."""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.utils import timezone

from bitrade.cases import stamps
from bitrade.cases.models import Case, ScopeStamp
from bitrade.organisation.models import Unit


def _case(unit: Unit, n: int) -> Case:
    return Case.objects.create(kind="assistance", reference_number=f"HR-SLOTTEST-{n:05d}", case_code="614",
                               state="received", received_at=timezone.now(), region=unit.region, unit=unit,
                               routing_reasons=[])


def _keys(unit: Unit) -> list[str]:
    return [f"u:{unit.pk}", f"r:{unit.region_id}:assistance"]


@pytest.mark.django_db(transaction=True)
def test_two_writers_of_one_unit_do_not_wait_for_each_other(demo_tx):
    unit = Unit.objects.get(name="Handräckningsgrupp Malmö")
    keys = _keys(unit)
    before = stamps.versions(keys)
    if connection.vendor != "postgresql":  # one writer at a time: the stamp counts each commit
        _case(unit, 1)
        _case(unit, 2)
        assert stamps.versions(keys) == {k: before[k] + 2 for k in keys}
        return
    first_open = threading.Event()
    second_done = threading.Event()
    seen: dict = {}

    def first_writer() -> None:
        """Inserts a case and keeps its transaction open until the second writer is through."""
        try:
            with transaction.atomic():
                _case(unit, 1)
                with connection.cursor() as cur:
                    cur.execute("SELECT txid_current() %% %s", [stamps.SLOTS])
                    seen["first_slot"] = cur.fetchone()[0]
                first_open.set()
                seen["second_finished_meanwhile"] = second_done.wait(30)
        finally:
            first_open.set()
            connections.close_all()

    t = threading.Thread(target=first_writer)
    t.start()
    try:
        assert first_open.wait(30)
        with connection.cursor() as cur:
            cur.execute("SET lock_timeout = '3s'")
        for attempt in range(3):  # a transaction whose id falls on the first's slot tries again with the next
            try:
                with transaction.atomic():
                    with connection.cursor() as cur:
                        cur.execute("SELECT txid_current() %% %s", [stamps.SLOTS])
                        slot = cur.fetchone()[0]
                    if slot == seen["first_slot"]:
                        raise _SameSlot
                    _case(unit, 2 + attempt)
                    # The first writer's case is not committed: it is not in the stamp yet.
                    assert stamps.versions(keys) == {k: before[k] + 1 for k in keys}
                break
            except _SameSlot:
                continue
        else:
            pytest.fail("no free slot")
    except OperationalError as exc:  # lock_timeout: the second writer waited for the first
        seen["error"] = str(exc)
    finally:
        second_done.set()
        t.join(30)
        with connection.cursor() as cur:
            cur.execute("RESET lock_timeout")
    assert "error" not in seen, seen["error"]
    assert seen["second_finished_meanwhile"] is True
    # Both committed: each changed each key's stamp once.
    assert stamps.versions(keys) == {k: before[k] + 2 for k in keys}
    assert ScopeStamp.objects.filter(scope__in=[r for k in keys for r in stamps.rows_of(k)]).count() >= 2


class _SameSlot(Exception):
    pass


@pytest.mark.django_db
def test_the_stamp_is_the_sum_of_its_rows_and_only_grows(demo):
    """The bare key (from before the slots; SQLite's only row) and every slot count; a key without rows is 0."""
    unit = Unit.objects.get(name="Handräckningsgrupp Malmö")
    key = f"u:{unit.pk}"
    base = stamps.versions([key])[key]
    rows = stamps.rows_of(key, connection.vendor)
    for i, row in enumerate(rows):
        obj, _ = ScopeStamp.objects.get_or_create(scope=row)
        ScopeStamp.objects.filter(pk=obj.pk).update(version=obj.version + i + 1)
    assert stamps.versions([key])[key] == base + sum(range(1, len(rows) + 1))
    assert stamps.versions(["u:0"]) == {"u:0": 0}
    _case(unit, 1)
    after = stamps.versions([key])[key]
    assert after == base + sum(range(1, len(rows) + 1)) + 1
    assert stamps.read([key, "u:0"]) == f"{key}={after},u:0=0"
