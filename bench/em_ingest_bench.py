"""Contact-ban alarm ingestion, in-process, on a fresh demo database (SQLite, or PostgreSQL under
scripts/with-postgres.sh, which sets DATABASE_URL):

1. Throughput. Alarms posted through the Django test client (the whole API stack: key, HMAC, validation,
   classification, routing, the 20 § deadline, audit; no HTTP server): the batch form
   ``POST /api/v1/em/alarms/batch`` (set-wise bulk path) and, for comparison, single alarms. Beside them a
   **floor** measured in the same run on the same database: raw ``executemany`` INSERTs of the same number of
   rows (as many columns as an alarm row) into a plain table, committed in the same chunks. The ratio
   alarms/s ÷ floor rows/s is the figure that survives a loaded machine.
2. Console latency. A backlog is replayed through the batch form by a separate process (as another web
   worker would), while this process posts an immediate alarm alone every ``--probe-interval`` seconds and
   an RLC console's live stream (``/larmkonsol/strom/``, the server-sent events the console listens to:
   LISTEN/NOTIFY on PostgreSQL, polling on SQLite) is open in a thread. For each immediate alarm: the time
   from the API's 202 to the moment the stream first sends it.

    BITRADE_VAR_DIR=$(mktemp -d) PYTHONPATH=src python bench/em_ingest_bench.py \
        [--alarms 20000] [--single 500] [--batch 1000] [--backlog 100000] [--probes 50]
    BITRADE_PG_PORT=54352 PYTHONPATH=src scripts/with-postgres.sh python bench/em_ingest_bench.py ...

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SYSTEM = "Bänktest"
NIGHT = "2030-06-01T23:00:00+02:00"  # a Saturday night: not-immediate alarms are queued for BOPS


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bitrade.config.settings")
    import django

    django.setup()


def _alarm(run: str, n: int, devices: int, *, immediate_every: int = 10) -> dict:
    kind = "zone_entry" if n % immediate_every == immediate_every - 1 else ("battery_low", "device_offline")[n % 2]
    return {"alarm_id": f"{run}-{n}", "device_id": f"B-{n % devices}", "sequence": n, "type": kind,
            "raised_at": NIGHT}


def _poster(key: str, secret: str):
    from django.test import Client

    from bitrade.monitoring.services import sign

    client = Client()

    def post(path: str, payload: dict):
        raw = json.dumps(payload).encode()
        response = client.post(path, data=raw, content_type="application/json", HTTP_X_API_KEY=key,
                               HTTP_X_BITRADE_SIGNATURE=sign(secret, raw))
        if response.status_code != 202:
            raise SystemExit(f"{path}: {response.status_code} {response.content[:300]!r}")
        return response.json()

    return post


def _replay(run: str, start: int, count: int, batch: int, devices: int, post) -> float:
    t0 = time.perf_counter()
    for first in range(start, start + count, batch):
        body = post("/api/v1/em/alarms/batch",
                    {"alarms": [_alarm(run, n, devices) for n in range(first, min(first + batch, start + count))]})
        assert body["accepted"] + body["duplicates"] == len(body["results"]), body
    return time.perf_counter() - t0


def _floor(rows: int, chunk: int) -> float:
    """raw executemany INSERTs of ``rows`` rows (an alarm row's width) into a plain table, ``chunk`` per commit."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS em_bench_floor")
        cursor.execute("CREATE TABLE em_bench_floor (id INTEGER PRIMARY KEY, system_id INTEGER, supplier_id "
                       "VARCHAR(64), device_id INTEGER, sequence BIGINT, late BOOLEAN, alarm_type VARCHAR(32), "
                       "raised_at VARCHAR(40), received_at VARCHAR(40), category VARCHAR(16), procedure VARCHAR(200), "
                       "citation VARCHAR(120), handled_by VARCHAR(8), unit_id INTEGER, handle_from VARCHAR(40), "
                       "state VARCHAR(16), payload TEXT)")
    sql = "INSERT INTO em_bench_floor VALUES (" + ", ".join(["%s"] * 17) + ")"
    payload = json.dumps(_alarm("floor", 0, 1))
    t0 = time.perf_counter()
    for first in range(0, rows, chunk):
        values = [(n, 1, f"floor-{n}", n % 20, n, False, "battery_low", NIGHT, NIGHT, "not_immediate",
                   "Rutinbeskrivning: låg batterinivå", "3 § PMFS 2020:1", "bops", 1, NIGHT, "bops_queued", payload)
                  for n in range(first, min(first + chunk, rows))]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, values)
    seconds = time.perf_counter() - t0
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE em_bench_floor")
    return seconds


def _quantile(values: list[float], q: int) -> float | None:
    if len(values) < 2:
        return round(values[0], 1) if values else None
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 1)


