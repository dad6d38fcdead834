"""REST endpoints of the case: the inbox, a case, and its actions — every action of every registered
kind, taken through the same registry entry as the case page (one documented endpoint per action)."""

from __future__ import annotations

import json
from datetime import datetime
from uuid import UUID

from django.http import HttpResponse
from ninja import Header, Query, Router, Schema
from ninja.errors import ValidationError
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from bitrade.common import conditional, paging
from bitrade.common.errors import DomainError, ErrorOut
from bitrade.idempotency.services import run_once

from . import kinds, presenters, selectors, services

router = Router(tags=["Ärenden"])


class EventOut(Schema):
    at: datetime
    action: str
    action_label: str
    actor: str
    from_state: str
    to_state: str
    text: str
    citation: str


class ActionOut(Schema):
    name: str
    label: str


class CaseOut(Schema):
    id: str
    kind: str
    kind_label: str
    reference_number: str
    state: str
    state_label: str
    unit: str
    priority: int | None = None
    case_code: str
    decision: str
    outcome: str
    allowed_actions: list[str]
    offered_actions: list[ActionOut]
    timeline: list[EventOut]


class InboxRowOut(Schema):
    id: str
    kind: str
    kind_label: str
    reference_number: str
    received_at: datetime
    status: str
    status_label: str
    priority: int | None = None
    priority_label: str
    unit_name: str
    url: str
    api_url: str
    citation: str | None = ""
    person_name: str
    ack_due_at: datetime | None = None
    acknowledged: bool
    escalated: bool


def case_out(actor, case) -> dict:
    spec = kinds.kind_of(case)
    allowed = [a.name for a in spec.actions
               if a.transition is None or case.state in spec.transitions.get(a.transition, {})]
    return {
        "id": str(case.public_id), "kind": case.kind, "kind_label": spec.label,
        "reference_number": case.reference_number, "state": case.state, "state_label": spec.state_label(case.state),
        "unit": case.unit.name, "priority": case.priority, "case_code": case.case_code, "decision": case.decision,
        "outcome": case.outcome, "allowed_actions": allowed,
        "offered_actions": [{"name": a.name, "label": a.label} for a in services.offered_actions(actor, case)],
        "timeline": [{"at": e.at, "action": e.action, "action_label": e.action_label, "actor": e.actor_label,
                      "from_state": e.from_state, "to_state": e.to_state, "text": e.text, "citation": e.citation}
                     for e in presenters.timeline(case)],
    }


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
IDEMPOTENCY = Header(alias="Idempotency-Key", min_length=1, max_length=100, pattern=r"^[!-~]+$",
                     description="Unik nyckel per skrivning (t.ex. ett UUID); en omsändning ger samma svar.")


INBOX_DOC = {"responses": {"200": {"headers": paging.LINK_HEADERS},
                           "304": {"description": "Inget har ändrats sedan ETag i `If-None-Match`."}}}
DETAIL_DOC = {"responses": {"200": {"headers": {"ETag": paging.LINK_HEADERS["ETag"]}},
                            "304": {"description": "Inget har ändrats sedan ETag i `If-None-Match`."}}}


@router.get("", response={200: list[InboxRowOut], **ERRORS}, summary="Enhetens inkorg", openapi_extra=INBOX_DOC)
def inbox(request, response: HttpResponse,
          limit: int = Query(selectors.INBOX_LIMIT, ge=paging.LIMIT_MIN, le=paging.LIMIT_MAX,
                             description=paging.LIMIT_DESCRIPTION),
          cursor: str | None = Query(None, max_length=paging.CURSOR_MAX_LENGTH, description=paging.CURSOR_DESCRIPTION)):
    """De mest brådskande ärendena först, en sida i taget (markören i `Link`). Med `If-None-Match` svarar
    inkorgen 304 när inget ärende i den har ändrats."""
    actor = request.auth
    after = paging.decode_cursor(cursor, len(selectors.INBOX_ORDER))
    etag = services.inbox_etag(actor, "api", limit, cursor or "")
    if etag and (unchanged := conditional.not_modified(request, etag)):
        return unchanged
    rows, next_key = services.read_inbox_page(actor, limit=limit, after=after)
    if etag:
        conditional.tag(response, etag)
    paging.page_headers(response, request.path, limit, paging.encode_cursor(next_key) if next_key else None)
    base = request.path.rstrip("/")
    return paging.lean_page(request, response, [
        {**presenters.inbox_row(actor, r), "id": str(r["public_id"]), "api_url": f"{base}/{r['public_id']}"}
        for r in rows], InboxRowOut)


