"""The case's state machine and which guards each step has."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from . import guards
from .base import Check, Outcome, outcome
from .facts import CaseFacts

REQUEST_RECEIVED = "request_received"
APPLICATION_DRAFTED = "application_drafted"
AT_PROSECUTOR = "at_prosecutor"
INVESTIGATION = "investigation"
AWAITING_DECISION = "awaiting_decision"
PREPARING_START = "preparing_start"
START_OBSTACLE = "start_obstacle"
MOUNTED = "mounted"
ACTIVE = "active"
ENDING = "ending"
CLOSED = "closed"
CLOSED_NO_EO = "closed_no_eo"

STATE_LABELS = {
    REQUEST_RECEIVED: "Begäran mottagen",
    APPLICATION_DRAFTED: "Ansökan upprättad",
    AT_PROSECUTOR: "Hos åklagaren",
    INVESTIGATION: "Utredning",
    AWAITING_DECISION: "Väntar på beslut",
    PREPARING_START: "Förbereder start",
    START_OBSTACLE: "Hinder – samråd med åklagaren",
    MOUNTED: "Monterad, ej aktiverad",
    ACTIVE: "Pågående övervakning",
    ENDING: "Avslutas",
    CLOSED: "Avslutat",
    CLOSED_NO_EO: "Avslutat utan elektronisk övervakning",
}
CLOSED_STATES = frozenset({CLOSED, CLOSED_NO_EO})

_OPEN_BEFORE_START = (REQUEST_RECEIVED, APPLICATION_DRAFTED, AT_PROSECUTOR, INVESTIGATION, AWAITING_DECISION)

#: action → {from state: to state}
TRANSITIONS: dict[str, dict[str, str]] = {
    "draft_application": {REQUEST_RECEIVED: APPLICATION_DRAFTED},
    "send_to_prosecutor": {APPLICATION_DRAFTED: AT_PROSECUTOR},
    "open_investigation": {AT_PROSECUTOR: INVESTIGATION},
    "report": {INVESTIGATION: AWAITING_DECISION},
    "decide_granted": {AT_PROSECUTOR: PREPARING_START, AWAITING_DECISION: PREPARING_START},
    "decide_rejected": {AT_PROSECUTOR: CLOSED_NO_EO, AWAITING_DECISION: CLOSED_NO_EO},
    "report_obstacle": {PREPARING_START: START_OBSTACLE},
    "consult_prosecutor": {START_OBSTACLE: PREPARING_START},
    "mount": {PREPARING_START: MOUNTED},
    "activate": {MOUNTED: ACTIVE},
    "end_decision": {PREPARING_START: ENDING, MOUNTED: ENDING, ACTIVE: ENDING},
    "ban_expired": {ACTIVE: ENDING},
    "close": {ENDING: CLOSED},
    "withdraw": {s: CLOSED_NO_EO for s in _OPEN_BEFORE_START},
}

ACTION_LABELS = {
    "draft_application": "Upprätta ansökan (PM 438.2)",
    "send_to_prosecutor": "Skicka ansökan till åklagaren",
    "open_investigation": "Åklagaren har inlett utredning",
    "report": "Redovisa utredningen",
    "decide_granted": "Registrera beslut om kontaktförbud med elektronisk övervakning",
    "decide_rejected": "Registrera avslag eller beslut utan elektronisk övervakning",
    "report_obstacle": "Anmäl hinder mot start",
    "consult_prosecutor": "Samråd med åklagaren genomfört",
    "mount": "Montera fotbojan",
    "activate": "Aktivera övervakningen",
    "end_decision": "Registrera beslut om att avsluta",
    "ban_expired": "Förbudstiden har löpt ut",
    "close": "Avsluta ärendet",
    "withdraw": "Begäran återkallad",
}

#: The guards of each step; a step without guards only needs the state to allow it.
GUARDS: dict[str, Callable[[CaseFacts], list[Check]]] = {
    "send_to_prosecutor": guards.send_guards,
    "report": guards.report_guards,
    "decide_granted": guards.decision_guards,
    "decide_rejected": guards.decision_guards,
    "consult_prosecutor": lambda f: [guards.obstacle_consulted(f)],
    "mount": guards.mount_guards,
    "activate": guards.activation_guards,
    "close": guards.close_guards,
}


def target(action: str, state: str) -> str | None:
    return TRANSITIONS.get(action, {}).get(state)


def allowed_actions(state: str) -> list[str]:
    return [a for a, row in TRANSITIONS.items() if state in row]


def state_check(action: str, state: str) -> Check:
    to = target(action, state)
    label = STATE_LABELS.get(state, "okänd status")
    if to is None:
        return Check("state", False, True,
                     f"Åtgärden '{ACTION_LABELS.get(action, action)}' är inte tillåten när ärendet har status "
                     f"'{label}'.", "")
    return Check("state", True, True, f"{label} → {STATE_LABELS[to]}.", "")


def guard(action: str, state: str, facts: CaseFacts, at: datetime | None = None) -> Outcome:
    """May ``action`` be taken in ``state`` with these facts? Binding failures block unless a 26 §
    exception covers them; general advice only warns."""
    checks = [state_check(action, state)]
    if checks[0].ok and action == "mount":
        checks += guards.mount_guards(facts, facts.mount_at or at)
    elif checks[0].ok and action in GUARDS:
        checks += GUARDS[action](facts)
    return outcome(checks, facts.exceptions, at)


def checks_for_state(state: str, facts: CaseFacts, at: datetime | None = None) -> list[Check]:
    """The guards of the steps that lead on from ``state`` (what is still to do), in order."""
    out: list[Check] = []
    seen = set()
    for action in allowed_actions(state):
        found = (guards.mount_guards(facts, facts.mount_at or at) if action == "mount"
                 else GUARDS.get(action, lambda f: [])(facts))
        for c in found:
            if c.code not in seen:
                seen.add(c.code)
                out.append(c)
    return out


def derive_state(facts: CaseFacts) -> str:
    """The state the recorded facts put the case in (for a case described only by its facts)."""
    if facts.dismount_at and facts.uninstalled_at and facts.itsys_deactivated_at and facts.lc_deactivated_at:
        return CLOSED
    if facts.end_decision_at or (facts.eo_end_at and facts.dismount_at):
        return ENDING
    if facts.mount_at:
        return ACTIVE if facts.itsys_activated_at and facts.lc_activated_at else MOUNTED
    if facts.decided_at:
        if facts.decision != "granted":
            return CLOSED_NO_EO
        if facts.obstacle_at and not facts.prosecutor_consulted_at:
            return START_OBSTACLE
        return PREPARING_START
    if facts.written_sent_at:
        return AWAITING_DECISION
    if facts.investigation_opened_at:
        return INVESTIGATION
    if facts.sent_to_prosecutor_at:
        return AT_PROSECUTOR
    if facts.application_form:
        return APPLICATION_DRAFTED
    return REQUEST_RECEIVED


def check_report(facts: CaseFacts, at: datetime, state: str | None = None, settings=None) -> dict:
    """What ``bitrade em check`` prints: the state, whether mounting is allowed now, the checks of the
    steps ahead (26 § exceptions applied) and the open deadlines."""
    from .base import apply_exceptions
    from .timing import deadlines

    state = state or derive_state(facts)
    checks = apply_exceptions(checks_for_state(state, facts, at), facts.exceptions, at)
    mount = guard("mount", state, facts, at)
    return {
        "state": state,
        "mount_allowed": mount.allowed,
        "checks": [{k: v for k, v in c.as_dict().items() if k != "excepted"} | (
            {"excepted": True} if c.excepted else {}) for c in checks],
        "deadlines": [d.as_dict() for d in deadlines(facts, settings)],
    }
