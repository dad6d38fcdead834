"""Routing decisions per second with the pure engine (no Django, no database).

The configuration models Region Syd as the demo and the tests describe it: its five police areas and
nineteen local police areas, 50 active units (RLC, duty officer, station commander desks per area and per
local police area with office hours, handräckningsgrupper, BOPS, border police, administrative support)
and 20 rules (16 for region Syd plus the 4 national defaults), some of them not in force on part of the
year. The cases are spread over 2026 and weighted towards the awkward moments: nights, weekends and the
Swedish non-working days (julafton, midsommarafton, påskdagen ...), when units are closed and the engine
has to walk further down the rule list.
"""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time

from bitrade.organisation.rules import END_OF_DAY, STOCKHOLM, WeeklyHours, non_working_days
from bitrade.routing.rules import (
    ADMIN_SUPPORT,
    ASSISTANCE_GROUP,
    BOPS,
    BORDER_POLICE,
    DUTY_OFFICER_DESK,
    RLC,
    SCOPE_POLICE_AREA,
    SCOPE_REGION,
    STATION_COMMANDER_DESK,
    RoutingFacts,
    RoutingRule,
    RoutingTable,
    UnitInfo,
    default_rules,
    route,
)

YEAR = 2026

AREAS = {
    "syd-malmo": "Polisområde Malmö",
    "syd-sodra-skane": "Polisområde Södra Skåne",
    "syd-nordvastra-skane": "Polisområde Nordvästra Skåne",
    "syd-blekinge-nordostra-skane": "Polisområde Blekinge Nordöstra Skåne",
    "syd-kalmar-kronoberg": "Polisområde Kalmar Kronoberg",
}
LOCAL_AREAS = {
    "syd-malmo": ["Malmö norr", "Malmö söder"],
    "syd-sodra-skane": ["Eslöv", "Kävlinge", "Lund", "Trelleborg", "Ystad"],
    "syd-nordvastra-skane": ["Helsingborg", "Landskrona", "Ängelholm"],
    "syd-blekinge-nordostra-skane": ["Karlshamn", "Karlskrona", "Kristianstad", "Hässleholm"],
    "syd-kalmar-kronoberg": ["Kalmar", "Ljungby", "Nybro", "Västervik", "Växjö"],
}
# Share of the region's cases per police area (roughly by population).
AREA_WEIGHTS = {
    "syd-malmo": 26,
    "syd-sodra-skane": 22,
    "syd-nordvastra-skane": 20,
    "syd-blekinge-nordostra-skane": 16,
    "syd-kalmar-kronoberg": 16,
}
# Catalogue keys (bitrade/legal/data) by law.
POINTS = {
    "LPT": ["LPT-47-2-1", "LPT-47-2-2", "LPT-47-2-3", "LPT-47-2-4", "LPT-47-2-5", "LPT-47-2-6", "LPT-47-2-7"],
    "LRV": ["LRV-27-LPT-47-2-3", "LRV-27-LPT-47-2-4", "LRV-27-LRV-7-1"],
    "LVM": ["LVM-45-1-1", "LVM-45-1-2", "LVM-45-1-3", "LVM-45-1-4"],
    "LVU": ["LVU-43-1-1", "LVU-43-1-2", "LVU-43-1-3"],
}
LAW_WEIGHTS = {"LPT": 45, "LVU": 25, "LVM": 22, "LRV": 8}
MISSING_UNIT_ID = 999  # an inactive unit still named by a rule

PREPARED = "RoutingTable.route() (prepared table)"
SAME_OBJECTS = "route(facts, rules, units) (same objects each call)"
EQUAL_CACHED_FIRST = "route(facts, rules, units) (same objects each call, after an equal configuration from other objects)"
REBUILT = "route() with the configuration rebuilt per call (new, equal objects)"


def _weekdays(opens: clock_time, closes: clock_time, days=range(5)) -> list[WeeklyHours]:
    return [WeeklyHours(d, opens, closes) for d in days]


