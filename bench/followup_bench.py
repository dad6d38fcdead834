"""Benchmark of the national follow-up: ten national years, every dashboard view, SQLite and PostgreSQL,
and DuckDB over an export of the same data as the reference for what is possible.

    python bench/followup_bench.py [--db sqlite|postgres|both] [--years 10] [--scale 1.0] [--repeat 20]
                                   [--period 2025] [--pg-port 54359] [--no-duckdb] [--no-gc-freeze] [--json FILE]

For each database, in a child process with a fresh database and a temporary BITRADE_VAR_DIR, it

1. migrates, loads the demo organisation and times ``bitrade generate --years N`` (the load);
2. times the fact table's incremental refresh (nothing changed) and a full rebuild, then cleans up after the
   load as a server's autovacuum would long before (PostgreSQL: ``VACUUM ANALYZE`` and ``CHECKPOINT``; SQLite: a
   WAL checkpoint; then the operating system's ``sync``);
3. requests every dashboard view in-process from the server's WSGI application (``config/wsgi.py``;
   ``_Wsgi``), as the logged-in analyst, a regional command centre, a station commander and a requesting
   organisation (the page: queries, tables, SVG charts, template), ``--repeat`` times after two warm-up
   requests, and reports p50, p95 and the slowest (with the default 20 requests the p95 lies between the
   second slowest and the slowest, nearly at the second; with 10 it is more than half-way to the slowest):
   *cold* with the follow-up's result cache emptied before each request (as any fact change does), and on
   the DuckDB path also *warm* (the same request repeated between two fact syncs) and *first* (the kept
   compiled SQL and the report's recorded questions dropped too: a question never asked in this process).
   Before the timed requests the process calls ``gc.freeze()`` as the server does (``config/wsgi.py``;
   ``--no-gc-freeze`` leaves it out), and the full collections (generation 2) during each view's cold
   requests are counted: they are what a p95 far above the p50 usually is. Before each view's cold requests a
   fixed piece of work on both cores is timed (``_machine_probe``): the machine is shared and its speed moves
   by tens of per cent over minutes, so each view's figures come with how fast the machine was;
4. (unless ``--no-duckdb``) exports the database's own tables (cases with their requests, completion
   questions, municipalities and police areas, custody episodes, holdings, transport orders and legs; the
   return cases with their detail, their detentions and their transport orders to Kriminalvården;
   ``followup_reference.EXPORTS``) to CSV, loads them into DuckDB and asks there, from the raw rows (not from
   the fact tables), each follow-up table's own questions (``followup_reference.QUESTIONS``), timed once for
   each period, level and series a timed view shows; and checks every cell the dashboard's API shows for the
   national year (and the comparison per level, the series per year, the other periods the national views
   show, the scoped users' tables; the return tables of ``/api/v1/followup/returns/tables`` for the year and
   the years at once; the deviations now as the analyst per region and as a region's command centre with
   the cases listed) against the same cell computed from the DuckDB answers.

The reference per view. Each view is compared with the time DuckDB takes to answer, from the raw rows, the
questions that view's tables ask: one query per table of ``reports.Report.BUILDERS`` (two for the comparison,
its counts and its durations), each computing that table's figures as ``followup.metrics`` defines them and
``followup.facts`` derives them from the cases (anchors, conditions, whole-second lead times, age groups,
thresholds, Stockholm months), grouped as the table groups them:

    jamforelse            counts per level (received, completion, escalated, closed, decided, granted, overruled,
                          episodes, holdings, children held, transports, to NTE, declined by NTE; population);
                          lead times per level with their total (received → decision and → closed medians,
                          patrol mean)
    lagrum, saknummer     received, closed and received in the previous period, per law and point / case code
    serie                 received, closed, granted, refused per Stockholm month or year
    beslut                decided, granted, refused, overruled, received, completion requested per law
    avslag                refusals per formal check
    ledtider              the six stages and the patrol time: n, median, p90, mean
    patrulltid            patrol time per law and total: n, total, mean, median, p90
    utfall                per outcome: cases, not found first, reported back, not reported back within 24 h
    frihetsberovanden     episodes per ground and age group
    forvar                holdings, median, p90 and count over the holding threshold per age group, per
                          ground and in total
    barn                  children held per place type, and in the activity room
    transporter           per executor and state, relay transports, handovers
    nte                   NTE's declines per reason
    avvikelser            the period's deviations and their bases

and, for the return-enforcement page and API (``followup.atervandande``: the measures of its METRIC_LIST as
``returns.followup_facts`` derives the fact rows from the return cases):

    ret_flode             per Stockholm year: received, of them handed over by Migrationsverket, closed; the stock
                          on each 31 December that is over (ret_flode's ``has_end``)
    ret_niva, ret_kalla,  one question, as the report's one shared scan: received, handovers, closed per level,
    ret_kategori,         source, police category, reason and outcome, and the stock on the period's last
    ret_overlamnade,      31 December (``_last_stock``) per level, source and category
    ret_utfall
    ret_kohort            per year of reception: received, and closed within four years to the same calendar day
                          by a departure, a lapse, a permit, or still open
    ret_forvar            detentions started per police category and in total: started, ended, median and mean
                          length in days
    ret_transporter       transport orders per trip type: ordered, done, cancelled

A view's reference is the sum of the p95 of its tables' distinct questions (``TABLE_QUESTIONS``; a question
several tables share is counted once) over the view's period, the comparison's (and the returns by level) at the
view's level and the series at its series, in the view's scope (the cases of a region, a unit or a requesting
organisation, as ``selectors.scope_for`` gives the user; ``followup_reference.scoped``). A returns view's
tables and scope are those ``atervandande.scope_for`` gives the user: the analyst all nine tables (five
questions), Migrationsverket the seven of ``MV_TABLES`` (three questions), both nationally. The deviations now
(``selectors.deviations``, over the cases, not the facts) are compared with two questions: every deviation's
count of open cases and open holdings per level, at the moment (``avvikelser_nu``), and, for those who may open
cases, the oldest hundred cases of each deviation (``avvikelser_nu_lista``). The column "p95 / reference" is the view's cold p95 over that sum; the column "ratio"
beside it remains the cold p95 over the replica's own time for that request's queries.

PostgreSQL runs under scripts/with-postgres.sh (a throw-away server on --pg-port). Prints a Markdown table;
timings are reported, never asserted. DuckDB is a bench-only dependency: ``pip install duckdb``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WITH_POSTGRES = REPO / "scripts" / "with-postgres.sh"

VIEWS = ("oversikt", "volymer", "beslut", "frihet", "transporter", "avvikelser", "alla")
TABLE_VIEWS = VIEWS[:-1]

#: The reference: DuckDB answering each follow-up table's own questions from the raw rows (``followup_reference``).
sys.path.insert(0, str(BENCH))
from followup_reference import QUESTIONS, SCOPE_COLUMNS, TABLE_QUESTIONS  # noqa: E402

#: The handräckning questions (checked against ``/api/v1/followup/tables``); the return questions are checked
#: against ``/api/v1/followup/returns/tables``.
HANDRACKNING = tuple(q for q in QUESTIONS if q.kind == "assistance")


def view_questions(tables, level: str = "nation", series: str = "month", scope: str = "") -> list[str]:
    """The reference questions (their timing keys: the label, with the level or series where the question is
    asked per level or series, and the scope) a view with these tables asks, in the reference's order."""
    from followup_reference import variant, variants

    asked = {q for t in tables for q in TABLE_QUESTIONS.get(t, ())}
    return [variant(q.label, *variants(q.label, level, series), scope) for q in QUESTIONS if q.label in asked]


