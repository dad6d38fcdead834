"""Routing engine: pure tests, no database."""

from __future__ import annotations

import random
import time as clock
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bitrade.organisation.rules import END_OF_DAY, STOCKHOLM, WeeklyHours
from bitrade.routing.rules import (
    ADMIN_SUPPORT,
    ASSISTANCE_GROUP,
    BORDER_POLICE,
    DEFAULT_ACK_THRESHOLDS,
    RLC,
    SCOPE_REGION,
    STATION_COMMANDER_DESK,
    RoutingFacts,
    RoutingRule,
    RoutingTable,
    UnitInfo,
    ack_deadline,
    default_rules,
    effective_priority,
    next_escalation_unit,
    route,
)


def sthlm(*args: int) -> datetime:
    return datetime(*args, tzinfo=STOCKHOLM)


def weekdays(opens: time, closes: time) -> tuple[WeeklyHours, ...]:
    return tuple(WeeklyHours(day, opens, closes) for day in range(5))


# Region Syd (model B): a handräckningsgrupp in Malmö open until 19:00 and some Saturdays, that serves
# the whole region by a region-specific rule; Helsingborg has no group of its own.
RLC_SYD = UnitInfo(1, "RLC Syd", RLC, "syd", None, True, ())
GROUP_MALMO = UnitInfo(
    2,
    "Handräckningsgruppen Malmö",
    ASSISTANCE_GROUP,
    "syd",
    "syd-malmo",
    False,
    weekdays(time(8), time(19)) + (WeeklyHours(5, time(10), time(14)),),
)
SB_MALMO = UnitInfo(3, "Stationsbefäl Malmö", STATION_COMMANDER_DESK, "syd", "syd-malmo", True, ())
SB_HELSINGBORG = UnitInfo(
    4, "Stationsbefäl Helsingborg", STATION_COMMANDER_DESK, "syd", "syd-helsingborg", True, ()
)

# Region Bergslagen (model C): PO Örebro has a group until 16:00, PO Karlstad has only a stationsbefäl.
RLC_BERGSLAGEN = UnitInfo(10, "RLC Bergslagen", RLC, "bergslagen", None, True, ())
GROUP_OREBRO = UnitInfo(
    11,
    "Handräckningsgruppen Örebro",
    ASSISTANCE_GROUP,
    "bergslagen",
    "bergslagen-orebro",
    False,
    weekdays(time(8), time(16)),
)
SB_OREBRO = UnitInfo(
    12, "Stationsbefäl Örebro", STATION_COMMANDER_DESK, "bergslagen", "bergslagen-orebro", True, ()
)
SB_KARLSTAD = UnitInfo(
    13, "Stationsbefäl Karlstad", STATION_COMMANDER_DESK, "bergslagen", "bergslagen-karlstad", True, ()
)

# Region Stockholm (model A): the stationsbefäl handles all ordinary requests, day and night.
RLC_STOCKHOLM = UnitInfo(20, "RLC Stockholm", RLC, "stockholm", None, True, ())
SB_STOCKHOLM_SYD = UnitInfo(
    21, "Stationsbefäl Stockholm syd", STATION_COMMANDER_DESK, "stockholm", "stockholm-syd", True, ()
)
GROUP_STOCKHOLM_SYD = UnitInfo(
    22,
    "Handräckningsgruppen Stockholm syd",
    ASSISTANCE_GROUP,
    "stockholm",
    "stockholm-syd",
    False,
    weekdays(time(8), time(16)),
)

UNITS = (
    RLC_SYD,
    GROUP_MALMO,
    SB_MALMO,
    SB_HELSINGBORG,
    RLC_BERGSLAGEN,
    GROUP_OREBRO,
    SB_OREBRO,
    SB_KARLSTAD,
    RLC_STOCKHOLM,
    SB_STOCKHOLM_SYD,
    GROUP_STOCKHOLM_SYD,
)

AREA_NAMES = {
    "syd-malmo": "Polisområde Malmö",
    "syd-helsingborg": "Polisområde Skåne Nord",
    "bergslagen-orebro": "Polisområde Örebro län",
    "bergslagen-karlstad": "Polisområde Värmland",
    "stockholm-syd": "Polisområde Stockholm syd",
}

