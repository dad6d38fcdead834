"""Deprivation of liberty in a case: episodes, holding (förvar), re-assessments, the förman's review,
next-of-kin notification, protocols. Each change in one transaction with timeline, audit and deadlines."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from bitrade.assistance import rules as case_rules
from bitrade.audit import services as audit
from bitrade.cases.services import (
    CaseError,
    _event,
    _function,
    notify_unit,
    refusal,
    refusals_audited,
    require_handling_unit,
)
from bitrade.common.actor import SYSTEM_ACTOR, Actor
from bitrade.deadlines import duties
from bitrade.deadlines import services as deadlines

from . import rules
from .models import CustodyEpisode, Holding, Protocol, ProtocolVersion, Reassessment
from .selectors import time_limit_config

OBJECT_TYPE = "custody.custodyepisode"
TASK_DEADLINE = "custody.task"
PROTOCOL_DEADLINE = "custody.protocol"
#: 15–16 §§ PL duties recorded with :func:`record_task` (stored in ``CustodyEpisode.tasks_done``).
RECORDABLE_TASKS = frozenset({"inform_of_reason", "notify_authority", "authority_decision", "interview",
                              "identification_measures", "handover_minor", "handover_guardian_or_social_services",
                              "handover_hospital"})
#: Duties whose completion is recorded in Biträde, so their deadline can be checked.
TRACKED_TASKS = frozenset({"report_to_forman", "forman_review", "notify_next_of_kin", "notify_social_services",
                           "ask_lvu_restrictions", *RECORDABLE_TASKS})
CLOCK_KINDS = tuple(f"custody.{k}" for k in rules.DEADLINE_KINDS)





def _age_basis(req) -> str:
    if req is None:
        return "unknown"
    if req.person_identity_number:
        return "verified"
    return "assumed" if req.person_birth_date else "unknown"


@refusals_audited("custody_started")
def start_episode(actor: Actor, case, *, ground: str, place: str, started_at: datetime | None = None,
                  identification_special_importance: bool = False, now: datetime | None = None) -> CustodyEpisode:
    require_handling_unit(actor, case)
    now = now or timezone.now()
    started_at = started_at or now
    try:
        g = rules.get_ground(ground)
    except (KeyError, ValueError) as exc:
        raise CaseError(f"Okänd grund för frihetsberövande: {ground}", status=422) from exc
    if not place.strip():
        raise CaseError("Ange var personen hålls.", status=422)
    if case.state not in (case_rules.ASSIGNED, case_rules.IN_EXECUTION):
        raise CaseError("Ett frihetsberövande registreras när handräckningen verkställs.")
    req = getattr(case, "assistance_request", None)
    with transaction.atomic():
        episode = CustodyEpisode.objects.create(
            case=case, ground=g.code, citation=g.citation, started_at=started_at, place=place.strip(),
            identification_special_importance=identification_special_importance,
            person_age=req.person_age if req else None, decided_by_id=actor.person_id,
            decider_function=_function(actor),
        )
        config = time_limit_config(timezone.localtime(started_at).date())
        for d in rules.deadlines_for_episode(g.code, started_at, config,
                                             identification_of_special_importance=identification_special_importance):
            deadlines.schedule(f"custody.{d.kind}", object_type=OBJECT_TYPE, object_id=episode.pk, due_at=d.due_at,
                               payload={"key": d.key, "severity": d.severity, "message": d.message,
                                        "citation": d.citation or ""})
        minor = episode.person_age is not None and episode.person_age < 18
        tasks = list(rules.custody_tasks(rules.CustodyFacts(ground=g.code, started_at=started_at, is_minor=minor)))
        kin = rules.next_of_kin_notification(rules.NextOfKinFacts(ground=g.code, started_at=started_at,
                                                                  is_minor=minor))
        if kin.task is not None:
            tasks.append(kin.task)
        for task in tasks:
            if task.due_at is not None and task.code in TRACKED_TASKS:
                deadlines.schedule(TASK_DEADLINE, object_type=OBJECT_TYPE, object_id=episode.pk, due_at=task.due_at,
                                   payload={"code": task.code, "title": task.title, "citation": task.citation or ""})
        if case.state == case_rules.ASSIGNED:
            case.state = case_rules.IN_EXECUTION
            case.save(update_fields=["state", "updated_at"])
        _event(case, actor, "custody_started", f"Frihetsberövad ({g.title}) från {timezone.localtime(started_at):%H:%M}, "
               f"{place}.", citation=g.citation, public=False, now=now)
        audit.record(actor, "custody.started", obj=episode, new={"ground": g.code, "place": place})
    return episode


@refusals_audited("holding")
def decide_holding(actor: Actor, episode: CustodyEpisode, *, reason: str, place_type: str, necessity: str,
                   alternatives_considered: str, reason_text: str = "", absolutely_necessary_justification: str = "",
                   child_best_interest_assessment: str = "", assessed_at_least_15: bool = False,
                   minor_indications: bool = False, now: datetime | None = None) -> Holding:
    case = episode.case
    require_handling_unit(actor, case)
    now = now or timezone.now()
    if episode.ended_at is not None:
        raise CaseError("Frihetsberövandet har upphört.")
    req = getattr(case, "assistance_request", None)
    decision = rules.check_holding(rules.HoldingFacts(
        ground=episode.ground, decided_by_function=_function(actor), place_type=place_type, reason=reason,
        reason_text=reason_text, necessity=necessity, alternatives_considered=alternatives_considered,
        age=episode.person_age, age_basis=_age_basis(req), minor_indications=minor_indications,
        assessed_at_least_15=assessed_at_least_15, absolutely_necessary_justification=absolutely_necessary_justification,
        child_best_interest_assessment=child_best_interest_assessment, decided_at=now,
    ))
    if not decision.allowed:
        raise refusal(decision.checks)
    with transaction.atomic():
        holding = Holding.objects.create(
            episode=episode, decided_by_id=actor.person_id, decider_function=_function(actor), reason=reason,
            reason_text=reason_text, alternatives_considered=alternatives_considered, place_type=place_type,
            child_justification=absolutely_necessary_justification,
            best_interest_assessment=child_best_interest_assessment, started_at=now,
            checks=[{"code": c.code, "ok": c.ok, "message": c.message, "citation": c.citation}
                    for c in decision.checks],
        )
        for task in decision.required_tasks:
            if task.due_at is not None and task.code in TRACKED_TASKS:
                deadlines.schedule(TASK_DEADLINE, object_type=OBJECT_TYPE, object_id=episode.pk, due_at=task.due_at,
                                   payload={"code": task.code, "title": task.title, "citation": task.citation or "",
                                            "holding": holding.pk})
        label = rules.PLACE_TYPES.get(place_type, place_type)
        _event(case, actor, "holding" if decision.is_holding else "waiting_room",
               f"{'Förvar' if decision.is_holding else 'Väntar'} i {label}: {rules.HOLDING_REASONS.get(reason, reason)}.",
               citation=rules.format_citation("PL", "17") if decision.is_holding else "", public=False, now=now)
        audit.record(actor, "custody.holding", obj=holding, new={"reason": reason, "place_type": place_type,
                                                                  "age": episode.person_age})
    return holding


@refusals_audited("reassessment")
def reassess(actor: Actor, episode: CustodyEpisode, *, continue_custody: bool, reason: str,
             now: datetime | None = None) -> Reassessment:
    require_handling_unit(actor, episode.case)
    if len(reason.strip()) < 5:
        raise CaseError("Ange skälen för omprövningen.", status=422)
    now = now or timezone.now()
    with transaction.atomic():
        r = Reassessment.objects.create(episode=episode, at=now, by_id=actor.person_id,
                                        continue_custody=continue_custody, reason=reason)
        _event(episode.case, actor, "custody_reassessed",
               f"Omprövning: frihetsberövandet {'ska bestå' if continue_custody else 'ska upphöra'}. {reason}",
               public=False, now=now)
        audit.record(actor, "custody.reassessed", obj=episode, new={"continue": continue_custody})
    if not continue_custody:
        end_episode(actor, episode, reason=f"Omprövning: {reason}", now=now)
    return r


@refusals_audited("forman_review")
def forman_review(actor: Actor, episode: CustodyEpisode, *, decision: str, now: datetime | None = None) -> CustodyEpisode:
    """15 § PL: the report to the förman and the förman's review, recorded."""
    require_handling_unit(actor, episode.case)
    if decision not in ("continue", "release"):
        raise CaseError("Förmannens beslut ska vara 'bestå' eller 'upphöra'.", status=422)
    now = now or timezone.now()
    with transaction.atomic():
        episode.forman_id = actor.person_id
        episode.forman_reported_at = episode.forman_reported_at or now
        episode.forman_reviewed_at, episode.forman_decision = now, decision
        episode.save(update_fields=["forman", "forman_reported_at", "forman_reviewed_at", "forman_decision"])
        _event(episode.case, actor, "forman_review",
               f"Förmannens prövning: frihetsberövandet {'ska bestå' if decision == 'continue' else 'ska upphöra'}.",
               citation=rules.format_citation("PL", "15"), public=False, now=now)
        audit.record(actor, "custody.forman_review", obj=episode, new={"decision": decision})
    if decision == "release":
        end_episode(actor, episode, reason="Förmannen beslutade att frihetsberövandet ska upphöra.", now=now)
    return episode


