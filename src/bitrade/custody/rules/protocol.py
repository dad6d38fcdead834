"""27 § PL: the protocol of an intervention; 28 § PL: restraints and the other listed measures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Literal

from .base import Check, _aware_utc, _cite, _local, _text

# ---------------------------------------------------------------------------------------------
# 27 § PL: the protocol of an intervention; 28 § PL: restraints and the other listed measures
# ---------------------------------------------------------------------------------------------

#: Interventions that need a 27 § protocol.  The first sentence ("avvisas, avlägsnas, omhändertas eller
#: grips") is not limited to the police act, so custody on any ground — handräckning included — needs one.
INTERVENTION_TYPES: Mapping[str, str] = MappingProxyType(
    {
        "custody": "omhändertagande",
        "removal": "avlägsnande",
        "rejection": "avvisning",
        "apprehension": "gripande",
        "body_search": "kroppsvisitation",
        "house_search": "husrannsakan eller liknande åtgärd",
        "property_custody": "omhändertagande av föremål",
    }
)


def protocol_required(intervention_type: str) -> bool:
    """Whether 27 § första stycket PL requires a protocol for the intervention."""
    return intervention_type in INTERVENTION_TYPES


@dataclass(frozen=True)
class ProtocolItem:
    number: int
    code: str
    text: str
    responsible: Literal["decider", "forman"]


PROTOCOL_ITEMS: tuple[ProtocolItem, ...] = (
    ProtocolItem(1, "decided_by", "vem som har fattat beslutet om ingripandet", "decider"),
    ProtocolItem(2, "decision_ground_and_time", "grunden för beslutet och tidpunkten när det har fattats", "decider"),
    ProtocolItem(3, "participants", "vem eller vilka som har deltagit i ingripandet", "forman"),
    ProtocolItem(4, "subjects", "vem eller vilka som ingripandet har riktat sig mot", "forman"),
    ProtocolItem(5, "intervention_time", "tiden för ingripandet", "forman"),
    ProtocolItem(6, "other_events", "vad som i övrigt har förekommit vid ingripandet", "forman"),
)
_RESPONSIBLE_NAME = {"decider": "den som har fattat beslutet", "forman": "förmannen vid ingripandet"}

MEASURE_TYPES: Mapping[str, str] = MappingProxyType(
    {
        "restraints": "fängsel",
        "firearm": "skjutvapen",
        "tear_gas": "tårgas",
        "vehicle_stop_device": "tekniskt hjälpmedel för att stoppa fordon eller annat transportmedel",
    }
)
RESTRAINT_CONTEXTS: Mapping[str, str] = MappingProxyType(
    {
        "movement_in_facility": "förflyttning inom en förvaringslokal",
        "transport": "transport",
        "outside_facility": "annan vistelse utanför förvaringslokalen",
    }
)


@dataclass(frozen=True)
class MeasureRecord:
    """One use of a measure listed in 28 § PL.  For restraints, ``restraint_ground`` is the point of
    10 a § PL (1: violent and absolutely necessary; 2: movement in a holding facility, transport or
    other stay outside it, necessary for security) with its facts."""

    measure_type: str
    decided_by: str = ""
    reasons: str = ""
    at: datetime | None = None
    restraint_ground: int | None = None
    violent: bool = False
    absolutely_necessary: bool = False
    context: str | None = None


@dataclass(frozen=True)
class ProtocolFacts:
    """The protocol of one intervention (27 § PL).

    Items 1–2 (``decided_by``, ``decision_ground``, ``decided_at``) are the decider's; items 3–6
    (``participants``, ``subjects``, ``started_at``/``ended_at``, ``narrative``) are the förman's at
    the intervention (``forman``).  ``measures`` are the 28 § PL uses recorded with the intervention.
    """

    intervention_type: str
    decided_by: str = ""
    decision_ground: str = ""
    decided_at: datetime | None = None
    participants: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    started_at: datetime | None = None
    ended_at: datetime | None = None
    narrative: str = ""
    forman: str = ""
    measures: tuple[MeasureRecord, ...] = ()


def _names(values: Sequence[str] | None) -> list[str]:
    return [v for v in (_text(x) for x in (values or ())) if v]


def check_protocol(facts: ProtocolFacts) -> list[Check]:
    """Completeness of a 27 § protocol: one check per item (``protocol_item_1`` … ``_6``), each naming
    the missing item and who is responsible for it (27 § tredje stycket PL), then the förman, the order
    of the times, and the 28 § protocol of every recorded measure."""
    if not protocol_required(facts.intervention_type):
        raise ValueError(f"{_cite('PL', '27', 1)} kräver inget protokoll för {facts.intervention_type!r}")
    missing: dict[int, str] = {}
    if not _text(facts.decided_by):
        missing[1] = "beslutsfattaren saknas"
    parts = []
    if not _text(facts.decision_ground):
        parts.append("grunden")
    if facts.decided_at is None:
        parts.append("tidpunkten för beslutet")
    if parts:
        missing[2] = " och ".join(parts) + " saknas"
    if not _names(facts.participants):
        missing[3] = "deltagarna saknas"
    if not _names(facts.subjects):
        missing[4] = "den eller de som ingripandet riktade sig mot saknas"
    times = []
    if facts.started_at is None:
        times.append("starttid")
    if facts.ended_at is None:
        times.append("sluttid")
    if times:
        missing[5] = " och ".join(times) + " saknas"
    elif _aware_utc(facts.ended_at, "sluttiden") < _aware_utc(facts.started_at, "starttiden"):
        missing[5] = "sluttiden ligger före starttiden"
    if not _text(facts.narrative):
        missing[6] = "redogörelsen saknas (skriv ”inget övrigt” om inget annat förekom)"

    checks: list[Check] = []
    for item in PROTOCOL_ITEMS:
        citation = _cite("PL", "27", 2, item.number)
        responsible = _RESPONSIBLE_NAME[item.responsible]
        if item.number in missing:
            checks.append(
                Check(f"protocol_item_{item.number}", False,
                      f"Protokollet saknar punkt {item.number}, {item.text}: {missing[item.number]}. "
                      f"Ansvarig: {responsible} ({_cite('PL', '27', 3)}).", citation)
            )
        else:
            checks.append(
                Check(f"protocol_item_{item.number}", True,
                      f"Punkt {item.number}, {item.text}, är ifylld.", citation, severity="info")
            )

    forman_ok = bool(_text(facts.forman))
    checks.append(
        Check("protocol_forman", forman_ok,
              f"Förman vid ingripandet: {_text(facts.forman)}." if forman_ok else
              "Ange vem som var förman vid ingripandet; förmannen ansvarar för punkterna 3–6.",
              _cite("PL", "27", 3), severity="info" if forman_ok else "error")
    )
    if facts.decided_at is not None and facts.started_at is not None:
        if _aware_utc(facts.decided_at, "beslutstiden") > _aware_utc(facts.started_at, "starttiden"):
            checks.append(
                Check("protocol_decision_after_start", False,
                      "Beslutet är registrerat efter att ingripandet började; kontrollera tidpunkterna.",
                      _cite("PL", "27", 2, 2), severity="warning")
            )
    for index, measure in enumerate(facts.measures, start=1):
        for check in check_measure_protocol(measure):
            checks.append(
                Check(f"{check.code}_{index}", check.ok, check.message, check.citation, check.severity,
                      check.hard, check.source)
            )
    return checks


@dataclass(frozen=True)
class ProtocolDraftFacts:
    """What the case already knows of an intervention, in words, for a first draft of the protocol.

    Nothing here is a code value: the caller passes the ground's title, the function and the förvar
    reasons and places in words (the display glossary)."""

    decider_name: str
    decider_function: str
    ground_title: str
    ground_citation: str
    started_at: datetime
    now: datetime
    legal_basis_citation: str = ""
    ended_at: datetime | None = None
    subject_name: str = ""
    subject_identity: str = ""
    place: str = ""
    holdings: tuple[str, ...] = ()
    end_reason: str = ""


def protocol_draft(facts: ProtocolDraftFacts) -> dict[str, str]:
    """A draft of the six items of a 27 § PL protocol from what the case knows, for the officer to check
    and change before saving (nothing is stored from here).

    Item 1 is the person who registered the deprivation of liberty and their function; item 2 the ground
    with its citation, the legal basis the request cited, and the time of the decision, which is the time
    the deprivation of liberty was registered (that is the decision on record; a later time would put a
    decision after the intervention it authorised, see ``protocol_decision_after_start``); item 3 is left
    to the förman (who took part is not on record); item 4 the person; item 5 the start and the end, or
    "pågår" with the time of the draft; item 6 the place, each förvar and how it ended."""
    name = _text(facts.decider_name)
    function = _text(facts.decider_function)
    ground = f"{_text(facts.ground_title)} ({_text(facts.ground_citation)})" if facts.ground_title else \
        _text(facts.ground_citation)
    basis = _text(facts.legal_basis_citation)
    if basis and basis not in ground:
        ground += f", på begäran enligt {basis}"
    subject = _text(facts.subject_name)
    if subject and _text(facts.subject_identity):
        subject += f" ({_text(facts.subject_identity)})"
    if facts.ended_at is not None:
        span = f"{_local(facts.started_at)} – {_local(facts.ended_at)}"
    else:
        span = f"från {_local(facts.started_at)}, pågår ({_local(facts.now)})"
    events = []
    if _text(facts.place):
        events.append(f"Personen hölls: {_text(facts.place)}.")
    events += [f"{_text(h)}." for h in facts.holdings if _text(h)]
    if facts.ended_at is not None:
        ending = f"Frihetsberövandet upphörde {_local(facts.ended_at)}"
        events.append(f"{ending}: {_text(facts.end_reason)}." if _text(facts.end_reason) else f"{ending}.")
    return {
        "decided_by_text": f"{name}, {function}" if name and function else name,
        "ground_and_time": f"{ground}. Beslutet fattades {_local(facts.started_at)}." if ground else "",
        "participants": "",
        "subjects": subject,
        "intervention_time": span,
        "other_events": "\n".join(events),
    }


def check_measure_protocol(measure: MeasureRecord) -> list[Check]:
    """28 § PL: a protocol for restraints (fängsel), firearms, tear gas and vehicle-stopping devices,
    with the reasons for the measure; the decider is responsible.  For restraints, the ground in
    10 a § PL must be met."""
    if measure.measure_type not in MEASURE_TYPES:
        raise ValueError(f"{_cite('PL', '28')} gäller inte åtgärden {measure.measure_type!r}")
    p28 = _cite("PL", "28")
    name = MEASURE_TYPES[measure.measure_type]
    checks = [
        Check("measure_reasons", bool(_text(measure.reasons)),
              f"Skälen för användningen av {name} är angivna." if _text(measure.reasons) else
              f"Protokollet över användning av {name} ska innehålla skälen för åtgärden.", p28,
              severity="info" if _text(measure.reasons) else "error"),
        Check("measure_decided_by", bool(_text(measure.decided_by)),
              f"Beslutsfattare: {_text(measure.decided_by)} (ansvarig för protokollet)." if _text(measure.decided_by)
              else "Ange vem som beslutade om åtgärden; den som fattat beslutet ansvarar för protokollet.", p28,
              severity="info" if _text(measure.decided_by) else "error"),
    ]
    if measure.measure_type == "restraints":
        ground = measure.restraint_ground
        if ground == 1:
            ok = measure.violent and measure.absolutely_necessary
            checks.append(
                Check("restraint_ground", ok,
                      "Fängsel: personen uppträdde våldsamt och det var absolut nödvändigt med hänsyn till säkerheten."
                      if ok else
                      "Fängsel enligt första punkten kräver att personen uppträder våldsamt och att det är absolut "
                      "nödvändigt med hänsyn till hans eller hennes egen eller någon annans säkerhet.",
                      _cite("PL", "10 a", None, 1), severity="info" if ok else "error")
            )
        elif ground == 2:
            ok = measure.context in RESTRAINT_CONTEXTS and bool(_text(measure.reasons))
            checks.append(
                Check("restraint_ground", ok,
                      f"Fängsel vid {RESTRAINT_CONTEXTS[measure.context]} av säkerhetsskäl."
                      if ok else
                      "Fängsel enligt andra punkten gäller vid förflyttning inom en förvaringslokal, vid transport "
                      "eller annan vistelse utanför lokalen, och kräver att det är nödvändigt av säkerhetsskäl.",
                      _cite("PL", "10 a", None, 2), severity="info" if ok else "error")
            )
        else:
            checks.append(
                Check("restraint_ground", False,
                      "Ange grunden för fängsel: första punkten (våldsamt, absolut nödvändigt) eller andra "
                      "punkten (förflyttning eller transport, säkerhetsskäl).", _cite("PL", "10 a"))
            )
    return checks
