"""Shaping a request for the API, with identity masked where the actor may not see it."""

from __future__ import annotations

from bitrade.cases import kinds
from bitrade.common.actor import Actor

from . import selectors
from .models import AssistanceRequest


def request_out(actor: Actor, req: AssistanceRequest, *, audit_read: bool = True) -> dict:
    if audit_read:
        selectors.audit.record_read(actor, selectors.OBJECT_TYPE, [req.pk], purpose="API")
    review = req.review or {}
    basis = review.get("legal_basis") or {}
    person = selectors.person_display(actor, req)
    case = req.case
    return {
        "id": str(req.public_id),
        "reference_number": case.reference_number,
        "status": case.state,
        "status_label": case.state_label,
        "received_at": case.received_at,
        "legal_basis": req.legal_basis_text,
        "citation": basis.get("citation"),
        "law": req.law or None,
        "case_code": case.case_code or None,
        "review_outcome": req.review_outcome,
        "checks": review.get("checks", []),
        "questions": [
            {"id": q.pk, "check_code": q.check_code, "field": q.field, "question": q.question,
             "citation": q.citation, "asked_at": q.asked_at, "answer": q.answer, "answered_at": q.answered_at}
            for q in req.questions.all()
        ],
        "routing": {
            "region": case.region.name, "unit": case.unit.name, "unit_kind": case.unit.kind,
            "unit_phone": case.unit.phone, "rule": case.routing_rule_name,
            # The reasons given when the request was routed; escalations and transfers are police-internal.
            "reasons": [r for r in case.routing_reasons if isinstance(r, str)], "priority": case.priority,
            "ack_due_at": case.ack_due_at,
            **({"internal": [t.get("reason", "") for t in case.routing_trace]} if actor.is_police else {}),
        },
        "person_name": person["name"],
        "protected_identity": req.protected_identity,
    }


def request_list_item(actor: Actor, row: dict, url: str) -> dict:
    """A request as the list shows it (no review, questions or routing: those are in the detail), from a
    row of ``selectors.page_requests``."""
    citation = row["citation"]
    return {
        "id": str(row["public_id"]), "url": url, "reference_number": row["case__reference_number"],
        "status": row["case__state"], "status_label": kinds.get(row["case__kind"]).state_label(row["case__state"]),
        "received_at": row["case__received_at"], "citation": None if citation is None else str(citation),
        "priority": row["case__priority"], "unit": row["case__unit__name"],
        "person_name": selectors.row_person_name(actor, row), "protected_identity": row["protected_identity"],
    }


def _shape(value, annotation):
    """``value`` (built by ``request_out``: already of the declared types) with exactly the fields the schema
    ``annotation`` declares, in its order, its defaults for what is left out: what the schema's validation and
    dump would give, without validating again (nested schemas, lists of them and optional values followed)."""
    from typing import Union, get_args, get_origin

    from pydantic import BaseModel

    if value is None:
        return None
    origin = get_origin(annotation)
    if origin is list:
        (item,) = get_args(annotation)
        return [_shape(v, item) for v in value]
    if origin is Union or type(annotation).__name__ == "UnionType":
        inner = [a for a in get_args(annotation) if a is not type(None)]
        return _shape(value, inner[0]) if len(inner) == 1 else value
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {name: _shape(value[name], field.annotation) if name in value else field.get_default()
                for name, field in annotation.model_fields.items()}
    return value


def request_answer(actor: Actor, req: AssistanceRequest, status: int, *, audit_read: bool = True):
    """The request's answer (``RequestOut``) rendered as the API renders JSON, straight from ``request_out``
    shaped by the schema (``_shape``) instead of validating it again (a test renders both and compares them;
    the endpoint still declares ``RequestOut``, so the OpenAPI document is unchanged)."""
    from django.http import HttpResponse

    from bitrade.common.jsonout import ApiRenderer

    from .schemas import RequestOut

    renderer = ApiRenderer()
    body = renderer.render(None, _shape(request_out(actor, req, audit_read=audit_read), RequestOut),
                           response_status=status)
    return HttpResponse(body, status=status, content_type=f"{renderer.media_type}; charset={renderer.charset}")
