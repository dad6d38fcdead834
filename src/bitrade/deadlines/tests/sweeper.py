"""One worker process for the multi-process test: the real ``worker`` command (a sweep every 50 ms)
plus a test-only deadline kind whose side effect is a row written in the deadline's transaction.

Run as ``python sweeper.py``; DATABASE_URL names the test database."""

from __future__ import annotations

import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bitrade.config.test_settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bitrade.deadlines import services  # noqa: E402

EFFECT_TABLE = "test_deadline_effect"


@services.register("test.count")
def count(deadline, now):
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {EFFECT_TABLE} (deadline_id, pid) VALUES (%s, %s)", [deadline.pk, os.getpid()])
    time.sleep(0.003)  # inside the transaction: a SIGKILL often lands between the side effect and the commit
    return "räknad"


if __name__ == "__main__":
    call_command("worker", "--interval", "0.05", "--no-tasks")
