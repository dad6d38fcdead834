"""One case: its request, completion questions, timeline, decision, execution and outcome, cut at ``until``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bitrade.assistance import rules as case_rules

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
    """One case with its request, questions, timeline, custody and transports, consistent up to ``until``.

    The phases below draw from ``dice`` in a fixed order: the same seed gives the same case."""
    sim = _receive(world, dice, stream, received)
    _completion_at_receipt(sim)
    sim.unit_function = _decider_function(sim.unit, stream.law)
    sim.actor = f"{sim.unit.name}"
    if sim.review_outcome == "needs_completion" and sim.answered_at is None:
        _never_completed(sim)
    else:
        _acknowledge(sim)
        _police_completion(sim)
        _decide(sim)
    if sim.decided_at is not None:
        _record_decision(sim)
    sim.risk_level = dice.pick(RISK_LEVELS)
    if sim.withdrawn:
        _withdraw(sim, sim.t + _minutes(dice.lognormal_median(24 * 60, 0.8)))
    elif sim.decision == case_rules.GRANTED:
        _carry_out(sim)
    elif sim.decision == case_rules.REFUSED:
        sim.informed_at = sim.decided_at + _minutes(min(dice.lognormal_median(20, 0.8), 20 * 60))
        sim.tl.add(sim.informed_at, "requester_informed", None, "Begärande myndighet underrättad om avslaget.",
                   actor=sim.actor, function=sim.unit_function)
    _close(sim)
    return _cut(sim, seq_ref, until)


@dataclass
class _Sim:
    """The case being simulated: what the phases of :func:`generate_case` read and write."""

    world: World
    dice: Dice
    stream: Stream
    received: datetime
    muni: Any
    age: int
    org: Any
    role: str
    priority: int | None
    unit: Any
    review_outcome: str
    initial: str
    t: datetime
    ack_due: datetime
    tl: _Timeline = field(default_factory=_Timeline)
    questions: list = field(default_factory=list)
    unit_function: str = ""
    actor: str = ""  # the unit the case was first routed to (or the one after a completion), not escalations
    answered_at: datetime | None = None
    acknowledged_at: datetime | None = None
    withdrawn: bool = False
    decided_at: datetime | None = None
    decision: str = ""
    refusal_check: str = ""
    risk_level: str = ""
    assign_due: datetime | None = None
    assigned_at: datetime | None = None
    started: datetime | None = None
    outcome: str = ""
    outcome_at: datetime | None = None
    informed_at: datetime | None = None
    closed_at: datetime | None = None
    resource: str = ""
    patrol: int | None = None
    wanted: str = ""
    episodes: list = field(default_factory=list)

    @property
    def area_id(self):
        return self.muni.police_area_id

    @property
    def region_id(self):
        return self.muni.police_area.region_id


def _receive(world: World, dice: Dice, stream: Stream, received: datetime) -> _Sim:
    """Where and who: the municipality, the person's age, the requester, the priority and the routed unit."""
    muni = world.municipality(dice)
    area_id = muni.police_area_id
    region_id = muni.police_area.region_id
    age = _age(dice, stream)
    org, role = _requester(world, dice, stream, muni, age)
    priority = dice.pick(PRIORITY_SHARES.get(stream.key) or PRIORITY_SHARES["other" if not stream.law else "default"])
    local = received.astimezone(STOCKHOLM)
    if priority in (1, 2):
        unit = world.rlc[region_id]
    else:
        unit = _open_group(world, area_id, local) or world.area_sb.get(area_id) or world.rlc[region_id]
    review_outcome = dice.pick(REVIEW_OUTCOMES)
    initial = case_rules.COMPLETION_REQUESTED if review_outcome == "needs_completion" else case_rules.RECEIVED
    sim = _Sim(world=world, dice=dice, stream=stream, received=received, muni=muni, age=age, org=org, role=role,
               priority=priority, unit=unit, review_outcome=review_outcome, initial=initial, t=received,
               ack_due=received + timedelta(minutes=ACK_DUE[priority]))
    sim.tl.add(received, "received", initial, f"Begäran mottagen och styrd till {unit.name}.",
               actor="Biträde (automatiskt)")
    return sim


