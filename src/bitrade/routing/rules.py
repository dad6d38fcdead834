"""Routing of granted handräckning cases to a police unit: pure rules (never Django).

The engine is an ordered list of rules, first match wins (the Signalen model). Every decision says
which rule matched, why each earlier rule did not, and which priority was used; all texts are Swedish.

Order of evaluation
    Rules for the facts' region come before national defaults (``region=None``); within each group by
    ``order``, then ``id``. Rules for other regions are skipped silently. Rules not in force on the
    Stockholm date of ``facts.at`` (``valid_from``/``valid_to``, both inclusive) are skipped; the trace
    still lists them.

A rule matches when every condition holds
    * ``police_area``: None = any, else the facts' police area;
    * ``laws`` / ``points`` / ``priorities``: empty = any, else the facts' value is in the set.
      ``priorities`` holds 1, 2, 3 and/or None (None = ordinary case for the police area) and is
      compared with :func:`effective_priority`, not the requested priority;
    * ``max_age``: None = any, else the person is younger than ``max_age`` (under 18 → 18). An unknown
      age does not match, except that a person flagged as a child matches ``max_age >= 18``;
    * a target unit exists: ``target_unit_id`` (wins over ``target_kind``) or a unit of ``target_kind``
      within ``scope`` ("police_area": the facts' police area, "region": the facts' region, preferring
      a unit of the facts' police area, then a region-level unit, then the lowest id);
    * if ``requires_open``, that target is open at ``facts.at`` (office hours, holidays, 24/7).

If no rule matches, the region's RLC takes the case as the last resort (open or not). If the region has
no RLC either, the decision has ``unit=None`` and says the case must be assigned by hand.

Region rules come before the national rule "prioritet 1–3 → RLC", so a region rule that should only
take ordinary cases must say so with ``priorities=frozenset({None})``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from operator import attrgetter
from types import MappingProxyType

from bitrade.organisation.rules import (
    OpenStatus,
    StockholmMoment,
    WeeklyHours,
    is_open_at,
    stockholm_moment,
)

# ---------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------

RLC = "rlc"
STATION_COMMANDER_DESK = "station_commander_desk"
DUTY_OFFICER_DESK = "duty_officer_desk"
ASSISTANCE_GROUP = "assistance_group"
BORDER_POLICE = "border_police"
BOPS = "bops"
ADMIN_SUPPORT = "admin_support"
UNIT_KINDS = frozenset(
    {RLC, STATION_COMMANDER_DESK, DUTY_OFFICER_DESK, ASSISTANCE_GROUP, BORDER_POLICE, BOPS, ADMIN_SUPPORT}
)

SCOPE_POLICE_AREA = "police_area"
SCOPE_REGION = "region"
SCOPES = frozenset({SCOPE_POLICE_AREA, SCOPE_REGION})

LAWS = frozenset({"LPT", "LRV", "LVM", "LVU"})

REGION_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "nord": "region Nord",
        "mitt": "region Mitt",
        "stockholm": "region Stockholm",
        "ost": "region Öst",
        "vast": "region Väst",
        "syd": "region Syd",
        "bergslagen": "region Bergslagen",
    }
)

PRIORITIES = (1, 2, 3, None)
PRIORITY_NAMES: Mapping[int | None, str] = MappingProxyType(
    {1: "omedelbart", 2: "brådskande", 3: "närtid", None: "ordinärt ärende"}
)

#: Age below which a person is a child (föräldrabalken 9 kap. 1 §); such cases are at least prio 3.
CHILD_AGE_LIMIT = 18
CHILD_MIN_PRIORITY = 3

#: Default time to acknowledge (kvittera) a routed case, per priority. These are configurable
#: defaults chosen for the platform, NOT legal time limits: the supervision report names none.
DEFAULT_ACK_THRESHOLDS: Mapping[int | None, timedelta] = MappingProxyType(
    {1: timedelta(minutes=10), 2: timedelta(minutes=30), 3: timedelta(hours=2), None: timedelta(hours=8)}
)


@dataclass(frozen=True, slots=True)
class _KindWords:
    indefinite: str  # "handräckningsgrupp"
    definite: str  # "handräckningsgruppen"
    none_word: str  # "ingen" / "inget"
    closed: str  # "stängd" / "stängt"
    open: str  # "öppen" / "öppet"


_KIND_WORDS: Mapping[str, _KindWords] = MappingProxyType(
    {
        RLC: _KindWords("RLC", "regionledningscentralen (RLC)", "ingen", "stängd", "öppen"),
        STATION_COMMANDER_DESK: _KindWords("stationsbefäl", "stationsbefälet", "inget", "stängt", "öppet"),
        DUTY_OFFICER_DESK: _KindWords("vakthavande befäl", "vakthavande befälet", "inget", "stängt", "öppet"),
        ASSISTANCE_GROUP: _KindWords(
            "handräckningsgrupp", "handräckningsgruppen", "ingen", "stängd", "öppen"
        ),
        BORDER_POLICE: _KindWords("gränspolisenhet", "gränspolisenheten", "ingen", "stängd", "öppen"),
        BOPS: _KindWords("BOPS-grupp", "BOPS-gruppen", "ingen", "stängd", "öppen"),
        ADMIN_SUPPORT: _KindWords(
            "administrativt stöd", "det administrativa stödet", "inget", "stängt", "öppet"
        ),
    }
)


def _kind_words(kind: str) -> _KindWords:
    words = _KIND_WORDS.get(kind)
    if words is None:
        return _KindWords(f"enhet av typen {kind}", f"enheten av typen {kind}", "ingen", "stängd", "öppen")
    return words


def priority_label(priority: int | None) -> str:
    """``"prioritet 1 (omedelbart)"`` … ``"ingen RLC-prioritet (ordinärt ärende)"``."""
    if priority is None:
        return "ingen RLC-prioritet (ordinärt ärende)"
    return f"prioritet {priority} ({PRIORITY_NAMES.get(priority, 'okänd')})"


@functools.lru_cache(maxsize=256)
def _priority_set_text(priorities: frozenset[int | None]) -> str:
    """What a rule's priority condition covers, e.g. "ärenden med prioritet 1 (omedelbart) eller 2 (…)"."""
    parts = []
    numbers = sorted(p for p in priorities if p is not None)
    if numbers:
        parts.append("ärenden med prioritet " + _join_or([f"{p} ({PRIORITY_NAMES[p]})" for p in numbers]))
    if None in priorities:
        parts.append("ordinära ärenden utan RLC-prioritet")
    return _join_or(parts)


