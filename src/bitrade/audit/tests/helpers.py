"""Tampering as an administrator with full database access would: around the append-only triggers."""

from __future__ import annotations

import importlib
from contextlib import contextmanager

from django.db import connection

from bitrade.audit import services
from bitrade.organisation.actor import SYSTEM_ACTOR

M = importlib.import_module("bitrade.audit.migrations.0003_sealed_chain_checkpoints")


@contextmanager
def triggers_off():
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            for table in ("audit_auditevent", "audit_auditcheckpoint"):
                cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            for sql in M.SQLITE_DOWN:
                cur.execute(sql)
    try:
        yield
    finally:
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                for table in ("audit_auditevent", "audit_auditcheckpoint"):
                    cur.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            else:
                for sql in M.SQLITE_UP:
                    cur.execute(sql)


def tamper(sql: str, params=None) -> None:
    with triggers_off(), connection.cursor() as cur:
        cur.execute(sql, params or [])


def events(n: int = 5, action: str = "test.event"):
    return [services.record(SYSTEM_ACTOR, action, object_type="test", object_id=i, new={"i": i, "ö": "å"})
            for i in range(n)]
