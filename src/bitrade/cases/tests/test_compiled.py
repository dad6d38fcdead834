"""The hot reads and writes of a case action with SQL built once (``common.compiled``) do exactly what the ORM
does: the same statement and parameters, the same instances with their related rows, the same rows written."""

from __future__ import annotations

from uuid import UUID

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bitrade.cases import presenters, selectors, services
from bitrade.cases.models import Case, CaseEvent
from bitrade.common.actor import SYSTEM_ACTOR
from bitrade.common.compiled import CompiledRead, forget_all, insert, save_fields
from bitrade.organisation.models import Unit

pytestmark = pytest.mark.django_db


def _case(unit: Unit, n: int = 1) -> Case:
    return Case.objects.create(kind="assistance", reference_number=f"HR-COMPILED-{n:05d}", case_code="614",
                               state="received", received_at=timezone.now(), region=unit.region, unit=unit,
                               routing_reasons=[])


def test_a_compiled_read_runs_the_statement_django_compiles_with_the_call_s_values(demo):
    unit = Unit.objects.get(name="Handräckningsgrupp Malmö")
    cases = [_case(unit, n) for n in (1, 2)]
    read = CompiledRead("test.case", lambda public_id, unit_id: Case.objects.select_related("unit", "region")
                        .filter(public_id=public_id, unit_id=unit_id)[:1],
                        (Case._meta.get_field("public_id"), Case._meta.get_field("unit")), (UUID(int=7), -7))
    forget_all()
    for case in cases * 2:  # compiled at the first call, reused by the others
        with CaptureQueriesContext(connection) as ours:
            found = read.first(case.public_id, unit.pk)
        with CaptureQueriesContext(connection) as theirs:
            expected = Case.objects.select_related("unit", "region").filter(public_id=case.public_id,
                                                                             unit_id=unit.pk)[:1].get()
        assert [q["sql"] for q in ours.captured_queries] == [q["sql"] for q in theirs.captured_queries]
        assert found == expected and found.unit.name == unit.name and found.region_id == unit.region_id
        assert "unit" in found._state.fields_cache and found.received_at == expected.received_at
    assert read.first(cases[0].public_id, -1) is None


def test_a_step_s_lookup_lock_and_timeline_match_the_orm(demo):
    unit = Unit.objects.get(name="Handräckningsgrupp Malmö")
    case = _case(unit)
    services.event(case, SYSTEM_ACTOR, "received", "Mottaget.")
    with transaction.atomic():
        locked = services.lock(case)
        again = services.lock(case)
    assert locked == again == case and locked.unit.name == unit.name
    actor = type("A", (), {"is_police": True, "unit_id": unit.pk})()
    assert selectors.find_case(actor, case.public_id, kind_related=False) == case
    assert [e.pk for e in presenters.timeline(case)] == list(case.events.values_list("pk", flat=True))
    with transaction.atomic(), pytest.raises(Case.DoesNotExist):
        services.lock(Case(pk=-5, kind="assistance"))


def test_compiled_writes_write_what_save_writes(demo):
    unit = Unit.objects.get(name="Handräckningsgrupp Malmö")
    case = _case(unit)
    before = case.updated_at
    case.state = "acknowledged"
    save_fields(case, ["state", "updated_at"])
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.state == "acknowledged" and fresh.updated_at == case.updated_at > before
    event = insert(CaseEvent(case=case, at=timezone.now(), action="x", actor_label="Någon", text="T", data={"a": 1}))
    assert event.pk and CaseEvent.objects.get(pk=event.pk).data == {"a": 1}
    gone = Case(pk=-5, kind="assistance", state="x")
    gone._state.adding = False
    with pytest.raises(DatabaseError):
        save_fields(gone, ["state"])
