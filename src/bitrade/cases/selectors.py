"""Reads of cases, scoped to the actor: plain data, no display and no audit (the audited reads are
``services.read_case`` and ``services.read_inbox``).

A police unit sees the cases routed to it; a kind may widen that (handräckning: the region's RLC sees
every case in its region). Requesting organisations follow their requests through their kind's own
selectors; analysts see aggregates only.
"""

from __future__ import annotations

import operator
import threading
from datetime import datetime
from functools import reduce
from uuid import UUID

from django.db import connections
from django.db.models import Count, F, Max, Q, QuerySet

from bitrade.common.actor import Actor
from bitrade.common.compiled import CompiledRead
from bitrade.common.errors import DomainError

from . import kinds
from .models import Case, CaseEvent


class InvalidCursor(DomainError):
    status = 422


#: Rows on the inbox page (the most urgent first); the API pages through all of them with a cursor.
INBOX_LIMIT = 100
#: The inbox's order, most urgent first: a priority before none, the higher first; not yet acknowledged
#: before acknowledged (``inbox_urgency``); then the earliest acknowledgement deadline or arrival
#: (``inbox_due``); the public id breaks ties. Both are stored columns with an index per unit.
INBOX_ORDER = ("inbox_urgency", "inbox_due", "public_id")


def scope(actor: Actor, *, related: tuple[str, ...] = ("unit", "region"), one: bool = False) -> QuerySet:
    """Every case the actor may see, of every registered kind (``one``: to look one case up by its key, with
    each kind's ``scope_one`` where it has one: no statement before the lookup)."""
    qs = Case.objects.select_related(*related)
    if not (actor.is_police and actor.unit_id):
        return qs.none()
    visible = Q(unit_id=actor.unit_id)
    for kind in kinds.all_kinds():
        hook = (kind.scope_one or kind.scope) if one else kind.scope
        extra = hook(actor) if hook else None
        if extra is not None:
            visible |= Q(kind=kind.key) & extra
    return qs.filter(visible)


def _related() -> list[str]:
    return sorted({path for kind in kinds.all_kinds() for path in kind.related})


def reference_of(public_id) -> str:
    """A case's reference number (no personal data): for telling someone where a case went."""
    return Case.objects.filter(public_id=public_id).values_list("reference_number", flat=True).first() or ""


_OWN_CASE: dict[tuple, CompiledRead] = {}


def _own_case(related: tuple) -> CompiledRead:
    """The case by its public id among the cases routed to a unit, with these related rows: compiled once
    per thread (``common.compiled``)."""
    read = _OWN_CASE.get(related)
    if read is None:
        read = _OWN_CASE[related] = CompiledRead(
            f"cases.find_case:{','.join(related)}",
            lambda public_id, unit_id: Case.objects.select_related(*related).filter(
                public_id=public_id, unit_id=unit_id)[:1],
            (Case._meta.get_field("public_id"), Case._meta.get_field("unit")),
            (UUID(int=0xB17), -0xB17))
    return read


def find_case(actor: Actor, public_id, *, kind_related: bool = True) -> Case | None:
    """The case if the actor may see it, else None; with its unit, region and its kind's related rows joined in
    (``kind_related``), or its own row alone (a step, which locks the case and reads it afresh with them)."""
    related = ("unit", "region", *_related()) if kind_related else ()
    if actor.is_police and actor.unit_id:
        # Most reads are by the unit the case is routed to: that part of the scope alone is a far cheaper
        # query to build; only a case found there is returned, else the whole scope decides.
        found = _own_case(related).first(public_id, actor.unit_id)
        if found is not None:
            return found
    return next(iter(scope(actor, related=related, one=True).filter(public_id=public_id)[:1]), None)


def inbox_key(row: dict) -> list:
    """The sort key of an inbox row, as a cursor carries it."""
    return [row["inbox_urgency"], row["inbox_due"].isoformat(), str(row["public_id"])]


