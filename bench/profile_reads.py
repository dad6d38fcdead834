"""CPU per request of the read paths, in-process (Django test client, production settings, SQLite in a
temporary directory, N open cases in one unit), and optionally a cProfile of them.

    N=2000 python bench/profile_reads.py                      # every read path, CPU ms per request
    N=2000 PROFILE=1 python bench/profile_reads.py "/api/v1/cases?limit=100"
    BITRADE_SRC=/other/checkout/src python bench/profile_reads.py   # A/B: the same harness on other code

Paths: ``/api/v1/cases?...`` and ``/`` and ``/arenden/inkorg/`` as the police (gc.malmo, session);
``/api/v1/requests?...`` with the demo API key. CPU is ``time.process_time`` over REPEAT requests after a
warm-up; the database runs in the process, so its CPU is included (as in gunicorn on SQLite).
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
        best = None
        for _ in range(int(os.environ.get("ROUNDS", "3"))):
            t = time.process_time()
            for _ in range(repeat):
                client.get(path, **headers)
            ms = (time.process_time() - t) / repeat * 1000
            best = ms if best is None else min(best, ms)
        print(f"{path:40s} CPU ms/request (best of rounds) {best:6.2f}   bytes {len(r.content)}")
        if os.environ.get("PROFILE"):
            pr = cProfile.Profile()
            pr.enable()
            for _ in range(repeat):
                client.get(path, **headers)
            pr.disable()
            for order, n, chars in (("cumulative", 70, 14000), ("tottime", 30, 8000)):
                s = io.StringIO()
                pstats.Stats(pr, stream=s).sort_stats(order).print_stats(n)
                print(s.getvalue()[:chars])


if __name__ == "__main__":
    main()
