"""The audit trail: lock-free append, sealing, signed checkpoints, tamper detection, append-only guards."""

from __future__ import annotations

import base64
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from bitrade.audit import checkpoint_file, guards, keys, services
from bitrade.audit.models import AppendOnlyError, AuditCheckpoint, AuditEvent
from bitrade.audit.rules import GENESIS_HASH, event_hash, verify_chain
from bitrade.audit.selectors import prove, verify

from .helpers import events as _events
from .helpers import tamper, triggers_off

pytestmark = pytest.mark.django_db


def _sealed(n=5, batch_size=None):
    evs = _events(n)
    services.seal_pending(batch_size=batch_size)
    return list(AuditEvent.objects.filter(seq__in=[e.seq for e in evs]).order_by("position"))


def _kinds(report):
    return {f.kind for f in report.findings}


def test_record_only_inserts_and_the_sealer_links_in_seq_order():
    evs = _events(3)
    assert all(e.hash is None and e.position is None for e in evs)
    assert services.seal_pending() >= 3
    sealed = list(AuditEvent.objects.filter(seq__in=[e.seq for e in evs]).order_by("seq"))
    assert [e.position for e in sealed] == list(range(sealed[0].position, sealed[0].position + 3))
    assert sealed[1].prev_hash == sealed[0].hash and sealed[2].prev_hash == sealed[1].hash
    assert services.seal_pending() == 0  # nothing sealed twice
    report = verify()
    assert report.ok, report.findings
    assert report.checkpoints >= 1 and report.unsealed == 0


def test_batches_get_one_checkpoint_each_in_the_file_and_the_database():
    _sealed(7, batch_size=3)
    cps = checkpoint_file.read()
    assert [cp.number for cp in cps] == list(range(1, len(cps) + 1))
    assert len(cps) >= 3
    assert [c.body for c in cps] == list(AuditCheckpoint.objects.order_by("number").values_list("body", flat=True))
    assert verify().ok


def test_hash_survives_a_database_round_trip():
    e = _sealed(1)[0]
    stored = AuditEvent.objects.values().get(seq=e.seq)
    assert event_hash(stored["prev_hash"], stored) == stored["hash"]


def test_unsealed_events_are_counted_not_judged():
    _sealed(2)
    _events(2)
    report = verify()
    assert report.ok and report.unsealed == 2


def test_verify_reports_a_changed_event(capsys):
    evs = _sealed(5)
    tamper("UPDATE audit_auditevent SET reason = %s WHERE seq = %s", ["ändrad i efterhand", evs[2].seq])
    report = verify()
    assert not report.ok
    assert report.first_bad_seq == evs[2].seq
    assert "ändrats" in report.problem and _kinds(report) == {"changed"}
    with pytest.raises(CommandError):
        call_command("audit", "verify")
    out = capsys.readouterr().out
    assert f"#{evs[2].seq}" in out and "MANIPULERAD" in out


def test_verify_detects_a_deleted_event():
    evs = _sealed(4)
    tamper("DELETE FROM audit_auditevent WHERE seq = %s", [evs[1].seq])
    report = verify()
    assert not report.ok and report.first_bad_seq == evs[2].seq
    assert "removed" in _kinds(report) and "raderats" in report.problem


def test_verify_detects_a_rewritten_tail_with_recomputed_hashes():
    evs = _sealed(6, batch_size=2)
    target = evs[3]
    rows = list(AuditEvent.objects.filter(position__gte=target.position).order_by("position").values())
    prev = target.prev_hash
    with triggers_off(), connection.cursor() as cur:
        for row in rows:
            if row["seq"] == target.seq:
                row["reason"] = "omskriven"
            row["hash"] = event_hash(prev, row)
            cur.execute("UPDATE audit_auditevent SET reason = %s, prev_hash = %s, hash = %s WHERE seq = %s",
                        [row["reason"], prev, row["hash"], row["seq"]])
            prev = row["hash"]
    report = verify()
    assert not report.ok
    assert _kinds(report) == {"rewritten"}, report.findings
    assert report.first_bad_seq == evs[2].seq  # the batch of two that holds the rewritten event starts there
    assert "skrivits om" in report.problem


