"""Transport of a person deprived of liberty: pure rules, never Django.

Standard library and other ``rules`` modules only.  Three parts:

1. **29 a § PL**: the Police may hand a person deprived of liberty over to Kriminalvården (NTE) for
   transport, and must then give Kriminalvården, "utan hinder av sekretess", the information in
   45 b § LVM, 43 b § LVU, 47 b § LPT and 27 § LRV *if it is needed for planning and carrying out the
   transport*.  The sources describe those categories but do not list fields, so the platform defines
   a conservative whitelist (:data:`DEFAULT_WHITELIST`) and refuses everything else by default
   (:func:`filter_transport_order`, :func:`validate_transport_order`).
2. **NTE's answer**: accept, or decline with a reason code (:data:`NTE_DECLINE_REASONS`); declines are
   counted for follow-up (:func:`check_nte_response`, :func:`count_declines`).
3. **Police transport plans** (:func:`check_transport_plan`): legs, handovers between regions (relay
   transports, stafettkörning), long transports and overnight holding.  The national routine on long
   transports (Polismyndigheten, Nationell rutin – långa transporter av frihetsberövade, 2015-10-20,
   quoted in the supervision report) says relay transports shall be avoided as far as possible,
   especially for children and young people; a dialogue about the person's best interest shall always
   be held with the requester; an unavoidable long transport is planned with as few handovers as
   possible.  The routine is not a statute, so those checks name it as ``source`` and carry no citation.

The readings and defaults are documented in ``docs/custody-rules.md``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from types import MappingProxyType
from typing import Any

from bitrade.common import labels as glossary
from bitrade.custody.rules import (
    DEFAULT_HOLDING_CONFIG,
    GROUNDS,
    PLACE_TYPES,
    AgeAssessment,
    Check,
    HoldingConfig,
    classify_age,
    format_duration,
)
from bitrade.legal.citations import Citation, format_citation
from bitrade.organisation.rules import STOCKHOLM

__all__ = [
    "DEFAULT_PLAN_CONFIG",
    "DEFAULT_WHITELIST",
    "DENIED_FIELDS",
    "NATIONAL_ROUTINE_LONG_TRANSPORTS",
    "NTE_DECLINE_REASONS",
    "TRANSPORT_INFORMATION_SECTIONS",
    "FieldCheck",
    "NteResponse",
    "TransportCategory",
    "TransportLeg",
    "TransportOrderFacts",
    "TransportPlanConfig",
    "TransportWhitelist",
    "check_nte_response",
    "check_transport_plan",
    "count_declines",
    "count_handovers",
    "nte_answer_due",
    "filter_transport_order",
    "transport_information_citation",
    "validate_transport_order",
]

NATIONAL_ROUTINE_LONG_TRANSPORTS = (
    "Polismyndigheten, Nationell rutin – långa transporter av frihetsberövade (2015-10-20)"
)

# ---------------------------------------------------------------------------------------------
# 29 a § PL: what may be given to Kriminalvården
# ---------------------------------------------------------------------------------------------

#: The sections 29 a § andra stycket PL refers to, per care law (LSU 20 b § and utlänningslagen
#: 10 kap. 19 c § are outside handräckning under the care laws).
TRANSPORT_INFORMATION_SECTIONS: Mapping[str, str] = MappingProxyType(
    {"LVM": "45 b", "LVU": "43 b", "LPT": "47 b", "LRV": "27"}
)


def transport_information_citation(law: str | None = None) -> str:
    """``"29 a § andra stycket PL"``, or read with the care law's section:
    ``"29 a § andra stycket PL jfr 47 b § LPT"``."""
    if law is None:
        return format_citation("PL", "29 a", 2)
    section = TRANSPORT_INFORMATION_SECTIONS.get(law)
    if section is None:
        raise ValueError(f"Okänd vårdlag för transportuppgifter: {law!r}")
    return format_citation("PL", "29 a", 2, applied=Citation.of(law, section))


@dataclass(frozen=True)
class TransportCategory:
    """One category of information that may be given to Kriminalvården, with the order fields in it."""

    code: str
    title: str
    purpose: str
    fields: frozenset[str]


#: Fields that may never be whitelisted, whatever the configuration says, with the reason shown when
#: one is refused.  Anything else that is not whitelisted is refused with the general reason.
DENIED_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "full_request_text": "hela handräckningsbegäran behövs inte för transporten; lämna bara de uppgifter "
        "transporten kräver",
        "request_attachments": "bilagorna till begäran (intyg, beslut) behövs inte för transporten",
        "diagnosis_details": "diagnosuppgifter lämnas inte utöver det som transportsäkerheten kräver; ange i stället "
        "risk eller medicinskt behov under transporten",
        "medical_records": "journaluppgifter behövs inte för transporten",
        "social_history": "uppgifter om sociala förhållanden och bakgrund behövs inte för transporten",
        "care_decision_text": "vårdbeslutets innehåll behövs inte; ange grunden och beslutets referens",
        "third_party_identity_number": "personnummer för andra personer än den som transporteras lämnas inte",
        "third_party_name": "uppgifter om andra personer än den som transporteras och kontaktpersonen lämnas inte",
        "relatives": "uppgifter om anhöriga behövs inte för transporten",
        "criminal_record": "belastningsuppgifter lämnas inte; ange en konkret risk under transporten i stället",
        "requester_internal_notes": "den begärande myndighetens interna anteckningar lämnas inte",
    }
)

_GENERAL_REFUSAL = (
    "uppgiften hör inte till de uppgifter som behövs för planering och genomförande av transporten "
    "och lämnas därför inte"
)


@dataclass(frozen=True)
class TransportWhitelist:
    """The categories that may be given (configuration, with a floor: no field in
    :data:`DENIED_FIELDS` can be whitelisted, and a field belongs to one category only)."""

    categories: tuple[TransportCategory, ...]

    def __post_init__(self) -> None:
        seen: dict[str, str] = {}
        for category in self.categories:
            for name in category.fields:
                if name in DENIED_FIELDS:
                    raise ValueError(f"fältet {name!r} får aldrig lämnas till Kriminalvården")
                if name in seen:
                    raise ValueError(f"fältet {name!r} finns i både {seen[name]} och {category.code}")
                seen[name] = category.code

    def category_of(self, name: str) -> TransportCategory | None:
        for category in self.categories:
            if name in category.fields:
                return category
        return None


DEFAULT_WHITELIST = TransportWhitelist(
    (
        TransportCategory(
            "order_administration", "Uppgifter om beställningen",
            "Identifierar beställningen och den polisenhet som lämnar över transporten.",
            frozenset({"order_reference", "reference_number", "ordering_unit"}),
        ),
        TransportCategory(
            "identity", "Identitet som behövs för transporten",
            "Kriminalvården ska kunna ta emot rätt person och lämna över rätt person på vårdinrättningen.",
            frozenset({"person_name", "person_identity_number", "person_birth_date"}),
        ),
        TransportCategory(
            "deprivation_of_liberty", "Grunden för frihetsberövandet",
            "Transporten får bara avse den som är berövad friheten; grunden och beslutets referens, inte dess innehåll.",
            frozenset({"legal_basis", "decision_reference", "deprived_of_liberty_since"}),
        ),
        TransportCategory(
            "destination", "Vårdinrättning som är transportens mål",
            "Transporten går till den vårdinrättning som framgår av handräckningsbegäran.",
            frozenset({"destination_facility", "destination_address", "destination_contact_phone"}),
        ),
        TransportCategory(
            "pickup", "Plats och tid för hämtning",
            "Behövs för att planera transporten.",
            frozenset({"pickup_place", "pickup_at", "pickup_latest_at"}),
        ),
        TransportCategory(
            "transport_risk", "Risker som rör säkerheten under transporten",
            "Risk för våld, rymning eller självskada, begränsat till det som påverkar transportens säkerhet.",
            frozenset({"risk_violence", "risk_escape", "risk_self_harm", "risk_notes"}),
        ),
        TransportCategory(
            "medical_handover", "Medicinska behov och läkemedel att överlämna",
            "Läkemedel som ska följa med och behov under transporten, inte diagnoser.",
            frozenset({"medication_to_hand_over", "medical_needs_during_transport"}),
        ),
        TransportCategory(
            "restraints", "Behov av fängsel",
            "Om fängsel kan behövas under transporten och varför.",
            frozenset({"restraints_needed", "restraints_reason"}),
        ),
        TransportCategory(
            "contact_person", "Kontaktperson",
            "Någon som kan nås under transporten hos polisen eller den begärande myndigheten.",
            frozenset({"contact_person_name", "contact_person_phone"}),
        ),
    )
)


@dataclass(frozen=True)
class FieldCheck(Check):
    """A check about one field of a transport order."""

    field: str = ""


FIELD_REFUSED = "transport_field_not_whitelisted"


def filter_transport_order(
    fields: Mapping[str, Any],
    *,
    law: str | None = None,
    whitelist: TransportWhitelist = DEFAULT_WHITELIST,
) -> tuple[dict[str, Any], list[FieldCheck]]:
    """Split an order's fields into what may be given to Kriminalvården and what is refused.

    Deny by default: a field is given only if the whitelist has it.  Every refused field gets its own
    check (code ``transport_field_not_whitelisted``, ``field`` set) with a Swedish message and the
    citation 29 a § andra stycket PL (read with the care law's section when ``law`` is given).  Values
    are not inspected; free-text fields (``risk_notes``, ``restraints_reason``) must be kept to the
    category's purpose by the person writing them.
    """
    citation = transport_information_citation(law)
    allowed: dict[str, Any] = {}
    refused: list[FieldCheck] = []
    for name, value in fields.items():
        if isinstance(name, str) and whitelist.category_of(name) is not None:
            allowed[name] = value
            continue
        label = name if isinstance(name, str) else repr(name)
        reason = DENIED_FIELDS.get(name, _GENERAL_REFUSAL) if isinstance(name, str) else _GENERAL_REFUSAL
        refused.append(
            FieldCheck(
                FIELD_REFUSED, False,
                f"Uppgiften ”{label}” lämnas inte till Kriminalvården: {reason}.",
                citation, field=label,
            )
        )
    return allowed, refused


@dataclass(frozen=True)
class TransportOrderFacts:
    """A proposed transport order to Kriminalvården (NTE) under 29 a § PL."""

    deprived_of_liberty: bool
    custody_ground: str | None
    destination: str
    pickup_place: str = ""
    pickup_at: datetime | None = None
    requested_destination: str = ""
    law: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)


def _text(value: str | None) -> str:
    return " ".join((value or "").split())


def _aware_utc(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} måste vara en tidszonsmedveten datetime")
    return moment.astimezone(UTC)


def _local(moment: datetime) -> str:
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d kl. %H:%M")


def validate_transport_order(
    order: TransportOrderFacts,
    *,
    now: datetime,
    whitelist: TransportWhitelist = DEFAULT_WHITELIST,
) -> list[Check]:
    """Checks of a transport order before it goes to Kriminalvården.

    * the person is deprived of liberty on a custody ground (29 a § första stycket PL applies to
      "någon som är berövad friheten"; an extended removal is not a deprivation the transport can carry);
    * a destination, and, when the request names one, the same destination (the transport goes to the
      care facility stated in the request);
    * a pick-up place and time (a time already passed at ``now`` is a warning);
    * every field whitelisted (each refused field is its own error).
    """
    at = _aware_utc(now, "now")
    p1 = format_citation("PL", "29 a", 1)
    checks: list[Check] = []

    ground = GROUNDS.get(order.custody_ground or "")
    if not order.deprived_of_liberty:
        checks.append(Check("transport_deprived_of_liberty", False,
                            "Kriminalvården kan bara överta transporten av någon som är berövad friheten.", p1))
    elif ground is None or not ground.is_custody:
        what = f"{ground.title} är inte ett frihetsberövande som transporten kan avse" if ground else (
            "grunden för frihetsberövandet saknas eller är okänd")
        checks.append(Check("transport_deprived_of_liberty", False,
                            f"Ange grunden för frihetsberövandet: {what}.", p1))
    else:
        checks.append(Check("transport_deprived_of_liberty", True,
                            f"Personen är berövad friheten ({ground.citation}).", p1, severity="info"))

    destination = _text(order.destination)
    if not destination:
        checks.append(Check("transport_destination", False,
                            "Ange den vårdinrättning som transporten ska gå till.", p1))
    else:
        checks.append(Check("transport_destination", True, f"Mål: {destination}.", p1, severity="info"))
        requested = _text(order.requested_destination)
        if requested and requested.casefold() != destination.casefold():
            checks.append(
                Check("transport_destination_matches_request", False,
                      f"Målet ”{destination}” är inte den vårdinrättning som framgår av begäran (”{requested}”).",
                      p1, source="Tillsynsrapporten: transport till den vårdinrättning som framgår av begäran")
            )

    missing = [label for label, value in (("plats", _text(order.pickup_place)), ("tid", order.pickup_at)) if not value]
    if missing:
        checks.append(Check("transport_pickup", False,
                            f"Ange {' och '.join(missing)} för hämtningen.", transport_information_citation(order.law)))
    else:
        pickup = _aware_utc(order.pickup_at, "hämtningstiden")
        checks.append(Check("transport_pickup", True, f"Hämtning {_local(pickup)}, {_text(order.pickup_place)}.",
                            transport_information_citation(order.law), severity="info"))
        if pickup < at:
            checks.append(Check("transport_pickup_passed", False,
                                f"Hämtningstiden {_local(pickup)} har redan passerat.",
                                transport_information_citation(order.law), severity="warning"))

    _, refused = filter_transport_order(order.fields, law=order.law, whitelist=whitelist)
    if refused:
        checks.extend(refused)
    else:
        checks.append(Check("transport_fields_whitelisted", True,
                            "Beställningen innehåller bara uppgifter som behövs för transporten.",
                            transport_information_citation(order.law), severity="info"))
    return checks


# ---------------------------------------------------------------------------------------------
# NTE's answer
# ---------------------------------------------------------------------------------------------

NTE_DECLINE_REASONS: Mapping[str, str] = glossary.DECLINE_REASON


@dataclass(frozen=True)
class NteResponse:
    accepted: bool
    reason: str | None = None
    reason_text: str = ""
    responded_at: datetime | None = None


def check_nte_response(response: NteResponse, *, person_age: int | None = None) -> list[Check]:
    """Validate NTE's accept/decline.  A decline needs a reason code from :data:`NTE_DECLINE_REASONS`
    ("other" with a text); "child under 15 at short notice" cannot be used for a person known to be 15
    or older.  A valid decline tells the police to plan the transport themselves."""
    p1 = format_citation("PL", "29 a", 1)
    if response.accepted:
        if response.reason is not None:
            return [Check("nte_response", False, "Ett godtagande ska inte ha något avböjandeskäl.", p1)]
        return [Check("nte_response", True, "Kriminalvården (NTE) har godtagit transporten.", p1, severity="info")]
    if response.reason is None:
        return [Check("nte_decline_reason", False, "Ange skälet till att transporten avböjs.", p1)]
    if response.reason not in NTE_DECLINE_REASONS:
        return [Check("nte_decline_reason", False, f"Okänt avböjandeskäl: {response.reason!r}.", p1)]
    if response.reason == "other" and not _text(response.reason_text):
        return [Check("nte_decline_reason", False, "Beskriv skälet när annat skäl anges.", p1)]
    if response.reason == "child_under_15_short_notice" and person_age is not None and person_age >= 15:
        return [Check("nte_decline_reason", False,
                      f"Skälet ”{NTE_DECLINE_REASONS[response.reason]}” gäller inte en person som är {person_age} år.",
                      p1)]
    label = _text(response.reason_text) if response.reason == "other" else NTE_DECLINE_REASONS[response.reason]
    return [
        Check("nte_decline_reason", True, f"NTE avböjer: {label}.", p1, severity="info"),
        Check("nte_declined_police_transport", False,
              "Transporten utförs av polisen; planera den med så få överlämningar som möjligt.",
              None, severity="warning", source=NATIONAL_ROUTINE_LONG_TRANSPORTS),
    ]


#: How long NTE has to answer a transport order.  **Platform default, not law** (29 a § PL sets no time).
NTE_ANSWER_SLA = timedelta(minutes=30)


def nte_answer_due(ordered_at: datetime, pickup_at: datetime | None = None, sla: timedelta = NTE_ANSWER_SLA) -> datetime:
    """When NTE's answer to a transport order is overdue: ``sla`` after the order, but never later than
    the requested pick-up time (an answer after the pick-up is useless), and never before the order."""
    due = _aware_utc(ordered_at, "beställningstiden") + sla
    if pickup_at is not None:
        due = max(min(due, _aware_utc(pickup_at, "hämtningstiden")), _aware_utc(ordered_at, "beställningstiden"))
    return due


def count_declines(responses: Iterable[NteResponse]) -> dict[str, int]:
    """Declines per reason code, every code present (zero included), for follow-up.  Accepted
    responses and declines without a valid code are not counted."""
    counter = Counter(
        r.reason for r in responses if not r.accepted and r.reason in NTE_DECLINE_REASONS
    )
    return {code: counter.get(code, 0) for code in NTE_DECLINE_REASONS}


# ---------------------------------------------------------------------------------------------
# Transport plans: legs, handovers, relay transports
# ---------------------------------------------------------------------------------------------

EXECUTORS = frozenset({"police", "nte"})


@dataclass(frozen=True)
class TransportLeg:
    """One leg of a transport.  ``region`` is the police region whose patrol drives the leg (for NTE:
    the NTE unit).  ``overnight_stop`` marks an overnight stop after this leg; it must be linked to the
    custody episode (``custody_episode_ref``) whose holding decision covers it, and its place type is
    one of the custody place types (``overnight_place_type``)."""

    executor: str
    region: str
    start_at: datetime
    end_at: datetime
    from_place: str = ""
    to_place: str = ""
    overnight_stop: bool = False
    custody_episode_ref: str | None = None
    overnight_place_type: str | None = None


@dataclass(frozen=True)
class TransportPlanConfig:
    """Thresholds for transport plans.  **Platform defaults, not law.**

    ``long_transport``: a plan longer than this is a long transport (default 4 h, the report's mean
    patrol time for a whole handräckning).  ``max_handover_wait``: a longer wait between legs (without
    an overnight stop) is flagged, since waiting often means holding.  ``night_start``/``night_end``:
    the Swedish wall-clock night used to flag night driving.
    """

    long_transport: timedelta = timedelta(hours=4)
    max_handover_wait: timedelta = timedelta(minutes=30)
    night_start: time = time(22, 0)
    night_end: time = time(6, 0)

    def __post_init__(self) -> None:
        if self.long_transport <= timedelta(0) or self.max_handover_wait < timedelta(0):
            raise ValueError("tröskelvärdena för transportplanen måste vara positiva")


DEFAULT_PLAN_CONFIG = TransportPlanConfig()


def count_handovers(legs: Sequence[TransportLeg]) -> tuple[int, int]:
    """(handovers, relay handovers): a handover is a change of executor or region between consecutive
    legs; a relay handover is one between two police patrols of different regions."""
    total = relay = 0
    for before, after in zip(legs, legs[1:], strict=False):
        if (before.executor, before.region) != (after.executor, after.region):
            total += 1
            if before.executor == after.executor == "police" and before.region != after.region:
                relay += 1
    return total, relay


def _overlaps_night(start: datetime, end: datetime, config: TransportPlanConfig) -> bool:
    """Whether [start, end) touches the Swedish night, checked every 15 minutes and at the ends."""
    step = timedelta(minutes=15)
    moment = start
    while True:
        local = moment.astimezone(STOCKHOLM).time()
        if config.night_start <= config.night_end:
            inside = config.night_start <= local < config.night_end
        else:
            inside = local >= config.night_start or local < config.night_end
        if inside:
            return True
        if moment >= end:
            return False
        moment = min(moment + step, end)


def check_transport_plan(
    legs: Sequence[TransportLeg],
    person_age: int | None,
    now: datetime,
    *,
    minor_indications: bool = False,
    requester_dialogue: str = "",
    config: TransportPlanConfig = DEFAULT_PLAN_CONFIG,
    holding_config: HoldingConfig = DEFAULT_HOLDING_CONFIG,
) -> list[Check]:
    """Checks of a police transport plan.

    * legs are valid (aware times, end after start, in order, not overlapping); a start already passed
      at ``now`` is a warning;
    * ``transport_handovers`` counts the handovers; any handover between regions makes the plan a relay
      transport (``relay_transport``, flagged);
    * a relay or long transport needs a recorded dialogue with the requester about the person's best
      interest (``transport_requester_dialogue``): an error for a child (under 18, or unknown age with
      indications of being a minor), a warning for an adult; for a child a relay is also discouraged
      (``relay_transport_child``);
    * long duration, night driving and long waits between legs are flagged;
    * an overnight stop is holding: it must be linked to a custody episode, and for a child under 15 it
      must not be förvar (17 § PL).
    """
    if not legs:
        return [Check("transport_legs", False, "Transportplanen saknar sträckor.", None)]
    at = _aware_utc(now, "now")
    checks: list[Check] = []
    age = classify_age(
        person_age,
        age_basis="assumed" if person_age is not None else "unknown",
        minor_indications=minor_indications,
        unknown_minor_category=holding_config.unknown_minor_category,
    )
    child = age.minor

    problems = _leg_problems(legs)
    if problems:
        checks.append(Check("transport_legs", False, "Transportplanen är inte giltig: " + "; ".join(problems) + ".",
                            None))
        return checks
    first, last = _aware_utc(legs[0].start_at, "starttiden"), _aware_utc(legs[-1].end_at, "sluttiden")
    duration = last - first
    checks.append(Check("transport_legs", True,
                        f"{len(legs)} sträckor, {_local(first)}–{_local(last)} ({format_duration(duration)}).",
                        None, severity="info"))
    if first < at:
        checks.append(Check("transport_start_passed", False,
                            f"Planerad start {_local(first)} har redan passerat.", None, severity="warning"))
    checks.extend(_relay_and_length_checks(legs, duration, child, requester_dialogue, config))
    checks.extend(_wait_and_night_checks(legs, child, config))
    checks.extend(_overnight_checks(legs, age, holding_config))
    return checks


def _leg_problems(legs: Sequence[TransportLeg]) -> list[str]:
    """What makes the legs invalid: an unknown executor, a leg ending before it starts, overlapping legs."""
    problems = []
    for index, leg in enumerate(legs, start=1):
        if leg.executor not in EXECUTORS:
            problems.append(f"sträcka {index} har okänd utförare {leg.executor!r}")
        start, end = _aware_utc(leg.start_at, "starttiden"), _aware_utc(leg.end_at, "sluttiden")
        if end <= start:
            problems.append(f"sträcka {index} slutar innan den börjar")
        if index > 1 and start < _aware_utc(legs[index - 2].end_at, "sluttiden"):
            problems.append(f"sträcka {index} börjar innan sträcka {index - 1} har slutat")
    return problems


def _relay_and_length_checks(legs: Sequence[TransportLeg], duration: timedelta, child: bool,
                             requester_dialogue: str, config: TransportPlanConfig) -> list[Check]:
    """Handovers, relay transport, long transport and the dialogue with the requester they require."""
    checks: list[Check] = []
    handovers, relay = count_handovers(legs)
    checks.append(Check("transport_handovers", True,
                        f"Planen har {handovers} överlämningar, varav {relay} mellan polisregioner.",
                        None, severity="info", source=NATIONAL_ROUTINE_LONG_TRANSPORTS))
    if relay:
        checks.append(Check("relay_transport", False,
                            f"Planen är en stafettkörning med {relay} överlämningar mellan polisregioner. "
                            "Stafettkörningar ska undvikas så långt möjligt; planera med så få överlämningar som "
                            "möjligt (överlämning av läkemedel och uppgifter, byte av personal).",
                            None, severity="warning", source=NATIONAL_ROUTINE_LONG_TRANSPORTS))
        if child:
            checks.append(Check("relay_transport_child", False,
                                "Stafettkörning avråds särskilt när ett barn transporteras: barnet ska helst slippa "
                                "byta personal. Överväg en enda patrull hela vägen eller Kriminalvårdens transport.",
                                None, severity="warning", source=NATIONAL_ROUTINE_LONG_TRANSPORTS))

    long = duration > config.long_transport
    if long:
        checks.append(Check("transport_long", False,
                            f"Transporten tar {format_duration(duration)}, mer än {format_duration(config.long_transport)} "
                            "(plattformens gräns för lång transport). Långa transporter ska undvikas så långt möjligt.",
                            None, severity="warning", source=NATIONAL_ROUTINE_LONG_TRANSPORTS))

    if relay or long:
        recorded = bool(_text(requester_dialogue))
        who = "barnets" if child else "personens"
        checks.append(Check(
            "transport_requester_dialogue", recorded,
            "Dialogen med den begärande myndigheten om " + who + " bästa är dokumenterad." if recorded else
            f"En dokumenterad dialog med den begärande myndigheten med utgångspunkt i {who} bästa krävs före "
            "en lång transport eller stafettkörning.",
            None,
            severity="info" if recorded else ("error" if child else "warning"),
            source=NATIONAL_ROUTINE_LONG_TRANSPORTS,
        ))
    return checks


def _wait_and_night_checks(legs: Sequence[TransportLeg], child: bool, config: TransportPlanConfig) -> list[Check]:
    """Long waits between legs (often förvar) and driving at night."""
    checks: list[Check] = []
    for index, (before, after) in enumerate(zip(legs, legs[1:], strict=False), start=1):
        wait = _aware_utc(after.start_at, "starttiden") - _aware_utc(before.end_at, "sluttiden")
        if not before.overnight_stop and wait > config.max_handover_wait:
            checks.append(Check("transport_handover_wait", False,
                                f"Väntan på {format_duration(wait)} mellan sträcka {index} och {index + 1}. "
                                "Väntan innebär ofta förvar; korta den eller fatta ett förvarsbeslut.",
                                None, severity="warning"))
    if any(_overlaps_night(_aware_utc(leg.start_at, "starttiden"), _aware_utc(leg.end_at, "sluttiden"), config)
           for leg in legs):
        checks.append(Check("transport_at_night", False,
                            f"Transporten körs delvis mellan kl. {config.night_start:%H:%M} och {config.night_end:%H:%M}.",
                            None, severity="warning" if child else "info"))
    return checks


def _overnight_checks(legs: Sequence[TransportLeg], age: AgeAssessment, holding_config: HoldingConfig) -> list[Check]:
    """An overnight stop is holding: linked to the custody episode, and never förvar for a child under 15."""
    checks: list[Check] = []
    p17 = format_citation("PL", "17")
    for index, leg in enumerate(legs, start=1):
        if not leg.overnight_stop:
            continue
        linked = bool(_text(leg.custody_episode_ref))
        checks.append(Check(
            "transport_overnight_holding", linked,
            f"Övernattning efter sträcka {index} är kopplad till frihetsberövandet {leg.custody_episode_ref}; "
            "förvar kräver ett eget förvarsbeslut (skäl: övernattning)." if linked else
            f"Övernattningen efter sträcka {index} måste kopplas till frihetsberövandet och dess förvarsbeslut.",
            p17, severity="warning" if linked else "error",
        ))
        place = leg.overnight_place_type
        if place is not None and place not in PLACE_TYPES:
            checks.append(Check("transport_overnight_place", False, f"Okänd platstyp för övernattningen: {place!r}.",
                                p17))
        elif age.category == "under_15":
            is_holding = place is None or place not in holding_config.non_holding_place_types
            checks.append(Check(
                "transport_overnight_under_15", not is_holding,
                "Övernattningsplatsen är inte förvar." if not is_holding else
                "Den som är under 15 år får inte tas i förvar. Övernattningen måste ordnas på en plats som inte "
                "är förvar (t.ex. aktivitetsrum under uppsikt), eller transporten planeras utan övernattning.",
                p17, severity="info" if not is_holding else "error", hard=is_holding,
            ))
    return checks



# --------------------------------------------------------------------------- NTE coordination

#: What happens when the destination cannot receive the person (e.g. no SiS place).
DESTINATION_NEXT_STEPS = {
    "other_destination": "den begärande myndigheten anvisar en annan mottagare",
    "wait_for_place": "personen väntar på plats (frihetsberövandet prövas på nytt)",
    "released": "frihetsberövandet upphör; begäran ligger kvar",
    "request_withdrawn": "den begärande myndigheten återkallar begäran",
}


def check_police_transport_allowed(kriminalvarden_transport: bool, nte_declined: bool) -> Check:
    """Transports the law gives to Kriminalvården go to NTE; the police drive them only when NTE declined."""
    if kriminalvarden_transport and not nte_declined:
        return Check("transport_to_nte", False,
                     "Lagen ger transporten till Kriminalvården: beställ den hos NTE. Polisen planerar en egen "
                     "transport bara om NTE har avböjt.", format_citation("PL", "29 a", 1))
    return Check("transport_to_nte", True, "Polisen får planera transporten.", None)


def check_destination_exception(reason: str, next_step: str) -> list[Check]:
    checks = []
    if len(reason.strip()) < 10:
        checks.append(Check("destination_reason", False, "Beskriv varför mottagaren inte kan ta emot personen.",
                            None))
    if next_step not in DESTINATION_NEXT_STEPS:
        checks.append(Check("destination_next_step", False, "Ange vad som händer sedan.", None))
    return checks
# ---------------------------------------------------------------------------------------------
# How long Kriminalvården sees who was transported
# ---------------------------------------------------------------------------------------------

#: Fields that say who the person is or what is special about them. Kriminalvården needs them while
#: the transport is ahead of it and for a short while after (questions at handover, the journey
#: report); after that its list keeps only what identifies the order.
NTE_PERSONAL_FIELDS = frozenset({
    "person_name", "person_identity_number", "person_birth_date", "risk_violence", "risk_escape",
    "risk_self_harm", "risk_notes", "medication_to_hand_over", "medical_needs_during_transport",
    "restraints_needed", "restraints_reason", "contact_person_name", "contact_person_phone",
})


def nte_visible_fields(shared: Mapping[str, object], *, finished_at: datetime | None, now: datetime,
                       keep: timedelta) -> tuple[dict[str, object], bool]:
    """What NTE's list shows of an order: everything while it is open, and for ``keep`` after it was
    finished (completed, declined or cancelled); then the personal fields are left out.

    A platform choice, not a rule of law: 29 a § PL limits what is handed over, not how long the
    receiver keeps it on screen. Returns the fields and whether personal data was left out."""
    if finished_at is None or now - finished_at < keep:
        return dict(shared), False
    return {k: v for k, v in shared.items() if k not in NTE_PERSONAL_FIELDS}, True
