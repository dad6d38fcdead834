"""Every read of requests goes through here, scoped to the actor; reads of personal data are audited.

- A requesting organisation (person or API key) sees its own organisation's requests.
- A police unit sees what is routed to it; a region's RLC also sees everything in its region.
- Protected identities are masked for everyone but the handling unit and the requester.
- Analysts and process owners get aggregates only; Kriminalvården sees nothing here.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_noop

from bitrade.audit import services as audit
from bitrade.common.actor import Actor
from bitrade.organisation.models import UnitKind

from .models import AssistanceRequest

MASK = "Skyddad identitet"
OBJECT_TYPE = "intake.assistancerequest"


def _scope(actor: Actor) -> QuerySet:
    qs = AssistanceRequest.objects.select_related("case", "case__unit", "case__region")
    if actor.is_requester and actor.organisation_id:
        return qs.filter(organisation_id=actor.organisation_id)
    if actor.is_police and actor.unit_id:
        if actor.unit_kind == UnitKind.RLC:
            return qs.filter(Q(case__unit_id=actor.unit_id) | Q(case__region_id=actor.region_id))
        return qs.filter(case__unit_id=actor.unit_id)
    return qs.none()


def may_see_identity(actor: Actor, req: AssistanceRequest) -> bool:
    if not req.protected_identity:
        return True
    if actor.is_requester:
        return actor.organisation_id == req.organisation_id
    return actor.is_police and actor.unit_id == req.case.unit_id


def get_request(actor: Actor, public_id, *, purpose: str = "visning") -> AssistanceRequest:
    if actor.sees_aggregates_only:
        raise PermissionDenied("Analytiker ser endast sammanställningar, inte enskilda ärenden.")
    req = (_scope(actor).select_related("organisation", "location_municipality")
           .filter(public_id=public_id).first())
    if req is None:
        audit.record(actor, "request.read_refused", object_type=OBJECT_TYPE, object_id=str(public_id)[:64],
                     result="refused", reason="utanför aktörens behörighet eller finns inte")
        raise Http404("Finns inte")
    audit.record_read(actor, OBJECT_TYPE, [req.pk], purpose=purpose)
    return req


def person_display(actor: Actor, req: AssistanceRequest) -> dict:
    if may_see_identity(actor, req):
        return {"name": req.person_name, "identity_number": req.person_identity_number,
                "birth_date": req.person_birth_date, "address": req.location_address}
    return {"name": MASK, "identity_number": "", "birth_date": None, "address": MASK}


def _rows(actor: Actor, qs: QuerySet, url_name: str, order_by: tuple = ("case__priority", "-case__received_at")
          ) -> list[dict]:
    qs = qs.order_by(*order_by)[:200]
    rows = []
    for r in qs:
        case = r.case
        rows.append({
            "id": r.public_id, "reference_number": case.reference_number, "received_at": case.received_at,
            "citation": ((r.review or {}).get("legal_basis") or {}).get("citation") or r.legal_basis_text or "",
            "status": case.state, "status_label": case.state_label,
            "priority": case.priority, "priority_label": {1: "1 – omedelbart", 2: "2 – brådskande",
                                                          3: "3 – närtid"}.get(case.priority, "Polisområdet"),
            "unit_name": case.unit.name, "url": reverse(url_name, args=[r.public_id]),
            "person_name": person_display(actor, r)["name"], "ack_due_at": case.ack_due_at,
            "acknowledged": case.acknowledged_at is not None,
            "needs_requester": _needs_requester(r), "closed": case.closed_at is not None,
        })
    audit.record_read(actor, OBJECT_TYPE, [r.pk for r in qs], purpose="lista")
    return rows


#: The requester's own list: what waits for them first, then what is open, then what is closed.
REQUESTER_STATUSES = {"needs": gettext_noop("Väntar på er"), "open": gettext_noop("Pågående"),
                      "closed": gettext_noop("Avslutade")}
_WAITS_FOR_REQUESTER = Q(case__state="completion_requested") | Q(review_outcome="needs_completion",
                                                                 case__closed_at__isnull=True)


def _needs_requester(r: AssistanceRequest) -> bool:
    return r.case.state == "completion_requested" or (r.review_outcome == "needs_completion"
                                                      and r.case.closed_at is None)


def requester_rows(actor: Actor, *, status: str = "", query: str = "") -> list[dict]:
    """The organisation's requests, what needs the requester first. ``status`` is one of
    :data:`REQUESTER_STATUSES` (or empty for all); ``query`` matches a reference number or a name."""
    if not actor.is_requester:
        raise PermissionDenied("Endast begärande myndigheter.")
    qs = _scope(actor).annotate(rank=Case(
        When(_WAITS_FOR_REQUESTER, then=Value(0)), When(case__closed_at__isnull=True, then=Value(1)),
        default=Value(2), output_field=IntegerField()))
    if status == "needs":
        qs = qs.filter(rank=0)
    elif status == "open":
        qs = qs.filter(rank__lte=1)
    elif status == "closed":
        qs = qs.filter(rank=2)
    query = query.strip()
    if query:
        qs = qs.filter(Q(case__reference_number__icontains=query) | Q(person_name__icontains=query))
    return _rows(actor, qs, "intake:detail", order_by=("rank", "case__priority", "-case__received_at"))


def list_requests(actor: Actor, *, limit: int = 50, offset: int = 0) -> list[AssistanceRequest]:
    if actor.sees_aggregates_only:
        raise PermissionDenied("Analytiker ser endast sammanställningar, inte enskilda ärenden.")
    items = list(_scope(actor).order_by("-case__received_at")[offset:offset + limit])
    audit.record_read(actor, OBJECT_TYPE, [r.pk for r in items], purpose="lista via API")
    return items