SYD_REGIONAL_GROUP = RoutingRule(
    id=101,
    name="Regional handräckningsgrupp (Syd)",
    region="syd",
    order=10,
    priorities=frozenset({None}),
    target_kind=ASSISTANCE_GROUP,
    scope=SCOPE_REGION,
    requires_open=True,
)
STOCKHOLM_SB_TAKES_ALL = RoutingRule(
    id=201,
    name="Stationsbefäl tar alla ordinära ärenden",
    region="stockholm",
    order=10,
    priorities=frozenset({None}),
    target_kind=STATION_COMMANDER_DESK,
)
STOCKHOLM_LPT_POINT = RoutingRule(
    id=202,
    name="LPT 47 § 2 st. 3 p. direkt till RLC",
    region="stockholm",
    order=5,
    laws=frozenset({"LPT"}),
    points=frozenset({"LPT-47-2-3"}),
    target_unit_id=20,
)

RULES = [*default_rules(), SYD_REGIONAL_GROUP, STOCKHOLM_SB_TAKES_ALL, STOCKHOLM_LPT_POINT]


def facts(
    at: datetime,
    *,
    region: str = "bergslagen",
    area: str = "bergslagen-orebro",
    law: str = "LPT",
    point: str | None = None,
    priority: int | None = None,
    age: int | None = 40,
    is_child: bool = False,
) -> RoutingFacts:
    return RoutingFacts(region, area, law, point, priority, age, at, is_child)


def decide(f: RoutingFacts, rules=RULES, units=UNITS):
    return route(f, rules, units, area_names=AREA_NAMES)


WEDNESDAY = (2026, 6, 10)
SATURDAY = (2026, 6, 13)


# --- priority ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "region,rlc", [("bergslagen", RLC_BERGSLAGEN), ("syd", RLC_SYD), ("stockholm", RLC_STOCKHOLM)]
)
@pytest.mark.parametrize("priority", [1, 2, 3])
def test_rlc_priorities_go_to_the_region_rlc(region: str, rlc: UnitInfo, priority: int) -> None:
    area = {"bergslagen": "bergslagen-orebro", "syd": "syd-malmo", "stockholm": "stockholm-syd"}[region]
    decision = decide(facts(sthlm(*WEDNESDAY, 10, 0), region=region, area=area, priority=priority))
    assert decision.unit == rlc
    assert decision.rule.id == -1
    assert decision.priority == priority
    assert decision.reasons[-1].startswith("Regel 'Prioritet 1–3 till RLC' matchade: ärendet går till")


def test_effective_priority() -> None:
    at = sthlm(*WEDNESDAY, 10, 0)
    assert effective_priority(facts(at, priority=None, age=40)) is None
    assert effective_priority(facts(at, priority=None, age=17)) == 3
    assert effective_priority(facts(at, priority=None, age=18)) is None
    assert effective_priority(facts(at, priority=1, age=12)) == 1  # more urgent is kept
    assert effective_priority(facts(at, priority=None, age=None, is_child=True)) == 3
    assert effective_priority(facts(at, priority=None, age=None)) is None
    assert effective_priority(facts(at, priority=None, age=25, is_child=True)) is None  # the age wins
    with pytest.raises(ValueError):
        effective_priority(facts(at, priority=4))


def test_person_under_18_gets_priority_3_and_goes_to_rlc() -> None:
    decision = decide(facts(sthlm(*WEDNESDAY, 10, 0), priority=None, age=16))
    assert decision.priority == 3
    assert decision.unit == RLC_BERGSLAGEN
    assert decision.reasons[0] == (
        "Personen är 16 år, alltså under 18 år: ärendet får prioritet 3 (närtid) "
        "och går inte som ordinärt ärende till polisområdet."
    )


# --- ordinary cases and office hours --------------------------------------------------------------


def test_ordinary_weekday_morning_goes_to_the_open_group() -> None:
    decision = decide(facts(sthlm(*WEDNESDAY, 10, 0)))
    assert decision.unit == GROUP_OREBRO
    assert decision.rule.id == -2
    assert decision.priority is None
    assert decision.reasons == [
        "Ingen RLC-prioritet: ordinärt ärende till polisområdet.",
        "Regel 'Prioritet 1–3 till RLC' matchade inte: regeln gäller ärenden med prioritet 1 (omedelbart), "
        "2 (brådskande) eller 3 (närtid), ärendet har ingen RLC-prioritet (ordinärt ärende).",
        "Regel 'Handräckningsgrupp under öppettid' matchade: ärendet går till Handräckningsgruppen Örebro "
        "(handräckningsgrupp i Polisområde Örebro län, onsdag 08:00–16:00).",
    ]


