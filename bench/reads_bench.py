"""Read paths at scale: the police inbox (API and page) and the request list through gunicorn on loopback,
with 10,000 open cases in one unit, at concurrency 1 and 8, with and without If-None-Match, and the
raw-SQL floor of the same page query in the same run.

    python bench/reads_bench.py [--cases 10000] [--duration 10] [--workers 4 --threads 4] [--json FILE]
    BITRADE_PG_PORT=54336 scripts/with-postgres.sh .venv/bin/python bench/reads_bench.py   # PostgreSQL

SQLite runs against a fresh file in a temporary BITRADE_VAR_DIR; PostgreSQL against DATABASE_URL (a
throw-away server from scripts/with-postgres.sh). The data are loaded in-process (bulk inserts, reusing
bench/cases_bench.py), then gunicorn serves them (production settings, DEBUG off) and bench/loadgen.py
drives it. Every request accepts gzip and brotli, as browsers do. Prints a Markdown table and
writes JSON with --json. Timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(BENCH))

import cases_bench  # noqa: E402
import loadgen  # noqa: E402
import machine  # noqa: E402
from intake_bench import DEMO_KEY, HOST, Gunicorn  # noqa: E402

PAGE = 100
#: What every request accepts, as browsers do (brotli only where the server offers it).
ENCODING = "gzip, br"


def _env() -> dict:
    if not os.environ.get("DATABASE_URL"):
        os.environ["BITRADE_VAR_DIR"] = tempfile.mkdtemp(prefix="bitrade-bench-reads-")
    os.environ.update({
        "BITRADE_ENV": "production", "BITRADE_DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50),
        "BITRADE_ALLOWED_HOSTS": "127.0.0.1,localhost", "BITRADE_LOG_LEVEL": "WARNING",
        "BITRADE_SSL_REDIRECT": "0",  # plain HTTP on loopback (TLS ends at the proxy in production)
        "DJANGO_SETTINGS_MODULE": "bitrade.config.settings",
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(BENCH), os.environ.get("PYTHONPATH", "")]),
    })
    return dict(os.environ)


def _unbrotli(body: bytes) -> bytes:
    import brotli

    return brotli.decompress(body)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(-(-p * len(ordered) // 100)) - 1))]


def raw_floor(statements: list, concurrency: int, duration_s: float) -> dict:
    """The page's own SQL (its statements one after the other), executed and fetched with a plain cursor:
    no ORM objects, no view, no HTTP."""
    from django.db import connection, connections

    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + duration_s

    def worker():
        mine = []
        with connection.cursor() as cur:
            while time.perf_counter() < stop:
                t = time.perf_counter()
                for sql, params in statements:
                    cur.execute(sql, params)
                    cur.fetchall()
                mine.append((time.perf_counter() - t) * 1000)
        connections.close_all()
        with lock:
            latencies.extend(mine)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    return {"concurrency": concurrency, "throughput_rps": round(len(latencies) / elapsed, 1),
            "p50_ms": round(statistics.median(latencies), 2), "p95_ms": round(pct(latencies, 95), 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per level")
    ap.add_argument("--max-requests", type=int, default=5000)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--levels", default="1,8")
    ap.add_argument("--json", default="")
    args = ap.parse_args()
    env = _env()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from bitrade.cases import selectors
    from bitrade.intake import selectors as intake_selectors
    from bitrade.organisation.actor import actor_for_person
    from bitrade.organisation.demo import load_demo
    from bitrade.organisation.models import Municipality, Person, RequestingOrganisation, Unit

    call_command("migrate", verbosity=0, interactive=False)
    load_demo()
    unit = Unit.objects.get(name="Handräckningsgrupp Malmö")
    t = time.perf_counter()
    cases_bench.load_cases(args.cases, unit, RequestingOrganisation.objects.get(name="Socialnämnden Malmö stad"),
                           Municipality.objects.get(code="1280"), timezone.now())
    load_s = time.perf_counter() - t
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    db = (f"SQLite {connection.Database.sqlite_version}" if connection.vendor == "sqlite"
          else f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 100}")

    police = Person.objects.get(username="gc.malmo")
    client = Client()
    client.force_login(police)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}", "Accept-Encoding": ENCODING}
    key = {"Authorization": f"Bearer {DEMO_KEY}", "Accept-Encoding": ENCODING}
    actor = actor_for_person(police)

    # The raw-SQL floor: the exact SELECTs of the inbox page (one per part of the scope) and of the request
    # list page.
    inbox_sql = [qs.query.sql_with_params()
                 for qs in selectors.inbox_page_querysets(actor, limit=PAGE + 1)] if hasattr(
        selectors, "inbox_page_querysets") else [
        selectors._inbox_scope(actor, False).select_related(*selectors._inbox_related())
        .order_by(*selectors.INBOX_ORDER)[:PAGE + 1].query.sql_with_params()]
    requester = actor_for_person(Person.objects.get(username="soc.malmo"))
    list_sql = [(intake_selectors._scope(requester).order_by(*intake_selectors.LIST_ORDER)[:PAGE + 1]
                 .query.sql_with_params())]
    levels = [int(c) for c in args.levels.split(",")]
    floors = {"inbox": [raw_floor(inbox_sql, c, min(args.duration, 5)) for c in levels],
              "requests": [raw_floor(list_sql, c, min(args.duration, 5)) for c in levels]}
    connection.close()

    log = Path(env.get("BITRADE_VAR_DIR", tempfile.gettempdir())) / "gunicorn-reads.log"
    server = Gunicorn(env, args.workers, args.threads, log)
    results = []
    try:
        def etag_of(path, headers):
            status, hdrs, _ = loadgen.fetch(HOST, server.port, path, headers)
            assert status == 200, (path, status)
            return hdrs["etag"]

        # A browser revalidating the whole page sends its CSRF cookie too (the page's ETag includes the token).
        _, first_hdrs, _ = loadgen.fetch(HOST, server.port, "/", cookie)
        csrf = first_hdrs.get("set-cookie", "").partition(";")[0]
        page_cookie = {**cookie, "Cookie": f"{cookie['Cookie']}; {csrf}"} if csrf.startswith("csrftoken=") else cookie
        scenarios = [
            ("inbox API", f"/api/v1/cases?limit={PAGE}", cookie),
            ("inbox page fragment (htmx)", "/arenden/inkorg/", cookie),
            ("inbox page (whole start page)", "/", page_cookie),
            ("request list API (API key)", f"/api/v1/requests?limit={PAGE}", key),
        ]
        sizes = {}
        for name, path, headers in scenarios:
            status, hdrs, body = loadgen.fetch(HOST, server.port, path, headers)
            coding = hdrs.get("content-encoding", "")
            raw = gzip.decompress(body) if coding == "gzip" else _unbrotli(body) if coding == "br" else body
            sizes[name] = {"bytes": len(raw), "gzip_bytes": len(body), "encoding": coding or "identity",
                           "status": status}
        for name, path, headers in scenarios:
            variants = [("200", headers, 200)]
            if name != "inbox page (whole start page)" or "csrftoken=" in headers["Cookie"]:
                variants.append(("304", {**headers, "If-None-Match": etag_of(path, headers)}, 304))
            for variant, hdrs, expect in variants:
                for c in levels:
                    loadgen.run_level(host=HOST, port=server.port, method="GET", path=path, body=b"", headers=hdrs,
                                      concurrency=c, duration_s=1.0, max_requests=20,
                                      per_request_headers=lambda n: {}, expect_status=expect)
                    cpu0 = server.cpu_seconds()
                    r = loadgen.run_level(host=HOST, port=server.port, method="GET", path=path, body=b"",
                                          headers=hdrs, concurrency=c, duration_s=args.duration,
                                          max_requests=args.max_requests, per_request_headers=lambda n: {},
                                          expect_status=expect)
                    cpu = server.cpu_seconds() - cpu0
                    row = {"name": name, "variant": variant, **r.summary(),
                           "p95_ms": round(r.percentile(95), 1),
                           "cpu_ms_per_request": round(cpu / max(r.completed, 1) * 1000, 1)}
                    row.pop("error_samples") if not row["error_samples"] else None
                    results.append(row)
                    print(f"{name} {variant} c={c}: {row['throughput_rps']} req/s p50 {row['p50_ms']} "
                          f"p95 {row['p95_ms']} ms errors {row['errors']}", flush=True)
                    for sample in row.get("error_samples", [])[:3]:
                        print(f"  error sample: {sample}", flush=True)
    finally:
        server.stop()

    out = {"when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "db": db, "cases": args.cases,
           "load_s": round(load_s, 1), "gunicorn": f"{args.workers} workers × {args.threads} threads (gthread)",
           "machine": machine.describe(), "sizes": sizes, "floors": floors, "results": results,
           "duration_s": args.duration}
    print(markdown(out))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1, default=str))


def markdown(out: dict) -> str:
    lines = [f"\n### {out['db']}: {out['cases']:,} open cases in one unit, page of {PAGE}\n",
             "| request | answer | concurrency | requests/s | p50 ms | p95 ms | errors | CPU ms/request |",
             "|---|---|--:|--:|--:|--:|--:|--:|"]
    for r in out["results"]:
        lines.append(f"| {r['name']} | {r['variant']} | {r['concurrency']} | {r['throughput_rps']} | {r['p50_ms']} | "
                     f"{r['p95_ms']} | {r['errors']} | {r['cpu_ms_per_request']} |")
    lines += ["", "| raw-SQL floor (same SELECT, cursor + fetchall) | concurrency | queries/s | p50 ms | p95 ms |",
              "|---|--:|--:|--:|--:|"]
    for name, rows in out["floors"].items():
        for f in rows:
            lines.append(f"| {name} page of {PAGE} | {f['concurrency']} | {f['throughput_rps']} | {f['p50_ms']} | "
                         f"{f['p95_ms']} |")
    lines += ["", "| response (page of 100) | bytes | compressed bytes | encoding |", "|---|--:|--:|---|"]
    for name, s in out["sizes"].items():
        lines.append(f"| {name} | {s['bytes']:,} | {s['gzip_bytes']:,} | {s.get('encoding', 'gzip')} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
