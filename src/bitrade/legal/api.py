"""REST endpoints of the legal knowledge base (read only; any authenticated actor).

GET /api/v1/legal/search?q=…&kind=…&status=…&limit=…   hits best first (citations resolved exactly first)
GET /api/v1/legal/citations?text=…                      where a citation points
GET /api/v1/legal/documents, /documents/{key}, /documents/{key}/units/{address}
GET /api/v1/legal/legal-bases, /legal-bases/{key}       the guide for each legal basis
GET /api/v1/legal/jo, /jo/{key}                         the JO register
"""

from __future__ import annotations

from datetime import date

from ninja import Field, Query, Router, Schema

from bitrade.common.errors import ErrorOut

from . import selectors
from .search import KIND_LABELS, MAX_LIMIT, MAX_QUERY_CHARS, STATUS_FILTERS, SearchError

# What the server accepts, published: text without control characters holding at least one character
# that is not a space (a blank query has nothing to search for), known kinds and statuses.
_TEXT = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
QUERY_PATTERN = rf"^{_TEXT}*[^\s\x00-\x1f\x7f]{_TEXT}*$"
_KINDS = "|".join(KIND_LABELS)
_STATUSES = "|".join(STATUS_FILTERS)

router = Router(tags=["Rättskällor"])




ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _error(status: int, message: str, field: str = "q"):
    return status, {"detail": message, "errors": [{"field": field, "code": "invalid", "message": message}]}


class SearchQuery(Schema):
    # The published limits are checked by the search itself, which says what is wrong in its own words.
    q: str = Field(..., max_length=2000, description="Sökfråga: ord eller ett lagrum, t.ex. ”29 a § polislagen”.",
                   json_schema_extra={"minLength": 1, "maxLength": MAX_QUERY_CHARS, "pattern": QUERY_PATTERN})
    kind: str | None = Field(None, max_length=200, description="statute, ordinance, regulation, report, guide, "
                                                               "jo_decision, guideline (kommaseparerade)",
                             json_schema_extra={"pattern": rf"^(({_KINDS})(,({_KINDS}))*)?$"})
    status: str | None = Field(None, max_length=200, description="in_force, expiring, repealed, coming",
                               json_schema_extra={"pattern": rf"^(({_STATUSES})(,({_STATUSES}))*)?$"})
    limit: int = Field(20, ge=1, le=MAX_LIMIT, description=f"1–{MAX_LIMIT}")


class HitOut(Schema):
    title: str
    source: str
    kind: str
    chapter: str | None
    section: str | None
    status: str
    snippet: str = Field(description="Utdrag med träffarna inom <mark>…</mark> (HTML).")
    url: str
    exact: bool
    document: str | None
    address: str | None


class SearchOut(Schema):
    query: str
    total: int
    message: str
    citations: list[str]
    hits: list[HitOut]


@router.get("/search", response={200: SearchOut, **ERRORS}, summary="Sök i rättskällorna")
def search(request, params: Query[SearchQuery]):
    """Lagrum i sökfrågan ger paragrafen först; därefter fritextträffar med svensk ordstamning."""
    if len(params.q) > MAX_QUERY_CHARS:
        return _error(400, f"Sökfrågan är för lång ({len(params.q)} tecken). Skriv högst {MAX_QUERY_CHARS} tecken.")
    if not 1 <= params.limit <= MAX_LIMIT:
        return _error(422, f"limit ska vara 1–{MAX_LIMIT}.", "limit")
    try:
        result = selectors.search(params.q, kinds=params.kind, statuses=params.status, limit=params.limit)
    except SearchError as exc:
        return _error(400, str(exc))
    return 200, {"query": result.query, "total": result.total, "message": result.message,
                 "citations": result.citations, "hits": [h.as_dict() for h in result.hits]}


class CitationOut(Schema):
    text: str
    url: str | None
    kind: str = Field(description="unit, guide, provision, note, external eller unknown")
    external: bool = Field(description="Lagen finns inte i fulltext i kunskapsbanken (LPT, LRV, LVM, LVU …).")


class CitationQuery(Schema):
    text: str = Field(..., min_length=1, max_length=300, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$",
                      description="Ett lagrum, t.ex. ”47 § andra stycket 3 LPT” (inga styrtecken).")


@router.get("/citations", response={200: CitationOut, **ERRORS}, summary="Vart ett lagrum pekar")
def citation(request, params: Query[CitationQuery]):
    target = selectors.citation_target(params.text)
    return 200, {"text": target.text, "url": target.url, "kind": target.kind, "external": target.external}


