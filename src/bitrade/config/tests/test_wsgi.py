"""The web process's garbage-collector set-up (config/wsgi.py): what is loaded at start, and what the first
requests load, is frozen out of the collector's generations."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

SRC = Path(__file__).resolve().parents[3]

PROBE = """
import gc, sys
from bitrade.config import wsgi
from django.test import Client

frozen_at_start = gc.get_freeze_count()
assert frozen_at_start > 10_000, frozen_at_start
# the URL patterns (every view and API schema) were imported before the first freeze
assert "bitrade.config.api" in sys.modules and "bitrade.cases.views" in sys.modules
client = Client()
for i in range(wsgi.FREEZE_AFTER):
    assert wsgi._served[0] == i
    client.get("/logga-in/")
assert gc.get_freeze_count() > frozen_at_start, (gc.get_freeze_count(), frozen_at_start)
after = gc.get_freeze_count()
client.get("/logga-in/")
assert wsgi._served[0] == wsgi.FREEZE_AFTER  # frozen once: the counter stopped
print("ok", frozen_at_start, after)
"""


def _run(freeze_after: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bitrade.config.test_settings", "BITRADE_ENV": "test",
           "BITRADE_GC_FREEZE_AFTER": freeze_after, "BITRADE_VAR_DIR": tempfile.mkdtemp(prefix="wsgi-probe-"),
           "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120,
                          check=False)


def test_a_second_freeze_after_the_first_requests():
    done = _run("3")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("ok")


def test_no_second_freeze_when_turned_off():
    done = _run("0")
    # with 0 no request is counted and nothing more is frozen: the probe stops at its check of a second freeze,
    # which names the two equal counts
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("AssertionError: ("), done.stderr[-2000:]
    counts = [int(v) for v in last.split("(")[1].rstrip(")").split(",")]
    assert counts[0] == counts[1] > 10_000
