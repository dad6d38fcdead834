"""Every metric on the hand-made cases of ``factory`` (period 2024), whose right answers are worked out
there by hand. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from bitrade.followup import duck, facts, metrics, rules
from bitrade.followup.metrics import TOTAL, Context, count, durations

from . import factory

pytestmark = pytest.mark.django_db

P2024 = rules.parse_period("2024")


@pytest.fixture
def cases(demo):
    built = factory.build()
    facts.refresh(full=True)
    return built


def ctx(**case_filter) -> Context:
    return Context(P2024, case_filter, "month", factory.at("2025-01-10 12:00"), {})


def total(result, metric):
    return sum(v.get(metric, 0) for v in result.values())


def test_volumes_received_and_closed_by_law_point_and_case_code(cases):
    res = count(ctx(), ["received", "closed"], ["law", "point", "case_code"])
    assert total(res, "received") == 5  # 1–5; case 5 at 23:30 on New Year's Eve is 2024 in Stockholm, case 7 is not
    assert total(res, "closed") == 4  # 1, 2, 3 and 6 (received in 2023)
    by_law = {}
    for (law, _, _), v in res.items():
        by_law.setdefault(law, [0, 0])
        by_law[law][0] += v["received"]
        by_law[law][1] += v["closed"]
    assert by_law == {"LPT": [3, 3], "LVU": [1, 1], "LVM": [1, 0]}
    assert res[("LPT", "LPT-47-2-3", "615")] == {"received": 2, "closed": 3}
    codes = count(ctx(), ["received"], ["case_code"])
    assert codes == {("615",): {"received": 3}, ("614",): {"received": 2}}


def test_decisions_completion_overrides_escalations(cases):
    res = count(ctx(), ["decided", "granted", "refused", "overruled", "late_assignment", "received",
                        "completion_requested", "escalated", "escalations", "late_ack"])[()]
    assert res == {"decided": 4, "granted": 3, "refused": 1, "overruled": 1, "late_assignment": 0, "received": 5,
                   "completion_requested": 1, "escalated": 1, "escalations": 1, "late_ack": 1}
    refusals = count(ctx(), ["refused"], ["refusal_check"])
    assert refusals[("documents_attached",)] == {"refused": 1}


def test_outcomes_not_found_and_report_back(cases):
    res = count(ctx(), ["with_outcome", "not_found", "reported_back", "reported_back_late"], ["outcome"])
    assert res[("executed",)] == {"with_outcome": 2, "not_found": 0, "reported_back": 2, "reported_back_late": 0}
    assert res[("handed_to_health_care",)] == {"with_outcome": 1, "not_found": 1, "reported_back": 0,
                                               "reported_back_late": 1}


EXPECTED_MINUTES = {  # (n, median, p90, mean) — worked out in factory's docstring
    "lt_ack": (4, 25, 37, 25),
    "lt_decision": (4, 120, 189, 125),
    "lt_received_decision": (4, 150, 222, 150),
    "lt_execution": (3, 420, 468, 380),
    "lt_closure": (3, 1440, 18432, 8520),
    "lt_total": (4, 1890, 16740, 7125),
    "patrol": (3, 240, 288, 240),
}


METHODS = ["fetch", "window", pytest.param("aggregate", marks=pytest.mark.skipif(
    connection.vendor != "postgresql" and duck.engine() != duck.DUCKDB,
    reason="percentile_cont is PostgreSQL's (quantile_cont DuckDB's)"))]


@pytest.mark.parametrize("method", METHODS)
def test_lead_times_and_patrol_time_median_and_p90(cases, method):
    res = durations(ctx(), list(EXPECTED_MINUTES), method=method)
    for key, (n, median, p90, mean) in EXPECTED_MINUTES.items():
        st = res[(key,)]
        assert (st.n, st.median, round(st.p90, 6), round(st.mean, 6)) == (n, median, p90, mean), key
    assert res[("patrol",)].total == 720


@pytest.mark.parametrize("method", METHODS)
def test_durations_per_group_and_total_agree_between_methods(cases, method):
    res = durations(ctx(), ["lt_received_decision", "patrol"], ["region"], method=method, total=True)
    syd = str(factory._refs()["syd"].pk)
    assert res[("lt_received_decision", syd)].n == 3  # 60, 120, 240
    assert res[("lt_received_decision", syd)].median == 120
    assert res[("lt_received_decision", TOTAL)].median == 150
    assert res[("patrol", TOTAL)].p90 == pytest.approx(288)


def test_month_and_year_series(cases):
    def full(res):
        return {k[0]: (v.get("received", 0), v.get("closed", 0)) for k, v in res.items()}

    months = full(count(ctx(), ["received", "closed"], ["bucket"]))
    assert months["2024-03"] == (2, 2) and months["2024-12"] == (1, 0) and months["2024-01"] == (0, 1)
    assert sum(r for r, _ in months.values()) == 5
    years = full(count(Context(rules.parse_period("2023..2024"), {}, "year"), ["received", "closed"], ["bucket"]))
    assert years == {"2023": (1, 0), "2024": (5, 4)}
    window = durations(ctx(), ["lt_ack"], ["bucket"], method="window")
    fetch = durations(ctx(), ["lt_ack"], ["bucket"], method="fetch")
    assert window == fetch and window[("lt_ack", "2024-03")].n == 2


def test_levels_region_police_area_unit_organisation(cases):
    r = factory._refs()
    by = {lv: count(ctx(), ["received"], [lv]) for lv in ("region", "police_area", "unit", "organisation")}
    assert by["region"] == {(str(r["syd"].pk),): {"received": 3}, (str(r["stockholm"].pk),): {"received": 2}}
    assert by["police_area"][(str(r["malmo"].police_area_id),)] == {"received": 3}
    assert by["unit"][(str(r["sb_malmo"].pk),)] == {"received": 3}
    assert by["organisation"][(str(r["psyk_malmo"].pk),)] == {"received": 2}
    only_syd = count(ctx(region_id=r["syd"].pk, law="LPT"), ["received", "closed"])
    assert only_syd[()] == {"received": 2, "closed": 3}


def test_rates_per_100000_inhabitants_use_the_municipality_register(cases):
    from django.db.models import Sum

    from bitrade.organisation.models import Municipality

    r = factory._refs()
    pops = metrics.population("region", {})
    expected = Municipality.objects.filter(police_area__region=r["syd"]).aggregate(s=Sum("population"))["s"]
    assert pops[str(r["syd"].pk)] == expected > 1_000_000
    assert metrics.population("nation", {})[""] == Municipality.objects.aggregate(s=Sum("population"))["s"]
    assert metrics.population("unit", {}) == {}


def test_deprivation_of_liberty_holdings_and_children(cases):
    episodes = count(ctx(), ["episodes"], ["age"])
    assert episodes == {("21_64",): {"episodes": 2}, ("15_17",): {"episodes": 1}, ("under_15",): {"episodes": 1}}
    held = count(ctx(), ["holdings", "children_held", "activity_room"])[()]
    assert held == {"holdings": 3, "children_held": 1, "activity_room": 1}
    grounds = count(ctx(), ["episodes"], ["ground"])
    assert grounds[("handrackning_lpt",)] == {"episodes": 2}
    times = durations(ctx(), ["holding_time"], over={"holding_time": ctx().threshold("holding_hours")})
    st = times[("holding_time",)]
    assert (st.n, st.median, st.p90, st.over) == (3, 180, 420, 1)  # 2 h, 3 h, 8 h


def test_transports_nte_declines_relays_and_handovers(cases):
    res = count(ctx(), ["transports", "transports_nte", "transports_police", "nte_declined", "relay", "handovers"])
    assert res[()] == {"transports": 3, "transports_nte": 2, "transports_police": 1, "nte_declined": 1, "relay": 1,
                       "handovers": 1}
    reasons = count(ctx(), ["nte_declined"], ["decline_reason"])
    assert reasons[("no_capacity",)] == {"nte_declined": 1}


def test_every_metric_has_a_swedish_definition():
    for m in metrics.METRICS.values():
        d = m.as_dict()
        assert d["name"] and len(d["definition"]) > 30 and d["definition"].endswith(".")
        assert m.kind != metrics.RATIO or (m.numerator in metrics.METRICS and m.denominator in metrics.METRICS)


def test_refresh_is_incremental_and_sees_changes(cases):
    from django.utils import timezone

    c = cases[5]
    state = facts.refresh()
    assert state.skipped is False
    assert facts.refresh(max_age=facts.max_age()).skipped is True  # just refreshed
    c.state, c.acknowledged_at = "acknowledged", factory.at("2024-12-31 23:50")
    c.save()  # bumps updated_at past the watermark
    done = facts.refresh(now=timezone.now())
    assert done.refreshed >= 1
    assert count(ctx(), ["received"], [])[()]["received"] == 5
    assert durations(ctx(), ["lt_ack"])[("lt_ack",)].n == 5
