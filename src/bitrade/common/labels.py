"""The display glossary: every code value a person could meet, in plain Swedish.

One place for what a code *reads as*. Pages use it through the template filter ``label``
(``{{ order.state|label:"transport_state" }}``), which also translates the Swedish text when the page
is shown in English (the Swedish text is the message id); PDFs, e-mails and API messages use
:func:`label` directly. A code value never reaches a person: ``tests/test_glossary.py`` renders the
pages, the protocol PDF, the e-mails and the API messages and fails on any code listed here.

Pure: no Django. ``gettext_noop`` below only marks the texts for ``makemessages``
(``--keyword=gettext_noop`` is one of Django's default keywords).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from types import MappingProxyType


def gettext_noop(text: str) -> str:
    return text


_ = gettext_noop

_GROUPS: dict[str, dict[str, str]] = {
    # The handräckning case (assistance/rules.py).
    "case_state": {
        "received": _("Mottagen"), "completion_requested": _("Komplettering begärd"),
        "acknowledged": _("Kvitterad av polisen"), "granted": _("Beviljad"), "refused": _("Avslagen"),
        "assigned": _("Resurs tilldelad"), "in_execution": _("Verkställs"), "executed": _("Verkställd"),
        "not_executed": _("Inte verkställd"), "closed": _("Avslutad"),
    },
    "outcome": {
        "executed": _("Verkställd – personen överlämnad till vårdinrättningen"),
        "handed_to_health_care": _("Överlämnad till hälso- och sjukvården (följde med ambulans)"),
        "need_ended": _("Behovet har upphört (bekräftat av begärande myndighet)"),
        "withdrawn": _("Återkallad av begärande myndighet"),
        "told_to_return_on_their_own": _("Uppmanad att själv återvända (inte ett tillåtet utfall)"),
    },
    # The request (intake).
    "urgency": {
        "immediate": _("Omedelbart"), "urgent": _("Brådskande (inom timmar)"),
        "near_term": _("Inom närtid (samma dygn)"), "planned": _("Planerad (ange tidsfönster)"),
    },
    "review_outcome": {
        "admissible": _("Formellt komplett"), "needs_completion": _("Behöver kompletteras"),
        "inadmissible": _("Uppfyller inte formella krav"),
    },
    "channel": {"web": _("Webbformulär"), "api": _("Systemkoppling (API)"), "oral": _("Muntlig (telefon)")},
    "risk": {
        "violence": _("Våld"), "weapons": _("Vapen"), "threats": _("Hot"), "illness": _("Sjukdom/smitta"),
        "self_harm": _("Risk för självskada"), "medication": _("Läkemedel att lämna över"), "animals": _("Djur"),
        "other": _("Annat"),
    },
    "attachment_kind": {
        "care_certificate": _("Vårdintyg"), "care_decision": _("Beslut om vård"),
        "custody_decision": _("Beslut om omedelbart omhändertagande"),
        "court_decision": _("Domstolens dom eller beslut"),
        "leave_decision": _("Beslut om permission eller återkallelse"),
        "examination_decision": _("Beslut om läkarundersökning"),
        "repatriation_decision": _("Beslut om hemsändande"),
        "detention_decision": _("Migrationsverkets beslut om förvar"), "other": _("Annan handling"),
    },
    "priority": {"1": _("1 – omedelbart"), "2": _("2 – brådskande"), "3": _("3 – närtid"),
                 "": _("Ordinär")},
    # Transport (transport/models.py, transport/rules.py).
    "transport_state": {
        "requested": _("Beställd hos NTE"), "accepted": _("Accepterad av NTE"), "declined": _("Avböjd av NTE"),
        "planned": _("Planerad (polisen)"), "completed": _("Genomförd"), "cancelled": _("Avbeställd"),
    },
    "transport_executor": {"nte": _("Kriminalvården (NTE)"), "police": _("Polisen")},
    "decline_reason": {
        "no_capacity": _("ingen kapacitet"), "short_notice": _("för kort varsel"),
        "child_under_15_short_notice": _("barn under 15 år med kort varsel"),
        "no_nte_presence": _("NTE finns inte i området"), "other": _("annat skäl"),
    },
    # The 29 a § PL fields of an order to Kriminalvården, as NTE reads them.
    "transport_field": {
        "order_reference": _("Beställningens referens"), "reference_number": _("Ärende"),
        "ordering_unit": _("Beställande enhet"), "person_name": _("Namn"),
        "person_identity_number": _("Personnummer"), "person_birth_date": _("Födelsedatum"),
        "legal_basis": _("Lagrum"), "decision_reference": _("Beslutets referens"),
        "deprived_of_liberty_since": _("Frihetsberövad sedan"), "destination_facility": _("Vårdinrättning"),
        "destination_address": _("Vårdinrättningens adress"),
        "destination_contact_phone": _("Vårdinrättningens telefon"), "pickup_place": _("Hämtas på"),
        "pickup_at": _("Hämtas"), "pickup_latest_at": _("Hämtas senast"),
        "risk_violence": _("Risk för våld"), "risk_escape": _("Risk för rymning"),
        "risk_self_harm": _("Risk för självskada"), "risk_notes": _("Om riskerna"),
        "medication_to_hand_over": _("Läkemedel att lämna över"),
        "medical_needs_during_transport": _("Medicinska behov under transporten"),
        "restraints_needed": _("Fängsel kan behövas"), "restraints_reason": _("Varför fängsel"),
        "contact_person_name": _("Kontaktperson"), "contact_person_phone": _("Kontaktpersonens telefon"),
    },
    # Custody (custody/rules).
    "custody_ground": {
        "handrackning_lpt": _("Handräckning enligt LPT"), "handrackning_lrv": _("Handräckning enligt LRV"),
        "handrackning_lvm": _("Handräckning enligt LVM"), "handrackning_lvu": _("Handräckning enligt LVU"),
        "lpt_temporary_custody": _("Tillfälligt omhändertagande enligt LPT"),
        "pl_11": _("Omhändertagande i avvaktan på myndighetens beslut (11 § PL)"),
        "pl_12": _("Omhändertagande av den som kan antas vara under 18 år (12 § PL)"),
        "pl_12a": _("Omhändertagande i avvaktan på socialnämndens beslut (12 a § PL)"),
        "pl_13_2": _("Tillfälligt omhändertagande för att upprätthålla ordningen (13 § PL)"),
        "pl_13c_2": _("Avlägsnande ur en folksamling (13 c § PL)"),
        "pl_14": _("Omhändertagande för identifiering (14 § PL)"),
        "lob": _("Omhändertagande av berusad person (LOB)"),
    },
    "holding_reason": {
        "awaiting_transport": _("i avvaktan på transport"), "overnight": _("uppehåll för övernattning"),
        "meal": _("måltid"), "break": _("annat avbrott i en påbörjad transport"), "other": _("annat skäl"),
    },
    "place_type": {
        "police_cell": _("arrest"), "remand_prison": _("häkte"), "other_lockup": _("annan inlåsning"),
        "activity_room": _("aktivitetsrum (övervakat väntrum)"),
    },
    "next_of_kin_exception": {
        "person_objects": _("personen motsätter sig"),
        "investigation_would_be_harmed": _("men för utredningen"), "no_reason": _("skäl saknas"),
    },
    # The organisation (organisation/models.py, common/actor.py).
    "unit_kind": {
        "rlc": _("Regionledningscentral (RLC)"), "station_commander_desk": _("Stationsbefäl"),
        "duty_officer_desk": _("Vakthavande befäl"), "assistance_group": _("Handräckningsgrupp"),
        "border_police": _("Gränspolis"), "bops": _("BOPS-grupp (brottsoffer- och personsäkerhet)"),
        "admin_support": _("Administrativt stöd"), "noa": _("Nationella operativa avdelningen (NOA)"),
    },
    "police_function": {
        "rlc_commander": _("RLC-befäl"), "station_commander": _("Stationsbefäl"),
        "duty_officer": _("Vakthavande befäl"), "level2_manager": _("Chef på nivå två (gruppchef)"),
        "officer": _("Polis"), "analyst": _("Analytiker"), "administrator": _("Administratör"),
        "process_owner": _("Processägare"),
    },
    "organisation_kind": {
        "health_region": _("Region (hälso- och sjukvård)"), "psychiatric_clinic": _("Psykiatrisk klinik"),
        "social_services": _("Socialnämnd/socialtjänst"), "sis": _("Statens institutionsstyrelse (SiS)"),
        "sis_home": _("SiS-hem"), "migration_agency": _("Migrationsverket"),
        "kriminalvarden": _("Kriminalvården, nationella transportenheten"),
        "prosecution": _("Åklagarmyndigheten"), "court": _("Domstol"), "socialstyrelsen": _("Socialstyrelsen"),
    },
    "professional_role": {
        "physician": _("Läkare"), "chief_physician": _("Chefsöverläkare"),
        "head_of_operations": _("Verksamhetschef"), "board_chair": _("Socialnämndens ordförande"),
        "board_member": _("Ledamot förordnad av nämnden"), "appointed_official": _("Tjänsteman förordnad av nämnden"),
        "social_services_official": _("Socialsekreterare med delegation"),
        "court_official": _("Domstolstjänsteman"), "sis_officer": _("SiS-handläggare"),
        "socialstyrelsen_officer": _("Handläggare vid Socialstyrelsen"),
        "migration_officer": _("Handläggare vid Migrationsverket"), "prosecutor": _("Åklagare"),
        "nte_planner": _("Transportplanerare (NTE)"),
    },
    "actor_kind": {
        "police": _("Polisen"), "requester": _("Begärande myndighet"), "kriminalvarden": _("Kriminalvården"),
        "analyst": _("Analytiker"), "process_owner": _("Processägare"), "administrator": _("Administratör"),
        "api_client": _("Systemklient"), "system": _("Biträde"),
    },
    "audit_result": {"ok": _("genomförd"), "refused": _("nekad"), "error": _("fel")},
}

GLOSSARY: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {group: MappingProxyType(entries) for group, entries in _GROUPS.items()})

CASE_STATE = GLOSSARY["case_state"]
OUTCOME = GLOSSARY["outcome"]
URGENCY = GLOSSARY["urgency"]
RISK = GLOSSARY["risk"]
ATTACHMENT_KIND = GLOSSARY["attachment_kind"]
TRANSPORT_STATE = GLOSSARY["transport_state"]
TRANSPORT_FIELD = GLOSSARY["transport_field"]
DECLINE_REASON = GLOSSARY["decline_reason"]
CUSTODY_GROUND = GLOSSARY["custody_ground"]
HOLDING_REASON = GLOSSARY["holding_reason"]
PLACE_TYPE = GLOSSARY["place_type"]
NEXT_OF_KIN_EXCEPTION = GLOSSARY["next_of_kin_exception"]
UNIT_KIND = GLOSSARY["unit_kind"]
POLICE_FUNCTION = GLOSSARY["police_function"]
ACTOR_KIND = GLOSSARY["actor_kind"]

#: Shown where a value is missing, instead of "None" or an empty cell.
MISSING = _("uppgift saknas")


def label(group: str, code: object, default: str | None = None) -> str:
    """The Swedish text of ``code`` in ``group``; an unknown code reads as ``default`` (or "uppgift
    saknas" for an empty one, or a neutral "okänt värde"), never as the code itself."""
    entries = GLOSSARY[group]
    key = "" if code is None else str(code)
    if key in entries:
        return entries[key]
    if default is not None:
        return default
    return MISSING if key == "" else "okänt värde"


#: Codes that are also ordinary words or too short to be told from text; still translated by
#: :func:`label`, but not searched for in rendered text.
_NOT_SEARCHED = frozenset({"api", "web", "oral", "other", "ok", "error", "sis", "rlc", "bops", "lob",
                           "court", "police", "system", "1", "2", "3", ""})


def code_values() -> frozenset[str]:
    """Every code in the glossary that must never appear as a whole word in what a person reads,
    plus ``None``."""
    codes = {code for entries in GLOSSARY.values() for code in entries}
    return frozenset(codes - _NOT_SEARCHED) | {"None"}


def code_pattern() -> re.Pattern[str]:
    """Matches any :func:`code_values` as a whole token (not inside a longer word or identifier)."""
    words = sorted(code_values(), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in words) + r")(?![\w-])")


# --------------------------------------------------------------------------- times in words

MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
          "november", "december")
WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")


def clock(value: datetime) -> str:
    """18.30 — the Swedish way of writing a time of day."""
    return f"{value.hour:02d}.{value.minute:02d}"


def day_in_words(value: date, today: date | None = None) -> str:
    """'i dag', 'i morgon', 'i går', or 'fredag 4 december' (with the year when it is not this year)."""
    if today is not None:
        delta = (value - today).days
        if delta == 0:
            return "i dag"
        if delta == 1:
            return "i morgon"
        if delta == -1:
            return "i går"
    text = f"{WEEKDAYS[value.weekday()]} {value.day} {MONTHS[value.month - 1]}"
    if today is None or value.year != today.year:
        text += f" {value.year}"
    return text


def when_in_words(value: datetime, now: datetime | None = None) -> str:
    """A local time as a person says it: 'i morgon kl. 01.07', 'fredag 4 december kl. 18.30'.

    Both arguments must already be in local time; ``now`` gives 'i dag'/'i morgon'/'i går'."""
    return f"{day_in_words(value.date(), now.date() if now else None)} kl. {clock(value)}"


def date_in_words(value: date) -> str:
    """4 december 2026."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"
