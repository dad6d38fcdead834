"""Change stamps per part of an inbox scope, kept by the database (triggers), read by the inbox's ETag.

A *scope key* names a part of what inboxes show:

* ``u:<unit id>`` — the cases routed to a unit (and whatever a kind adds to that unit's inbox: a transfer
  offered to it, the contact bans whose alarms its RLC takes);
* ``r:<region id>:<kind>`` — the cases of a kind in a region (an RLC's or the border police's widening);
* ``p:<person id>`` — cases a person sees as themselves (a contact ban's contact persons);
* ``g`` — what every row shows from elsewhere (the handling unit's name).

Triggers on every table whose rows an inbox row shows bump the keys of the old *and* the new row
(``cases_scopestamp.version + 1``), in the writer's own transaction: a change is in the stamp exactly when
it is committed, and bulk writes that bypass the ORM's signals are covered too. The kernel's migration
stamps ``cases_case``; a kind that widens the scope or shows its own rows in the inbox ships triggers for
its tables (built with ``trigger_sql``) and names the keys an actor reads in ``CaseKind.stamp_scopes``.

The ETag then costs one primary-key lookup of a handful of rows, whatever the number of open cases.

SQLite: row-level triggers (``NEW``/``OLD``). PostgreSQL: one statement-level trigger per event over its
transition tables, so a bulk insert bumps each key once, keys in order (no lock-order deadlock between
two writers of the same keys). A bumped row stays locked until the writer commits: writers of the same
unit or region queue on it for the rest of their (short) transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

TABLE = "cases_scopestamp"
EVENTS = ("INSERT", "UPDATE", "DELETE")


def case_keys(case_id: str = "r.case_id") -> list[str]:
    """The kernel's keys of the case a row belongs to (``case_id``: the column over ``{rows} r``)."""
    return [f"SELECT 'u:' || c.unit_id AS k FROM cases_case c JOIN {{rows}} r ON c.id = {case_id}",
            f"SELECT 'r:' || c.region_id || ':' || c.kind AS k FROM cases_case c JOIN {{rows}} r ON c.id = {case_id}"]


def _rows_sqlite(row: str, columns: Sequence[str]) -> str:
    return "(SELECT " + ", ".join(f"{row}.{c} AS {c}" for c in columns) + ")"


def _upsert(selects: Iterable[str], now: str) -> str:
    union = " UNION ".join(selects)  # UNION: each key once per statement (PostgreSQL requires it)
    return (f"INSERT INTO {TABLE} (scope, version, changed_at) "
            f"SELECT k, 1, {now} FROM ({union}) s WHERE k IS NOT NULL ORDER BY k "
            f"ON CONFLICT (scope) DO UPDATE SET version = {TABLE}.version + 1, changed_at = excluded.changed_at")


def trigger_sql(vendor: str, name: str, table: str, columns: Sequence[str], selects: Sequence[str],
                events: Sequence[str] = EVENTS) -> tuple[list[str], list[str]]:
    """The statements that create (and drop) the stamp triggers of ``table``: ``selects`` are SELECTs of
    one column ``k`` (a scope key) over ``{rows} r``, the changed rows (old and new); ``columns``: the
    columns of ``table`` they read. Returns (up, down) for ``RunSQL``."""
    up: list[str] = []
    down: list[str] = []
    for event in events:
        suffix = event[:3].lower()
        trig = f"{name}_stamp_{suffix}"
        sides = {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}[event]
        if vendor == "postgresql":
            tables = {"OLD": "old_rows", "NEW": "new_rows"}
            body = _upsert([s.format(rows=tables[side]) for side in sides for s in selects], "now()")
            referencing = " ".join(f"{side} TABLE AS {tables[side]}" for side in sides)
            up.append(f"CREATE OR REPLACE FUNCTION {trig}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                      f"BEGIN {body}; RETURN NULL; END $$")
            up.append(f"CREATE TRIGGER {trig} AFTER {event} ON {table} REFERENCING {referencing} "
                      f"FOR EACH STATEMENT EXECUTE FUNCTION {trig}()")
            down += [f"DROP TRIGGER IF EXISTS {trig} ON {table}", f"DROP FUNCTION IF EXISTS {trig}()"]
        else:
            body = _upsert([s.format(rows=_rows_sqlite(side, columns)) for side in sides for s in selects],
                           "strftime('%Y-%m-%d %H:%M:%f', 'now')")
            up.append(f"CREATE TRIGGER {trig} AFTER {event} ON {table} FOR EACH ROW BEGIN {body}; END")
            down.append(f"DROP TRIGGER IF EXISTS {trig}")
    return up, down


def run_triggers(name: str, table: str, columns: Sequence[str], selects: Sequence[str],
                 events: Sequence[str] = EVENTS):
    """A migration operation that creates the triggers for the database's vendor (and drops them)."""
    from django.db import migrations

    def forward(apps, schema_editor):
        for sql in trigger_sql(schema_editor.connection.vendor, name, table, columns, selects, events)[0]:
            schema_editor.execute(sql, params=None)

    def backward(apps, schema_editor):
        for sql in trigger_sql(schema_editor.connection.vendor, name, table, columns, selects, events)[1]:
            schema_editor.execute(sql, params=None)

    return migrations.RunPython(forward, backward, elidable=False)


def read(keys: Sequence[str]) -> str:
    """The versions of ``keys`` as one string (a missing key is version 0): one primary-key lookup."""
    from .models import ScopeStamp

    found = dict(ScopeStamp.objects.filter(scope__in=list(keys)).values_list("scope", "version"))
    return ",".join(f"{k}={found.get(k, 0)}" for k in keys)
