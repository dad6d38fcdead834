"""Real worker processes against the test database (SQLite file or PostgreSQL, whichever the suite
runs on): the CLI with --skip-checks still fires every kind, and three workers killed with SIGKILL and
restarted fire 1,000 deadlines exactly once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone

from bitrade.deadlines.models import Deadline

SRC = Path(__file__).resolve().parents[3]
SWEEPER = Path(__file__).with_name("sweeper.py")


def _database_url() -> str:
    sd = connection.settings_dict
    if connection.vendor == "sqlite":
        assert sd["NAME"] and "memory" not in str(sd["NAME"]), "the worker processes need a file database"
        return f"sqlite:///{sd['NAME']}"
    auth = quote(sd["USER"] or "") + (":" + quote(sd["PASSWORD"]) if sd.get("PASSWORD") else "")
    return f"postgres://{auth}@{sd['HOST'] or 'localhost'}:{sd['PORT'] or 5432}/{sd['NAME']}"


def _env() -> dict:
    env = dict(os.environ, DATABASE_URL=_database_url(), DJANGO_SETTINGS_MODULE="bitrade.config.test_settings")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH", "")) if p)
    return env


@pytest.mark.django_db(transaction=True)
def test_worker_cli_with_skip_checks_fires_a_due_acknowledgement_escalation(demo_tx, actor_of, tmp_path):
    """Before handlers were registered in AppConfig.ready(), this run marked the deadline fired with
    "ingen hanterare" and the case was never escalated."""
    from bitrade.assistance.tests.test_escalation import _submit

    case = _submit(actor_of)
    Deadline.objects.filter(kind="case.ack", object_id=str(case.pk)).update(
        due_at=timezone.now() - timedelta(minutes=1))
    run = subprocess.run([sys.executable, "-m", "bitrade.config.cli", "worker", "--once", "--skip-checks"],
                         env=_env(), cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    deadline = Deadline.objects.get(kind="case.ack", object_id=str(case.pk), payload__unit_id=case.unit_id)
    assert deadline.state == "fired", deadline.outcome
    assert "ingen hanterare" not in deadline.outcome.lower()
    case.refresh_from_db()
    assert case.escalation_count == 1 and case.unit.name == "Stationsbefäl Malmö"
    assert case.events.filter(action="escalated", public=False).count() == 1


N_DEADLINES, N_WORKERS, BOUND_S, MAX_KILLS = 1000, 3, 50, 12


def _busiest(table, workers) -> int:
    """The worker that has committed the most side effects so far: on SQLite one worker can hold the
    write lock batch after batch, and killing only waiting ones would prove nothing about taking over."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pid, COUNT(*) FROM {table} GROUP BY pid")
        done = dict(cursor.fetchall())
    return max(range(len(workers)), key=lambda i: done.get(workers[i].pid, 0))


@pytest.mark.django_db(transaction=True)
def test_three_workers_killed_and_restarted_fire_a_thousand_deadlines_exactly_once(tmp_path):
    """PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED lets the workers sweep side by side. SQLite (a file
    database): the IMMEDIATE transactions serialise the same workers. Either way a worker killed
    mid-transaction leaves no side effect and no fired state, and its deadline runs once elsewhere."""
    table = "test_deadline_effect"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TABLE {table} (deadline_id bigint NOT NULL, pid integer NOT NULL)")
    due = timezone.now() - timedelta(seconds=1)
    Deadline.objects.bulk_create(Deadline(kind="test.count", object_type="t", object_id=str(i), due_at=due)
                                 for i in range(N_DEADLINES))
    env, rng, kills = _env(), random.Random(9), 0
    logs = [open(tmp_path / f"worker-{i}.log", "w") for i in range(N_WORKERS)]  # noqa: SIM115

    def start(i):
        return subprocess.Popen([sys.executable, str(SWEEPER)], env=env, cwd=tmp_path, stdout=logs[i],
                                stderr=subprocess.STDOUT)

    workers = [start(i) for i in range(N_WORKERS)]
    try:
        deadline_at = time.monotonic() + BOUND_S
        remaining = N_DEADLINES
        while time.monotonic() < deadline_at:
            remaining = Deadline.objects.filter(kind="test.count").exclude(state="fired").count()
            if remaining == 0:
                break
            time.sleep(rng.uniform(0.7, 1.4))  # a restarted worker needs a moment to start up
            if remaining > 50 and kills < MAX_KILLS:  # kill while there is work in flight, then restart
                i = _busiest(table, workers) if kills % 2 == 0 else rng.randrange(N_WORKERS)
                workers[i].send_signal(signal.SIGKILL)
                workers[i].wait()
                kills += 1
                workers[i] = start(i)
        assert remaining == 0, f"{remaining} deadlines not fired within {BOUND_S} s"
    finally:
        for w in workers:
            if w.poll() is None:
                w.send_signal(signal.SIGTERM)
        for w in workers:
            try:
                w.wait(timeout=15)
            except subprocess.TimeoutExpired:
                w.kill()
                w.wait()
        for f in logs:
            f.close()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*), COUNT(DISTINCT deadline_id), COUNT(DISTINCT pid) FROM {table}")
            effects, distinct, pids = cursor.fetchone()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {table}")
    assert kills >= 2, "the workers were not killed while working"
    assert (effects, distinct) == (N_DEADLINES, N_DEADLINES)
    rows = Deadline.objects.filter(kind="test.count")
    assert rows.filter(state="fired", attempts=0).count() == N_DEADLINES
    assert pids >= 2  # more than one worker process did the work