def region_syd() -> tuple[list[RoutingRule], list[UnitInfo], dict[str, str]]:
    """(rules, units, area names) for Region Syd: 20 rules, 50 units."""
    t = clock_time
    units: list[UnitInfo] = [
        UnitInfo(1, "RLC Syd", RLC, "syd", None, True),
        UnitInfo(2, "Vakthavande befäl Syd", DUTY_OFFICER_DESK, "syd", None, True),
        UnitInfo(3, "BOPS-gruppen Syd", BOPS, "syd", None, False,
                 tuple(_weekdays(t(7), t(17)) + [WeeklyHours(5, t(10), t(14))])),
        UnitInfo(4, "Administrativt stöd Syd", ADMIN_SUPPORT, "syd", None, False, tuple(_weekdays(t(8), t(16, 30)))),
        UnitInfo(5, "Gränspolisen Syd", BORDER_POLICE, "syd", None, True),
    ]
    uid = 10
    for n, (area, name) in enumerate(AREAS.items()):
        short = name.removeprefix("Polisområde ")
        # Station commander desk of the area: 24/7 in the three Skåne areas with most cases.
        units.append(UnitInfo(uid, f"Stationsbefäl {short}", STATION_COMMANDER_DESK, "syd", area, n < 3,
                              tuple(_weekdays(t(7), END_OF_DAY) + _weekdays(t(10), t(18), (5, 6)))))
        # Handräckningsgrupp: Malmö until 19 on weekdays and Saturday daytime (model B), others office hours.
        if area == "syd-malmo":
            hours = _weekdays(t(7), t(19)) + [WeeklyHours(5, t(9), t(15))]
        else:
            hours = _weekdays(t(8), t(16) if n % 2 else t(17))
        units.append(UnitInfo(uid + 1, f"Handräckningsgrupp {short}", ASSISTANCE_GROUP, "syd", area, False,
                              tuple(hours)))
        units.append(UnitInfo(uid + 2, f"Administrativt stöd {short}", ADMIN_SUPPORT, "syd", area, False,
                              tuple(_weekdays(t(8), t(16)))))
        uid += 3
    # Local police areas: a station desk each with office hours (several candidates per area; closed at night).
    for area, names in LOCAL_AREAS.items():
        for i, name in enumerate(names):
            closes = t(18) if i % 2 else t(16)
            units.append(UnitInfo(uid, f"Lokalpolisområde {name}, stationsbefäl", STATION_COMMANDER_DESK, "syd",
                                  area, False, tuple(_weekdays(t(8), closes))))
            uid += 1
    # Extra handräckningsgrupper in the larger towns.
    for area, name, closes in [
        ("syd-sodra-skane", "Lund", t(18)),
        ("syd-nordvastra-skane", "Helsingborg", t(19)),
        ("syd-blekinge-nordostra-skane", "Kristianstad", t(16)),
        ("syd-kalmar-kronoberg", "Växjö", t(16)),
        ("syd-kalmar-kronoberg", "Kalmar", t(17)),
    ]:
        units.append(UnitInfo(uid, f"Handräckningsgrupp {name}", ASSISTANCE_GROUP, "syd", area, False,
                              tuple(_weekdays(t(8), closes))))
        uid += 1
    # Border police at the ports (Öresund bridge and ferries).
    for area, name, always in [
        ("syd-malmo", "Malmö hamn och Öresundsbron", True),
        ("syd-sodra-skane", "Trelleborg hamn", True),
        ("syd-sodra-skane", "Ystad hamn", False),
        ("syd-nordvastra-skane", "Helsingborg hamn", True),
        ("syd-blekinge-nordostra-skane", "Karlskrona hamn", False),
    ]:
        units.append(UnitInfo(uid, f"Gränspolis {name}", BORDER_POLICE, "syd", area, always,
                              tuple(_weekdays(t(6), t(22), range(7)))))
        uid += 1
    units.append(UnitInfo(uid, "BOPS Malmö", BOPS, "syd", "syd-malmo", False, tuple(_weekdays(t(7), t(16)))))
    assert len(units) == 50, len(units)
    hg_malmo = next(u.id for u in units if u.name == "Handräckningsgrupp Malmö")

    ordinary = frozenset({None})
    rules = [
        RoutingRule(101, "Unga under 15 i Malmö till handräckningsgruppen", "syd", 10, laws={"LVU"},
                    priorities={None, 3}, police_area="syd-malmo", max_age=15, target_unit_id=hg_malmo,
                    requires_open=True),
        RoutingRule(102, "LVU-ärenden med unga till handräckningsgrupp", "syd", 20, laws={"LVU"},
                    priorities={None, 3}, max_age=18, target_kind=ASSISTANCE_GROUP, requires_open=True),
        RoutingRule(103, "Brådskande LVU till vakthavande befäl", "syd", 30, laws={"LVU"}, priorities={1, 2},
                    target_kind=DUTY_OFFICER_DESK, scope=SCOPE_REGION),
        RoutingRule(104, "Återföring av avviken patient (LPT)", "syd", 40,
                    points={"LPT-47-2-3", "LRV-27-LPT-47-2-3"}, priorities=ordinary,
                    target_kind=ASSISTANCE_GROUP, requires_open=True),
        RoutingRule(105, "Inställelse till läkarundersökning (LPT)", "syd", 50, points={"LPT-47-2-1"},
                    priorities=ordinary, target_kind=STATION_COMMANDER_DESK, requires_open=True),
        RoutingRule(106, "Rättspsykiatri (LRV) till BOPS", "syd", 60, laws={"LRV"}, priorities=ordinary,
                    target_kind=BOPS, scope=SCOPE_REGION, requires_open=True),
        RoutingRule(107, "LVM-inställelse till handräckningsgrupp", "syd", 70, laws={"LVM"},
                    points={"LVM-45-1-1", "LVM-45-1-2"}, priorities=ordinary, target_kind=ASSISTANCE_GROUP,
                    requires_open=True),
        RoutingRule(108, "Pilot Kalmar Kronoberg: administrativt stöd", "syd", 80,
                    police_area="syd-kalmar-kronoberg", priorities=ordinary, target_kind=ADMIN_SUPPORT,
                    requires_open=True, valid_from=date(YEAR, 9, 1), valid_to=date(YEAR, 12, 31)),
        RoutingRule(109, "Sommarrutin Malmö (upphörd)", "syd", 90, police_area="syd-malmo", priorities=ordinary,
                    target_kind=STATION_COMMANDER_DESK, valid_from=date(YEAR - 1, 6, 1),
                    valid_to=date(YEAR - 1, 8, 31)),
        RoutingRule(110, "Särskild enhet (avvecklad)", "syd", 100, laws={"LVM"}, priorities=ordinary,
                    target_unit_id=MISSING_UNIT_ID),
        RoutingRule(111, "Nordvästra Skåne: handräckningsgrupp", "syd", 110, police_area="syd-nordvastra-skane",
                    priorities=ordinary, target_kind=ASSISTANCE_GROUP, requires_open=True),
        RoutingRule(112, "Blekinge Nordöstra Skåne: stationsbefäl", "syd", 120,
                    police_area="syd-blekinge-nordostra-skane", priorities=ordinary,
                    target_kind=STATION_COMMANDER_DESK, requires_open=True),
        RoutingRule(113, "Södra Skåne: handräckningsgrupp i regionen", "syd", 130, police_area="syd-sodra-skane",
                    priorities=ordinary, target_kind=ASSISTANCE_GROUP, scope=SCOPE_REGION, requires_open=True),
        RoutingRule(114, "Närtid till stationsbefäl i polisområdet", "syd", 140, priorities={3},
                    target_kind=STATION_COMMANDER_DESK, scope=SCOPE_POLICE_AREA, requires_open=True),
        RoutingRule(115, "Gränsnära ärenden (LPT utlänning)", "syd", 150, points={"LPT-47-2-7"},
                    priorities=ordinary, target_kind=BORDER_POLICE, requires_open=True),
        RoutingRule(116, "Ordinära ärenden till administrativt stöd", "syd", 160, priorities=ordinary,
                    target_kind=ADMIN_SUPPORT, scope=SCOPE_REGION, requires_open=True),
    ]
    rules.extend(default_rules())
    assert len(rules) == 20, len(rules)
    return rules, units, dict(AREAS)


