"""Every read of requests goes through here, scoped to the actor; reads of personal data are audited.

- A requesting organisation (person or API key) sees its own organisation's requests.
- A police unit sees what is routed to it; a region's RLC also sees everything in its region.
- Protected identities are masked for everyone but the handling unit and the requester.
- Analysts and process owners get aggregates only; Kriminalvården sees nothing here.
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, Max, Q, QuerySet, Subquery, Value, When
from django.db.models.fields.json import KeyTransform
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_noop

from bitrade.audit import services as audit
from bitrade.common import conditional, paging
from bitrade.common.actor import Actor
from bitrade.organisation.models import UnitKind

from .models import AssistanceRequest, Attachment

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


def citation_of(review: str = "review") -> KeyTransform:
    """The legal basis's citation out of a request's review (the JSON column at the path ``review``), read
    by the database: a list row decodes one small value, not the whole review. None when the review has
    none. (``KT()`` cannot cross a relation: it takes the first name of its path for the JSON column.)"""
    return KeyTransform("citation", KeyTransform("legal_basis", review))


def may_see_identity(actor: Actor, req: AssistanceRequest) -> bool:
    return identity_visible(actor, protected=req.protected_identity, organisation_id=req.organisation_id,
                            handling_unit_id=req.case.unit_id if req.protected_identity else None)


def identity_visible(actor: Actor, *, protected: bool, organisation_id: int | None,
                     handling_unit_id: int | None) -> bool:
    """Whether the actor may see the person of a request: a protected identity only to the requesting
    organisation and the unit handling the case (the values of a read row, no model needed)."""
    if not protected:
        return True
    if actor.is_requester:
        return actor.organisation_id == organisation_id
    return actor.is_police and actor.unit_id == handling_unit_id


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


def get_attachment(actor: Actor, public_id, attachment_id: int, *, purpose: str = "bilaga hämtad") -> Attachment:
    """An attachment of a request the actor may see (a protected identity's documents only to those who
    may see the identity); the request read and the document read are both on record, the document read
    with its purpose ("bilaga visad" when shown in the browser, "bilaga hämtad" when downloaded)."""
    req = get_request(actor, public_id, purpose="bilaga")
    if not may_see_identity(actor, req):
        audit.record(actor, "attachment.read_refused", object_type="intake.attachment",
                     object_id=str(attachment_id)[:64], result="refused", reason="skyddad identitet")
        raise PermissionDenied("Handlingen rör en person med skyddade personuppgifter.")
    attachment = req.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404("Finns inte")
    audit.record_read(actor, "intake.attachment", [attachment.pk], purpose=purpose)
    return attachment


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


#: The order of the request list: as they arrived, newest first (an index serves it; no sort of every
#: request the actor may see).
LIST_ORDER = ("-pk",)


def list_key(row: dict) -> list:
    """Where the next page starts, as a cursor carries it: the public id of the last request shown."""
    return [str(row["public_id"])]


#: What a row of the request list reads (``values()``: no model instances, and only the citation out of the
#: review); ``serializers.request_list_item`` makes the list item of it.
LIST_COLUMNS = ("pk", "public_id", "person_name", "protected_identity", "organisation_id", "case__kind",
                "case__reference_number", "case__state", "case__received_at", "case__priority", "case__unit__name",
                "case__unit_id", "case__updated_at")


def page_requests(actor: Actor, *, limit: int = 50, offset: int = 0,
                  after: list | None = None) -> tuple[list[dict], list | None]:
    """A page of the requests the actor may see as rows (``LIST_COLUMNS`` and ``citation``), newest first,
    after the sort key ``after`` (a cursor's) or, for old clients, from ``offset``; and the key to continue
    after (None on the last page). One query whatever the page size. Not yet on record: the caller logs it
    with ``log_list_read`` when it serves the page (a 304 shows nothing)."""
    if actor.sees_aggregates_only:
        raise PermissionDenied("Analytiker ser endast sammanställningar, inte enskilda ärenden.")
    qs = _page(actor, after).values(*LIST_COLUMNS, citation=citation_of())
    if after is not None:
        offset = 0
    items = list(qs[offset:offset + limit + 1])
    more = len(items) > limit
    items = items[:limit]
    return items, (list_key(items[-1]) if more and items else None)


def row_person_name(actor: Actor, row: dict) -> str:
    """The person of a list row, or "Skyddad identitet" for whom may not see it (``may_see_identity``)."""
    visible = identity_visible(actor, protected=row["protected_identity"], organisation_id=row["organisation_id"],
                               handling_unit_id=row["case__unit_id"])
    return row["person_name"] if visible else MASK


def _page(actor: Actor, after: list | None) -> QuerySet:
    qs = _scope(actor).order_by(*LIST_ORDER)
    if after is not None:
        try:
            last = UUID(str(after[0]))
        except ValueError:
            raise paging.PagingError("Ogiltig markör: använd värdet från föregående svar.", field="cursor") from None
        qs = qs.filter(pk__lt=Subquery(AssistanceRequest.objects.filter(public_id=last).values("pk")[:1]))
    return qs


def page_version(actor: Actor, *, limit: int, offset: int = 0, after: list | None = None) -> str:
    """A cheap fingerprint of a page of the list (its requests and when their cases last changed): the
    page's own query, reading two columns."""
    start = 0 if after is not None else offset
    rows = _page(actor, after).values_list("pk", "case__updated_at")[start:start + limit + 1]
    return ";".join(f"{pk}:{changed.isoformat()}" for pk, changed in rows)


def log_list_read(actor: Actor, rows: list[dict]) -> None:
    """The list's read on record (``page_requests``'s rows), when what it shows has changed for this actor
    (a client that polls the same page is not logged again every time; see audit.record_read)."""
    shown = "\n".join(f"{r['pk']}:{r['case__updated_at'].isoformat()}" for r in rows)
    audit.record_read(actor, OBJECT_TYPE, [r["pk"] for r in rows], purpose="lista via API",
                      fingerprint=conditional.weak_etag(shown))


def list_requests(actor: Actor, *, limit: int = 50, offset: int = 0,
                  after: list | None = None) -> tuple[list[dict], list | None]:
    """``page_requests``, its read on record."""
    items, next_key = page_requests(actor, limit=limit, offset=offset, after=after)
    log_list_read(actor, items)
    return items, next_key


def request_version(actor: Actor, public_id) -> str | None:
    """A cheap fingerprint of a request's detail for this actor (the request, its case and its questions),
    or None when the actor may not see it (the full read then refuses, on record)."""
    if actor.sees_aggregates_only:
        return None
    row = (_scope(actor).filter(public_id=public_id)
           .annotate(n=Count("questions"), asked=Max("questions__asked_at"), answered=Max("questions__answered_at"))
           .values("pk", "case__updated_at", "review_outcome", "legal_basis_key", "n", "asked", "answered").first())
    if row is None:
        return None
    return conditional.weak_etag("request", conditional.actor_scope(actor), *row.values())
