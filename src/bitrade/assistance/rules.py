"""The handräckning case as pure rules: states and allowed transitions, decision competence, overruling,
execution outcomes and the closure checklist. No Django here.

Sources: the inspection report's process (chapters 1 and 3), arbetsordningen's competent
decision-makers (LVM, LVU: vakthavande befäl, stationsbefäl, chef på nivå två; LPT, LRV: befäl vid
RLC, stationsbefäl, chef på nivå två), JO 2014/15 s. 122 (no review of the need, no conditions; a
refusal names the formal check that failed) and JO 2019/20 s. 320 (a request stands until it is
carried out or the need has ended; telling the person to return on their own is not execution).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bitrade.cases import rules as kernel
from bitrade.cases.rules import Check, ChecklistItem, Verdict  # noqa: F401 — the kernel's types, used here
from bitrade.common import labels as glossary
from bitrade.legal.citations import format_citation

JO_2014_15 = "JO 2014/15 s. 122"
JO_2019_20 = "JO 2019/20 s. 320"
PL_27 = format_citation("PL", "27")

# --------------------------------------------------------------------------- states

RECEIVED = "received"
COMPLETION_REQUESTED = "completion_requested"
ACKNOWLEDGED = "acknowledged"
GRANTED = "granted"
REFUSED = "refused"
ASSIGNED = "assigned"
IN_EXECUTION = "in_execution"
EXECUTED = "executed"
NOT_EXECUTED = "not_executed"
CLOSED = "closed"

STATE_LABELS = dict(glossary.CASE_STATE)
OPEN_STATES = frozenset(STATE_LABELS) - {CLOSED}

# --------------------------------------------------------------------------- actions

ACKNOWLEDGE = "acknowledge"
REQUEST_COMPLETION = "request_completion"
COMPLETE = "complete"
GRANT = "grant"
REFUSE = "refuse"
OVERRULE = "overrule"
ASSIGN = "assign"
START_EXECUTION = "start_execution"
RECORD_NOT_FOUND = "record_not_found"
RECORD_OUTCOME = "record_outcome"
WITHDRAW = "withdraw"
CLOSE = "close"
REOPEN = "reopen"

DECIDING = {ACKNOWLEDGED, RECEIVED}
BEFORE_EXECUTION = {RECEIVED, ACKNOWLEDGED, COMPLETION_REQUESTED, GRANTED, ASSIGNED}

#: The one table of allowed transitions: action -> {from state: to state}.
#: ``None`` as a target means "decided by the action" (see ``target_state``).
TRANSITIONS: dict[str, dict[str, str | None]] = {
    ACKNOWLEDGE: {RECEIVED: ACKNOWLEDGED},
    REQUEST_COMPLETION: {RECEIVED: COMPLETION_REQUESTED, ACKNOWLEDGED: COMPLETION_REQUESTED},
    COMPLETE: {COMPLETION_REQUESTED: None},  # back to received, or acknowledged if it was
    # From completion_requested only when urgent and the missing part was given by phone (check_decision).
    GRANT: {RECEIVED: GRANTED, ACKNOWLEDGED: GRANTED, COMPLETION_REQUESTED: GRANTED},
    REFUSE: {RECEIVED: REFUSED, ACKNOWLEDGED: REFUSED, COMPLETION_REQUESTED: REFUSED},
    OVERRULE: {GRANTED: REFUSED, REFUSED: GRANTED},
    ASSIGN: {GRANTED: ASSIGNED, ASSIGNED: ASSIGNED},
    START_EXECUTION: {ASSIGNED: IN_EXECUTION},
    RECORD_NOT_FOUND: {ASSIGNED: IN_EXECUTION, IN_EXECUTION: IN_EXECUTION},
    RECORD_OUTCOME: {ASSIGNED: None, IN_EXECUTION: None},
    WITHDRAW: {s: NOT_EXECUTED for s in BEFORE_EXECUTION | {IN_EXECUTION}},
    CLOSE: {EXECUTED: CLOSED, NOT_EXECUTED: CLOSED, REFUSED: CLOSED},
    REOPEN: {CLOSED: ACKNOWLEDGED},
}

ACTION_LABELS = {
    ACKNOWLEDGE: "Kvittera", REQUEST_COMPLETION: "Begär komplettering", COMPLETE: "Komplettera",
    GRANT: "Bevilja", REFUSE: "Avslå", OVERRULE: "Ändra beslut", ASSIGN: "Tilldela resurs",
    START_EXECUTION: "Påbörja verkställighet", RECORD_NOT_FOUND: "Personen påträffades inte",
    RECORD_OUTCOME: "Registrera utfall", WITHDRAW: "Återkallad av begärande", CLOSE: "Avsluta",
    REOPEN: "Återöppna",
}

# --------------------------------------------------------------------------- outcomes

OUTCOME_EXECUTED = "executed"
OUTCOME_HEALTH_CARE = "handed_to_health_care"
OUTCOME_NEED_ENDED = "need_ended"
OUTCOME_WITHDRAWN = "withdrawn"
OUTCOME_SELF_RETURN = "told_to_return_on_their_own"

OUTCOME_LABELS = {code: glossary.OUTCOME[code] for code in (OUTCOME_EXECUTED, OUTCOME_HEALTH_CARE, OUTCOME_NEED_ENDED,
                                                          OUTCOME_WITHDRAWN)}
OUTCOME_STATE = {
    OUTCOME_EXECUTED: EXECUTED,
    OUTCOME_HEALTH_CARE: EXECUTED,
    OUTCOME_NEED_ENDED: NOT_EXECUTED,
    OUTCOME_WITHDRAWN: NOT_EXECUTED,
}

WANTED_NOTICE_CASE_CODE = "444"


def _verdict(checks: Iterable[Check], target: str | None) -> Verdict:
    return kernel.verdict(checks, target)


# --------------------------------------------------------------------------- transitions


def allowed_actions(state: str) -> list[str]:
    return kernel.allowed_actions(TRANSITIONS, state)


def target_state(action: str, state: str, *, outcome: str | None = None, acknowledged: bool = False) -> str | None:
    """The state an action leads to from ``state``, or None if the transition is not allowed."""

    def resolve(action: str, state: str) -> str | None:
        if action == COMPLETE:
            return ACKNOWLEDGED if acknowledged else RECEIVED
        if action == RECORD_OUTCOME:
            return OUTCOME_STATE.get(outcome or "")
        return None

    return kernel.target_state(TRANSITIONS, action, state, resolve)


def check_transition(action: str, state: str, **kw) -> Check:
    if target_state(action, state, **kw) is None:
        return kernel.check_transition(TRANSITIONS, STATE_LABELS, ACTION_LABELS, action, state)
    return Check("transition", True, f"{STATE_LABELS[state]} → {STATE_LABELS[target_state(action, state, **kw)]}.")


# --------------------------------------------------------------------------- decisions


@dataclass(frozen=True)
class DecisionFacts:
    action: str  # GRANT, REFUSE, REQUEST_COMPLETION or OVERRULE
    state: str
    decider_functions: frozenset[str]
    competent_functions: frozenset[str]  # from the legal-basis catalogue entry
    basis_citation: str | None  # the legal basis, for the competence message
    review_outcome: str  # admissible | needs_completion | inadmissible
    failed_review_checks: frozenset[str] = frozenset()
    refusal_check: str = ""  # the formal check a refusal rests on
    reason: str = ""
    previous_decider_id: int | None = None
    decider_id: int | None = None
    conditions: str = ""  # anything the decider tries to attach
    urgent: bool = False  # priority 1–2, or the requester asked for immediate/urgent help
    phone_completion_by: str = ""  # who at the requester gave the missing part by phone
    phone_completion_how: str = ""  # what was given, and how
    override_checks: frozenset[str] = frozenset()  # failed formal checks the decider grants against
    override_reason: str = ""  # why the review is wrong in this case


#: How long the reason for granting against a failed formal check must at least be.
MIN_OVERRIDE_REASON = 20


FORMAL_CHECKS = {
    "requesting_party_identified": "det framgår inte vem som är begärande part",
    "legal_basis_valid": "lagrummet är inte giltigt eller inte preciserat",
    "requester_competent": "den som begär är inte behörig enligt lagrummet",
    "measures_described": "det framgår inte vilka åtgärder polisen ska utföra",
    "conditions_stated": "lagens villkor (polisens befogenheter eller synnerliga skäl) är inte angivna",
    "documents_attached": "nödvändiga handlingar saknas",
    "person_identified": "personen är inte identifierad",
}

FUNCTION_LABELS = {
    "rlc_commander": "befäl vid RLC", "station_commander": "stationsbefäl", "duty_officer": "vakthavande befäl",
    "level2_manager": "chef på nivå två", "officer": "polis",
}


def check_competence(decider_functions: Iterable[str], competent: Iterable[str], basis_citation: str | None) -> Check:
    decider_functions, competent = set(decider_functions), set(competent)
    names = ", ".join(FUNCTION_LABELS.get(f, f) for f in sorted(competent))
    if decider_functions & competent:
        fn = FUNCTION_LABELS.get(sorted(decider_functions & competent)[0], "")
        return Check("decider_competent", True, f"Beslutet fattas av {fn}, som är behörig ({names}).", basis_citation)
    return Check("decider_competent", False,
                 f"Din funktion får inte besluta om handräckning enligt {basis_citation or 'detta lagrum'}; "
                 f"behöriga är: {names}.", basis_citation)


def check_decision(f: DecisionFacts) -> Verdict:
    checks = [check_transition(f.action, f.state), check_competence(f.decider_functions, f.competent_functions,
                                                                    f.basis_citation)]
    if f.conditions.strip():
        checks.append(Check("no_conditions", False,
                            "Polisen får inte förena ett beslut om handräckning med villkor.", JO_2014_15))
    if f.action == GRANT or (f.action == OVERRULE and f.state == REFUSED):
        checks.extend(_grant_checks(f))
    refusing = f.action == REFUSE or (f.action == OVERRULE and f.state == GRANTED)
    if refusing:
        if f.refusal_check not in FORMAL_CHECKS:
            checks.append(Check("refusal_names_check", False,
                                "Ett avslag ska ange vilken formell förutsättning som inte är uppfylld; "
                                "polisen prövar inte behovet.", JO_2014_15))
        elif f.review_outcome == "admissible" and f.refusal_check not in f.failed_review_checks and \
                len(f.reason.strip()) < 10:
            checks.append(Check("refusal_reason", False,
                                "Den formella granskningen visar inga brister på den punkten: förklara avslaget.",
                                JO_2014_15))
    if f.action == OVERRULE:
        if len(f.reason.strip()) < 10:
            checks.append(Check("overrule_reason", False,
                                "Att ändra ett annat befäls beslut kräver ett skäl, som visas i ärendets tidslinje.",
                                None))
    if f.action == REQUEST_COMPLETION and len(f.reason.strip()) < 5:
        checks.append(Check("completion_question", False, "Skriv frågan till den begärande myndigheten.", None))
    target = target_state(f.action, f.state)
    return _verdict(checks, target)


def _grant_checks(f: DecisionFacts) -> list[Check]:
    """Granting while completion is pending (urgent, the missing part given by phone) and granting against a
    failed formal check (an explicit override naming the check and why the review is wrong here)."""
    checks: list[Check] = []
    by_phone = f.state == COMPLETION_REQUESTED
    if by_phone:
        if not f.urgent:
            checks.append(Check("completion_pending", False,
                                "Begäran väntar på komplettering. Bara en brådskande begäran (prioritet 1–2) får "
                                "beviljas innan kompletteringen har kommit in.", None))
        if not (f.phone_completion_by.strip() and len(f.phone_completion_how.strip()) >= 5):
            checks.append(Check("phone_completion", False,
                                "Ange vem hos den begärande myndigheten som lämnade det som saknades per telefon "
                                "och vad som lämnades.", None))
    # A completion given by phone covers what the review asked to complete; not a failed check that made the
    # request inadmissible.
    open_failures = set(f.failed_review_checks)
    if by_phone and f.review_outcome == "needs_completion":
        open_failures = set()
    if not open_failures:
        if f.override_checks:
            checks.append(Check("override_without_failure", False,
                                "Granskningen har inga brister att gå emot: ange inga avsteg.", None))
        return checks
    labels = {c: FORMAL_CHECKS.get(c, c) for c in sorted(open_failures)}
    missing = [labels[c] for c in sorted(open_failures - set(f.override_checks))]
    if missing:
        checks.append(Check("override_names_check", False,
                            "Den formella granskningen visar brister: " + "; ".join(missing) + ". Att ändå bevilja "
                            "är ett avsteg som ska ange varje brist det gäller och varför granskningen är fel i "
                            "det här fallet.", JO_2014_15))
    unknown = set(f.override_checks) - open_failures
    if unknown:
        checks.append(Check("override_check_known", False,
                            "Avsteget gäller en kontroll som inte brister i granskningen.", None))
    if len(f.override_reason.strip()) < MIN_OVERRIDE_REASON:
        checks.append(Check("override_reason", False,
                            "Förklara varför granskningen är fel i det här fallet (minst "
                            f"{MIN_OVERRIDE_REASON} tecken).", None))
    return checks


# --------------------------------------------------------------------------- execution


@dataclass(frozen=True)
class OutcomeFacts:
    state: str
    outcome: str
    requester_confirmation_by: str = ""  # who at the requester confirmed that the need has ended
    requester_confirmation_at: object = None
    withdrawn_by_requester: bool = False
    person_handed_to: str = ""


def check_outcome(f: OutcomeFacts) -> Verdict:
    checks: list[Check] = []
    if f.outcome == OUTCOME_SELF_RETURN:
        checks.append(Check("outcome_lawful", False,
                            "Att uppmana personen att själv ta sig till vårdinrättningen är inte en verkställd "
                            "handräckning; begäran gäller tills den är verkställd eller behovet har upphört.",
                            JO_2019_20))
        return _verdict(checks, None)
    if f.outcome not in OUTCOME_STATE:
        checks.append(Check("outcome_known", False, "Okänt utfall.", None))
        return _verdict(checks, None)
    checks.append(check_transition(RECORD_OUTCOME, f.state, outcome=f.outcome))
    if f.outcome == OUTCOME_NEED_ENDED and not (f.requester_confirmation_by.strip() and f.requester_confirmation_at):
        checks.append(Check("need_ended_confirmed", False,
                            "Att behovet har upphört ska bekräftas av den begärande myndigheten: ange vem och när.",
                            JO_2019_20))
    if f.outcome == OUTCOME_WITHDRAWN and not f.withdrawn_by_requester:
        checks.append(Check("withdrawn_by_requester", False,
                            "Endast den begärande myndigheten kan återkalla begäran.", JO_2019_20))
    if f.outcome == OUTCOME_HEALTH_CARE and not f.person_handed_to.strip():
        checks.append(Check("handed_to", False, "Ange vem personen överlämnades till (t.ex. ambulansen).", None))
    return _verdict(checks, OUTCOME_STATE[f.outcome])


def check_not_found(state: str) -> Verdict:
    """The person was not found: the request stands (a wanted notice is a separate choice)."""
    return _verdict([check_transition(RECORD_NOT_FOUND, state)], target_state(RECORD_NOT_FOUND, state))


WANTED_STATES = frozenset({GRANTED, ASSIGNED, IN_EXECUTION})


@dataclass(frozen=True)
class WantedNoticeFacts:
    state: str
    issue: bool
    active_notice: bool  # a notice already issued and not cancelled
    requested_by_requester: bool
    nepu_reference: str = ""
    related_reference: str = ""  # the related case under code 444
    reason: str = ""


def check_wanted_notice(f: WantedNoticeFacts) -> Verdict:
    """The decision to issue a wanted notice or not (the report, section 4 Dokumentation: NEPU and a related
    case under code 444). A notice is a choice; not issuing one when the requester wished for it needs a reason."""
    checks: list[Check] = []
    if f.state not in WANTED_STATES:
        checks.append(Check("wanted_state", False,
                            "Efterlysning beslutas för ett beviljat ärende som ännu inte är verkställt.", None))
    if f.active_notice:
        checks.append(Check("wanted_active", False, "Det finns redan en efterlysning som inte är avlyst.", None))
    if f.issue:
        if not f.nepu_reference.strip():
            checks.append(Check("wanted_nepu", False, "Ange efterlysningens referens i NEPU.", None))
        if not f.related_reference.strip():
            checks.append(Check("wanted_related_case", False,
                                f"Ange diarienumret för efterlysningsärendet (saknummer {WANTED_NOTICE_CASE_CODE}), "
                                "som relateras till handräckningsärendet.", None))
    elif len(f.reason.strip()) < 10:
        extra = " Den begärande myndigheten har bett om efterlysning." if f.requested_by_requester else ""
        checks.append(Check("wanted_reason", False, "Ange varför personen inte efterlyses." + extra, None))
    return _verdict(checks, f.state)


CANCEL_REASONS = {"found": "personen har påträffats", "request_ended": "begäran har upphört"}


def check_cancel_wanted_notice(active_notice: bool, reason: str) -> Verdict:
    checks = []
    if not active_notice:
        checks.append(Check("wanted_active", False, "Det finns ingen efterlysning att avlysa.", None))
    if reason not in CANCEL_REASONS:
        checks.append(Check("cancel_reason", False,
                            "Ange skälet för avlysningen: personen har påträffats eller begäran har upphört.", None))
    return _verdict(checks, None)


# --------------------------------------------------------------------------- transfer

COMMANDER_FUNCTIONS = frozenset({"rlc_commander", "station_commander", "duty_officer", "level2_manager"})


@dataclass(frozen=True)
class TransferFacts:
    state: str
    actor_functions: frozenset[str]
    from_unit: int
    to_unit: int | None
    to_unit_active: bool
    to_unit_competent: bool  # a decider competent for the case's law is there at this hour
    reason: str
    pending: bool = False  # a transfer to another region waits for an answer


def check_transfer(f: TransferFacts) -> Verdict:
    checks: list[Check] = []
    if f.state not in OPEN_STATES:
        checks.append(Check("transfer_open", False, "Ett avslutat ärende kan inte föras över.", None))
    if not f.actor_functions & COMMANDER_FUNCTIONS:
        checks.append(Check("transfer_commander", False, "Bara ett befäl kan föra över ett ärende.", None))
    if f.to_unit is None or not f.to_unit_active:
        checks.append(Check("transfer_unit", False, "Välj en aktiv polisenhet att föra över ärendet till.", None))
    elif f.to_unit == f.from_unit:
        checks.append(Check("transfer_unit", False, "Ärendet handläggs redan av den enheten.", None))
    elif not f.to_unit_competent:
        checks.append(Check("transfer_competent", False,
                            "Den enheten har ingen beslutsfattare som är behörig enligt lagen just nu.", None))
    if f.pending:
        checks.append(Check("transfer_pending", False,
                            "En överföring till en annan region väntar redan på svar.", None))
    if len(f.reason.strip()) < 10:
        checks.append(Check("transfer_reason", False, "Ange skälet till överföringen.", None))
    return _verdict(checks, f.state)


# --------------------------------------------------------------------------- closure


@dataclass(frozen=True)
class ClosureFacts:
    state: str
    decision_recorded: bool
    decider_function: str
    outcome: str
    open_custody_episodes: int = 0
    custody_episodes_without_protocol: int = 0
    open_transports: int = 0
    active_wanted_notices: int = 0
    requester_informed: bool = False
    cross_references: dict = field(default_factory=dict)


def closure_checklist(f: ClosureFacts) -> list[ChecklistItem]:
    stop = "Kan inte avslutas: "
    items = [
        ChecklistItem("decision", f.decision_recorded and bool(f.decider_function),
                      "Beslutet är registrerat med beslutsfattarens funktion",
                      missing=stop + "beslutet och beslutsfattarens funktion är inte registrerade."),
    ]
    if f.state != REFUSED:
        items.append(ChecklistItem("outcome", f.outcome in OUTCOME_STATE, "Utfallet är registrerat", JO_2019_20,
                                   missing=stop + "utfallet är inte registrerat."))
        items.append(ChecklistItem("custody_closed", f.open_custody_episodes == 0,
                                   "Alla frihetsberövanden är avslutade",
                                   missing=stop + "ett frihetsberövande pågår fortfarande."))
        items.append(ChecklistItem("protocols", f.custody_episodes_without_protocol == 0,
                                   "Protokoll finns för varje frihetsberövande", PL_27,
                                   missing=stop + "protokoll saknas för ett frihetsberövande."))
        items.append(ChecklistItem("transport", f.open_transports == 0, "Transporten är genomförd eller avbeställd",
                                   missing=stop + "transporten är varken genomförd eller avbeställd."))
    if f.active_wanted_notices:
        items.append(ChecklistItem("wanted_notice", False, "Efterlysningen är avlyst",
                                   missing=stop + "efterlysningen är inte avlyst."))
    label = ("Begärande myndighet är underrättad om att personen följde med hälso- och sjukvården"
             if f.outcome == OUTCOME_HEALTH_CARE else "Begärande myndighet är underrättad om utfallet")
    items.append(ChecklistItem("requester_informed", f.requester_informed, label,
                               missing=stop + label[0].lower() + label[1:].replace(" är ", " är inte ", 1) + "."))
    return items


def check_close(f: ClosureFacts) -> Verdict:
    checks = [check_transition(CLOSE, f.state), *kernel.closure_refusals(closure_checklist(f))]
    return _verdict(checks, target_state(CLOSE, f.state))


def check_reopen(state: str, reason: str) -> Verdict:
    checks = [check_transition(REOPEN, state)]
    if len(reason.strip()) < 10:
        checks.append(Check("reopen_reason", False, "Ange varför ärendet öppnas igen.", None))
    return _verdict(checks, target_state(REOPEN, state))


def check_assignment(state: str, resource: str, decider_functions: Iterable[str], competent: Iterable[str],
                     basis_citation: str | None) -> Verdict:
    checks = [check_transition(ASSIGN, state)]
    if not resource.strip():
        checks.append(Check("resource", False, "Ange vilken resurs (patrull, handräckningsgrupp) som tilldelas.", None))
    checks.append(check_competence(decider_functions, competent, basis_citation))
    return _verdict(checks, target_state(ASSIGN, state))
