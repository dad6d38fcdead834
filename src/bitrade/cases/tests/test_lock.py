"""Locking a case for a step locks the case's row only, not the rows of its unit and region: every new case of
that unit and region refers to them, and PostgreSQL takes a key-share lock on a referenced row when a case is
inserted. With FOR UPDATE on them, intake in a region queued behind every step taken in that region, and the
two deadlocked (one holding the region's row and waiting for the unit's, the other the other way round)."""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.utils import timezone

from bitrade.cases import services
from bitrade.cases.models import Case
from bitrade.organisation.models import PoliceRegion, Unit


def _case(unit: Unit) -> Case:
    return Case.objects.create(kind="assistance", reference_number="HR-LOCKTEST-00001", case_code="614",
                               state="received", received_at=timezone.now(), region=unit.region, unit=unit,
                               routing_reasons=[])


@pytest.mark.django_db(transaction=True)
def test_locking_a_case_leaves_its_unit_and_region_free(demo_tx):
    unit = Unit.objects.get(name="Handräckningsgrupp Malmö")
    case = _case(unit)
    seen: dict = {}

    def another_writer() -> None:
        """What inserting a case of the same unit and region does to their rows (PostgreSQL)."""
        try:
            with transaction.atomic(), connection.cursor() as cur:
                for table, pk in ((Unit._meta.db_table, unit.pk), (PoliceRegion._meta.db_table, unit.region_id)):
                    cur.execute(f"SELECT id FROM {table} WHERE id = %s FOR KEY SHARE NOWAIT", [pk])  # noqa: S608
                    seen[table] = cur.fetchone()[0] == pk
        except OperationalError as exc:  # the row is locked
            seen["error"] = str(exc)
        finally:
            connections.close_all()

    with transaction.atomic():
        locked = services.lock(case)
        assert (locked.pk, locked.unit.name, locked.region_id) == (case.pk, unit.name, unit.region_id)
        if connection.vendor == "postgresql":
            t = threading.Thread(target=another_writer)
            t.start()
            t.join(30)
    if connection.vendor == "postgresql":
        assert seen == {Unit._meta.db_table: True, PoliceRegion._meta.db_table: True}
