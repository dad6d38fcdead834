"""REST endpoints for requests: submit, read, complete, acknowledge."""

from __future__ import annotations

from uuid import UUID

from ninja import Header, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

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


@router.post("", response={200: RequestOut, 201: RequestOut, **ERRORS}, summary="Skicka en begäran om handräckning")
def submit(request, payload: RequestIn, idempotency_key: str = IDEMPOTENCY):
    """Tar emot, granskar formellt och styr begäran till rätt enhet. Samma Idempotency-Key ger samma ärende."""
    actor = request.auth
    result = services.submit_request(actor, payload, idempotency_key=idempotency_key, channel=services.Channel.API)
    # A new request's own submission event covers the response; a replay is a read and is audited.
    return (200 if result.replayed else 201), request_out(actor, result.request, audit_read=result.replayed)


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


@router.get("", response={200: list[RequestOut], **ERRORS}, summary="Lista begäranden som du får se")
def list_requests(request, limit: int = 50, offset: int = 0):
    if not (1 <= limit <= 200) or offset < 0:
        msg = "limit ska vara 1–200 och offset 0 eller mer."
        return 422, {"detail": msg, "errors": [{"field": "limit", "code": "range", "message": msg}]}
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