def _scenario_tables(user: str, url: str) -> tuple[str, str, str, list[str]]:
    """(period, level, series, table keys) of a timed view, from its URL (the child, with Django set up): the
    tables the dashboard, its API or its export build for that view (the returns page and API: the tables the
    user's scope gives, ``atervandande.scope_for``); the deviations now have no period ("")."""
    from urllib.parse import parse_qs, urlsplit

    from bitrade.followup import reports, rules

    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    period, level = query.get("period", ""), query.get("level", "nation")
    # the series' default as the dashboard's (``rules.parse_params``): months up to two years, else years
    series = query.get("series") or ("month" if not period or rules.parse_period(period).months <= 24 else "year")
    path = parts.path
    if "atervandande" in path or "/returns/" in path:
        scope, tables = _return_scope(user)
        if path.startswith("/api/v1/followup/returns/tables/"):
            tables = (path.rsplit("/", 1)[1],)
        return period, level, series, list(tables)
    if path.startswith("/uppfoljning/avvikelser"):  # the deviations now: counts, and for police the cases
        from bitrade.followup.selectors import scope_for
        from bitrade.organisation.actor import actor_for_person
        from bitrade.organisation.models import Person

        listed = scope_for(actor_for_person(Person.objects.get(username=user))).case_access
        return "", level, series, ["avvikelser_nu", *(["avvikelser_nu_lista"] if listed else [])]
    if path.startswith("/uppfoljning/export/"):
        key = path.rsplit("/", 1)[1].split(".")[0]
        if key != "alla":
            return period, level, series, [key]
        view = query.get("vy", reports.ALL_VIEW)
    elif path.startswith("/api/v1/followup/tables"):
        view = path.rsplit("/", 1)[1] if not path.endswith("/tables") else query.get("view", "oversikt")
    else:
        view = query.get("vy", "oversikt")
    return period, level, series, list(reports.view_tables(view, requester=user == "soc.malmo")[1])


