"""Where one POST /api/v1/requests spends its time: the WSGI application called in-process, one request
after the other (no HTTP, no concurrency), first plain and then under cProfile, with every SQL statement
and every commit counted, and how long the locks that serialise writers are held. Then a few
experiments, each added to the previous one and made inside this process only (the application's code
is not changed): a persistent database connection, the cached legal catalogue, a cached routing
configuration.

Run by bench/run.py inside the benchmark's own runtime directory (BITRADE_VAR_DIR and DATABASE_URL set,
demo loaded). Standalone:

    BITRADE_VAR_DIR=/tmp/x bitrade setup-demo --quiet
    BITRADE_VAR_DIR=/tmp/x python bench/profile_intake.py --requests 200 [--pstats out.pstats]

or on its own, production settings and a fresh database (SQLite in a temporary directory unless DATABASE_URL
is set), for an A/B of CPU per request against other code:

    python bench/profile_intake.py --setup --no-what-if --requests 500
    BITRADE_SRC=/other/checkout/src python bench/profile_intake.py --setup --no-what-if --requests 500
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bitrade.config.settings")

# (label, "module:qualified.name"); cumulative time per request, in call order.
BREAKDOWN = [
    ("Whole request (Django WSGI handler)", "django.core.handlers.wsgi:WSGIHandler.__call__"),
    ("Open database connection (only when none is kept: CONN_MAX_AGE)",
     "django.db.backends.base.base:BaseDatabaseWrapper.connect"),
    ("Close database connection", "django.db.backends.base.base:BaseDatabaseWrapper.close"),
    ("API key authentication (its audit event waits for the intake transaction)", "bitrade.config.api:_api_key_actor"),
    ("  authenticate_api_key (one SELECT, the routing version read with it; last_used_at at most once a minute)",
     "bitrade.organisation.services:authenticate_api_key"),
    ("Body parsing and validation (django-ninja / pydantic)", "ninja.operation:Operation._get_values"),
    ("submit_request (validation, review, routing, then the intake transaction)",
     "bitrade.intake.services:submit_request"),
    ("  _body_hash (JSON dump + SHA-256 of the body)", "bitrade.intake.services:_body_hash"),
    ("  idempotency lookup (only for a refused body or a lost claim)", "bitrade.idempotency.services:lookup"),
    ("  plan_route (before the transaction: no writes)", "bitrade.intake.services:plan_route"),
    ("    municipality (kept per configuration version)", "bitrade.routing.selectors:municipality"),
    ("    attachments: content check (_check_attachments)", "bitrade.intake.services:_check_attachments"),
    ("    formal review (_review)", "bitrade.intake.services:_review"),
    ("      load_catalogue (reads and validates the legal catalogue JSON)", "bitrade.legal.catalogue:load_catalogue"),
    ("    _route (routing configuration, kept per version, + decide)", "bitrade.intake.services:_route"),
    ("      routing selectors: configuration_version (read with the API key: no read of its own)",
     "bitrade.routing.selectors:_read_version"),
    ("      routing selectors: unit_infos (on a new version only)", "bitrade.routing.selectors:unit_infos"),
    ("      routing selectors: routing_rules (on a new version only)", "bitrade.routing.selectors:routing_rules"),
    ("      routing engine: route()", "bitrade.routing.rules:route"),
    ("  _submit (inside the write transaction)", "bitrade.intake.services:_submit"),
    ("    idempotency claim (its answer stored with it)", "bitrade.idempotency.services:claim"),
    ("    open_case (the police case, its first event and acknowledgement deadline)",
     "bitrade.assistance.services:open_case"),
    ("      the case's INSERT (PostgreSQL: its reference number drawn inside it)",
     "bitrade.cases.services:_create_with_reference"),
    ("      next_reference (SQLite: the counter row)", "bitrade.cases.services:next_reference"),
    ("    attachments: file write to MEDIA_ROOT", "django.core.files.storage.filesystem:FileSystemStorage._save"),
    ("    outbox.enqueue (notifications)", "bitrade.outbox.services:enqueue"),
    ("    deadlines.schedule", "bitrade.deadlines.services:schedule"),
    ("  COMMIT", "django.db.backends.base.base:BaseDatabaseWrapper.commit"),
    ("audit.record (the request's events; the key use goes in with the first)", "bitrade.audit.services:record"),
    ("request_answer (the 201 answer rendered without a second validation)",
     "bitrade.intake.serializers:request_answer"),
    ("  request_out (response body)", "bitrade.intake.serializers:request_out"),
    ("All SQL execution in the driver", "django.db.backends.utils:CursorWrapper._execute"),
]

AUTH = "Bearer btr_demo0001_malmo-socialtjanst-demonyckel"


def _environ(body: bytes) -> dict:
    return {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/requests", "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/json",
        "HTTP_AUTHORIZATION": AUTH, "HTTP_IDEMPOTENCY_KEY": f"profile-{uuid.uuid4()}",
    }


def _code_key(target: str) -> tuple[str, int, str] | None:
    """The cProfile key (file, first line, name) of ``module:qualified.name``, or None if it is gone."""
    import importlib
    import inspect

    module_name, _, qualname = target.partition(":")
    try:
        obj = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        return None
    obj = inspect.unwrap(obj)
    code = getattr(obj, "__code__", None)
    if code is None:
        return None
    return code.co_filename, code.co_firstlineno, code.co_name


def _find(stats: pstats.Stats, target: str) -> tuple[int, float] | None:
    """(calls, cumulative seconds) of one function, or None when it was not called."""
    key = _code_key(target)
    entry = stats.stats.get(key) if key else None
    if entry is None:
        return None
    _cc, nc, _tt, ct, _callers = entry
    return nc, ct


class _Counters:
    """SQL statements, commits, and how long locks that serialise writers are held (per measurement)."""

    def __init__(self):
        self.on = False
        self.reset()

    def reset(self):
        self.c = {"statements": 0, "select": 0, "insert": 0, "update": 0, "other": 0,
                  "autocommit_writes": 0, "commits": 0}
        # SQLite: BEGIN IMMEDIATE .. COMMIT, plus autocommit writes (write lock held); PostgreSQL: the write
        # transaction's first statement .. COMMIT
        self.write_tx_s = 0.0
        self.row_lock_s = 0.0  # first SELECT .. FOR UPDATE .. COMMIT (PostgreSQL row locks held)
        # the same span in this thread's CPU time: what the lock costs on a machine with nothing else to run
        # (the wall-clock figure above also counts time the thread waited for a CPU while holding the lock)
        self.write_tx_cpu_s = 0.0
        self._tx_start = None
        self._tx_cpu_start = None
        self._lock_start = None

    def wrapper(self, execute, sql, params, many, context):
        if not self.on:
            return execute(sql, params, many, context)
        text = sql.lstrip()
        head = text.split(None, 1)[0].upper() if text else ""
        self.c["statements"] += 1
        kind = {"SELECT": "select", "INSERT": "insert", "UPDATE": "update"}.get(head, "other")
        self.c[kind] += 1
        now = time.perf_counter()
        if head == "BEGIN" or (self._tx_start is None and context["connection"].in_atomic_block
                               and context["connection"].vendor == "postgresql"):
            # SQLite: from BEGIN IMMEDIATE (the write lock); PostgreSQL (no BEGIN statement: the driver opens the
            # transaction with its first statement): from the transaction's first statement, to COMMIT
            self._tx_start = now
            self._tx_cpu_start = time.thread_time()
        if "FOR UPDATE" in sql.upper() and self._lock_start is None:
            self._lock_start = now
        autocommit_write = kind in ("insert", "update") and not context["connection"].in_atomic_block
        try:
            return execute(sql, params, many, context)
        finally:
            if autocommit_write:
                self.c["autocommit_writes"] += 1
                self.write_tx_s += time.perf_counter() - now

    def committed(self):
        if not self.on:
            return
        now = time.perf_counter()
        self.c["commits"] += 1
        if self._tx_start is not None:
            self.write_tx_s += now - self._tx_start
            self.write_tx_cpu_s += time.thread_time() - self._tx_cpu_start
            self._tx_start = self._tx_cpu_start = None
        if self._lock_start is not None:
            self.row_lock_s += now - self._lock_start
            self._lock_start = None


def _postgres_cpu():
    """A function returning the PostgreSQL server's CPU seconds so far, or None for SQLite."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import machine

    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        backend = cur.fetchone()[0]
    postmaster = machine.parent_of(backend)
    connection.close()
    if not postmaster:
        return None
    return lambda: machine.tree_cpu_seconds(postmaster, include_reaped_children=True)


