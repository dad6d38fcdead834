"""Alarms: classification by a dated table and routing (3–4 §§, 19–21 §§), and the alarm's own states.

The regulation names only two categories: alarms that need immediate intervention (the RLC, around the
clock, by its åtgärdskalender, 19 §) and alarms that do not (BOPS, in ordinary working hours, by its
rutinbeskrivning, 21 §). Which alarm type falls in which category is not in the regulation; the table
below is the platform's starting point (an administrator keeps the real one, dated). An alarm type the
table does not know is treated as immediate, so that nothing unknown waits for office hours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

IMMEDIATE = "immediate"
NOT_IMMEDIATE = "not_immediate"
CATEGORY_LABELS = {IMMEDIATE: "Kräver omedelbart ingripande", NOT_IMMEDIATE: "Kräver inte omedelbart ingripande"}

ALARM_TYPES = {
    "zone_entry": "Förbudspersonen har gått in i förbudsområdet",
    "tamper": "Manipulation av utrustningen",
    "strap": "Bandet är skadat eller avklippt",
    "battery_low": "Låg batterinivå",
    "signal_loss": "Signalen har förlorats",
    "device_offline": "Enheten är inte ansluten",
}

# The alarm's own states.
RAISED = "raised"
RLC_HANDLING = "rlc_handling"
BOPS_QUEUED = "bops_queued"
BOPS_HANDLING = "bops_handling"
CLOSED = "closed"
ALARM_STATE_LABELS = {
    RAISED: "Nytt", RLC_HANDLING: "Hanteras av RLC", BOPS_QUEUED: "Köat till BOPS arbetstid",
    BOPS_HANDLING: "Hanteras av BOPS", CLOSED: "Avslutat",
}
ALARM_TRANSITIONS: dict[str, dict[str, str]] = {
    "acknowledge": {RAISED: RLC_HANDLING, BOPS_QUEUED: BOPS_HANDLING},
    "reclassify_immediate": {BOPS_QUEUED: RAISED, BOPS_HANDLING: RAISED},  # new at the RLC
    "close": {RLC_HANDLING: CLOSED, BOPS_HANDLING: CLOSED},
}

CITATION = {IMMEDIATE: "4 § PMFS 2020:1", NOT_IMMEDIATE: "3 § PMFS 2020:1"}
PROCEDURE_CITATION = {IMMEDIATE: "19 § PMFS 2020:1", NOT_IMMEDIATE: "21 § PMFS 2020:1"}


@dataclass(frozen=True)
class AlarmRule:
    """A row of the classification table: alarm type → category → procedure, valid in a period."""

    alarm_type: str
    category: str
    procedure: str
    valid_from: date
    valid_to: date | None = None

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


DEFAULT_TABLE: tuple[AlarmRule, ...] = (
    AlarmRule("zone_entry", IMMEDIATE, "Åtgärdskalender: intrång i förbudsområde", date(2020, 3, 1)),
    AlarmRule("tamper", IMMEDIATE, "Åtgärdskalender: manipulation av utrustning", date(2020, 3, 1)),
    AlarmRule("strap", IMMEDIATE, "Åtgärdskalender: skadat band", date(2020, 3, 1)),
    AlarmRule("signal_loss", IMMEDIATE, "Åtgärdskalender: förlorad signal", date(2020, 3, 1)),
    AlarmRule("battery_low", NOT_IMMEDIATE, "Rutinbeskrivning: låg batterinivå", date(2020, 3, 1)),
    AlarmRule("device_offline", NOT_IMMEDIATE, "Rutinbeskrivning: enhet ej ansluten", date(2020, 3, 1)),
)
UNKNOWN_PROCEDURE = "Åtgärdskalender: okänd larmtyp – hanteras som omedelbart"


@dataclass(frozen=True)
class Classification:
    alarm_type: str
    category: str
    procedure: str
    citation: str
    known: bool = True


def classify(alarm_type: str, at: datetime, table: Iterable[AlarmRule] = DEFAULT_TABLE) -> Classification:
    """the category and procedure of an alarm type on the day it was raised."""
    day = at.date()
    rows = sorted((r for r in table if r.alarm_type == alarm_type and r.valid_on(day)),
                  key=lambda r: r.valid_from)
    if not rows:
        return Classification(alarm_type, IMMEDIATE, UNKNOWN_PROCEDURE, PROCEDURE_CITATION[IMMEDIATE], known=False)
    row = rows[-1]
    return Classification(alarm_type, row.category, row.procedure, PROCEDURE_CITATION[row.category])


@dataclass(frozen=True)
class Route:
    category: str
    handled_by: str  # rlc | bops
    unit: str
    handle_from: datetime
    inform_contact_persons: bool
    procedure: str
    citation: str
    queued: bool = False

    def as_dict(self) -> dict:
        return {"category": self.category, "handled_by": self.handled_by, "unit": self.unit,
                "handle_from": self.handle_from.isoformat(), "inform_contact_persons": self.inform_contact_persons,
                "procedure": self.procedure, "citation": self.citation}


def route(classification: Classification, at: datetime, *, rlc: str, bops: str,
          bops_opens: Callable[[datetime], datetime]) -> Route:
    """immediate → the responsible RLC at once, any hour; not immediate → BOPS from its
    next working hour (held and shown as queued until then). ``bops_opens(at)`` is ``at`` when BOPS is at
    work, else when it next opens. The RLC informs the contact persons of every alarm it handles (20 §)."""
    if classification.category == IMMEDIATE:
        return Route(IMMEDIATE, "rlc", rlc, at, True, classification.procedure,
                     f"{CITATION[IMMEDIATE]}, {PROCEDURE_CITATION[IMMEDIATE]} och 20 § PMFS 2020:1")
    opens = bops_opens(at)
    return Route(NOT_IMMEDIATE, "bops", bops, opens, False, classification.procedure,
                 f"{CITATION[NOT_IMMEDIATE]} och {PROCEDURE_CITATION[NOT_IMMEDIATE]}", queued=opens > at)


def reclassify_immediate(current: Route, at: datetime, *, rlc: str, procedure: str = "") -> Route:
    """A queued or BOPS alarm re-classified as needing immediate intervention goes to the RLC now."""
    return Route(IMMEDIATE, "rlc", rlc, at, True, procedure or current.procedure,
                 f"{CITATION[IMMEDIATE]}, {PROCEDURE_CITATION[IMMEDIATE]} och 20 § PMFS 2020:1")


def alarm_target(action: str, state: str) -> str | None:
    return ALARM_TRANSITIONS.get(action, {}).get(state)


def contact_persons_informed(listed: Iterable[str], informed: Iterable[str]) -> tuple[bool, list[str]]:
    """every contact person on PM 438.3 informed; the ones still to inform."""
    informed = {p.strip() for p in informed}
    missing = [p for p in listed if p.strip() and p.strip() not in informed]
    return not missing, missing


def national_overview_access(functions: Iterable[str], unit_kind: str = "") -> bool:
    """NOA (the national operations department) has read access to the national overview."""
    return "noa" in set(functions) or unit_kind == "noa"