def _completion_at_receipt(sim: _Sim) -> None:
    """Completion asked by the formal review at receipt; most requesters answer."""
    if sim.review_outcome != "needs_completion":
        return
    dice = sim.dice
    if dice.chance(1 - COMPLETION_UNANSWERED):
        sim.answered_at = sim.t + _minutes(dice.lognormal_median(90, 0.9))
    sim.questions.append((sim.t, sim.answered_at))
    if sim.answered_at is not None:
        sim.tl.add(sim.answered_at, case_rules.COMPLETE, case_rules.RECEIVED, "Begärande myndighet har kompletterat.",
                   actor=sim.org.name)
        sim.t = sim.answered_at
        sim.ack_due = sim.t + timedelta(minutes=ACK_DUE[sim.priority])


def _never_completed(sim: _Sim) -> None:
    """Never answered: refused for lack of the completion, or withdrawn by the requester."""
    dice = sim.dice
    if dice.chance(0.6):
        sim.acknowledged_at = None
        sim.decided_at = sim.t + _minutes(dice.lognormal_median(48 * 60, 0.5))
        sim.decision = case_rules.REFUSED
        sim.refusal_check = dice.choice(("conditions_stated", "documents_attached", "measures_described"))
    else:
        sim.withdrawn = True


def _acknowledge(sim: _Sim) -> None:
    """Acknowledged in time, late, or escalated (from a group to the station commander, then the RLC)."""
    dice, priority, unit = sim.dice, sim.priority, sim.unit
    late = dice.chance(LATE_ACK_RATE)
    if late and unit.kind != "rlc":
        escalations = 2 if dice.chance(SECOND_ESCALATION) else 1
        at = sim.ack_due
        for _ in range(escalations):
            new_unit = (sim.world.area_sb.get(sim.area_id) if unit.kind == "assistance_group" else None) or \
                sim.world.rlc[sim.region_id]
            if new_unit.id == unit.id:
                break
            sim.tl.add(at, "escalated", None, f"Inte kvitterad i tid: eskalerad från {unit.name} till {new_unit.name}.",
                       actor="Biträde (automatiskt)", public=False)
            unit = new_unit
            sim.ack_due = at + timedelta(minutes=ACK_DUE[priority])
            at = sim.ack_due
        sim.unit = unit
        acknowledged_at = sim.ack_due - timedelta(minutes=ACK_DUE[priority]) + _minutes(
            min(dice.lognormal_median(ACK_MEDIAN[priority], 0.6), ACK_DUE[priority] * 0.9))
        sim.unit_function = _decider_function(unit, sim.stream.law)
    elif late:
        acknowledged_at = sim.ack_due + _minutes(dice.lognormal_median(10, 0.8))
    else:
        acknowledged_at = sim.t + _minutes(min(dice.lognormal_median(ACK_MEDIAN[priority], 0.8),
                                               ACK_DUE[priority] * 0.95))
    sim.acknowledged_at = acknowledged_at
    sim.tl.add(acknowledged_at, case_rules.ACKNOWLEDGE, case_rules.ACKNOWLEDGED, f"Kvitterad av {unit.name}.",
               actor=sim.actor, function=sim.unit_function)
    sim.t = acknowledged_at


def _police_completion(sim: _Sim) -> None:
    """Now and then the police ask the requester a question about an admissible request."""
    dice = sim.dice
    if sim.review_outcome == "admissible" and dice.chance(POLICE_COMPLETION_SHARE):
        asked = sim.t + _minutes(dice.lognormal_median(10, 0.5))
        sim.tl.add(asked, case_rules.REQUEST_COMPLETION, case_rules.COMPLETION_REQUESTED,
                   "Polisen behöver veta mer om var personen kan antas finnas.", actor=sim.actor,
                   function=sim.unit_function)
        answered = asked + _minutes(dice.lognormal_median(60, 0.8))
        sim.questions.append((asked, answered))
        sim.tl.add(answered, case_rules.COMPLETE, case_rules.ACKNOWLEDGED, "Begärande myndighet har kompletterat.",
                   actor=sim.org.name)
        sim.t = answered


