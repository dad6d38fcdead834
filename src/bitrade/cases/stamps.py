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

The ETag then costs one index lookup of a handful of rows per key, whatever the number of open cases.

SQLite: row-level triggers (``NEW``/``OLD``); it has one writer at a time, so each key is one row.
PostgreSQL: one statement-level trigger per event over its transition tables, so a bulk insert bumps each
key once, keys in order (no lock-order deadlock between two writers of the same keys).

A bumped row stays locked until its writer commits. So that writers of the same unit or region do not
queue on one row, PostgreSQL keeps each key in ``SLOTS`` rows, ``<key>#<slot>``: a transaction bumps the
slot ``txid_current() % SLOTS`` (transactions running at the same time have neighbouring ids, so they
mostly take different slots). The stamp of a key is the *sum* of the versions of its rows (the bare key,
kept from before the slots and by SQLite, and its slots), read in one statement (one snapshot). Every row
only grows, so every committed change of a part raises its sum: two reads give the same sum only if no
change of that part was committed in between -- exactly what the single row gave.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

TABLE = "cases_scopestamp"
EVENTS = ("INSERT", "UPDATE", "DELETE")
SLOTS = 16  # rows per key on PostgreSQL (see the module's text)


def case_keys(case_id: str = "r.case_id") -> list[str]:
    """The kernel's keys of the case a row belongs to (``case_id``: the column over ``{rows} r``)."""
    return [f"SELECT 'u:' || c.unit_id AS k FROM cases_case c JOIN {{rows}} r ON c.id = {case_id}",
            f"SELECT 'r:' || c.region_id || ':' || c.kind AS k FROM cases_case c JOIN {{rows}} r ON c.id = {case_id}"]


def _rows_sqlite(row: str, columns: Sequence[str]) -> str:
    return "(SELECT " + ", ".join(f"{row}.{c} AS {c}" for c in columns) + ")"


def _upsert(selects: Iterable[str], now: str, slot: str = "") -> str:
    """``slot``: an SQL expression appended to each key (PostgreSQL's ``'#' || txid_current() % SLOTS``)."""
    union = " UNION ".join(selects)  # UNION: each key once per statement (PostgreSQL requires it)
    key = f"k || {slot}" if slot else "k"
    return (f"INSERT INTO {TABLE} (scope, version, changed_at) "
            f"SELECT {key}, 1, {now} FROM ({union}) s WHERE k IS NOT NULL ORDER BY k "
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
            body = _upsert([s.format(rows=tables[side]) for side in sides for s in selects], "now()",
                           f"'#' || (txid_current() % {SLOTS})")
            referencing = " ".join(f"{side} TABLE AS {tables[side]}" for side in sides)
            up.append(f"CREATE OR REPLACE FUNCTION {trig}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                      f"BEGIN {body}; RETURN NULL; END $$")
            up.append(f"CREATE OR REPLACE TRIGGER {trig} AFTER {event} ON {table} REFERENCING {referencing} "
                      f"FOR EACH STATEMENT EXECUTE FUNCTION {trig}()")
            down += [f"DROP TRIGGER IF EXISTS {trig} ON {table}", f"DROP FUNCTION IF EXISTS {trig}()"]
        else:
            body = _upsert([s.format(rows=_rows_sqlite(side, columns)) for side in sides for s in selects],
                           "strftime('%Y-%m-%d %H:%M:%f', 'now')")
            up += [f"DROP TRIGGER IF EXISTS {trig}",
                   f"CREATE TRIGGER {trig} AFTER {event} ON {table} FOR EACH ROW BEGIN {body}; END"]
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


def replace_triggers(name: str, table: str, columns: Sequence[str], selects: Sequence[str],
                     events: Sequence[str] = EVENTS):
    """A migration operation that creates the triggers of ``table`` again as this module builds them now
    (e.g. with the slots): the old ones are replaced in the migration's transaction, so no write goes
    unstamped in between. Going back leaves them (they stay right for ``read``)."""
    from django.db import migrations

    op = run_triggers(name, table, columns, selects, events)
    return migrations.RunPython(op.code, migrations.RunPython.noop, elidable=False)


def rows_of(key: str, vendor: str = "postgresql") -> list[str]:
    """The rows that together make ``key``'s stamp: the bare key and, on PostgreSQL, its slots."""
    return [key, *(f"{key}#{slot}" for slot in range(SLOTS))] if vendor == "postgresql" else [key]


def versions(keys: Sequence[str]) -> dict[str, int]:
    """The stamp of each of ``keys``: the sum of its rows' versions (0 when it has none), in one statement."""
    from django.db import connection

    from .models import ScopeStamp

    owner = {row: key for key in keys for row in rows_of(key, connection.vendor)}
    found = dict.fromkeys(keys, 0)
    for scope, version in ScopeStamp.objects.filter(scope__in=list(owner)).values_list("scope", "version"):
        found[owner[scope]] += version
    return found


def read(keys: Sequence[str]) -> str:
    """The stamps of ``keys`` as one string (a missing key is 0): one index lookup of a few rows per key."""
    found = versions(keys)
    return ",".join(f"{k}={found[k]}" for k in keys)