def _join_or(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " eller " + items[-1]


@functools.lru_cache(maxsize=1024)
def _set_text(values: frozenset[str]) -> str:
    return _join_or(sorted(values))


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnitInfo:
    """A police unit as routing sees it (only active units should be passed in)."""

    id: int
    name: str
    kind: str
    region: str
    police_area: str | None = None
    always_open: bool = False
    hours: tuple[WeeklyHours, ...] = ()
    #: The decision-making functions present at the unit while it is open (see :func:`unit_deciders`).
    decider_functions: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not isinstance(self.hours, tuple):
            object.__setattr__(self, "hours", tuple(self.hours))
        object.__setattr__(self, "decider_functions", _frozen(self.decider_functions))


def _frozen(values: Iterable) -> frozenset:
    return values if isinstance(values, frozenset) else frozenset(values)


@dataclass(frozen=True, slots=True)
class RoutingRule:
    """One routing rule (configuration data; see the module docstring for the semantics).

    Any iterable given for ``laws``, ``points`` or ``priorities`` is stored as a frozenset.
    """

    id: int
    name: str
    region: str | None = None
    order: int = 0
    laws: frozenset[str] = frozenset()
    points: frozenset[str] = frozenset()
    priorities: frozenset[int | None] = frozenset()
    police_area: str | None = None
    max_age: int | None = None
    target_kind: str | None = None
    target_unit_id: int | None = None
    scope: str = SCOPE_POLICE_AREA
    requires_open: bool = False
    valid_from: date | None = None
    valid_to: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "laws", _frozen(self.laws))
        object.__setattr__(self, "points", _frozen(self.points))
        object.__setattr__(self, "priorities", _frozen(self.priorities))
        if self.scope not in SCOPES:
            raise ValueError(f"unknown routing scope {self.scope!r}; expected one of {sorted(SCOPES)}")
        bad = self.priorities - set(PRIORITIES)
        if bad:
            raise ValueError(f"unknown priorities {bad!r}; expected 1, 2, 3 or None")


