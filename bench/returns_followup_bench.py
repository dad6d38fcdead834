"""Benchmark of the return follow-up page ("Återvändande", ``/uppfoljning/atervandande/``) and its API over the
synthetic return cases of ``returns.synthetic`` (tabell 2 of Statskontoret 2022:1, 2014–2019, times ``--scale``).

    python bench/returns_followup_bench.py [--scale 1.7] [--repeat 15]
    BITRADE_PG_PORT=... scripts/with-postgres.sh .venv/bin/python bench/returns_followup_bench.py   # PostgreSQL

On a fresh database (a temporary BITRADE_VAR_DIR for SQLite, or DATABASE_URL) it migrates, loads the demo
organisation, generates the cases, times the facts' first refresh (every return case becomes fact rows) and an
incremental refresh with nothing changed, then requests the page and the API in-process through Django's test
client as the analyst, the border police of Syd, Migrationsverket and Kriminalvården, ``--repeat`` times after
two warm-up requests, on the DuckDB path and on the database (``BITRADE_FOLLOWUP_ENGINE=orm``). For comparison
in the same run: ``returns.selectors.stock_and_flow`` for one year (the plain recomputation from the cases in
Python, the tests' reference). Prints the machine, the load and a Markdown table; timings are reported, never
asserted. The generator has six years of the report's figures; ``--scale 1.7`` gives about as many cases as
ten years at the Police's usual volume.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))


def _pct(values: list[float], q: float) -> float:
    xs = sorted(values)
    k = (len(xs) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.7)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()

    if not os.environ.get("DATABASE_URL"):
        os.environ["BITRADE_VAR_DIR"] = tempfile.mkdtemp(prefix="bitrade-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bitrade.config.settings")
    os.environ.setdefault("BITRADE_LOG_LEVEL", "ERROR")
    os.environ.setdefault("BITRADE_DEBUG", "0")
    import django

    django.setup()
    import machine
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import F
    from django.db.models.functions import Coalesce
    from django.test import Client

    from bitrade.cases.models import Case
    from bitrade.followup import facts
    from bitrade.organisation.actor import actor_for_person
    from bitrade.organisation.demo import load_demo
    from bitrade.organisation.models import Person
    from bitrade.returns import selectors, synthetic
    from bitrade.returns.models import ReturnFact

    call_command("migrate", verbosity=0, interactive=False)
    load_demo()
    t = time.perf_counter()
    n_cases = synthetic.generate(range(2014, 2020), scale=args.scale, seed=1)
    generate_s = time.perf_counter() - t
    # Generated rows all carry "now" as their last change; as history they changed when they were closed or
    # received (otherwise every refresh in the next five minutes looks at all of them again).
    Case.objects.filter(kind="return").update(updated_at=Coalesce(F("closed_at"), F("received_at")))
    t = time.perf_counter()
    facts.refresh()
    first_refresh_s = time.perf_counter() - t
    t = time.perf_counter()
    facts.refresh()
    idle_refresh_s = time.perf_counter() - t
    n_rows = ReturnFact.objects.count()

    scenarios = [
        ("analyst · nation · 2019", "analytiker", "/uppfoljning/atervandande/?period=2019"),
        ("analyst · region · 2019", "analytiker", "/uppfoljning/atervandande/?period=2019&level=region"),
        ("analyst · 2014–2019 (per year)", "analytiker", "/uppfoljning/atervandande/?period=2014..2019"),
        ("analyst · API, all tables, 2014–2019", "analytiker", "/api/v1/followup/returns/tables?period=2014..2019"),
        ("border police Syd · unit · 2019", "gp.syd", "/uppfoljning/atervandande/?period=2019&level=unit"),
        ("Migrationsverket · 2019", "mv.syd", "/uppfoljning/atervandande/?period=2019"),
        ("Kriminalvården · 2019", "nte.syd", "/uppfoljning/atervandande/?period=2019"),
        ("CSV: cohort 2015", "analytiker", "/uppfoljning/export/ret_kohort.csv?period=2015"),
    ]
    clients = {}
    results = []
    for engine in ("duckdb", "orm"):
        settings.BITRADE_FOLLOWUP_ENGINE = engine
        for label, user, url in scenarios:
            if user not in clients:
                clients[user] = Client()
                clients[user].force_login(Person.objects.get(username=user))
            c = clients[user]
            for _ in range(2):
                assert c.get(url).status_code == 200, url
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                c.get(url)
                times.append((time.perf_counter() - t) * 1000)
            results.append((engine, label, _pct(times, 0.5), _pct(times, 0.95)))
    analyst = actor_for_person(Person.objects.get(username="analytiker"))
    plain = []
    for _ in range(3):
        t = time.perf_counter()
        selectors.stock_and_flow(analyst, 2019)
        plain.append((time.perf_counter() - t) * 1000)

    load = os.getloadavg()
    info = machine.describe()
    db = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite (WAL)"
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {info['cpu']}, {info['cores']} cores, "
          f"{info['ram_gib']} GiB; load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1/5/15 min)")
    print(f"{db}: {n_cases} return cases (2014–2019 × {args.scale}), {n_rows} fact rows; generated in "
          f"{generate_s:.1f} s; first refresh {first_refresh_s:.1f} s, refresh with nothing changed "
          f"{idle_refresh_s * 1000:.0f} ms; stock_and_flow(2019) from the cases in Python: median "
          f"{_pct(plain, 0.5):.0f} ms\n")
    print("| database | engine | request | p50 ms | p95 ms |")
    print("|---|---|---|--:|--:|")
    for engine, label, p50, p95 in results:
        print(f"| {db} | {engine} | {label} | {p50:.0f} | {p95:.0f} |")


if __name__ == "__main__":
    main()
