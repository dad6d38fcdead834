"""The mixed national load: police users polling their inbox, intake requests and case actions, all at once,
each at a fixed rate (open loop), through gunicorn on loopback with production settings, with the audit
sealer running beside it.

    python bench/mixed_bench.py [--users 500] [--intake-rate 20] [--action-rate 50] [--duration 60]
                                [--cases 10000] [--workers 4 --threads 4] [--no-py-spy] [--quick] [--json FILE]
    BITRADE_PG_PORT=54344 scripts/with-postgres.sh .venv/bin/python bench/mixed_bench.py     # PostgreSQL

What runs during the measured ``--duration`` seconds:

- ``--users`` police users, each with its own logged-in session and membership in one of the demo's police
  units (RLCs, station commander desks, assistance groups; every region), each refreshing its inbox every
  15 s as the start page does (the htmx fragment ``/arenden/inkorg/`` with ``If-None-Match`` from its last
  200 answer: 304 while nothing in its unit changed), the users' first refreshes spread evenly over the
  first 15 s;
- ``--intake-rate`` ``POST /api/v1/requests`` per second with the demo API key (as bench/intake_bench.py);
- ``--action-rate`` case actions per second (``POST /api/v1/cases/{id}/actions/{name}`` with an
  Idempotency-Key, by a user of the case's unit with its session and CSRF token): a risk assessment
  (``assess_risk``), a note that the requester was informed (``inform_requester``), "not found" on a case
  being executed (``record_not_found``), and the acknowledgement of a received case (``acknowledge``, each
  case once).

Every request is sent at its planned time whatever the server does (bench/loadgen.py ``run_open_loop``):
a slow server shows as latency (counted from the planned time), not as fewer requests. Before the load the
data are loaded in-process (the demo organisation, ``--cases`` open handräckning cases spread over the units
with bench/cases_bench.py, the users and their sessions); every user opens its inbox once and
``--warm-up-writes`` intake requests and case actions go through (warm-up: every worker thread has its
connection and has run each path once, so that the load measures the steady state).

Reported per request type: planned, sent, completed, errors (with samples), throughput, p50/p95/p99 (from the
planned time; and of the server's answer alone); the server's CPU per request (gunicorn + sealer, and the
PostgreSQL server); the seal delay (event inserted → sealed) of the events inserted during the load; and a
py-spy profile of the gunicorn workers during the middle of the load, classified as in bench/intake_bench.py
(where request threads are), with whether an audit or reference-number wait is among the top three; and a
per-second timeline (requests, p95, max and slow requests by planned second; CPU of the workers, the sealer and
PostgreSQL; the workers' generation 1/2 collections from bench/traced_wsgi.py; PostgreSQL's checkpoints,
autovacuum and new connections), to tell a queue from bursts. ``BITRADE_SRC=/other/src`` runs other code with
this benchmark (A/B). Prints a Markdown section; writes JSON with --json. Timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
#: the code under test (``BITRADE_SRC=/other/worktree/src`` for an A/B against other code with this benchmark)
SRC = os.environ.get("BITRADE_SRC") or str(REPO / "src")
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, SRC)
sys.path.insert(0, str(BENCH))

import cases_bench  # noqa: E402
import intake_bench  # noqa: E402
import loadgen  # noqa: E402
import machine  # noqa: E402
from intake_bench import DEMO_KEY, HOST, Gunicorn, PostgresCpu, Sealer  # noqa: E402

REFRESH_S = 15.0  # the start page's hx-trigger="every 15s"
ENCODING = "gzip, br"
#: The police units the simulated users belong to, and the function each has there (a commander: may
#: acknowledge and assess risk, as the handling unit).
UNIT_FUNCTIONS = {"rlc": "rlc_commander", "station_commander_desk": "station_commander",
                  "assistance_group": "level2_manager"}
#: The action mix (name, weight); acknowledge falls back to assess_risk when no received case is left.
ACTION_MIX = (("assess_risk", 4), ("inform_requester", 3), ("record_not_found", 2), ("acknowledge", 1))
#: Labels (as bench/intake_bench.classify_spy names them) that are an audit or a reference-number wait.
WAIT_MARKERS = ("bitrade/audit/", "audit event", "next_reference", "reference number", "reference counter",
                "references.py")


class LoggedGunicorn(Gunicorn):
    """intake_bench's gunicorn with the application's own log (stderr: Django's tracebacks of a 500) kept in
    a file, so that the report can name the exceptions behind the server errors."""

    def __init__(self, env: dict, workers: int, threads: int, log: Path):
        self.app_log = log.with_suffix(".app.log")
        self._app_fh = open(self.app_log, "wb")  # noqa: SIM115 (closed in stop)
        real_popen = subprocess.Popen

        def popen(cmd, **kw):
            kw["stderr"] = self._app_fh
            # the same application, with the collector's generation 1/2 runs logged (bench/traced_wsgi.py)
            cmd = ["traced_wsgi:application" if c == "bitrade.config.wsgi:application" else c for c in cmd]
            return real_popen(cmd, **kw)

        intake_bench.subprocess.Popen = popen
        try:
            super().__init__(env, workers, threads, log)
        finally:
            intake_bench.subprocess.Popen = real_popen

    def stop(self) -> None:
        super().stop()
        self._app_fh.close()

    def exceptions(self, limit: int = 5) -> dict:
        """The final line of every traceback in the application's log, counted (the most frequent first)."""
        counts: dict[str, int] = {}
        lines = self.app_log.read_text(errors="replace").splitlines() if self.app_log.exists() else []
        for i, line in enumerate(lines):
            if line.startswith("Traceback"):
                j = i + 1
                while j < len(lines) and (lines[j].startswith((" ", "\t")) or not lines[j].strip()):
                    j += 1
                if j < len(lines):
                    counts[lines[j][:300]] = counts.get(lines[j][:300], 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: -kv[1])[:limit])


