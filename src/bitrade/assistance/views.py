"""What the handräckning panels of the case page show (the kernel's case page includes them)."""

from __future__ import annotations

from bitrade.intake.schemas import RISK_LABELS
from bitrade.intake.selectors import person_display
from bitrade.legal.catalogue import default_catalogue

from . import rules, services

PRIORITY_LABELS = {1: "1 – omedelbart", 2: "2 – brådskande", 3: "3 – närtid"}


def _entry(req):
    return default_catalogue().get(req.legal_basis_key) if req and req.legal_basis_key else None


def request_context(actor, case) -> dict:
    req = getattr(case, "assistance_request", None)
    return {
        "req": req, "entry": _entry(req), "person": person_display(actor, req) if req else {},
        "review": (req.review if req else {}) or {}, "questions": list(req.questions.all()) if req else [],
        "attachments": list(req.attachments.all()) if req else [], "risk_labels": RISK_LABELS,
    }


def actions_context(actor, case) -> dict:
    req = getattr(case, "assistance_request", None)
    entry = _entry(req)
    return {
        "competence": rules.check_competence(actor.functions, entry.competent_deciders if entry else (),
                                             entry.citation if entry else None),
        "allowed": set(rules.allowed_actions(case.state)),
        "formal_checks": rules.FORMAL_CHECKS, "outcomes": rules.OUTCOME_LABELS,
        "checklist": rules.closure_checklist(services.closure_facts(case)) if case.state in (
            rules.EXECUTED, rules.NOT_EXECUTED, rules.REFUSED) else [],
        "priority_labels": PRIORITY_LABELS,
        "needs_report_back": case.outcome == rules.OUTCOME_HEALTH_CARE and case.requester_informed_at is None,
    }


def custody_panel(actor, case) -> dict:
    from bitrade.custody.views import custody_context

    return custody_context(actor, case)


def transport_panel(actor, case) -> dict:
    from bitrade.transport.views import transport_context

    return transport_context(actor, case)


def inbox_row(actor, case) -> dict:
    req = getattr(case, "assistance_request", None)
    return {
        "citation": ((req.review or {}).get("legal_basis") or {}).get("citation") or req.legal_basis_text or ""
        if req else "",
        "person_name": person_display(actor, req)["name"] if req else "",
        "priority_label": PRIORITY_LABELS.get(case.priority, "Polisområdet"),
    }