def profile(n: int, pstats_path: str | None = None, what_if: bool = True, plain_rounds: int = 0) -> dict:
    """The profile described above; with ``plain_rounds``, only that many plain measurements (no cProfile)."""
    import django

    django.setup()
    from django.db import connection
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.backends.signals import connection_created

    from bitrade.config.wsgi import application
    from bitrade.intake.tests.helpers import LVU_CARE

    body = json.dumps(LVU_CARE).encode()

    def call() -> None:
        status = {}

        def start_response(s, headers, exc_info=None):
            status["s"] = s

        response = application(_environ(body), start_response)
        data = b"".join(response)
        response.close()
        if not status["s"].startswith("201"):
            raise RuntimeError(f"POST failed: {status['s']} {data[:300]!r}")

    counters = _Counters()

    def on_connection(sender, connection, **kwargs):
        if counters.wrapper not in connection.execute_wrappers:
            connection.execute_wrappers.append(counters.wrapper)

    connection_created.connect(on_connection, weak=False)
    original_commit = BaseDatabaseWrapper.commit

    def counting_commit(self):
        result = original_commit(self)
        counters.committed()
        return result

    BaseDatabaseWrapper.commit = counting_commit
    pg_cpu = _postgres_cpu()

    def measure(label: str) -> dict:
        for _ in range(10):  # warm-up: imports, caches, first connection
            call()
        counters.reset()
        counters.on = True
        db0 = pg_cpu() if pg_cpu else 0.0
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(n):
            call()
        ms = (time.perf_counter() - t0) / n * 1000
        cpu_ms = (time.process_time() - c0) / n * 1000
        db_ms = (pg_cpu() - db0) / n * 1000 if pg_cpu else None
        counters.on = False
        return {
            "label": label,
            "ms_per_request": round(ms, 2),
            "cpu_ms_per_request": round(cpu_ms, 2),  # this process's CPU (process_time): steady on a busy machine
            "db_server_cpu_ms_per_request": round(db_ms, 2) if db_ms is not None else None,
            "write_lock_ms_per_request": round(counters.write_tx_s / n * 1000, 2),
            "write_lock_cpu_ms_per_request": round(counters.write_tx_cpu_s / n * 1000, 2),
            "row_lock_ms_per_request": round(counters.row_lock_s / n * 1000, 2),
            "sql_per_request": {k: round(v / n, 2) for k, v in counters.c.items()},
        }

    if plain_rounds:
        return {"rounds": [measure(f"round {i + 1}") for i in range(plain_rounds)]}
    plan_seen = _plan_inside_transaction()
    baseline = measure("as is")
    plain_ms = baseline["ms_per_request"]

    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    for _ in range(n):
        call()
    prof.disable()
    profiled_ms = (time.perf_counter() - t0) / n * 1000
    if pstats_path:
        prof.dump_stats(pstats_path)
    stats = pstats.Stats(prof)

    total = _find(stats, BREAKDOWN[0][1])
    total_s = total[1] if total else 0.0
    rows = []
    for label, target in BREAKDOWN:
        found = _find(stats, target)
        if found is None:
            continue
        calls, cum = found
        rows.append({
            "what": label,
            "calls_per_request": round(calls / n, 2),
            "ms_per_request": round(cum / n * 1000, 2),
            "share_pct": round(cum / total_s * 100, 1) if total_s else None,
        })
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(15)
    top_tottime = []
    for line in buf.getvalue().splitlines():
        parts = line.split(None, 5)
        if len(parts) == 6 and parts[1].replace(".", "").isdigit() and "(" in parts[5]:
            top_tottime.append({"tottime_ms_per_request": round(float(parts[1]) / n * 1000, 2),
                                "function": parts[5].replace(os.getcwd() + "/", "")})

    experiments = [baseline]
    if what_if:
        experiments += _what_ifs(measure)
    return {
        "engine": connection.vendor,
        "requests": n,
        "plain_ms_per_request": plain_ms,
        "cpu_ms_per_request": baseline["cpu_ms_per_request"],
        "profiled_ms_per_request": round(profiled_ms, 2),
        "single_thread_ceiling_rps": round(1000 / plain_ms, 1),
        "sql_per_request": baseline["sql_per_request"],
        "write_lock_ms_per_request": baseline["write_lock_ms_per_request"],
        "write_lock_cpu_ms_per_request": baseline["write_lock_cpu_ms_per_request"],
        "row_lock_ms_per_request": baseline["row_lock_ms_per_request"],
        "db_server_cpu_ms_per_request": baseline["db_server_cpu_ms_per_request"],
        "plan_inside_write_transaction": plan_seen["inside"],
        "breakdown": rows,
        "top_self_time": top_tottime[:12],
        "what_if": experiments,
    }