def _env(tmp: Path) -> dict:
    os.environ.update({
        "BITRADE_VAR_DIR": str(tmp), "BITRADE_ENV": "production", "BITRADE_DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50), "BITRADE_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "BITRADE_LOG_LEVEL": "WARNING",
        "BITRADE_SSL_REDIRECT": "0",  # plain HTTP on loopback (TLS ends at the proxy in production)
        "DJANGO_SETTINGS_MODULE": "bitrade.config.settings",
        "PYTHONPATH": os.pathsep.join(p for p in [SRC, str(BENCH), os.environ.get("PYTHONPATH", "")]
                                      if p),
        # production refuses to seal without a signing key from outside the database: a throw-away one
        "BITRADE_AUDIT_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "BITRADE_GC_TRACE_DIR": str(tmp),  # bench/traced_wsgi.py: the workers' generation 1/2 collections
    })
    for k in [k for k in os.environ if k.startswith("BITRADE_OIDC_")]:
        del os.environ[k]
    url = os.environ.get("DATABASE_URL", "")
    if url and urlparse(url).hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit("the benchmark needs DATABASE_URL on loopback (scripts/with-postgres.sh), or none (SQLite)")
    return dict(os.environ)


def prepare(args) -> dict:
    """In-process: migrate, the demo, the cases, the users and their sessions. Returns what the load needs."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client
    from django.utils import timezone

    from bitrade.cases.models import Case
    from bitrade.organisation.demo import load_demo
    from bitrade.organisation.models import Municipality, Person, RequestingOrganisation, Unit, UnitMembership

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    load_demo()
    units = list(Unit.objects.filter(active=True, kind__in=UNIT_FUNCTIONS).select_related("region")
                 .order_by("region__name", "name"))
    org = RequestingOrganisation.objects.get(name="Socialnämnden Malmö stad")
    malmo = Municipality.objects.get(code="1280")
    now = timezone.now()
    per_unit = max(args.cases // len(units), 1)
    for unit in units:
        cases_bench.load_cases(per_unit, unit, org, malmo, now)
    t_cases = time.perf_counter() - t0

    t1 = time.perf_counter()
    run = secrets.token_hex(3)
    people = Person.objects.bulk_create([
        Person(username=f"bench.{run}.{i}", first_name="Polis", last_name=f"Bänk {i}",
               email=f"bench.{run}.{i}@polisen.example", password="!")  # unusable password: session only
        for i in range(args.users)])
    people = list(Person.objects.filter(username__startswith=f"bench.{run}.").order_by("id"))
    user_unit = [units[i % len(units)] for i in range(len(people))]
    UnitMembership.objects.bulk_create([
        UnitMembership(person=p, unit=u, function=UNIT_FUNCTIONS[u.kind]) for p, u in zip(people, user_unit, strict=True)])
    users = []
    for p, u in zip(people, user_unit, strict=True):
        client = Client()
        client.force_login(p)
        users.append({"username": p.username, "unit_id": u.id, "region": u.region.name,
                      "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
                      "csrf": _get_new_csrf_string()})
    t_users = time.perf_counter() - t1

    # unit -> state -> [(case id, priority)]; a risk assessment keeps the priority (a change reroutes the case)
    cases: dict[int, dict[str, list[tuple[str, int | None]]]] = {}
    for unit_id, state, public_id, priority in Case.objects.filter(kind="assistance", unit__in=units).exclude(
            state="closed").values_list("unit_id", "state", "public_id", "priority"):
        cases.setdefault(unit_id, {}).setdefault(state, []).append((str(public_id), priority))
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    db = (f"SQLite {connection.Database.sqlite_version} (WAL)" if connection.vendor == "sqlite"
          else f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 100}")
    engine = connection.vendor
    total_cases = Case.objects.count()
    connection.close()
    return {"db": db, "engine": engine, "units": len(units), "cases_per_unit": per_unit, "cases": total_cases,
            "users": users, "cases_by_unit": cases, "cookie_name": settings.SESSION_COOKIE_NAME,
            "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
            "setup_s": {"demo_and_cases": round(t_cases, 1), "users_and_sessions": round(t_users, 1)}}


def plan_shots(args, data: dict, duration_s: float) -> tuple[list[loadgen.Shot], dict]:
    """Every request of the run with its planned time. Returns the shots and the inbox ETags they keep."""
    rng = random.Random(args.seed)
    users = data["users"]
    sess, csrf_name = data["cookie_name"], data["csrf_cookie_name"]
    etags: dict[int, str] = {}
    shots: list[loadgen.Shot] = []

    def cookie(u: dict) -> str:
        return f"{sess}={u['session']}; {csrf_name}={u['csrf']}"

    # Inbox polling: user i first at i/N of the period, then every REFRESH_S.
    def inbox(i: int):
        u = users[i]

        def build():
            hdrs = {"Cookie": cookie(u), "Accept-Encoding": ENCODING, "HX-Request": "true", "HX-Target": "inbox",
                    "HX-Current-URL": f"http://{HOST}/", "Accept": "*/*"}
            if i in etags:
                hdrs["If-None-Match"] = etags[i]
            return "GET", "/arenden/inkorg/", b"", hdrs

        def answer(status, headers, body):
            if status == 200 and headers.get("etag"):
                etags[i] = headers["etag"]

        return build, answer

    n = len(users)
    for i in range(n):
        build, answer = inbox(i)
        t = REFRESH_S * i / n
        while t < duration_s:
            shots.append(loadgen.Shot(t, "inbox refresh (htmx fragment)", build, frozenset({200, 304}), answer))
            t += REFRESH_S

    # Intake: the documented LVU request with the demo API key, a fresh Idempotency-Key each.
    from bitrade.intake.tests.helpers import LVU_CARE

    body = json.dumps(LVU_CARE).encode()
    run = secrets.token_hex(4)

    def intake(k: int):
        def build():
            return "POST", "/api/v1/requests", body, {
                "Authorization": f"Bearer {DEMO_KEY}", "Content-Type": "application/json",
                "Accept": "application/json", "Idempotency-Key": f"mixed-{run}-in-{k}"}
        return build

    if args.intake_rate > 0:
        for k in range(int(duration_s * args.intake_rate)):
            shots.append(loadgen.Shot(k / args.intake_rate, "intake POST /api/v1/requests", intake(k),
                                      frozenset({201})))

    # Case actions by a user of the case's unit.
    by_unit: dict[int, list[dict]] = {}
    for u in users:
        by_unit.setdefault(u["unit_id"], []).append(u)
    pools = {uid: st for uid, st in data["cases_by_unit"].items() if uid in by_unit}
    received = {uid: list(st.get("received", [])) for uid, st in pools.items()}
    for lst in received.values():
        rng.shuffle(lst)
    names = [name for name, w in ACTION_MIX for _ in range(w)]
    unit_ids = sorted(pools)
    if args.action_units:  # the actions in a few units only (the other units' inboxes stay unchanged: 304)
        unit_ids = rng.sample(unit_ids, min(args.action_units, len(unit_ids)))
    every = {uid: [c for st in states.values() for c in st] for uid, states in pools.items()}
    mix: dict[str, int] = {}

    def action(k: int, name: str, case_id: str, u: dict, payload: dict):
        raw = json.dumps(payload).encode()

        def build():
            return "POST", f"/api/v1/cases/{case_id}/actions/{name}", raw, {
                "Cookie": cookie(u), "X-CSRFToken": u["csrf"], "Content-Type": "application/json",
                "Accept": "application/json", "Idempotency-Key": f"mixed-{run}-act-{k}"}
        return build

    if args.action_rate > 0 and unit_ids:
        for k in range(int(duration_s * args.action_rate)):
            uid = unit_ids[k % len(unit_ids)]
            states = pools[uid]
            name = rng.choice(names)
            if name == "acknowledge" and not received[uid]:
                name = "assess_risk"
            if name == "record_not_found" and not (states.get("in_execution") or states.get("assigned")):
                name = "inform_requester"
            if name == "acknowledge":
                (case_id, _), payload = received[uid].pop(), {}
            elif name == "record_not_found":
                case_id, _ = rng.choice(states.get("in_execution") or states["assigned"])
                payload = {"notes": f"Ingen öppnade (bänk {k})."}
            elif name == "inform_requester":
                case_id, _ = rng.choice(every[uid])
                payload = {"channel": "telefon", "note": f"Lägesbesked lämnat (bänk {k})."}
            else:
                case_id, priority = rng.choice(every[uid])
                payload = {"risk_level": rng.choice(["low", "medium", "high"]),
                           "risk_assessment": f"Bedömning {k}.", "priority": priority}
            mix[name] = mix.get(name, 0) + 1
            u = by_unit[uid][k % len(by_unit[uid])]
            shots.append(loadgen.Shot(k / args.action_rate, "case action POST /api/v1/cases/{id}/actions/{name}",
                                      action(k, name, case_id, u, payload), frozenset({200})))
    return shots, {"etags": etags, "action_mix": mix}


def warm_up(port: int, data: dict, etags: dict[int, str], senders: int = 8, writes: int = 0) -> dict:
    """Every user opens its inbox once (its first 200 and ETag); then ``writes`` intake requests and as many
    case actions (a note that the requester was informed, on cases of every unit) go through, from as many
    senders as gunicorn has threads: every worker thread has served each kind of request (its database
    connection open, the code each path loads on first use loaded) before the measured load. Without that the
    first seconds of the load measure the workers' start, not the steady state (the timeline shows it)."""
    users = data["users"]
    sess, csrf_name = data["cookie_name"], data["csrf_cookie_name"]
    shots = []
    for i, u in enumerate(users):
        def build(u=u):
            return "GET", "/arenden/inkorg/", b"", {"Cookie": f"{sess}={u['session']}; {csrf_name}={u['csrf']}",
                                                     "Accept-Encoding": ENCODING, "HX-Request": "true"}

        def answer(status, headers, body, i=i):
            if headers.get("etag"):
                etags[i] = headers["etag"]
        shots.append(loadgen.Shot(0.0, "warm-up inbox", build, frozenset({200}), answer))
    t0 = time.perf_counter()
    res = loadgen.run_open_loop(host=HOST, port=port, shots=shots, senders=senders, duration_s=1.0,
                                drain_s=300.0, timeout_s=60.0)
    r = res["warm-up inbox"]
    out = {"inboxes_opened": r.ok, "errors": r.errors, "error_samples": r.error_samples,
           "seconds": round(time.perf_counter() - t0, 1)}
    if writes <= 0:
        return out
    from bitrade.intake.tests.helpers import LVU_CARE

    body, run, rng = json.dumps(LVU_CARE).encode(), secrets.token_hex(4), random.Random(1)
    by_unit: dict[int, list[dict]] = {}
    for u in users:
        by_unit.setdefault(u["unit_id"], []).append(u)
    pools = [(uid, [c for st in states.values() for c in st]) for uid, states in sorted(data["cases_by_unit"].items())
             if uid in by_unit]
    shots = []
    for k in range(writes):
        def intake(k=k):
            return "POST", "/api/v1/requests", body, {
                "Authorization": f"Bearer {DEMO_KEY}", "Content-Type": "application/json",
                "Accept": "application/json", "Idempotency-Key": f"warm-{run}-in-{k}"}
        uid, every = pools[k % len(pools)]
        case_id, u = rng.choice(every)[0], by_unit[uid][k % len(by_unit[uid])]
        raw = json.dumps({"channel": "telefon", "note": f"Lägesbesked lämnat (uppvärmning {k})."}).encode()

        def action(k=k, case_id=case_id, u=u, raw=raw):
            return "POST", f"/api/v1/cases/{case_id}/actions/inform_requester", raw, {
                "Cookie": f"{sess}={u['session']}; {csrf_name}={u['csrf']}", "X-CSRFToken": u["csrf"],
                "Content-Type": "application/json", "Accept": "application/json",
                "Idempotency-Key": f"warm-{run}-act-{k}"}
        at = 3.0 * k / writes  # spread over 3 s
        shots += [loadgen.Shot(at, "warm-up intake", intake, frozenset({201})),
                  loadgen.Shot(at, "warm-up case action", action, frozenset({200}))]
    t1 = time.perf_counter()
    res = loadgen.run_open_loop(host=HOST, port=port, shots=shots, senders=senders, duration_s=3.5,
                                drain_s=120.0, timeout_s=60.0)
    out.update({f"{kind.removeprefix('warm-up ')}s": {"ok": r.ok, "errors": r.errors, "error_samples": r.error_samples}
                for kind, r in res.items()})
    out["writes_seconds"] = round(time.perf_counter() - t1, 1)
    return out


