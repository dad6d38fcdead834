"""Every time requirement of the regulation as a computed deadline.

The regulation gives two numbers, both in general advice: mounting within two days of the decision
(allmänt råd to 10 §) and the summons to dismounting two weeks before the end (allmänt råd to 25 §).
Every other limit is a plain-language word ("omgående", "så snart som möjligt", "skyndsamt",
"omedelbart"); the hours below are **platform choices**, dated settings an administrator can replace
from a later date, never law.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from .facts import CaseFacts

MOUNT_WITHIN = timedelta(days=2)  # allmänt råd to 10 § (calendar days)
SUMMONS_BEFORE = timedelta(days=14)  # allmänt råd to 25 §


@dataclass(frozen=True)
class TimeSettings:
    """The platform's numbers for the regulation's plain-language time words (not law)."""

    valid_from: date
    directive_hours: int = 24  # "omgående"
    oral_report_days: int = 7  # "så snart som möjligt" after the investigation opens
    written_after_oral_days: int = 2  # "därefter"
    talk_protected_hours: int = 48  # "så snart som möjligt" after the decision
    equipment_prepare_hours: int = 24  # "i samband med"
    consult_prosecutor_hours: int = 4  # "skyndsamt"
    inform_contact_persons_minutes: int = 30  # "så snart som möjligt"
    notify_rlc_end_minutes: int = 60  # "omedelbart"
    dismount_hours: int = 24  # "så snart som möjligt" after the end
    appoint_contact_persons_hours: int = 24  # 11 § "vid ett beslut"
    pm438_3_hours: int = 4  # 15 § "vid beslut"
    remind_before: float = 0.2  # a reminder when 80 % of the time has passed
    platform_choice: bool = field(default=True, init=False)


DEFAULT_SETTINGS: tuple[TimeSettings, ...] = (TimeSettings(valid_from=date(2020, 3, 1)),)


def settings_at(day: date, table: tuple[TimeSettings, ...] = DEFAULT_SETTINGS) -> TimeSettings:
    """The settings in force on ``day`` (the latest ``valid_from`` not after it)."""
    valid = sorted((s for s in table if s.valid_from <= day), key=lambda s: s.valid_from)
    return valid[-1] if valid else replace(table[0], valid_from=day)


@dataclass(frozen=True)
class Due:
    code: str
    due_at: datetime
    binding: bool
    citation: str
    label: str
    start_at: datetime | None = None  # when the clock started (for the reminder at 80 %)
    platform_choice: bool = True

    def as_dict(self) -> dict:
        return {"code": self.code, "due_at": self.due_at.isoformat(), "binding": self.binding,
                "citation": self.citation}

    def remind_at(self, share: float) -> datetime | None:
        if self.start_at is None or self.start_at >= self.due_at:
            return None
        return self.due_at - (self.due_at - self.start_at) * share


def deadlines(facts: CaseFacts, settings: TimeSettings | None = None, *, open_only: bool = True) -> list[Due]:
    """Every deadline the facts start, and (``open_only``) whose task is not yet done."""
    s = settings or DEFAULT_SETTINGS[-1]
    h = lambda n: timedelta(hours=n)  # noqa: E731
    out: list[tuple[Due, bool]] = []  # (deadline, done)

    def add(code, start, delta, done, binding, citation, label, *, due=None):
        if start is None and due is None:
            return
        out.append((Due(code, due or start + delta, binding, citation, label, start, delta is not None), done))

    for i, d in enumerate(facts.directives, 1):
        add(f"directive_{i}", d.received_at, h(s.directive_hours), d.done_at is not None, True,
            "9 § första stycket PMFS 2020:1", f"Utredningsåtgärd enligt direktiv: {d.measure}")
    add("oral_report", facts.investigation_opened_at, timedelta(days=s.oral_report_days),
        facts.oral_presented_at is not None, True, "9 § andra stycket PMFS 2020:1", "Muntlig föredragning")
    add("written_report", facts.oral_presented_at, timedelta(days=s.written_after_oral_days),
        facts.written_sent_at is not None, True, "9 § andra stycket PMFS 2020:1", "Skriftlig redovisning")
    add("equipment_prepared", facts.investigation_opened_at, h(s.equipment_prepare_hours),
        facts.equipment_prepared_at is not None, True, "14 § första stycket PMFS 2020:1", "Förbered utrustningen")
    granted = facts.decided_at is not None and facts.decision == "granted"
    if granted:
        start = facts.decided_at
        mount_limit = facts.eo_start_at or facts.proposed_mount_at
        add("contact_persons", start, h(s.appoint_contact_persons_hours),  # 11 §
            bool(facts.contact_person_protected and facts.contact_person_prohibited), True, "11 § PMFS 2020:1",
            "Utse kontaktpersoner")
        add("pm438_3", start, h(s.pm438_3_hours), facts.pm438_3_sent_at is not None, True,  # 15 §
            "15 § PMFS 2020:1", "Skicka PM 438.3 till regionledningscentralen")
        add("mount_within_two_days", start, MOUNT_WITHIN, facts.mount_at is not None, False,
            "10 § PMFS 2020:1", "Montering inom två dagar (allmänt råd)")
        if mount_limit is not None:
            add("talk_prohibited", start, None, facts.talk_prohibited_at is not None, True,
                "12 § PMFS 2020:1", "Klargörandesamtal med förbudspersonen", due=mount_limit)
        talk_due = start + h(s.talk_protected_hours)
        add("talk_protected", start, None, facts.talk_protected_at is not None, True,
            "13 § PMFS 2020:1", "Klargörandesamtal med skyddspersonen",
            due=min(talk_due, mount_limit) if mount_limit else talk_due)
        if facts.eo_start_at is not None:
            add("ready_to_start", start, None, facts.mount_at is not None, True,
                "16 § PMFS 2020:1", "Redo att starta vid beslutad tidpunkt", due=facts.eo_start_at)
    add("consult_prosecutor", facts.obstacle_at, h(s.consult_prosecutor_hours),
        facts.prosecutor_consulted_at is not None, True, "18 § tredje stycket PMFS 2020:1", "Samråd med åklagaren")
    add("notify_rlc_of_end", facts.end_decision_at, timedelta(minutes=s.notify_rlc_end_minutes),
        facts.rlc_notified_of_end_at is not None, True, "24 § PMFS 2020:1",
        "Underrätta regionledningscentralen om beslutet att avsluta")
    if facts.mount_at is not None or granted:
        end = min(x for x in (facts.end_decision_at, facts.eo_end_at) if x) if (
            facts.end_decision_at or facts.eo_end_at) else None
        add("dismount", end, h(s.dismount_hours), facts.dismount_at is not None, True,
            "25 § PMFS 2020:1", "Demontering och avinstallation")
        if facts.eo_end_at is not None:
            add("dismount_summons", facts.mount_at or facts.decided_at, None,
                facts.summons_sent_at is not None, False, "25 § PMFS 2020:1",
                "Kallelse till demontering (allmänt råd)", due=facts.eo_end_at - SUMMONS_BEFORE)
    result = [d for d, done in out if not (open_only and done)]
    return sorted(result, key=lambda d: (d.due_at, d.code))


def inform_contact_persons_due(raised_at: datetime, settings: TimeSettings | None = None) -> Due:
    """the RLC informs the contact persons on PM 438.3 of an alarm as soon as possible (20 §)."""
    s = settings or DEFAULT_SETTINGS[-1]
    return Due("inform_contact_persons", raised_at + timedelta(minutes=s.inform_contact_persons_minutes), True,
               "20 § PMFS 2020:1", "Informera kontaktpersonerna om larmet", raised_at)
