"""Several processes at once: concurrent writers produce one valid chain, and a sealer killed with
SIGKILL at any moment restarts without holes and without sealing anything twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.db.models import Count, Max, Min

from bitrade.audit import services
from bitrade.audit.models import AuditCheckpoint, AuditEvent
from bitrade.audit.selectors import verify

pytestmark = pytest.mark.django_db(transaction=True)

SRC = Path(__file__).resolve().parents[3]

WRITER = """
import sys
import django
django.setup()
from django.db import transaction
from bitrade.audit import services

class Writer:
    def audit_fields(self):
        return {"actor_kind": "system", "actor_label": "skrivare " + sys.argv[2], "actor_person_id": None,
                "actor_unit_id": None, "actor_organisation_id": None, "actor_api_key_id": None}

for i in range(int(sys.argv[1])):
    with transaction.atomic():
        services.record(Writer(), "test.concurrent", object_type="test", object_id=f"{sys.argv[2]}-{i}",
                        new={"i": i})
"""


def _env(checkpoint_dir) -> dict:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    else:
        url = f"sqlite:///{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(SRC), "BITRADE_ENV": "test",
            "DJANGO_SETTINGS_MODULE": "bitrade.config.test_settings", "BITRADE_VAR_DIR": str(django_settings.VAR_DIR),
            "BITRADE_AUDIT_CHECKPOINT_DIR": str(checkpoint_dir), "BITRADE_AUDIT_SEAL_BATCH": "13"}


def _writers(env, n_procs: int, per_proc: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", WRITER, str(per_proc), f"w{i}"], env=env)
            for i in range(n_procs)]


def _sealer(env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bitrade.config.cli", "audit", "seal", "--follow",
                             "--interval", "0.02"], env=env, stdout=subprocess.DEVNULL)


def _assert_one_dense_chain(expected_writes: int) -> None:
    services.seal_pending()
    stats = AuditEvent.objects.aggregate(n=Count("seq"), sealed=Count("position"), lo=Min("position"),
                                         hi=Max("position"))
    assert stats["n"] == stats["sealed"] == stats["hi"] and stats["lo"] == 1  # positions 1..n, no hole
    assert AuditEvent.objects.filter(action="test.concurrent").count() == expected_writes
    numbers = list(AuditCheckpoint.objects.order_by("number").values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    report = verify()
    assert report.ok, report.findings
    assert report.checked == stats["n"] and report.unsealed == 0


def test_concurrent_writers_from_several_processes_make_one_valid_chain(settings):
    env = _env(settings.BITRADE_AUDIT_CHECKPOINT_DIR)
    sealer = _sealer(env)
    writers = _writers(env, 4, 60)
    try:
        assert [w.wait(timeout=180) for w in writers] == [0, 0, 0, 0]
    finally:
        sealer.send_signal(signal.SIGTERM)
        sealer.wait(timeout=30)
    _assert_one_dense_chain(240)


def test_a_sealer_killed_with_sigkill_restarts_without_holes_or_double_sealing(settings):
    env = _env(settings.BITRADE_AUDIT_CHECKPOINT_DIR)
    writers = _writers(env, 3, 80)
    kills = 0
    try:
        while any(w.poll() is None for w in writers) or kills < 3:
            before = AuditCheckpoint.objects.count()
            sealer = _sealer(env)
            deadline = time.monotonic() + 60
            while AuditCheckpoint.objects.count() == before and time.monotonic() < deadline:
                time.sleep(0.02)  # kill it once it is sealing, in the middle of a batch or a file write
            time.sleep(0.05 * (kills % 3))
            os.kill(sealer.pid, signal.SIGKILL)
            sealer.wait(timeout=30)
            kills += 1
    finally:
        for w in writers:
            w.wait(timeout=180)
    assert [w.returncode for w in writers] == [0, 0, 0]
    assert AuditCheckpoint.objects.count() >= kills  # each killed sealer had sealed part of the log
    _assert_one_dense_chain(240)
