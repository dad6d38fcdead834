"""REST endpoints for requests: submit, read, complete, acknowledge."""

from __future__ import annotations

from uuid import UUID

from ninja import Header, Query, Router
from ninja.errors import HttpError

from bitrade.assistance import services as cases
from bitrade.common.errors import field_path
from bitrade.idempotency.services import run_once

from . import selectors, services
from .schemas import CompletionIn, ErrorOut, RequestIn, RequestOut
from .serializers import request_out

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
    return (200 if result.replayed else 201), request_out(actor, result.request, audit_read=result.replayed)


@router.get("", response={200: list[RequestOut], **ERRORS}, summary="Lista begäranden som du får se")
def list_requests(request, limit: int = LIMIT, offset: int = OFFSET):
    actor = request.auth
    return 200, [request_out(actor, r, audit_read=False) for r in selectors.list_requests(actor, limit=limit, offset=offset)]


@router.get("/{request_id}", response={200: RequestOut, **ERRORS}, summary="Läs en begäran")
def detail(request, request_id: UUID):
    actor = request.auth
    return 200, request_out(actor, selectors.get_request(actor, request_id), audit_read=False)


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


__all__ = ["router", "field_path"]
