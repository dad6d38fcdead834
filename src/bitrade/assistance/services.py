"""Every change of a handräckning case: one transaction, checked by the pure rules, with its timeline
event, audit event and outbox messages. The kernel (``bitrade.cases``) owns what every case has; this
module owns what only a request for assistance has."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from bitrade.audit import services as audit
from bitrade.cases import services as kernel
from bitrade.cases.models import Case
from bitrade.cases.services import (  # noqa: F401 — the kernel's helpers, re-exported for the handräckning apps
    CaseError,
    _event,
    _function,
    _lock,
    _require_handling_unit,
    notify_unit,
    refusal,
    refusals_audited,
    require_handling_unit,
)
from bitrade.common import memo
from bitrade.common.actor import SYSTEM_ACTOR, Actor
from bitrade.common.compiled import CompiledRead, save_fields
from bitrade.deadlines import services as deadlines
from bitrade.idempotency.services import step
from bitrade.intake.models import CompletionQuestion
from bitrade.intake.rules import DOCUMENT_QUESTION_FIELD
from bitrade.legal.catalogue import default_catalogue
from bitrade.organisation.models import Unit
from bitrade.outbox import services as outbox
from bitrade.routing import rules as routing_rules
from bitrade.routing import selectors as routing_selectors

from . import rules

KIND = "assistance"
ACK_DEADLINE = "case.ack"
ASSIGN_DEADLINE = "case.assign"
OBJECT_TYPE = kernel.OBJECT_TYPE

#: How long a granted case may wait for a resource before the region is alerted: the inspection found
#: granted requests left waiting because no one owned the resource question. Platform defaults, not
#: law; configurable per deployment.
DEFAULT_ASSIGN_THRESHOLDS = {1: timedelta(minutes=15), 2: timedelta(hours=1), 3: timedelta(hours=4),
                             None: timedelta(hours=24)}


def _request(case: Case):
    return getattr(case, "assistance_request", None)


def notify_requester(case: Case, event: str, text: str) -> None:
    req = _request(case)
    if req is None:
        return
    payload = {"id": str(req.public_id), "reference_number": case.reference_number, "status": case.state,
               "status_label": rules.STATE_LABELS.get(case.state, ""), "event": event}
    if req.requester_email:
        outbox.enqueue("email", req.requester_email, event=event, obj=case,
                       subject=f"Biträde: {text} ({case.reference_number})",
                       body=f"{text}.\nReferens: {case.reference_number}\nStatus: "
                            f"{rules.STATE_LABELS.get(case.state, '')}\n")
    if req.organisation.webhook_url:
        outbox.enqueue("webhook", req.organisation.webhook_url, event=event, obj=case, payload=payload)


def open_case(actor: Actor, *, region, unit: Unit, state: str, case_code: str, priority: int | None,
              routing_rule_name: str, routing_reasons: list[str], now: datetime) -> Case:
    """Create the police case for a received request (called inside the intake transaction)."""
    thresholds = routing_selectors.region_configuration(region.pk, timezone.localtime(now).date())[3]
    ack_due = routing_rules.ack_deadline(priority, now, thresholds)
    case = kernel.open_case(
        actor, KIND, region=region, unit=unit, state=state, now=now,
        text=f"Begäran mottagen och styrd till {unit.name}.", case_code=case_code, priority=priority,
        routing_rule_name=routing_rule_name, routing_reasons=routing_reasons, ack_due_at=ack_due,
    )
    deadlines.schedule(ACK_DEADLINE, object_type=OBJECT_TYPE, object_id=case.pk, due_at=ack_due,
                       payload={"unit_id": unit.pk})
    return case


def is_urgent(case: Case) -> bool:
    """Priority 1–2 (the RLC's immediate and urgent), or the requester asked for immediate or urgent help."""
    req = _request(case)
    return case.priority in (1, 2) or (req is not None and req.requested_urgency in ("immediate", "urgent"))


def competent_functions(case: Case, now: datetime | None = None) -> frozenset[str]:
    """The functions that may decide this case today: the competence data for its law and region (the
    arbetsordning, ``routing.DecisionCompetence``), the catalogue's deciders if no row is in force."""
    req = _request(case)
    on = timezone.localtime(now or timezone.now()).date()
    key = ("assistance.competent_functions", req.law if req else "", req.legal_basis_key if req else "",
           case.region.code, on)
    # Asked once per action offered (every deciding action of the answer's list): once per request.
    return memo.remembered(key, lambda: _competent_functions(req, case.region.code, on))


def _competent_functions(req, region_code: str, on) -> frozenset[str]:
    entry = default_catalogue().get(req.legal_basis_key) if req is not None and req.legal_basis_key else None
    law = (req.law if req else "") or (entry.law if entry else "")
    found = routing_selectors.competence(law, region_code, on) if law else None
    if found is not None:
        return found.functions
    return frozenset(entry.competent_deciders if entry else ())


def _entry(case: Case):
    req = _request(case)
    if req is None or not req.legal_basis_key:
        return None
    return default_catalogue().get(req.legal_basis_key)


def _require_leading(actor: Actor, case: Case, what: str) -> None:
    """Receiving a case and setting its priority are a commander's or group leader's; an officer of the
    unit executes and records."""
    _require_handling_unit(actor, case)
    if not actor.functions & rules.COMMANDER_FUNCTIONS:
        raise CaseError(f"Bara ett befäl eller en gruppchef i enheten kan {what}.", status=403)


def acknowledge(actor: Actor, case: Case, now: datetime | None = None) -> Case:
    _require_leading(actor, case, "kvittera ärendet")
    now = now or timezone.now()
    with step():
        case = _lock(case)
        if case.acknowledged_at is not None:
            return case
        old = case.state
        case.acknowledged_at, case.acknowledged_by_id = now, actor.person_id
        new_state = rules.target_state(rules.ACKNOWLEDGE, case.state)
        if new_state:
            case.state = new_state
        save_fields(case, ["acknowledged_at", "acknowledged_by", "state", "updated_at"])
        deadlines.cancel(ACK_DEADLINE, object_type=OBJECT_TYPE, object_id=case.pk, reason="kvitterad")
        _event(case, actor, rules.ACKNOWLEDGE, f"Kvitterad av {case.unit.name}.", from_state=old, to_state=case.state,
               now=now)
        audit.record(actor, "case.acknowledged", obj=case, old={"state": old}, new={"state": case.state})
        notify_requester(case, "request.acknowledged", "Polisen har tagit emot begäran")
    return case


def requester_completed(actor: Actor, case: Case, now: datetime, still_incomplete: bool) -> None:
    """The requester answered; the case goes back to the unit (called inside the intake transaction)."""
    case = _lock(case)
    old = case.state
    if still_incomplete:
        _event(case, actor, rules.COMPLETE, "Kompletteringen besvarades men begäran är ännu inte fullständig.",
               from_state=old, to_state=old, now=now)
        return
    target = rules.target_state(rules.COMPLETE, case.state, acknowledged=case.acknowledged_at is not None)
    if target is None:
        return
    case.state = target
    case.save(update_fields=["state", "updated_at"])
    _event(case, actor, rules.COMPLETE, "Begäran är kompletterad.", from_state=old, to_state=target, now=now)
    notify_unit(case, case.unit, "request.completed", "Begäran har kompletterats")


@refusals_audited("decide")
def decide(actor: Actor, case: Case, action: str, *, reason: str = "", refusal_check: str = "",
           conditions: str = "", phone_completion_by: str = "", phone_completion_how: str = "",
           override_checks: frozenset[str] | list[str] = frozenset(), override_reason: str = "",
           asks_document: bool = False, now: datetime | None = None) -> Case:
    """Grant, refuse, ask for completion (a question that may ask for a document), or overrule an earlier
    decision.

    An urgent request may be granted while completion is pending when the missing part was given by phone
    (who gave it, and what); granting against a failed formal check is an override that names the check and
    why the review is wrong in this case."""
    _require_handling_unit(actor, case)
    now = now or timezone.now()
    with step():
        case = _lock(case)
        req = _request(case)
        entry = _entry(case)
        review = (req.review if req else {}) or {}
        facts = rules.DecisionFacts(
            action=action, state=case.state, decider_functions=actor.functions,
            competent_functions=competent_functions(case, now),
            basis_citation=entry.citation if entry else None,
            review_outcome=review.get("outcome", ""),
            failed_review_checks=frozenset(c["code"] for c in review.get("checks", []) if not c.get("ok")),
            refusal_check=refusal_check, reason=reason, conditions=conditions,
            previous_decider_id=case.decided_by_id, decider_id=actor.person_id,
            urgent=is_urgent(case), phone_completion_by=phone_completion_by,
            phone_completion_how=phone_completion_how, override_checks=frozenset(override_checks),
            override_reason=override_reason,
        )
        verdict = rules.check_decision(facts)
        if not verdict.allowed:
            raise CaseError(verdict)
        old = case.state
        case.state = verdict.target
        text = reason
        citation = ""
        if action in (rules.GRANT, rules.REFUSE, rules.OVERRULE):
            case.decision = rules.GRANTED if case.state == rules.GRANTED else rules.REFUSED
            case.decided_at, case.decided_by_id, case.decided_function = now, actor.person_id, _function(actor)
            case.refusal_check = refusal_check if case.decision == rules.REFUSED else ""
            case.decision_reason = reason
            if case.decision == rules.REFUSED:
                citation = entry.citation if entry else rules.JO_2014_15
                text = f"Avslag: {rules.FORMAL_CHECKS.get(refusal_check, refusal_check)}. {reason}".strip()
            else:
                text = f"Beviljad. {reason}".strip()
                citation = entry.citation if entry else ""
        if action == rules.OVERRULE:
            case.overrule_count += 1
            text = f"Beslutet ändrat ({rules.STATE_LABELS[old]} → {rules.STATE_LABELS[case.state]}): {reason}"
        data: dict = {}
        if case.state == rules.GRANTED and old == rules.COMPLETION_REQUESTED:
            data["phone_completion"] = {"by": phone_completion_by.strip(), "how": phone_completion_how.strip()}
            text += (f" Det som saknades lämnades per telefon av {phone_completion_by.strip()}: "
                     f"{phone_completion_how.strip()}.")
            if req is not None:
                req.questions.filter(answered_at__isnull=True).update(
                    answer=f"Lämnat per telefon av {phone_completion_by.strip()}: {phone_completion_how.strip()} "
                           f"(antecknat av polisen)", answered_at=now)
        if case.state == rules.GRANTED and override_checks:
            data["override"] = {"checks": sorted(override_checks), "reason": override_reason.strip()}
            text += (" Beviljad trots brist i den formella granskningen ("
                     + "; ".join(rules.FORMAL_CHECKS.get(c, c) for c in sorted(override_checks))
                     + f"): {override_reason.strip()}")
        case.save()
        if action == rules.REQUEST_COMPLETION and req is not None:
            # A question asking for a document is answered with a file, like the review's own document question.
            CompletionQuestion.objects.create(request=req, check_code="police_question",
                                              field=DOCUMENT_QUESTION_FIELD if asks_document else "",
                                              question=reason, asked_at=now)
        if case.state == rules.GRANTED:
            due = now + DEFAULT_ASSIGN_THRESHOLDS.get(case.priority, DEFAULT_ASSIGN_THRESHOLDS[None])
            case.assign_due_at = due
            case.save(update_fields=["assign_due_at"])
            deadlines.schedule(ASSIGN_DEADLINE, object_type=OBJECT_TYPE, object_id=case.pk, due_at=due)
        else:
            deadlines.cancel(ASSIGN_DEADLINE, object_type=OBJECT_TYPE, object_id=case.pk, reason=case.state)
        deadlines.cancel(ACK_DEADLINE, object_type=OBJECT_TYPE, object_id=case.pk, reason="beslut fattat")
        _event(case, actor, action, text, from_state=old, to_state=case.state, citation=citation, now=now, data=data)
        audit.record(actor, f"case.{action}", obj=case, reason=reason, old={"state": old},
                     new={"state": case.state, "refusal_check": refusal_check, "function": _function(actor), **data})
        notify_requester(case, f"case.{case.state}", {
            rules.GRANTED: "Polisen har beviljat begäran", rules.REFUSED: "Polisen har avslagit begäran",
            rules.COMPLETION_REQUESTED: "Polisen behöver komplettering",
        }.get(case.state, "Ärendet har ändrats"))
    return case


@refusals_audited("assess_risk")
def assess_risk(actor: Actor, case: Case, *, level: str, assessment: str, priority: int | None,
                now: datetime | None = None) -> Case:
    _require_leading(actor, case, "göra hot- och riskbedömningen och sätta prioritet")
    if level not in ("low", "medium", "high"):
        raise CaseError("Ange risknivå: låg, medel eller hög.", status=422)
    if priority not in (1, 2, 3, None):
        raise CaseError("Prioritet ska vara 1, 2, 3 eller ordinär.", status=422)
    now = now or timezone.now()
    with step():
        case = _lock(case)
        if case.state not in rules.OPEN_STATES:
            raise CaseError("Ärendet är avslutat.")
        old = {"risk_level": case.risk_level, "priority": case.priority}
        case.risk_level, case.risk_assessment = level, assessment
        changed_priority = priority != case.priority
        case.priority = priority
        save_fields(case, ["risk_level", "risk_assessment", "priority", "updated_at"])
        text = f"Hot- och riskbedömning: {dict(low='låg', medium='medel', high='hög')[level]}."
        if changed_priority:
            text += f" Prioritet ändrad till {priority or 'ordinär'}."
        _event(case, actor, "risk_assessed", text, public=False, now=now)
        audit.record(actor, "case.risk_assessed", obj=case, old=old, new={"risk_level": level, "priority": priority})
        if changed_priority:
            reroute_after_priority_change(actor, case, now)
    return case


@refusals_audited("assign")
def assign(actor: Actor, case: Case, *, resource: str, now: datetime | None = None) -> Case:
    _require_handling_unit(actor, case)
    now = now or timezone.now()
    with step():
        case = _lock(case)
        entry = _entry(case)
        verdict = rules.check_assignment(case.state, resource, actor.functions,
                                         competent_functions(case, now), entry.citation if entry else None)
        if not verdict.allowed:
            raise CaseError(verdict)
        old = case.state
        case.state, case.resource, case.assigned_at = verdict.target, resource.strip(), now
        case.save(update_fields=["state", "resource", "assigned_at", "updated_at"])
        deadlines.cancel(ASSIGN_DEADLINE, object_type=OBJECT_TYPE, object_id=case.pk, reason="resurs tilldelad")
        _event(case, actor, rules.ASSIGN, f"Resurs tilldelad: {case.resource}.", from_state=old, to_state=case.state,
               now=now)
        audit.record(actor, "case.assigned", obj=case, new={"resource": case.resource})
        notify_requester(case, "case.assigned", "Polisen har tilldelat en resurs")
    return case


def start_execution(actor: Actor, case: Case, now: datetime | None = None) -> Case:
    return kernel.transition(actor, case, rules.START_EXECUTION, "Verkställigheten har påbörjats.", now)


@refusals_audited("not_found")
def record_not_found(actor: Actor, case: Case, *, notes: str = "", now: datetime | None = None) -> Case:
    """The person was not found; the request stands. Whether to issue a wanted notice is decided apart."""
    _require_handling_unit(actor, case)
    now = now or timezone.now()
    with step():
        case = _lock(case)
        verdict = rules.check_not_found(case.state)
        if not verdict.allowed:
            raise CaseError(verdict)
        old = case.state
        case.state = verdict.target
        save_fields(case, ["state", "updated_at"])
        req = _request(case)
        wish = " Den begärande myndigheten har bett om efterlysning." if req and req.wanted_notice_requested else ""
        _event(case, actor, rules.RECORD_NOT_FOUND,
               f"Personen påträffades inte; begäran ligger kvar. {notes}".strip() + wish,
               from_state=old, to_state=case.state, citation=rules.JO_2019_20, now=now)
        audit.record(actor, "case.not_found", obj=case)
        notify_requester(case, "case.not_found", "Personen har inte påträffats; begäran ligger kvar")
    return case


def _active_notice(case: Case):
    from .models import WantedNotice

    return WantedNotice.objects.filter(case=case, decision=WantedNotice.ISSUED, cancelled_at__isnull=True).first()


@refusals_audited("wanted_notice")
def decide_wanted_notice(actor: Actor, case: Case, *, issue: bool, nepu_reference: str = "",
                         related_reference: str = "", reason: str = "", now: datetime | None = None):
    """Issue a wanted notice (NEPU, with the related case under code 444) or decide not to, with the reason;
    the requester's wish is on record beside the decision and the requester is told."""
    from .models import WantedNotice

    _require_handling_unit(actor, case)
    now = now or timezone.now()
    with step():
        case = _lock(case)
        req = _request(case)
        wished = bool(req and req.wanted_notice_requested)
        verdict = rules.check_wanted_notice(rules.WantedNoticeFacts(
            state=case.state, issue=issue, active_notice=_active_notice(case) is not None,
            requested_by_requester=wished, nepu_reference=nepu_reference, related_reference=related_reference,
            reason=reason))
        if not verdict.allowed:
            raise CaseError(verdict)
        notice = WantedNotice.objects.create(
            case=case, requested_by_requester=wished, decision=WantedNotice.ISSUED if issue else WantedNotice.NOT_ISSUED,
            decided_at=now, decided_by_id=actor.person_id, decided_function=_function(actor), reason=reason.strip(),
            nepu_reference=nepu_reference.strip() if issue else "",
            related_case_code=rules.WANTED_NOTICE_CASE_CODE if issue else "",
            related_reference=related_reference.strip() if issue else "", requester_told_at=now)
        if issue:
            case.wanted_notice_reference = notice.nepu_reference
            case.save(update_fields=["wanted_notice_reference", "updated_at"])
            text = (f"Personen är efterlyst (NEPU {notice.nepu_reference}); efterlysningsärendet "
                    f"{notice.related_reference} har saknummer {notice.related_case_code}.")
            public_text = "Polisen har efterlyst personen"
        else:
            text = f"Personen efterlyses inte: {notice.reason}"
            public_text = "Polisen har beslutat att inte efterlysa personen"
        if wished:
            text += " (Den begärande myndigheten bad om efterlysning.)"
        _event(case, actor, "wanted_notice", text, now=now, data={"wanted_notice": notice.pk, "issued": issue})
        audit.record(actor, "case.wanted_notice", obj=case, reason=reason,
                     new={"issued": issue, "nepu": notice.nepu_reference, "related": notice.related_reference})
        notify_requester(case, "case.wanted_notice", public_text)
    return notice


@refusals_audited("cancel_wanted_notice")
def cancel_wanted_notice(actor: Actor, case: Case, *, reason: str, now: datetime | None = None):
    """Cancel (avlysa) the wanted notice when the person is found or the request ends; the requester is told."""
    _require_handling_unit(actor, case)
    now = now or timezone.now()
    with step():
        case = _lock(case)
        notice = _active_notice(case)
        verdict = rules.check_cancel_wanted_notice(notice is not None, reason)
        if not verdict.allowed:
            raise CaseError(verdict)
        notice.cancelled_at, notice.cancelled_by_id, notice.cancel_reason = now, actor.person_id, reason
        notice.requester_told_at = now
        notice.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason", "requester_told_at"])
        text = f"Efterlysningen {notice.nepu_reference} är avlyst: {rules.CANCEL_REASONS[reason]}."
        _event(case, actor, "wanted_notice_cancelled", text, now=now, data={"wanted_notice": notice.pk})
        audit.record(actor, "case.wanted_notice_cancelled", obj=case, new={"reason": reason})
        notify_requester(case, "case.wanted_notice_cancelled", "Efterlysningen är avlyst")
    return notice


@refusals_audited("outcome")
def record_outcome(actor: Actor, case: Case, *, outcome: str, notes: str = "", confirmed_by: str = "",
                   confirmed_at: datetime | None = None, handed_to: str = "", patrol_minutes: int | None = None,
                   police_not_needed: bool = False, now: datetime | None = None) -> Case:
    _require_handling_unit(actor, case)
    now = now or timezone.now()
    with step():
        case = _lock(case)
        verdict = rules.check_outcome(rules.OutcomeFacts(
            state=case.state, outcome=outcome, requester_confirmation_by=confirmed_by,
            requester_confirmation_at=confirmed_at, withdrawn_by_requester=False, person_handed_to=handed_to))
        if not verdict.allowed:
            raise CaseError(verdict)
        old = case.state
        case.state, case.outcome, case.outcome_at = verdict.target, outcome, now
        case.outcome_notes = "\n".join(x for x in [notes, handed_to and f"Överlämnad till: {handed_to}",
                                                   confirmed_by and f"Bekräftat av {confirmed_by}"] if x)
        if patrol_minutes is not None:
            case.patrol_minutes = patrol_minutes
        informed = outcome != rules.OUTCOME_HEALTH_CARE
        if informed:
            case.requester_informed_at = now
        case.save()
        _event(case, actor, rules.RECORD_OUTCOME, rules.OUTCOME_LABELS[outcome] + (f". {notes}" if notes else ""),
               from_state=old, to_state=case.state, now=now,
               data={"outcome": outcome, **({"police_not_needed": True} if police_not_needed else {})})
        audit.record(actor, "case.outcome", obj=case, new={"outcome": outcome, "state": case.state})
        notify_requester(case, "case.outcome", rules.OUTCOME_LABELS[outcome])
    return case


@refusals_audited("inform_requester")
def inform_requester(actor: Actor, case: Case, *, channel: str, note: str, now: datetime | None = None) -> Case:
    """The explicit report-back (e.g. a phone call when the person went with the ambulance: inspection report 3.3)."""
    _require_handling_unit(actor, case)
    if not channel.strip() or not note.strip():
        raise CaseError("Ange hur och vad den begärande myndigheten underrättades om.", status=422)
    now = now or timezone.now()
    with step():
        case = _lock(case)
        case.requester_informed_at = now
        save_fields(case, ["requester_informed_at", "updated_at"])
        _event(case, actor, "requester_informed", f"Begärande myndighet underrättad ({channel}): {note}", now=now)
        audit.record(actor, "case.requester_informed", obj=case, new={"channel": channel})
    return case


@refusals_audited("withdraw")
def withdraw(actor: Actor, case: Case, *, reason: str, now: datetime | None = None) -> Case:
    """The requesting organisation withdraws its request."""
    req = _request(case)
    if not actor.is_requester or req is None or req.organisation_id != actor.organisation_id:
        raise PermissionDenied("Endast den begärande organisationen kan återkalla begäran.")
    now = now or timezone.now()
    with step():
        case = _lock(case)
        check = rules.check_transition(rules.WITHDRAW, case.state)
        if not check.ok:
            raise CaseError(check.message)
        old = case.state
        case.state, case.outcome, case.outcome_at, case.requester_informed_at = (
            rules.NOT_EXECUTED, rules.OUTCOME_WITHDRAWN, now, now)
        case.outcome_notes = reason
        case.save()
        for kind in (ACK_DEADLINE, ASSIGN_DEADLINE):
            deadlines.cancel(kind, object_type=OBJECT_TYPE, object_id=case.pk, reason="återkallad")
        _event(case, actor, rules.WITHDRAW, f"Begäran återkallad: {reason}", from_state=old, to_state=case.state,
               now=now)
        audit.record(actor, "case.withdrawn", obj=case, reason=reason)
        notify_unit(case, case.unit, "case.withdrawn", "Begäran har återkallats")
    return case


def closure_facts(case: Case) -> rules.ClosureFacts:
    from bitrade.custody.selectors import custody_counts
    from bitrade.transport.selectors import open_transport_count

    open_episodes, without_protocol = custody_counts(case)
    from .models import WantedNotice

    active = WantedNotice.objects.filter(case=case, decision=WantedNotice.ISSUED, cancelled_at__isnull=True).count()
    return rules.ClosureFacts(
        active_wanted_notices=active,
        state=case.state, decision_recorded=bool(case.decision), decider_function=case.decided_function,
        outcome=case.outcome, open_custody_episodes=open_episodes,
        custody_episodes_without_protocol=without_protocol, open_transports=open_transport_count(case),
        requester_informed=case.requester_informed_at is not None,
    )


def close(actor: Actor, case: Case, now: datetime | None = None) -> Case:
    return kernel.close(actor, case, now)


@refusals_audited("reopen")
def reopen(actor: Actor, case: Case, *, reason: str, now: datetime | None = None) -> Case:
    _require_handling_unit(actor, case)
    now = now or timezone.now()
    with step():
        case = _lock(case)
        verdict = rules.check_reopen(case.state, reason)
        if not verdict.allowed:
            raise CaseError(verdict)
        case.state, case.closed_at = verdict.target, None
        case.save(update_fields=["state", "closed_at", "updated_at"])
        _event(case, actor, rules.REOPEN, f"Återöppnat: {reason}", from_state=rules.CLOSED, to_state=case.state,
               now=now)
        audit.record(actor, "case.reopened", obj=case, reason=reason)
    return case


def set_cross_references(actor: Actor, case: Case, *, storm: str = "", daf: str = "", par: str = "") -> Case:
    _require_handling_unit(actor, case)
    with step():
        case = _lock(case)
        old = {"storm": case.storm_event_number, "daf": case.daf_reference, "par": case.par_reference}
        case.storm_event_number, case.daf_reference, case.par_reference = storm.strip(), daf.strip(), par.strip()
        case.save(update_fields=["storm_event_number", "daf_reference", "par_reference", "updated_at"])
        audit.record(actor, "case.cross_references", obj=case, old=old, new={"storm": storm, "daf": daf, "par": par})
    return case


# --------------------------------------------------------------------------- transfer and re-routing


def _trace(case: Case, kind: str, reason: str, now: datetime, **extra) -> None:
    case.routing_trace = [*case.routing_trace, {"at": now.isoformat(), "kind": kind, "reason": reason, **extra}]


def _move(case: Case, actor: Actor, new_unit: Unit, kind: str, reason: str, now: datetime) -> None:
    """Hand the case to ``new_unit`` (in the caller's transaction): trace kept, a new acknowledgement deadline
    if it was not acknowledged, both units and the requester told."""
    old_unit = case.unit
    case.unit = new_unit
    if new_unit.region_id != case.region_id:
        case.region_id = new_unit.region_id
    _trace(case, kind, reason, now, from_unit=old_unit.pk, to_unit=new_unit.pk)
    fields = ["unit", "region", "routing_trace", "updated_at"]
    if case.acknowledged_at is None:
        case.ack_due_at = routing_rules.ack_deadline(case.priority, now, routing_selectors.ack_thresholds())
        fields.append("ack_due_at")
        deadlines.cancel(ACK_DEADLINE, object_type=OBJECT_TYPE, object_id=case.pk, reason="ärendet flyttat")
        deadlines.schedule(ACK_DEADLINE, object_type=OBJECT_TYPE, object_id=case.pk, due_at=case.ack_due_at,
                           payload={"unit_id": new_unit.pk})
    case.save(update_fields=fields)
    _event(case, actor, kind, reason, public=False, now=now)
    _event(case, actor, f"{kind}_public", f"Ärendet handläggs nu av {new_unit.name}.", now=now)
    notify_unit(case, old_unit, f"case.{kind}", f"Ärendet har förts över till {new_unit.name}")
    notify_unit(case, new_unit, f"case.{kind}", f"Ärende om handräckning överfört från {old_unit.name}")
    notify_requester(case, f"case.{kind}", f"Ärendet handläggs nu av {new_unit.name}")


def _unit_competent(case: Case, unit: Unit, now: datetime) -> bool:
    functions = competent_functions(case, now)
    units = routing_selectors.unit_infos(unit.region_id, timezone.localtime(now).date())
    info = next((u for u in units if u.id == unit.pk), None)
    if info is None:
        return False
    facts = routing_rules.RoutingFacts(region=info.region, police_area=info.police_area or "", law="", point_key=None,
                                       requested_priority=None, person_age=None, at=now,
                                       competent_functions=functions)
    return routing_rules.RoutingTable((), units).competent_at(info, facts, routing_rules.stockholm_moment(now))


@refusals_audited("transfer")
def transfer(actor: Actor, case: Case, *, to_unit_id: int | None, reason: str, now: datetime | None = None):
    """A commander moves the case to another unit with a reason. Within the region it moves at once; to another
    region (a relay) the receiving region accepts or declines first."""
    from .models import Transfer

    _require_handling_unit(actor, case)
    now = now or timezone.now()
    with step():
        case = _lock(case)
        target = Unit.objects.filter(pk=to_unit_id, active=True).first() if to_unit_id else None
        pending = Transfer.objects.filter(case=case, status=Transfer.PENDING).exists()
        verdict = rules.check_transfer(rules.TransferFacts(
            state=case.state, actor_functions=actor.functions, from_unit=case.unit_id,
            to_unit=target.pk if target else None, to_unit_active=target is not None,
            to_unit_competent=bool(target) and _unit_competent(case, target, now), reason=reason, pending=pending))
        if not verdict.allowed:
            raise CaseError(verdict)
        cross = target.region_id != case.region_id
        t = Transfer.objects.create(case=case, from_unit=case.unit, to_unit=target, reason=reason.strip(),
                                    requested_at=now, requested_by_id=actor.person_id,
                                    status=Transfer.PENDING if cross else Transfer.DONE)
        text = f"Överfört från {case.unit.name} till {target.name} av {actor.label}: {t.reason}"
        if cross:
            _trace(case, "transfer_requested", f"Överföring till {target.name} begärd: {t.reason}", now,
                   to_unit=target.pk)
            case.save(update_fields=["routing_trace", "updated_at"])
            _event(case, actor, "transfer_requested", f"Överföring till {target.name} begärd: {t.reason}",
                   public=False, now=now)
            notify_unit(case, target, "case.transfer_requested", f"Begäran om att ta över ett ärende från {case.unit.name}")
        else:
            _move(case, actor, target, "transferred", text, now)
        audit.record(actor, "case.transfer", obj=case, reason=reason, new={"to_unit": target.pk, "status": t.status})
    return case


def pending_transfer(case: Case):
    from .models import Transfer

    return Transfer.objects.filter(case=case, status=Transfer.PENDING).select_related("to_unit").first()


def pending_transfer_to(case: Case) -> int | None:
    """The unit a transfer of the case waits to be answered by, if one does (one column read)."""
    from .models import Transfer

    global _PENDING_TO
    if _PENDING_TO is None:  # compiled once per thread (``common.compiled``)
        _PENDING_TO = CompiledRead(
            "assistance.pending_transfer_to",
            lambda case_id: Transfer.objects.filter(case_id=case_id, status=Transfer.PENDING)
            .values_list("to_unit_id", flat=True)[:1],
            (Transfer._meta.get_field("case"),), (-0xB17,))
    return _PENDING_TO.first(case.pk)


_PENDING_TO = None


@refusals_audited("transfer_answer")
def answer_transfer(actor: Actor, case: Case, *, accept: bool, answer: str = "", now: datetime | None = None):
    """The receiving region of a relay accepts (the case moves) or declines (it stays, with the reason)."""
    now = now or timezone.now()
    with step():
        case = _lock(case)
        t = pending_transfer(case)
        if t is None:
            raise CaseError("Ingen överföring väntar på svar.")
        if not actor.is_police or actor.unit_id != t.to_unit_id:
            raise PermissionDenied("Bara den mottagande enheten kan svara på överföringen.")
        if not actor.functions & rules.COMMANDER_FUNCTIONS:
            raise CaseError("Bara ett befäl kan ta emot eller avböja ett ärende.")
        if not accept and len(answer.strip()) < 10:
            raise CaseError("Ange varför överföringen avböjs.", status=422)
        t.status = t.ACCEPTED if accept else t.DECLINED
        t.answered_at, t.answered_by_id, t.answer = now, actor.person_id, answer.strip()
        t.save(update_fields=["status", "answered_at", "answered_by", "answer"])
        if accept:
            _move(case, actor, t.to_unit, "transferred",
                  f"{t.to_unit.name} tog emot ärendet från {t.from_unit.name}: {t.reason}", now)
        else:
            _trace(case, "transfer_declined", f"{t.to_unit.name} avböjde överföringen: {t.answer}", now)
            case.save(update_fields=["routing_trace", "updated_at"])
            _event(case, actor, "transfer_declined", f"{t.to_unit.name} avböjde överföringen: {t.answer}",
                   public=False, now=now)
            notify_unit(case, t.from_unit, "case.transfer_declined", "Överföringen avböjdes")
        audit.record(actor, "case.transfer_answered", obj=case, new={"accepted": accept})
    return case


def reroute_after_priority_change(actor: Actor, case: Case, now: datetime) -> bool:
    """A police change of priority before the decision re-routes the case when the routing rules then choose
    another unit (in the caller's transaction). Returns whether it moved."""
    if case.state not in (rules.RECEIVED, rules.ACKNOWLEDGED, rules.COMPLETION_REQUESTED):
        return False
    req = _request(case)
    if req is None:
        return False
    rules_, units, names, _ = routing_selectors.region_configuration(case.region_id, timezone.localtime(now).date())
    facts = routing_rules.RoutingFacts(
        region=case.region.code, police_area=req.location_municipality.police_area.code, law=req.law,
        point_key=req.legal_basis_key or None, requested_priority=case.priority, person_age=req.person_age, at=now,
        competent_functions=competent_functions(case, now))
    decision = routing_rules.route(facts, rules_, units, area_names=names)
    if decision.unit is None or decision.unit.id == case.unit_id:
        return False
    new_unit = Unit.objects.get(pk=decision.unit.id)
    _move(case, actor, new_unit, "rerouted",
          f"Omstyrt efter ändrad prioritet ({routing_rules.priority_label(case.priority)}) till {new_unit.name}: "
          + " ".join(decision.reasons[-1:]), now)
    return True


# --------------------------------------------------------------------------- deadlines


@deadlines.register(ACK_DEADLINE)
def escalate_unacknowledged(deadline, now: datetime) -> str:
    """Not acknowledged in time: hand the case to the next unit and tell both units — exactly once."""
    case = Case.objects.select_for_update(of=("self",)).select_related("unit", "region").get(
        pk=int(deadline.object_id))
    if case.acknowledged_at is not None or case.state not in rules.OPEN_STATES:
        return "redan kvitterad eller avslutad"
    if case.unit_id != deadline.payload.get("unit_id"):
        return "ärendet har redan flyttats"
    req = _request(case)
    units = routing_selectors.unit_infos(case.region_id, timezone.localtime(now).date())
    current = next((u for u in units if u.id == case.unit_id), None)
    facts = routing_rules.RoutingFacts(
        region=case.region.code, police_area=req.location_municipality.police_area.code if req else "",
        law=req.law if req else "", point_key=(req.legal_basis_key or None) if req else None,
        requested_priority=case.priority, person_age=req.person_age if req else None, at=now,
        competent_functions=competent_functions(case, now),
    )
    nxt = routing_rules.next_escalation_unit(current, units, facts) if current else None
    old_unit = case.unit
    if nxt is None:
        audit.record(SYSTEM_ACTOR, "case.escalation_exhausted", obj=case, reason="Ingen enhet att eskalera till.")
        notify_unit(case, old_unit, "case.overdue", "Ärendet är inte kvitterat i tid")
        return "ingen nästa enhet"
    new_unit = Unit.objects.get(pk=nxt.id)
    reason = (f"Eskalerad {timezone.localtime(now):%Y-%m-%d %H:%M}: {old_unit.name} kvitterade inte i tid; "
              f"ärendet flyttat till {new_unit.name}.")
    case.unit = new_unit
    case.escalation_count += 1
    case.routing_trace = [*case.routing_trace, {"at": now.isoformat(), "kind": "escalated", "from_unit": old_unit.pk,
                                                "to_unit": new_unit.pk, "reason": reason}]
    case.ack_due_at = routing_rules.ack_deadline(case.priority, now, routing_selectors.ack_thresholds())
    case.save(update_fields=["unit", "escalation_count", "routing_trace", "ack_due_at", "updated_at"])
    deadlines.schedule(ACK_DEADLINE, object_type=OBJECT_TYPE, object_id=case.pk, due_at=case.ack_due_at,
                       payload={"unit_id": new_unit.pk})
    _event(case, SYSTEM_ACTOR, "escalated", reason, public=False, now=now)
    audit.record(SYSTEM_ACTOR, "case.escalated", obj=case, reason=reason, old={"unit": old_unit.pk},
                 new={"unit": new_unit.pk})
    notify_unit(case, old_unit, "case.escalated", "Ärendet har eskalerats från er enhet")
    notify_unit(case, new_unit, "case.escalated", "Eskalerat ärende om handräckning")
    return reason


@deadlines.register(ASSIGN_DEADLINE)
def alert_unassigned(deadline, now: datetime) -> str:
    """A granted case without a resource: the resource owner must not block it silently (inspection report 3.2, 3.5)."""
    case = Case.objects.select_for_update(of=("self",)).select_related("unit", "region").get(
        pk=int(deadline.object_id))
    if case.state != rules.GRANTED:
        return "resurs tilldelad eller ärendet har ändrats"
    rlc = Unit.objects.filter(region=case.region, kind="rlc", active=True).first()
    text = f"Beviljat ärende utan tilldelad resurs efter {timezone.localtime(now):%H:%M}."
    _event(case, SYSTEM_ACTOR, "unassigned_alert", text, public=False, now=now)
    audit.record(SYSTEM_ACTOR, "case.unassigned_alert", obj=case, reason=text)
    notify_unit(case, case.unit, "case.unassigned", "Beviljat ärende saknar resurs")
    if rlc and rlc.pk != case.unit_id:
        notify_unit(case, rlc, "case.unassigned", "Beviljat ärende saknar resurs i regionen")
    return text
