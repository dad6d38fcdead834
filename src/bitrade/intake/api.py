"""REST endpoints for requests: submit, read, complete, acknowledge."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from ninja import Header, Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from bitrade.assistance import services as cases
from bitrade.common import conditional, paging
from bitrade.common.errors import field_path
from bitrade.idempotency.services import run_once

from . import selectors, services
from .schemas import CompletionIn, ErrorOut, RequestIn, RequestListItemOut, RequestOut
from .serializers import request_answer, request_list_item, request_out

router = Router(tags=["Begäranden"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 503: ErrorOut}


IDEMPOTENCY = Header(alias="Idempotency-Key", min_length=1, max_length=100, pattern=r"^[!-~]+$",
                     description="Unik nyckel per skrivning (t.ex. ett UUID); en omsändning ger samma svar.")


# Bounds the OpenAPI document publishes; a value outside them is a 422 naming the parameter.
MAX_OFFSET = 1_000_000
LIMIT = Query(50, ge=1, le=200, description="Högst så många begäranden (1–200).")
OFFSET = Query(0, ge=0, le=MAX_OFFSET, description=f"Hoppa över så många (0–{MAX_OFFSET}).")


@router.post("", response={200: RequestOut, 201: RequestOut, **ERRORS}, summary="Skicka en begäran om handräckning")
def submit(request, payload: RequestIn, idempotency_key: str = IDEMPOTENCY):
    """Tar emot, granskar formellt och styr begäran till rätt enhet. Samma Idempotency-Key ger samma ärende."""
    actor = request.auth
    result = services.submit_request(actor, payload, idempotency_key=idempotency_key, channel=services.Channel.API)
    # A new request's own submission event covers the response; a replay is a read and is audited.
    return request_answer(actor, result.request, 200 if result.replayed else 201, audit_read=result.replayed)


class RegisteredIn(Schema):
    organisation_id: int = Field(description="Den begärande myndigheten (id).")
    channel: str = Field(description="Hur begäran kom in: phone, fax eller email.")
    request: RequestIn


@router.post("/registered", response={200: RequestOut, 201: RequestOut, **ERRORS},
             summary="Registrera en begäran som kom in per telefon, fax eller e-post (polisen)")
def register(request, payload: RegisteredIn, idempotency_key: str = IDEMPOTENCY):
    """Polisen registrerar en begäran för en myndighet utan konto. Kanalen sparas; en begäran per telefon
    får en tidsfrist för den skriftliga bekräftelsen, med påminnelse."""
    actor = request.auth
    result = services.register_for_requester(actor, payload.request, organisation_id=payload.organisation_id,
                                             channel=payload.channel, idempotency_key=idempotency_key)
    return (200 if result.replayed else 201), request_out(actor, result.request, audit_read=result.replayed)


NOT_MODIFIED_DOC = {"description": "Inget har ändrats sedan ETag i `If-None-Match`."}


@router.get("", response={200: list[RequestListItemOut], **ERRORS}, summary="Lista begäranden som du får se",
            openapi_extra={"responses": {"200": {"headers": paging.LINK_HEADERS}, "304": NOT_MODIFIED_DOC}})
def list_requests(request, response: HttpResponse,
                  limit: int = Query(paging.LIMIT_DEFAULT, ge=paging.LIMIT_MIN, le=paging.LIMIT_MAX,
                                     description=paging.LIMIT_DESCRIPTION),
                  cursor: str | None = Query(None, max_length=paging.CURSOR_MAX_LENGTH,
                                             description=paging.CURSOR_DESCRIPTION),
                  offset: int = Query(0, ge=0, le=100_000, deprecated=True,
                                      description="Äldre sidindelning; använd `cursor`. Ignoreras med `cursor`.")):
    """Nyast först, en sida i taget: varje post är det listan visar plus länken till detaljen (`url`).
    Nästa sida får du med markören i svarets `Link`-huvud."""
    actor = request.auth
    after = paging.decode_cursor(cursor, 1)
    if actor.sees_aggregates_only:
        raise PermissionDenied("Analytiker ser endast sammanställningar, inte enskilda ärenden.")
    etag = conditional.weak_etag("requests", conditional.actor_scope(actor), limit, cursor or "", offset,
                                 selectors.page_version(actor, limit=limit, offset=offset, after=after))
    if unchanged := conditional.not_modified(request, etag):
        return unchanged
    items, next_key = selectors.page_requests(actor, limit=limit, offset=offset, after=after)
    selectors.log_list_read(actor, items)
    conditional.tag(response, etag)
    paging.page_headers(response, request.path, limit, paging.encode_cursor(next_key) if next_key else None)
    base = request.path.rstrip("/")
    return paging.lean_page(request, response, [request_list_item(actor, r, f"{base}/{r['public_id']}")
                                                 for r in items], RequestListItemOut)


@router.get("/{request_id}", response={200: RequestOut, **ERRORS}, summary="Läs en begäran",
            openapi_extra={"responses": {"200": {"headers": {"ETag": paging.LINK_HEADERS["ETag"]}},
                                         "304": NOT_MODIFIED_DOC}})
def detail(request, response: HttpResponse, request_id: UUID):
    """Begäran med granskning, kompletteringsfrågor och styrning. Med `If-None-Match` svarar den 304 när
    inget har ändrats."""
    actor = request.auth
    etag = selectors.request_version(actor, request_id)
    if etag and (unchanged := conditional.not_modified(request, etag)):
        return unchanged
    req = selectors.get_request(actor, request_id)
    if etag:
        conditional.tag(response, etag)
    return 200, request_out(actor, req, audit_read=False)


@router.post("/{request_id}/completion", response={200: RequestOut, **ERRORS}, summary="Besvara kompletteringsfrågor")
def complete(request, request_id: UUID, payload: CompletionIn, idempotency_key: str = IDEMPOTENCY):
    actor = request.auth
    req = selectors.get_request(actor, request_id, purpose="komplettering")

    def answer():
        return 200, request_out(actor, services.answer_completion(actor, req, payload), audit_read=False)

    # A retry with the same key gets the stored answer, not a second completion (nor a 409 "not waiting").
    return run_once(actor, idempotency_key, f"requests/{request_id}/completion", payload.model_dump(mode="json"),
                    answer)


@router.post("/{request_id}/acknowledge", response={200: RequestOut, **ERRORS}, summary="Kvittera en begäran (polisen)")
def acknowledge(request, request_id: UUID):
    actor = request.auth
    if not actor.is_police:
        raise HttpError(403, "Endast polisen kvitterar begäranden.")
    req = selectors.get_request(actor, request_id, purpose="kvittering")
    cases.acknowledge(actor, req.case)
    req.case.refresh_from_db()
    return 200, request_out(actor, req, audit_read=False)


@router.post("/{request_id}/oral-confirmation", response={200: RequestOut, **ERRORS},
             summary="Registrera den skriftliga bekräftelsen av en muntlig begäran")
def confirm_oral(request, request_id: UUID, idempotency_key: str = IDEMPOTENCY):
    """Den begärande organisationen eller den handläggande polisenheten registrerar att den skriftliga
    bekräftelsen av en muntlig begäran har kommit in; påminnelsen om bekräftelsen avbryts."""
    actor = request.auth
    req = selectors.get_request(actor, request_id, purpose="skriftlig bekräftelse")

    def confirm():
        return 200, request_out(actor, services.confirm_oral_request(actor, req), audit_read=False)

    return run_once(actor, idempotency_key, f"requests/{request_id}/oral-confirmation", {}, confirm)


__all__ = ["router", "field_path"]
