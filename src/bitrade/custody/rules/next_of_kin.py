"""17 a § PL: next-of-kin notification and its exceptions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from .base import Check, RequiredTask, _aware_utc, _cite, _local, _text
from .duties import _SLA_SOURCE, DEFAULT_TASK_SLAS, TaskSlaConfig
from .grounds import CustodyGround, get_ground

# ---------------------------------------------------------------------------------------------
# 17 a § PL: next-of-kin notification
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NextOfKinFacts:
    """What 17 a § PL turns on.

    ``person_requests``: the person asks for someone to be notified.  ``other_reason``: a recorded
    other reason ("om det annars finns skäl för det").  ``is_minor`` and ``person_unable_to_express_wish``
    count as such a reason (platform reading).  ``person_objects`` + ``exceptional_reasons``: an
    objection blocks notification unless there are "synnerliga skäl".  ``investigation_would_be_harmed``
    (during an ongoing criminal investigation) defers it.  ``measure_ended``: no duty once ended.
    """

    ground: str
    started_at: datetime
    person_requests: bool = False
    other_reason: str = ""
    is_minor: bool = False
    person_unable_to_express_wish: bool = False
    person_objects: bool = False
    exceptional_reasons: str = ""
    criminal_investigation_ongoing: bool = False
    investigation_would_be_harmed: bool = False
    measure_ended: bool = False
    notified_at: datetime | None = None
    #: For a child in an LVU case: what the social services said about restrictions under 14 § LVU.
    #: "" = not yet asked; see :data:`LVU_RESTRICTIONS`.
    lvu_restriction: str = ""


#: Restrictions the social services may have decided under 14 § LVU, and what they mean for the notice.
LVU_RESTRICTIONS = {
    "none": "inga begränsningar enligt 14 § LVU",
    "contact_restricted": "umgänget med vårdnadshavare eller föräldrar är begränsat",
    "whereabouts_secret": "den unges vistelseort hålls hemlig",
}


NextOfKinStatus = Literal[
    "notified",
    "ask_lvu_restrictions",
    "notify_via_social_services",
    "notify_without_whereabouts",
    "notify",
    "deferred_investigation",
    "not_notified_person_objects",
    "not_required_measure_ended",
    "no_reason",
    "not_in_scope",
]


@dataclass(frozen=True)
class NextOfKinDecision:
    status: NextOfKinStatus
    task: RequiredTask | None
    checks: tuple[Check, ...]


def next_of_kin_notification(facts: NextOfKinFacts, slas: TaskSlaConfig = DEFAULT_TASK_SLAS) -> NextOfKinDecision:
    """17 a § PL: notify one of the person's closest relatives or someone especially close.

    Scope: custody under the police act, under the special provisions meant in 11 § (47 § första
    stycket LPT), and anyone otherwise obliged to remain with the police — which covers handräckning
    and LOB custody.  Extended removal (13 c §) is not a custody and is out of scope.

    Order of evaluation, each step its own sentence of the section:
    1. already notified → done;
    2. the measure has ended → no duty (tredje stycket);
    3. the person objects → only with "synnerliga skäl" (andra stycket);
    4. neither a request nor another reason → no duty (första stycket första meningen);
    5. an ongoing criminal investigation that notification would harm → deferred until it can be given
       without harm (första stycket andra meningen);
    6. otherwise → a task to notify.
    """
    g = get_ground(facts.ground)
    start = _aware_utc(facts.started_at, "starttiden")
    p1, p2 = _cite("PL", "17 a", 1), _cite("PL", "17 a", 2)
    settled = _settled_without_task(facts, g)
    if settled is not None:
        return settled

    lvu = _lvu_child(facts, g, start, slas)
    if lvu is not None:
        return lvu
    reasons = _reasons(facts)
    checks: list[Check] = []
    if facts.person_objects:
        checks.append(
            Check("next_of_kin_objection", True,
                  f"Personen motsätter sig underrättelse, men synnerliga skäl är dokumenterade: "
                  f"{_text(facts.exceptional_reasons)}.", p2, severity="info")
        )
        if not reasons:
            reasons.append("synnerliga skäl")
    if not reasons:
        return NextOfKinDecision(
            "no_reason", None,
            (*checks, Check("next_of_kin_reason", True,
                            "Personen har inte begärt underrättelse och inget annat skäl är dokumenterat; "
                            "ingen skyldighet att underrätta. Fråga personen om en anhörig ska underrättas.",
                            p1, severity="info")),
        )
    if facts.criminal_investigation_ongoing and facts.investigation_would_be_harmed:
        return NextOfKinDecision(
            "deferred_investigation", None,
            (*checks, Check("next_of_kin_deferred", False,
                            f"Underrättelse ska lämnas ({', '.join(reasons)}), men får vid pågående brottsutredning "
                            "inte lämnas förrän det kan ske utan men för utredningen. Pröva frågan på nytt.",
                            p1, severity="warning")),
        )
    task = RequiredTask(
        "notify_next_of_kin",
        "Underrätta någon av de närmaste anhöriga eller någon som står personen särskilt nära",
        "executing_officer",
        start + slas.notify_next_of_kin,
        slas.notify_next_of_kin,
        p1,
        None,
        _SLA_SOURCE,
    )
    return NextOfKinDecision(
        "notify", task,
        (*checks, Check("next_of_kin_reason", True, f"Underrättelse ska lämnas: {', '.join(reasons)}.", p1,
                        severity="info")),
    )


def _settled_without_task(facts: NextOfKinFacts, g: CustodyGround) -> NextOfKinDecision | None:
    """Steps before the reasons are weighed: out of scope, already notified, ended, or an objection
    without "synnerliga skäl".  None when none of them settles the matter."""
    p1, p2, p3 = _cite("PL", "17 a", 1), _cite("PL", "17 a", 2), _cite("PL", "17 a", 3)
    if not g.is_custody:
        return NextOfKinDecision(
            "not_in_scope", None,
            (Check("next_of_kin_scope", True, f"{g.title} är inte ett omhändertagande; {_cite('PL', '17 a')} gäller inte.",
                   _cite("PL", "17 a"), severity="info"),),
        )
    if facts.notified_at is not None:
        return NextOfKinDecision(
            "notified", None,
            (Check("next_of_kin_notified", True, f"Anhörig underrättades {_local(facts.notified_at)}.", p1,
                   severity="info"),),
        )
    if facts.measure_ended:
        return NextOfKinDecision(
            "not_required_measure_ended", None,
            (Check("next_of_kin_measure_ended", True,
                   "Åtgärden har upphört; underrättelse behöver inte lämnas.", p3, severity="info"),),
        )
    if facts.person_objects and not _text(facts.exceptional_reasons):
        return NextOfKinDecision(
            "not_notified_person_objects", None,
            (Check("next_of_kin_objection", True,
                   "Personen motsätter sig att någon underrättas. Underrättelse får lämnas bara om det finns "
                   "synnerliga skäl, och inga sådana är dokumenterade. Dokumentera invändningen.", p2,
                   severity="info"),),
        )
    return None


def _reasons(facts: NextOfKinFacts) -> list[str]:
    """The recorded reasons for notification (a request, another reason, a minor, a person who cannot ask)."""
    reasons = []
    if facts.person_requests:
        reasons.append("personen begär det")
    if _text(facts.other_reason):
        reasons.append(f"annat skäl: {_text(facts.other_reason)}")
    if facts.is_minor:
        reasons.append("personen är under 18 år")
    if facts.person_unable_to_express_wish:
        reasons.append("personen kan inte själv framföra en begäran")
    return reasons


def _lvu_child(facts: NextOfKinFacts, g: CustodyGround, start: datetime,
               slas: TaskSlaConfig) -> NextOfKinDecision | None:
    """A child in an LVU case: the social services may have restricted contact with the parents or kept the
    whereabouts secret (14 § LVU). Ask first, record the answer, follow it."""
    if not (facts.is_minor and g.law == "LVU"):
        return None
    p1, lvu14 = _cite("PL", "17 a", 1), _cite("LVU", "14")
    if facts.lvu_restriction not in LVU_RESTRICTIONS:
        task = RequiredTask("ask_lvu_restrictions",
                            "Fråga socialtjänsten om umgänget är begränsat eller vistelseorten hemlig enligt 14 § LVU "
                            "innan någon underrättas", "executing_officer", start + slas.notify_next_of_kin,
                            slas.notify_next_of_kin, lvu14, None, _SLA_SOURCE)
        return NextOfKinDecision("ask_lvu_restrictions", task, (Check(
            "next_of_kin_lvu_ask", False,
            "Den unge vårdas enligt LVU: fråga socialtjänsten om umgänget med vårdnadshavare eller föräldrar är "
            "begränsat eller om vistelseorten hålls hemlig, och registrera svaret, innan anhöriga underrättas.",
            lvu14, severity="warning"),))
    if facts.lvu_restriction == "contact_restricted":
        return NextOfKinDecision("notify_via_social_services", None, (Check(
            "next_of_kin_lvu_contact", True,
            "Socialtjänsten har begränsat umgänget: underrättelsen lämnas genom socialtjänsten, som avgör vem som "
            "ska underrättas, inte direkt till vårdnadshavare eller föräldrar.", lvu14, severity="info"),))
    if facts.lvu_restriction == "whereabouts_secret":
        task = RequiredTask("notify_next_of_kin",
                            "Underrätta anhörig utan att röja var den unge finns eller förs",
                            "executing_officer", start + slas.notify_next_of_kin, slas.notify_next_of_kin, p1, None,
                            _SLA_SOURCE)
        return NextOfKinDecision("notify_without_whereabouts", task, (Check(
            "next_of_kin_lvu_whereabouts", True,
            "Vistelseorten hålls hemlig: underrättelsen får inte röja var den unge finns, hålls eller förs.",
            lvu14, severity="warning"),))
    return None