def _after(qs: QuerySet, key: list) -> QuerySet:
    """Keyset condition: strictly after ``key`` in INBOX_ORDER (all ascending)."""
    try:
        values = [int(key[0]), datetime.fromisoformat(str(key[1])), UUID(str(key[2]))]
    except (TypeError, ValueError):
        values = None
    if values is None or not (0 <= values[0] <= 10_000_000) or values[1].tzinfo is None:
        raise InvalidCursor("Ogiltig markör: använd värdet från föregående svar.", field="cursor")
    condition = Q()
    for i, name in enumerate(INBOX_ORDER):
        step = Q(**{f"{name}__gt": values[i]})
        for prev, value in zip(INBOX_ORDER[:i], values[:i], strict=False):
            step &= Q(**{prev: value})
        condition |= step
    return qs.filter(condition)


#: The case's own columns an inbox row shows (and the order key and the version the read log keeps): read
#: with ``values()``, together with every kind's ``inbox_values``.
INBOX_COLUMNS = ("pk", "public_id", "kind", "reference_number", "received_at", "updated_at", "state", "priority",
                 "unit__name", "unit_id", "ack_due_at", "acknowledged_at", "escalation_count", *INBOX_ORDER)


def _inbox_values() -> dict:
    """Every kind's inbox values as annotations (a field path becomes ``F(path)``)."""
    out = {}
    for kind in kinds.all_kinds():
        for name, value in kind.inbox_values.items():
            out[name] = F(value) if isinstance(value, str) else value
    return out


def _scope_parts(actor: Actor) -> list[Q]:
    """The actor's scope as parts whose union it is: the cases routed to the unit, then each kind's
    widening (the parts may overlap). Each part alone is a query an index can answer in order."""
    if not (actor.is_police and actor.unit_id):
        return []
    parts = [Q(unit_id=actor.unit_id)]
    for kind in kinds.all_kinds():
        extra = kind.scope(actor) if kind.scope else None
        if extra is not None:
            parts.append(Q(kind=kind.key) & extra)
    return parts


def inbox_page_querysets(actor: Actor, *, include_closed: bool = False, limit: int = INBOX_LIMIT,
                         after: list | None = None) -> list[QuerySet]:
    """The page's queries, one per part of the scope, each the first ``limit`` rows (``INBOX_COLUMNS`` and
    the kinds' ``inbox_values``, as dicts) of its part in INBOX_ORDER: the unit's part is read in order from
    ``case_inbox_order_idx`` (no sort of every open case, which one query over the union of the parts
    needed)."""
    base = _inbox_base(include_closed)
    out = []
    for part in _scope_parts(actor):
        qs = base.filter(part)
        if after is not None:
            qs = _after(qs, after)
        out.append(qs[:limit])
    return out


_BASES: dict[tuple, QuerySet] = {}


def _inbox_base(include_closed: bool) -> QuerySet:
    """What every inbox query shares (open cases, the order, the columns), built once per set of registered
    kinds and cloned by each query (never evaluated itself), so a page does not rebuild it per part."""
    key = (include_closed, *map(id, kinds.all_kinds()))
    base = _BASES.get(key)
    if base is None:
        base = _open(Case.objects.all(), include_closed).order_by(*INBOX_ORDER).values(*INBOX_COLUMNS,
                                                                                       **_inbox_values())
        _BASES.clear()  # the registry changed (tests register kinds of their own): keep only the current one
        _BASES[key] = base
    return base


def _order_key(row: dict) -> tuple:
    return (row["inbox_urgency"], row["inbox_due"], row["public_id"])


def inbox_rows(actor: Actor, *, include_closed: bool = False, limit: int = INBOX_LIMIT,
               after: list | None = None) -> list[dict]:
    """The rows of the actor's inbox, most urgent first (INBOX_ORDER), ``limit`` of them after the key
    ``after`` (a cursor's): plain dicts of ``INBOX_COLUMNS`` and every kind's ``inbox_values``, no model
    instance. One query per part of the scope whatever the page size; the parts' first ``limit`` are merged
    in order, each case once."""
    if after is None:
        parts = [_part_rows(part, include_closed, limit) for part in _scope_parts(actor)]
    else:
        parts = [list(qs) for qs in inbox_page_querysets(actor, include_closed=include_closed, limit=limit,
                                                            after=after)]
    if len(parts) == 1:
        return parts[0]
    seen: dict[int, dict] = {}
    for rows in parts:
        for row in rows:
            seen.setdefault(row["pk"], row)
    return sorted(seen.values(), key=_order_key)[:limit]


