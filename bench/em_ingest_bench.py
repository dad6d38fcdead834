"""Alarm ingestion, in-process (indicative): a backlog replayed through POST /api/v1/em/alarms/batch with
the full API stack (key, HMAC, validation, classification, routing, the 20 § deadline), and the time an
immediate alarm posted alone during the replay takes to be answered (it is routed while it is stored).

    BITRADE_VAR_DIR=$(mktemp -d) PYTHONPATH=src python bench/em_ingest_bench.py [--alarms 20000] [--batch 1000]

Prints JSON. On PostgreSQL run it under scripts/with-postgres.sh (DATABASE_URL is set there).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alarms", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--probes", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bitrade.config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    call_command("setup_demo", quiet=True)
    from bitrade.monitoring import rules, services
    from bitrade.monitoring.models import ContactBan, Device

    system, key, secret = services.create_system(f"Bench {time.time()}")
    ban = ContactBan.objects.filter(case__state=rules.ACTIVE).first()
    for d in range(20):
        Device.objects.update_or_create(system=system, device_id=f"B-{d}", defaults={"contact_ban": ban})
    Device.objects.update_or_create(system=system, device_id="PROBE", defaults={"contact_ban": ban})
    now = timezone.now().isoformat()
    run = int(time.time())

    def body(n: int) -> dict:
        return {"alarm_id": f"b{run}-{n}", "device_id": f"B-{n % 20}", "sequence": n, "type": "battery_low",
                "raised_at": now}

    def post(client, path, payload):
        raw = json.dumps(payload).encode()
        return client.post(path, data=raw, content_type="application/json", HTTP_X_API_KEY=key,
                           HTTP_X_BITRADE_SIGNATURE=services.sign(secret, raw))

    latencies = []
    done = threading.Event()

    def probe():
        from django.db import connection as conn

        client = Client()
        i = 0
        while not done.is_set() and i < args.probes:
            i += 1
            t0 = time.perf_counter()
            response = post(client, "/api/v1/em/alarms", {"alarm_id": f"p{run}-{i}", "device_id": "PROBE",
                                                          "sequence": i, "type": "zone_entry", "raised_at": now})
            t1 = time.perf_counter()
            assert response.status_code == 202, response.content
            latencies.append((t1 - t0) * 1000)
            time.sleep(0.2)
        conn.close()

    client = Client()
    thread = threading.Thread(target=probe)
    t0 = time.perf_counter()
    thread.start()
    sent = 0
    while sent < args.alarms:
        payload = {"alarms": [body(n) for n in range(sent, min(sent + args.batch, args.alarms))]}
        response = post(client, "/api/v1/em/alarms/batch", payload)
        assert response.status_code == 202, response.content
        sent += len(payload["alarms"])
    elapsed = time.perf_counter() - t0
    done.set()
    thread.join()

    def p(values, q):
        return round(statistics.quantiles(values, n=100)[q - 1], 1) if len(values) >= 2 else None

    print(json.dumps({
        "database": connection.vendor, "alarms": args.alarms, "batch": args.batch, "seconds": round(elapsed, 2),
        "alarms_per_second": round(args.alarms / elapsed, 1),
        "immediate_answer_ms": {"p50": p(latencies, 50), "p99": p(latencies, 99), "n": len(latencies)},
    }))


if __name__ == "__main__":
    main()
