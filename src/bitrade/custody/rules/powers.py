"""Police powers used in a handräckning, on record with their protocol (pure).

Force (10 § PL, always within 8 § PL: only the form and extent needed), restraints (fängsel, 10 a § PL),
entry into a home or other place to search for the person (20 § PL) and body search (19 § PL). Each use is
recorded with what the protocol must hold: 27 § PL for an intervention, a body search and an entry (a
search of premises and similar measures), 28 § PL for restraints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .base import Check, _cite, _text

FORCE, RESTRAINTS, ENTRY, BODY_SEARCH = "force", "restraints", "entry", "body_search"
POWER_LABELS = {FORCE: "våld", RESTRAINTS: "fängsel (handfängsel eller liknande)",
                ENTRY: "tillträde till bostad eller annat ställe", BODY_SEARCH: "kroppsvisitation"}
POWER_SOURCES = {FORCE: ("PL", "10"), RESTRAINTS: ("PL", "10 a"), ENTRY: ("PL", "20"), BODY_SEARCH: ("PL", "19")}
PROTOCOL_SOURCES = {FORCE: ("PL", "27"), RESTRAINTS: ("PL", "28"), ENTRY: ("PL", "27"), BODY_SEARCH: ("PL", "27")}
#: 20 § tredje stycket PL: an entry between 21.00 and 06.00 only with special reasons.
NIGHT_FROM, NIGHT_TO = 21, 6


def power_citation(kind: str) -> str:
    return _cite(*POWER_SOURCES[kind])


def protocol_citation(kind: str) -> str:
    return _cite(*PROTOCOL_SOURCES[kind])


@dataclass(frozen=True)
class PowerFacts:
    kind: str
    at: datetime  # Stockholm time
    by_whom: str  # the officers who used the power
    necessity: str  # why other means were not enough (8 §, 10 §) / why the measure was needed
    duration_minutes: int | None = None  # force and restraints
    injuries: str = ""  # injuries to anyone, or "inga"
    prior_decision: str = ""  # entry: Polismyndighetens beslut (who, when), or empty when urgent
    urgent: bool = False  # entry without a prior decision
    night_reason: str = ""  # entry between 21 and 06


def check_power_use(f: PowerFacts) -> list[Check]:
    """What the record and its protocol must hold; failed checks refuse the record."""
    if f.kind not in POWER_LABELS:
        return [Check("power_kind", False, "Okänd befogenhet.", None)]
    cite = power_citation(f.kind)
    checks = [Check("power_by_whom", bool(_text(f.by_whom)), "Ange vilka poliser som använde befogenheten.",
                    protocol_citation(f.kind))]
    checks.append(Check("power_necessity", len(_text(f.necessity)) >= 10,
                        "Ange varför åtgärden behövdes och att andra medel inte räckte; tvång får bara användas "
                        "i den form och utsträckning som behövs.", _cite("PL", "8")))
    if f.kind in (FORCE, RESTRAINTS):
        checks.append(Check("power_duration", f.duration_minutes is not None and f.duration_minutes >= 0,
                            "Ange hur länge åtgärden pågick (minuter).", cite))
        checks.append(Check("power_injuries", bool(_text(f.injuries)),
                            "Ange om någon skadades (eller \"inga\").", protocol_citation(f.kind)))
    if f.kind == ENTRY:
        checks.append(Check("entry_decision", bool(_text(f.prior_decision)) or f.urgent,
                            "Tillträde kräver Polismyndighetens beslut i förväg, utom i brådskande fall: ange "
                            "beslutet eller att det var brådskande.", _cite("PL", "20", 3)))
        hour = f.at.hour
        night = hour >= NIGHT_FROM or hour < NIGHT_TO
        checks.append(Check("entry_night", not night or len(_text(f.night_reason)) >= 10,
                            "Tillträde mellan klockan 21 och 6 kräver särskilda skäl: ange dem.",
                            _cite("PL", "20", 3)))
    return checks