def backlog_process(args) -> None:
    """The child: replay ``--backlog`` alarms and print the seconds it took."""
    _setup()
    post = _poster(args.key, args.secret)
    seconds = _replay(args.run, 0, args.backlog, args.batch, args.devices, post)
    print(json.dumps({"seconds": seconds}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alarms", type=int, default=20000, help="alarms for the batch throughput")
    parser.add_argument("--single", type=int, default=500, help="alarms posted one at a time")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--backlog", type=int, default=100000, help="alarms replayed during the latency test")
    parser.add_argument("--probes", type=int, default=50, help="at least this many immediate alarms")
    parser.add_argument("--probe-interval", type=float, default=0.25)
    parser.add_argument("--role", default="main")
    parser.add_argument("--key", default="")
    parser.add_argument("--secret", default="")
    parser.add_argument("--run", default="")
    args = parser.parse_args()
    if args.role == "backlog":
        return backlog_process(args)

    _setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    call_command("setup_demo", quiet=True)
    from bitrade.monitoring import rules, services
    from bitrade.monitoring.models import Alarm, ContactBan, Device
    from bitrade.organisation.models import Person

    sys.path.insert(0, os.path.join(ROOT, "bench"))
    import machine

    system, key, secret = services.create_system(f"{SYSTEM} {time.time():.0f}")
    ban = ContactBan.objects.select_related("rlc").filter(case__state=rules.ACTIVE).first()
    for d in range(args.devices):
        Device.objects.update_or_create(system=system, device_id=f"B-{d}", defaults={"contact_ban": ban})
    Device.objects.update_or_create(system=system, device_id="PROBE", defaults={"contact_ban": ban})
    post = _poster(key, secret)
    out: dict = {"database": connection.vendor, "date": datetime.now().astimezone().isoformat(timespec="seconds"),
                 "machine": machine.describe(), "load_average_before": os.getloadavg()}

    # 1. throughput: batch path, single alarms, and the floor, in the same run
    _replay("warm", 0, 200, 100, args.devices, post)
    seconds = _replay("t", 0, args.alarms, args.batch, args.devices, post)
    single_t0 = time.perf_counter()
    for n in range(args.single):
        post("/api/v1/em/alarms", _alarm("s", n, args.devices))
    single = time.perf_counter() - single_t0
    floor = _floor(args.alarms, args.batch)
    out["throughput"] = {
        "alarms": args.alarms, "batch": args.batch, "seconds": round(seconds, 2),
        "alarms_per_second": round(args.alarms / seconds), "single_alarms": args.single,
        "single_alarms_per_second": round(args.single / single, 1),
        "floor_rows_per_second": round(args.alarms / floor), "ratio_to_floor": round(floor / seconds, 3),
        "single_ratio_to_floor": round((args.single / single) / (args.alarms / floor), 4),
    }
    print(json.dumps({"progress": out["throughput"]}), file=sys.stderr, flush=True)

    # 2. console latency while another process replays a backlog
    rlc_user = Person.objects.get(username="rlc.syd")
    watcher = Client()
    watcher.force_login(rlc_user)
    seen: dict[int, float] = {}
    seen_lock = threading.Lock()
    stop = threading.Event()
    after = Alarm.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    errors: queue.Queue = queue.Queue()

    def watch():
        last = after
        try:
            while not stop.is_set():
                response = watcher.get(f"/larmkonsol/strom/?after={last}&seconds=5")
                for chunk in response.streaming_content:
                    now = time.perf_counter()
                    for line in chunk.decode().splitlines():
                        if line.startswith("id: "):
                            pk = int(line[4:])
                            last = max(last, pk)
                            with seen_lock:
                                seen.setdefault(pk, now)
                    if stop.is_set():
                        break
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.put(repr(exc))
        finally:
            from django.db import connection as conn

            conn.close()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    time.sleep(1.0)
    env = dict(os.environ)
    child = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--role", "backlog", "--key", key,
                              "--secret", secret, "--run", "bl", "--backlog", str(args.backlog), "--batch",
                              str(args.batch), "--devices", str(args.devices)], env=env, stdout=subprocess.PIPE,
                             text=True)
    time.sleep(2.0)  # let the replay get going
    probes: list[tuple[str, float, float, bool]] = []  # id, answered at, answer ms, backlog still running
    loads = []
    n = 0
    while n < args.probes or (child.poll() is None and n < args.probes * 20):
        n += 1
        alarm = {"alarm_id": f"p-{n}", "device_id": "PROBE", "sequence": n, "type": "tamper",
                 "raised_at": (datetime.now().astimezone() - timedelta(seconds=1)).isoformat()}
        running = child.poll() is None
        t0 = time.perf_counter()
        post("/api/v1/em/alarms", alarm)
        t1 = time.perf_counter()
        probes.append((alarm["alarm_id"], t1, (t1 - t0) * 1000, running))
        loads.append(os.getloadavg()[0])
        time.sleep(args.probe_interval)
    backlog_out, _ = child.communicate(timeout=3600)
    time.sleep(2.0)
    stop.set()
    thread.join(timeout=10)
    pks = dict(Alarm.objects.filter(system=system, supplier_alarm_id__in=[p[0] for p in probes])
               .values_list("supplier_alarm_id", "pk"))
    shown, missing = [], 0
    for alarm_id, answered, _, running in probes:
        at = seen.get(pks.get(alarm_id, -1))
        if at is None:
            missing += 1
        elif running:
            shown.append(max(at - answered, 0.0) * 1000)
    during = [p for p in probes if p[3]]
    backlog_seconds = json.loads(backlog_out.strip().splitlines()[-1])["seconds"] if backlog_out.strip() else None
    out["console"] = {
        "backlog": args.backlog, "backlog_seconds": round(backlog_seconds, 1) if backlog_seconds else None,
        "backlog_alarms_per_second": round(args.backlog / backlog_seconds) if backlog_seconds else None,
        "immediate_alarms": len(probes), "during_backlog": len(during), "not_shown": missing,
        "shown_after_answer_ms": {"p50": _quantile(shown, 50), "p99": _quantile(shown, 99),
                                  "max": round(max(shown), 1) if shown else None, "n": len(shown)},
        "api_answer_ms": {"p50": _quantile([p[2] for p in during], 50), "p99": _quantile([p[2] for p in during], 99)},
        "stream": "LISTEN/NOTIFY" if connection.vendor == "postgresql" else "polling every 0.5 s",
        "stream_errors": list(errors.queue),
        "load_average_during": round(statistics.mean(loads), 2) if loads else None,
    }
    out["load_average_after"] = os.getloadavg()
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
