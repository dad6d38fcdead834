"""Competence as data and routing that only chooses a unit with a competent decider at that hour.

Pure property test over generated regions, and the property over the demo organisation (every region,
law, point, age and hour of a year, holidays included)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bitrade.organisation.rules import STOCKHOLM, WeeklyHours, is_open_at, non_working_days, stockholm_moment
from bitrade.routing.rules import (
    ASSISTANCE_GROUP,
    DUTY_OFFICER_DESK,
    RLC,
    STATION_COMMANDER_DESK,
    Competence,
    RoutingFacts,
    RoutingTable,
    UnitInfo,
    competence_for,
    competent_functions,
    default_rules,
    next_escalation_unit,
)

LVU = frozenset({"duty_officer", "station_commander", "level2_manager"})
LPT = frozenset({"rlc_commander", "station_commander", "level2_manager"})
NATIONAL = [Competence("LPT", LPT), Competence("LRV", LPT), Competence("LVM", LVU), Competence("LVU", LVU)]
DECIDERS = ["rlc_commander", "station_commander", "duty_officer", "level2_manager"]
POINTS = {"LPT": [f"LPT-47-2-{p}" for p in range(1, 8)], "LRV": ["LRV-27-LPT-47-2-3", "LRV-27-LRV-7-1"],
          "LVM": [f"LVM-45-1-{p}" for p in range(1, 5)], "LVU": [f"LVU-43-1-{p}" for p in range(1, 4)]}


def _has_competent_decider(unit: UnitInfo, functions: frozenset[str], at: datetime) -> bool:
    return bool(unit.decider_functions & functions) and is_open_at(
        unit.hours, stockholm_moment(at), always_open=unit.always_open).open


# --------------------------------------------------------------------------- the data


def test_region_row_overrides_the_national_default_for_its_period():
    rows = [*NATIONAL, Competence("LVU", frozenset({"rlc_commander", *LVU}), region="nord",
                                  valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31), id=7)]
    assert competent_functions(rows, "LVU", "nord", date(2026, 6, 1)) >= {"rlc_commander"}
    assert "rlc_commander" not in competent_functions(rows, "LVU", "nord", date(2027, 1, 1))
    assert "rlc_commander" not in competent_functions(rows, "LVU", "syd", date(2026, 6, 1))
    assert competence_for(rows, "LVU", "nord", date(2026, 6, 1)).id == 7


def test_a_childs_lvu_case_is_not_sent_to_an_rlc_where_no_one_may_decide_it():
    """RLC Nord has only RLC commanders, who may not decide under LVU: the case goes to the station commander
    desk of the police area instead (issue: an LVU child case in Luleå got stuck at RLC Nord)."""
    rlc = UnitInfo(1, "RLC Nord", RLC, "nord", always_open=True, decider_functions={"rlc_commander"})
    sb = UnitInfo(2, "Stationsbefäl Norrbotten", STATION_COMMANDER_DESK, "nord", "nord-norrbotten",
                  always_open=True, decider_functions={"station_commander"})
    at = datetime(2026, 12, 24, 3, 0, tzinfo=STOCKHOLM)  # julafton, night
    facts = RoutingFacts("nord", "nord-norrbotten", "LVU", "LVU-43-1-2", None, 15, at, competent_functions=LVU)
    decision = RoutingTable(default_rules(), [rlc, sb]).route(facts)
    assert decision.unit == sb
    assert any(t.code == "not_competent" for t in decision.trace)
    # Without the competence facts the old routing sent it to the RLC.
    old = RoutingFacts("nord", "nord-norrbotten", "LVU", "LVU-43-1-2", None, 15, at)
    assert RoutingTable(default_rules(), [rlc, sb]).route(old).unit == rlc
    # Escalation does not hand it to the RLC either.
    assert next_escalation_unit(sb, [rlc, sb], facts) is None


# --------------------------------------------------------------------------- pure property

KINDS = [RLC, STATION_COMMANDER_DESK, DUTY_OFFICER_DESK, ASSISTANCE_GROUP]
AREAS = ["a1", "a2"]


@st.composite
def units(draw):
    out = []
    for i in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(KINDS))
        area = None if kind == RLC else draw(st.sampled_from(AREAS))
        always = draw(st.booleans())
        hours = () if always else tuple(
            WeeklyHours(d, time(draw(st.integers(0, 11))), time(draw(st.integers(12, 23))))
            for d in sorted(draw(st.sets(st.integers(0, 6), max_size=7))))
        functions = draw(st.frozensets(st.sampled_from(DECIDERS), max_size=2))
        out.append(UnitInfo(i + 1, f"Enhet {i + 1}", kind, "r", area, always, hours, functions))
    return out


HOLIDAYS = sorted(non_working_days(2026))
MOMENTS = st.one_of(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31, 23, 59)).map(
        lambda d: d.replace(tzinfo=STOCKHOLM)),
    st.tuples(st.sampled_from(HOLIDAYS), st.integers(0, 23)).map(
        lambda t: datetime(t[0].year, t[0].month, t[0].day, t[1], tzinfo=STOCKHOLM)),
)


@settings(max_examples=300, deadline=None)
@given(units(), st.sampled_from(sorted(POINTS)), st.data(), st.one_of(st.none(), st.integers(0, 90)),
       st.sampled_from([1, 2, 3, None]), MOMENTS, st.sampled_from(AREAS))
def test_routing_chooses_only_a_unit_with_a_competent_decider_at_that_hour(
        region_units, law, data, age, priority, at, area):
    functions = competent_functions(NATIONAL, law, "r", at.date())
    point = data.draw(st.sampled_from(POINTS[law]))
    facts = RoutingFacts("r", area, law, point, priority, age, at, competent_functions=functions)
    decision = RoutingTable(default_rules(), region_units).route(facts)
    someone = [u for u in region_units if _has_competent_decider(u, functions, at)]
    if decision.unit is None:
        assert not someone
    else:
        assert _has_competent_decider(decision.unit, functions, at)


# --------------------------------------------------------------------------- the demo organisation


@pytest.mark.django_db
def test_every_region_law_point_age_and_hour_of_a_year_routes_to_a_competent_unit(demo):
    from bitrade.organisation.models import PoliceArea, PoliceRegion
    from bitrade.routing import selectors

    regions = {r.code: r.pk for r in PoliceRegion.objects.all()}
    areas = {code: list(PoliceArea.objects.filter(region_id=pk).values_list("code", flat=True))
             for code, pk in regions.items()}
    on = date(2026, 1, 1)
    config = {code: selectors.region_configuration(pk, on) for code, pk in regions.items()}
    rows = selectors.competences()
    tables = {code: RoutingTable(c[0], c[1], area_names=c[2]) for code, c in config.items()}

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.sampled_from(sorted(regions)), st.sampled_from(sorted(POINTS)), st.data(),
           st.one_of(st.none(), st.integers(0, 95)), st.sampled_from([1, 2, 3, None]), MOMENTS)
    def check(region, law, data, age, priority, at):
        functions = competent_functions(rows, law, region, at.date())
        assert functions
        facts = RoutingFacts(region, data.draw(st.sampled_from(areas[region])), law,
                             data.draw(st.sampled_from(POINTS[law])), priority, age, at,
                             competent_functions=functions)
        decision = tables[region].route(facts)
        assert decision.unit is not None, decision.reasons
        assert _has_competent_decider(decision.unit, functions, at), (decision.unit, decision.reasons)

    check()


@pytest.mark.django_db
def test_a_region_row_in_the_admin_data_moves_the_routing(demo):
    """Region Nord's arbetsordning lets the RLC commander decide under LVU for a period: the child's case
    goes to RLC Nord again in that period."""
    from bitrade.organisation.models import PoliceRegion
    from bitrade.routing import selectors
    from bitrade.routing.models import DecisionCompetence

    nord = PoliceRegion.objects.get(code="nord")
    at = datetime(2026, 6, 17, 10, 0, tzinfo=STOCKHOLM)
    DecisionCompetence.objects.create(law="LVU", region=nord, functions=["rlc_commander", *sorted(LVU)],
                                      valid_from=date(2026, 6, 1), valid_to=date(2026, 6, 30))
    for when, expected in ((at, "RLC Nord"), (at + timedelta(days=30), "Stationsbefäl")):
        functions = selectors.competence("LVU", "nord", when.date()).functions
        rules, unit_infos, names, _ = selectors.region_configuration(nord.pk, when.date())
        area = next(u.police_area for u in unit_infos if u.kind == STATION_COMMANDER_DESK)
        facts = RoutingFacts("nord", area, "LVU", "LVU-43-1-2", None, 15, when, competent_functions=functions)
        assert RoutingTable(rules, unit_infos, area_names=names).route(facts).unit.name.startswith(expected)