@dataclass(frozen=True, slots=True)
class RoutingFacts:
    """What routing needs to know about a granted case.

    ``is_child`` marks a person known to be under 18 whose exact age is unknown.
    """

    region: str
    police_area: str
    law: str
    point_key: str | None
    requested_priority: int | None
    person_age: int | None
    at: datetime
    is_child: bool = False
    #: The functions competent to decide the case (from the competence data for the law, region and day).
    #: Empty: competence is not known yet (no law) and is not checked.
    competent_functions: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class RuleTrace:
    """How one rule was judged. ``code`` is machine-readable: matched, not_in_force, police_area, law,
    point, priority, age, no_target, unit_missing, no_unit, closed."""

    rule_id: int
    rule_name: str
    matched: bool
    why: str
    code: str = ""


@dataclass(frozen=True)
class RoutingDecision:
    unit: UnitInfo | None
    rule: RoutingRule | None
    priority: int | None
    reasons: list[str] = field(default_factory=list)
    trace: list[RuleTrace] = field(default_factory=list)

    @property
    def unit_id(self) -> int | None:
        return self.unit.id if self.unit else None


# ---------------------------------------------------------------------------------------------
# Priority
# ---------------------------------------------------------------------------------------------


def _is_child(facts: RoutingFacts) -> bool:
    if facts.person_age is not None:
        return facts.person_age < CHILD_AGE_LIMIT
    return facts.is_child


def effective_priority(facts: RoutingFacts) -> int | None:
    """The priority routing uses.

    The requested priority (1 omedelbart, 2 brådskande, 3 närtid, None ordinary). A person under 18 —
    by ``person_age``, or ``is_child`` when the age is unknown — is at least priority 3: the RLC takes
    cases about young people as near-term (step 6 of the process); 1 and 2 are kept.
    """
    requested = facts.requested_priority
    if requested not in PRIORITY_NAMES:
        raise ValueError(f"unknown priority {requested!r}; expected 1, 2, 3 or None")
    if _is_child(facts) and (requested is None or requested > CHILD_MIN_PRIORITY):
        return CHILD_MIN_PRIORITY
    return requested


def _priority_reason(facts: RoutingFacts, priority: int | None) -> str:
    if priority != facts.requested_priority:
        who = (
            f"Personen är {facts.person_age} år"
            if facts.person_age is not None
            else "Personen är markerad som barn"
        )
        return (
            f"{who}, alltså under {CHILD_AGE_LIMIT} år: ärendet får {priority_label(priority)} "
            "och går inte som ordinärt ärende till polisområdet."
        )
    if priority is None:
        return "Ingen RLC-prioritet: ordinärt ärende till polisområdet."
    return f"Prioritet: {priority_label(priority)} enligt begäran."


# ---------------------------------------------------------------------------------------------
# Engine
# ---------------------------------------------------------------------------------------------


_BY_ID = attrgetter("id")


def _rule_sort_key(rule: RoutingRule) -> tuple[int, int, int]:
    return (0 if rule.region is not None else 1, rule.order, rule.id)


