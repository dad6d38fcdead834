"""Inside ``run_once`` a service's write block (``step()``) takes no savepoint of its own; a refusal raised in it
rolls back everything the step wrote, and is answered from a fresh transaction: the key is claimed with the
refusal, and what the refusing service recorded goes on record with it. Outside ``run_once`` a step is a plain
``transaction.atomic()`` (nested: with its savepoint)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bitrade.audit import services as audit
from bitrade.audit.models import AuditEvent
from bitrade.common.actor import SYSTEM_ACTOR
from bitrade.common.errors import DomainError
from bitrade.idempotency.models import IdempotentResponse
from bitrade.idempotency.services import run_once, step

pytestmark = pytest.mark.django_db


class _Actor:
    organisation_id = 7


class Refused(DomainError):
    status = 409


def _refusing_step(calls: list):
    def fn():
        calls.append(1)
        try:
            with step():
                IdempotentResponse.objects.create(scope="test", key=f"written-{len(calls)}", endpoint="x",
                                                  body_hash="h", response={})
                audit.record(SYSTEM_ACTOR, "test.step", object_type="test", object_id="1")
                raise Refused("Inte tillåtet nu.", field="state")
        except Refused as exc:
            audit.record(SYSTEM_ACTOR, "test.step", object_type="test", object_id="1", result="refused",
                         reason=exc.message)
            raise
    return fn


def test_a_refusal_after_a_write_rolls_the_write_back_and_keeps_the_refusal_on_record():
    calls: list = []
    status, body = run_once(_Actor(), "key-r", "/api/v1/z", {"a": 1}, _refusing_step(calls))
    assert status == 409 and body["detail"] == "Inte tillåtet nu." and body["errors"][0]["field"] == "state"
    assert not IdempotentResponse.objects.filter(scope="test").exists()  # the step's write is rolled back
    assert list(AuditEvent.objects.filter(action="test.step").values_list("result", flat=True)) == ["refused"]
    stored = IdempotentResponse.objects.get(scope="org:7", key="key-r")
    assert (stored.status, stored.response) == (409, body)
    # A retry replays the stored refusal without calling the step again.
    assert run_once(_Actor(), "key-r", "/api/v1/z", {"a": 1}, _refusing_step(calls)) == (409, body)
    assert calls == [1]
    assert AuditEvent.objects.filter(action="test.step").count() == 1


def test_a_step_inside_run_once_takes_no_savepoint_and_outside_it_keeps_one():
    def fn():
        with step():
            audit.record(SYSTEM_ACTOR, "test.ok", object_type="test", object_id="2")
        return 200, {"ok": True}

    with CaptureQueriesContext(connection) as ctx:
        assert run_once(_Actor(), "key-s", "/api/v1/z", {}, fn) == (200, {"ok": True})
    savepoints = [q for q in ctx.captured_queries if q["sql"].upper().startswith("SAVEPOINT")]
    # Only run_once's own block is a savepoint here (the test runs inside a transaction); the step adds none.
    assert len(savepoints) == 1, [q["sql"] for q in ctx.captured_queries]

    with CaptureQueriesContext(connection) as ctx, step():
        audit.record(SYSTEM_ACTOR, "test.ok", object_type="test", object_id="3")
    assert [q for q in ctx.captured_queries if q["sql"].upper().startswith("SAVEPOINT")]


def test_a_server_error_in_a_step_rolls_back_the_claim_too():
    def fn():
        with step():
            audit.record(SYSTEM_ACTOR, "test.boom", object_type="test", object_id="4")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        run_once(_Actor(), "key-e", "/api/v1/z", {}, fn)
    assert not IdempotentResponse.objects.filter(key="key-e").exists()
    assert not AuditEvent.objects.filter(action="test.boom").exists()