def _scenarios(period: str, first_year: int) -> list[tuple[str, str, str]]:
    """(label, user, url)."""
    out = []
    for view in VIEWS:
        out.append((f"analyst · nation · {view}", "analytiker", f"/uppfoljning/?period={period}&vy={view}"))
    for level in ("region", "police_area", "unit", "organisation"):
        out.append((f"analyst · {level} · oversikt", "analytiker",
                    f"/uppfoljning/?period={period}&level={level}&vy=oversikt"))
    out += [
        ("analyst · region · alla", "analytiker", f"/uppfoljning/?period={period}&level=region&vy=alla"),
        (f"analyst · {first_year}–{period} · volymer (year series)", "analytiker",
         f"/uppfoljning/?period={first_year}..{period}&series=year&vy=volymer"),
        ("analyst · month · beslut", "analytiker", f"/uppfoljning/?period={period}-06&vy=beslut"),
        ("analyst · deviations now · region", "analytiker", "/uppfoljning/avvikelser/?level=region"),
        ("RLC Syd · police_area · oversikt", "rlc.syd", f"/uppfoljning/?period={period}&level=police_area&vy=oversikt"),
        ("RLC Syd · alla", "rlc.syd", f"/uppfoljning/?period={period}&vy=alla"),
        ("RLC Syd · deviations now (with cases)", "rlc.syd", "/uppfoljning/avvikelser/"),
        ("station commander Malmö · alla", "sb.malmo", f"/uppfoljning/?period={period}&vy=alla"),
        ("requester (social services Malmö)", "soc.malmo", f"/uppfoljning/?period={period}"),
        ("API · analyst · tables alla", "analytiker", f"/api/v1/followup/tables?period={period}&view=alla"),
        ("export · analyst · alla.xlsx", "analytiker", f"/uppfoljning/export/alla.xlsx?period={period}&vy=alla"),
        ("export · analyst · jamforelse.csv per region", "analytiker",
         f"/uppfoljning/export/jamforelse.csv?period={period}&level=region&vy=oversikt"),
    ]
    out += [(f"API · analyst · tables {view}", "analytiker", f"/api/v1/followup/tables?period={period}&view={view}")
            for view in TABLE_VIEWS]
    ten = f"{first_year}..{period}"
    out += [
        ("ten years at once · oversikt (year series)", "analytiker", f"/uppfoljning/?period={ten}&series=year&vy=oversikt"),
        ("ten years at once · beslut", "analytiker", f"/uppfoljning/?period={ten}&series=year&vy=beslut"),
        ("ten years at once · per region · oversikt", "analytiker",
         f"/uppfoljning/?period={ten}&series=year&level=region&vy=oversikt"),
        ("ten years at once · alla", "analytiker", f"/uppfoljning/?period={ten}&series=year&vy=alla"),
        ("ten years at once · API tables alla", "analytiker", f"/api/v1/followup/tables?period={ten}&series=year&view=alla"),
        # return enforcement across the agencies (the return follow-up page, its API, one year and ten)
        ("returns · analyst · page", "analytiker", f"/uppfoljning/atervandande/?period={period}"),
        ("returns · Migrationsverket · page", "mv.syd", f"/uppfoljning/atervandande/?period={period}"),
        ("returns · analyst · API tables", "analytiker", f"/api/v1/followup/returns/tables?period={period}"),
        ("returns · ten years at once · page", "analytiker", f"/uppfoljning/atervandande/?period={ten}"),
        ("returns · ten years at once · API tables", "analytiker", f"/api/v1/followup/returns/tables?period={ten}"),
    ]
    return out


