"""Routing of stored requests across regions, office hours, weekends and holidays (demo organisation)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bitrade.intake import services
from bitrade.intake.schemas import RequestIn
from bitrade.organisation.models import PoliceRegion
from bitrade.routing.models import RoutingRule

from .helpers import LPT_RETURN, LVU_CARE, body

pytestmark = pytest.mark.django_db
STHLM = ZoneInfo("Europe/Stockholm")


def at(*args):
    return datetime(*args, tzinfo=STHLM)


def plan(payload, when, kind="social_services"):
    return services.plan_route(RequestIn.model_validate(payload), kind, when)


@pytest.mark.parametrize("when, unit", [
    (at(2026, 6, 17, 10, 0), "Handräckningsgrupp Malmö"),        # Wednesday, group open 07–19
    (at(2026, 6, 17, 18, 30), "Handräckningsgrupp Malmö"),       # still open until 19.00 (model B)
    (at(2026, 6, 17, 19, 30), "Stationsbefäl Malmö"),            # after hours
    (at(2026, 6, 20, 10, 0), "Stationsbefäl Malmö"),             # midsommardagen (holiday, Saturday)
    (at(2026, 6, 13, 10, 0), "Handräckningsgrupp Malmö"),        # ordinary Saturday 09–15
    (at(2026, 6, 13, 16, 0), "Stationsbefäl Malmö"),             # Saturday after 15
    (at(2026, 6, 19, 10, 0), "Stationsbefäl Malmö"),             # midsommarafton
    (at(2026, 12, 24, 10, 0), "Stationsbefäl Malmö"),            # julafton
    (at(2026, 12, 31, 10, 0), "Stationsbefäl Malmö"),            # nyårsafton
    (at(2026, 5, 1, 10, 0), "Stationsbefäl Malmö"),              # första maj
])
def test_ordinary_request_in_malmo(demo, when, unit):
    assert plan(LVU_CARE, when).decision.unit.name == unit


def test_priority_requests_go_to_the_rlc(demo):
    d = plan(body(LVU_CARE, urgency="immediate"), at(2026, 6, 17, 10, 0)).decision
    assert d.unit.name == "RLC Syd" and d.priority == 1


def test_children_are_near_term_and_go_to_the_rlc(demo):
    d = plan(body(LVU_CARE, person__birth_date="2012-01-01"), at(2026, 6, 17, 10, 0)).decision
    assert d.priority == 3 and d.unit.name == "RLC Syd"
    assert any("under 18" in r for r in d.reasons)


def test_stockholm_group_closes_at_16(demo):
    payload = body(LPT_RETURN, location__municipality_code="0180")
    assert plan(payload, at(2026, 6, 17, 15, 0), "psychiatric_clinic").decision.unit.name == \
        "Handräckningsgrupp Stockholm City"
    late = plan(payload, at(2026, 6, 17, 17, 0), "psychiatric_clinic").decision
    assert late.unit.kind == "station_commander_desk" and "Stockholm" in late.unit.name
    assert any("stängd" in r for r in late.reasons)


def test_nord_has_no_group_so_the_station_commander_handles_it(demo):
    d = plan(body(LVU_CARE, location__municipality_code="2580"), at(2026, 6, 17, 10, 0)).decision
    assert d.unit.kind == "station_commander_desk" and d.unit.region == "nord"


def test_region_rule_as_data_changes_the_route(demo):
    """Region Syd decides that LVU goes to the RLC around the clock: a data change, not a code change."""
    RoutingRule.objects.create(name="LVU till RLC Syd", region=PoliceRegion.objects.get(code="syd"), order=1,
                               laws=["LVU"], target_kind="rlc", scope="region", requires_open=False)
    d = plan(LVU_CARE, at(2026, 6, 17, 10, 0)).decision
    assert d.unit.name == "RLC Syd" and d.rule.name == "LVU till RLC Syd"
    lpt = plan(LPT_RETURN, at(2026, 6, 17, 10, 0), "psychiatric_clinic").decision
    assert lpt.unit.name == "Handräckningsgrupp Malmö"