def test_after_the_group_closes_the_station_commander_takes_it() -> None:
    decision = decide(facts(sthlm(*WEDNESDAY, 17, 0)))
    assert decision.unit == SB_OREBRO
    assert decision.rule.id == -3
    assert [t.code for t in decision.trace] == ["priority", "closed", "matched"]
    assert decision.trace[1].why == (
        "handräckningsgruppen i Polisområde Örebro län är stängd (onsdag 17:00, öppet 08:00–16:00)"
    )


def test_trace_explains_every_rule_that_did_not_match() -> None:
    decision = decide(facts(sthlm(*SATURDAY, 10, 0)))
    assert decision.unit == SB_OREBRO
    assert [(t.rule_id, t.matched) for t in decision.trace] == [(-1, False), (-2, False), (-3, True)]
    assert (
        "Regel 'Handräckningsgrupp under öppettid' matchade inte: "
        "handräckningsgruppen i Polisområde Örebro län är stängd (lördag)."
    ) in decision.reasons
    # rules of other regions are not evaluated at all
    assert {t.rule_id for t in decision.trace}.isdisjoint({101, 201, 202})


@pytest.mark.parametrize(
    ("day", "name"),
    [
        ((2026, 5, 14), "Kristi himmelsfärdsdag"),
        ((2026, 5, 1), "första maj"),
        ((2026, 6, 19), "midsommarafton"),
    ],
)
def test_public_holidays_and_midsummer_eve_go_to_the_station_commander(day, name: str) -> None:
    decision = decide(facts(sthlm(*day, 10, 0)))
    assert decision.unit == SB_OREBRO
    assert decision.trace[1].why == f"handräckningsgruppen i Polisområde Örebro län är stängd ({name})"


def test_police_area_without_a_group() -> None:
    decision = decide(facts(sthlm(*WEDNESDAY, 10, 0), area="bergslagen-karlstad"))
    assert decision.unit == SB_KARLSTAD
    assert decision.trace[1].code == "no_unit"
    assert decision.trace[1].why == "det finns ingen handräckningsgrupp i Polisområde Värmland"


def test_unknown_area_name_falls_back_to_the_code() -> None:
    decision = route(facts(sthlm(*SATURDAY, 10, 0)), RULES, UNITS)
    assert decision.trace[1].why == "handräckningsgruppen i polisområde bergslagen-orebro är stängd (lördag)"


# --- region-specific rules -------------------------------------------------------------------


def test_region_rule_group_open_until_19() -> None:
    at = sthlm(*WEDNESDAY, 18, 30)
    for area in ("syd-malmo", "syd-helsingborg"):
        decision = decide(facts(at, region="syd", area=area))
        assert decision.unit == GROUP_MALMO
        assert decision.rule == SYD_REGIONAL_GROUP
        assert decision.trace[0].rule_id == 101  # region rules come before the national defaults
    # the same hour in Bergslagen, whose group closes at 16:00
    assert decide(facts(at)).unit == SB_OREBRO


def test_region_rule_after_19_and_on_saturday() -> None:
    late = decide(facts(sthlm(*WEDNESDAY, 19, 30), region="syd", area="syd-helsingborg"))
    assert late.unit == SB_HELSINGBORG
    assert [t.code for t in late.trace] == ["closed", "priority", "no_unit", "matched"]
    assert late.trace[0].why == (
        "handräckningsgruppen i region Syd är stängd (onsdag 19:30, öppet 08:00–19:00)"
    )
    saturday = decide(facts(sthlm(*SATURDAY, 11, 0), region="syd", area="syd-helsingborg"))
    assert saturday.unit == GROUP_MALMO