def _what_ifs(measure) -> list[dict]:
    """Experiments, cumulative, inside this process only (the application's code is not changed): what one
    request would cost with a persistent database connection, a cached legal catalogue and a cached routing
    configuration. An experiment is left out when the application already does it."""
    import functools

    from django.db import connections

    from bitrade.intake import services as intake_services
    from bitrade.legal import catalogue
    from bitrade.routing import selectors as routing_selectors

    out = []
    if any(not c.settings_dict.get("CONN_MAX_AGE") for c in connections.all()):
        for conn in connections.all():
            conn.close()
            conn.settings_dict["CONN_MAX_AGE"] = 600
        out.append(measure("+ persistent database connection (CONN_MAX_AGE=600)"))

    if getattr(intake_services, "load_catalogue", None) is catalogue.load_catalogue:
        intake_services.load_catalogue = catalogue.default_catalogue
        out.append(measure("+ legal catalogue read once per process (default_catalogue())"))

    if not hasattr(routing_selectors, "region_configuration"):
        for name in ("unit_infos", "routing_rules", "area_names", "ack_thresholds"):
            cached = functools.lru_cache(maxsize=64)(getattr(routing_selectors, name))
            setattr(routing_selectors, name, cached)
        out.append(measure("+ routing configuration cached per region and day"))
    return out