class RoutingTable:
    """Rules and units prepared once (sorted, indexed) for many decisions.

    :func:`route` builds one (and reuses it while it is called with the same configuration); callers
    that route many cases with one configuration can also build it once and call :meth:`route`.
    ``area_names`` maps police-area codes to display names ("syd-malmo" → "Polisområde Malmö").
    """

    __slots__ = ("_area_names", "_by_area", "_by_id", "_by_region", "_rules", "_rules_for_region", "units")

    def __init__(
        self,
        rules: Iterable[RoutingRule],
        units: Iterable[UnitInfo],
        *,
        area_names: Mapping[str, str] | None = None,
    ) -> None:
        self._rules = tuple(sorted(rules, key=_rule_sort_key))
        self.units = tuple(units)
        self._area_names = dict(area_names or {})
        self._rules_for_region: dict[str, tuple[RoutingRule, ...]] = {}
        by_id: dict[int, UnitInfo] = {}
        by_area: dict[tuple[str, str | None], list[UnitInfo]] = {}
        by_region: dict[tuple[str, str], list[UnitInfo]] = {}
        for unit in sorted(self.units, key=_BY_ID):
            if unit.id not in by_id:
                by_id[unit.id] = unit
            if unit.police_area is not None:
                key = (unit.kind, unit.police_area)
                if key in by_area:
                    by_area[key].append(unit)
                else:
                    by_area[key] = [unit]
            key = (unit.kind, unit.region)
            if key in by_region:
                by_region[key].append(unit)
            else:
                by_region[key] = [unit]
        self._by_id = by_id
        self._by_area = {k: tuple(v) for k, v in by_area.items()}
        self._by_region = {k: tuple(v) for k, v in by_region.items()}

    # -- labels -------------------------------------------------------------------------------

    def area_label(self, code: str) -> str:
        return self._area_names.get(code) or f"polisområde {code}"

    @staticmethod
    def region_label(code: str) -> str:
        return REGION_NAMES.get(code) or f"region {code}"

    # -- lookups ------------------------------------------------------------------------------

    def rules_for(self, region: str) -> tuple[RoutingRule, ...]:
        cached = self._rules_for_region.get(region)
        if cached is None:
            cached = tuple(r for r in self._rules if r.region is None or r.region == region)
            self._rules_for_region[region] = cached
        return cached

    def candidates(self, kind: str, scope: str, facts: RoutingFacts) -> tuple[UnitInfo, ...]:
        """Units of ``kind`` within ``scope`` of the facts, in order of preference."""
        if scope == SCOPE_POLICE_AREA:
            return self._by_area.get((kind, facts.police_area), ())
        units = self._by_region.get((kind, facts.region), ())
        if len(units) > 1:
            area = facts.police_area
            units = tuple(
                sorted(units, key=lambda u: (u.police_area != area, u.police_area is not None, u.id))
            )
        return units

    def region_rlc(self, region: str) -> UnitInfo | None:
        units = self._by_region.get((RLC, region), ())
        if not units:
            return None
        return min(units, key=lambda u: (u.police_area is not None, u.id))

    # -- decision -----------------------------------------------------------------------------

    def _scope_label(self, scope: str, facts: RoutingFacts) -> str:
        if scope == SCOPE_POLICE_AREA:
            return self.area_label(facts.police_area)
        return self.region_label(facts.region)

    def _conditions(
        self, rule: RoutingRule, facts: RoutingFacts, priority: int | None
    ) -> tuple[str, str] | None:
        """(code, Swedish why) of the first condition that fails, or None when all hold."""
        if rule.police_area is not None and rule.police_area != facts.police_area:
            return (
                "police_area",
                f"regeln gäller {self.area_label(rule.police_area)}, ärendet hör till "
                f"{self.area_label(facts.police_area)}",
            )
        if rule.laws and facts.law not in rule.laws:
            return "law", f"regeln gäller {_set_text(rule.laws)}, ärendet gäller {facts.law}"
        if rule.points and facts.point_key not in rule.points:
            wanted = _set_text(rule.points)
            got = facts.point_key or "inget angivet lagrum"
            return "point", f"regeln gäller lagrum {wanted}, ärendet gäller {got}"
        if rule.priorities and priority not in rule.priorities:
            wanted = _priority_set_text(rule.priorities)
            return "priority", f"regeln gäller {wanted}, ärendet har {priority_label(priority)}"
        if rule.max_age is not None:
            age = facts.person_age
            if age is None:
                if not (facts.is_child and rule.max_age >= CHILD_AGE_LIMIT):
                    return (
                        "age",
                        f"regeln gäller personer under {rule.max_age} år och personens ålder är okänd",
                    )
            elif age >= rule.max_age:
                return "age", f"regeln gäller personer under {rule.max_age} år, personen är {age} år"
        return None

    def _target(
        self,
        rule: RoutingRule,
        facts: RoutingFacts,
        moment: StockholmMoment,
        statuses: dict[int, OpenStatus],
    ) -> tuple[UnitInfo | None, str, str]:
        """(unit, code, why). ``unit`` is None when the rule cannot place the case."""

        def status_of(unit: UnitInfo) -> OpenStatus:
            st = statuses.get(unit.id)
            if st is None:
                st = is_open_at(unit.hours, moment, always_open=unit.always_open)
                statuses[unit.id] = st
            return st

        competent = facts.competent_functions
        if rule.target_unit_id is not None:
            unit = self._by_id.get(rule.target_unit_id)
            if unit is None:
                return (
                    None,
                    "unit_missing",
                    f"målenheten (id {rule.target_unit_id}) finns inte bland de aktiva enheterna",
                )
            if competent and not unit.decider_functions & competent:
                return None, "not_competent", f"{unit.name} har ingen behörig beslutsfattare för {facts.law}"
            if not rule.requires_open and not competent:
                return unit, "matched", f"ärendet går till {unit.name}"
            st = status_of(unit)
            if st.open:
                return unit, "matched", f"ärendet går till {unit.name} ({st.detail})"
            return None, "closed", f"{unit.name} är {_kind_words(unit.kind).closed} ({st.detail})"

        if rule.target_kind is None:
            return None, "no_target", "regeln anger ingen målenhet"
        words = _kind_words(rule.target_kind)
        units = self.candidates(rule.target_kind, rule.scope, facts)
        where = self._scope_label(rule.scope, facts)
        if not units:
            return None, "no_unit", f"det finns {words.none_word} {words.indefinite} i {where}"
        if competent:
            # A decider competent for the law must be there, and (below) the unit open at that hour.
            units = tuple(u for u in units if u.decider_functions & competent)
            if not units:
                return (None, "not_competent",
                        f"{words.none_word} {words.indefinite} i {where} har en behörig beslutsfattare för {facts.law}")
        if not rule.requires_open and not competent:
            unit = units[0]
            return unit, "matched", f"ärendet går till {unit.name} ({words.indefinite} i {where})"
        closed: list[tuple[UnitInfo, OpenStatus]] = []
        for unit in units:
            st = status_of(unit)
            if st.open:
                return (
                    unit,
                    "matched",
                    f"ärendet går till {unit.name} ({words.indefinite} i {where}, {st.detail})",
                )
            closed.append((unit, st))
        if len(closed) == 1:
            return None, "closed", f"{words.definite} i {where} är {words.closed} ({closed[0][1].detail})"
        details = "; ".join(f"{u.name}: {st.detail}" for u, st in closed)
        return None, "closed", f"{words.none_word} {words.indefinite} i {where} är {words.open} ({details})"

    def competent_at(self, unit: UnitInfo, facts: RoutingFacts, moment: StockholmMoment,
                     statuses: dict[int, OpenStatus] | None = None) -> bool:
        """Whether ``unit`` has a decider competent for the facts at that moment (present and open)."""
        if facts.competent_functions and not unit.decider_functions & facts.competent_functions:
            return False
        st = (statuses or {}).get(unit.id) or is_open_at(unit.hours, moment, always_open=unit.always_open)
        return st.open

    def competent_unit(self, facts: RoutingFacts, moment: StockholmMoment,
                       statuses: dict[int, OpenStatus] | None = None) -> UnitInfo | None:
        """The nearest unit of the region with a competent decider at that moment: the facts' police area
        first, then by kind (stationsbefäl, vakthavande befäl, RLC, handräckningsgrupp, other), then id."""
        order = {STATION_COMMANDER_DESK: 0, DUTY_OFFICER_DESK: 1, RLC: 2, ASSISTANCE_GROUP: 3}
        units = [u for u in self.units if u.region == facts.region and self.competent_at(u, facts, moment, statuses)]
        if not units:
            return None
        return min(units, key=lambda u: (u.police_area != facts.police_area, order.get(u.kind, 9), u.id))

    def route(self, facts: RoutingFacts) -> RoutingDecision:
        """Apply the rules to ``facts`` (first match wins); see the module docstring."""
        moment = stockholm_moment(facts.at)
        priority = effective_priority(facts)
        reasons = [_priority_reason(facts, priority)]
        trace: list[RuleTrace] = []
        statuses: dict[int, OpenStatus] = {}
        day = moment.date
        for rule in self.rules_for(facts.region):
            valid_from, valid_to = rule.valid_from, rule.valid_to
            if valid_from is not None and day < valid_from:
                why = f"regeln gäller först från {valid_from.isoformat()}"
                trace.append(RuleTrace(rule.id, rule.name, False, why, "not_in_force"))
                continue
            if valid_to is not None and day > valid_to:
                why = f"regeln gällde till och med {valid_to.isoformat()}"
                trace.append(RuleTrace(rule.id, rule.name, False, why, "not_in_force"))
                continue
            failed = self._conditions(rule, facts, priority)
            if failed is None:
                unit, code, why = self._target(rule, facts, moment, statuses)
                if unit is not None:
                    trace.append(RuleTrace(rule.id, rule.name, True, why, code))
                    reasons.append(f"Regel '{rule.name}' matchade: {why}.")
                    return RoutingDecision(unit, rule, priority, reasons, trace)
            else:
                code, why = failed
            trace.append(RuleTrace(rule.id, rule.name, False, why, code))
            reasons.append(f"Regel '{rule.name}' matchade inte: {why}.")

        region = self.region_label(facts.region)
        rlc = self.region_rlc(facts.region)
        if facts.competent_functions and (rlc is None or not self.competent_at(rlc, facts, moment, statuses)):
            unit = self.competent_unit(facts, moment, statuses)
            if unit is None:
                reasons.append(
                    f"Ingen enhet i {region} har en behörig beslutsfattare {_hour_text(moment)}: "
                    "ärendet kunde inte fördelas automatiskt och måste fördelas manuellt."
                )
                return RoutingDecision(None, None, priority, reasons, trace)
            reasons.append(
                f"Ingen regel gav en enhet med behörig beslutsfattare: ärendet går till {unit.name}, "
                f"som har en behörig beslutsfattare {_hour_text(moment)}."
            )
            return RoutingDecision(unit, None, priority, reasons, trace)
        if rlc is None:
            reasons.append(
                f"Ingen regel matchade och det finns ingen RLC i {region}: "
                "ärendet kunde inte fördelas automatiskt och måste fördelas manuellt."
            )
            return RoutingDecision(None, None, priority, reasons, trace)
        reasons.append(f"Ingen regel matchade: ärendet går till {rlc.name}, RLC i {region}, som sista utväg.")
        return RoutingDecision(rlc, None, priority, reasons, trace)