def _pct(values: list[float], q: float) -> float:
    xs = sorted(values)
    k = (len(xs) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


# --------------------------------------------------------------------------- child: one database


def _machine_probe():
    """A fixed piece of work on both cores (a DuckDB sum over six million hashed numbers on each of two threads,
    one DuckDB thread each), timed: how fast the machine is at this moment. This machine is shared, and its
    speed moves by tens of per cent over minutes; each view's cold requests are timed right after a probe, so
    a slow view can be told from a slow machine. Returns a function giving the median of three probes, in ms."""
    import duckdb

    cons = [duckdb.connect(":memory:", config={"threads": 1}) for _ in range(2)]

    def work(con):
        con.execute("SELECT sum(hash(i)) FROM range(6000000) t(i)").fetchall()

    def probe() -> float:
        times = []
        for _ in range(3):
            threads = [threading.Thread(target=work, args=(con,)) for con in cons]
            t = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            times.append((time.perf_counter() - t) * 1000)
        return round(statistics.median(times), 1)

    return probe


def child(args) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bitrade.config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from bitrade.followup import facts, synthetic
    from bitrade.organisation.demo import load_demo
    from bitrade.organisation.models import Person

    result: dict = {"vendor": connection.vendor, "views": {}}
    call_command("migrate", verbosity=0, interactive=False)
    load_demo()
    started = time.perf_counter()
    gen = synthetic.generate(years=args.years, scale=args.scale, seed=1, progress=sys.stderr.isatty())
    result["generate_s"] = round(time.perf_counter() - started, 1)
    result["rows"] = gen.counts
    with connection.cursor() as cur:
        cur.execute("ANALYZE")  # a bulk load leaves the planner without statistics on both databases
    t = time.perf_counter()
    facts.refresh()  # the generator writes handräckning's fact rows itself; other kinds' feeds build theirs here
    result["refresh_first_s"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    facts.refresh()
    result["refresh_incremental_ms"] = round((time.perf_counter() - t) * 1000, 1)
    t = time.perf_counter()
    facts.refresh(full=True)
    result["refresh_full_s"] = round(time.perf_counter() - t, 1)
    from django.conf import settings

    from bitrade.followup import duck, schedule

    # The load and the rebuild leave dead rows and a long write-ahead log; a server has cleaned them up long before
    # anyone looks (autovacuum, the WAL checkpoint). Done now, so the clean-up does not run during the timings:
    # PostgreSQL's checkpoint too (otherwise it spreads the writing of every page the vacuum touched over the next
    # minutes, the minutes of the timings), and the operating system's writing of what both left in its cache.
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "PRAGMA wal_checkpoint(TRUNCATE)")
        if connection.vendor == "postgresql":
            cur.execute("CHECKPOINT")
    os.sync()
    result["engine"] = duck.engine()
    if result["engine"] == duck.DUCKDB:
        t = time.perf_counter()
        duck.ensure()  # a process with no snapshot: copies every fact row once
        result["replica_cold_s"] = round(time.perf_counter() - t, 1)
        t = time.perf_counter()
        duck.write_snapshot()
        result["snapshot_write_s"] = round(time.perf_counter() - t, 1)
        t = time.perf_counter()
        duck.Replica().ensure()  # a new process: starts from the snapshot
        result["replica_from_snapshot_s"] = round(time.perf_counter() - t, 1)
        engine_ms = [0.0]
        engine_lock = threading.Lock()
        original_execute = duck.Replica._execute

        def timed_execute(self, sql, params):
            # Each statement's own time, wherever it runs: the request's thread or the pool that answers a
            # report's questions ahead (``duck.ahead``) — so this is DuckDB's work for the request, not the
            # time the request waited for it.
            t0 = time.perf_counter()
            try:
                return original_execute(self, sql, params)
            finally:
                with engine_lock:
                    engine_ms[0] += (time.perf_counter() - t0) * 1000

        duck.Replica._execute = timed_execute
    period = args.period
    first_year = int(period) - args.years + 1
    # Full collections during the timed requests: a page that allocates much (hundreds of organisations' rows)
    # triggers one every few requests, which is what its p95 then shows; counted per view.
    full_gc = [0]

    def on_gc(phase, info):
        if phase == "stop" and info["generation"] == 2:
            full_gc[0] += 1

    gc.callbacks.append(on_gc)
    wsgi = _Wsgi()
    if not args.no_gc_freeze:
        # As the server process does (config/wsgi.py: gc.freeze() once the application is loaded): what was
        # loaded before the first request is moved out of the collector's generations.
        gc.collect()
        gc.freeze()
    result["gc_freeze"] = not args.no_gc_freeze
    clients, scopes = {}, {}
    probe = _machine_probe()
    for label, user, url in _scenarios(period, first_year):
        if user not in clients:
            clients[user] = Client()
            clients[user].force_login(Person.objects.get(username=user))
            scopes[user] = _scope(user)
        client = clients[user]
        for _ in range(2):
            assert wsgi.get(client, url) == 200, (label, url)
        caches = ()
        if result["engine"] == duck.DUCKDB:
            from bitrade.followup import metrics

            caches = (metrics.RESULTS, metrics.PLANS, duck.AHEAD)
        # Cold: the result cache emptied before each request, as any fact change does (every query runs on
        # DuckDB; the compiled SQL, which holds no data, is kept); first: the compiled SQL dropped too (a
        # question never asked in this process); warm: the same request again between two fact syncs.
        times, in_duckdb, warm, first = [], [], [], []
        machine_ms = probe()
        full_gc[0] = 0
        for _ in range(args.repeat):
            if caches:
                caches[0].clear()
                engine_ms[0] = 0.0
            t = time.perf_counter()
            response = wsgi.get(client, url)
            times.append((time.perf_counter() - t) * 1000)
            in_duckdb.append(engine_ms[0] if result["engine"] == duck.DUCKDB else 0.0)
            assert response == 200, (label, url, response)
        cold_full_gc = full_gc[0]
        for _ in range(args.repeat if caches else 0):
            t = time.perf_counter()
            response = wsgi.get(client, url)
            warm.append((time.perf_counter() - t) * 1000)
            assert response == 200, (label, url, response)
        for _ in range(args.repeat if caches else 0):
            for cache in caches:
                cache.clear()
            t = time.perf_counter()
            response = wsgi.get(client, url)
            first.append((time.perf_counter() - t) * 1000)
            assert response == 200, (label, url, response)
        v = result["views"][label] = {"p50": round(_pct(times, 0.5), 1), "p95": round(_pct(times, 0.95), 1),
                                      "max": round(max(times), 1),
                                      "duckdb_p95": round(_pct(in_duckdb, 0.95), 1), "cold_full_gc": cold_full_gc,
                                      "machine_ms": machine_ms}
        v["period"], v["level"], v["series"], v["tables"] = _scenario_tables(user, url)
        v["user"], v["scope"] = user, scopes[user]
        if _is_return_view(url):
            from followup_reference import scope_key

            v["kind"], v["scope"] = "return", scope_key(dict(_return_scope(user)[0].case_filter))
        elif url.startswith("/uppfoljning/avvikelser"):
            v["kind"] = "now"
        if warm:
            v["warm_p50"], v["warm_p95"] = round(_pct(warm, 0.5), 1), round(_pct(warm, 0.95), 1)
            v["first_p50"], v["first_p95"] = round(_pct(first, 0.5), 1), round(_pct(first, 0.95), 1)
        print(f"  {connection.vendor:10s} {label:48s} cold p50 {v['p50']:7.1f} ms  p95 {v['p95']:7.1f} ms  "
              f"(DuckDB queries p95 {v['duckdb_p95']:.1f} ms; full collections {cold_full_gc})"
              + (f"  warm p50 {v['warm_p50']:6.1f} p95 {v['warm_p95']:6.1f} ms  first p95 {v['first_p95']:6.1f} ms"
                 if warm else ""), file=sys.stderr)
    result["change_visible"] = change_visible(clients["analytiker"], period, settings, schedule)
    if not args.no_duckdb:
        asked = sorted({(v["period"], v["level"], v["series"], v["scope"], v.get("kind", "assistance"))
                        for v in result["views"].values() if v.get("tables")})
        users = {v["scope"]: v["user"] for v in result["views"].values()
                 if v.get("tables") and v["scope"] and v.get("kind", "assistance") == "assistance"}
        result["duckdb"] = duckdb_reference(args, period, asked, users)
    return result


def _is_return_view(url: str) -> bool:
    return "atervandande" in url or "/returns/" in url


def _return_scope(user: str):
    """The return follow-up's scope and tables for this user (``atervandande.scope_for``)."""
    from bitrade.followup import atervandande
    from bitrade.organisation.actor import actor_for_person
    from bitrade.organisation.models import Person

    return atervandande.scope_for(actor_for_person(Person.objects.get(username=user)))


def _scope(user: str) -> str:
    """The scope the dashboard gives this user (``selectors.scope_for``), as the reference's scope key."""
    from followup_reference import scope_key

    from bitrade.followup.selectors import scope_for
    from bitrade.organisation.actor import actor_for_person
    from bitrade.organisation.models import Person

    return scope_key(dict(scope_for(actor_for_person(Person.objects.get(username=user))).case_filter))


class _Wsgi:
    """Requests to the server's WSGI application (``config/wsgi.py``'s ``application``: request_started and
    request_finished sent, the body iterated and closed, and the collector frozen once more after the first
    ``BITRADE_GC_FREEZE_AFTER`` requests, as in the server), with a logged-in test client's cookies. Not through
    the test client itself: Django's ``ClientHandler`` disconnects and reconnects ``close_old_connections`` on
    every request, and each reconnection registers a ``weakref.finalize`` that lives as long as the process —
    thousands of them after a few hundred requests, which the collector then walks in every full collection (a
    cost of the harness the server does not have)."""

    def __init__(self):
        from bitrade.config.wsgi import application

        self.handler = application

    def get(self, client, url: str) -> int:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        environ = client._base_environ(PATH_INFO=parts.path, QUERY_STRING=parts.query, REQUEST_METHOD="GET")
        status = []
        result = self.handler(environ, lambda s, headers, exc_info=None: status.append(s))
        try:
            for _chunk in result:
                pass
        finally:
            result.close()
        return int(status[0].split()[0])


def change_visible(client, period: str, settings, schedule) -> dict:
    """A case closes now: how long until the dashboard's API counts it. The worker's follow-up tick (an
    incremental refresh of the facts and the replica) runs every BITRADE_FOLLOWUP_SYNC_SECONDS; measured here
    is one tick, and the bound is that interval plus the tick."""
    from django.utils import timezone

    from bitrade.cases.models import Case

    today = timezone.localdate()
    url = f"/api/v1/followup/tables/lagrum?period={today.year - 1}..{today.year}"  # large counts: not suppressed

    def closed_now() -> int:
        return client.get(url).json()["tables"][0]["total"]["values"]["closed"] or 0

    before = closed_now()
    case = Case.objects.filter(kind="assistance", state="granted", closed_at__isnull=True).order_by("pk").first()
    if case is None:
        return {}
    now = timezone.now()
    Case.objects.filter(pk=case.pk).update(state="closed", closed_at=now, updated_at=now)
    t = time.perf_counter()
    schedule.tick()
    tick_ms = (time.perf_counter() - t) * 1000
    after = closed_now()
    interval = schedule.interval()
    return {"tick_ms": round(tick_ms, 1), "interval_s": interval, "before": before, "after": after,
            "visible": after == before + 1, "bound_s": round(interval + tick_ms / 1000, 1)}


# --------------------------------------------------------------------------- DuckDB reference


def duckdb_reference(args, period: str, asked=(), users: dict | None = None) -> dict:
    """Export the raw rows, load them into DuckDB, time every reference question for each (period, level,
    series) a timed view shows, and check the national year's answers against the dashboard's API, cell by
    cell."""
    import csv

    import duckdb
    from django.db import connection
    from django.test import Client
    from followup_reference import (
        EXPORTS,
        ask,
        cells,
        compare,
        compare_listed,
        load,
        now_cells,
        parameters,
        return_cells,
        variant,
        variants,
    )

    from bitrade.followup import rules
    from bitrade.organisation.models import Person

    out: dict = {"queries": {}, "checks": {}}
    folder = Path(tempfile.mkdtemp(prefix="followup-duckdb-"))

    def export(names) -> None:
        with connection.cursor() as cur:
            for name in names:
                cur.execute(EXPORTS[name])
                columns = [c[0] for c in cur.description]
                with open(folder / f"{name}.csv", "w", newline="") as fh:
                    writer = csv.writer(fh)
                    writer.writerow(columns)
                    while rows := cur.fetchmany(20000):
                        # PostgreSQL returns aware datetimes ("…+00:00"): DuckDB would read those as TIMESTAMPTZ
                        # and compare them with the naive UTC bounds in the process's time zone (Django sets TZ),
                        # an hour off at the period's edges. Written as naive UTC, as SQLite stores them.
                        writer.writerows([[v.astimezone(UTC).replace(tzinfo=None)
                                           if isinstance(v, datetime) and v.tzinfo is not None else v for v in r]
                                          for r in rows])

    t = time.perf_counter()
    export(EXPORTS)
    out["export_s"] = round(time.perf_counter() - t, 1)
    db = duckdb.connect()
    t = time.perf_counter()
    load(db, folder)
    out["load_s"] = round(time.perf_counter() - t, 1)
    # Each question once per (period, level, series, scope) it is asked for: a question that is not asked per
    # level (or per series) is the same for every level (series). The national year: every question; otherwise
    # the questions of the kind of case (handräckning or return) the views asking for it show.
    todo: dict[str, set[tuple[str, str, str, str]]] = {
        period: {("nation", "month", "", "assistance"), ("nation", "month", "", "return")}}
    for code, level, series, scope, kind in asked:
        todo.setdefault(code, set()).add((level, series, scope, kind))
    out["per_period"] = {}
    for code in sorted(todo, key=lambda c: c != period):
        params = parameters(code or period, datetime.now(UTC))  # "": the deviations now (no period)
        timed = out["per_period"][code] = {}
        for level, series, scope, kind in sorted(todo[code], key=lambda ls: ls[:3] != ("nation", "month", "")):
            for q in QUESTIONS:
                if q.kind != kind:
                    continue
                lv, se = variants(q.label, level, series)
                key = variant(q.label, lv, se, scope)
                if key in timed:
                    continue
                ask(db, q.label, lv, se, params, scope)  # one warm-up, as the views have theirs
                times = []
                for _ in range(args.repeat):
                    t = time.perf_counter()
                    ask(db, q.label, lv, se, params, scope)
                    times.append((time.perf_counter() - t) * 1000)
                timed[key] = {"p50": round(_pct(times, 0.5), 1), "p95": round(_pct(times, 0.95), 1)}
    out["queries"] = out["per_period"][period]
    # The same figures from the dashboard's API, which reads the fact table: every shown cell of every table.
    client = Client()
    client.force_login(Person.objects.get(username="analytiker"))
    api = client.get(f"/api/v1/followup/tables?period={period}&view=alla").json()
    tables = {tb["key"]: tb for tb in api["tables"]}
    params = parameters(period, datetime.now(UTC))  # the moment a late assignment is judged at: the API's minute
    ours: dict[str, dict] = {}
    for q in HANDRACKNING:
        ours.setdefault(q.table, {}).update(cells(q.label, ask(db, q.label, "nation", "month", params)))
    for key, mine in ours.items():
        out["checks"][key] = compare(tables[key], mine) if key in tables else {"missing": True}
    # The questions asked per level or per series, as the views with a level or a year series show them.
    first_year = int(period) - args.years + 1
    for key, table, url_query, level, series, code in [
            *((f"jamforelse · {lv}", "jamforelse", f"period={period}&level={lv}", lv, "month", period)
              for lv in ("region", "police_area", "unit", "organisation")),
            (f"serie · {first_year}..{period} per year", "serie", f"period={first_year}..{period}&series=year",
             "nation", "year", f"{first_year}..{period}")]:
        answer = client.get(f"/api/v1/followup/tables/{table}?{url_query}").json()["tables"][0]
        params = parameters(code, datetime.now(UTC))
        mine = {}
        for q in HANDRACKNING:
            if q.table == table:
                mine.update(cells(q.label, ask(db, q.label, level, series, params), level))
        out["checks"][key] = compare(answer, mine)
    # The other periods the national views show (a month, the years at once): every table, summed in one row.
    for code in sorted({c for c, lv, _, sc, kind in asked if lv == "nation" and not sc and kind == "assistance"}
                       - {period}):
        series = "month" if rules.parse_period(code).months <= 24 else "year"
        answer = client.get(f"/api/v1/followup/tables?period={code}&series={series}&view=alla").json()
        params = parameters(code, datetime.now(UTC))
        mine = {}
        for q in HANDRACKNING:
            mine.setdefault(q.table, {}).update(cells(q.label, ask(db, q.label, "nation", series, params)))
        results = [compare(tb, mine[tb["key"]]) for tb in answer["tables"] if tb["key"] in mine]
        out["checks"][f"all {len(results)} tables · {code}"] = {
            k: sum(r[k] for r in results) for k in ("compared", "equal", "hidden")} | {
            "differ": [d for r in results for d in r["differ"]]}
    # The scoped views (a region's command centre, a station commander, a requesting organisation): every table
    # they are shown for the period, as that user sees it.
    for scope, user in sorted((users or {}).items()):
        scoped_client = Client()
        scoped_client.force_login(Person.objects.get(username=user))
        answer = scoped_client.get(f"/api/v1/followup/tables?period={period}&view=alla").json()
        params = parameters(period, datetime.now(UTC))
        mine = {}
        for q in HANDRACKNING:
            mine.setdefault(q.table, {}).update(cells(q.label, ask(db, q.label, "nation", "month", params, scope)))
        results = [compare(tb, mine[tb["key"]]) for tb in answer["tables"] if tb["key"] in mine]
        out["checks"][f"all {len(results)} tables · {period} · {user} ({scope})"] = {
            k: sum(r[k] for r in results) for k in ("compared", "equal", "hidden")} | {
            "differ": [d for r in results for d in r["differ"]]}
    # Return enforcement: every return table of the dashboard's API as the analyst (national) for the national
    # year, table by table, and for the other periods the return views show (every table, summed in one row).
    for code in [period, *sorted({c for c, lv, _, sc, kind in asked if kind == "return" and lv == "nation"
                                  and not sc} - {period})]:
        answer = client.get(f"/api/v1/followup/returns/tables?period={code}").json()
        params = parameters(code, datetime.now(UTC))
        mine = {}
        for q in QUESTIONS:
            if q.kind == "return":
                for key, values in return_cells(q.label, ask(db, q.label, "nation", "year", params)).items():
                    mine.setdefault(key, {}).update(values)
        api_tables = {tb["key"]: tb for tb in answer["tables"]}
        if code == period:
            for key, values in mine.items():
                out["checks"][f"{key} · {code}"] = (compare(api_tables[key], values) if key in api_tables
                                                    else {"missing": True})
            # The returns per level (the shared question asked per level), as the analyst may choose them.
            label = TABLE_QUESTIONS["ret_niva"][0]
            for lv in ("region", "police_area"):
                answer = client.get(f"/api/v1/followup/returns/tables/ret_niva?period={code}&level={lv}").json()
                out["checks"][f"ret_niva · {lv} · {code}"] = compare(
                    answer["tables"][0], return_cells(label, ask(db, label, lv, "year", params))["ret_niva"])
            continue
        results = [compare(tb, mine[tb["key"]]) for tb in answer["tables"] if tb["key"] in mine]
        out["checks"][f"all {len(results)} return tables · {code}"] = {
            k: sum(r[k] for r in results) for k in ("compared", "equal", "hidden")} | {
            "differ": [d for r in results for d in r["differ"]]}
    # The deviations now, as the analyst sees them per region (counts) and as a region's command centre sees its
    # region (counts and the cases listed), at the moment the API answered.
    for user, query, level in (("analytiker", "level=region", "region"), ("rlc.syd", "", "nation")):
        now_client = Client()
        now_client.force_login(Person.objects.get(username=user))
        answer = now_client.get(f"/api/v1/followup/deviations?{query}").json()
        params = parameters(period, datetime.fromisoformat(answer["at"]))
        scope = _scope(user)
        counts = TABLE_QUESTIONS["avvikelser_nu"][0]
        out["checks"][f"deviations now · {user} · {level}"] = compare(
            answer["summary"], now_cells(ask(db, counts, level, "month", params, scope), level))
        if any(k["cases"] for k in answer["kinds"]):
            listed = TABLE_QUESTIONS["avvikelser_nu_lista"][0]
            out["checks"][f"deviations now · {user} · the cases listed per deviation"] = compare_listed(
                answer["kinds"], ask(db, listed, "nation", "month", params, scope))
    return out


def run_child(db: str, args) -> dict:
    var = tempfile.mkdtemp(prefix=f"followup-bench-{db}-")
    out = Path(var) / "result.json"
    env = {**os.environ, "BITRADE_VAR_DIR": var, "BITRADE_DEBUG": "0", "BITRADE_FOLLOWUP_BENCH_OUT": str(out)}
    env.pop("DATABASE_URL", None)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "--years", str(args.years), "--scale",
           str(args.scale), "--repeat", str(args.repeat), "--period", args.period]
    if args.no_duckdb:
        cmd.append("--no-duckdb")
    if args.no_gc_freeze:
        cmd.append("--no-gc-freeze")
    if db == "postgres":
        env["BITRADE_PG_PORT"] = str(args.pg_port)
        cmd = [str(WITH_POSTGRES), *cmd]
    else:
        env["DATABASE_URL"] = f"sqlite:///{var}/bench.sqlite3"
    print(f"== {db}: generating {args.years} years at scale {args.scale} (this takes a few minutes)", file=sys.stderr)
    subprocess.run(cmd, env=env, check=True, cwd=REPO)
    return json.loads(out.read_text())