def _kin_decision(episode: CustodyEpisode, now: datetime):
    minor = episode.person_age is not None and episode.person_age < 18
    return rules.next_of_kin_notification(rules.NextOfKinFacts(
        ground=episode.ground, started_at=episode.started_at, is_minor=minor,
        lvu_restriction=episode.lvu_restriction))


@refusals_audited("lvu_restriction")
def record_lvu_restriction(actor: Actor, episode: CustodyEpisode, *, restriction: str, told_by: str,
                           now: datetime | None = None) -> CustodyEpisode:
    """A child in an LVU case: record what the social services said about restrictions under 14 § LVU."""
    require_handling_unit(actor, episode.case)
    now = now or timezone.now()
    lvu14 = rules.format_citation("LVU", "14")
    if restriction not in rules.LVU_RESTRICTIONS:
        raise CaseError("Ange vad socialtjänsten har beslutat: inga begränsningar, begränsat umgänge eller hemlig "
                        "vistelseort.", lvu14, 422)
    if not told_by.strip():
        raise CaseError("Ange vem hos socialtjänsten som lämnade uppgiften.", lvu14, 422)
    with transaction.atomic():
        episode.lvu_restriction, episode.lvu_restriction_told_by = restriction, told_by.strip()
        episode.lvu_restriction_at = now
        episode.save(update_fields=["lvu_restriction", "lvu_restriction_told_by", "lvu_restriction_at"])
        _event(episode.case, actor, "lvu_restriction",
               f"Socialtjänsten ({episode.lvu_restriction_told_by}): {rules.LVU_RESTRICTIONS[restriction]}.",
               citation=lvu14, public=False, now=now)
        audit.record(actor, "custody.lvu_restriction", obj=episode, new={"restriction": restriction})
    return episode


