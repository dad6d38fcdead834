"""Return enforcement as pure rules: facts in, a result with reasons and citations out. No Django.

Sources: the Aliens Act (utlänningslagen 2005:716, "UtlL") where it sets a rule, and Statskontoret's
report 2022:1 (*Myndigheternas arbete med personer som ska återvända till sitt hemland*, shipped in
``legal/sources/``) for how the Police and Migrationsverket classify, prioritise and count. Where the
reading of the law is open, the reading that protects the person is chosen and written down in
``docs/legal-readings.md``; the numbers that depend on a reading are parameters (``LawSettings``).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from bitrade.cases.rules import Check  # noqa: F401 — the kernel's check, used and re-exported here

# --------------------------------------------------------------------------- citations

UTLL = "utlänningslagen (2005:716)"
SK = "Statskontoret 2022:1"
CITE_CATEGORY = f"{SK} avsnitt 5.5.2"
CITE_PRIORITY = f"{SK} avsnitt 5.5.1"
CITE_DEADLINE = f"8 kap. 21 § {UTLL}"
CITE_DEADLINE_REPORT = f"{SK} avsnitt 4.3.2"
CITE_LAPSE = f"12 kap. 22 § {UTLL}"
CITE_HANDOVER = f"12 kap. 14 § {UTLL}"
CITE_AGREEMENT = f"{SK} avsnitt 6.4"
CITE_HANDOVER_INFO = f"{SK} avsnitt 6.4.2"
CITE_INACTIVE = f"{SK} avsnitt 3.2.1 (tabell 1)"
CITE_PAUSE = f"{SK} avsnitt 4.8.2"
CITE_OUTCOMES = f"{SK} avsnitt 3.2.4"
CITE_WRONG_COUNTRY = f"{SK} avsnitt 3.3.6"
CITE_DETENTION_ADULT = f"10 kap. 4 § {UTLL}"
CITE_DETENTION_CHILD = f"10 kap. 5 § {UTLL}"
CITE_DETENTION_REVIEW = f"10 kap. 9 § {UTLL}"
CITE_COUNSEL = f"18 kap. 1 § {UTLL}"
CITE_EXTENSION_PRESENT = f"{SK} avsnitt 5.5.1"
CITE_SUPERVISION = f"10 kap. 8 § {UTLL}"
CITE_TRANSPORT = f"{SK} avsnitt 6.6.5"

# --------------------------------------------------------------------------- vocabularies

DECISION_TYPES = {
    "avvisning": "Avvisning",
    "omedelbar_avvisning": "Avvisning med omedelbar verkställighet",
    "utvisning": "Utvisning",
    "utvisning_brott": "Utvisning på grund av brott (allmän domstol)",
    "dublin": "Överföring enligt Dublinförordningen",
}
DECIDING_BODIES = {
    "migrationsverket": "Migrationsverket",
    "migrationsdomstol": "Migrationsdomstol",
    "migrationsoverdomstolen": "Migrationsöverdomstolen",
    "polisen": "Polismyndigheten",
    "allman_domstol": "Allmän domstol",
}
#: Bodies that are general courts: their removal decisions do not lapse under 12 kap. 22 § UtlL.
GENERAL_COURTS = frozenset({"allman_domstol"})
ORIGINS = {
    "mv": "Överlämnat från Migrationsverket",
    "court": "Utvisning på grund av brott (allmän domstol)",
    "police": "Polisens eget avvisningsbeslut",
    "dublin_in": "Dublinöverföring till Sverige",
    "12_23": "Påträffad på nytt efter utresa (12:23-ärende)",
}
REASONS = {"avviken": "Avviken", "tvang": "Tvång behövs"}
IDENTITY = {"established": "Fastställd", "probable": "Sannolik", "unknown": "Okänd"}
STANCES = {
    "accepts_forced": "Tar emot vid tvång",
    "difficult": "Svårt eller mycket svårt att verkställa till",
    "voluntary_only": "Tar bara emot den som återvänder självmant",
}

#: The Schengen states (ISO 3166-1 alpha-2) as of 2025; a departure there is not a return.
SCHENGEN = frozenset({
    "AT", "BE", "BG", "CH", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IS", "IT", "LI",
    "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
})


@dataclass(frozen=True)
class Span:
    """A legal time span: calendar months (counted to the same day of the month, or the month's last day)
    plus hours."""

    months: int = 0
    hours: int = 0

    def end(self, start: datetime) -> datetime:
        return add_months(start, self.months) + timedelta(hours=self.hours)

    def __str__(self) -> str:
        if self.months:
            return f"{self.months} månader"
        if self.hours >= 72 and self.hours % 24 == 0:
            return f"{self.hours // 24} dagar"
        return f"{self.hours} timmar"


def add_months(moment, months: int):
    """The same day ``months`` later; a day the month lacks becomes its last day (the earlier day)."""
    if not months:
        return moment
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class LawSettings:
    """Numbers that rest on a reading of the law (``docs/legal-readings.md``); change them here, not in code."""

    lapse_years: int = 4
    #: Count the lapse from the decision date when the date it became final is not known (earlier:
    #: protects the person).
    lapse_from_decision_if_final_unknown: bool = True
    deadline_days_avvisning: int = 14
    deadline_days_utvisning: int = 28
    #: Warn the group manager this many days before a lapse.
    lapse_warning_days: int = 90
    #: Detention limits (10 kap. 4–5 §§ UtlL): a ``Span`` of calendar months and hours.
    investigation_adult: Span = Span(hours=48)
    before_decision_adult: Span = Span(hours=14 * 24)
    enforcement_adult: Span = Span(months=2)
    enforcement_adult_exceptional: Span = Span(months=3)
    enforcement_adult_max: Span = Span(months=12)  # lack of cooperation, or documents take time
    child: Span = Span(hours=72)
    child_exceptional: Span = Span(hours=144)
    investigation_child: Span = Span(hours=6)
    investigation_child_exceptional: Span = Span(hours=12)
    review_before_decision: Span = Span(hours=14 * 24)
    review_enforcement: Span = Span(months=2)
    detention_warning: timedelta = timedelta(days=3)


DEFAULT = LawSettings()


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    citation: str


# --------------------------------------------------------------------------- the facts of a case


@dataclass(frozen=True)
class Facts:
    """What is known of a return case (from a handover, a court or the Police's own decision)."""

    origin: str = "mv"
    person_name: str = ""
    date_of_birth: date | None = None
    identity_status: str = ""  # established | probable | unknown
    nationality: str = ""
    destination_country: str = ""
    destination_stance: str = ""  # accepts_forced | difficult | voluntary_only
    travel_document_kind: str = ""
    travel_document_valid_until: date | None = None
    decision_type: str = ""
    deciding_body: str = ""
    decided_on: date | None = None
    final_on: date | None = None
    voluntary_departure_deadline: date | None = None  # as MV set it, if it did
    deadline_extended_to: tuple[date, ...] = ()
    reentry_ban_until: date | None = None
    reason: str = ""  # avviken | tvang (handovers from MV)
    mv_category: int | None = None  # 1–4
    whereabouts_known: bool | None = None
    whereabouts_municipality_code: str = ""
    last_seen_on: date | None = None
    prior_dialogue: bool = False
    family_with_children: bool = False
    temporary_permit_until: date | None = None
    stay_of_enforcement: bool = False
    pending_impediment: bool = False
    pending_permit_application: bool = False
    pending_family_asylum: bool = False
    permit_granted: bool = False
    detained: bool = False
    under_supervision: bool = False
    wants_to_return: bool = False

    @property
    def crime_expelled(self) -> bool:
        return self.decision_type == "utvisning_brott"


# --------------------------------------------------------------------------- category (Polisen 1/2/3)


def _document_valid(facts: Facts, on: date) -> bool:
    return bool(facts.travel_document_kind) and (facts.travel_document_valid_until is None
                                                  or facts.travel_document_valid_until >= on)


def police_category(facts: Facts, on: date) -> tuple[int, tuple[Reason, ...]]:
    """Polisen's category: 1 valid travel document and a country that does not require voluntary return;
    2 as 1 without a travel document; 3 identity not established, or a country to which enforcement is
    difficult or very difficult (Statskontoret 2022:1 avsnitt 5.5.2). An unknown stance or identity is
    not taken as easy: it counts towards 3."""
    reasons: list[Reason] = []
    if facts.decision_type == "dublin":
        return 1, (Reason("dublin", "Överföring enligt Dublinförordningen: varken resehandling eller fastställd "
                          "identitet behövs.", f"{SK} avsnitt 3.3.3"),)
    if facts.identity_status != "established":
        label = IDENTITY.get(facts.identity_status, "okänd").lower()
        reasons.append(Reason("identity", f"Identiteten är inte fastställd ({label}).", CITE_CATEGORY))
    if facts.destination_stance in ("difficult", "voluntary_only"):
        reasons.append(Reason("destination", f"Mottagarlandet: {STANCES[facts.destination_stance].lower()}.",
                              CITE_CATEGORY))
    elif facts.destination_stance != "accepts_forced":
        reasons.append(Reason("destination_unknown", "Mottagarlandets inställning till verkställighet med tvång "
                              "är inte känd.", CITE_CATEGORY))
    if reasons:
        return 3, tuple(reasons)
    if _document_valid(facts, on):
        until = facts.travel_document_valid_until
        text = f"giltig till {until.isoformat()}" if until else "giltig"
        return 1, (Reason("document", f"Giltig resehandling ({text}), fastställd identitet och ett mottagarland "
                          "som inte kräver självmant återvändande.", CITE_CATEGORY),)
    why = "Resehandlingen har gått ut" if facts.travel_document_kind else "Resehandling saknas"
    return 2, (Reason("no_document", f"{why}; identiteten är fastställd och mottagarlandet tar emot vid tvång.",
                      CITE_CATEGORY),)


# --------------------------------------------------------------------------- priority group


PRIORITY_LABELS = {1: "Prioriterad (förvar eller utvisning på grund av brott)",
                   2: "Förhöjd (uppsikt, vill resa eller har resehandling)", 3: "Övriga"}


def priority_group(facts: Facts, on: date) -> tuple[int, tuple[Reason, ...]]:
    """Polisen's priority groups: people in detention and people expelled because of crime first; then
    supervision, people who want help to leave and people with travel documents (avsnitt 5.5.1)."""
    first = []
    if facts.detained:
        first.append(Reason("detained", "Personen är i förvar.", CITE_PRIORITY))
    if facts.crime_expelled:
        first.append(Reason("crime_expelled", "Utvisad på grund av brott.", CITE_PRIORITY))
    if first:
        return 1, tuple(first)
    second = []
    if facts.under_supervision:
        second.append(Reason("supervision", "Personen står under uppsikt.", CITE_PRIORITY))
    if facts.wants_to_return:
        second.append(Reason("wants_to_return", "Personen vill ha hjälp att resa.", CITE_PRIORITY))
    if _document_valid(facts, on):
        second.append(Reason("document", "Det finns en giltig resehandling.", CITE_PRIORITY))
    if second:
        return 2, tuple(second)
    return 3, ()


# --------------------------------------------------------------------------- dates


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later; 29 February becomes 28 February (the earlier day)."""
    year = day.year + years
    if day.month == 2 and day.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return day.replace(year=year)


def voluntary_departure_deadline(facts: Facts, settings: LawSettings = DEFAULT) -> date | None:
    """The last day for voluntary departure: the deadline MV set, else two weeks (avvisning) or four weeks
    (utvisning) from the day the decision became final; the latest extension replaces it. None when the
    decision carries no such deadline (immediate refusal, crime expulsion, Dublin) or is not final."""
    if facts.deadline_extended_to:
        return max(facts.deadline_extended_to)
    if facts.voluntary_departure_deadline is not None:
        return facts.voluntary_departure_deadline
    if facts.final_on is None:
        return None
    if facts.decision_type == "avvisning":
        return facts.final_on + timedelta(days=settings.deadline_days_avvisning)
    if facts.decision_type == "utvisning":
        return facts.final_on + timedelta(days=settings.deadline_days_utvisning)
    return None


def lapses_on(facts: Facts, settings: LawSettings = DEFAULT) -> tuple[date | None, tuple[Reason, ...]]:
    """The day the removal decision stops applying: four years after it became final, for decisions not
    made by a general court (12 kap. 22 § UtlL). None for a court's expulsion. Unknown final date:
    counted from the decision date (earlier, so the person is never held to a decision that has lapsed)."""
    if facts.deciding_body in GENERAL_COURTS or facts.decision_type == "utvisning_brott":
        return None, (Reason("court", "Beslutet är meddelat av allmän domstol och preskriberas inte efter "
                             "fyra år.", CITE_LAPSE),)
    start = facts.final_on
    reasons = []
    if start is None and settings.lapse_from_decision_if_final_unknown and facts.decided_on is not None:
        start = facts.decided_on
        reasons.append(Reason("from_decision", "Dagen då beslutet vann laga kraft är inte känd; räknat från "
                              "beslutsdagen.", CITE_LAPSE))
    if start is None:
        return None, (Reason("unknown", "Preskriptionsdagen kan inte räknas ut: datum saknas.", CITE_LAPSE),)
    day = add_years(start, settings.lapse_years)
    reasons.insert(0, Reason("lapse", f"Beslutet upphör att gälla {day.isoformat()}, {settings.lapse_years} år "
                             "efter att det vann laga kraft.", CITE_LAPSE))
    return day, tuple(reasons)


def inactive_reasons(facts: Facts, on: date) -> tuple[Reason, ...]:
    """Why the case cannot be enforced now (reasons can overlap: tabell 1 in avsnitt 3.2.1)."""
    out = []
    if facts.temporary_permit_until is not None and facts.temporary_permit_until >= on:
        out.append(Reason("temporary_permit", f"Tidsbegränsat uppehållstillstånd till "
                          f"{facts.temporary_permit_until.isoformat()}.", CITE_INACTIVE))
    if facts.pending_permit_application:
        out.append(Reason("permit_application", "Öppen ansökan om uppehållstillstånd (t.ex. arbetstillstånd).",
                          CITE_PAUSE))
    if facts.pending_family_asylum:
        out.append(Reason("family_asylum", "En familjemedlems asylansökan prövas (familj i ofas).", CITE_PAUSE))
    if facts.stay_of_enforcement:
        out.append(Reason("stay", "Inhibition: verkställigheten är tillfälligt stoppad.", CITE_INACTIVE))
    if facts.pending_impediment:
        out.append(Reason("impediment", "Ny prövning av verkställighetshinder pågår.", CITE_INACTIVE))
    return tuple(out)


# --------------------------------------------------------------------------- the handover


#: What the agreement (avsnitt 6.4, 6.4.2) asks MV to send with a handover: (field, label, needed?).
def missing(facts: Facts) -> tuple[Check, ...]:
    """What a handover from MV lacks under the agreement: every field named, with a Swedish message."""
    need = [
        ("person.name", bool(facts.person_name), "Personens namn saknas.", CITE_HANDOVER_INFO),
        ("person.identity_status", facts.identity_status in IDENTITY, "Identitetsstatus saknas.", CITE_CATEGORY),
        ("person.nationality", bool(facts.nationality), "Medborgarskap saknas.", CITE_CATEGORY),
        ("destination.country", bool(facts.destination_country), "Mottagarland saknas.", CITE_CATEGORY),
        ("destination.stance", facts.destination_stance in STANCES,
         "Mottagarlandets inställning till verkställighet med tvång saknas.", CITE_CATEGORY),
        ("decision.type", facts.decision_type in DECISION_TYPES, "Beslutstyp saknas.", CITE_HANDOVER_INFO),
        ("decision.deciding_body", facts.deciding_body in DECIDING_BODIES, "Beslutande myndighet saknas.",
         CITE_LAPSE),
        ("decision.final_on", facts.final_on is not None, "Dagen då beslutet vann laga kraft saknas.", CITE_LAPSE),
    ]
    if facts.origin == "mv":
        need += [
            ("reason", facts.reason in REASONS, "Skälet för överlämnandet (avviken eller tvång) saknas.",
             CITE_HANDOVER),
            ("mv_category", facts.mv_category in (1, 2, 3, 4), "Migrationsverkets kategori saknas.",
             CITE_AGREEMENT),
            ("whereabouts", facts.whereabouts_known is not None and (
                not facts.whereabouts_known or bool(facts.whereabouts_municipality_code)),
             "Var personen vistas eller senast har vistats saknas.", CITE_HANDOVER_INFO),
            ("prior_dialogue", facts.prior_dialogue, "Dialogen före överlämnandet är inte redovisad.",
             CITE_AGREEMENT),
        ]
    return tuple(Check(code, False, msg, cite) for code, ok, msg, cite in need if not ok)


def against_agreement(facts: Facts) -> tuple[bool, tuple[Reason, ...]]:
    """A case that depends only on the person returning voluntarily should not be handed over (avsnitt 6.4):
    the destination accepts only voluntary return, or MV itself put it in its category 4."""
    if facts.origin != "mv":
        return False, ()
    reasons = []
    if facts.destination_stance == "voluntary_only":
        reasons.append(Reason("voluntary_only", "Mottagarlandet tar bara emot den som återvänder självmant.",
                              CITE_AGREEMENT))
    if facts.mv_category == 4:
        reasons.append(Reason("mv_category_4", "Migrationsverket har placerat ärendet i kategori 4 (verkställbart "
                              "bara om personen vill återvända).", CITE_AGREEMENT))
    return bool(reasons), tuple(reasons)


# --------------------------------------------------------------------------- the assessment


@dataclass(frozen=True)
class Assessment:
    police_category: int
    category_reasons: tuple[Reason, ...]
    final_on: date | None
    voluntary_departure_deadline: date | None
    lapses_on: date | None
    lapse_reasons: tuple[Reason, ...]
    lapsed: bool
    lapse_warning: bool
    enforceable_now: bool
    enforceability_reasons: tuple[Reason, ...]
    inactive_reasons: tuple[Reason, ...]
    priority_group: int
    priority_reasons: tuple[Reason, ...]
    missing: tuple[Check, ...]
    against_agreement: bool
    agreement_reasons: tuple[Reason, ...]

    @property
    def citations(self) -> list[str]:
        seen: list[str] = []
        for r in (*self.category_reasons, *self.lapse_reasons, *self.enforceability_reasons,
                  *self.inactive_reasons, *self.priority_reasons, *self.missing, *self.agreement_reasons):
            if r.citation and r.citation not in seen:
                seen.append(r.citation)
        return seen

    def as_json(self) -> dict:
        def reason(r):
            return {"code": r.code, "message": r.message, "citation": r.citation}

        return {
            "police_category": self.police_category,
            "category_reasons": [reason(r) for r in self.category_reasons],
            "final_on": self.final_on.isoformat() if self.final_on else None,
            "voluntary_departure_deadline": (self.voluntary_departure_deadline.isoformat()
                                             if self.voluntary_departure_deadline else None),
            "lapses_on": self.lapses_on.isoformat() if self.lapses_on else None,
            "enforceable_now": self.enforceable_now,
            "enforceability_reasons": [reason(r) for r in self.enforceability_reasons],
            "inactive_reasons": [reason(r) for r in self.inactive_reasons],
            "priority_group": self.priority_group,
            "priority_reasons": [reason(r) for r in self.priority_reasons],
            "missing": [{"field": c.code, "message": c.message, "citation": c.citation} for c in self.missing],
            "against_agreement": self.against_agreement,
            "agreement_reasons": [reason(r) for r in self.agreement_reasons],
            "citations": self.citations,
        }


def assess(facts: Facts, at: datetime | date, settings: LawSettings = DEFAULT) -> Assessment:
    on = at.date() if isinstance(at, datetime) else at
    category, category_reasons = police_category(facts, on)
    deadline = voluntary_departure_deadline(facts, settings)
    lapse, lapse_reasons = lapses_on(facts, settings)
    lapsed = lapse is not None and on >= lapse
    inactive = inactive_reasons(facts, on)
    blocking: list[Reason] = []
    if facts.final_on is None or facts.final_on > on:
        blocking.append(Reason("not_final", "Beslutet har inte vunnit laga kraft.", CITE_DEADLINE))
    if deadline is not None and on <= deadline:
        blocking.append(Reason("deadline", f"Tidsfristen för frivillig avresa löper till {deadline.isoformat()}.",
                               CITE_DEADLINE))
    if lapsed:
        blocking.append(Reason("lapsed", f"Beslutet har upphört att gälla {lapse.isoformat()}.", CITE_LAPSE))
    if facts.permit_granted:
        blocking.append(Reason("permit", "Uppehållstillstånd har beviljats.", CITE_OUTCOMES))
    blocking.extend(inactive)
    group, group_reasons = priority_group(facts, on)
    against, agreement_reasons = against_agreement(facts)
    return Assessment(
        police_category=category, category_reasons=category_reasons, final_on=facts.final_on,
        voluntary_departure_deadline=deadline, lapses_on=lapse, lapse_reasons=lapse_reasons, lapsed=lapsed,
        lapse_warning=(lapse is not None and not lapsed
                       and on >= lapse - timedelta(days=settings.lapse_warning_days)),
        enforceable_now=not blocking, enforceability_reasons=tuple(blocking), inactive_reasons=inactive,
        priority_group=group, priority_reasons=group_reasons, missing=missing(facts),
        against_agreement=against, agreement_reasons=agreement_reasons,
    )


def with_status(facts: Facts, change: str, value: date | None = None) -> Facts:
    """The facts after a status change from MV (the API's status kinds)."""
    match change:
        case "stay_granted":
            return replace(facts, stay_of_enforcement=True)
        case "stay_lifted":
            return replace(facts, stay_of_enforcement=False)
        case "impediment_application":
            return replace(facts, pending_impediment=True)
        case "impediment_decided":
            return replace(facts, pending_impediment=False)
        case "temporary_permit":
            return replace(facts, temporary_permit_until=value)
        case "permit_application":
            return replace(facts, pending_permit_application=True)
        case "permit_application_decided":
            return replace(facts, pending_permit_application=False)
        case "permit_granted":
            return replace(facts, permit_granted=True)
        case "deadline_extended":
            if value is None:
                raise ValueError(change)
            return replace(facts, deadline_extended_to=(*facts.deadline_extended_to, value))
    raise ValueError(change)


STATUS_CHANGES = {
    "stay_granted": "Inhibition beslutad",
    "stay_lifted": "Inhibitionen hävd",
    "impediment_application": "Ny ansökan om verkställighetshinder",
    "impediment_decided": "Verkställighetshinder prövat (avslag)",
    "temporary_permit": "Tidsbegränsat uppehållstillstånd",
    "permit_application": "Ansökan om uppehållstillstånd",
    "permit_application_decided": "Ansökan om uppehållstillstånd avgjord (avslag)",
    "permit_granted": "Uppehållstillstånd beviljat",
    "deadline_extended": "Tidsfristen för frivillig avresa förlängd",
}


# --------------------------------------------------------------------------- detention (förvar)


DETENTION_KINDS = {
    "investigation": "Utredningsförvar (rätten att stanna utreds)",
    "before_decision": "Förvar i väntan på beslut om avvisning eller utvisning",
    "enforcement": "Verkställighetsförvar",
}


@dataclass(frozen=True)
class Extension:
    until: datetime
    exceptional_reasons: str = ""  # synnerliga skäl
    lack_of_cooperation_or_documents: bool = False
    counsel: str = ""  # offentligt biträde
    interpreter: str = ""  # name, or "behövs inte"


@dataclass(frozen=True)
class DetentionClock:
    limit_at: datetime  # when the person must be released unless extended (current)
    absolute_max_at: datetime | None  # no extension may go beyond (None: no limit, crime expulsion)
    review_due_at: datetime | None
    warning_at: datetime
    reasons: tuple[Reason, ...]


def _limits(kind: str, child: bool, crime_expelled: bool, s: LawSettings):
    """(base span, span with exceptional reasons, absolute ceiling or None, citation)."""
    if child:
        if kind == "investigation":
            return s.investigation_child, s.investigation_child_exceptional, s.investigation_child_exceptional, \
                CITE_DETENTION_CHILD
        return s.child, s.child_exceptional, s.child_exceptional, CITE_DETENTION_CHILD
    if kind == "investigation":
        return s.investigation_adult, s.investigation_adult, s.investigation_adult, CITE_DETENTION_ADULT
    if kind == "before_decision":
        return s.before_decision_adult, s.enforcement_adult_exceptional, s.enforcement_adult_exceptional, \
            CITE_DETENTION_ADULT
    top = None if crime_expelled else s.enforcement_adult_max
    return s.enforcement_adult, s.enforcement_adult_exceptional, top, CITE_DETENTION_ADULT


def detention_clock(kind: str, started_at: datetime, *, child: bool = False, crime_expelled: bool = False,
                    extensions: tuple[Extension, ...] = (), settings: LawSettings = DEFAULT) -> DetentionClock:
    """When a detention ends unless extended, the latest it may ever end, when it must be reviewed and when to
    warn the caseworker (10 kap. 4, 5 och 9 §§ UtlL)."""
    base, _exceptional, top, cite = _limits(kind, child, crime_expelled, settings)
    limit = base.end(started_at)
    if extensions:
        limit = max(e.until for e in extensions)
    review = None
    if kind == "before_decision":
        review = settings.review_before_decision.end(started_at)
    elif kind == "enforcement":
        review = settings.review_enforcement.end(started_at)
    reasons = [Reason("limit", f"Förvaret får pågå till {limit.isoformat(timespec='minutes')} om det inte "
                      "förlängs.", cite)]
    if top is None:
        reasons.append(Reason("no_max", "Tidsgränsen gäller inte den som utvisats på grund av brott.", cite))
    if review is not None:
        reasons.append(Reason("review", f"Beslutet ska prövas på nytt senast {review.isoformat(timespec='minutes')}.",
                              CITE_DETENTION_REVIEW))
    return DetentionClock(limit_at=limit, absolute_max_at=top.end(started_at) if top else None,
                          review_due_at=review,
                          warning_at=limit - min(settings.detention_warning, (limit - started_at) / 4),
                          reasons=tuple(reasons))


def check_extension(kind: str, started_at: datetime, ext: Extension, *, child: bool = False,
                    crime_expelled: bool = False, previous: tuple[Extension, ...] = (),
                    settings: LawSettings = DEFAULT) -> tuple[Check, ...]:
    """Whether a detention may be extended to ``ext.until``: within the law's limits, with exceptional
    reasons beyond the base limit, with counsel and an interpreter recorded. Every check is returned."""
    base, exceptional, top, cite = _limits(kind, child, crime_expelled, settings)
    clock = detention_clock(kind, started_at, child=child, crime_expelled=crime_expelled, extensions=previous,
                            settings=settings)
    checks = [Check("later", ext.until > clock.limit_at, "Förlängningen måste gälla längre än nuvarande tidsgräns.",
                    cite)]
    if kind == "investigation" and not child:
        checks.append(Check("investigation", False, f"Utredningsförvar av en vuxen får inte pågå längre än {base}.",
                            cite))
    if ext.until > base.end(started_at):
        checks.append(Check("exceptional", bool(ext.exceptional_reasons.strip()),
                            f"Förvar längre än {base} kräver synnerliga skäl: ange dem.", cite))
    if top is not None:
        ceiling = top
        if kind == "enforcement" and not child and not ext.lack_of_cooperation_or_documents:
            ceiling = exceptional
        note = "" if ceiling == top else (" (tolv månader bara vid bristande samarbete eller när nödvändiga "
                                          "handlingar dröjer)")
        checks.append(Check("ceiling", ext.until <= ceiling.end(started_at),
                            f"Förvaret får inte pågå längre än {ceiling} i detta fall{note}.", cite))
    checks.append(Check("counsel", bool(ext.counsel.strip()), "Ange det offentliga biträdet vid förlängningen.",
                        CITE_COUNSEL))
    checks.append(Check("interpreter", bool(ext.interpreter.strip()),
                        "Ange tolken vid förlängningen (eller att tolk inte behövs).", CITE_EXTENSION_PRESENT))
    return tuple(checks)


# --------------------------------------------------------------------------- supervision (uppsikt)


def next_report_due(after: datetime, weekdays: tuple[int, ...], hour: int = 12) -> datetime:
    """The next reporting time after ``after`` on one of ``weekdays`` (0 = Monday) at ``hour``."""
    if not weekdays:
        raise ValueError("uppsikt kräver minst en anmälningsdag")
    day = after.replace(hour=hour, minute=0, second=0, microsecond=0)
    for step in range(0, 8):
        candidate = day + timedelta(days=step)
        if candidate.weekday() in weekdays and candidate > after:
            return candidate
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------- transport orders (KV)


#: Where a transport order to Kriminalvården stands (``TransportOrder.status``), as people read it.
ORDER_STATUSES = {"ordered": "Beställd", "accepted": "Accepterad", "booked": "Bokad", "done": "Genomförd",
                  "cancelled": "Avbeställd"}

TRIP_TYPES = {
    "escorted": "Eskorterad resa",
    "unescorted": "Oeskorterad resa",
    "individual": "Enskild resa",
    "charter": "Charter",
    "frontex": "Frontex gemensam operation",
    "dublin": "Dublinöverföring",
}


def check_transport(trip_type: str, planned_on: date, facts: Facts) -> tuple[Check, ...]:
    """A transport order: a known trip type, and a travel document valid on the planned date (KV must respect
    the validity dates of travel documents, avsnitt 6.6.5). A Dublin transfer needs no travel document."""
    checks = [Check("trip_type", trip_type in TRIP_TYPES, "Okänd resetyp.", CITE_TRANSPORT)]
    if trip_type == "dublin":
        checks.append(Check("dublin", facts.decision_type == "dublin",
                            "Dublinöverföring kräver ett beslut om överföring.", CITE_TRANSPORT))
    else:
        until = facts.travel_document_valid_until
        ok = bool(facts.travel_document_kind) and (until is None or until >= planned_on)
        msg = ("Resehandling saknas." if not facts.travel_document_kind else
               f"Resehandlingen gäller till {until.isoformat() if until else ''}, före planerad resa "
               f"{planned_on.isoformat()}.")
        checks.append(Check("document", ok, msg, CITE_TRANSPORT))
    return tuple(checks)


# --------------------------------------------------------------------------- outcomes


OUTCOMES = {
    "egen_utresa": "Egen utresa",
    "charter": "Charter",
    "enskild_resa": "Enskild resa",
    "eskorterad_resa": "Eskorterad resa",
    "oeskorterad_resa": "Oeskorterad resa",
    "forhandlingsresa": "Förhandlingsresa",
    "dublinoverforing": "Dublinöverföring",
    "preskriberat": "Preskriberat",
    "utlopt_tidsfrist": "Utlöpt tidsfrist (Dublin)",
    "uppehallstillstand": "Uppehållstillstånd beviljat",
}
DEPARTURES = frozenset({"egen_utresa", "charter", "enskild_resa", "eskorterad_resa", "oeskorterad_resa",
                        "forhandlingsresa", "dublinoverforing"})
ENFORCED_BY_POLICE = DEPARTURES - {"egen_utresa"}


@dataclass(frozen=True)
class OutcomeResult:
    allowed: bool
    checks: tuple[Check, ...]
    departure: bool
    success: bool  # left to a country outside the Schengen area (or a Dublin transfer to the responsible state)
    wrong_country: bool


def check_outcome(code: str, facts: Facts, on: date, *, destination: str = "", verified_by: str = "",
                  settings: LawSettings = DEFAULT) -> OutcomeResult:
    """An outcome with the report's codes (avsnitt 3.2.4): an own departure needs to be verified, a departure
    names its destination, a lapse only on or after the lapse date, an expired Dublin deadline only in a
    Dublin case. A departure to another Schengen state is recorded but is not a success (avsnitt 3.3.6)."""
    checks = [Check("code", code in OUTCOMES, "Okänt utfall.", CITE_OUTCOMES)]
    departure = code in DEPARTURES
    destination = destination.strip().upper()
    if departure:
        checks.append(Check("destination", len(destination) == 2 and destination.isalpha(),
                            "Ange destinationslandet (landskod med två bokstäver).", CITE_WRONG_COUNTRY))
        checks.append(Check("not_sweden", destination != "SE", "En utresa kan inte ha Sverige som destination.",
                            CITE_WRONG_COUNTRY))
    if code == "egen_utresa":
        checks.append(Check("verified", bool(verified_by.strip()),
                            "Egen utresa kräver att Polisen fått kännedom om utresan: ange hur den styrkts.",
                            CITE_OUTCOMES))
    if code == "preskriberat":
        lapse, _ = lapses_on(facts, settings)
        checks.append(Check("lapsed", lapse is not None and on >= lapse,
                            "Beslutet har inte preskriberats än." if lapse else
                            "Beslutet preskriberas inte (allmän domstol) eller datum saknas.", CITE_LAPSE))
    if code in ("utlopt_tidsfrist", "dublinoverforing"):
        checks.append(Check("dublin", facts.decision_type == "dublin", "Gäller bara överföringar enligt "
                            "Dublinförordningen.", CITE_WRONG_COUNTRY))
    ok = all(c.ok for c in checks)
    in_schengen = destination in SCHENGEN
    wrong = departure and in_schengen and code != "dublinoverforing"
    return OutcomeResult(allowed=ok, checks=tuple(checks), departure=departure,
                         success=ok and departure and not wrong, wrong_country=ok and wrong)


# --------------------------------------------------------------------------- follow-up


def stage_days(transitions: list[tuple[datetime, str]], until: datetime) -> dict[str, float]:
    """Days spent in each state, from the timeline's state changes ``(at, new state)`` in time order, the
    last state counted to ``until`` (now, or when the case closed)."""
    out: dict[str, float] = {}
    for (at, state), nxt in zip(transitions, [*transitions[1:], (until, "")], strict=True):
        out[state] = out.get(state, 0.0) + max((nxt[0] - at).total_seconds(), 0) / 86400
    return out


def inactive_days(changes: list[tuple[date, str, date | None]], until: date) -> dict[str, int]:
    """Days inactive by reason from MV's status changes ``(on, kind, valid_until)`` in time order: a stay from
    granted to lifted, an impediment or permit application from filed to decided, a temporary permit to its
    last day. Reasons overlap, so the days of several reasons can cover the same calendar days."""
    starts = {"stay_granted": ("stay", True), "stay_lifted": ("stay", False),
              "impediment_application": ("impediment", True), "impediment_decided": ("impediment", False),
              "permit_application": ("permit_application", True),
              "permit_application_decided": ("permit_application", False)}
    open_since: dict[str, date] = {}
    out: dict[str, int] = {}
    for on, kind, valid_until in changes:
        if kind == "temporary_permit" and valid_until is not None:
            out["temporary_permit"] = out.get("temporary_permit", 0) + max((min(valid_until, until) - on).days, 0)
            continue
        if kind not in starts:
            continue
        reason, opening = starts[kind]
        if opening:
            open_since.setdefault(reason, on)
        elif reason in open_since:
            out[reason] = out.get(reason, 0) + (on - open_since.pop(reason)).days
    for reason, since in open_since.items():
        out[reason] = out.get(reason, 0) + max((until - since).days, 0)
    return out


@dataclass(frozen=True)
class CohortCase:
    opened_on: date
    closed_on: date | None
    outcome: str


@dataclass(frozen=True)
class CohortRow:
    year: int
    opened: int
    departed: int
    lapsed: int
    permit: int
    open_after: int

    def share(self, n: int) -> float:
        return round(n / self.opened, 3) if self.opened else 0.0


COHORT_CLASSES = {"departed": "Utrest", "lapsed": "Preskriberat eller utlöpt tidsfrist",
                  "permit": "Uppehållstillstånd", "open": "Öppet efter fyra år"}


def cohort_class(c: CohortCase, years: int = 4) -> str:
    """Where one case stands in the cohort measure: closed within ``years`` years (to the same calendar day)
    by a departure, a lapse (or an expired Dublin deadline) or a permit; ``open`` if not closed by then; ""
    for a closure with another code (counted among the opened only)."""
    if c.closed_on is None or c.closed_on > add_years(c.opened_on, years):
        return "open"
    if c.outcome in DEPARTURES:
        return "departed"
    if c.outcome in ("preskriberat", "utlopt_tidsfrist"):
        return "lapsed"
    if c.outcome == "uppehallstillstand":
        return "permit"
    return ""


def cohort(cases: list[CohortCase], year: int, years: int = 4) -> CohortRow:
    """The report's main measure (avsnitt 3.2.3): of the cases opened in ``year``, how many were closed within
    ``years`` years by a departure, by lapse (or an expired Dublin deadline), or by a permit."""
    rows = [c for c in cases if c.opened_on.year == year]
    counts = {"departed": 0, "lapsed": 0, "permit": 0, "open": 0, "": 0}
    for c in rows:
        counts[cohort_class(c, years)] += 1
    return CohortRow(year, len(rows), counts["departed"], counts["lapsed"], counts["permit"], counts["open"])