def markdown(results: dict[str, dict], args) -> str:
    dbs = list(results)
    lines = [f"### Follow-up dashboards, {args.years} national years (scale {args.scale}), period {args.period}", ""]
    lines.append("| | " + " | ".join(dbs) + " |")
    lines.append("|---|" + "---|" * len(dbs))
    for key, label in (("generate_s", "load (`bitrade generate`), s"),
                       ("refresh_first_s", "first fact refresh after the load (the kinds' feeds build their rows), s"),
                       ("refresh_full_s", "fact table full rebuild, s"),
                       ("refresh_incremental_ms", "fact table refresh, nothing changed, ms"),
                       ("replica_cold_s", "DuckDB replica, first load from the database, s"),
                       ("snapshot_write_s", "DuckDB replica, Parquet snapshot written, s"),
                       ("replica_from_snapshot_s", "DuckDB replica, new process from the snapshot, s")):
        lines.append(f"| {label} | " + " | ".join(str(results[d].get(key, "–")) for d in dbs) + " |")
    cases = next(iter(results.values()))["rows"].get("cases", 0)
    lines.append(f"| cases generated | {cases:,} |".replace(",", "\u00a0") + " |" * (len(dbs) - 1))
    lines += ["", "Cold: the result cache emptied before each request, as any fact change does (every query runs "
                  "on DuckDB; the compiled SQL, which holds no data, is kept); warm: the same request repeated "
                  "between two fact syncs (answered from the cache); first: the compiled SQL and the report's "
                  "recorded questions dropped too (a question never asked in this process, nothing run ahead). "
                  "DuckDB queries: the sum of the request's statements' own times, on whichever thread answered "
                  "them (a report built again runs its questions ahead on two threads, so a page can take less "
                  "than its queries' sum). The ratio is the cold p95 over the p95 of that sum. The reference is "
                  "the sum of the p95 of the raw-rows DuckDB "
                  "questions of the view's tables (one per table, two for the comparison, one shared by the five "
                  "return tables the report builds from one scan: the table's own figures, "
                  "over the view's period, at its level and series, in its scope; see the bench's docstring), "
                  "and \"p95 / reference\" the cold p95 over it (– where the view has no such table). Machine: "
                  "a fixed piece of work on both cores timed just before the view's cold requests (the median of "
                  "three; `_machine_probe`): the higher, the slower the shared machine was at that moment.", "",
              "| view (in-process request, page rendered) | reference: raw-rows DuckDB, the view's questions, ms | "
              + " | ".join(f"{d} cold p50 / p95 / slowest ms | {d}: DuckDB queries p95 ms | {d}: ratio | {d}: p95 / reference "
                           f"| {d} warm p50 / p95 ms | {d} first p95 ms | {d}: full GCs in the cold requests "
                           f"| {d}: machine ms"
                           for d in dbs)
              + " |", "|---|--:|" + "--:|--:|--:|--:|--:|--:|--:|--:|" * len(dbs)]
    reference = next((r["duckdb"] for r in results.values() if r.get("duckdb")), None)
    labels = list(next(iter(results.values()))["views"])
    for label in labels:
        ref = next((view_reference(r["views"][label], reference) for r in results.values()
                    if label in r["views"]), None)
        cells = [f"{ref[0]:.1f} ({len(ref[1])} questions)" if ref else "–"]
        for d in dbs:
            v = results[d]["views"].get(label)
            if not v:
                cells += ["–", "–", "–", "–", "–", "–", "–", "–"]
                continue
            duck = v.get("duckdb_p95") or 0
            cells += [f"{v['p50']:.0f} / {v['p95']:.0f}" + (f" / {v['max']:.0f}" if "max" in v else ""), f"{duck:.1f}",
                      f"{v['p95'] / duck:.1f}×" if duck else "–",
                      f"{v['p95'] / ref[0]:.1f}×" if ref and ref[0] else "–",
                      f"{v['warm_p50']:.0f} / {v['warm_p95']:.0f}" if "warm_p95" in v else "–",
                      f"{v['first_p95']:.0f}" if "first_p95" in v else "–", str(v.get("cold_full_gc", "–")),
                      f"{v['machine_ms']:.0f}" if "machine_ms" in v else "–"]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for d in dbs:
        probes = sorted(v["machine_ms"] for v in results[d]["views"].values() if "machine_ms" in v)
        if probes:
            lines.append(f"\n{d}: the machine probe before the views took {statistics.median(probes):.0f} ms at the "
                         f"median ({probes[0]:.0f}–{probes[-1]:.0f}).")
    for d in dbs:
        cv = results[d].get("change_visible")
        if cv:
            lines.append(f"\n{d}: a case closed now was counted by the dashboard's API after one worker tick of "
                         f"{cv['tick_ms']} ms ({'yes' if cv['visible'] else 'NO'}: {cv['before']} → {cv['after']}); "
                         f"with the tick every {cv['interval_s']:.0f} s, visible within {cv['bound_s']} s.")
    for d in dbs:
        duck = results[d].get("duckdb")
        if not duck:
            continue
        lines += ["", f"DuckDB reference (export of the {d} data: {duck['export_s']} s, load {duck['load_s']} s), "
                      "each follow-up table's questions computed from the raw rows (national level, series by "
                      "month unless the question's label says otherwise):", "",
                  "| DuckDB question | p50 / p95 ms |", "|---|---|"]
        in_scope: dict[str, list[float]] = {}
        for label, v in duck["queries"].items():
            scope = label.rsplit(" · ", 1)[-1] if " · " in label else ""
            if scope.partition("=")[0] in SCOPE_COLUMNS:  # one line per scope: its questions' p95 summed
                in_scope.setdefault(scope, []).append(v["p95"])
                continue
            lines.append(f"| {label} | {v['p50']:.1f} / {v['p95']:.1f} |")
        for scope, p95s in in_scope.items():
            lines.append(f"| all {len(p95s)} questions timed in the scope {scope} (a view sums only its own), p95 summed | "
                         f"– / {sum(p95s):.1f} |")
        others = [code for code in duck.get("per_period", {}) if code != args.period]
        if others:
            asked = list(dict.fromkeys(k for c in others for k in duck["per_period"][c]))
            lines += ["", "| DuckDB question, other periods the views show (p50 / p95 ms) | "
                      + " | ".join(c or "now (deviations)" for c in others)
                      + " |", "|---|" + "---|" * len(others)]
            for label in asked:
                lines.append(f"| {label} | " + " | ".join(
                    f"{duck['per_period'][c][label]['p50']:.1f} / {duck['per_period'][c][label]['p95']:.1f}"
                    if label in duck["per_period"][c] else "–" for c in others) + " |")
        lines += ["", f"Checks, period {args.period} (and the other periods the national views show): every cell "
                      "of each table of the dashboard's API (as the analyst, national; as the scoped users in their "
                      "scope) that is shown, against the same cell computed from the DuckDB questions' answers "
                      "(hidden: small counts the dashboard suppresses, not compared).", "",
                  "| table | cells compared | equal | hidden | differing |", "|---|--:|--:|--:|---|"]
        for key, v in duck["checks"].items():
            if v.get("missing"):
                lines.append(f"| {key} | – | – | – | not in the API's answer |")
                continue
            differ = "; ".join(v["differ"][:5]) + (f" (+{len(v['differ']) - 5})" if len(v["differ"]) > 5 else "")
            lines.append(f"| {key} | {v['compared']} | {v['equal']} | {v['hidden']} | {differ or 'none'} |")
    return "\n".join(lines)


