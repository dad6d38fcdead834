"""REST endpoints of the police case: read, and act through the same state machine as the UI."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.core.exceptions import PermissionDenied
from ninja import Header, Router, Schema
from pydantic import Field

from bitrade.common.errors import ErrorOut
from bitrade.idempotency.services import IdempotencyConflict, run_once

from . import rules, selectors, services

router = Router(tags=["Ärenden"])


class EventOut(Schema):
    at: datetime
    action: str
    actor: str
    from_state: str
    to_state: str
    text: str
    citation: str


class CaseOut(Schema):
    id: str
    reference_number: str
    state: str
    state_label: str
    unit: str
    priority: int | None = None
    case_code: str
    decision: str
    outcome: str
    allowed_actions: list[str]
    timeline: list[EventOut]


class ActionIn(Schema):
    reason: str = Field(default="", max_length=5000)
    refusal_check: str = Field(default="", max_length=40)
    question: str = Field(default="", max_length=5000)
    resource: str = Field(default="", max_length=200)
    outcome: str = Field(default="", max_length=40)
    handed_to: str = Field(default="", max_length=200)
    confirmed_by: str = Field(default="", max_length=200)
    confirmed_at: datetime | None = None
    wanted_notice_reference: str = Field(default="", max_length=64)
    risk_level: str = Field(default="", max_length=16)
    risk_assessment: str = Field(default="", max_length=5000)
    priority: int | None = Field(default=None, ge=1, le=3)
    channel: str = Field(default="", max_length=100)
    note: str = Field(default="", max_length=5000)
    notes: str = Field(default="", max_length=5000)
    patrol_minutes: int | None = Field(default=None, ge=0, le=10000)




API_ACTIONS = {
    rules.ACKNOWLEDGE: lambda actor, case, p: services.acknowledge(actor, case),
    rules.GRANT: lambda actor, case, p: services.decide(actor, case, rules.GRANT, reason=p.reason),
    rules.REFUSE: lambda actor, case, p: services.decide(actor, case, rules.REFUSE, reason=p.reason,
                                                         refusal_check=p.refusal_check),
    rules.REQUEST_COMPLETION: lambda actor, case, p: services.decide(actor, case, rules.REQUEST_COMPLETION,
                                                                     reason=p.question or p.reason),
    rules.OVERRULE: lambda actor, case, p: services.decide(actor, case, rules.OVERRULE, reason=p.reason,
                                                           refusal_check=p.refusal_check),
    "assess_risk": lambda actor, case, p: services.assess_risk(actor, case, level=p.risk_level,
                                                               assessment=p.risk_assessment, priority=p.priority),
    rules.ASSIGN: lambda actor, case, p: services.assign(actor, case, resource=p.resource),
    rules.START_EXECUTION: lambda actor, case, p: services.start_execution(actor, case),
    rules.RECORD_NOT_FOUND: lambda actor, case, p: services.record_not_found(
        actor, case, wanted_notice_reference=p.wanted_notice_reference, notes=p.notes),
    rules.RECORD_OUTCOME: lambda actor, case, p: services.record_outcome(
        actor, case, outcome=p.outcome, notes=p.notes, confirmed_by=p.confirmed_by, confirmed_at=p.confirmed_at,
        handed_to=p.handed_to, patrol_minutes=p.patrol_minutes),
    "inform_requester": lambda actor, case, p: services.inform_requester(actor, case, channel=p.channel, note=p.note),
    rules.CLOSE: lambda actor, case, p: services.close(actor, case),
    rules.REOPEN: lambda actor, case, p: services.reopen(actor, case, reason=p.reason),
}


def case_out(case) -> dict:
    return {
        "id": str(case.public_id), "reference_number": case.reference_number, "state": case.state,
        "state_label": case.state_label, "unit": case.unit.name, "priority": case.priority,
        "case_code": case.case_code, "decision": case.decision, "outcome": case.outcome,
        "allowed_actions": rules.allowed_actions(case.state),
        "timeline": [{"at": e.at, "action": e.action, "actor": e.actor_label, "from_state": e.from_state,
                      "to_state": e.to_state, "text": e.text, "citation": e.citation} for e in case.events.all()],
    }


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.get("", response={200: list[dict], **ERRORS}, summary="Enhetens inkorg")
def inbox(request):
    rows = selectors.inbox(request.auth)
    return 200, [{**r, "id": str(r["id"])} for r in rows]


@router.get("/{case_id}", response={200: CaseOut, **ERRORS}, summary="Läs ett ärende")
def detail(request, case_id: UUID):
    return 200, case_out(selectors.get_case(request.auth, case_id))


@router.post("/{case_id}/actions/{action}", response={200: CaseOut, **ERRORS}, summary="Utför en åtgärd i ärendet")
def act(request, case_id: UUID, action: str, payload: ActionIn,
        idempotency_key: str = Header(alias="Idempotency-Key", min_length=1, max_length=100, pattern=r"^[!-~]+$")):
    actor = request.auth
    handler = API_ACTIONS.get(action)
    if handler is None:
        return 404, {"detail": f"Okänd åtgärd: {action[:40]}. Tillåtna: {', '.join(sorted(API_ACTIONS))}."}
    case = selectors.get_case(actor, case_id, purpose=action)

    def run():
        try:
            updated = handler(actor, case, payload)
        except services.CaseError as exc:
            return exc.status, {"detail": exc.message, "citation": exc.citation,
                                "errors": [{"code": c.code, "message": c.message, "citation": c.citation}
                                           for c in exc.checks]}
        except PermissionDenied as exc:
            return 403, {"detail": str(exc)}
        updated.refresh_from_db()
        return 200, case_out(updated)

    try:
        return run_once(actor, idempotency_key, f"cases/{case_id}/{action}", payload.model_dump(mode="json"), run)
    except IdempotencyConflict:
        return 409, {"detail": "Idempotency-Key har redan använts för en annan åtgärd. Använd en ny nyckel."}