def test_region_model_a_station_commander_takes_all_ordinary_cases() -> None:
    for at in (sthlm(*WEDNESDAY, 10, 0), sthlm(*SATURDAY, 3, 0), sthlm(2026, 12, 24, 12, 0)):
        decision = decide(facts(at, region="stockholm", area="stockholm-syd"))
        assert decision.unit == SB_STOCKHOLM_SYD
        assert decision.rule == STOCKHOLM_SB_TAKES_ALL


def test_rule_on_law_and_point_with_an_explicit_unit() -> None:
    f = facts(sthlm(*WEDNESDAY, 10, 0), region="stockholm", area="stockholm-syd", point="LPT-47-2-3")
    decision = decide(f)
    assert decision.unit == RLC_STOCKHOLM
    assert decision.rule == STOCKHOLM_LPT_POINT
    other_point = decide(facts(f.at, region="stockholm", area="stockholm-syd", point="LPT-47-1"))
    assert other_point.unit == SB_STOCKHOLM_SYD
    assert other_point.trace[0].why == "regeln gäller lagrum LPT-47-2-3, ärendet gäller LPT-47-1"
    other_law = decide(facts(f.at, region="stockholm", area="stockholm-syd", law="LVM", point="LPT-47-2-3"))
    assert other_law.trace[0].why == "regeln gäller LPT, ärendet gäller LVM"


def test_explicit_unit_missing_does_not_match() -> None:
    rule = RoutingRule(id=5, name="Till nedlagd enhet", region="bergslagen", target_unit_id=999)
    decision = decide(facts(sthlm(*WEDNESDAY, 10, 0)), rules=[rule, *default_rules()])
    assert decision.trace[0].code == "unit_missing"
    assert decision.unit == GROUP_OREBRO


def test_age_and_police_area_conditions() -> None:
    under_15 = RoutingRule(
        id=7,
        name="Barn under 15 år till gruppen",
        region="bergslagen",
        max_age=15,
        police_area="bergslagen-orebro",
        target_kind=ASSISTANCE_GROUP,
    )
    rules = [under_15, *default_rules()]
    at = sthlm(*SATURDAY, 10, 0)
    assert decide(facts(at, age=12, priority=1), rules=rules).unit == GROUP_OREBRO  # requires_open=False
    adult = decide(facts(at, age=40), rules=rules)
    assert adult.trace[0].why == "regeln gäller personer under 15 år, personen är 40 år"
    unknown = decide(facts(at, age=None, is_child=True), rules=rules)
    assert unknown.trace[0].why == "regeln gäller personer under 15 år och personens ålder är okänd"
    elsewhere = decide(facts(at, age=12, area="bergslagen-karlstad"), rules=rules)
    assert elsewhere.trace[0].why == (
        "regeln gäller Polisområde Örebro län, ärendet hör till Polisområde Värmland"
    )


# --- validity dates ---------------------------------------------------------------------------


def test_rule_valid_only_from_a_future_date_is_ignored() -> None:
    future = RoutingRule(
        id=30,
        name="Allt till RLC från 2027",
        region="bergslagen",
        order=1,
        target_kind=RLC,
        scope=SCOPE_REGION,
        valid_from=date(2027, 1, 1),
    )
    rules = [future, *RULES]
    now = decide(facts(sthlm(*WEDNESDAY, 10, 0)), rules=rules)
    assert now.unit == GROUP_OREBRO
    assert now.trace[0].code == "not_in_force"
    assert now.trace[0].why == "regeln gäller först från 2027-01-01"
    assert all("Allt till RLC" not in reason for reason in now.reasons)
    # the Stockholm date decides: 2026-12-31 23:30 UTC is already 2027-01-01 in Sweden
    later = decide(facts(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)), rules=rules)
    assert later.rule == future


def test_expired_rule_is_ignored() -> None:
    old = RoutingRule(
        id=31,
        name="Gammal regel",
        region="bergslagen",
        order=1,
        target_kind=RLC,
        scope=SCOPE_REGION,
        valid_to=date(2025, 12, 31),
    )
    decision = decide(facts(sthlm(*WEDNESDAY, 10, 0)), rules=[old, *RULES])
    assert decision.rule.id == -2
    assert decision.trace[0].why == "regeln gällde till och med 2025-12-31"