def _moment(rnd: random.Random, holidays: list[date]) -> datetime:
    """A moment in YEAR: uniform (40 %); weekday 08–17 (20 %), weekday night (15 %), weekend (15 %), holiday (10 %)."""
    start = datetime(YEAR, 1, 1, tzinfo=STOCKHOLM)
    kind = rnd.random()
    if kind < 0.40:
        return (start.astimezone(UTC) + timedelta(minutes=rnd.randrange(365 * 24 * 60))).astimezone(STOCKHOLM)
    if kind >= 0.90:
        day = rnd.choice(holidays)
        minute = rnd.randrange(24 * 60)
        return datetime.combine(day, clock_time(minute // 60, minute % 60), STOCKHOLM)
    want_weekend = kind >= 0.75
    day = start.date()
    for _ in range(1000):  # bounded rejection sampling of a weekday or a weekend day
        day = start.date() + timedelta(days=rnd.randrange(365))
        if (day.weekday() >= 5) == want_weekend:
            break
    if kind < 0.60:
        minute = rnd.randrange(8 * 60, 17 * 60)
    elif kind < 0.75:
        minute = rnd.choice([rnd.randrange(0, 7 * 60), rnd.randrange(19 * 60, 24 * 60)])
    else:
        minute = rnd.randrange(24 * 60)
    return datetime.combine(day, clock_time(minute // 60, minute % 60), STOCKHOLM)


def cases(n: int, seed: int = 2026) -> list[RoutingFacts]:
    rnd = random.Random(seed)
    holidays = sorted(non_working_days(YEAR))
    areas, area_w = list(AREA_WEIGHTS), list(AREA_WEIGHTS.values())
    laws, law_w = list(LAW_WEIGHTS), list(LAW_WEIGHTS.values())
    out = []
    for _ in range(n):
        law = rnd.choices(laws, law_w)[0]
        point = rnd.choice(POINTS[law]) if rnd.random() < 0.9 else None
        if law == "LVU":
            age = rnd.choice([None, 8, 12, 14, 15, 16, 17, 19])
        else:
            age = rnd.choice([None, 17, 19, 25, 34, 47, 58, 73])
        out.append(RoutingFacts(
            region="syd",
            police_area=rnd.choices(areas, area_w)[0],
            law=law,
            point_key=point,
            requested_priority=rnd.choices([1, 2, 3, None], [3, 7, 15, 75])[0],
            person_age=age,
            at=_moment(rnd, holidays),
            is_child=law == "LVU" and age is None and rnd.random() < 0.5,
        ))
    return out


def _rate(fn, items, *, seconds: float, max_rounds: int) -> float:
    """Decisions per second: loop over ``items`` until ``seconds`` or ``max_rounds`` (whichever first)."""
    done = 0
    t0 = time.perf_counter()
    deadline = t0 + seconds
    for _ in range(max_rounds):
        for f in items:
            fn(f)
        done += len(items)
        if time.perf_counter() >= deadline:
            break
    return done / (time.perf_counter() - t0)


def run(*, quick: bool = False, n_cases: int = 5000, repeats: int = 5) -> dict:
    if quick:
        n_cases, repeats = 2000, 3
    seconds = 0.5 if quick else 1.5
    rules, units, names = region_syd()
    facts = cases(n_cases)
    table = RoutingTable(rules, units, area_names=names)

    # Decision mix (and warm-up: holiday tables, caches).
    decisions = [table.route(f) for f in facts]
    by_rule = Counter((d.rule.name if d.rule else "RLC som sista utväg") for d in decisions)
    by_kind = Counter((d.unit.kind if d.unit else "manuell") for d in decisions)
    rules_looked_at = statistics.fmean(len(d.trace) for d in decisions)
    moments = Counter()
    holidays = non_working_days(YEAR)
    for f in facts:
        local = f.at.astimezone(STOCKHOLM)
        if local.date() in holidays:
            moments["helgdag/afton"] += 1
        elif local.weekday() >= 5:
            moments["lördag/söndag"] += 1
        elif 8 <= local.hour < 17:
            moments["vardag 08–17"] += 1
        else:
            moments["vardag kväll/natt"] += 1

    # route() with a configuration built anew per call (equal by value, new objects), as a caller that
    # loads it from the database for every case would.
    copies = []
    for _ in range(8):
        r2, u2, n2 = region_syd()
        copies.append((r2, u2, n2))

    def route_fresh_config():
        i = 0

        def call(f):
            nonlocal i
            r2, u2, n2 = copies[i & 7]
            i += 1
            return route(f, r2, u2, area_names=n2)

        return call

    other_rules, other_units, other_names = copies[0]
    evict = (facts[0], list(default_rules()), [], {})  # a different configuration: route() must rebuild

    def fresh_cache() -> None:
        route(evict[0], evict[1], evict[2], area_names=evict[3])

    def equal_cached_first() -> None:
        fresh_cache()
        route(facts[0], other_rules, other_units, area_names=other_names)

    variants = {
        # label: (function, what to do before measuring)
        PREPARED: (table.route, None),
        SAME_OBJECTS: (lambda f: route(f, rules, units, area_names=names), fresh_cache),
        EQUAL_CACHED_FIRST: (lambda f: route(f, rules, units, area_names=names), equal_cached_first),
        REBUILT: (route_fresh_config(), fresh_cache),
    }
    results = {}
    for label, (fn, before) in variants.items():
        if before:
            before()
        _rate(fn, facts[:500], seconds=0.2, max_rounds=2)  # warm-up
        rates = [_rate(fn, facts, seconds=seconds, max_rounds=50) for _ in range(repeats)]
        results[label] = {
            "median_per_s": round(statistics.median(rates)),
            "min_per_s": round(min(rates)),
            "max_per_s": round(max(rates)),
            "us_per_decision": round(1e6 / statistics.median(rates), 1),
        }
    return {
        "rules": len(rules),
        "units": len(units),
        "cases": len(facts),
        "repeats": repeats,
        "seconds_per_repeat": seconds,
        "variants": results,
        "moments": dict(moments.most_common()),
        "decisions_by_unit_kind": dict(by_kind.most_common()),
        "decisions_by_rule": dict(by_rule.most_common(8)),
        "mean_rules_evaluated": round(rules_looked_at, 1),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick=True), ensure_ascii=False, indent=2))