@refusals_audited("next_of_kin")
def next_of_kin(actor: Actor, episode: CustodyEpisode, *, notified: bool, exception: str = "",
                via_social_services: bool = False, whereabouts_withheld: bool = False,
                now: datetime | None = None) -> CustodyEpisode:
    """17 a § PL: record the notification, or the exception that applies. For a child in an LVU case the
    restrictions under 14 § LVU are asked first and followed."""
    require_handling_unit(actor, episode.case)
    now = now or timezone.now()
    if not notified and exception not in ("person_objects", "investigation_would_be_harmed", "no_reason"):
        raise CaseError("Ange varför närstående inte underrättas.", rules.format_citation("PL", "17 a"), 422)
    decision = _kin_decision(episode, now)
    if notified and decision.status == "ask_lvu_restrictions":
        raise CaseError(" ".join(c.message for c in decision.checks if not c.ok), rules.format_citation("LVU", "14"),
                        409)
    if notified and decision.status == "notify_via_social_services" and not via_social_services:
        raise CaseError("Umgänget är begränsat enligt 14 § LVU: underrättelsen lämnas genom socialtjänsten.",
                        rules.format_citation("LVU", "14"), 409)
    if notified and decision.status == "notify_without_whereabouts" and not whereabouts_withheld:
        raise CaseError("Vistelseorten hålls hemlig enligt 14 § LVU: bekräfta att underrättelsen inte röjde var den "
                        "unge finns.", rules.format_citation("LVU", "14"), 409)
    with transaction.atomic():
        episode.next_of_kin_notified_at = now if notified else None
        episode.next_of_kin_exception = "" if notified else exception
        episode.save(update_fields=["next_of_kin_notified_at", "next_of_kin_exception"])
        how = (" genom socialtjänsten" if via_social_services else "") + (
            " utan att vistelseorten röjdes" if whereabouts_withheld else "")
        _event(episode.case, actor, "next_of_kin",
               f"Närstående underrättade{how}." if notified else f"Närstående underrättas inte ({exception}).",
               citation=rules.format_citation("PL", "17 a"), public=False, now=now)
        audit.record(actor, "custody.next_of_kin", obj=episode, new={"notified": notified, "exception": exception,
                                                                     "via_social_services": via_social_services})
    return episode


