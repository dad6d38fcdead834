"""Benchmark of return enforcement: a burst of handovers from Migrationsverket (a year's volume is about
20,000) registered through the batch API ``POST /api/v1/returns/handovers/batch`` — in-process through the
whole request path (JSON, key authentication, Idempotency-Key, item-by-item checks, routing, reference
numbers, cases, details, handover records, timeline, lapse deadlines, the batch's audit event and
notifications) on a fresh database.

    python bench/returns_bench.py [--handovers 20000] [--batch 1000] [--single 0]
    BITRADE_PG_PORT=... scripts/with-postgres.sh .venv/bin/python bench/returns_bench.py   # on PostgreSQL

The floor is measured in the same run and database: a raw ``executemany`` INSERT of the same number of rows
(one per handover, carrying its JSON body) into a plain table, one transaction per batch of the same size.
``--single N`` also registers N handovers one by one through the single path (``POST /handovers``'s service)
for comparison. Runs against a temporary BITRADE_VAR_DIR (SQLite) or the database in DATABASE_URL. Prints
the machine, the load average and a Markdown table; timings are reported, never asserted.
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
sys.path.insert(0, str(REPO / "bench"))

MUNICIPALITIES = ["1280", "0180", "2580", "1480", "0380", "1880", "2480"]


def bodies(base: dict, n: int, tag: str) -> list[dict]:
    out = []
    for i in range(n):
        body = copy.deepcopy(base)
        body["mv_case_id"] = f"MV-{tag}-{i:06d}"
        body["whereabouts"]["municipality_code"] = MUNICIPALITIES[i % len(MUNICIPALITIES)]
        body["reason"] = "avviken" if i % 4 else "tvang"
        if i % 10 == 0:
            body["destination"]["stance"] = "voluntary_only"  # a flagged handover: one more timeline step
        out.append(body)
    return out


class Clock:
    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--handovers", type=int, default=20_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--single", type=int, default=0, help="also this many through the single path")
    args = ap.parse_args()

    if not os.environ.get("DATABASE_URL"):
        os.environ["BITRADE_VAR_DIR"] = tempfile.mkdtemp(prefix="bitrade-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bitrade.config.settings")
    os.environ.setdefault("BITRADE_LOG_LEVEL", "ERROR")
    os.environ.setdefault("BITRADE_DEBUG", "0")  # as in production: no query log
    import django

    django.setup()
    import machine
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    from bitrade.cases.models import Case, CaseEvent
    from bitrade.deadlines.models import Deadline
    from bitrade.organisation.actor import actor_for_api_key
    from bitrade.organisation.demo import DEMO_MV_API_KEY, load_demo
    from bitrade.organisation.models import ApiKey
    from bitrade.returns import services
    from bitrade.returns.models import Handover, ReturnCase
    from bitrade.returns.schemas import HandoverIn

    call_command("migrate", verbosity=0, interactive=False)
    load_demo()
    base = json.loads((REPO / "docs" / "examples" / "return-handover.json").read_text(encoding="utf-8"))
    items = bodies(base, args.handovers, "BENCH")
    chunks = [items[i:i + args.batch] for i in range(0, len(items), args.batch)]
    tables = (Case, ReturnCase, Handover, CaseEvent, Deadline)

    # The floor: the same number of rows, raw executemany, one transaction per batch.
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_floor")
        cur.execute("CREATE TABLE bench_floor (id integer PRIMARY KEY, mv_case_id varchar(64), body text)")
    floor_chunks = [[(n, b["mv_case_id"], json.dumps(b, ensure_ascii=False)) for n, b in enumerate(chunk, start)]
                    for start, chunk in zip(range(0, len(items), args.batch), chunks, strict=True)]
    with Clock() as floor:
        for rows in floor_chunks:
            with transaction.atomic(), connection.cursor() as cur:
                cur.executemany("INSERT INTO bench_floor (id, mv_case_id, body) VALUES (%s, %s, %s)", rows)

    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {DEMO_MV_API_KEY}"}
    payloads = [json.dumps({"handovers": chunk}, ensure_ascii=False) for chunk in chunks]
    # A warm server: the first call imports the request path's modules (not counted).
    warm = client.post("/api/v1/returns/handovers/batch", json.dumps({"handovers": bodies(base, 5, "WARM")}),
                       content_type="application/json", HTTP_IDEMPOTENCY_KEY="bench-warm", **headers)
    assert warm.status_code == 200, warm.content
    rows_before = sum(m.objects.count() for m in tables)
    created = 0
    with Clock() as batch:
        for n, payload in enumerate(payloads):
            res = client.post("/api/v1/returns/handovers/batch", payload, content_type="application/json",
                              HTTP_IDEMPOTENCY_KEY=f"bench-{n}", **headers)
            if res.status_code != 200:
                raise SystemExit(f"batch {n}: HTTP {res.status_code} {res.content[:300]!r}")
            created += res.json()["created"]
    if created != args.handovers:
        raise SystemExit(f"{created} of {args.handovers} handovers created")
    rows_written = sum(m.objects.count() for m in tables) - rows_before

    single = None
    if args.single:
        mv = actor_for_api_key(ApiKey.objects.get(prefix="demo0002"))
        singles = bodies(base, args.single, "SINGLE")
        with Clock() as single:
            for body in singles:
                services.receive_handover(mv, HandoverIn.model_validate(body))

    load = os.getloadavg()
    info = machine.describe()
    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite (WAL)"
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {info['cpu']}, {info['cores']} cores, "
          f"{info['ram_gib']} GiB; load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1/5/15 min)")
    print(f"{engine}: {args.handovers} handovers in batches of {args.batch}; the batch path wrote {rows_written} "
          f"rows (cases, details, handover records, timeline steps, deadlines)\n")
    print("| engine | run | handovers | wall s | CPU s (this process) | per second | × floor (wall) |")
    print("|---|---|--:|--:|--:|--:|--:|")
    n = args.handovers
    print(f"| {engine} | floor: raw executemany INSERT, {n} rows | {n} | {floor.wall:.2f} | {floor.cpu:.2f} | "
          f"{n / floor.wall:.0f} | 1 |")
    print(f"| {engine} | batch API, {len(chunks)} calls | {n} | {batch.wall:.1f} | {batch.cpu:.1f} | "
          f"{n / batch.wall:.0f} | {batch.wall / floor.wall:.0f} |")
    if single is not None:
        per = single.wall / args.single
        print(f"| {engine} | single path, one by one | {args.single} | {single.wall:.1f} | {single.cpu:.1f} | "
              f"{args.single / single.wall:.0f} | {per * n / floor.wall:.0f} (per handover) |")


if __name__ == "__main__":
    main()