def py_spy_profile(pid: int, seconds: int, out: Path) -> dict:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        return {"error": "py-spy is not installed (pip install py-spy)"}
    done = subprocess.run([spy, "record", "--subprocesses", "--idle", "--nonblocking", "--rate", "100",
                           "--duration", str(seconds), "--format", "raw", "--output", str(out), "--pid", str(pid)],
                          capture_output=True, text=True, timeout=seconds + 60, check=False)
    if not out.exists():
        return {"error": f"py-spy wrote nothing: {(done.stdout + done.stderr)[-400:]}"}
    spied = intake_bench.classify_spy(out)
    top = [k for k in spied.get("shares_pct", {}) if not k.startswith("everything else")][:3]
    spied["seconds"] = seconds
    spied["top_three"] = top
    spied["audit_or_reference_wait_in_top_three"] = any(m in k for k in top for m in WAIT_MARKERS)
    return spied


class PgWaits:
    """Samples PostgreSQL's lock waits during the load (pg_stat_activity, pg_locks, every 0.1 s): which
    statement waits, for which lock, on which table's rows (a tuple lock names the relation of the row)."""

    SQL = ("SELECT a.pid, left(a.query, 400), "
           "coalesce(string_agg(DISTINCT l.locktype || coalesce(':' || c.relname, ''), ', '), a.wait_event) "
           "FROM pg_stat_activity a LEFT JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted "
           "LEFT JOIN pg_locks t ON t.pid = a.pid AND t.locktype = 'tuple' "
           "LEFT JOIN pg_class c ON c.oid = coalesce(l.relation, t.relation) "
           "WHERE a.state = 'active' AND a.wait_event_type = 'Lock' AND a.pid <> pg_backend_pid() "
           "GROUP BY a.pid, a.query, a.wait_event")

    def __init__(self, url: str):
        self.url = url
        self.stop_flag = threading.Event()
        self.samples = 0
        self.counts: dict[str, int] = {}
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stop_flag.wait(0.1):
                self.samples += 1
                for _pid, query, lock in conn.execute(self.SQL).fetchall():
                    # the statement's shape: literals out, whitespace folded
                    shape = re.sub(r"\s+", " ", re.sub(r"'[^']*'|\b\d+\b", "?", query or ""))[:110]
                    key = f"{lock} ← {shape}"
                    self.counts[key] = self.counts.get(key, 0) + 1

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> dict:
        self.stop_flag.set()
        self.thread.join(10)
        top = sorted(self.counts.items(), key=lambda kv: -kv[1])[:8]
        return {"samples": self.samples,
                "mean_waiting_backends": round(sum(self.counts.values()) / max(self.samples, 1), 2),
                "top": [{"waits": k, "mean_backends": round(n / max(self.samples, 1), 2)} for k, n in top]}