def social_services_notified(actor: Actor, holding: Holding, *, note: str, now: datetime | None = None) -> Holding:
    """6 § andra stycket PL: social services told that a young person is held."""
    require_handling_unit(actor, holding.episode.case)
    now = now or timezone.now()
    with transaction.atomic():
        holding.social_services_notified_at = now
        holding.save(update_fields=["social_services_notified_at"])
        _event(holding.episode.case, actor, "social_services_notified", f"Socialtjänsten underrättad: {note}",
               citation=rules.format_citation("PL", "6", 2), public=False, now=now)
        audit.record(actor, "custody.social_services_notified", obj=holding)
    return holding


def _episode_tasks(episode: CustodyEpisode) -> dict:
    minor = episode.person_age is not None and episode.person_age < 18
    return {t.code: t for t in rules.custody_tasks(rules.CustodyFacts(
        ground=episode.ground, started_at=episode.started_at, is_minor=minor))}


def recordable_tasks(episode: CustodyEpisode) -> list[dict]:
    """The 15–16 §§ PL duties of the episode that are recorded with :func:`record_task`, with their state."""
    return [{"code": t.code, "title": t.title, "citation": t.citation or "", "due_at": t.due_at,
             "done": episode.tasks_done.get(t.code)}
            for t in _episode_tasks(episode).values() if t.code in RECORDABLE_TASKS]


@refusals_audited("custody_task")
def record_task(actor: Actor, episode: CustodyEpisode, *, code: str, note: str = "",
                now: datetime | None = None) -> CustodyEpisode:
    """15–16 §§ PL: record that a duty of the custody is done (its reminder is cancelled)."""
    require_handling_unit(actor, episode.case)
    now = now or timezone.now()
    task = _episode_tasks(episode).get(code) if code in RECORDABLE_TASKS else None
    if task is None:
        raise CaseError("Uppgiften gäller inte detta frihetsberövande.", status=422)
    with transaction.atomic():
        episode = CustodyEpisode.objects.select_for_update().get(pk=episode.pk)
        episode.tasks_done = {**episode.tasks_done, code: {"at": now.isoformat(), "by": actor.person_id,
                                                           "note": note.strip()[:500]}}
        episode.save(update_fields=["tasks_done"])
        deadlines.cancel(TASK_DEADLINE, object_type=OBJECT_TYPE, object_id=episode.pk, payload={"code": code},
                         reason="gjort")
        _event(episode.case, actor, "custody_task_done", f"Gjort: {task.title}." + (f" {note.strip()}" if note.strip()
                                                                                      else ""),
               citation=task.citation or "", public=False, now=now)
        audit.record(actor, "custody.task_done", obj=episode, new={"code": code})
    return episode


