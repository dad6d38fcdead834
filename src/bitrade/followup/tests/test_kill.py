"""A worker killed (SIGKILL) in the middle of the follow-up's incremental refresh or of its full rebuild:
nothing is counted twice, nothing is lost, and the rebuild goes on where it stopped. Runs on SQLite and on
PostgreSQL (the child process works on the test database)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from bitrade.followup import duck, facts, metrics, rules
from bitrade.followup.models import ActivityFact, CaseFact, FactState

from . import factory

pytestmark = pytest.mark.django_db(transaction=True)

SRC = Path(__file__).resolve().parents[3]

#: The child: the follow-up's refresh or rebuild in batches of two cases, stopping (to be killed) inside
#: the batch given, after its rows were written and before its transaction commits.
CHILD = """
import sys, time
import django
django.setup()
from bitrade.followup import facts

calls = [0]
original = facts._build

def build(ids, seq=0):
    out = original(ids, seq)
    calls[0] += 1
    if calls[0] == int(sys.argv[2]):
        print("written", flush=True)
        time.sleep(60)
    return out

facts._build = build
facts.BATCH = 2
if sys.argv[1] == "refresh":
    facts.refresh()
else:
    facts.rebuild(batch=2)
"""


def _env() -> dict:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    else:
        url = f"sqlite:///{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(SRC), "BITRADE_ENV": "test",
            "DJANGO_SETTINGS_MODULE": "bitrade.config.test_settings", "BITRADE_VAR_DIR": str(django_settings.VAR_DIR)}


def _kill_inside(what: str, batch: int) -> None:
    connection.close()  # the child writes; SQLite allows one writer
    child = subprocess.Popen([sys.executable, "-c", CHILD, what, str(batch)], env=_env(), stdout=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout.readline().strip() == "written"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


def _facts() -> tuple[dict, list]:
    cases = {f.pop("case_id"): f for f in CaseFact.objects.values()}
    for f in cases.values():
        f.pop("seq")
    acts = sorted(ActivityFact.objects.values_list("kind", "source_id", "case_id", "seconds", "relay", "handovers"))
    return cases, acts


def _received(engine: str) -> int:
    ctx = metrics.Context(rules.parse_period("2024"), {}, "month", factory.at("2025-01-10 12:00"), {},
                          engine=engine)
    return metrics.count(ctx, ["received"])[()]["received"]


def test_incremental_refresh_killed_midway_rolls_back_and_counts_nothing_twice(demo_tx):
    from bitrade.cases.models import Case

    factory.build()
    facts.refresh(full=True)
    replica = duck.Replica()
    replica.ensure()
    seq = FactState.objects.get().seq
    ids = list(Case.objects.filter(kind="assistance").order_by("pk").values_list("pk", flat=True))
    Case.objects.filter(pk__in=ids).update(patrol_minutes=77, updated_at=timezone.now())

    _kill_inside("refresh", 2)  # two batches of the seven changed cases written, nothing committed
    state = FactState.objects.get()
    assert state.seq == seq and not CaseFact.objects.filter(patrol_minutes=77).exists()
    assert CaseFact.objects.count() == len(ids)

    done = facts.refresh()  # the next tick does the whole work again
    assert done.refreshed == len(ids) and FactState.objects.get().seq == seq + 1
    assert CaseFact.objects.filter(patrol_minutes=77).count() == len(ids)
    after = _facts()
    assert facts.rebuild().refreshed == 0  # what a full rebuild computes: nothing differs
    assert _facts() == after

    replica.ensure()
    assert replica.count(CaseFact) == CaseFact.objects.count() == len(ids)
    assert replica.count(ActivityFact) == ActivityFact.objects.count()
    assert _received(duck.DUCKDB) == _received(duck.ORM) == 5


def test_full_rebuild_killed_midway_goes_on_where_it_stopped(demo_tx):
    from bitrade.cases.models import Case

    factory.build()
    facts.refresh(full=True)
    expected = _facts()
    ids = list(Case.objects.filter(kind="assistance").order_by("pk").values_list("pk", flat=True))
    CaseFact.objects.update(patrol_minutes=1)  # facts that a rebuild must correct
    ActivityFact.objects.filter(kind="holding").update(seconds=1)

    _kill_inside("rebuild", 3)  # batches 1 and 2 committed (four cases), batch 3 written, not committed
    state = FactState.objects.get()
    assert state.rebuild_after == ids[3] and state.rebuild_started_at is not None
    corrected = set(CaseFact.objects.exclude(patrol_minutes=1).values_list("case_id", flat=True))
    assert corrected and corrected <= set(ids[:4])

    calls = []
    original = facts._build

    def build(batch_ids, seq=0):
        calls.append(list(batch_ids))
        return original(batch_ids, seq)

    facts._build = build
    try:
        done = facts.rebuild(batch=2)
    finally:
        facts._build = original
    assert calls == [ids[4:6], ids[6:]]  # resumed after the last committed batch
    assert not done.skipped and FactState.objects.get().rebuild_after is None
    assert _facts() == expected
    replica = duck.Replica()
    replica.ensure()
    assert replica.count(CaseFact) == len(ids) and replica.count(ActivityFact) == ActivityFact.objects.count()
    assert _received(duck.DUCKDB) == _received(duck.ORM) == 5
