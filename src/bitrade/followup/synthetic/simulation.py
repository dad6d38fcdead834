"""One case: its request, completion questions, timeline, decision, execution and outcome, cut at ``until``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bitrade.cases import rules as case_rules

from ..rules import STOCKHOLM
from .calibration import (
    ACK_DUE,
    ACK_MEDIAN,
    ASSIGN_DUE,
    ASSIGN_MEDIAN,
    CHANNELS,
    COMPLETION_UNANSWERED,
    DECISION_MEDIAN,
    EPISODE_RATE,
    EPISODE_RATE_DEFAULT,
    FAKE_SURNAMES,
    FIRST_NAMES,
    LATE_ACK_RATE,
    LATE_ASSIGNMENT_RATE,
    NEVER_CLOSED,
    NOT_FOUND_RATE,
    OTHER_STREAMS,
    OUTCOME_SHARES,
    OVERRULE_RATE,
    PATROL_MEAN_MINUTES,
    PATROL_MISSING,
    PATROL_SIGMA,
    POLICE_COMPLETION_SHARE,
    PRIORITY_SHARES,
    REFUSAL_RATE,
    REPORT_BACK_LATE,
    REPORT_BACK_LATE_DEFAULT,
    RETURN_DRIVE_MEDIAN,
    REVIEW_OUTCOMES,
    RISK_LEVELS,
    SECOND_ESCALATION,
    URGENCY_FOR_PRIORITY,
    WITHDRAWN_BEFORE_EXECUTION,
)
from .dice import Dice, _minutes
from .episodes import _custody
from .volume import Stream
from .world import World

# --------------------------------------------------------------------------- one case


@dataclass
class Generated:
    case: dict
    request: dict
    police_area_id: int | None = None
    questions: list = field(default_factory=list)
    events: list = field(default_factory=list)
    episodes: list = field(default_factory=list)  # (episode, [holdings], protocol or None, [orders with legs])


def _age(dice: Dice, stream: Stream) -> int:
    if stream.law == "LVU":
        if stream.key == "LVU-43-1-3":
            return dice.randint(13, 20)
        return dice.pick(((dice.randint(2, 11), 0.15), (dice.randint(12, 17), 0.70), (dice.randint(18, 20), 0.15)))
    if stream.law == "LPT":
        if dice.chance(0.05):
            return dice.randint(13, 17)
        return dice.pick(((dice.randint(18, 24), 0.18), (dice.randint(25, 44), 0.42), (dice.randint(45, 64), 0.28),
                          (dice.randint(65, 90), 0.12)))
    if stream.law in ("LRV", "LVM"):
        return dice.randint(20, 70)
    if stream.key == "OTHER-FB":
        return dice.randint(2, 15)
    return dice.randint(18, 65)


def _name(dice: Dice) -> str:
    return f"{dice.choice(FIRST_NAMES)} {dice.choice(FAKE_SURNAMES)}"


def _requester(world: World, dice: Dice, stream: Stream, muni, age: int):
    rid = muni.police_area.region_id
    county = muni.county.code
    k = stream.key
    if stream.law in ("LPT",):
        if k == "LPT-47-2-7":
            return world.socialstyrelsen, "socialstyrelsen_officer"
        clinic = world.child_clinics[county] if age < 18 else world.clinics[county]
        role = "physician" if k in ("LPT-47-2-1", "LPT-47-2-2") and dice.chance(0.6) else "chief_physician"
        return clinic, role
    if stream.law == "LRV":
        return world.forensic[rid], "chief_physician"
    if k in ("LVM-45-1-1", "LVU-43-1-1") and dice.chance(0.1):
        return world.courts[rid], "court_official"
    if k in ("LVM-45-1-1", "LVM-45-1-2", "LVU-43-1-1", "LVU-43-1-2"):
        return world.social[muni.id], dice.pick((("social_services_official", 0.8), ("appointed_official", 0.12),
                                                  ("board_chair", 0.08)))
    if k == "LVM-45-1-3":
        return world.clinics[county], "head_of_operations"
    if k == "LVM-45-1-4":
        return world.sis_lvm[rid], "sis_officer"
    if k == "LVU-43-1-3":
        return world.sis_youth[rid], "sis_officer"
    if k == "OTHER-UTL":
        return world.migration, "migration_officer"
    if k == "OTHER-TILLSYN":
        return world.social[muni.id], "appointed_official"
    return world.district_courts[rid], "court_official"


def _open_group(world: World, area_id, local: datetime):
    group = world.area_groups.get(area_id)
    if group is None:
        return None
    for weekday, opens, closes in world.group_hours.get(group.id, ()):
        if local.weekday() == weekday and opens <= local.time() < closes:
            return group
    return None


def _review(world: World, stream: Stream, outcome: str) -> dict:
    key = (stream.key, outcome)
    if key not in world.review_cache:
        entry = world.catalogue.get(stream.key) if stream.law else None
        world.review_cache[key] = {
            "outcome": outcome,
            "legal_basis": None if entry is None else {
                "key": entry.key, "law": entry.law, "sfs": entry.sfs, "section": entry.section,
                "paragraph": entry.paragraph, "point": entry.point, "citation": entry.citation},
            "checks": [], "questions": [], "competent_deciders": list(entry.competent_deciders) if entry else [],
            "kriminalvarden_transport": entry.kriminalvarden_transport if entry else None,
            "case_code": stream.case_code, "synthetic": True,
        }
    return world.review_cache[key]


def _decider_function(unit, law: str) -> str:
    if unit.kind == "rlc":
        return "rlc_commander" if law in ("LPT", "LRV", "") else "duty_officer"
    if unit.kind == "assistance_group":
        return "level2_manager"
    return "station_commander"


@dataclass
class _Timeline:
    events: list = field(default_factory=list)
    state: str = ""

    def add(self, at: datetime, action: str, to_state: str | None = None, text: str = "", *, actor: str = "",
            function: str = "", public: bool = True):
        frm = self.state
        if to_state is not None:
            self.state = to_state
        self.events.append((at, action, frm if to_state is not None else "", to_state or "", text, actor, function,
                            public))


def generate_case(world: World, dice: Dice, stream: Stream, received: datetime, seq_ref: str,
                  until: datetime) -> Generated:
    """One case with its request, questions, timeline, custody and transports, consistent up to ``until``."""
    muni = world.municipality(dice)
    area_id = muni.police_area_id
    region_id = muni.police_area.region_id
    region = world.regions[region_id]
    age = _age(dice, stream)
    org, role = _requester(world, dice, stream, muni, age)
    priority = dice.pick(PRIORITY_SHARES.get(stream.key) or PRIORITY_SHARES["other" if not stream.law else "default"])
    local = received.astimezone(STOCKHOLM)
    if priority in (1, 2):
        unit = world.rlc[region_id]
    else:
        unit = _open_group(world, area_id, local) or world.area_sb.get(area_id) or world.rlc[region_id]
    review_outcome = dice.pick(REVIEW_OUTCOMES)
    tl = _Timeline()
    t = received
    initial = case_rules.COMPLETION_REQUESTED if review_outcome == "needs_completion" else case_rules.RECEIVED
    tl.add(t, "received", initial, f"Begäran mottagen och styrd till {unit.name}.", actor="Biträde (automatiskt)")
    questions = []
    ack_due = received + timedelta(minutes=ACK_DUE[priority])
    acknowledged_at = None
    escalations = 0
    # completion asked by the formal review at receipt
    answered_at = None
    if review_outcome == "needs_completion":
        if dice.chance(1 - COMPLETION_UNANSWERED):
            answered_at = t + _minutes(dice.lognormal_median(90, 0.9))
        questions.append((t, answered_at))
        if answered_at is not None:
            tl.add(answered_at, case_rules.COMPLETE, case_rules.RECEIVED, "Begärande myndighet har kompletterat.",
                   actor=org.name)
            t = answered_at
            ack_due = t + timedelta(minutes=ACK_DUE[priority])
    unit_function = _decider_function(unit, stream.law)
    decision_text_actor = f"{unit.name}"
    withdrawn = False
    if review_outcome == "needs_completion" and answered_at is None:
        # Never answered: refused for lack of the completion, or withdrawn by the requester.
        if dice.chance(0.6):
            acknowledged_at = None
            decided_at = t + _minutes(dice.lognormal_median(48 * 60, 0.5))
            decision = case_rules.REFUSED
            refusal_check = dice.choice(("conditions_stated", "documents_attached", "measures_described"))
        else:
            withdrawn = True
            decided_at = None
            decision = ""
            refusal_check = ""
    else:
        late = dice.chance(LATE_ACK_RATE)
        if late and unit.kind != "rlc":
            escalations = 2 if dice.chance(SECOND_ESCALATION) else 1
            at = ack_due
            for _ in range(escalations):
                new_unit = (world.area_sb.get(area_id) if unit.kind == "assistance_group" else None) or \
                    world.rlc[region_id]
                if new_unit.id == unit.id:
                    break
                tl.add(at, "escalated", None, f"Inte kvitterad i tid: eskalerad från {unit.name} till {new_unit.name}.",
                       actor="Biträde (automatiskt)", public=False)
                unit = new_unit
                ack_due = at + timedelta(minutes=ACK_DUE[priority])
                at = ack_due
            acknowledged_at = ack_due - timedelta(minutes=ACK_DUE[priority]) + _minutes(
                min(dice.lognormal_median(ACK_MEDIAN[priority], 0.6), ACK_DUE[priority] * 0.9))
            unit_function = _decider_function(unit, stream.law)
        elif late:
            acknowledged_at = ack_due + _minutes(dice.lognormal_median(10, 0.8))
        else:
            acknowledged_at = t + _minutes(min(dice.lognormal_median(ACK_MEDIAN[priority], 0.8),
                                               ACK_DUE[priority] * 0.95))
        tl.add(acknowledged_at, case_rules.ACKNOWLEDGE, case_rules.ACKNOWLEDGED, f"Kvitterad av {unit.name}.",
               actor=decision_text_actor, function=unit_function)
        t = acknowledged_at
        if review_outcome == "admissible" and dice.chance(POLICE_COMPLETION_SHARE):
            asked = t + _minutes(dice.lognormal_median(10, 0.5))
            tl.add(asked, case_rules.REQUEST_COMPLETION, case_rules.COMPLETION_REQUESTED,
                   "Polisen behöver veta mer om var personen kan antas finnas.", actor=decision_text_actor,
                   function=unit_function)
            answered = asked + _minutes(dice.lognormal_median(60, 0.8))
            questions.append((asked, answered))
            tl.add(answered, case_rules.COMPLETE, case_rules.ACKNOWLEDGED, "Begärande myndighet har kompletterat.",
                   actor=org.name)
            t = answered
        decided_at = t + _minutes(dice.lognormal_median(DECISION_MEDIAN[priority], 0.9))
        decision = case_rules.REFUSED if dice.chance(REFUSAL_RATE[review_outcome]) else case_rules.GRANTED
        refusal_check = ""
        if decision == case_rules.REFUSED:
            refusal_check = ("legal_basis_valid" if not stream.law else dice.pick((
                ("requester_competent", 0.25), ("legal_basis_valid", 0.2), ("measures_described", 0.2),
                ("conditions_stated", 0.2), ("documents_attached", 0.1), ("person_identified", 0.05))))
    if decided_at is not None:
        if dice.chance(OVERRULE_RATE):
            first = case_rules.REFUSED if decision == case_rules.GRANTED else case_rules.GRANTED
            tl.add(decided_at, case_rules.GRANT if first == case_rules.GRANTED else case_rules.REFUSE, first,
                   "Beviljad." if first == case_rules.GRANTED else "Avslag.", actor=decision_text_actor,
                   function=unit_function)
            decided_at = decided_at + _minutes(dice.uniform(30, 180))
            tl.add(decided_at, case_rules.OVERRULE, decision, "Beslutet ändrat av vakthavande befäl.",
                   actor=f"Vakthavande befäl {region.name.removeprefix('Region ')}", function="duty_officer")
        else:
            tl.add(decided_at, case_rules.GRANT if decision == case_rules.GRANTED else case_rules.REFUSE, decision,
                   "Beviljad." if decision == case_rules.GRANTED else
                   f"Avslag: {case_rules.FORMAL_CHECKS.get(refusal_check, '')}.", actor=decision_text_actor,
                   function=unit_function)
    assign_due = assigned_at = started = outcome_at = informed_at = closed_at = None
    risk_level = dice.pick(RISK_LEVELS)
    resource = ""
    outcome = ""
    patrol = None
    wanted = ""
    episodes = []
    if withdrawn:
        outcome_at = t + _minutes(dice.lognormal_median(24 * 60, 0.8))
        outcome, informed_at = case_rules.OUTCOME_WITHDRAWN, outcome_at
        tl.add(outcome_at, case_rules.WITHDRAW, case_rules.NOT_EXECUTED, "Begäran återkallad av begärande myndighet.",
               actor=org.name)
    elif decision == case_rules.GRANTED:
        assign_due = decided_at + timedelta(minutes=ASSIGN_DUE[priority])
        if dice.chance(WITHDRAWN_BEFORE_EXECUTION):
            outcome_at = decided_at + _minutes(dice.lognormal_median(6 * 60, 1.0))
            outcome, informed_at = case_rules.OUTCOME_WITHDRAWN, outcome_at
            tl.add(outcome_at, case_rules.WITHDRAW, case_rules.NOT_EXECUTED,
                   "Begäran återkallad av begärande myndighet.", actor=org.name)
        else:
            if dice.chance(LATE_ASSIGNMENT_RATE):
                assigned_at = assign_due + _minutes(dice.lognormal_median(ASSIGN_DUE[priority] * 0.5, 0.8))
            else:
                assigned_at = decided_at + _minutes(min(dice.lognormal_median(ASSIGN_MEDIAN[priority], 0.7),
                                                        ASSIGN_DUE[priority] * 0.95))
            resource = (unit.name if unit.kind == "assistance_group" else
                        f"Patrull {muni.police_area.name.removeprefix('Polisområde ')} {dice.randint(1100, 9899)}")
            tl.add(assigned_at, case_rules.ASSIGN, case_rules.ASSIGNED, f"Resurs tilldelad: {resource}.",
                   actor=decision_text_actor, function=unit_function)
            active = dice.lognormal_median(PATROL_MEAN_MINUTES * math.exp(-PATROL_SIGMA ** 2 / 2), PATROL_SIGMA)
            started = assigned_at + _minutes(min(active * 0.25, dice.lognormal_median(20, 0.6)))
            tl.add(started, case_rules.START_EXECUTION, case_rules.IN_EXECUTION, "Verkställigheten påbörjad.",
                   actor=decision_text_actor, function="officer")
            finish = assigned_at + _minutes(active)
            if dice.chance(NOT_FOUND_RATE):
                wanted = f"NEPU-SYN-{dice.randint(100000, 999999)}"
                tl.add(started + _minutes(45), case_rules.RECORD_NOT_FOUND, case_rules.IN_EXECUTION,
                       f"Personen påträffades inte. Efterlyst ({wanted}).", actor=decision_text_actor,
                       function="officer")
                finish = finish + _minutes(dice.lognormal_median(2 * 24 * 60, 0.8))
            outcome = dice.pick(OUTCOME_SHARES)
            outcome_at = finish
            if outcome == case_rules.OUTCOME_NEED_ENDED:
                outcome_at = started + (finish - started) * 0.5
            returning = dice.lognormal_median(RETURN_DRIVE_MEDIAN, 0.5)
            patrol_active = (outcome_at - assigned_at).total_seconds() / 60
            if wanted:
                patrol_active = min(patrol_active, active * 1.3)
            patrol = None if dice.chance(PATROL_MISSING) else max(1, round(patrol_active + returning))
            if outcome in (case_rules.OUTCOME_EXECUTED, case_rules.OUTCOME_HEALTH_CARE) and stream.law and \
                    dice.chance(EPISODE_RATE.get(stream.key, EPISODE_RATE_DEFAULT)):
                ep_start = max(started, outcome_at - _minutes(dice.uniform(30, 150)))
                episodes.append(_custody(world, dice, stream, region_id, ep_start, outcome_at, age, muni))
                outcome_at = max(outcome_at, episodes[-1]["ended"])
            tl.add(outcome_at, case_rules.RECORD_OUTCOME, case_rules.OUTCOME_STATE[outcome],
                   case_rules.OUTCOME_LABELS[outcome] + ".", actor=decision_text_actor, function="officer")
            late = dice.chance(REPORT_BACK_LATE.get(outcome, REPORT_BACK_LATE_DEFAULT))
            informed_at = outcome_at + _minutes(dice.lognormal_median(3 * 24 * 60, 0.7) if late else
                                                min(dice.lognormal_median(40, 0.8), 20 * 60))
            tl.add(informed_at, "requester_informed", None, "Begärande myndighet underrättad om utfallet.",
                   actor=decision_text_actor, function=unit_function)
    elif decision == case_rules.REFUSED:
        informed_at = decided_at + _minutes(min(dice.lognormal_median(20, 0.8), 20 * 60))
        tl.add(informed_at, "requester_informed", None, "Begärande myndighet underrättad om avslaget.",
               actor=decision_text_actor, function=unit_function)
    final_at = max(x for x in (informed_at, outcome_at, decided_at) if x is not None) if (
        informed_at or outcome_at or decided_at) else None
    if final_at is not None and tl.state in (case_rules.EXECUTED, case_rules.NOT_EXECUTED, case_rules.REFUSED) and \
            not dice.chance(NEVER_CLOSED):
        closed_at = final_at + _minutes(dice.lognormal_median(20 * 60, 0.9))
        tl.add(closed_at, case_rules.CLOSE, case_rules.CLOSED, "Ärendet är avslutat.", actor=decision_text_actor,
               function=unit_function)

    # ---- cut at ``until``: nothing after it has happened yet
    state = initial
    for ev in tl.events:
        if ev[0] <= until and ev[3]:
            state = ev[3]

    def upto(x):
        return x if x is not None and x <= until else None

    events = [ev for ev in tl.events if ev[0] <= until]
    esc_count = sum(1 for ev in events if ev[1] == "escalated")
    overrule_count = sum(1 for ev in events if ev[1] == case_rules.OVERRULE)
    decided_at_cut = max((ev[0] for ev in events if ev[1] in (case_rules.GRANT, case_rules.REFUSE,
                                                               case_rules.OVERRULE)), default=None)
    decision_cut = ""
    for ev in events:
        if ev[1] in (case_rules.GRANT, case_rules.REFUSE, case_rules.OVERRULE):
            decision_cut = ev[3]
    outcome_cut = outcome if upto(outcome_at) else ""
    case = dict(
        public_id=dice.uid(), reference_number=seq_ref, case_code=stream.case_code, state=state, received_at=received,
        region_id=region_id, unit_id=unit.id, routing_rule_name="Syntetiska data",
        routing_reasons=["Genererat ärende (syntetiska data)."], priority=priority, ack_due_at=ack_due,
        acknowledged_at=upto(acknowledged_at), escalation_count=esc_count, decision=decision_cut,
        decided_at=decided_at_cut, decided_function=unit_function if decision_cut else "",
        refusal_check=refusal_check if decision_cut == case_rules.REFUSED else "",
        overrule_count=overrule_count, risk_level=risk_level if upto(decided_at) else "",
        assigned_at=upto(assigned_at), assign_due_at=assign_due if decision_cut == case_rules.GRANTED else None,
        resource=resource if upto(assigned_at) else "",
        outcome=outcome_cut, outcome_at=upto(outcome_at) if outcome_cut else None,
        requester_informed_at=upto(informed_at), wanted_notice_reference=wanted if started and upto(
            started + _minutes(45)) else "", patrol_minutes=patrol if outcome_cut else None,
        closed_at=upto(closed_at), updated_at=max(ev[0] for ev in events),
    )
    first, last = dice.choice(FIRST_NAMES), dice.choice(FAKE_SURNAMES)
    birth = (received.astimezone(STOCKHOLM).date() - timedelta(days=int(age * 365.25 + dice.randint(1, 360))))
    entry_text = (world.catalogue.get(stream.key).citation if stream.law else OTHER_STREAMS[stream.key][2])
    request = dict(
        public_id=dice.uid(), channel=dice.pick(CHANNELS), organisation_id=org.id, requester_name=_name(dice),
        requester_role=role, requester_phone="010-000 00 00", legal_basis_text=entry_text,
        legal_basis_key=stream.key if stream.law else "", law=stream.law, person_identity_number="",
        person_name=f"{first} {last}", person_birth_date=birth, person_age=age,
        protected_identity=dice.chance(0.01), location_address=f"Exempelgatan {dice.randint(1, 99)}, {muni.name}",
        location_municipality_id=muni.id, destination="Vårdinrättningen enligt begäran",
        measures="Syntetiskt ärende: hämta personen och föra hen till vårdinrättningen.",
        police_powers_reason="Syntetiskt ärende: personen väntas göra motstånd.",
        requested_urgency=URGENCY_FOR_PRIORITY[priority], review_outcome=review_outcome,
        review=_review(world, stream, review_outcome),
    )
    gen = Generated(case=case, request=request, police_area_id=area_id, events=events)
    for asked, answered in questions:
        if asked <= until:
            gen.questions.append(dict(
                check_code="conditions_stated", field="police_powers_reason",
                question="Ange varför polisens särskilda befogenheter behövs.", asked_at=asked,
                answer="Personen har tidigare gjort motstånd." if upto(answered) else "",
                answered_at=upto(answered)))
    for ep in episodes:
        if ep["started"] <= until:
            gen.episodes.append(ep)
    return gen