def test_order_of_the_rule_list_does_not_matter() -> None:
    f = facts(sthlm(*WEDNESDAY, 18, 30), region="syd", area="syd-helsingborg")
    shuffled = list(RULES)
    random.Random(7).shuffle(shuffled)
    assert decide(f, rules=shuffled) == decide(f)


# --- last resort ------------------------------------------------------------------------------


def test_no_rules_falls_back_to_the_region_rlc() -> None:
    decision = decide(facts(sthlm(*WEDNESDAY, 10, 0)), rules=[])
    assert decision.unit == RLC_BERGSLAGEN
    assert decision.rule is None
    assert decision.reasons[-1] == (
        "Ingen regel matchade: ärendet går till RLC Bergslagen, RLC i region Bergslagen, som sista utväg."
    )


def test_no_units_at_all_gives_no_unit_and_a_reason() -> None:
    decision = decide(facts(sthlm(*WEDNESDAY, 10, 0)), units=[])
    assert decision.unit is None
    assert decision.unit_id is None
    assert decision.rule is None
    assert decision.priority is None
    assert [t.code for t in decision.trace] == ["priority", "no_unit", "no_unit", "no_unit"]
    assert decision.reasons[-1] == (
        "Ingen regel matchade och det finns ingen RLC i region Bergslagen: "
        "ärendet kunde inte fördelas automatiskt och måste fördelas manuellt."
    )
    assert "det finns inget stationsbefäl i Polisområde Örebro län" in decision.reasons[3]


def test_routing_table_gives_the_same_decisions() -> None:
    table = RoutingTable(RULES, UNITS, area_names=AREA_NAMES)
    for at in (sthlm(*WEDNESDAY, 10, 0), sthlm(*WEDNESDAY, 18, 30), sthlm(*SATURDAY, 2, 0)):
        for region, area in (("syd", "syd-helsingborg"), ("bergslagen", "bergslagen-orebro")):
            f = facts(at, region=region, area=area)
            assert table.route(f) == decide(f)


# --- acknowledgement deadlines and escalation -------------------------------------------------


def test_ack_deadline_defaults() -> None:
    received = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)
    assert ack_deadline(1, received) == received + timedelta(minutes=10)
    assert ack_deadline(2, received) == received + timedelta(minutes=30)
    assert ack_deadline(3, received) == received + timedelta(hours=2)
    assert ack_deadline(None, received) == received + timedelta(hours=8)
    assert ack_deadline(None, received).tzinfo is UTC
    assert DEFAULT_ACK_THRESHOLDS[1] == timedelta(minutes=10)


def test_ack_deadline_custom_thresholds_and_fallback() -> None:
    received = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)
    custom = {1: timedelta(minutes=5)}
    assert ack_deadline(1, received, custom) == received + timedelta(minutes=5)
    assert ack_deadline(2, received, custom) == received + timedelta(minutes=30)  # default
    with pytest.raises(ValueError):
        ack_deadline(7, received)
    with pytest.raises(ValueError):
        ack_deadline(1, datetime(2026, 6, 10, 8, 0))


def test_ack_deadline_counts_real_time_over_a_dst_change() -> None:
    received = sthlm(2026, 3, 29, 1, 30)  # CET, the night the clocks go forward
    deadline = ack_deadline(None, received)
    assert deadline.astimezone(UTC) == datetime(2026, 3, 29, 8, 30, tzinfo=UTC)  # 8 real hours later
    assert (deadline.hour, deadline.minute) == (10, 30)  # on the wall clock: 10:30 CEST
    assert deadline.tzinfo is STOCKHOLM


def test_next_escalation_unit_chain() -> None:
    f = facts(sthlm(*WEDNESDAY, 10, 0))
    assert next_escalation_unit(GROUP_OREBRO, UNITS, f) == SB_OREBRO
    assert next_escalation_unit(SB_OREBRO, UNITS, f) == RLC_BERGSLAGEN
    assert next_escalation_unit(RLC_BERGSLAGEN, UNITS, f) is None
    other = UnitInfo(40, "Administrativt stöd Örebro", ADMIN_SUPPORT, "bergslagen", "bergslagen-orebro")
    assert next_escalation_unit(other, UNITS, f) == RLC_BERGSLAGEN


