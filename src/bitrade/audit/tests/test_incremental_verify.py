"""The audit page verifies from where it got to last time: the cost is what was added since, and
tampering with what was added is still found."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache

from bitrade.audit import checkpoint_file, selectors, services
from bitrade.audit.models import AuditEvent

from .helpers import events as _events
from .helpers import tamper

pytestmark = pytest.mark.django_db

URL = "/granskning/"


@pytest.fixture(autouse=True)
def _fresh_position():
    cache.delete(selectors.VERIFIED_KEY)
    yield
    cache.delete(selectors.VERIFIED_KEY)


def _seal(n, batch_size=2):
    evs = _events(n)
    services.seal_pending(batch_size=batch_size)
    return list(AuditEvent.objects.filter(seq__in=[e.seq for e in evs]).order_by("position"))


@pytest.fixture
def no_full_check(monkeypatch):
    """Proves a report came from the incremental path: the full check is not available."""
    def refuse():
        raise AssertionError("the whole chain was verified again")
    monkeypatch.setattr(selectors, "verify", refuse)


def test_a_view_resumes_after_the_last_verified_checkpoint_and_reads_only_new_events(no_full_check, monkeypatch):
    before = _seal(4)
    monkeypatch.undo()  # the first view verifies everything
    first = selectors.verify_since_verified()
    assert first.ok and first.checked == before[-1].position
    assert cache.get(selectors.VERIFIED_KEY)
    monkeypatch.setattr(selectors, "verify", lambda: (_ for _ in ()).throw(AssertionError("full check")))
    added = _seal(3)
    read = []
    real = selectors.verify_log
    monkeypatch.setattr(selectors, "verify_log", lambda rows, *a, **k: real(read.extend(rows) or read, *a, **k))
    report = selectors.verify_since_verified()
    assert report.ok, report.findings
    assert [r["seq"] for r in read] == [e.seq for e in added]  # only what came after the remembered position
    assert report.checked == added[-1].position and report.checkpoints == len(checkpoint_file.read())


def test_a_changed_event_after_the_remembered_position_is_found(no_full_check, monkeypatch):
    _seal(4)
    monkeypatch.undo()
    assert selectors.verify_since_verified().ok
    added = _seal(4)
    monkeypatch.setattr(selectors, "verify", lambda: (_ for _ in ()).throw(AssertionError("full check")))
    tamper("UPDATE audit_auditevent SET reason = %s WHERE seq = %s", ["ändrad i efterhand", added[2].seq])
    report = selectors.verify_since_verified()
    assert not report.ok and report.first_bad_seq == added[2].seq and "ändrats" in report.problem
    assert not selectors.verify_since_verified().ok  # a bad report does not move the position on


def test_a_removed_tail_after_the_remembered_position_is_found():
    _seal(4)
    assert selectors.verify_since_verified().ok
    added = _seal(4)
    tamper("DELETE FROM audit_auditevent WHERE seq >= %s", [added[1].seq])
    report = selectors.verify_since_verified()
    assert not report.ok and "truncated" in {f.kind for f in report.findings}


def test_a_forged_checkpoint_after_the_remembered_position_is_found():
    _seal(4)
    assert selectors.verify_since_verified().ok
    _seal(2)
    path = checkpoint_file.path()
    lines = path.read_text().splitlines()
    last = json.loads(lines[-1])
    body = json.loads(last["body"])
    body["root"] = "f" * 64
    lines[-1] = json.dumps({"body": json.dumps(body, sort_keys=True, separators=(",", ":")), "sig": last["sig"]})
    path.write_text("\n".join(lines) + "\n")
    report = selectors.verify_since_verified()
    assert not report.ok and "checkpoint_forged" in {f.kind for f in report.findings}


def test_a_change_to_the_remembered_checkpoints_head_event_means_a_full_check():
    evs = _seal(4)
    assert selectors.verify_since_verified().ok
    tamper("UPDATE audit_auditevent SET reason = %s WHERE seq = %s", ["ändrad", evs[-1].seq])
    report = selectors.verify_since_verified()
    assert not report.ok and report.first_bad_seq == evs[-1].seq


def test_the_audit_page_finds_a_change_made_after_its_last_view(demo, login_client):
    admin = login_client("admin")
    _seal(3)
    assert "Kedjan är obruten" in admin.get(URL).content.decode()
    assert cache.get(selectors.VERIFIED_KEY)
    added = _seal(3)
    tamper("UPDATE audit_auditevent SET reason = %s WHERE seq = %s", ["x", added[1].seq])
    assert f"Kedjan är bruten vid händelse #{added[1].seq}" in admin.get(URL).content.decode()
