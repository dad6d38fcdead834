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
import secrets
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SRC = os.environ.get("BITRADE_SRC") or str(BENCH.parent / "src")
sys.path.insert(0, SRC)
sys.path.insert(0, str(BENCH))
os.environ.setdefault("BITRADE_VAR_DIR", tempfile.mkdtemp(prefix="prof-reads-"))
os.environ.update({"BITRADE_ENV": "production", "BITRADE_DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50),
                   "BITRADE_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver", "BITRADE_LOG_LEVEL": "WARNING",
                   "BITRADE_SSL_REDIRECT": "0", "DJANGO_SETTINGS_MODULE": "bitrade.config.settings"})

PATHS = ["/api/v1/cases?limit=100", "/arenden/inkorg/", "/", "/api/v1/requests?limit=100"]


def main() -> None:
    import django

    django.setup()
    import cases_bench
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone
    from intake_bench import DEMO_KEY

    from bitrade.organisation.demo import load_demo
    from bitrade.organisation.models import Municipality, Person, RequestingOrganisation, Unit

    call_command("migrate", verbosity=0, interactive=False)
    load_demo()
    unit = Unit.objects.get(name="Handräckningsgrupp Malmö")
    cases_bench.load_cases(int(os.environ.get("N", "10000")), unit,
                           RequestingOrganisation.objects.get(name="Socialnämnden Malmö stad"),
                           Municipality.objects.get(code="1280"), timezone.now())
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