#: Compiled first-page queries of the inbox's parts, per thread (a compiler is bound to its thread's
#: connection): the unit's part and each kind's widening are the same few queries poll after poll.
_compiled = threading.local()
_COMPILED_ENTRIES = 256


def _part_rows(part: Q, include_closed: bool, limit: int) -> list[dict]:
    """The first ``limit`` rows of one part of the scope, as ``inbox_page_querysets`` reads them: the query
    is compiled once per thread for the same part (its condition compared by value), then only executed and
    its values converted as ``values()`` does. Exactly the SQL and parameters Django compiles for it."""
    try:
        key = (part, include_closed, limit, *map(id, kinds.all_kinds()))
        hash(key)
    except TypeError:  # a condition that cannot be compared by value: built as usual
        return list(_inbox_base(include_closed).filter(part)[:limit])
    kept = getattr(_compiled, "entries", None)
    if kept is None:
        kept = _compiled.entries = {}
    entry = kept.get(key)
    if entry is None:
        qs = _inbox_base(include_closed).filter(part)[:limit]
        compiler = qs.query.get_compiler(qs.db)
        sql, params = compiler.as_sql()
        query = qs.query
        names = list(query.selected) if query.selected else [*query.extra_select, *query.values_select,
                                                             *query.annotation_select]
        if len(kept) >= _COMPILED_ENTRIES:
            kept.clear()
        entry = kept[key] = (compiler, sql, params, names, qs.db)
    compiler, sql, params, names, alias = entry
    with connections[alias].cursor() as cur:
        cur.execute(sql, params)
        fetched = cur.fetchall()
    indexes = range(len(names))
    return [{names[i]: row[i] for i in indexes} for row in compiler.results_iter(results=[fetched])]


def _open(qs: QuerySet, include_closed: bool) -> QuerySet:
    if not include_closed:
        closed = [Q(kind=kind.key, state__in=sorted(kind.closed_states)) for kind in kinds.all_kinds()
                  if kind.closed_states]
        if closed:
            qs = qs.exclude(reduce(operator.or_, closed))
    return qs


def stamp_keys(actor: Actor) -> list[str]:
    """The change-stamp keys of the actor's inbox scope (``cases.stamps``): the unit's part, what every row
    shows from elsewhere, and each kind's widening. Needs no query (the kinds' hooks read the actor)."""
    if not (actor.is_police and actor.unit_id):
        return []
    keys = [f"u:{actor.unit_id}", "g"]
    for kind in kinds.all_kinds():
        if kind.stamp_scopes:
            keys.extend(k for k in kind.stamp_scopes(actor) if k not in keys)
    return keys


def inbox_version(actor: Actor, *, include_closed: bool = False) -> str:
    """A cheap fingerprint of everything the inbox can show this actor: the change stamps of the parts of
    its scope, which triggers bump on every write of a case (or of a row an inbox row shows) in that part,
    old and new. One primary-key lookup of a few rows, whatever the number of open cases; no case is read."""
    return version_of(inbox_stamps(actor))


def inbox_stamps(actor: Actor) -> dict[str, int]:
    """The change stamp of each part of the actor's inbox scope (``stamp_keys``, in order): one lookup."""
    from . import stamps

    keys = stamp_keys(actor)
    return stamps.versions(keys) if keys else {}


def version_of(found: dict[str, int]) -> str:
    """``inbox_version`` from the stamps ``inbox_stamps`` read (the same string ``stamps.read`` gives)."""
    return ",".join(f"{k}={v}" for k, v in found.items()) if found else "0:"


def case_version(actor: Actor, public_id) -> str | None:
    """A cheap fingerprint of a case as its detail shows it (the case row and its timeline), or None when
    the actor may not see it. Two small queries; nothing is loaded beyond the version columns."""
    row = scope(actor, one=True).filter(public_id=public_id).values("pk", "updated_at", "state").first()
    if row is None:
        return None
    events = CaseEvent.objects.filter(case_id=row["pk"]).aggregate(n=Count("pk"), last=Max("pk"))
    return f"{row['pk']}:{row['updated_at'].isoformat()}:{row['state']}:{events['n']}:{events['last']}"


def case_by_reference(reference: str) -> Case | None:
    """A case by its reference number, for the administrator's audit filter (identifiers only)."""
    return Case.objects.filter(reference_number__iexact=reference.strip()).first()
