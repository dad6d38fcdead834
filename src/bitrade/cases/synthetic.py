"""The hook through which every case kind takes part in ``bitrade generate`` (synthetic national data).

A kind registers a :class:`SyntheticKind` from its ``AppConfig.ready()``: a generator that writes its
generated cases for a :class:`Run` (the same years, scale, seed and end date for every kind) and a deleter
that removes the kind's own rows hanging on its generated cases. The national generator (in the follow-up)
runs every registered kind in the order of ``order`` and, for ``--replace``, calls the deleters in the
reverse order before it removes the kernel's rows (:func:`delete_kernel_rows`: timeline events and the
cases). The kernel knows no kind: it only keeps the registry.

Every generated case has a reference number starting with :data:`PREFIX` (``SYN-``); a kind's own prefix
(``SYN-AV-`` …) starts with it, so "all generated cases" is one ``LIKE`` on an indexed column, and a
kind's deleter must select its cases by ``kind`` as well as by prefix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

PREFIX = "SYN-"


@dataclass(frozen=True)
class Run:
    """One generation: the period [start, until) (aware datetimes), its seed and scale (share of the
    national volume), and how to write rows. ``insert(model, rows)`` bulk-inserts dicts of field values
    (attname → value; an automatic primary key is written back into each row as ``row["id"]``) —
    the follow-up passes its fast bulk writer, a kind's own command may pass ``bulk_create``."""

    start: datetime
    until: datetime
    seed: int
    scale: float
    insert: Callable[[type, list[dict]], None]
    years: int = 0
    log: Callable[[str], None] | None = None
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SyntheticKind:
    """``key``: the case kind; ``label``: what its cases are called in Swedish, in the plural ("returärenden"),
    for the command's output; ``generate(run)`` writes the kind's cases (in its own transactions) and returns
    row counts, with ``"cases"`` the number of cases; ``delete()`` removes every row of the kind that hangs on
    its generated cases (not the kernel's ``Case`` and ``CaseEvent`` rows) and returns how many cases it
    cleared; ``order``: generators run in ascending order, deleters in descending order."""

    key: str
    label: str
    prefix: str
    generate: Callable[[Run], dict[str, int]]
    delete: Callable[[], int]
    order: int = 100


_KINDS: dict[str, SyntheticKind] = {}


def register(kind: SyntheticKind) -> SyntheticKind:
    if not kind.prefix.startswith(PREFIX):
        raise ValueError(f"A generated case's reference number must start with {PREFIX}: {kind.prefix!r}")
    _KINDS[kind.key] = kind
    return kind


def registered() -> list[SyntheticKind]:
    """The registered kinds in the order their generators run."""
    return sorted(_KINDS.values(), key=lambda k: (k.order, k.key))


def unregister(key: str) -> None:
    _KINDS.pop(key, None)


def generated_cases_sql(kind: str) -> tuple[str, list]:
    """A subquery selecting the ids of the generated cases of ``kind``, with its parameters, for a kind's
    deleter (plain DELETE statements: going through the ORM's collector would load every row)."""
    from django.db import DEFAULT_DB_ALIAS, connections

    from .models import Case

    qn = connections[DEFAULT_DB_ALIAS].ops.quote_name
    return (f"SELECT id FROM {qn(Case._meta.db_table)} WHERE kind = %s AND reference_number LIKE %s",
            [kind, PREFIX + "%"])


def delete_rows(statements: list[tuple[str, type, str]], kind: str) -> None:
    """Run DELETE statements in the order given, each ``(column path, model, inner)``: delete the rows of
    ``model`` whose ``column`` is in ``inner`` — a subquery over ``{cases}``, the generated cases of
    ``kind`` (e.g. ``("case_id", ReturnCase, "{cases}")`` or ``("return_case_id", Note, "SELECT id FROM
    returns_returncase WHERE case_id IN ({cases})")``)."""
    from django.db import DEFAULT_DB_ALIAS, connections, transaction

    conn = connections[DEFAULT_DB_ALIAS]
    qn = conn.ops.quote_name
    cases, params = generated_cases_sql(kind)
    with transaction.atomic(), conn.cursor() as cur:
        if conn.vendor == "postgresql":
            # The rows were bulk-loaded, maybe within this very transaction: statistics from before the load
            # (an empty table) lead PostgreSQL to nested loops over the IN subqueries, minutes instead of
            # seconds. ANALYZE samples the tables as they are now (it counts this transaction's own rows).
            from .models import Case

            tables = dict.fromkeys([Case._meta.db_table, *(m._meta.db_table for _, m, _ in statements)])
            cur.execute("ANALYZE " + ", ".join(qn(t) for t in tables))
        for column, model, inner in statements:
            cur.execute(f"DELETE FROM {qn(model._meta.db_table)} WHERE {qn(column)} IN "
                        f"({inner.format(cases=cases)})", params)


def delete_kernel_rows(kind: str | None = None) -> int:
    """Remove the timeline events and the cases of every generated case (after the kinds' deleters), or
    of the generated cases of one ``kind``."""
    from django.db import DEFAULT_DB_ALIAS, connections, transaction

    from .models import Case, CaseEvent

    conn = connections[DEFAULT_DB_ALIAS]
    qn = conn.ops.quote_name
    case, event = qn(Case._meta.db_table), qn(CaseEvent._meta.db_table)
    where, params = "reference_number LIKE %s", [PREFIX + "%"]
    if kind is not None:
        where, params = f"{where} AND kind = %s", [*params, kind]
    with transaction.atomic(), conn.cursor() as cur:
        if conn.vendor == "postgresql":  # as in delete_rows: statistics of the tables as loaded
            cur.execute(f"ANALYZE {case}, {event}")
        cur.execute(f"DELETE FROM {event} WHERE case_id IN (SELECT id FROM {case} WHERE {where})", params)
        cur.execute(f"DELETE FROM {case} WHERE {where}", params)
        return cur.rowcount
