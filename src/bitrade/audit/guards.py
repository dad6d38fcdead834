"""Connection set-up for the append-only guards of the audit tables.

The triggers (migration 0003) refuse DELETE and TRUNCATE of the audit tables. Only a test suite, which
empties its database between tests, switches them off for its own connections by setting
ALLOW_TEST_FLUSH = True (conftest.py): on SQLite through the SQL function bitrade_audit_flush_allowed()
that the triggers consult, on PostgreSQL through the session setting bitrade.audit_allow_truncate.
A connection opened by anything else (the sqlite3 shell, psql) does not have the function or the
setting, and is refused.
"""

from __future__ import annotations

ALLOW_TEST_FLUSH = False


def _flush_allowed() -> int:
    return 1 if ALLOW_TEST_FLUSH else 0


def on_connection_created(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("bitrade_audit_flush_allowed", 0, _flush_allowed)
    elif connection.vendor == "postgresql" and ALLOW_TEST_FLUSH:
        with connection.cursor() as cur:
            cur.execute("SET bitrade.audit_allow_truncate = on")
