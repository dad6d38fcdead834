"""Reads of cases, scoped to the actor: plain data, no display and no audit (the audited reads are
``services.read_case`` and ``services.read_inbox``).

A police unit sees the cases routed to it; a kind may widen that (handräckning: the region's RLC sees
every case in its region). Requesting organisations follow their requests through their kind's own
selectors; analysts see aggregates only.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.db.models import Case as SqlCase
from django.db.models import Count, IntegerField, Max, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from bitrade.common.actor import Actor

from . import kinds
from .models import Case, CaseEvent

#: Rows on the inbox page (the most urgent first); the API pages through all of them with a cursor.
INBOX_LIMIT = 100
#: The inbox's order, most urgent first: a priority before none, the higher first; not yet acknowledged
#: before acknowledged; then the earliest acknowledgement deadline (or arrival); the public id breaks ties.
INBOX_ORDER = ("_no_priority", "_priority", "_acknowledged", "_due", "public_id")


def scope(actor: Actor) -> QuerySet:
    """Every case the actor may see, of every registered kind."""
    qs = Case.objects.select_related("unit", "region")
    if not (actor.is_police and actor.unit_id):
        return qs.none()
    visible = Q(unit_id=actor.unit_id)
    for kind in kinds.all_kinds():
        extra = kind.scope(actor) if kind.scope else None
        if extra is not None:
            visible |= Q(kind=kind.key) & extra
    return qs.filter(visible)


def _related() -> list[str]:
    return sorted({path for kind in kinds.all_kinds() for path in kind.related})


def find_case(actor: Actor, public_id) -> Case | None:
    """The case if the actor may see it, else None."""
    return scope(actor).select_related(*_related()).filter(public_id=public_id).first()


def _inbox_scope(actor: Actor, include_closed: bool) -> QuerySet:
    qs = scope(actor)
    if not include_closed:
        closed = [(k.key, s) for k in kinds.all_kinds() for s in k.closed_states]
        for key, state in closed:
            qs = qs.exclude(kind=key, state=state)
    return qs


def _urgency(qs: QuerySet) -> QuerySet:
    return qs.annotate(
        _no_priority=SqlCase(When(priority__isnull=True, then=Value(1)), default=Value(0), output_field=IntegerField()),
        _priority=Coalesce("priority", Value(9)),
        _acknowledged=SqlCase(When(acknowledged_at__isnull=False, then=Value(1)), default=Value(0),
                              output_field=IntegerField()),
        _due=Coalesce("ack_due_at", "received_at"),
    )


def inbox_key(case: Case) -> list:
    """The sort key of an inbox case, as a cursor carries it."""
    return [case._no_priority, case._priority, case._acknowledged, case._due.isoformat(), str(case.public_id)]


def _after(qs: QuerySet, key: list) -> QuerySet:
    """Keyset condition: strictly after ``key`` in INBOX_ORDER (all ascending)."""
    values = [int(key[0]), int(key[1]), int(key[2]), datetime.fromisoformat(key[3]), UUID(key[4])]
    condition = Q()
    for i, name in enumerate(INBOX_ORDER):
        step = Q(**{f"{name}__gt": values[i]})
        for prev, value in zip(INBOX_ORDER[:i], values[:i], strict=False):
            step &= Q(**{prev: value})
        condition |= step
    return qs.filter(condition)


def inbox_cases(actor: Actor, *, include_closed: bool = False, limit: int = INBOX_LIMIT,
                after: list | None = None) -> list[Case]:
    """The cases in the actor's inbox, most urgent first (INBOX_ORDER), ``limit`` of them after the key
    ``after`` (a cursor's). One query whatever the page size: every kind's related rows are joined."""
    qs = _urgency(_inbox_scope(actor, include_closed).select_related(*_related()))
    if after is not None:
        qs = _after(qs, after)
    return list(qs.order_by(*INBOX_ORDER)[:limit])


def inbox_version(actor: Actor, *, include_closed: bool = False) -> str:
    """A cheap fingerprint of everything the inbox can show this actor: how many cases and the latest
    change among them (every change of a case saves ``updated_at``; a case that leaves the inbox lowers
    the count). One aggregate query; no rows are loaded."""
    agg = _inbox_scope(actor, include_closed).aggregate(n=Count("pk"), changed=Max("updated_at"), last=Max("pk"))
    changed = agg["changed"].isoformat() if agg["changed"] else ""
    return f"{agg['n']}:{agg['last']}:{changed}"


def case_version(actor: Actor, public_id) -> str | None:
    """A cheap fingerprint of a case as its detail shows it (the case row and its timeline), or None when
    the actor may not see it. Two small queries; nothing is loaded beyond the version columns."""
    row = scope(actor).filter(public_id=public_id).values("pk", "updated_at", "state").first()
    if row is None:
        return None
    events = CaseEvent.objects.filter(case_id=row["pk"]).aggregate(n=Count("pk"), last=Max("pk"))
    return f"{row['pk']}:{row['updated_at'].isoformat()}:{row['state']}:{events['n']}:{events['last']}"
