"""Reads of cases, scoped to the actor: plain data, no display and no audit (the audited reads are
``services.read_case`` and ``services.read_inbox``).

A police unit sees the cases routed to it; a kind may widen that (handräckning: the region's RLC sees
every case in its region). Requesting organisations follow their requests through their kind's own
selectors; analysts see aggregates only.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from bitrade.common.actor import Actor

from . import kinds
from .models import Case

INBOX_LIMIT = 300


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


def inbox_cases(actor: Actor, *, include_closed: bool = False) -> list[Case]:
    """The cases in the actor's inbox, most urgent first: priority, then the earliest deadline, then age."""
    qs = scope(actor).select_related(*_related())
    if not include_closed:
        closed = [(k.key, s) for k in kinds.all_kinds() for s in k.closed_states]
        for key, state in closed:
            qs = qs.exclude(kind=key, state=state)
    cases = list(qs.order_by("priority", "ack_due_at", "received_at")[:INBOX_LIMIT])
    cases.sort(key=lambda c: (c.priority is None, c.priority or 9, c.acknowledged_at is not None,
                              c.ack_due_at or c.received_at))
    return cases


def case_by_reference(reference: str) -> Case | None:
    """A case by its reference number, for the administrator's audit filter (identifiers only)."""
    return Case.objects.filter(reference_number__iexact=reference.strip()).first()
