"""15 § and 16 § PL: the report to the förman, the förman's review and the duties that follow from the
ground (inform, notify the authority, interview, identify, hand over)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from .base import RequiredTask, _aware_utc, _cite
from .grounds import get_ground

# ---------------------------------------------------------------------------------------------
# 15 § and 16 § PL: report to the förman, the förman's review and the duties that follow
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskSlaConfig:
    """Numbers for the statutes' time words.  **Platform defaults, not law**; each is the deadline of a
    task counted from the start of the custody (or from the report to the förman for the review).

    ``apply_section_15_to_all_custody``: 15 § första stycket andra–tredje meningarna speak of "ett
    omhändertagande" without limiting it to the police act; the platform applies the report and the
    review to every custody ground, handräckning included (the reading that protects liberty).
    ``inform_reason_for_all_grounds``: the person is told the reason for every ground, not only for
    custody under the police act.
    """

    inform_reason: timedelta = timedelta(minutes=15)  # "så snart som möjligt"
    report_to_forman: timedelta = timedelta(minutes=15)  # "så skyndsamt som möjligt"
    forman_review: timedelta = timedelta(minutes=15)  # "omedelbart", after the report
    notify_authority: timedelta = timedelta(hours=1)  # "skyndsamt"
    authority_decision: timedelta = timedelta(hours=2)  # "snarast möjligt"
    interview: timedelta = timedelta(hours=1)  # "så snart som möjligt"
    identification_measures: timedelta = timedelta(minutes=30)  # "skyndsamt"
    handover_minor: timedelta = timedelta(hours=2)  # "skyndsamt" (always within the 6 h)
    handover_guardian_or_social_services: timedelta = timedelta(hours=1)  # "skyndsamt"
    handover_hospital: timedelta = timedelta(hours=1)  # "skyndsamt"
    notify_next_of_kin: timedelta = timedelta(hours=1)  # 17 a § has no time word
    notify_social_services: timedelta = timedelta(minutes=30)  # "snarast"
    protocol_signing: timedelta = timedelta(hours=24)  # 27 § has no time word; counted from the end
    apply_section_15_to_all_custody: bool = True
    inform_reason_for_all_grounds: bool = True

    def __post_init__(self) -> None:
        for name, value in self.__dict__.items():
            if isinstance(value, timedelta) and value <= timedelta(0):
                raise ValueError(f"{name} måste vara positiv")


DEFAULT_TASK_SLAS = TaskSlaConfig()
_SLA_SOURCE = "Plattformens standardvärde för lagens tidsord (TaskSlaConfig)"


@dataclass(frozen=True)
class CustodyFacts:
    ground: str
    started_at: datetime
    is_minor: bool = False
    reported_to_forman_at: datetime | None = None
    forman_review_outcome: Literal["continue", "release"] | None = None
    ended_at: datetime | None = None


def custody_tasks(facts: CustodyFacts, slas: TaskSlaConfig = DEFAULT_TASK_SLAS) -> list[RequiredTask]:
    """The tasks a custody episode opens, ordered by ``due_at``.

    15 § första stycket PL: inform the person of the reason "så snart som möjligt"; the executing
    officer reports to the förman "så skyndsamt som möjligt"; the förman "omedelbart" reviews whether
    the custody shall continue (unless it has already ended).  15 § andra–tredje styckena: notify the
    authority (11 § when continued, 12 § always) and its decision after 11 §.  16 § PL: interview,
    identification measures, handover of a minor.  12 § and 12 a § PL: the handover the ground exists for.
    """
    g = get_ground(facts.ground)
    start = _aware_utc(facts.started_at, "starttiden")
    tasks: list[RequiredTask] = []

    def add(code: str, title: str, responsible: str, sla: timedelta, citation: str, word: str,
            base: datetime | None = None, cap: datetime | None = None) -> None:
        due = (base or start) + sla
        if cap is not None:
            due = min(due, cap)
        tasks.append(RequiredTask(code, title, responsible, due, sla, citation, word, _SLA_SOURCE))

    if g.kind == "removal" or g.police_act_custody or slas.inform_reason_for_all_grounds:
        add("inform_of_reason", "Underrätta personen om anledningen till åtgärden", "executing_officer",
            slas.inform_reason, _cite("PL", "15", 1), "så snart som möjligt")

    ended = facts.ended_at is not None
    if g.is_custody and (g.police_act_custody or slas.apply_section_15_to_all_custody):
        add("report_to_forman", "Anmäl omhändertagandet till förmannen", "executing_officer",
            slas.report_to_forman, _cite("PL", "15", 1), "så skyndsamt som möjligt")
        if not ended:
            base = (
                _aware_utc(facts.reported_to_forman_at, "tidpunkten för anmälan")
                if facts.reported_to_forman_at
                else start + slas.report_to_forman
            )
            add("forman_review", "Förmannen prövar om omhändertagandet ska bestå", "forman",
                slas.forman_review, _cite("PL", "15", 1), "omedelbart", base=base)

    if (g.notify_authority == "if_continued" and facts.forman_review_outcome != "release") or (
        g.notify_authority == "always"
    ):
        add("notify_authority", "Underrätta Polismyndigheten om omhändertagandet och skälet till det", "forman",
            slas.notify_authority, _cite("PL", "15", 2), "skyndsamt")
    if g.authority_decision_required and facts.forman_review_outcome != "release":
        add("authority_decision", "Myndigheten meddelar beslut enligt den särskilda föreskriften", "police_authority",
            slas.authority_decision, _cite("PL", "15", 3), "snarast möjligt")
    if g.interview_required:
        add("interview", "Förhör den omhändertagne", "executing_officer",
            slas.interview, _cite("PL", "16", 1), "så snart som möjligt")
    if g.code == "pl_14":
        add("identification_measures", "Vidta åtgärder för att fastställa identiteten", "executing_officer",
            slas.identification_measures, _cite("PL", "16", 3), "skyndsamt")
    if g.handover == "minor_to_adult" and facts.is_minor:
        cap = start + g.hard_limit if g.hard_limit else None
        add("handover_minor",
            "Överlämna den unge till vårdnadshavare, en tjänsteman inom socialtjänsten eller annan lämplig vuxen",
            "executing_officer", slas.handover_minor, _cite("PL", "16", 2), "skyndsamt",
            cap=cap)
    if g.handover == "guardian_or_social_services":
        add("handover_guardian_or_social_services",
            "Överlämna den unge till föräldrar, annan vårdnadshavare eller socialnämnden", "executing_officer",
            slas.handover_guardian_or_social_services, _cite("PL", "12"), "skyndsamt")
    if g.handover == "hospital":
        add("handover_hospital", "Överlämna personen till sjukhus", "executing_officer",
            slas.handover_hospital, _cite("PL", "12 a", 1), "skyndsamt")

    tasks.sort(key=lambda t: (t.due_at, t.code))
    return tasks
