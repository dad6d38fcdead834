"""CPU per case action, in-process (Django test client, production settings, the police in the handling unit
with a session cookie and CSRF, a fresh Idempotency-Key per request), and optionally a cProfile of them.

    N=2000 python bench/profile_actions.py                         # each action of the mixed load, CPU ms/request
    N=2000 PROFILE=1 python bench/profile_actions.py assess_risk
    SQL=1 python bench/profile_actions.py inform_requester         # the statements of one request
    BITRADE_SRC=/other/checkout/src python bench/profile_actions.py # A/B: the same harness on other code
    DATABASE_URL=postgres://... python bench/profile_actions.py    # on PostgreSQL (a scratch database)

Actions: the mix of ``bench/mixed_bench.py`` (``assess_risk``, ``inform_requester``, ``record_not_found``,
``acknowledge``), each on cases of the unit taken in turn (``acknowledge`` on a fresh received case each
time). CPU is ``time.process_time`` over REPEAT requests after a warm-up; on SQLite the database runs in
the process, so its CPU is included (as in gunicorn on SQLite); on PostgreSQL it is the client's CPU only.
"""

import cProfile
import io
import itertools
import json
import os
import pstats
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import inprocess  # noqa: E402

SRC = inprocess.environment("prof-actions-")

ACTIONS = ["assess_risk", "inform_requester", "record_not_found", "acknowledge"]


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bitrade.cases.models import Case
    from bitrade.organisation.models import Person

    n = int(os.environ.get("N", "2000"))
    unit = inprocess.demo_with_cases(n)
    by_state: dict[str, list[str]] = {}
    priority: dict[str, int | None] = {}
    for pid, state, prio in Case.objects.filter(unit=unit).values_list("public_id", "state", "priority").order_by("id"):
        by_state.setdefault(state, []).append(str(pid))
        priority[str(pid)] = prio
    police = Client(enforce_csrf_checks=True)
    police.force_login(Person.objects.get(username="gc.malmo"))
    police.get("/")  # the CSRF cookie
    csrf = police.cookies[settings.CSRF_COOKIE_NAME].value
    repeat = int(os.environ.get("REPEAT", "60"))
    rounds = int(os.environ.get("ROUNDS", "3"))
    pool = int(os.environ.get("POOL", "50"))
    engine = connection.vendor
    print(f"code: {SRC}  engine: {engine}  cases: {n}  repeat: {repeat}  rounds: {rounds}")
    keys = itertools.count()
    backend_stat = None
    if engine == "postgresql":  # the server process of this connection runs on this machine (scratch server)
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            backend_stat = Path(f"/proc/{cur.fetchone()[0]}/stat")
        tick = os.sysconf("SC_CLK_TCK")

    def server_cpu() -> float | None:
        """The CPU seconds (user + system) of this connection's PostgreSQL server process so far."""
        if backend_stat is None or not backend_stat.exists():
            return None
        fields = backend_stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick
    run = secrets.token_hex(4)

    def targets(name: str):
        if name == "acknowledge":
            return iter(by_state["received"])
        if name == "record_not_found":
            return itertools.cycle(by_state["in_execution"][:pool])
        return itertools.cycle([c for st in ("acknowledged", "granted", "assigned") for c in by_state[st][:pool]])

    def payload(name: str, k: int, case_id: str) -> dict:
        # The case keeps its priority (as in mixed_bench: a changed priority may route the case elsewhere).
        return {"assess_risk": {"risk_level": ["low", "medium", "high"][k % 3], "risk_assessment": f"Bedömning {k}.",
                                "priority": priority[case_id]},
                "inform_requester": {"channel": "telefon", "note": f"Lägesbesked {k}."},
                "record_not_found": {"notes": f"Ingen öppnade ({k})."}}.get(name, {})

    def post(name: str, case_id: str):
        k = next(keys)
        return police.post(f"/api/v1/cases/{case_id}/actions/{name}", json.dumps(payload(name, k, case_id)),
                           content_type="application/json", HTTP_X_CSRFTOKEN=csrf,
                           HTTP_IDEMPOTENCY_KEY=f"prof-{run}-{k}")

    for name in sys.argv[1:] or ACTIONS:
        it = targets(name)
        for _ in range(5):
            r = post(name, next(it))
            assert r.status_code == 200, (name, r.status_code, r.content[:300])
        if os.environ.get("SQL"):
            with CaptureQueriesContext(connection) as ctx:
                post(name, next(it))
            print(f"--- {name}: {len(ctx.captured_queries)} statements")
            for q in ctx.captured_queries:
                print("   ", q["sql"][:220])
        best = best_server = None
        for _ in range(rounds):
            server = server_cpu()
            t = time.process_time()
            for _ in range(repeat):
                r = post(name, next(it))
            assert r.status_code == 200, (name, r.status_code, r.content[:300])
            ms = (time.process_time() - t) / repeat * 1000
            if server is not None:
                server_ms = (server_cpu() - server) / repeat * 1000
                best_server = server_ms if best_server is None else min(best_server, server_ms)
            best = ms if best is None else min(best, ms)
        with CaptureQueriesContext(connection) as ctx:
            post(name, next(it))
        server_text = f"   PostgreSQL CPU ms/request {best_server:6.2f}" if best_server is not None else ""
        print(f"{name:20s} CPU ms/request (best of rounds) {best:6.2f}{server_text}"
              f"   statements {len(ctx.captured_queries):3d}   bytes {len(r.content)}")
        if os.environ.get("PROFILE"):
            pr = cProfile.Profile()
            pr.enable()
            for _ in range(repeat):
                post(name, next(it))
            pr.disable()
            for order, count, chars in (("cumulative", 80, 16000), ("tottime", 30, 8000)):
                s = io.StringIO()
                pstats.Stats(pr, stream=s).sort_stats(order).print_stats(count)
                print(s.getvalue()[:chars])


if __name__ == "__main__":
    main()