def _decide(sim: _Sim) -> None:
    """Granted or refused, and on which formal check a refusal rests."""
    dice, stream = sim.dice, sim.stream
    sim.decided_at = sim.t + _minutes(dice.lognormal_median(DECISION_MEDIAN[sim.priority], 0.9))
    sim.decision = case_rules.REFUSED if dice.chance(REFUSAL_RATE[sim.review_outcome]) else case_rules.GRANTED
    sim.refusal_check = ""
    if sim.decision == case_rules.REFUSED:
        sim.refusal_check = ("legal_basis_valid" if not stream.law else dice.pick((
            ("requester_competent", 0.25), ("legal_basis_valid", 0.2), ("measures_described", 0.2),
            ("conditions_stated", 0.2), ("documents_attached", 0.1), ("person_identified", 0.05))))


def _record_decision(sim: _Sim) -> None:
    """The decision on the timeline; now and then the duty officer overrules the opposite first decision."""
    dice, tl, decision = sim.dice, sim.tl, sim.decision
    if dice.chance(OVERRULE_RATE):
        first = case_rules.REFUSED if decision == case_rules.GRANTED else case_rules.GRANTED
        tl.add(sim.decided_at, case_rules.GRANT if first == case_rules.GRANTED else case_rules.REFUSE, first,
               "Beviljad." if first == case_rules.GRANTED else "Avslag.", actor=sim.actor,
               function=sim.unit_function)
        sim.decided_at = sim.decided_at + _minutes(dice.uniform(30, 180))
        region = sim.world.regions[sim.region_id]
        tl.add(sim.decided_at, case_rules.OVERRULE, decision, "Beslutet ändrat av vakthavande befäl.",
               actor=f"Vakthavande befäl {region.name.removeprefix('Region ')}", function="duty_officer")
    else:
        tl.add(sim.decided_at, case_rules.GRANT if decision == case_rules.GRANTED else case_rules.REFUSE, decision,
               "Beviljad." if decision == case_rules.GRANTED else
               f"Avslag: {case_rules.FORMAL_CHECKS.get(sim.refusal_check, '')}.", actor=sim.actor,
               function=sim.unit_function)


def _withdraw(sim: _Sim, at: datetime) -> None:
    sim.outcome_at = at
    sim.outcome, sim.informed_at = case_rules.OUTCOME_WITHDRAWN, at
    sim.tl.add(at, case_rules.WITHDRAW, case_rules.NOT_EXECUTED, "Begäran återkallad av begärande myndighet.",
               actor=sim.org.name)


def _carry_out(sim: _Sim) -> None:
    """A granted case: withdrawn before execution, or assigned, executed and reported back."""
    dice = sim.dice
    sim.assign_due = sim.decided_at + timedelta(minutes=ASSIGN_DUE[sim.priority])
    if dice.chance(WITHDRAWN_BEFORE_EXECUTION):
        _withdraw(sim, sim.decided_at + _minutes(dice.lognormal_median(6 * 60, 1.0)))
        return
    active = _assign_and_start(sim)
    finish = _search(sim, active)
    _outcome(sim, active, finish)
    late = dice.chance(REPORT_BACK_LATE.get(sim.outcome, REPORT_BACK_LATE_DEFAULT))
    sim.informed_at = sim.outcome_at + _minutes(dice.lognormal_median(3 * 24 * 60, 0.7) if late else
                                                min(dice.lognormal_median(40, 0.8), 20 * 60))
    sim.tl.add(sim.informed_at, "requester_informed", None, "Begärande myndighet underrättad om utfallet.",
               actor=sim.actor, function=sim.unit_function)


def _assign_and_start(sim: _Sim) -> float:
    """A resource is assigned and execution starts; returns the patrol's active minutes (Storm's patrol time)."""
    dice, priority, unit = sim.dice, sim.priority, sim.unit
    if dice.chance(LATE_ASSIGNMENT_RATE):
        sim.assigned_at = sim.assign_due + _minutes(dice.lognormal_median(ASSIGN_DUE[priority] * 0.5, 0.8))
    else:
        sim.assigned_at = sim.decided_at + _minutes(min(dice.lognormal_median(ASSIGN_MEDIAN[priority], 0.7),
                                                        ASSIGN_DUE[priority] * 0.95))
    sim.resource = (unit.name if unit.kind == "assistance_group" else
                    f"Patrull {sim.muni.police_area.name.removeprefix('Polisområde ')} {dice.randint(1100, 9899)}")
    sim.tl.add(sim.assigned_at, case_rules.ASSIGN, case_rules.ASSIGNED, f"Resurs tilldelad: {sim.resource}.",
               actor=sim.actor, function=sim.unit_function)
    active = dice.lognormal_median(PATROL_MEAN_MINUTES * math.exp(-PATROL_SIGMA ** 2 / 2), PATROL_SIGMA)
    sim.started = sim.assigned_at + _minutes(min(active * 0.25, dice.lognormal_median(20, 0.6)))
    sim.tl.add(sim.started, case_rules.START_EXECUTION, case_rules.IN_EXECUTION, "Verkställigheten påbörjad.",
               actor=sim.actor, function="officer")
    return active


