"""CPU per request of the read paths, in-process (Django test client, production settings, SQLite in a
temporary directory, N open cases in one unit), and optionally a cProfile of them.

    N=2000 python bench/profile_reads.py                      # every read path, CPU ms per request
    N=2000 PROFILE=1 python bench/profile_reads.py "/api/v1/cases?limit=100"
    BITRADE_SRC=/other/checkout/src python bench/profile_reads.py   # A/B: the same harness on other code
    CHANGE=1 python bench/profile_reads.py /arenden/inkorg/    # one case of the first page changed before
                                                               # every poll (the poll after a change)
    SQL=1 python bench/profile_reads.py /arenden/inkorg/       # one request's statements (and on PostgreSQL
                                                               # EXPLAIN ANALYZE of the inbox's SELECTs)

Paths: ``/api/v1/cases?...`` and ``/`` and ``/arenden/inkorg/`` as the police (gc.malmo, session);
``/api/v1/requests?...`` with the demo API key. CPU is ``time.process_time`` over REPEAT requests after a
warm-up; the database runs in the process, so its CPU is included (as in gunicorn on SQLite). With
``CHANGE=1`` the change (an UPDATE of one case of the first page, which moves the unit's change stamp) is made
outside the measured time; only the requests are timed. ``BITRADE_INBOX_ROWS_CACHE=0`` turns off the unit's kept
pages, so every poll is a miss.
"""

import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import inprocess  # noqa: E402

SRC = inprocess.environment("prof-reads-")

PATHS = ["/api/v1/cases?limit=100", "/arenden/inkorg/", "/", "/api/v1/requests?limit=100"]


def main() -> None:
    import django

    django.setup()
    from django.test import Client
    from intake_bench import DEMO_KEY

    from bitrade.organisation.models import Person

    inprocess.demo_with_cases(int(os.environ.get("N", "10000")))
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")  # as reads_bench.py: a bulk load leaves the planner without statistics
    police = Client()
    police.force_login(Person.objects.get(username="gc.malmo"))
    repeat = int(os.environ.get("REPEAT", "60"))
    print(f"code: {SRC}  cases: {os.environ.get('N', '10000')}  repeat: {repeat}")
    for path in sys.argv[1:] or PATHS:
        client, headers = (Client(), {"HTTP_AUTHORIZATION": f"Bearer {DEMO_KEY}"}) if "requests" in path else (
            police, {"HTTP_HX_REQUEST": "true"} if path.startswith("/arenden/inkorg") else {})
        for _ in range(5):
            r = client.get(path, **headers)
            assert r.status_code == 200, (path, r.status_code, r.content[:300])
        if os.environ.get("SQL"):
            _statements(client, path, headers)
        best = None
        for _ in range(int(os.environ.get("ROUNDS", "3"))):
            spent = 0.0
            for _ in range(repeat):
                change()
                t = time.process_time()
                client.get(path, **headers)
                spent += time.process_time() - t
            ms = spent / repeat * 1000
            best = ms if best is None else min(best, ms)
        print(f"{path:40s} CPU ms/request (best of rounds) {best:6.2f}   bytes {len(r.content)}"
              + ("   (one case changed before each request)" if CHANGE else ""))
        if os.environ.get("PROFILE"):
            pr = cProfile.Profile()
            for _ in range(repeat):
                change()
                pr.enable()
                client.get(path, **headers)
                pr.disable()
            for order, n, chars in (("cumulative", 70, 14000), ("tottime", 30, 8000)):
                s = io.StringIO()
                pstats.Stats(pr, stream=s).sort_stats(order).print_stats(n)
                print(s.getvalue()[:chars])


CHANGE = bool(os.environ.get("CHANGE"))
_changed = [0]


def change() -> None:
    """With ``CHANGE=1``: one case of the first page changed (its row's values and the unit's stamp move)."""
    if not CHANGE:
        return
    from django.utils import timezone

    from bitrade.cases import selectors
    from bitrade.cases.models import Case

    if not hasattr(change, "ids"):
        change.ids = list(Case.objects.exclude(state="closed").order_by(*selectors.INBOX_ORDER)
                          .values_list("pk", flat=True)[:selectors.INBOX_LIMIT])
    _changed[0] += 1
    Case.objects.filter(pk=change.ids[_changed[0] % len(change.ids)]).update(updated_at=timezone.now())


def _statements(client, path, headers) -> None:
    """One request's statements; on PostgreSQL the inbox's SELECTs again under EXPLAIN ANALYZE."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    change()
    with CaptureQueriesContext(connection) as ctx:
        client.get(path, **headers)
    print(f"{len(ctx.captured_queries)} statements")
    for q in ctx.captured_queries:
        print(f"  {q['time']}s  {q['sql'][:300]}")
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        for q in ctx.captured_queries:
            if '"cases_case"' in q["sql"] and "ORDER BY" in q["sql"]:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                print("\n".join(r[0] for r in cur.fetchall()))


if __name__ == "__main__":
    main()
