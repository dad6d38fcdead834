"""Search latency and import time of the legal knowledge base, on SQLite and PostgreSQL.

    python bench/legal_search.py [--db sqlite|postgres|both] [--runs N] [--seeds DIR] [--pg-port PORT]
                                 [--json FILE]

For each database, in a child process with a fresh database (SQLite in a new temporary
BITRADE_VAR_DIR; PostgreSQL 15 from scripts/with-postgres.sh on --pg-port, a throw-away server):

1. migrates, then imports the seed corpus (`bitrade legal import`): the first import (parse, store,
   build the index), a re-import of the unchanged corpus (a no-op) and a rebuild of the index alone;
2. runs a fixed, varied set of queries (questions in Swedish, inflected and compound words, citations,
   citations with words, filters by kind and status, frequent words, nothing-found) once to warm up
   and then --runs times, timing each call of the search selector (`bitrade.legal.search.search`,
   which is what the API, the page and `bitrade search` call), snippets included.

It prints a Markdown table (p50/p95/p99/max per database and per kind of query) for
docs/benchmarks.md. Everything runs on 127.0.0.1; timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WITH_POSTGRES = REPO / "scripts" / "with-postgres.sh"
AIM_P95_MS = 20.0

# (kind of query, query, filters)
QUERIES: list[tuple[str, str, dict]] = [
    ("question", "får barn under 15 tas i förvar", {}),
    ("question", "hur länge får en ung person hållas kvar", {}),
    ("question", "när får polisen använda våld vid handräckning", {}),
    ("question", "vem beslutar om förvar av omhändertagen", {}),
    ("question", "får polisen gå in i bostaden för att hämta någon", {}),
    ("question", "vad ska protokollet innehålla vid ett ingripande", {}),
    ("question", "när ska närmaste anhöriga underrättas", {}),
    ("question", "kan kriminalvården ta över transporten", {}),
    ("question", "vem får begära handräckning enligt LVU", {}),
    ("question", "hur hanteras larm från elektronisk övervakning", {}),
    ("words", "fotboja montering", {}),
    ("words", "kroppsvisitation omhändertagande", {}),
    ("words", "säkerhetszon beslut överklagas", {}),
    ("words", "vårdintyg läkare undersökning", {}),
    ("words", "stafettkörning barn transport", {}),
    ("words", "materiell prövning villkor", {}),
    ("words", "återvändande förvar migrationsverket", {}),
    ("words", "arrestantvakt förordnande", {}),
    ("words", "ordningsvakt transport förman", {}),
    ("words", "kontaktperson klargörandesamtal", {}),
    ("words", "regionledningscentral stationsbefäl vakthavande", {}),
    ("words", "sekretess uppgifter kriminalvården", {}),
    ("inflections", "fotbojan monterades", {}),
    ("inflections", "förvaret", {}),
    ("inflections", "omhändertagna barnen", {}),
    ("inflections", "handräckningarna", {}),
    ("inflections", "polismännen", {}),
    ("compounds", "handräckningsärenden", {}),
    ("compounds", "kontaktförbudsärenden", {}),
    ("compounds", "förvarsplatser", {}),
    ("compounds", "transportuppdrag", {}),
    ("compounds", "återvändandeverksamheten", {}),
    ("citation", "29 a § polislagen", {}),
    ("citation", "17 § PL", {}),
    ("citation", "16 § andra stycket PL", {}),
    ("citation", "10 § första stycket 6 PL", {}),
    ("citation", "20 § polislagen (1984:387)", {}),
    ("citation", "2 kap. 16 § polisförordningen", {}),
    ("citation", "47 § andra stycket 3 LPT", {}),
    ("citation", "27 § LRV jfr 47 § andra stycket 3 LPT", {}),
    ("citation", "45 § 1 LVM", {}),
    ("citation", "43 § LVU", {}),
    ("citation", "99 § PL", {}),
    ("citation+words", "17 § PL förvar barn", {}),
    ("citation+words", "transport enligt 29 a § PL", {}),
    ("filters", "förvar", {"kinds": "statute"}),
    ("filters", "polismyndighet beslut", {"statuses": "repealed"}),
    ("filters", "handräckning", {"kinds": "report"}),
    ("filters", "handräckning", {"kinds": "jo_decision,guideline"}),
    ("filters", "protokoll", {"kinds": "statute,regulation", "statuses": "in_force"}),
    ("frequent", "polisen", {}),
    ("frequent", "myndigheten ska", {}),
    ("frequent", "beslut om", {}),
    ("nothing", "xyzzyplugh", {}),
    ("nothing", "och i att", {}),
]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _summary(values_ms: list[float]) -> dict:
    return {"n": len(values_ms), "p50": _percentile(values_ms, 0.5), "p95": _percentile(values_ms, 0.95),
            "p99": _percentile(values_ms, 0.99), "max": max(values_ms), "mean": statistics.fmean(values_ms)}


# --------------------------------------------------------------------------- child: one database

def child(engine: str, runs: int, seeds: str) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bitrade.config.settings")
    os.environ["BITRADE_DEBUG"] = "0"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bitrade.common.actor import SYSTEM_ACTOR
    from bitrade.legal.models import SearchEntry, Unit
    from bitrade.legal.search import search
    from bitrade.legal.services import import_corpus, rebuild_index

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    first = import_corpus(SYSTEM_ACTOR, seeds)
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    again = import_corpus(SYSTEM_ACTOR, seeds)
    again_s = time.perf_counter() - started
    started = time.perf_counter()
    rebuild_index(SYSTEM_ACTOR)
    rebuild_s = time.perf_counter() - started
    assert not again.changed, "re-import of an unchanged corpus changed something"

    for _kind, query, filters in QUERIES:  # warm up: caches, prepared plans, the stemmer's memo
        search(query, **filters)
    timings: dict[str, list[float]] = {}
    top: dict[str, str] = {}
    for _ in range(runs):
        for kind, query, filters in QUERIES:
            t0 = time.perf_counter()
            result = search(query, **filters)
            timings.setdefault(kind, []).append((time.perf_counter() - t0) * 1000)
            top[query] = result.hits[0].title if result.hits else ""
    every = [t for values in timings.values() for t in values]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    version = connection.pg_version if engine == "postgres" else None
    return {
        "engine": engine, "runs": runs, "queries": len(QUERIES), "entries": SearchEntry.objects.count(),
        "units": Unit.objects.count(), "documents": len(first.outcomes),
        "import_first_s": first_s, "import_again_s": again_s, "rebuild_s": rebuild_s,
        "all": _summary(every), "by_kind": {k: _summary(v) for k, v in timings.items()},
        "top": {q: top[q] for q in ("får barn under 15 tas i förvar", "29 a § polislagen", "fotboja montering")},
        "server_version": version, "load_average": load,
    }


def run_child(engine: str, args) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", engine, "--runs", str(args.runs),
               "--seeds", args.seeds]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    env.pop("DATABASE_URL", None)
    with tempfile.TemporaryDirectory(prefix="bitrade-legal-bench-") as var:
        env["BITRADE_VAR_DIR"] = var
        if engine == "postgres":
            env["BITRADE_PG_PORT"] = str(args.pg_port)
            command = [str(WITH_POSTGRES), *command]
        done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=REPO)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"the {engine} run failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- report

def _ms(v: float) -> str:
    return f"{v:.1f}"


def markdown(results: list[dict]) -> str:
    names = {"sqlite": "SQLite (FTS5)", "postgres": "PostgreSQL (swedish, GIN)"}
    lines = [
        "## Legal search",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python bench/legal_search.py "
        f"--runs {results[0]['runs']}` on {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}.",
        "",
        f"Corpus: the {results[0]['documents']} seed documents ({results[0]['units']} units), the JO register and "
        f"the guide pages: {results[0]['entries']} search entries. {results[0]['queries']} queries × "
        f"{results[0]['runs']} runs per database, timed around the search selector (snippets included). "
        f"Aim: p95 < {AIM_P95_MS:.0f} ms. *Load average* is the machine's 1-minute load when the run ended "
        f"(other work on the machine slows every figure).",
        "",
        "| Database | Searches | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | Aim | First import (s) | Re-import, unchanged (s) | Index rebuild (s) | Load average |",
        "|---|--:|--:|--:|--:|--:|---|--:|--:|--:|--:|",
    ]
    for r in results:
        a = r["all"]
        aim = "met" if a["p95"] < AIM_P95_MS else "**not met**"
        lines.append(f"| {names[r['engine']]} | {a['n']} | {_ms(a['p50'])} | {_ms(a['p95'])} | {_ms(a['p99'])} | "
                     f"{_ms(a['max'])} | {aim} | {r['import_first_s']:.2f} | {r['import_again_s']:.2f} | "
                     f"{r['rebuild_s']:.2f} | {r['load_average']:.1f} |")
    kinds = list(results[0]["by_kind"])
    lines += ["", "p95 by kind of query (ms):", "",
              "| Kind of query | " + " | ".join(names[r["engine"]] for r in results) + " |",
              "|---|" + "--:|" * len(results)]
    for kind in kinds:
        lines.append(f"| {kind} | " + " | ".join(_ms(r["by_kind"][kind]["p95"]) for r in results) + " |")
    lines += ["", "First hit of the issue's example queries: " + "; ".join(
        f"“{q}” → {t}" for q, t in results[0]["top"].items()) + "."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seeds", default=os.environ.get("BITRADE_SEEDS_DIR",
                                                          str(REPO / "src" / "bitrade" / "legal" / "sources")))
    parser.add_argument("--pg-port", type=int, default=54349)
    parser.add_argument("--json", help="also write the raw results to this file")
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.runs, args.seeds)))
        return
    engines = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = [run_child(engine, args) for engine in engines]
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(markdown(results))


if __name__ == "__main__":
    main()