class DocumentOut(Schema):
    key: str
    title: str
    identifier: str
    kind: str
    status: str
    status_note: str
    version: int
    units: int
    url: str
    issued_on: date | None


class UnitOut(Schema):
    address: str
    kind: str
    chapter: str | None
    section: str | None
    title: str
    heading: str
    status: str
    status_note: str
    expires_on: date | None
    amended_by: str
    text: str
    advice: str
    stycken: list[dict]
    url: str


class DocumentDetailOut(DocumentOut):
    unit_list: list[UnitOut]


def _document_out(d) -> dict:
    from django.urls import reverse

    return {"key": d.key, "title": d.title, "identifier": d.identifier, "kind": d.kind, "status": d.status,
            "status_note": d.status_note, "version": d.current_version.number, "units": d.current_version.unit_count,
            "url": reverse("legal:document", args=[d.key]), "issued_on": d.issued_on}


def _unit_out(doc, u) -> dict:
    from django.urls import reverse

    return {"address": u.address, "kind": u.kind, "chapter": u.chapter or None, "section": u.section or None,
            "title": u.title, "heading": u.heading, "status": u.status, "status_note": u.status_note,
            "expires_on": u.expires_on, "amended_by": u.amended_by, "text": u.text, "advice": u.advice,
            "stycken": u.structure, "url": reverse("legal:unit", args=[doc.key, u.address])}


@router.get("/documents", response={200: list[DocumentOut], **ERRORS}, summary="Dokumenten i kunskapsbanken")
def documents(request):
    return 200, [_document_out(d) for d in selectors.documents()]


@router.get("/documents/{key}", response={200: DocumentDetailOut, **ERRORS}, summary="Ett dokument med alla enheter")
def document(request, key: str):
    try:
        doc, units = selectors.document(key)
    except selectors.NotFound as exc:
        return _error(404, str(exc), "key")
    return 200, {**_document_out(doc), "unit_list": [_unit_out(doc, u) for u in units]}


@router.get("/documents/{key}/units/{address}", response={200: UnitOut, **ERRORS}, summary="En paragraf eller ett avsnitt")
def unit(request, key: str, address: str):
    try:
        context = selectors.unit_in_context(key, address)
    except selectors.NotFound as exc:
        return _error(404, str(exc), "address")
    return 200, _unit_out(context.document, context.unit)


class LegalBaseOut(Schema):
    key: str
    citation: str
    title: str
    explanation: str
    requesters: list[str]
    conditions: list[dict]
    kriminalvarden_transport: str | None
    notes: list[str]
    rules: list[dict]
    url: str


@router.get("/legal-bases", response={200: list[LegalBaseOut], **ERRORS}, summary="Vägledning för varje rättslig grund")
def legal_bases(request):
    return 200, [_guide_out(selectors.guide(e.key)) for entries in selectors.guides().values() for e in entries]


@router.get("/legal-bases/{key}", response={200: LegalBaseOut, **ERRORS}, summary="Vägledning för en rättslig grund")
def legal_base(request, key: str):
    try:
        return 200, _guide_out(selectors.guide(key))
    except selectors.NotFound as exc:
        return _error(404, str(exc), "key")


def _guide_out(g) -> dict:
    from django.urls import reverse

    return {"key": g.entry.key, "citation": g.entry.citation, "title": g.entry.title,
            "explanation": g.entry.explanation, "requesters": g.requesters, "conditions": g.conditions,
            "kriminalvarden_transport": g.entry.kriminalvarden_transport, "notes": [n.reference for n in g.notes],
            "rules": [{"code": r.code, "text": r.text, "citations": list(r.citations)} for r in g.rules],
            "url": reverse("legal:guide", args=[g.entry.key])}


class NoteOut(Schema):
    key: str
    kind: str
    reference: str
    title: str
    summary: str
    legal_bases: list[str]
    citations: list[str]
    rules: list[dict]
    url: str


def _note_out(n) -> dict:
    from django.urls import reverse

    return {"key": n.key, "kind": n.kind, "reference": n.reference, "title": n.title, "summary": n.summary,
            "legal_bases": n.legal_bases, "citations": n.citations, "rules": n.rules,
            "url": reverse("legal:note", args=[n.key])}


@router.get("/jo", response={200: list[NoteOut], **ERRORS}, summary="JO-registret och interna riktlinjer")
def notes(request):
    return 200, [_note_out(n) for n in selectors.notes()]


@router.get("/jo/{key}", response={200: NoteOut, **ERRORS}, summary="Ett JO-beslut eller en riktlinje")
def note(request, key: str):
    try:
        return 200, _note_out(selectors.note(key))
    except selectors.NotFound as exc:
        return _error(404, str(exc), "key")