def route(
    facts: RoutingFacts,
    rules: Iterable[RoutingRule],
    units: Iterable[UnitInfo],
    *,
    area_names: Mapping[str, str] | None = None,
) -> RoutingDecision:
    """Route one case. Never raises for missing units.

    The prepared :class:`RoutingTable` of the previous call is reused when the same rules, units and
    area names are passed again (compared by value; all are immutable), so routing many cases with one
    configuration does not sort and index it again for every case.
    """
    global _last_table
    rules_t = tuple(rules)
    units_t = tuple(units)
    names = area_names or {}
    last = _last_table
    if last is not None and last[0] == rules_t and last[1] == units_t and last[2] == names:
        table = last[3]
    else:
        table = RoutingTable(rules_t, units_t, area_names=names)
        _last_table = (rules_t, units_t, dict(names), table)
    return table.route(facts)


_last_table: tuple[tuple[RoutingRule, ...], tuple[UnitInfo, ...], dict[str, str], RoutingTable] | None = None


def default_rules() -> list[RoutingRule]:
    """The national defaults (``region=None``), evaluated after every region-specific rule.

    1. priority 1–3 → the region's RLC;
    2. ordinary → the police area's handräckningsgrupp while it is open;
    3. ordinary → the police area's stationsbefäl while it is open;
    4. anything else → the region's RLC.

    The ids are negative so that they never collide with rule ids stored in the database.
    """
    return [
        RoutingRule(
            id=-1,
            name="Prioritet 1–3 till RLC",
            order=10,
            priorities=frozenset({1, 2, 3}),
            target_kind=RLC,
            scope=SCOPE_REGION,
        ),
        RoutingRule(
            id=-2,
            name="Handräckningsgrupp under öppettid",
            order=20,
            priorities=frozenset({None}),
            target_kind=ASSISTANCE_GROUP,
            scope=SCOPE_POLICE_AREA,
            requires_open=True,
        ),
        RoutingRule(
            id=-3,
            name="Stationsbefäl i polisområdet",
            order=30,
            priorities=frozenset({None}),
            target_kind=STATION_COMMANDER_DESK,
            scope=SCOPE_POLICE_AREA,
            requires_open=True,
        ),
        RoutingRule(id=-4, name="RLC i övrigt", order=40, target_kind=RLC, scope=SCOPE_REGION),
    ]


