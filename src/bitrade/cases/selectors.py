"""Reads of police cases, scoped to the actor and audited.

A police unit sees the cases routed to it; the region's RLC sees every case in its region. Requesting
organisations read their requests through ``intake.selectors``; analysts see aggregates only.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse

from bitrade.audit import services as audit
from bitrade.organisation.actor import Actor
from bitrade.organisation.models import UnitKind

from . import rules
from .models import Case

OBJECT_TYPE = "cases.case"
PRIORITY_LABELS = {1: "1 – omedelbart", 2: "2 – brådskande", 3: "3 – närtid"}


def _scope(actor: Actor) -> QuerySet:
    qs = Case.objects.select_related("unit", "region")
    if actor.is_police and actor.unit_id:
        if actor.unit_kind == UnitKind.RLC:
            return qs.filter(Q(unit_id=actor.unit_id) | Q(region_id=actor.region_id))
        return qs.filter(unit_id=actor.unit_id)
    return qs.none()


def get_case(actor: Actor, public_id, *, purpose: str = "visning") -> Case:
    if not actor.is_police:
        raise PermissionDenied("Ärendet är polisens; begärande myndigheter följer sin begäran.")
    case = (_scope(actor).select_related("assistance_request", "assistance_request__organisation",
                                          "assistance_request__location_municipality")
            .filter(public_id=public_id).first())
    if case is None:
        audit.record(actor, "case.read_refused", object_type=OBJECT_TYPE, object_id=str(public_id)[:64],
                     result="refused", reason="utanför aktörens behörighet eller finns inte")
        raise Http404("Finns inte")
    audit.record_read(actor, OBJECT_TYPE, [case.pk], purpose=purpose)
    return case


def inbox(actor: Actor, *, include_closed: bool = False) -> list[dict]:
    """The unit's open cases, most urgent first: priority, then the earliest deadline, then age."""
    if not actor.is_police:
        raise PermissionDenied("Inkorgen är polisens.")
    from bitrade.intake.selectors import person_display

    qs = _scope(actor).select_related("assistance_request")
    if not include_closed:
        qs = qs.exclude(state=rules.CLOSED)
    cases = list(qs.order_by("priority", "ack_due_at", "received_at")[:300])
    cases.sort(key=lambda c: (c.priority is None, c.priority or 9, c.state not in (rules.RECEIVED,),
                              c.ack_due_at or c.received_at))
    rows = []
    for c in cases:
        req = getattr(c, "assistance_request", None)
        rows.append({
            "id": c.public_id, "reference_number": c.reference_number, "received_at": c.received_at,
            "citation": ((req.review or {}).get("legal_basis") or {}).get("citation") if req else "",
            "status": c.state, "status_label": c.state_label, "priority": c.priority,
            "priority_label": PRIORITY_LABELS.get(c.priority, "Polisområdet"), "unit_name": c.unit.name,
            "url": reverse("cases:detail", args=[c.public_id]),
            "person_name": person_display(actor, req)["name"] if req else "",
            "ack_due_at": c.ack_due_at if c.acknowledged_at is None else None,
            "acknowledged": c.acknowledged_at is not None, "escalated": c.escalation_count > 0,
        })
    audit.record_read(actor, OBJECT_TYPE, [c.pk for c in cases], purpose="inkorg", fingerprint=True)
    return rows
