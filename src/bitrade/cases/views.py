"""The police case page and its actions. Thin: every change goes through ``cases.services``."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bitrade.common import actor as a
from bitrade.intake.schemas import RISK_LABELS
from bitrade.intake.selectors import person_display
from bitrade.legal.catalogue import default_catalogue
from bitrade.web.actions import parse_local_datetime
from bitrade.web.auth import actor_required

from . import rules, selectors, services


def case_context(actor, case) -> dict:
    req = getattr(case, "assistance_request", None)
    entry = default_catalogue().get(req.legal_basis_key) if req and req.legal_basis_key else None
    competence = rules.check_competence(actor.functions, entry.competent_deciders if entry else (),
                                        entry.citation if entry else None)
    allowed = set(rules.allowed_actions(case.state))
    return {
        "case": case, "req": req, "entry": entry, "person": person_display(actor, req) if req else {},
        "review": (req.review if req else {}) or {}, "timeline": list(case.events.all()),
        "questions": list(req.questions.all()) if req else [],
        "attachments": list(req.attachments.all()) if req else [],
        "competence": competence, "allowed": allowed, "is_handling_unit": actor.unit_id == case.unit_id,
        "formal_checks": rules.FORMAL_CHECKS, "outcomes": rules.OUTCOME_LABELS,
        "checklist": rules.closure_checklist(services.closure_facts(case)) if case.state in (
            rules.EXECUTED, rules.NOT_EXECUTED, rules.REFUSED) else [],
        "risk_labels": RISK_LABELS, "priority_labels": selectors.PRIORITY_LABELS,
        "needs_report_back": case.outcome == rules.OUTCOME_HEALTH_CARE and case.requester_informed_at is None,
    }


@actor_required(a.POLICE)
def detail(request, actor, public_id):
    case = selectors.get_case(actor, public_id)
    ctx = case_context(actor, case)
    from bitrade.custody.views import custody_context
    from bitrade.transport.views import transport_context

    ctx.update(custody_context(actor, case))
    ctx.update(transport_context(actor, case))
    return render(request, "cases/case.html", ctx)


@actor_required(a.POLICE)
def inbox_fragment(request, actor):
    """The inbox table alone, polled by htmx so the inbox updates itself."""
    return render(request, "cases/_inbox.html", {"rows": selectors.inbox(actor)})




def _int(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


ACTIONS = {
    "kvittera": lambda actor, case, p: services.acknowledge(actor, case),
    "bevilja": lambda actor, case, p: services.decide(actor, case, rules.GRANT, reason=p.get("reason", ""),
                                                      conditions=p.get("conditions", "")),
    "avsla": lambda actor, case, p: services.decide(actor, case, rules.REFUSE, reason=p.get("reason", ""),
                                                    refusal_check=p.get("refusal_check", "")),
    "komplettering": lambda actor, case, p: services.decide(actor, case, rules.REQUEST_COMPLETION,
                                                            reason=p.get("question", "")),
    "andra-beslut": lambda actor, case, p: services.decide(actor, case, rules.OVERRULE, reason=p.get("reason", ""),
                                                           refusal_check=p.get("refusal_check", "")),
    "risk": lambda actor, case, p: services.assess_risk(actor, case, level=p.get("risk_level", ""),
                                                        assessment=p.get("risk_assessment", ""),
                                                        priority=_int(p.get("priority", ""))),
    "tilldela": lambda actor, case, p: services.assign(actor, case, resource=p.get("resource", "")),
    "paborja": lambda actor, case, p: services.start_execution(actor, case),
    "ej-patraffad": lambda actor, case, p: services.record_not_found(
        actor, case, wanted_notice_reference=p.get("wanted_notice_reference", ""), notes=p.get("notes", "")),
    "utfall": lambda actor, case, p: services.record_outcome(
        actor, case, outcome=p.get("outcome", ""), notes=p.get("notes", ""), confirmed_by=p.get("confirmed_by", ""),
        confirmed_at=parse_local_datetime(p.get("confirmed_at", "")), handed_to=p.get("handed_to", ""),
        patrol_minutes=_int(p.get("patrol_minutes", ""))),
    "underratta": lambda actor, case, p: services.inform_requester(actor, case, channel=p.get("channel", ""),
                                                                   note=p.get("note", "")),
    "avsluta": lambda actor, case, p: services.close(actor, case),
    "ateroppna": lambda actor, case, p: services.reopen(actor, case, reason=p.get("reason", "")),
    "referenser": lambda actor, case, p: services.set_cross_references(
        actor, case, storm=p.get("storm", ""), daf=p.get("daf", ""), par=p.get("par", "")),
}


@require_POST
@actor_required(a.POLICE)
def act(request, actor, public_id, action):
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404("Okänd åtgärd")
    case = selectors.get_case(actor, public_id, purpose=action)
    try:
        handler(actor, case, request.POST)
    except services.CaseError as exc:
        messages.error(request, exc.message + (f" ({exc.citation})" if exc.citation else ""))
    else:
        messages.success(request, "Sparat.")
    return redirect("cases:detail", public_id)