# ---------------------------------------------------------------------------------------------
# Acknowledgement and escalation
# ---------------------------------------------------------------------------------------------


def ack_deadline(
    priority: int | None,
    received_at: datetime,
    thresholds: Mapping[int | None, timedelta] = DEFAULT_ACK_THRESHOLDS,
) -> datetime:
    """When a routed case must be acknowledged: ``received_at`` plus the threshold for ``priority``.

    Elapsed time is real time (computed in UTC, so a DST change neither adds nor removes an hour); the
    result is in Europe/Stockholm. A priority missing from ``thresholds`` uses
    :data:`DEFAULT_ACK_THRESHOLDS`.
    """
    if priority not in PRIORITY_NAMES:
        raise ValueError(f"unknown priority {priority!r}; expected 1, 2, 3 or None")
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise ValueError("received_at must be a timezone-aware datetime")
    delta = thresholds[priority] if priority in thresholds else DEFAULT_ACK_THRESHOLDS[priority]
    return (received_at.astimezone(UTC) + delta).astimezone(received_at.tzinfo)


def next_escalation_unit(
    current: UnitInfo, units: Iterable[UnitInfo], facts: RoutingFacts
) -> UnitInfo | None:
    """The unit a case escalates to when ``current`` has not acknowledged it in time.

    handräckningsgrupp → the stationsbefäl of the facts' police area (only if open at ``facts.at``)
    → the RLC of the facts' region → None. Any other kind than the RLC escalates to the RLC directly.
    A step whose unit is missing (or is ``current`` itself) is skipped.
    """
    if current.kind == RLC:
        return None
    table = RoutingTable((), units)
    moment = stockholm_moment(facts.at)
    if current.kind == ASSISTANCE_GROUP:
        for unit in table.candidates(STATION_COMMANDER_DESK, SCOPE_POLICE_AREA, facts):
            if unit.id != current.id and table.competent_at(unit, facts, moment):
                return unit
    rlc = table.region_rlc(facts.region)
    if rlc is not None and rlc.id != current.id:
        if not facts.competent_functions or table.competent_at(rlc, facts, moment):
            return rlc
    return None