def _search(sim: _Sim, active: float) -> datetime:
    """When execution ends; a person not found is wanted and found days later."""
    dice = sim.dice
    finish = sim.assigned_at + _minutes(active)
    if dice.chance(NOT_FOUND_RATE):
        sim.wanted = f"NEPU-SYN-{dice.randint(100000, 999999)}"
        sim.tl.add(sim.started + _minutes(45), case_rules.RECORD_NOT_FOUND, case_rules.IN_EXECUTION,
                   f"Personen påträffades inte. Efterlyst ({sim.wanted}).", actor=sim.actor, function="officer")
        finish = finish + _minutes(dice.lognormal_median(2 * 24 * 60, 0.8))
    return finish


def _outcome(sim: _Sim, active: float, finish: datetime) -> None:
    """The outcome, the patrol minutes (with the drive back) and, for most executed cases, a custody episode."""
    dice, stream = sim.dice, sim.stream
    outcome = dice.pick(OUTCOME_SHARES)
    outcome_at = finish
    if outcome == case_rules.OUTCOME_NEED_ENDED:
        outcome_at = sim.started + (finish - sim.started) * 0.5
    returning = dice.lognormal_median(RETURN_DRIVE_MEDIAN, 0.5)
    patrol_active = (outcome_at - sim.assigned_at).total_seconds() / 60
    if sim.wanted:
        patrol_active = min(patrol_active, active * 1.3)
    sim.patrol = None if dice.chance(PATROL_MISSING) else max(1, round(patrol_active + returning))
    if outcome in (case_rules.OUTCOME_EXECUTED, case_rules.OUTCOME_HEALTH_CARE) and stream.law and \
            dice.chance(EPISODE_RATE.get(stream.key, EPISODE_RATE_DEFAULT)):
        ep_start = max(sim.started, outcome_at - _minutes(dice.uniform(30, 150)))
        sim.episodes.append(_custody(sim.world, dice, stream, sim.region_id, ep_start, outcome_at, sim.age, sim.muni))
        outcome_at = max(outcome_at, sim.episodes[-1]["ended"])
    sim.outcome, sim.outcome_at = outcome, outcome_at
    sim.tl.add(outcome_at, case_rules.RECORD_OUTCOME, case_rules.OUTCOME_STATE[outcome],
               case_rules.OUTCOME_LABELS[outcome] + ".", actor=sim.actor, function="officer")


def _close(sim: _Sim) -> None:
    """Most finished cases are closed within a day or so; a few are never closed."""
    final_at = max(x for x in (sim.informed_at, sim.outcome_at, sim.decided_at) if x is not None) if (
        sim.informed_at or sim.outcome_at or sim.decided_at) else None
    if final_at is not None and sim.tl.state in (case_rules.EXECUTED, case_rules.NOT_EXECUTED,
                                                 case_rules.REFUSED) and not sim.dice.chance(NEVER_CLOSED):
        sim.closed_at = final_at + _minutes(sim.dice.lognormal_median(20 * 60, 0.9))
        sim.tl.add(sim.closed_at, case_rules.CLOSE, case_rules.CLOSED, "Ärendet är avslutat.", actor=sim.actor,
                   function=sim.unit_function)


def _cut(sim: _Sim, seq_ref: str, until: datetime) -> Generated:
    """The case as it stands at ``until``: nothing after it has happened yet."""
    events = [ev for ev in sim.tl.events if ev[0] <= until]
    gen = Generated(case=_case_row(sim, seq_ref, until, events), request=_request_row(sim),
                    police_area_id=sim.area_id, events=events)
    for asked, answered in sim.questions:
        if asked <= until:
            gen.questions.append(dict(
                check_code="conditions_stated", field="police_powers_reason",
                question="Ange varför polisens särskilda befogenheter behövs.", asked_at=asked,
                answer="Personen har tidigare gjort motstånd." if _upto(answered, until) else "",
                answered_at=_upto(answered, until)))
    for ep in sim.episodes:
        if ep["started"] <= until:
            gen.episodes.append(ep)
    return gen


