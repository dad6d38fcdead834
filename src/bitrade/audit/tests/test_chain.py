"""The audit trail: hash chain, tamper detection, append-only guards."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from bitrade.audit import services
from bitrade.audit.models import AppendOnlyError, AuditEvent
from bitrade.audit.rules import GENESIS_HASH, event_hash, verify_chain
from bitrade.audit.selectors import verify
from bitrade.common.actor import SYSTEM_ACTOR

pytestmark = pytest.mark.django_db


def _events(n=5):
    return [services.record(SYSTEM_ACTOR, "test.event", object_type="test", object_id=i, new={"i": i, "ö": "å"})
            for i in range(n)]


def test_chain_links_each_event_to_the_previous():
    events = _events(3)
    assert events[0].prev_hash in (GENESIS_HASH, AuditEvent.objects.filter(seq__lt=events[0].seq).last().hash)
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert verify().ok


def test_hash_survives_a_database_round_trip():
    e = _events(1)[0]
    stored = AuditEvent.objects.values().get(seq=e.seq)
    assert event_hash(stored["prev_hash"], stored) == stored["hash"]


def _tamper(sql, params):
    """Bypass the ORM guard and, on PostgreSQL, the trigger (as only a database owner could)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_no_update")
        cur.execute(sql, params)
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_no_update")


def test_verify_reports_the_first_tampered_event(capsys):
    events = _events(5)
    _tamper("UPDATE audit_auditevent SET reason = %s WHERE seq = %s", ["ändrad i efterhand", events[2].seq])
    report = verify()
    assert not report.ok
    assert report.first_bad_seq == events[2].seq
    assert "ändrats" in report.problem
    with pytest.raises(CommandError):
        call_command("audit", "verify")
    assert f"#{events[2].seq}" in capsys.readouterr().out


def test_verify_detects_a_deleted_event():
    events = _events(4)
    _tamper("DELETE FROM audit_auditevent WHERE seq = %s", [events[1].seq])
    report = verify()
    assert not report.ok and report.first_bad_seq == events[2].seq


def test_verify_detects_a_removed_tail():
    events = _events(3)
    _tamper("DELETE FROM audit_auditevent WHERE seq = %s", [events[-1].seq])
    report = verify()
    assert not report.ok and "saknas" in report.problem


def test_orm_refuses_update_and_delete():
    e = _events(1)[0]
    e.reason = "x"
    with pytest.raises(AppendOnlyError):
        e.save()
    with pytest.raises(AppendOnlyError):
        e.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(seq=e.seq).update(reason="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(seq=e.seq).delete()


def test_raw_update_is_refused_by_postgresql_and_caught_by_verify_on_sqlite():
    e = _events(1)[0]
    if connection.vendor == "postgresql":
        from django.db import DatabaseError

        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute("UPDATE audit_auditevent SET reason = 'x' WHERE seq = %s", [e.seq])
        assert verify().ok
    else:
        # SQLite has only the model guard: a raw write goes through, and verification catches it.
        with connection.cursor() as cur:
            cur.execute("UPDATE audit_auditevent SET reason = 'x' WHERE seq = %s", [e.seq])
        assert verify().first_bad_seq == e.seq


def test_pure_verify_on_handmade_chain():
    from datetime import UTC, datetime

    base = {"occurred_at": datetime(2026, 1, 1, tzinfo=UTC), "action": "a", "object_type": "t", "object_id": "1",
            "result": "ok", "reason": "", "old": None, "new": {"x": 1}, "request_id": "", "actor_kind": "system",
            "actor_label": "s", "actor_person_id": None, "actor_unit_id": None, "actor_organisation_id": None,
            "actor_api_key_id": None}
    h1 = event_hash(GENESIS_HASH, base)
    e1 = {**base, "seq": 1, "prev_hash": GENESIS_HASH, "hash": h1}
    e2 = {**base, "seq": 2, "action": "b", "prev_hash": h1}
    e2["hash"] = event_hash(h1, e2)
    assert verify_chain([e1, e2]).ok
    assert verify_chain([e1, {**e2, "new": {"x": 2}}]).first_bad_seq == 2