# ---------------------------------------------------------------------------------------------
# Decision competence (the arbetsordning as data)
# ---------------------------------------------------------------------------------------------

#: The decision-making functions a unit of a kind has by its nature while it is open; memberships add
#: more (a duty officer seated at the RLC). Platform defaults, documented in docs/legal-readings.md.
KIND_DECIDERS: Mapping[str, frozenset[str]] = MappingProxyType({
    RLC: frozenset({"rlc_commander"}),
    STATION_COMMANDER_DESK: frozenset({"station_commander"}),
    DUTY_OFFICER_DESK: frozenset({"duty_officer"}),
    ASSISTANCE_GROUP: frozenset({"level2_manager"}),
})
DECIDER_FUNCTIONS = frozenset({"rlc_commander", "station_commander", "duty_officer", "level2_manager"})


def unit_deciders(kind: str, member_functions: Iterable[str] = ()) -> frozenset[str]:
    """The decision-making functions present at a unit while it is open."""
    return KIND_DECIDERS.get(kind, frozenset()) | (frozenset(member_functions) & DECIDER_FUNCTIONS)


@dataclass(frozen=True, slots=True)
class Competence:
    """Which functions decide on handräckning under a law, in a region (None: national) for a period.

    ``lowest_level``: the functions are the lowest competent level ("lägsta behörig funktion"); a
    superior of such a function decides too. Functions above level two are not modelled in the platform,
    so the flag only changes how the rule is worded."""

    law: str
    functions: frozenset[str]
    region: str | None = None
    lowest_level: bool = True
    valid_from: date | None = None
    valid_to: date | None = None
    id: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "functions", _frozen(self.functions))

    def in_force_on(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on <= self.valid_to)