@router.get("/{case_id}", response={200: CaseOut, **ERRORS}, summary="Läs ett ärende", openapi_extra=DETAIL_DOC)
def detail(request, response: HttpResponse, case_id: UUID):
    """Ärendet med tidslinje och möjliga åtgärder. Med `If-None-Match` svarar det 304 när inget har ändrats."""
    actor = request.auth
    etag = services.case_etag(actor, case_id, "api")
    if etag and (unchanged := conditional.not_modified(request, etag)):
        return unchanged
    case = services.read_case(actor, case_id)
    if etag:
        conditional.tag(response, etag)
    return 200, case_out(actor, case)


class UnknownAction(DomainError):
    status = 404


def _take(request, case_id: UUID, name: str, payload: BaseModel | dict, idempotency_key: str):
    actor = request.auth
    case = services.read_case(actor, case_id, purpose=name, for_step=True)
    spec = kinds.kind_of(case)
    action = spec.action(name)
    if action is None:
        raise UnknownAction(f"Okänd åtgärd. Tillåtna för {spec.label.lower()}: "
                            f"{', '.join(a.name for a in spec.actions)}.", field="action")
    raw = payload if isinstance(payload, dict) else payload.model_dump(mode="json")
    try:
        data = payload if isinstance(payload, action.schema) else action.schema.model_validate(raw)
    except PydanticValidationError as exc:
        raise ValidationError(exc.errors()) from None

    def run():
        # The case as the step left it: its row read afresh under the step's lock (the kind's rows load when
        # the answer needs them), not read a third time.
        return 200, case_out(actor, services.take_action(actor, case, action, data))

    return run_once(actor, idempotency_key, f"cases/{case_id}/{name}", raw, run)


def _endpoint(name: str, schema: type[BaseModel], label: str, summary: str):
    def take(request, case_id: UUID, payload: schema, idempotency_key: str = IDEMPOTENCY):  # type: ignore[valid-type]
        return _take(request, case_id, name, payload, idempotency_key)

    take.__name__ = f"action_{name}"
    take.__annotations__ = {**take.__annotations__, "payload": schema, "case_id": UUID, "idempotency_key": str}
    router.post(f"/{{case_id}}/actions/{name}", response={200: CaseOut, **ERRORS}, summary=label,
                description=summary or f"Åtgärden ”{label}” i ärendet.", operation_id=f"case_action_{name}")(take)


def register_action_endpoints() -> None:
    """One endpoint per action name of the registered kinds (the registry is filled at start-up)."""
    seen: set[str] = set()
    for kind in kinds.all_kinds():
        for action in kind.actions:
            if action.name not in seen:
                seen.add(action.name)
                _endpoint(action.name, action.schema, action.label, action.summary)


register_action_endpoints()


@router.post("/{case_id}/actions/{action}", response={200: CaseOut, **ERRORS}, summary="Åtgärd i ärendet",
             include_in_schema=False)
def any_action(request, case_id: UUID, action: str, idempotency_key: str = IDEMPOTENCY):
    """Any action of any registered kind by its name (the documented endpoints above are its typed
    twins); the body is validated against the action's own schema."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise DomainError("Begäran kunde inte läsas: skicka ett JSON-objekt.", field="body", status=400)
    return _take(request, case_id, action, body, idempotency_key)