@refusals_audited("custody_ended")
def end_episode(actor: Actor, episode: CustodyEpisode, *, reason: str, ended_at: datetime | None = None,
                now: datetime | None = None) -> CustodyEpisode:
    require_handling_unit(actor, episode.case)
    now = now or timezone.now()
    ended_at = ended_at or now
    if episode.ended_at is not None:
        return episode
    if ended_at < episode.started_at:
        raise CaseError("Sluttiden ligger före starttiden.", status=422)
    with transaction.atomic():
        episode.ended_at, episode.end_reason = ended_at, reason
        episode.save(update_fields=["ended_at", "end_reason"])
        Holding.objects.filter(episode=episode, ended_at__isnull=True).update(ended_at=ended_at)
        for kind in (*CLOCK_KINDS, TASK_DEADLINE):
            deadlines.cancel(kind, object_type=OBJECT_TYPE, object_id=episode.pk, reason="frihetsberövandet upphörde")
        protocol = Protocol.objects.filter(episode=episode).first()
        if rules.protocol_required("custody") and not (protocol and protocol.complete):
            duties.schedule_duty(PROTOCOL_DEADLINE, object_type=OBJECT_TYPE, object_id=episode.pk,
                                 due_at=ended_at + rules.DEFAULT_TASK_SLAS.protocol_signing,
                                 title="Protokollet över ingripandet är inte undertecknat",
                                 citation=rules.format_citation("PL", "27"))
        duration = rules.format_duration(ended_at - episode.started_at)
        _event(episode.case, actor, "custody_ended", f"Frihetsberövandet upphörde efter {duration}: {reason}",
               public=False, now=now)
        audit.record(actor, "custody.ended", obj=episode, new={"minutes": int((ended_at - episode.started_at)
                                                                              .total_seconds() // 60)})
    return episode


PROTOCOL_FIELDS = ("decided_by_text", "ground_and_time", "participants", "subjects", "intervention_time",
                   "other_events")


def _protocol_facts(episode: CustodyEpisode, p: Protocol) -> rules.ProtocolFacts:
    return rules.ProtocolFacts(
        intervention_type="custody", decided_by=p.decided_by_text, decision_ground=p.ground_and_time,
        decided_at=episode.started_at if p.ground_and_time else None,
        participants=tuple(x.strip() for x in p.participants.split(",") if x.strip()),
        subjects=tuple(x.strip() for x in p.subjects.split(",") if x.strip()),
        started_at=episode.started_at if p.intervention_time else None,
        ended_at=(episode.ended_at or episode.started_at) if p.intervention_time else None,
        narrative=p.other_events, forman=str(episode.forman or "") if p.forman_signed_at or episode.forman_id else "",
    )


@refusals_audited("protocol")
def save_protocol(actor: Actor, episode: CustodyEpisode, *, fields: dict, sign_as: str = "",
                  now: datetime | None = None) -> Protocol:
    """27 § PL: fill in the six items; the decider signs items 1–2, the förman items 3–6."""
    require_handling_unit(actor, episode.case)
    now = now or timezone.now()
    with transaction.atomic():
        p, _ = Protocol.objects.select_for_update().get_or_create(episode=episode)
        changed = {n for n in PROTOCOL_FIELDS if n in fields and (fields[n] or "").strip() != getattr(p, n)}
        locked = set()
        if p.decider_signed_at:
            locked |= set(PROTOCOL_FIELDS[:2])
        if p.forman_signed_at:
            locked |= set(PROTOCOL_FIELDS[2:])
        if changed & locked:
            raise CaseError("Undertecknade punkter i protokollet kan inte ändras. Gör en ändring som en ny version "
                            "av protokollet, med skäl och nya underskrifter.", rules.format_citation("PL", "27"), 409)
        for name in PROTOCOL_FIELDS:
            if name in fields:
                setattr(p, name, (fields[name] or "").strip())
        if sign_as:
            checks = rules.check_protocol(_protocol_facts(episode, p))
            mine = {"decider": ("protocol_item_1", "protocol_item_2"),
                    "forman": ("protocol_item_3", "protocol_item_4", "protocol_item_5", "protocol_item_6")}.get(sign_as)
            if mine is None:
                raise CaseError("Okänd underskrift.", status=422)
            missing = [c for c in checks if c.code in mine and not c.ok]
            if missing:
                raise refusal(missing)
            if sign_as == "decider":
                p.decider_signed_at, p.decider_signed_by_id = now, actor.person_id
            else:
                p.forman_signed_at, p.forman_signed_by_id = now, actor.person_id
                if episode.forman_id is None:
                    episode.forman_id = actor.person_id
                    episode.save(update_fields=["forman"])
        p.save()
        if p.complete:
            deadlines.cancel(PROTOCOL_DEADLINE, object_type=OBJECT_TYPE, object_id=episode.pk, reason="undertecknat")
        audit.record(actor, "custody.protocol", obj=p, new={"signed": sign_as or None})
    return p


@refusals_audited("protocol_amended")
def amend_protocol(actor: Actor, episode: CustodyEpisode, *, fields: dict, reason: str,
                   now: datetime | None = None) -> Protocol:
    """A signed protocol is never edited: the signed version is kept unchanged and the amendment becomes the
    next version, which needs its own signatures; the case's timeline shows the amendment."""
    require_handling_unit(actor, episode.case)
    now = now or timezone.now()
    if len((reason or "").strip()) < 10:
        raise CaseError("Ange skälet till att protokollet ändras.", status=422)
    with transaction.atomic():
        p = Protocol.objects.select_for_update().filter(episode=episode).first()
        if p is None or not p.complete:
            raise CaseError("Bara ett undertecknat protokoll ändras genom en ny version; ändra utkastet direkt.",
                            status=409)
        ProtocolVersion.objects.create(
            protocol=p, version=p.version, text={n: getattr(p, n) for n in PROTOCOL_FIELDS},
            amendment_reason=p.amendment_reason, decider_signed_at=p.decider_signed_at,
            decider_signed_by_id=p.decider_signed_by_id, forman_signed_at=p.forman_signed_at,
            forman_signed_by_id=p.forman_signed_by_id, superseded_at=now, superseded_by_id=actor.person_id)
        for name in PROTOCOL_FIELDS:
            if name in fields:
                setattr(p, name, (fields[name] or "").strip())
        p.version += 1
        p.amendment_reason = reason.strip()
        p.decider_signed_at = p.decider_signed_by = p.forman_signed_at = p.forman_signed_by = None
        p.save()
        _event(episode.case, actor, "protocol_amended",
               f"Protokollet (27 § PL) ändrat till version {p.version}, som ska undertecknas på nytt: {p.amendment_reason}",
               citation=rules.format_citation("PL", "27"), public=False, now=now)
        audit.record(actor, "custody.protocol_amended", obj=p, reason=reason, new={"version": p.version})
    return p


@refusals_audited("power_use")
def record_power_use(actor: Actor, case, *, kind: str, at: datetime | None = None, by_whom: str = "",
                     necessity: str = "", duration_minutes: int | None = None, injuries: str = "",
                     prior_decision: str = "", urgent: bool = False, night_reason: str = "",
                     sign: bool = False, now: datetime | None = None):
    """Record a police power used in the case with the protocol it needs (27–28 §§ PL); signed, it is final."""
    from .models import PowerUse
    from .rules import powers

    require_handling_unit(actor, case)
    now = now or timezone.now()
    at = at or now
    facts = powers.PowerFacts(kind=kind, at=timezone.localtime(at), by_whom=by_whom, necessity=necessity,
                              duration_minutes=duration_minutes, injuries=injuries, prior_decision=prior_decision,
                              urgent=urgent, night_reason=night_reason)
    failed = [c for c in powers.check_power_use(facts) if not c.ok]
    if failed:
        raise CaseError(" ".join(c.message for c in failed), failed[0].citation, 422)
    with transaction.atomic():
        episode = CustodyEpisode.objects.filter(case=case, ended_at__isnull=True).order_by("-started_at").first()
        use = PowerUse.objects.create(
            case=case, episode=episode, kind=kind, citation=powers.power_citation(kind),
            protocol_citation=powers.protocol_citation(kind), at=at, by_whom=by_whom.strip(),
            necessity=necessity.strip(), duration_minutes=duration_minutes, injuries=injuries.strip(),
            prior_decision=prior_decision.strip(), urgent=urgent, night_reason=night_reason.strip(),
            recorded_by_id=actor.person_id, recorded_at=now,
            signed_at=now if sign else None, signed_by_id=actor.person_id if sign else None)
        _event(case, actor, "power_used",
               f"{powers.POWER_LABELS[kind].capitalize()} ({use.citation}) {timezone.localtime(at):%H:%M} av "
               f"{use.by_whom}; protokoll enligt {use.protocol_citation}.", citation=use.citation, public=False,
               now=now, data={"power": kind, "power_use": use.pk})
        audit.record(actor, "custody.power_used", obj=case, new={"kind": kind, "power_use": use.pk})
    return case


def protocol_checks(episode: CustodyEpisode) -> list:
    p = getattr(episode, "protocol", None) or Protocol(episode=episode)
    return rules.check_protocol(_protocol_facts(episode, p))


# --------------------------------------------------------------------------- deadlines


def _clock_handler(deadline, now: datetime) -> str:
    episode = CustodyEpisode.objects.select_related("case", "case__unit").get(pk=int(deadline.object_id))
    if episode.ended_at is not None:
        return "frihetsberövandet har upphört"
    p = deadline.payload
    if deadline.kind == "custody.custody_reassessment":
        since = episode.reassessments.filter(at__gte=deadline.created_at).exists()
        if since:
            return "omprövning gjord"
    text = p.get("message") or "Tidsgräns för frihetsberövande."
    _event(episode.case, SYSTEM_ACTOR, "custody_alert", text, citation=p.get("citation", ""), public=False, now=now)
    audit.record(SYSTEM_ACTOR, "custody.alert", obj=episode, reason=text, new={"key": p.get("key"),
                                                                               "severity": p.get("severity")})
    notify_unit(episode.case, episode.case.unit, "custody.alert", text)
    return text


for _kind in CLOCK_KINDS:
    deadlines.register(_kind)(_clock_handler)


@deadlines.register(TASK_DEADLINE)
def _task_handler(deadline, now: datetime) -> str:
    episode = CustodyEpisode.objects.select_related("case", "case__unit").get(pk=int(deadline.object_id))
    code = deadline.payload.get("code", "")
    holding = episode.holdings.filter(pk=deadline.payload.get("holding")).first()
    done = {
        "report_to_forman": episode.forman_reported_at is not None,
        "forman_review": episode.forman_reviewed_at is not None,
        "notify_next_of_kin": episode.next_of_kin_notified_at is not None or bool(episode.next_of_kin_exception),
        "notify_social_services": holding is not None and holding.social_services_notified_at is not None,
    }.get(code, code in episode.tasks_done)
    return duties.remind_then_escalate(
        deadline, now, case=episode.case, done=done or episode.ended_at is not None, event="custody_task_overdue",
        text=f"Uppgift inte gjord i tid: {deadline.payload.get('title', code)}", audit_action="custody.task_overdue",
        audit_obj=episode)


@deadlines.register(PROTOCOL_DEADLINE)
def _protocol_handler(deadline, now: datetime) -> str:
    """27 § PL: the protocol of an ended custody is not signed by both the decider and the förman."""
    episode = CustodyEpisode.objects.select_related("case", "case__unit").get(pk=int(deadline.object_id))
    protocol = Protocol.objects.filter(episode=episode).first()
    return duties.remind_then_escalate(deadline, now, case=episode.case, done=bool(protocol and protocol.complete),
                                       event="protocol_overdue", audit_action="custody.protocol_overdue",
                                       audit_obj=episode)