class Timeline:
    """Samples once a second during the load: the CPU of each gunicorn worker, of the sealer and of the
    PostgreSQL server (and, on PostgreSQL, its checkpoints, running autovacuum workers and connections opened).
    Joined afterwards with every request's planned/answered time and the workers' garbage-collector log, it
    shows whether the slow requests cluster in time, and next to what."""

    PG_SQL = ("SELECT (SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter), "
              "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'), "
              "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'), "
              "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
              "AND backend_start > now() - interval '1 second')")

    def __init__(self, server, sealer, pg, url: str | None):
        self.server, self.sealer, self.pg, self.url = server, sealer, pg, url
        self.samples: list[dict] = []
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self, conn) -> dict:
        row: dict = {"t": time.time(),
                     "workers": {pid: machine.process_cpu_seconds(pid) for pid in machine.children_of(self.server.proc.pid)},
                     "sealer": self.sealer.cpu_seconds(),
                     "db": self.pg.cpu_seconds() if self.pg else 0.0}
        if conn is not None:
            row["checkpoints"], row["autovacuum"], row["backends"], row["new_backends"] = conn.execute(
                self.PG_SQL).fetchone()
        return row

    def _run(self) -> None:
        conn = None
        if self.url:
            import psycopg

            conn = psycopg.connect(self.url, autocommit=True)
        try:
            while True:
                self.samples.append(self._sample(conn))
                if self.stop_flag.wait(1.0):
                    break
        finally:
            if conn is not None:
                conn.close()

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stop_flag.set()
        self.thread.join(10)


