"""Holding (förvar), 17 § PL: competence, reason, necessity, last resort, the children's rules and the
activity room."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Literal

from bitrade.common import labels as glossary
from bitrade.legal.citations import Citation, format_citation

from .base import Check, RequiredTask, _aware_utc, _cite, _text
from .duties import _SLA_SOURCE
from .grounds import GROUNDS

#: SFS number of lagen (1964:167) med särskilda bestämmelser om unga lagöverträdare (LUL).
LUL_SFS = "1964:167"

#: Age below which a person is a child (föräldrabalken 9 kap. 1 §).
MINOR_AGE_LIMIT = 18
#: Age below which nobody may be held in förvar (17 § PL).  Law, not configuration.
HOLDING_MIN_AGE = 15


# ---------------------------------------------------------------------------------------------
# Holding (förvar)
# ---------------------------------------------------------------------------------------------

POLICE_FUNCTIONS = frozenset(
    {"rlc_commander", "station_commander", "duty_officer", "level2_manager", "officer", "analyst",
     "process_owner", "administrator"}
)
FUNCTION_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "rlc_commander": "RLC-befäl",
        "station_commander": "stationsbefäl",
        "duty_officer": "vakthavande befäl",
        "level2_manager": "chef på nivå två",
        "officer": "polis",
        "analyst": "analytiker",
        "process_owner": "processägare",
        "administrator": "administratör",
    }
)
#: Functions that may never decide on förvar, whatever the configuration says.
NEVER_HOLDING_DECIDERS = frozenset({"officer", "analyst", "process_owner", "administrator"})

HOLDING_DECISION = "holding"


@dataclass(frozen=True)
class CompetenceMatrix:
    """Decision type → the police functions competent for it.  Configuration (the content comes from
    Polismyndighetens arbetsordning, PM 2024:5 bilaga 4: förvar by lowest a station commander or a
    level-2 manager, and by the functions above them).  The legal floor is enforced: no configuration
    can let an officer (or a non-operational function) decide on förvar."""

    decisions: Mapping[str, frozenset[str]]

    def __post_init__(self) -> None:
        for decision, functions in self.decisions.items():
            unknown = set(functions) - POLICE_FUNCTIONS
            if unknown:
                raise ValueError(f"okända funktioner för {decision}: {', '.join(sorted(unknown))}")
        if set(self.decisions.get(HOLDING_DECISION, ())) & NEVER_HOLDING_DECIDERS:
            raise ValueError("polis och icke-operativa funktioner får aldrig besluta om förvar")

    def allows(self, decision: str, function: str) -> bool:
        return function in self.decisions.get(decision, frozenset())

    def functions(self, decision: str) -> tuple[str, ...]:
        order = ("station_commander", "level2_manager", "duty_officer", "rlc_commander")
        allowed = self.decisions.get(decision, frozenset())
        return tuple(f for f in order if f in allowed) + tuple(sorted(allowed - set(order)))


DEFAULT_COMPETENCE = CompetenceMatrix(
    MappingProxyType(
        {HOLDING_DECISION: frozenset({"station_commander", "level2_manager", "duty_officer", "rlc_commander"})}
    )
)

HOLDING_REASONS: Mapping[str, str] = glossary.HOLDING_REASON
PLACE_TYPES: Mapping[str, str] = glossary.PLACE_TYPE
AGE_BASES = ("verified", "assumed", "unknown")
AgeCategory = Literal["under_15", "minor_15_17", "adult"]


@dataclass(frozen=True)
class HoldingConfig:
    """Configuration of the förvar rules (documented defaults).

    ``non_holding_place_types``: place types that are not förvar (default: the activity room, a
    supervised waiting room that is not a lock-up; the report does not say whether it counts as förvar,
    the platform reads it as not förvar so that it stays available for children under 15).
    ``unknown_minor_category``: how a person of unknown age with indications of being a minor is treated
    when nobody has recorded an assessment that they are at least 15: ``"under_15"`` (default; förvar is
    then refused, since the ban in 17 § PL cannot otherwise be guaranteed) or ``"minor_15_17"``.
    ``min_statement_chars``: shortest text accepted as a recorded statement or justification.
    """

    competence: CompetenceMatrix = DEFAULT_COMPETENCE
    non_holding_place_types: frozenset[str] = frozenset({"activity_room"})
    unknown_minor_category: Literal["under_15", "minor_15_17"] = "under_15"
    min_statement_chars: int = 15
    notify_social_services_sla: timedelta = timedelta(minutes=30)

    def __post_init__(self) -> None:
        unknown = set(self.non_holding_place_types) - set(PLACE_TYPES)
        if unknown:
            raise ValueError(f"okända platstyper: {', '.join(sorted(unknown))}")
        if self.unknown_minor_category not in ("under_15", "minor_15_17"):
            raise ValueError("unknown_minor_category måste vara under_15 eller minor_15_17")
        if self.min_statement_chars < 1:
            raise ValueError("min_statement_chars måste vara minst 1")


DEFAULT_HOLDING_CONFIG = HoldingConfig()


@dataclass(frozen=True)
class AgeAssessment:
    category: AgeCategory
    uncertain: bool
    message: str

    @property
    def minor(self) -> bool:
        return self.category != "adult"


def classify_age(
    age: int | None,
    *,
    age_basis: str = "unknown",
    minor_indications: bool = False,
    assessed_at_least_15: bool = False,
    unknown_minor_category: Literal["under_15", "minor_15_17"] = "under_15",
) -> AgeAssessment:
    """The age category the children's rules use.

    A verified age is used as it is.  An assumed age is used, except that an assumed adult with
    indications of being a minor is treated as a minor.  An unknown age with indications of being a
    minor is treated as a minor: as 15–17 if someone has recorded that the person is at least 15, else
    as ``unknown_minor_category`` (default under 15).
    """
    if age_basis not in AGE_BASES:
        raise ValueError(f"okänd åldersgrund: {age_basis!r}")
    if age is not None and age < 0:
        raise ValueError("åldern kan inte vara negativ")
    if age is not None:
        category: AgeCategory = (
            "under_15" if age < HOLDING_MIN_AGE else "minor_15_17" if age < MINOR_AGE_LIMIT else "adult"
        )
        if age_basis != "verified" and category == "adult" and minor_indications:
            return AgeAssessment(
                "minor_15_17", True,
                f"Åldern {age} år är antagen och det finns tecken på att personen är under 18 år; "
                "personen behandlas som underårig.",
            )
        return AgeAssessment(category, age_basis != "verified", f"Ålder {age} år ({'fastställd' if age_basis == 'verified' else 'antagen'}).")
    if minor_indications:
        category = "minor_15_17" if assessed_at_least_15 else unknown_minor_category
        detail = (
            "bedömd vara minst 15 år" if assessed_at_least_15
            else "det kan inte uteslutas att personen är under 15 år" if category == "under_15"
            else "behandlas som 15–17 år"
        )
        return AgeAssessment(
            category, True,
            f"Åldern är okänd och det finns tecken på att personen är under 18 år; personen behandlas som "
            f"underårig ({detail}).",
        )
    return AgeAssessment("adult", True, "Åldern är inte fastställd och inget tyder på att personen är under 18 år.")


@dataclass(frozen=True)
class HoldingFacts:
    """A proposed förvar decision.

    ``ground``: the custody ground of the episode.  ``decided_by_function``: the decider's police
    function.  ``place_type``: one of :data:`PLACE_TYPES`.  ``reason``: one of :data:`HOLDING_REASONS`
    (``"other"`` needs ``reason_text``).  ``necessity``: why förvar is necessary with regard to order or
    security (17 § PL).  ``alternatives_considered``: the recorded statement that less intrusive
    alternatives were considered (last resort, 8 § PL).  Children: ``age``/``age_basis``/
    ``minor_indications``/``assessed_at_least_15``, and for 15–17 ``absolutely_necessary_justification``
    and ``child_best_interest_assessment``.
    """

    ground: str
    decided_by_function: str
    place_type: str
    reason: str
    reason_text: str = ""
    necessity: str = ""
    alternatives_considered: str = ""
    age: int | None = None
    age_basis: str = "unknown"
    minor_indications: bool = False
    assessed_at_least_15: bool = False
    absolutely_necessary_justification: str = ""
    child_best_interest_assessment: str = ""
    decided_at: datetime | None = None


@dataclass(frozen=True)
class HoldingDecision:
    allowed: bool
    checks: tuple[Check, ...]
    required_tasks: tuple[RequiredTask, ...]
    is_holding: bool
    age: AgeAssessment

    def check(self, code: str) -> Check:
        return next(c for c in self.checks if c.code == code)

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.blocking)


# Check codes of check_holding
HOLDING_GROUND = "holding_ground"
HOLDING_PLACE = "holding_place_type"
HOLDING_UNDER_15 = "holding_under_15"
HOLDING_AGE_UNCERTAIN = "holding_age_uncertain"
HOLDING_COMPETENCE = "holding_competence"
HOLDING_REASON = "holding_reason"
HOLDING_NECESSITY = "holding_necessity"
HOLDING_LAST_RESORT = "holding_last_resort"
HOLDING_CHILD_NECESSARY = "holding_child_absolutely_necessary"
HOLDING_CHILD_BEST_INTEREST = "holding_child_best_interest"
HOLDING_EXTERNAL_RULES = "holding_external_rules"

_ARBETSORDNING = "Polismyndighetens arbetsordning (PM 2024:5), bilaga 4"
_CHILD_SOURCES = (
    "Polismyndighetens handbok för arrestverksamhet (PM 2017:63), bilaga 5; beslutsstöd om barnets bästa "
    "vid placering av frihetsberövade barn (dnr A300.391/2021); barnkonventionen artikel 3"
)


def check_holding(facts: HoldingFacts, config: HoldingConfig = DEFAULT_HOLDING_CONFIG) -> HoldingDecision:
    """May the person be held in förvar?  Every check is evaluated so the decider sees all reasons.

    Förvar means placement in a police cell, remand prison or other lock-up ("insättning i arrest, häkte
    eller annan inlåsning").  A place type in ``config.non_holding_place_types`` (the activity room) is
    not förvar: no förvar decision is needed and the children's ban does not stop it.

    * ground: the episode must be a custody (extended removal under 13 c § is not);
    * age: under 15 → refused, 17 § PL, no override; 15–17 → a written "absolutely necessary"
      justification and a best-interest assessment, and a task to notify social services;
    * competence: the decider's function must be in the competence matrix (officers never);
    * reason: one of the listed reasons, "other" with a text;
    * necessity for order or security (17 § PL) and last resort (8 § PL): recorded statements.
    """
    p17 = _cite("PL", "17")
    minimum = config.min_statement_chars
    age = classify_age(
        facts.age,
        age_basis=facts.age_basis,
        minor_indications=facts.minor_indications,
        assessed_at_least_15=facts.assessed_at_least_15,
        unknown_minor_category=config.unknown_minor_category,
    )
    checks = _ground_checks(facts.ground, p17)

    if facts.place_type not in PLACE_TYPES:
        checks.append(Check(HOLDING_PLACE, False, f"Okänd platstyp: {facts.place_type!r}.", None))
        return HoldingDecision(False, tuple(checks), (), True, age)
    if facts.place_type in config.non_holding_place_types:
        checks.append(
            Check(HOLDING_PLACE, True,
                  f"Placering i {PLACE_TYPES[facts.place_type]} är inte förvar (ingen inlåsning); inget "
                  "förvarsbeslut behövs. Personen ska vara under uppsikt och placeringen dokumenteras.",
                  p17, severity="info", source="Plattformens läsning (HoldingConfig.non_holding_place_types)")
        )
        allowed = not any(c.blocking for c in checks)
        return HoldingDecision(allowed, tuple(checks), (), False, age)
    checks.append(Check(HOLDING_PLACE, True, f"Förvar i {PLACE_TYPES[facts.place_type]}.", p17, severity="info"))

    checks.extend(_child_checks(facts, age, minimum, p17))
    checks.append(_competence_check(facts.decided_by_function, config.competence, p17))
    checks.append(_reason_check(facts, minimum, p17))
    checks.extend(_necessity_checks(facts, minimum, p17))

    allowed = not any(c.blocking for c in checks)
    tasks: tuple[RequiredTask, ...] = ()
    if allowed and age.category == "minor_15_17":
        tasks = (_notify_social_services(facts, config),)
    return HoldingDecision(allowed, tuple(checks), tasks, True, age)


def _ground_checks(code: str, p17: str) -> list[Check]:
    """Förvar presupposes a custody; grounds with rules of their own (LOB) are flagged."""
    ground = GROUNDS.get(code)
    if ground is None:
        return [Check(HOLDING_GROUND, False, f"Okänd grund för frihetsberövandet: {code!r}.", None)]
    if not ground.is_custody:
        return [
            Check(HOLDING_GROUND, False,
                  f"{ground.title} ({ground.citation}) är inte ett omhändertagande; förvar förutsätter att "
                  "personen är omhändertagen.", p17)
        ]
    checks = [Check(HOLDING_GROUND, True, f"Grund: {ground.title} ({ground.citation}).", ground.citation,
                    severity="info")]
    if ground.family == "external":
        checks.append(
            Check(HOLDING_EXTERNAL_RULES, False,
                  f"{ground.title} har egna bestämmelser om förvar ({ground.citation}); kontrollera dem.",
                  ground.citation, severity="warning")
        )
    return checks


def _child_checks(facts: HoldingFacts, age: AgeAssessment, minimum: int, p17: str) -> list[Check]:
    """The children's rules: never under 15 (17 § PL); 15–17 only when absolutely necessary, with a
    recorded best-interest assessment."""
    checks: list[Check] = []
    if age.category == "under_15":
        checks.append(
            Check(HOLDING_UNDER_15, False,
                  f"Den som är under 15 år får inte tas i förvar. {age.message} Välj en placering som inte är "
                  "förvar, t.ex. ett aktivitetsrum under uppsikt.", p17, hard=True)
        )
    else:
        checks.append(Check(HOLDING_UNDER_15, True, "Personen är inte under 15 år.", p17, severity="info"))
    if age.uncertain and age.minor:
        checks.append(Check(HOLDING_AGE_UNCERTAIN, False, age.message, p17, severity="warning"))
    if age.category != "minor_15_17":
        return checks

    necessary_citation = format_citation("PL", "17", applied=Citation.of(LUL_SFS, "6 a"))
    ok = len(_text(facts.absolutely_necessary_justification)) >= minimum
    checks.append(
        Check(HOLDING_CHILD_NECESSARY, ok,
              "Skriftlig motivering av att förvar av den unge är absolut nödvändigt finns."
              if ok else
              "Den som är under 18 år får tas i förvar endast om det är absolut nödvändigt. "
              "En skriftlig motivering krävs.",
              necessary_citation, source=_CHILD_SOURCES)
    )
    ok = len(_text(facts.child_best_interest_assessment)) >= minimum
    checks.append(
        Check(HOLDING_CHILD_BEST_INTEREST, ok,
              "Bedömningen av barnets bästa är dokumenterad."
              if ok else
              "En dokumenterad bedömning av barnets bästa krävs innan den unge tas i förvar "
              "(överväg t.ex. aktivitetsrum).",
              p17, source=_CHILD_SOURCES)
    )
    return checks


def _competence_check(function: str, competence: CompetenceMatrix, p17: str) -> Check:
    """The decider's police function must be competent for förvar (the arbetsordning)."""
    if competence.allows(HOLDING_DECISION, function):
        return Check(HOLDING_COMPETENCE, True,
                     f"Beslutet fattas av {FUNCTION_NAMES.get(function, function)}, som är behörig att besluta "
                     "om förvar.", p17, severity="info", source=_ARBETSORDNING)
    names = ", ".join(FUNCTION_NAMES.get(f, f) for f in competence.functions(HOLDING_DECISION))
    return Check(HOLDING_COMPETENCE, False,
                 f"{FUNCTION_NAMES.get(function, function or 'Okänd funktion').capitalize()} får inte besluta om "
                 f"förvar. Behöriga: {names}.", p17, source=_ARBETSORDNING)


def _reason_check(facts: HoldingFacts, minimum: int, p17: str) -> Check:
    """One of the listed reasons; "other" with a description."""
    if facts.reason not in HOLDING_REASONS:
        return Check(HOLDING_REASON, False,
                     f"Ange skälet till förvaret: {', '.join(v for k, v in HOLDING_REASONS.items() if k != 'other')} "
                     "eller annat skäl med beskrivning.", p17)
    if facts.reason == "other" and len(_text(facts.reason_text)) < minimum:
        return Check(HOLDING_REASON, False, "Vid annat skäl ska skälet beskrivas.", p17)
    label = _text(facts.reason_text) if facts.reason == "other" else HOLDING_REASONS[facts.reason]
    return Check(HOLDING_REASON, True, f"Skäl: {label}.", p17, severity="info")


def _necessity_checks(facts: HoldingFacts, minimum: int, p17: str) -> list[Check]:
    """Necessity for order or security (17 § PL) and last resort (8 § PL): recorded statements."""
    necessary = len(_text(facts.necessity)) >= minimum
    considered = len(_text(facts.alternatives_considered)) >= minimum
    return [
        Check(HOLDING_NECESSITY, necessary,
              "Det är dokumenterat varför förvar är nödvändigt med hänsyn till ordning eller säkerhet."
              if necessary else
              "Förvar får användas endast om det är nödvändigt med hänsyn till ordning eller säkerhet. "
              "Beskriv varför.", p17),
        Check(HOLDING_LAST_RESORT, considered,
              "Det är dokumenterat att mindre ingripande alternativ har övervägts."
              if considered else
              "Förvar är en sista utväg för kortast möjliga tid. Dokumentera vilka alternativ som övervägts "
              "och varför de inte räcker.", _cite("PL", "8", 1)),
    ]


def _notify_social_services(facts: HoldingFacts, config: HoldingConfig) -> RequiredTask:
    """6 § andra stycket PL: social services are told "snarast" when a 15–17-year-old is held."""
    base = _aware_utc(facts.decided_at, "beslutstiden") if facts.decided_at else None
    return RequiredTask(
        "notify_social_services",
        "Underrätta socialtjänsten om att den unge har tagits i förvar",
        "decider",
        base + config.notify_social_services_sla if base else None,
        config.notify_social_services_sla,
        _cite("PL", "6", 2),
        "snarast",
        _SLA_SOURCE,
    )
