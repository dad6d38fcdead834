"""Benchmarks of the case-handling issue: the unit inbox with 10,000 open cases, a step taken on the
case page's work surface (the htmx partial update) among them, and the deadline sweep with 100,000
pending deadlines.

    python bench/cases_bench.py [--cases 10000] [--deadlines 100000] [--due 1000]
    scripts/with-postgres.sh .venv/bin/python bench/cases_bench.py      # the same on PostgreSQL

Runs in-process against a fresh database in a temporary BITRADE_VAR_DIR (SQLite) or the database in
DATABASE_URL. Page times are server-side (Django test client: middleware, selectors, audit of the read,
template). Prints a Markdown table; timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def load_cases(n: int, unit, org, malmo, now, batch: int = 2000) -> None:
    """``n`` open handräckning cases with their requests in one unit (bulk inserts, no audit events)."""
    from bitrade.cases.models import Case
    from bitrade.intake.models import AssistanceRequest

    states = ["received", "acknowledged", "granted", "assigned", "in_execution"]
    for start in range(0, n, batch):
        size = min(batch, n - start)
        cases = Case.objects.bulk_create([
            Case(kind="assistance", reference_number=f"HR-BENCH-{uuid.uuid4().hex[:12]}", case_code="614",
                 state=states[(start + i) % len(states)], received_at=now - timedelta(minutes=start + i),
                 region=unit.region, unit=unit, priority=[None, 3, 2, 1][(start + i) % 4],
                 ack_due_at=now + timedelta(minutes=(start + i) % 600), routing_reasons=[])
            for i in range(size)])
        AssistanceRequest.objects.bulk_create([
            AssistanceRequest(case=c, channel="api", organisation=org, requester_name="Bench", requester_role=
                              "social_services_official", requester_phone="040-000000",
                              legal_basis_text="43 § första stycket 2 LVU", legal_basis_key="LVU-43-1-2", law="LVU",
                              person_name=f"Person {start + i}", location_address="Gatan 1",
                              location_municipality=malmo, measures="Hämta.", requested_urgency="planned",
                              review_outcome="admissible",
                              review={"legal_basis": {"citation": "43 § första stycket 2 LVU"}})
            for i, c in enumerate(cases)])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--deadlines", type=int, default=100_000)
    ap.add_argument("--due", type=int, default=1_000)
    ap.add_argument("--pages", type=int, default=60)
    args = ap.parse_args()

    if not os.environ.get("DATABASE_URL"):
        os.environ["BITRADE_VAR_DIR"] = tempfile.mkdtemp(prefix="bitrade-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bitrade.config.settings")
    os.environ.setdefault("BITRADE_LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from bitrade.deadlines import services as deadlines
    from bitrade.deadlines.models import Deadline
    from bitrade.organisation.demo import load_demo
    from bitrade.organisation.models import Municipality, Person, RequestingOrganisation, Unit

    call_command("migrate", verbosity=0, interactive=False)
    load_demo()
    unit = Unit.objects.get(name="Handräckningsgrupp Malmö")
    org = RequestingOrganisation.objects.get(name="Socialnämnden Malmö stad")
    malmo = Municipality.objects.get(code="1280")
    now = timezone.now()

    t = time.perf_counter()
    load_cases(args.cases, unit, org, malmo, now)
    load_s = time.perf_counter() - t

    client = Client()
    client.force_login(Person.objects.get(username="gc.malmo"))
    for _ in range(5):
        client.get("/")
    timings = {"/ (inkorg, hel sida)": [], "/arenden/inkorg/ (htmx-fragment)": []}
    for _ in range(args.pages):
        for url, key in (("/", "/ (inkorg, hel sida)"), ("/arenden/inkorg/", "/arenden/inkorg/ (htmx-fragment)")):
            t = time.perf_counter()
            r = client.get(url)
            timings[key].append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200

    # A step on the case page's work surface: the form is sent with HX-Request and the answer is the
    # updated page, of which the browser swaps in the case region (server side: the step's transaction,
    # its audit and outbox rows, the re-read of the case and the page).
    from bitrade.intake import services as intake
    from bitrade.intake.schemas import RequestIn
    from bitrade.intake.tests.helpers import LVU_CARE
    from bitrade.organisation.actor import actor_for_person

    soc = Person.objects.get(username="soc.malmo")
    submitted = intake.submit_request(actor_for_person(soc), RequestIn.model_validate(LVU_CARE),
                                      idempotency_key=str(uuid.uuid4())).request.case
    submitted.unit = unit
    submitted.save(update_fields=["unit"])
    case_url = f"/arenden/{submitted.public_id}/"
    client.post(f"{case_url}kvittera/", HTTP_HX_REQUEST="true")
    step_key, page_key = "POST steg från ärendesidan (htmx, svar = uppdaterad sida)", f"{case_url} (hel sida)"
    timings[step_key], timings[page_key] = [], []
    for i in range(args.pages):
        t = time.perf_counter()
        r = client.post(f"{case_url}risk/", {"risk_level": ["low", "medium", "high"][i % 3],
                                            "risk_assessment": f"Bedömning {i}."}, HTTP_HX_REQUEST="true")
        timings[step_key].append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200 and b"Sparat." in r.content, r.content[:400]
        t = time.perf_counter()
        r = client.get(case_url)
        timings[page_key].append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200

    @deadlines.register("bench.noop")
    def _noop(deadline, moment):
        return ""

    t = time.perf_counter()
    future = now + timedelta(days=1)
    rows = [Deadline(kind="bench.noop", object_type="bench", object_id=str(i),
                     due_at=(now - timedelta(seconds=1)) if i < args.due else future + timedelta(seconds=i),
                     payload={}) for i in range(args.deadlines)]
    Deadline.objects.bulk_create(rows, batch_size=5000)
    dl_load_s = time.perf_counter() - t
    t = time.perf_counter()
    empty = deadlines.sweep(now=now - timedelta(days=1))
    empty_ms = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    fired = 0
    while True:
        n = deadlines.sweep(now=now, limit=500)
        fired += n
        if n == 0:
            break
    sweep_s = time.perf_counter() - t

    db = f"{connection.vendor} {connection.Database.sqlite_version if connection.vendor == 'sqlite' else connection.pg_version}"
    print(f"\n### Cases on {db}\n")
    print(f"{args.cases} open cases in one unit loaded in {load_s:.1f} s.\n")
    print("| page | n | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|")
    for k, v in timings.items():
        print(f"| {k} | {len(v)} | {statistics.median(v):.1f} | {pct(v, 95):.1f} | {max(v):.1f} |")
    print(f"\n{args.deadlines} pending deadlines ({args.due} due) inserted in {dl_load_s:.1f} s.\n")
    print("| sweep | result |")
    print("|---|---|")
    print(f"| sweep with nothing due (claim query over {args.deadlines} pending) | {empty} fired in {empty_ms:.1f} ms |")
    print(f"| sweep of {args.due} due deadlines (one transaction each) | {fired} fired in {sweep_s:.2f} s, "
          f"{sweep_s / max(fired, 1) * 1000:.2f} ms per deadline |")


if __name__ == "__main__":
    main()