def view_reference(view: dict, reference: dict | None) -> tuple[float, list[str]] | None:
    """(the reference's ms, its questions) for one timed view: the sum of the p95 of the raw-rows DuckDB
    questions the view's tables ask, over the view's period; None without a reference or without such
    questions."""
    questions = view_questions(view.get("tables") or (), view.get("level", "nation"), view.get("series", "month"),
                               view.get("scope", ""))
    timed = (reference or {}).get("per_period", {}).get(view.get("period", ""))
    if not questions or not timed:
        return None
    return round(sum(timed[q]["p95"] for q in questions), 1), questions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--period", default="2025", help="the year the dashboards show (default 2025)")
    parser.add_argument("--pg-port", type=int, default=54359)
    parser.add_argument("--no-duckdb", action="store_true")
    parser.add_argument("--no-gc-freeze", action="store_true",
                        help="do not gc.freeze() before the timed requests (the server process does, config/wsgi.py)")
    parser.add_argument("--json", help="also write the raw results here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO / "src"))
    if args.child:
        result = child(args)
        Path(os.environ["BITRADE_FOLLOWUP_BENCH_OUT"]).write_text(json.dumps(result))
        return 0
    dbs = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    results = {db: run_child(db, args) for db in dbs}
    reference = next((r["duckdb"] for r in results.values() if r.get("duckdb")), None)
    for r in results.values():
        for v in r["views"].values():
            ref = view_reference(v, reference)
            if ref:
                v["reference_ms"], v["reference_questions"] = ref
                v["p95_over_reference"] = round(v["p95"] / ref[0], 2) if ref[0] else None
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    print(markdown(results, args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
