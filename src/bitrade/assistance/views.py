"""What the handräckning panels of the case page show (the kernel's case page includes them)."""

from __future__ import annotations

from django.utils import timezone

from bitrade.cases import services as case_services
from bitrade.intake.schemas import RISK_LABELS
from bitrade.intake.selectors import MASK, citation_of, identity_visible, person_display
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
        "competence": rules.check_competence(actor.functions, services.competent_functions(case),
                                             entry.citation if entry else None),
        # What this person may do now (state, unit, function); the state alone decides whether the
        # competence line is shown, so that an officer sees why they cannot decide.
        "allowed": {act.name for act in case_services.offered_actions(actor, case)},
        "decision_stage": bool({rules.GRANT, rules.REFUSE, rules.OVERRULE} & set(rules.allowed_actions(case.state))),
        "formal_checks": rules.FORMAL_CHECKS, "outcomes": rules.OUTCOME_LABELS,
        "failed_checks": {c["code"]: rules.FORMAL_CHECKS.get(c["code"], c.get("message", ""))
                          for c in ((req.review if req else {}) or {}).get("checks", []) if not c.get("ok")},
        "urgent": services.is_urgent(case),
        "checklist": rules.closure_checklist(services.closure_facts(case)) if case.state in (
            rules.EXECUTED, rules.NOT_EXECUTED, rules.REFUSED) else [],
        "priority_labels": PRIORITY_LABELS,
        "needs_report_back": case.outcome == rules.OUTCOME_HEALTH_CARE and case.requester_informed_at is None,
    }


def clock_context(actor, case) -> dict:
    """The top of the case page: how long the person has been deprived of liberty, against which limit,
    and the next deadlines of the case and of each ongoing custody episode."""
    from bitrade.custody import rules as custody_rules
    from bitrade.custody import selectors as custody
    from bitrade.custody.services import OBJECT_TYPE as EPISODE
    from bitrade.deadlines import selectors as deadlines

    now = timezone.now()
    ongoing = [e for e in custody.episodes_for(case) if e.ended_at is None]
    config = custody.time_limit_config() if ongoing else None
    clocks = [{"episode": e, "elapsed": custody_rules.format_duration(now - e.started_at),
               "limit": custody_rules.time_limit(e.ground, config=config,
                                                 identification_of_special_importance=e.identification_special_importance),
               "next": [d for d in deadlines.next_pending(EPISODE, [e.pk], limit=2) if d.payload.get("message")]}
              for e in ongoing]
    due = []
    if case.assign_due_at and case.state == rules.GRANTED:
        due.append(("Resurs ska tilldelas", case.assign_due_at))
    req = getattr(case, "assistance_request", None)
    if req is not None and req.oral_confirmation_due_at and not req.oral_confirmed_at:
        due.append(("Skriftlig bekräftelse från den begärande myndigheten", req.oral_confirmation_due_at))
    return {"clocks": clocks, "case_due": due}


def custody_panel(actor, case) -> dict:
    from bitrade.custody.views import custody_context

    return custody_context(actor, case)


def transport_panel(actor, case) -> dict:
    from bitrade.transport.views import transport_context

    return transport_context(actor, case)


#: What a handräckning inbox row reads of its request (``CaseKind.inbox_values``): the legal basis's citation
#: out of the review (not the whole review), the person and whether the identity is protected, and the
#: phoned request's written confirmation.
INBOX_VALUES = {
    "ar_id": "assistance_request__pk",
    "ar_citation": citation_of("assistance_request__review"),
    "ar_legal_basis_text": "assistance_request__legal_basis_text",
    "ar_person_name": "assistance_request__person_name",
    "ar_protected_identity": "assistance_request__protected_identity",
    "ar_organisation_id": "assistance_request__organisation_id",
    "ar_oral_confirmation_due_at": "assistance_request__oral_confirmation_due_at",
    "ar_oral_confirmed_at": "assistance_request__oral_confirmed_at",
}


def inbox_row(actor, row) -> dict:
    """The handräckning columns of an inbox row, from its values (``INBOX_VALUES``)."""
    label = PRIORITY_LABELS.get(row["priority"], "Polisområdet")
    if row["ar_id"] is None:
        return {"citation": "", "person_name": "", "priority_label": label, "notes": []}
    visible = identity_visible(actor, protected=row["ar_protected_identity"],
                               organisation_id=row["ar_organisation_id"], handling_unit_id=row["unit_id"])
    return {
        "citation": str(row["ar_citation"] or "") or row["ar_legal_basis_text"] or "",
        "person_name": row["ar_person_name"] if visible else MASK,
        "priority_label": label,
        "notes": _confirmation_note(row["ar_oral_confirmation_due_at"], row["ar_oral_confirmed_at"]),
    }


def _confirmation_note(due_at, confirmed_at) -> list[str]:
    """A phoned request awaiting its written confirmation says so in the inbox, with the time it runs out."""
    if due_at is None or confirmed_at is not None:
        return []
    due = timezone.localtime(due_at)
    return [f"skriftlig bekräftelse senast {due:%Y-%m-%d %H.%M}"]


def wanted_context(actor, case) -> dict:
    """The requester's wish for a wanted notice, the decisions on it and their lifecycle."""
    from .selectors import wanted_notices

    req = getattr(case, "assistance_request", None)
    notices = wanted_notices(case)
    handling = actor.is_police and actor.unit_id == case.unit_id
    return {
        "wanted_wish": bool(req and req.wanted_notice_requested), "wanted_notices": notices,
        "wanted_active": next((n for n in notices if n.active), None),
        "can_decide_wanted": handling and case.state in rules.WANTED_STATES,
        "can_cancel_wanted": handling, "cancel_reasons": rules.CANCEL_REASONS,
        "wanted_case_code": rules.WANTED_NOTICE_CASE_CODE,
    }


def transfer_context(actor, case) -> dict:
    """Transfer by a commander, the answer of a receiving region, and the police-internal routing trace."""
    from bitrade.organisation.selectors import active_police_units

    handling = actor.is_police and actor.unit_id == case.unit_id
    pending = services.pending_transfer(case)
    return {
        "can_transfer": handling and case.state in rules.OPEN_STATES and bool(actor.functions & rules.COMMANDER_FUNCTIONS),
        "transfer_units": active_police_units() if handling else [],
        "pending_transfer": pending,
        "can_answer_transfer": pending is not None and actor.is_police and actor.unit_id == pending.to_unit_id,
        "routing_trace": case.routing_trace if actor.is_police else [],
    }


def powers_context(actor, case) -> dict:
    from bitrade.custody.rules.powers import POWER_LABELS
    from bitrade.custody.selectors import power_uses

    handling = actor.is_police and actor.unit_id == case.unit_id
    return {"power_uses": power_uses(case) if actor.is_police else [], "power_labels": POWER_LABELS,
            "can_record_power": handling and case.state in (rules.ASSIGNED, rules.IN_EXECUTION)}