def test_escalation_skips_a_missing_or_closed_station_commander() -> None:
    f = facts(sthlm(*SATURDAY, 10, 0))
    without_sb = [u for u in UNITS if u != SB_OREBRO]
    assert next_escalation_unit(GROUP_OREBRO, without_sb, f) == RLC_BERGSLAGEN
    office_sb = UnitInfo(
        12,
        "Stationsbefäl Örebro",
        STATION_COMMANDER_DESK,
        "bergslagen",
        "bergslagen-orebro",
        False,
        weekdays(time(7), time(22)),
    )
    units = [*without_sb, office_sb]
    assert next_escalation_unit(GROUP_OREBRO, units, f) == RLC_BERGSLAGEN
    assert next_escalation_unit(GROUP_OREBRO, units, facts(sthlm(*WEDNESDAY, 10, 0))) == office_sb
    no_rlc = [u for u in without_sb if u.kind != RLC]
    assert next_escalation_unit(GROUP_OREBRO, no_rlc, f) is None


# --- throughput (reported, not asserted) ------------------------------------------------------


def _benchmark_configuration() -> tuple[list[RoutingRule], list[UnitInfo], list[RoutingFacts]]:
    """Region Syd with 50 units (10 police areas) and 20 rules (16 regional + 4 national)."""
    areas = [f"syd-po{i}" for i in range(10)]
    units = [UnitInfo(1, "RLC Syd", RLC, "syd", None, True, ())]
    uid = 2
    for n, area in enumerate(areas):
        closes = time(19) if n % 2 else time(16)
        units.append(
            UnitInfo(uid, f"Hgr {area}", ASSISTANCE_GROUP, "syd", area, False, weekdays(time(8), closes))
        )
        units.append(
            UnitInfo(
                uid + 1,
                f"Sb {area}",
                STATION_COMMANDER_DESK,
                "syd",
                area,
                n != 3,
                weekdays(time(7), END_OF_DAY),
            )
        )
        units.append(
            UnitInfo(uid + 2, f"Adm {area}", ADMIN_SUPPORT, "syd", area, False, weekdays(time(8), time(16)))
        )
        uid += 3
    while len(units) < 50:
        units.append(UnitInfo(uid, f"Gräns {uid}", BORDER_POLICE, "syd", areas[uid % 10], True, ()))
        uid += 1
    rules = list(default_rules())
    for i in range(16):
        rules.append(
            RoutingRule(
                id=500 + i,
                name=f"Regionregel {i}",
                region="syd",
                order=i,
                laws=frozenset({"LVU"}) if i % 4 == 0 else frozenset(),
                points=frozenset({f"LPT-47-{i}"}) if i % 4 == 1 else frozenset(),
                priorities=frozenset({None}),
                police_area=areas[i % 10] if i % 4 == 2 else None,
                max_age=15 if i % 4 == 3 else None,
                target_kind=ASSISTANCE_GROUP if i % 2 else STATION_COMMANDER_DESK,
                requires_open=True,
            )
        )
    rnd = random.Random(1)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    all_facts = [
        RoutingFacts(
            "syd",
            rnd.choice(areas),
            rnd.choice(["LPT", "LRV", "LVM", "LVU"]),
            rnd.choice([None, "LPT-47-1", "LPT-47-5"]),
            rnd.choice([1, 2, 3, None, None, None, None]),
            rnd.choice([None, 12, 16, 30, 45, 70]),
            start + timedelta(minutes=rnd.randrange(365 * 24 * 60)),
        )
        for _ in range(2000)
    ]
    return rules, units, all_facts


def test_routing_throughput_is_reported() -> None:
    rules, units, all_facts = _benchmark_configuration()
    assert len(rules) == 20 and len(units) == 50
    table = RoutingTable(rules, units)
    for f in all_facts:  # warm-up: holiday tables of the years involved, caches
        table.route(f)

    t0 = clock.perf_counter()
    for f in all_facts:
        route(f, rules, units)
    per_call = len(all_facts) / (clock.perf_counter() - t0)

    t0 = clock.perf_counter()
    for f in all_facts:
        table.route(f)
    prepared = len(all_facts) / (clock.perf_counter() - t0)
    print(
        f"\nroute(): {per_call:,.0f} beslut/s; RoutingTable.route(): {prepared:,.0f} beslut/s (20 regler, 50 enheter)"
    )
