"""Drill: `bitrade backup` of a running system, the database lost, `bitrade restore`; the audit trail
verifies after the restore and the restored system continues the chain without a gap. A restore older
than the checkpoint file is reported, not hidden."""

from __future__ import annotations

import time

from .common import bitrade, last_json, ok, python

STATE = """
from django.db.models import Count, Max, Min
from bitrade.audit.models import AuditEvent
from bitrade.audit.services import seal_pending
from bitrade.audit.selectors import verify
from bitrade.intake.models import AssistanceRequest
if len(sys.argv) > 2:
    submit(int(sys.argv[1]), sys.argv[2])
seal_pending()
s = AuditEvent.objects.aggregate(n=Count("seq"), sealed=Count("position"), lo=Min("position"), hi=Max("position"))
r = verify()
print(json.dumps({**s, "requests": AssistanceRequest.objects.count(), "ok": r.ok, "checked": r.checked,
                  "findings": [f.message for f in r.findings]}))
"""


def test_backup_restore_and_the_chain_continues(tmp_path, site):
    started = time.monotonic()
    env = site
    before = last_json(ok(python(env, STATE, "4", "före")))
    assert before["ok"] and before["requests"] == 4
    backup = tmp_path / "backups" / "bitrade.sqlite3"
    made = last_json(ok(bitrade(env, "backup", str(backup))))
    assert made["requests"] == 4 and made["sealed"] == made["audit_events"] >= before["n"]

    for suffix in ("", "-wal", "-shm"):  # the disaster: the database is gone
        (tmp_path / "site" / f"db.sqlite3{suffix}").unlink(missing_ok=True)
    restored = last_json(ok(bitrade(env, "restore", str(backup))))
    assert restored["audit_ok"] and restored["requests"] == 4
    assert last_json(ok(bitrade(env, "audit", "verify", "--json")))["ok"]

    after = last_json(ok(python(env, STATE, "3", "efter")))
    assert after["ok"], after["findings"]
    assert after["requests"] == 7
    # one dense chain: positions 1..n, the new events right after the restored ones
    assert after["lo"] == 1 and after["hi"] == after["n"] == after["sealed"] > made["audit_events"]
    print(f"\nDRILL backup: requests={made['requests']} events={made['audit_events']} restored_ok="
          f"{restored['audit_ok']} continued_to={after['hi']} seconds={time.monotonic() - started:.1f}")
    assert time.monotonic() - started < 60


def test_a_restore_older_than_the_checkpoints_reports_the_lost_events(tmp_path, site):
    env = site
    ok(python(env, STATE, "2", "a"))
    backup = tmp_path / "old.sqlite3"
    ok(bitrade(env, "backup", str(backup)))
    assert last_json(ok(python(env, STATE, "2", "b")))["ok"]  # sealed and checkpointed after the backup
    done = bitrade(env, "restore", str(backup))
    assert done.returncode == 1
    assert "stämmer inte" in done.stderr + done.stdout