def test_verify_detects_a_removed_tail():
    evs = _sealed(5)
    tamper("DELETE FROM audit_auditevent WHERE seq >= %s", [evs[3].seq])
    report = verify()
    assert not report.ok and "truncated" in _kinds(report)
    assert f"#{evs[-1].seq}" in report.problem or any(f"#{evs[-1].seq}" in f.message for f in report.findings)


def test_verify_detects_a_truncated_table_even_with_its_checkpoints_gone():
    _sealed(3)
    if connection.vendor == "postgresql":
        tamper("TRUNCATE audit_auditevent, audit_auditcheckpoint")
    else:
        tamper("DELETE FROM audit_auditevent")
        tamper("DELETE FROM audit_auditcheckpoint")
    report = verify()
    assert not report.ok
    assert "truncated" in _kinds(report) and "checkpoint_missing" in _kinds(report)
    assert any("tömd" in f.message for f in report.findings)


def test_verify_detects_a_forged_checkpoint_in_the_file():
    _sealed(3)
    path = checkpoint_file.path()
    line = json.loads(path.read_text().splitlines()[-1])
    body = json.loads(line["body"])
    body["root"] = "f" * 64
    forged = json.dumps(body, sort_keys=True, separators=(",", ":"))
    path.write_text(json.dumps({"body": forged, "sig": line["sig"]}) + "\n")
    report = verify()
    assert not report.ok and "checkpoint_forged" in _kinds(report)
    assert any("förfalskad" in f.message for f in report.findings)


def test_verify_detects_a_checkpoint_signed_with_an_unknown_key():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    _sealed(2)
    path = checkpoint_file.path()
    line = json.loads(path.read_text().splitlines()[-1])
    other = Ed25519PrivateKey.generate()
    body = json.loads(line["body"])
    body["key"] = keys.key_id(other.public_key())
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    sig = base64.b64encode(other.sign(text.encode())).decode()
    path.write_text(json.dumps({"body": text, "sig": sig}) + "\n")
    report = verify()
    assert not report.ok and any("okänd nyckel" in f.message for f in report.findings)


def test_verify_detects_a_missing_checkpoint():
    _sealed(6, batch_size=2)
    path = checkpoint_file.path()
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:1] + lines[2:]) + "\n")
    report = verify()
    assert not report.ok and "checkpoint_missing" in _kinds(report)
    assert any("saknas" in f.message for f in report.findings)


def test_rotated_key_old_checkpoints_verify_with_the_trusted_keys_file(tmp_path, monkeypatch, settings):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    _sealed(2)
    old_public = keys.signing_key().public_key()
    new_key = tmp_path / "new.pem"
    new_key.write_bytes(keys.private_pem(Ed25519PrivateKey.generate()))
    monkeypatch.setenv("BITRADE_AUDIT_SIGNING_KEY_FILE", str(new_key))
    _sealed(2)
    report = verify()
    assert not report.ok and any("okänd nyckel" in f.message for f in report.findings)
    trusted = tmp_path / "trusted.txt"
    trusted.write_text(keys.public_line(old_public) + "\n")
    settings.BITRADE_AUDIT_TRUSTED_KEYS_FILE = str(trusted)
    assert verify().ok


def test_a_checkpoint_committed_but_not_written_to_the_file_is_written_by_the_next_run():
    _sealed(3)
    path = checkpoint_file.path()
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:-1]) + ("\n" if len(lines) > 1 else ""))
    assert not verify().ok
    services.seal_pending()
    assert verify().ok


def test_prove_prints_a_verified_inclusion_proof(capsys):
    evs = _sealed(7)
    result = prove(evs[4].seq)
    assert result["verified"] and result["in_checkpoint_file"]
    call_command("audit", "prove", str(evs[4].seq))
    assert "Beviset stämmer." in capsys.readouterr().out
    _events(1)
    with pytest.raises(CommandError, match="inte förseglad"):
        call_command("audit", "prove", str(AuditEvent.objects.latest("seq").seq))