def gc_runs(trace_dir: Path) -> list[tuple[float, int, float, float]]:
    """(wall time, generation, pause ms, CPU ms) of every generation 1/2 collection in the workers."""
    out = []
    for f in trace_dir.glob("gc-*.log"):
        for line in f.read_text().splitlines():
            t, gen, ms, cpu, _collected = line.split()
            out.append((float(t), int(gen), float(ms), float(cpu)))
    return sorted(out)


def timeline(results: dict, start_wall: float, tl: Timeline, gcs: list, slow_ms: float = 150.0) -> dict:
    """Per second of the load (by planned time): requests, their p95 and max, how many were slower than
    ``slow_ms``; CPU seconds of the workers (sum and the busiest), the sealer and PostgreSQL in that second;
    gen-2 collections and their pauses; checkpoints, autovacuum. And how the slow requests are spread over
    the seconds (clustered or even)."""
    lat: dict[int, list[float]] = {}
    for r in results.values():
        for planned, _sent, answered, _status in r.records:
            if answered == answered:  # not NaN (dropped)
                lat.setdefault(int(planned), []).append((answered - planned) * 1000)
    seconds = max(lat) + 1 if lat else 0
    rows = [{"s": s} for s in range(seconds)]
    for s, vals in lat.items():
        vals.sort()
        rows[s].update(n=len(vals), p95=round(vals[max(0, int(len(vals) * 0.95 + 0.999) - 1)], 1),
                       max=round(vals[-1], 1), slow=sum(v > slow_ms for v in vals))
    samples = tl.samples
    for a, b in zip(samples, samples[1:], strict=False):
        s = int((a["t"] + b["t"]) / 2 - start_wall)
        if not 0 <= s < seconds:
            continue
        dt = max(b["t"] - a["t"], 1e-3)
        per_worker = [(b["workers"][p] - a["workers"].get(p, b["workers"][p])) / dt for p in b["workers"]]
        # in % of one core
        rows[s].update(workers_cpu=round(sum(per_worker) * 100), busiest_worker_cpu=round(max(per_worker, default=0) * 100),
                       sealer_cpu=round((b["sealer"] - a["sealer"]) / dt * 100),
                       db_cpu=round((b["db"] - a["db"]) / dt * 100))
        if "checkpoints" in b:
            rows[s].update(checkpoint=b["checkpoints"] - a["checkpoints"], autovacuum=b["autovacuum"],
                           new_backends=b["new_backends"])
    for t, gen, ms, _cpu in gcs:
        s = int(t - start_wall)
        if 0 <= s < seconds:
            key = "gc2_ms" if gen == 2 else "gc1_ms"
            rows[s][key] = round(rows[s].get(key, 0) + ms, 1)
            if gen == 2:
                rows[s]["gc2"] = rows[s].get("gc2", 0) + 1
    slow_total = sum(r.get("slow", 0) for r in rows)
    first = sorted(v for s, vals in lat.items() if s < 5 for v in vals)
    later = sorted(v for s, vals in lat.items() if s >= 5 for v in vals)

    def p95(vals):
        return round(vals[max(0, int(len(vals) * 0.95 + 0.999) - 1)], 1) if vals else None
    by_slow = sorted(rows, key=lambda r: -r.get("slow", 0))
    tenth = max(len(rows) // 10, 1)
    in_gc2 = [r for r in rows if r.get("gc2")]
    no_gc2 = [r for r in rows if not r.get("gc2") and r.get("n")]
    gc_pauses = [ms for _t, g, ms, _cpu in gcs if g == 2]
    gc_cpu = sorted(cpu for _t, g, _ms, cpu in gcs if g == 2)

    def mean(vals):
        vals = list(vals)
        return round(sum(vals) / len(vals), 1) if vals else None

    return {"rows": rows, "slow_ms": slow_ms, "slow_total": slow_total,
            "first_5_s": {"requests": len(first), "slow": sum(v > slow_ms for v in first), "p95_ms": p95(first)},
            "after_5_s": {"requests": len(later), "slow": sum(v > slow_ms for v in later), "p95_ms": p95(later)},
            "slow_share_in_worst_tenth_of_seconds_pct": round(
                sum(r.get("slow", 0) for r in by_slow[:tenth]) / max(slow_total, 1) * 100, 1),
            "seconds_with_no_slow_request": sum(1 for r in rows if r.get("n") and not r.get("slow")),
            "gc2_runs": len(gc_pauses), "gc2_pause_ms_p50": sorted(gc_pauses)[len(gc_pauses) // 2] if gc_pauses else None,
            "gc2_pause_ms_max": max(gc_pauses) if gc_pauses else None,
            "gc2_cpu_ms_p50": gc_cpu[len(gc_cpu) // 2] if gc_cpu else None,
            "gc2_cpu_ms_total": round(sum(gc_cpu)), "gc1_cpu_ms_total": round(sum(c for _t, g, _ms, c in gcs if g == 1)),
            "gc1_runs": sum(1 for _t, g, _ms, _c in gcs if g == 1),
            "mean_slow_per_second_with_gc2": mean(r.get("slow", 0) for r in in_gc2),
            "mean_slow_per_second_without_gc2": mean(r.get("slow", 0) for r in no_gc2),
            "checkpoints": sum(r.get("checkpoint", 0) for r in rows),
            "seconds_with_autovacuum": sum(1 for r in rows if r.get("autovacuum")),
            "new_backends": sum(r.get("new_backends", 0) for r in rows)}


def _unsealed(engine: str, env: dict) -> int:
    sql = "SELECT count(*) FROM audit_auditevent WHERE sealed_at IS NULL"
    if engine == "sqlite":
        import sqlite3

        conn = sqlite3.connect(Path(env["BITRADE_VAR_DIR"]) / "bitrade.sqlite3")
        try:
            return conn.execute(sql).fetchone()[0]
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as conn:
        return conn.execute(sql).fetchone()[0]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", type=int, default=500)
    ap.add_argument("--intake-rate", type=float, default=20.0, help="intake requests per second")
    ap.add_argument("--action-rate", type=float, default=50.0, help="case actions per second")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    ap.add_argument("--cases", type=int, default=10_000, help="open cases loaded before, spread over the units")
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--senders", type=int, default=64, help="client threads (one keep-alive connection each)")
    ap.add_argument("--action-units", type=int, default=0,
                    help="take the case actions in this many units only (default: every unit with users)")
    ap.add_argument("--seed", type=int, default=10)
    ap.add_argument("--warm-up-writes", type=int, default=200,
                    help="intake requests and case actions sent before the load (0: the inboxes only)")
    ap.add_argument("--no-py-spy", action="store_true")
    ap.add_argument("--quick", action="store_true", help="20 s of load, 2,000 cases")
    ap.add_argument("--json", default="")
    args = ap.parse_args(argv)
    if args.quick:
        args.duration = min(args.duration, 20.0)
        args.cases = min(args.cases, 2000)
    if args.users < 1 or args.duration <= 0 or args.intake_rate < 0 or args.action_rate < 0:
        ap.error("--users and --duration must be positive, the rates not negative")

    tmp = Path(tempfile.mkdtemp(prefix="bitrade-bench-mixed-"))
    env = _env(tmp)
    server = sealer = None
    out: dict = {"when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine.describe(),
                 "load_average_before": os.getloadavg()[0],
                 "options": {"users": args.users, "intake_rate": args.intake_rate, "action_rate": args.action_rate,
                             "duration_s": args.duration, "cases": args.cases, "senders": args.senders,
                             "action_units": args.action_units or "all",
                             "gunicorn": f"{args.workers} workers × {args.threads} threads (gthread)"}}
    try:
        print(f"loading the demo, {args.cases} cases and {args.users} users in {tmp}", flush=True)
        data = prepare(args)
        out.update({"db": data["db"], "units": data["units"], "cases_in_db": data["cases"],
                    "setup_s": data["setup_s"]})
        pg = PostgresCpu(env["DATABASE_URL"]) if data["engine"] == "postgresql" else None
        engine = "sqlite" if data["engine"] == "sqlite" else "postgres"

        server = LoggedGunicorn(env, args.workers, args.threads, tmp / "gunicorn.log")
        sealer = Sealer(env, tmp / "sealer.log")
        watcher = intake_bench.CommitWatcher("sqlite" if data["engine"] == "sqlite" else "postgres", env)
        print(f"{data['db']}: gunicorn on {HOST}:{server.port}, sealer every {sealer.interval} s", flush=True)

        shots, state = plan_shots(args, data, args.duration)
        out["warm_up"] = warm_up(server.port, data, state["etags"],
                                 senders=max(8, args.workers * args.threads), writes=args.warm_up_writes)
        print(f"warm-up: {out['warm_up']}", flush=True)
        out["action_mix_planned"] = state["action_mix"]

        spy_holder: dict = {}
        spy_thread = None
        if not args.no_py_spy:
            spy_s = max(3, int(args.duration / 2))

            def spy() -> None:
                time.sleep(max(1.0, args.duration / 4))
                spy_holder["result"] = py_spy_profile(server.proc.pid, spy_s, tmp / "py-spy.txt")

            spy_thread = threading.Thread(target=spy, daemon=True)

        busy0, total0 = machine.machine_cpu_ticks()
        srv0, seal0 = server.cpu_seconds(), sealer.cpu_seconds()
        db0 = pg.cpu_seconds() if pg else 0.0
        cli0 = time.process_time()
        load_started = datetime.now(UTC)
        print(f"load: {len(shots)} requests planned over {args.duration:.0f} s", flush=True)
        if spy_thread is not None:
            spy_thread.start()
        waits = PgWaits(env["DATABASE_URL"]) if pg else None
        if waits is not None:
            waits.start()
        tl = Timeline(server, sealer, pg, env["DATABASE_URL"] if pg else None)
        tl.start()
        started: dict = {}
        results = loadgen.run_open_loop(host=HOST, port=server.port, shots=shots, senders=args.senders,
                                        duration_s=args.duration, drain_s=10.0, timeout_s=30.0,
                                        on_start=lambda _t: started.setdefault("wall", time.time()))
        tl.stop()
        cli = time.process_time() - cli0
        srv = server.cpu_seconds() - srv0
        seal = sealer.cpu_seconds() - seal0
        dbs = (pg.cpu_seconds() - db0) if pg else 0.0
        busy1, total1 = machine.machine_cpu_ticks()
        out["pg_lock_waits"] = waits.stop() if waits is not None else None
        if spy_thread is not None:
            spy_thread.join(args.duration + 90)
        completed = max(sum(r.completed for r in results.values()), 1)
        wall = max(r.elapsed_s for r in results.values()) if results else args.duration
        busy = (busy1 - busy0) / machine.CLK_TCK
        out["cpu"] = {
            "machine_busy_pct": round((busy1 - busy0) / max(total1 - total0, 1) * 100, 1),
            "gunicorn_cpu_ms_per_request": round(srv / completed * 1000, 2),
            "sealer_cpu_s": round(seal, 1),
            "app_cpu_ms_per_request": round((srv + seal) / completed * 1000, 2),
            "db_cpu_ms_per_request": round(dbs / completed * 1000, 2) if pg else None,
            "client_cpu_ms_per_request": round(cli / completed * 1000, 2),
            "other_cpu_pct_of_machine": round(max(busy - srv - seal - dbs - cli, 0)
                                              / (wall * (os.cpu_count() or 1)) * 100, 1),
            "py_spy_during_load": not args.no_py_spy,
        }
        out["results"] = [r.summary() for r in results.values()]
        out["timeline"] = timeline(results, started["wall"], tl, gc_runs(tmp))
        out["inbox_answers"] = next((r.status_counts for r in results.values() if r.kind.startswith("inbox")), {})
        out["py_spy"] = spy_holder.get("result") if not args.no_py_spy else None

        # Let the sealer catch up (bounded), then measure the seal delay of the events of the load.
        deadline = time.monotonic() + 30
        while _unsealed(engine, env) and time.monotonic() < deadline:
            time.sleep(0.5)
        server.stop()
        out["server_exceptions"] = server.exceptions()
        server = None
        sealer.stop()
        sealer = None
        out["seal_delay"] = intake_bench.seal_delays(engine, env, since=load_started, first_seen=watcher.stop())
        verify = intake_bench._bitrade(env, "audit", "verify", "--json", timeout=600)
        try:
            report = json.loads(verify.stdout.strip().splitlines()[-1])
            out["audit_chain"] = {"ok": report.get("ok"), "checked": report.get("checked")}
        except (ValueError, IndexError):
            out["audit_chain"] = {"ok": False, "problem": (verify.stdout + verify.stderr)[-500:]}
    finally:
        if server is not None:
            server.stop()
        if sealer is not None:
            sealer.stop()
        log = tmp / "gunicorn.log"
        if log.exists():
            tail = log.read_text(errors="replace").strip().splitlines()[-10:]
            if tail:
                out["gunicorn_log_tail"] = tail
        shutil.rmtree(tmp, ignore_errors=True)

    print(markdown(out))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    return 0


def _f(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:,.1f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def markdown(out: dict) -> str:
    o, cpu = out["options"], out.get("cpu", {})
    lines = [f"\n### Mixed load on {out.get('db', '?')} ({out['when']})\n",
             f"{o['users']} police users polling their inbox every {REFRESH_S:.0f} s, {o['intake_rate']:g} intake "
             f"requests/s and {o['action_rate']:g} case actions/s, open loop for {o['duration_s']:g} s; "
             f"{out.get('cases_in_db', '?'):,} cases over {out.get('units', '?')} units (actions in "
             f"{o.get('action_units', 'all')} of them); gunicorn {o['gunicorn']}; "
             f"{o['senders']} client threads. Load average before: {out['load_average_before']:.1f}; machine "
             f"{cpu.get('machine_busy_pct', '?')} % busy during the load, other work "
             f"{cpu.get('other_cpu_pct_of_machine', '?')} % of it.\n",
             "| request | planned | sent | dropped | completed | errors | req/s | p50 ms | p95 ms | p99 ms | max ms "
             "| server p95 ms | sent late p99 ms |",
             "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for r in out.get("results", []):
        lines.append(f"| {r['kind']} | {_f(r['planned'])} | {_f(r['sent'])} | {_f(r['dropped'])} | {_f(r['completed'])} | "
                     f"{_f(r['errors'])} | {_f(r['throughput_rps'])} | {_f(r['p50_ms'])} | {_f(r['p95_ms'])} | "
                     f"{_f(r['p99_ms'])} | {_f(r['max_ms'])} | {_f(r['service_p95_ms'])} | "
                     f"{_f(r['send_late_p99_ms'])} |")
    lines.append("")
    lines.append(f"- Inbox answers: {out.get('inbox_answers')}; action mix planned: {out.get('action_mix_planned')}.")
    lines.append(f"- CPU per completed request: gunicorn + sealer {_f(cpu.get('app_cpu_ms_per_request'))} ms, "
                 f"database server {_f(cpu.get('db_cpu_ms_per_request'))} ms"
                 f"{' (SQLite: in the app)' if cpu.get('db_cpu_ms_per_request') is None else ''}, "
                 f"load generator {_f(cpu.get('client_cpu_ms_per_request'))} ms"
                 f"{'; py-spy sampled during the load' if cpu.get('py_spy_during_load') else ''}.")
    sd = out.get("seal_delay", {})
    lines.append(f"- Seal delay (event inserted → sealed) of {sd.get('sealed', 0):,} events of the load: "
                 f"p50 {_f(sd.get('p50_ms'))} ms, p99 {_f(sd.get('p99_ms'))} ms, max {_f(sd.get('max_ms'))} ms; "
                 f"unsealed when the sealer stopped: {sd.get('unsealed_at_stop')}.")
    fc = sd.get("from_commit") or {}
    if fc:
        lines.append(f"- Seal delay from the commit (a watcher lists the unsealed events every 50 ms; an event is "
                     f"visible to it only once committed) of {fc.get('events', 0):,} events: p50 "
                     f"{_f(fc.get('p50_ms'))} ms, p99 {_f(fc.get('p99_ms'))} ms, max {_f(fc.get('max_ms'))} ms.")
    chain = out.get("audit_chain", {})
    lines.append(f"- Audit chain verifies after the run: {chain.get('ok')} ({chain.get('checked')} events).")
    for exc, n in (out.get("server_exceptions") or {}).items():
        lines.append(f"- Server exception (× {n}): `{exc[:240]}`")
    for r in out.get("results", []):
        for s in r.get("error_samples", []):
            lines.append(f"- Error sample ({r['kind']}): `{' '.join(s.split())[:240]}`")
    tl = out.get("timeline")
    if tl:
        a, b = tl["first_5_s"], tl["after_5_s"]
        lines += ["", f"Timeline: {tl['slow_total']:,} requests slower than {tl['slow_ms']:g} ms ({a['slow']:,} of the "
                  f"{a['requests']:,} planned in the first 5 s, p95 {_f(a['p95_ms'])} ms; {b['slow']:,} of the "
                  f"{b['requests']:,} after, p95 {_f(b['p95_ms'])} ms); "
                  f"{tl['slow_share_in_worst_tenth_of_seconds_pct']} % of them planned in the worst tenth of the "
                  f"seconds; {tl['seconds_with_no_slow_request']} seconds without one. Workers' full (gen 2) "
                  f"collections: {tl['gc2_runs']} (pause p50 {_f(tl['gc2_pause_ms_p50'])} ms, max "
                  f"{_f(tl['gc2_pause_ms_max'])} ms; CPU p50 {_f(tl['gc2_cpu_ms_p50'])} ms, in all {_f(tl['gc2_cpu_ms_total'])} ms), "
                  f"gen 1: {tl['gc1_runs']} ({_f(tl['gc1_cpu_ms_total'])} ms CPU); slow requests per second with a gen-2 "
                  f"run {_f(tl['mean_slow_per_second_with_gc2'])}, without {_f(tl['mean_slow_per_second_without_gc2'])}. "
                  f"PostgreSQL: {tl['checkpoints']} checkpoints, autovacuum running in {tl['seconds_with_autovacuum']} "
                  f"s, {tl['new_backends']} connections opened.", "",
                  "| s | requests | p95 ms | max ms | > slow | workers CPU % | busiest worker % | sealer % | PostgreSQL % "
                  "| gen 2 ms | gen 1 ms | ckpt | autovac | new conn |", "|" + "--:|" * 14]
        for r in tl["rows"]:
            lines.append("| " + " | ".join(_f(r.get(k)) for k in (
                "s", "n", "p95", "max", "slow", "workers_cpu", "busiest_worker_cpu", "sealer_cpu", "db_cpu",
                "gc2_ms", "gc1_ms", "checkpoint", "autovacuum", "new_backends")) + " |")
    pw = out.get("pg_lock_waits")
    if pw:
        lines += ["", f"PostgreSQL lock waits sampled every 0.1 s during the load ({pw['samples']} samples, on average "
                  f"{pw['mean_waiting_backends']} backends waiting for a lock): the lock waited for ← the statement "
                  f"waiting.", "", "| Lock ← statement | Backends waiting (mean) |", "|---|--:|"]
        lines += [f"| `{w['waits']}` | {w['mean_backends']} |" for w in pw["top"]]
    spy = out.get("py_spy")
    if spy:
        if "error" in spy:
            lines.append(f"- py-spy: {spy['error']}")
        else:
            lines += ["", f"py-spy on the gunicorn workers, {spy['seconds']} s in the middle of the load, "
                      f"{spy['samples']:,} samples of threads handling a request: where request threads are. "
                      f"Audit or reference-number wait among the top three: "
                      f"**{'yes' if spy['audit_or_reference_wait_in_top_three'] else 'no'}**.", "",
                      "| Where | Share of request-thread time |", "|---|--:|"]
            lines += [f"| {k} | {v} % |" for k, v in spy["shares_pct"].items()]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