def _upto(x: datetime | None, until: datetime) -> datetime | None:
    return x if x is not None and x <= until else None


def _case_row(sim: _Sim, seq_ref: str, until: datetime, events: list) -> dict:
    """The case row at ``until``: its state, decision and outcome as far as they have happened."""
    state = sim.initial
    for ev in sim.tl.events:
        if ev[0] <= until and ev[3]:
            state = ev[3]

    def upto(x):
        return _upto(x, until)

    esc_count = sum(1 for ev in events if ev[1] == "escalated")
    overrule_count = sum(1 for ev in events if ev[1] == case_rules.OVERRULE)
    decided_at_cut = max((ev[0] for ev in events if ev[1] in (case_rules.GRANT, case_rules.REFUSE,
                                                               case_rules.OVERRULE)), default=None)
    decision_cut = ""
    for ev in events:
        if ev[1] in (case_rules.GRANT, case_rules.REFUSE, case_rules.OVERRULE):
            decision_cut = ev[3]
    outcome_cut = sim.outcome if upto(sim.outcome_at) else ""
    return dict(
        public_id=sim.dice.uid(), kind="assistance", reference_number=seq_ref, case_code=sim.stream.case_code, state=state,
        received_at=sim.received, region_id=sim.region_id, unit_id=sim.unit.id, routing_rule_name="Syntetiska data",
        routing_reasons=["Genererat ärende (syntetiska data)."], priority=sim.priority, ack_due_at=sim.ack_due,
        acknowledged_at=upto(sim.acknowledged_at), escalation_count=esc_count, decision=decision_cut,
        decided_at=decided_at_cut, decided_function=sim.unit_function if decision_cut else "",
        refusal_check=sim.refusal_check if decision_cut == case_rules.REFUSED else "",
        overrule_count=overrule_count, risk_level=sim.risk_level if upto(sim.decided_at) else "",
        assigned_at=upto(sim.assigned_at),
        assign_due_at=sim.assign_due if decision_cut == case_rules.GRANTED else None,
        resource=sim.resource if upto(sim.assigned_at) else "",
        outcome=outcome_cut, outcome_at=upto(sim.outcome_at) if outcome_cut else None,
        requester_informed_at=upto(sim.informed_at), wanted_notice_reference=sim.wanted if sim.started and upto(
            sim.started + _minutes(45)) else "", patrol_minutes=sim.patrol if outcome_cut else None,
        closed_at=upto(sim.closed_at), updated_at=max(ev[0] for ev in events),
    )


def _request_row(sim: _Sim) -> dict:
    """The request behind the case: an invented person and requester, the legal basis and the review."""
    dice, stream, world, age = sim.dice, sim.stream, sim.world, sim.age
    first, last = dice.choice(FIRST_NAMES), dice.choice(FAKE_SURNAMES)
    birth = (sim.received.astimezone(STOCKHOLM).date() - timedelta(days=int(age * 365.25 + dice.randint(1, 360))))
    entry_text = (world.catalogue.get(stream.key).citation if stream.law else OTHER_STREAMS[stream.key][2])
    return dict(
        public_id=dice.uid(), channel=dice.pick(CHANNELS), organisation_id=sim.org.id, requester_name=_name(dice),
        requester_role=sim.role, requester_phone="010-000 00 00", legal_basis_text=entry_text,
        legal_basis_key=stream.key if stream.law else "", law=stream.law, person_identity_number="",
        person_name=f"{first} {last}", person_birth_date=birth, person_age=age,
        protected_identity=dice.chance(0.01), location_address=f"Exempelgatan {dice.randint(1, 99)}, {sim.muni.name}",
        location_municipality_id=sim.muni.id, destination="Vårdinrättningen enligt begäran",
        measures="Syntetiskt ärende: hämta personen och föra hen till vårdinrättningen.",
        police_powers_reason="Syntetiskt ärende: personen väntas göra motstånd.",
        requested_urgency=URGENCY_FOR_PRIORITY[sim.priority], review_outcome=sim.review_outcome,
        review=_review(world, stream, sim.review_outcome),
    )