def _plan_inside_transaction() -> dict:
    """Wraps intake's plan_route (validation, review, routing) to note whether it runs inside the write
    transaction; returns the dict it fills."""
    import functools

    from django.db import connection

    from bitrade.intake import services as intake_services

    seen: dict = {"inside": None}
    original = getattr(intake_services, "plan_route", None)
    if original is None:
        return seen

    @functools.wraps(original)
    def plan_route(*args, **kwargs):
        seen["inside"] = connection.in_atomic_block
        return original(*args, **kwargs)

    intake_services.plan_route = plan_route
    return seen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--json", help="write the result here as JSON")
    parser.add_argument("--pstats", help="also dump the raw cProfile statistics here")
    parser.add_argument("--no-what-if", action="store_true", help="skip the what-if experiments")
    parser.add_argument("--setup", action="store_true",
                        help="production settings, a fresh database with the demo organisation (BITRADE_SRC: other code)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="with --setup: measure CPU per request this many times (the minimum is the figure)")
    args = parser.parse_args(argv)
    if args.setup:
        return _standalone(args)
    result = profile(max(1, min(args.requests, 5000)), args.pstats, what_if=not args.no_what_if)
    text = json.dumps(result, ensure_ascii=False, indent=2)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        print(text)
    return 0


def _standalone(args) -> int:
    """CPU and statements per request on the code of BITRADE_SRC (default: this checkout), no cProfile."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import inprocess

    src = inprocess.environment("prof-intake-")
    import django

    django.setup()
    from django.core.management import call_command

    from bitrade.organisation.demo import load_demo

    call_command("migrate", verbosity=0, interactive=False)
    load_demo()
    from django.db import connections

    connections.close_all()  # the counters attach to the next connection
    n = max(1, min(args.requests, 5000))
    if args.pstats:  # the full profile (breakdown, top self time), plain measurement first
        result = profile(n, args.pstats, what_if=False)
        print(json.dumps({"code": src, **result}, ensure_ascii=False, indent=2))
        return 0
    rounds = profile(n, plain_rounds=max(1, args.rounds))["rounds"]
    best = min(rounds, key=lambda r: r["cpu_ms_per_request"])
    out = {"code": src, "requests": n, "cpu_ms_per_request_rounds": [r["cpu_ms_per_request"] for r in rounds],
           **best}
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