def competence_for(competences: Iterable[Competence], law: str, region: str, on: date) -> Competence | None:
    """The competence in force for a law on a day: the region's own row if it has one, else the national."""
    best: Competence | None = None
    for c in competences:
        if c.law != law or not c.in_force_on(on) or c.region not in (None, region):
            continue
        if best is None or (c.region is not None, c.valid_from or date.min, c.id) > (
                best.region is not None, best.valid_from or date.min, best.id):
            best = c
    return best


def competent_functions(competences: Iterable[Competence], law: str, region: str, on: date) -> frozenset[str]:
    found = competence_for(competences, law, region, on)
    return found.functions if found else frozenset()


def _hour_text(moment: StockholmMoment) -> str:
    return f"{moment.date.isoformat()} kl. {moment.instant.strftime('%H:%M')}"
# A rule in words (the administrator's list and the editor's preview)
# ---------------------------------------------------------------------------------------------


def describe_rule(rule: RoutingRule, *, area_name: str | None = None, unit_name: str | None = None) -> str:
    """What a rule does, as one Swedish sentence: "Ärenden med prioritet 1 (omedelbart) … enligt LPT går
    till regionledningscentralen (RLC) i regionen, när den har öppet."""
    conditions = []
    if rule.laws:
        conditions.append(f"enligt {_set_text(frozenset(rule.laws))}")
    if rule.points:
        conditions.append(f"med lagrummet {_set_text(frozenset(rule.points))}")
    if rule.police_area:
        conditions.append(f"i {area_name or 'polisområdet'}")
    if rule.max_age is not None:
        conditions.append(f"där personen är yngre än {rule.max_age} år")
    subject = _priority_set_text(frozenset(rule.priorities)) if rule.priorities else "alla ärenden"
    subject = subject[:1].upper() + subject[1:]
    if unit_name:
        target = unit_name
    elif rule.target_kind:
        where = "i regionen" if rule.scope == SCOPE_REGION else "i ärendets polisområde"
        target = f"{_kind_words(rule.target_kind).definite} {where}"
    else:
        target = "en bestämd enhet"
    text = " ".join([subject, *conditions, "går till", target])
    if rule.requires_open:
        text += ", när den har öppet"
    if rule.valid_from or rule.valid_to:
        text += (f" (gäller {rule.valid_from.isoformat() if rule.valid_from else 'tills vidare'}"
                 f"–{rule.valid_to.isoformat() if rule.valid_to else ''})")
    return text + "."