def test_orm_refuses_update_and_delete():
    e = _sealed(1)[0]
    e.reason = "x"
    with pytest.raises(AppendOnlyError):
        e.save()
    with pytest.raises(AppendOnlyError):
        e.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(seq=e.seq).update(reason="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(seq=e.seq).delete()


@pytest.fixture
def guards_on(monkeypatch):
    monkeypatch.setattr(guards, "ALLOW_TEST_FLUSH", False)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET bitrade.audit_allow_truncate = off")
        yield
        with connection.cursor() as cur:
            cur.execute("SET bitrade.audit_allow_truncate = on")
    else:
        yield


@pytest.mark.parametrize("sql", [
    "UPDATE audit_auditevent SET reason = 'x' WHERE seq = %s",
    "UPDATE audit_auditevent SET hash = NULL, prev_hash = NULL, position = NULL, sealed_at = NULL WHERE seq = %s",
    "DELETE FROM audit_auditevent WHERE seq = %s",
    "UPDATE audit_auditcheckpoint SET root = 'x' WHERE %s > 0",
    "DELETE FROM audit_auditcheckpoint WHERE %s > 0",
])
def test_the_database_refuses_raw_changes_on_both_engines(sql, guards_on):
    e = _sealed(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, [e.seq])
    assert verify().ok


def test_the_database_refuses_to_unsealed_event_changes_except_sealing(guards_on):
    e = _events(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE audit_auditevent SET reason = 'x', position = 999999, prev_hash = 'a', hash = 'b', "
                    "sealed_at = occurred_at WHERE seq = %s", [e.seq])
    services.seal_pending()
    assert verify().ok


def test_emptying_the_tables_is_refused(guards_on):
    """TRUNCATE on PostgreSQL; on SQLite the equivalent is an unqualified DELETE."""
    _sealed(1)
    verb = "TRUNCATE {} CASCADE" if connection.vendor == "postgresql" else "DELETE FROM {}"
    for table in ("audit_auditevent", "audit_auditcheckpoint"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(verb.format(table))
    assert verify().ok


def test_pure_verify_on_handmade_chain():
    from datetime import UTC, datetime

    base = {"occurred_at": datetime(2026, 1, 1, tzinfo=UTC), "action": "a", "object_type": "t", "object_id": "1",
            "result": "ok", "reason": "", "old": None, "new": {"x": 1}, "request_id": "", "actor_kind": "system",
            "actor_label": "s", "actor_person_id": None, "actor_unit_id": None, "actor_organisation_id": None,
            "actor_api_key_id": None}
    e1 = {**base, "seq": 1, "position": 1, "prev_hash": GENESIS_HASH}
    e1["hash"] = event_hash(GENESIS_HASH, e1)
    e2 = {**base, "seq": 2, "position": 2, "action": "b", "prev_hash": e1["hash"]}
    e2["hash"] = event_hash(e1["hash"], e2)
    assert verify_chain([e1, e2]).ok
    assert verify_chain([e1, {**e2, "new": {"x": 2}}]).first_bad_seq == 2
    assert verify_chain([e1, {**e2, "seq": 3}]).first_bad_seq == 3  # the number is part of the hash


def test_a_batch_built_on_a_chain_head_that_moved_is_not_written():
    """The sealer builds a batch (hashes, signature) before its write transaction; if the chain head is
    not the one it built on by the time it writes, it writes nothing and the next run seals afresh."""
    services.seal_pending()
    evs = _events(3)
    real = services._chain_head
    calls = []

    def moved():
        calls.append(1)
        head, cp = real()
        if len(calls) == 2:  # the check inside the write transaction
            return {"position": head["position"] + 1, "hash": "0" * 64}, cp
        return head, cp

    services._chain_head = moved
    try:
        assert services.seal_pending() == 0
    finally:
        services._chain_head = real
    assert AuditEvent.objects.filter(seq__in=[e.seq for e in evs], position__isnull=False).count() == 0
    assert services.seal_pending() >= 3
    assert verify().ok
