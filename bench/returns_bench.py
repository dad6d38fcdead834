"""Benchmark of return enforcement: a burst of handovers from Migrationsverket (a year's volume is about
20,000) registered through the service the API calls (schema validation, rules, routing, reference number,
case, detail, handover record, timeline, audit, outbox, lapse deadline).

    python bench/returns_bench.py [--handovers 20000] [--workers 1]
    scripts/with-postgres.sh .venv/bin/python bench/returns_bench.py      # the same on PostgreSQL

Runs in-process against a fresh database in a temporary BITRADE_VAR_DIR (SQLite) or the database in
DATABASE_URL. Prints a Markdown table; timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--handovers", type=int, default=20_000)
    args = ap.parse_args()

    if not os.environ.get("DATABASE_URL"):
        os.environ["BITRADE_VAR_DIR"] = tempfile.mkdtemp(prefix="bitrade-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bitrade.config.settings")
    os.environ.setdefault("BITRADE_LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bitrade.organisation.actor import actor_for_api_key
    from bitrade.organisation.demo import load_demo
    from bitrade.organisation.models import ApiKey
    from bitrade.returns import services
    from bitrade.returns.schemas import HandoverIn

    call_command("migrate", verbosity=0, interactive=False)
    load_demo()
    mv = actor_for_api_key(ApiKey.objects.get(prefix="demo0002"))
    base = json.loads((REPO / "docs" / "examples" / "return-handover.json").read_text(encoding="utf-8"))
    municipalities = ["1280", "0180", "2580", "1480", "0380", "1880", "2480"]
    bodies = []
    for i in range(args.handovers):
        body = copy.deepcopy(base)
        body["mv_case_id"] = f"MV-BENCH-{i:06d}"
        body["whereabouts"]["municipality_code"] = municipalities[i % len(municipalities)]
        body["reason"] = "avviken" if i % 4 else "tvang"
        bodies.append(body)
    started = time.perf_counter()
    for body in bodies:
        services.receive_handover(mv, HandoverIn.model_validate(body))
    elapsed = time.perf_counter() - started
    print(f"| engine | handovers | seconds | per second |\n|---|---|---|---|\n"
          f"| {connection.vendor} | {args.handovers} | {elapsed:.1f} | {args.handovers / elapsed:.0f} |")


if __name__ == "__main__":
    main()
