"""Helpers of the drills: a Biträde of its own (file SQLite, own var/ and checkpoint file) in subprocesses."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

PRELUDE = """
import json, sys, uuid
import django
django.setup()
from django.db import transaction
from bitrade.organisation.actor import actor_for_person
from bitrade.organisation.models import Person
from bitrade.intake import services as intake
from bitrade.intake.schemas import RequestIn
from bitrade.intake.tests.helpers import LVU_CARE

def submit(n, tag, now=None):
    actor = actor_for_person(Person.objects.get(username="soc.malmo"))
    for i in range(n):
        intake.submit_request(actor, RequestIn.model_validate(LVU_CARE), idempotency_key=f"{tag}-{i}", now=now)
"""


def environment(root: Path) -> dict:
    root.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "BITRADE_ENV": "development", "BITRADE_DEBUG": "0",
            "DJANGO_SETTINGS_MODULE": "bitrade.config.settings", "BITRADE_VAR_DIR": str(root / "var"),
            "DATABASE_URL": f"sqlite:///{root / 'db.sqlite3'}",
            "BITRADE_AUDIT_CHECKPOINT_DIR": str(root / "checkpoints"), "BITRADE_LOG_LEVEL": "ERROR",
            "BITRADE_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}


def python(env: dict, code: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", PRELUDE + code, *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def bitrade(env: dict, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bitrade.config.cli", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


def ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-4000:])
    return done.stdout


def last_json(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


def setup_demo(env: dict) -> None:
    ok(python(env, "from django.core.management import call_command\n"
                   "call_command('migrate', verbosity=0)\n"
                   "from bitrade.organisation.demo import load_demo\nload_demo()\n"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
