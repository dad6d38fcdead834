"""Drills: kill -9 of the web server (gunicorn) during idempotent submissions, and of the worker while
deadlines fall due. Clients retry with the same Idempotency-Key until they get an answer; afterwards
nothing is lost and nothing is duplicated. The figures of a run are printed (docs/benchmarks.md)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from bitrade.intake.tests.helpers import LVU_CARE
from bitrade.organisation.demo import DEMO_API_KEY

from .common import free_port, last_json, ok, python

SUBMISSIONS, CLIENTS, WEB_KILLS = 45, 3, 3
CASES_DUE, WORKER_KILLS = 30, 4


def db(env) -> sqlite3.Connection:
    path = env["DATABASE_URL"].removeprefix("sqlite:///")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def start_gunicorn(env, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bitrade.config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--timeout", "30", "--log-level", "warning"],
        env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/logga-in/", timeout=2).read()
            return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise AssertionError("gunicorn did not start")


def kill_group(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def submit_until_answered(port: int, key: str) -> tuple[int, str]:
    """POST with this key until the server answers 200/201 (a dead server, a reset: send again)."""
    data = json.dumps(LVU_CARE).encode()
    while True:
        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/requests", data=data, method="POST",
                                     headers={"Content-Type": "application/json", "Idempotency-Key": key,
                                              "Authorization": f"Bearer {DEMO_API_KEY}"})
        try:
            with urllib.request.urlopen(req, timeout=20) as r:
                return r.status, json.loads(r.read())["id"]
        except urllib.error.HTTPError as exc:
            if exc.code < 500 and exc.code != 409:
                raise AssertionError(f"{key}: {exc.code} {exc.read()[:300]!r}") from None
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError, http.client.HTTPException):
            pass  # also a body cut off by the kill (IncompleteRead): the same key again gets the same answer
        time.sleep(0.05)


def test_web_server_killed_during_idempotent_submissions_loses_and_duplicates_nothing(site):
    started = time.monotonic()
    port = free_port()
    server = start_gunicorn(site, port)
    answers: dict[str, str] = {}
    keys = [f"drill-{i:03d}" for i in range(SUBMISSIONS)]

    def client(my_keys):
        for key in my_keys:
            answers[key] = submit_until_answered(port, key)[1]

    threads = [threading.Thread(target=client, args=(keys[i::CLIENTS],)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    kills = 0
    try:
        for threshold in [SUBMISSIONS * (k + 1) // (WEB_KILLS + 1) for k in range(WEB_KILLS)]:
            while len(answers) < threshold and any(t.is_alive() for t in threads):
                time.sleep(0.01)
            kill_group(server)  # in the middle of requests in flight
            kills += 1
            server = start_gunicorn(site, port)
        for t in threads:
            t.join(timeout=120)
        # every key sent once more: the same case comes back, nothing new is made
        replays = {key: submit_until_answered(port, key) for key in keys[::7]}
    finally:
        kill_group(server)
    conn = db(site)
    stored = {row[0] for row in conn.execute("SELECT public_id FROM intake_assistancerequest")}
    rows = conn.execute("SELECT COUNT(*) FROM intake_assistancerequest").fetchone()[0]
    deadlines = conn.execute("SELECT COUNT(*) FROM deadlines_deadline").fetchone()[0]
    conn.close()
    given = {a.replace("-", "") for a in answers.values()}
    lost = len([k for k in keys if k not in answers or answers[k].replace("-", "") not in
                {s.replace("-", "") for s in stored}])
    duplicated = rows - len(given)
    print(f"\nDRILL web: submissions={SUBMISSIONS} kills={kills} lost={lost} duplicated={duplicated} "
          f"seconds={time.monotonic() - started:.1f}")
    assert len(answers) == SUBMISSIONS and len(given) == SUBMISSIONS
    assert lost == 0 and duplicated == 0 and rows == SUBMISSIONS and deadlines == SUBMISSIONS
    assert all(status == 200 and answers[key] == case_id for key, (status, case_id) in replays.items())
    verified = last_json(ok(python(site, "from bitrade.audit.services import seal_pending\n"
                                         "from bitrade.audit.selectors import verify\nseal_pending()\n"
                                         "print(json.dumps({'ok': verify().ok}))")))
    assert verified["ok"]
    assert time.monotonic() - started < 120


def start_worker(env) -> subprocess.Popen:
    log = open(Path(env["BITRADE_VAR_DIR"]) / "worker.log", "ab")  # noqa: SIM115 — the child keeps it
    return subprocess.Popen([sys.executable, "-m", "bitrade.config.cli", "worker", "--interval", "0.05",
                             "--seal-interval", "0.1", "--no-tasks"], env=env, start_new_session=True,
                            stdout=log, stderr=log)


def test_worker_killed_while_deadlines_fall_due_fires_each_exactly_once(site):
    started = time.monotonic()
    # Cases received two hours ago and never acknowledged: every acknowledgement deadline is due.
    ok(python(site, "from datetime import timedelta\nfrom django.utils import timezone\n"
                    f"submit({CASES_DUE}, 'due', now=timezone.now() - timedelta(days=3))\n"))
    conn = db(site)
    due = conn.execute("SELECT COUNT(*) FROM deadlines_deadline WHERE state='pending' AND due_at < ?",
                       (time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),)).fetchone()[0]
    assert due == CASES_DUE, conn.execute("SELECT due_at FROM deadlines_deadline LIMIT 3").fetchall()

    def fired() -> int:
        return conn.execute("SELECT COUNT(*) FROM deadlines_deadline WHERE state='fired'").fetchone()[0]

    kills = 0
    worker = start_worker(site)
    try:
        while kills < WORKER_KILLS and fired() < CASES_DUE:
            before = fired()
            limit = time.monotonic() + 15
            while fired() == before and time.monotonic() < limit:
                time.sleep(0.005)  # kill it while it is firing, in the middle of a sweep
            kill_group(worker)
            kills += 1
            worker = start_worker(site)
        limit = time.monotonic() + 30
        while fired() < CASES_DUE and time.monotonic() < limit:
            time.sleep(0.05)
    finally:
        kill_group(worker)
    per_case = conn.execute("SELECT escalation_count, COUNT(*) FROM cases_case GROUP BY escalation_count").fetchall()
    escalated = conn.execute("SELECT object_id, COUNT(*) FROM audit_auditevent WHERE action IN "
                             "('case.escalated', 'case.escalation_exhausted') GROUP BY object_id").fetchall()
    original = conn.execute("SELECT COUNT(*) FROM deadlines_deadline WHERE state='fired'").fetchone()[0]
    conn.close()
    lost = CASES_DUE - len(escalated)
    duplicated = sum(n - 1 for _, n in escalated) + sum(n for count, n in per_case if count > 1)
    print(f"\nDRILL worker: deadlines={CASES_DUE} kills={kills} lost={lost} duplicated={duplicated} "
          f"seconds={time.monotonic() - started:.1f}")
    assert kills >= 1, (Path(site["BITRADE_VAR_DIR"]) / "worker.log").read_text()[-3000:]
    assert original == CASES_DUE and lost == 0 and duplicated == 0
    assert time.monotonic() - started < 120

