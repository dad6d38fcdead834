"""The synthetic return cases reproduce tabell 2 and tabell 6 of Statskontoret 2022:1."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from bitrade.returns import rules, selectors, synthetic

YEARS = range(2014, 2020)


def test_plan_reproduces_table_2_per_year():
    scale = 0.1
    cases = synthetic.plan(YEARS, scale=scale, seed=7)
    for year, row in synthetic.TABLE_2.items():
        incoming = [c for c in cases if c.received_on.year == year]
        assert len(incoming) == round(row["incoming"] * scale)
        reasons = Counter(c.reason for c in incoming if c.origin == "mv")
        tvang, avviken = synthetic.mv_handovers(row, scale)
        assert reasons == {"tvang": tvang, "avviken": avviken}
        if year != 2015:  # the one year MV's handovers exceed the Police's incoming cases
            assert (tvang, avviken) == (round(row["tvang"] * scale), round(row["avviken"] * scale))
        closed = [c for c in cases if c.closed_on and c.closed_on.year == year]
        assert sum(c.outcome == "egen_utresa" for c in closed) == round(row["own"] * scale)
        assert sum(c.outcome in rules.ENFORCED_BY_POLICE for c in closed) == round(row["police"] * scale)
        share3 = sum(c.category == 3 for c in incoming) / len(incoming)
        assert abs(share3 - synthetic.CATEGORY_3_SHARE[year]) < 0.05


def test_plan_is_deterministic_and_lapses_after_four_years():
    a = synthetic.plan(YEARS, scale=0.05, seed=3)
    assert [(c.received_on, c.outcome) for c in a] == [(c.received_on, c.outcome)
                                                       for c in synthetic.plan(YEARS, scale=0.05, seed=3)]
    for c in a:
        if c.outcome == "preskriberat":
            assert c.closed_on == max(rules.add_years(c.final_on, 4), c.received_on) and c.origin != "court"
        if c.closed_on:
            assert c.closed_on >= c.received_on


@pytest.mark.django_db
def test_generated_rows_give_the_follow_up_its_figures(demo, actor_of):
    made = synthetic.generate(YEARS, scale=0.02, seed=5)
    assert made > 0
    got = selectors.stock_and_flow(actor_of("analytiker"), 2019)
    assert sum(r["count"] for r in got["inflow"]) == sum(
        1 for c in synthetic.plan(YEARS, scale=0.02, seed=5) if c.received_on.year == 2019)
    departures = sum(n for code, n in got["outflow_by_outcome"].items() if code in rules.DEPARTURES)
    assert departures == round(synthetic.TABLE_2[2019]["police"] * 0.02) + round(synthetic.TABLE_2[2019]["own"] * 0.02)
    assert got["cohort"]["opened_year"] == 2015 and got["cohort"]["opened"] > 0
    assert synthetic.generate(YEARS, scale=0.02, seed=5) == made  # replaces, does not add


def test_years_after_the_report_use_the_mean_of_the_basis_years():
    row = synthetic.table_row(2023)
    for key in ("incoming", "tvang", "avviken", "police", "own"):
        assert row[key] == round(sum(synthetic.TABLE_2[y][key] for y in (2017, 2018, 2019)) / 3)
    assert synthetic.table_row(2019) == synthetic.TABLE_2[2019]  # the report's years are untouched
    assert synthetic.table_row(2030, (2019,)) == synthetic.TABLE_2[2019]  # the last year carried forward
    cases = synthetic.plan(range(2018, 2026), scale=0.1, seed=2)
    for year in range(2020, 2026):
        assert sum(c.received_on.year == year for c in cases) == round(row["incoming"] * 0.1)
        closed = [c for c in cases if c.closed_on and c.closed_on.year == year]
        assert sum(c.outcome == "egen_utresa" for c in closed) == round(row["own"] * 0.1)
    assert synthetic.category_3_share(2024) == pytest.approx((0.37 + 0.47 + 0.46) / 3)


def test_basis_years_are_configurable(settings):
    settings.BITRADE_RETURNS_SYNTHETIC_BASIS_YEARS = (2019,)
    assert synthetic.basis_years() == (2019,)
    settings.BITRADE_RETURNS_SYNTHETIC_BASIS_YEARS = (2021,)
    with pytest.raises(ValueError, match="2014–2019"):
        synthetic.basis_years()


def _custody(years=range(2015, 2020), scale=0.1, seed=4):
    cases = synthetic.plan(years, scale=scale, seed=seed)
    synthetic.plan_custody(cases, years, scale=scale, seed=seed)
    return cases


def test_detentions_follow_table_7_within_the_case():
    cases = _custody()
    for year, (stays, average) in synthetic.DETENTION_STAYS.items():
        started = [d for c in cases for d in c.detentions if d.started_at.year == year]
        target = round(stays * synthetic.POLICE_SHARE_OF_STAYS * 0.1)
        assert abs(len(started) - target) <= 0.05 * target, year
        mean_days = sum((d.ended_at - d.started_at).total_seconds() for d in started) / len(started) / 86400
        # a stay is cut at the case's receipt or closure, so the mean comes out somewhat under tabell 7's
        assert 0.7 * average <= mean_days <= 1.05 * average, (year, mean_days)
    for c in cases:
        received = synthetic._at(c.received_on, 10)
        for d in c.detentions:
            assert received <= d.started_at < d.ended_at
            if c.closed_on:
                assert d.ended_at <= synthetic._at(c.closed_on, 10)
            hours = (d.ended_at - d.started_at).total_seconds() / 3600
            if d.child:
                assert hours <= 72
            elif d.kind == "investigation":
                assert hours <= 48
            elif d.kind == "before_decision":
                assert hours <= 14 * 24
            else:
                assert hours <= 365 * 24
        for a, b in itertools.pairwise(c.detentions):
            assert a.ended_at <= b.started_at  # one stay at a time
        if c.outcome in synthetic.TRIP_OF_OUTCOME:  # left from detention: the stay ends the morning of the trip
            assert all(d.ended_at.date() < c.closed_on or d.end_reason.startswith("Verkställd") for d in c.detentions)
    departures = [c for c in cases if c.outcome in synthetic.TRIP_OF_OUTCOME]
    from_detention = sum(any(d.end_reason.startswith("Verkställd") for d in c.detentions) for c in departures)
    assert 0.65 <= from_detention / len(departures) <= 0.8
    assert 0 < sum(d.child for c in cases for d in c.detentions) < 0.05 * sum(len(c.detentions) for c in cases)


def test_every_enforced_departure_has_its_transport_order():
    cases = _custody()
    for c in cases:
        if c.outcome not in synthetic.TRIP_OF_OUTCOME:
            assert c.orders == []
            continue
        done = [o for o in c.orders if o.done_at]
        assert len(done) == 1 and done[0].planned_on == c.closed_on
        assert all(o.trip_type == synthetic.TRIP_OF_OUTCOME[c.outcome] for o in c.orders)
        assert all(c.received_on <= o.ordered_at.date() <= o.planned_on for o in c.orders)
        for o in c.orders[:-1]:
            assert o.cancelled_at and o.cancelled_at <= c.orders[-1].ordered_at
    orders = [o for c in cases for o in c.orders]
    rebooked = sum(o.cancelled_at is not None for o in orders)
    assert 0.05 < rebooked / len(orders) < 0.2
    assert Counter(o.trip_type for o in orders).keys() == {"escorted", "unescorted", "individual", "charter"}
    again = _custody()
    assert [(o.ordered_at, o.country) for c in again for o in c.orders] == [(o.ordered_at, o.country) for o in orders]


def test_detention_rows_keep_the_limits_of_the_law_and_stop_at_the_end_of_the_generation():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    cases = _custody(range(2017, 2020), scale=0.05)
    details = [{"id": i} for i in range(len(cases))]
    until = datetime(2019, 6, 1, tzinfo=ZoneInfo("Europe/Stockholm"))
    by_id = dict(enumerate(cases))
    detentions, extensions, orders = synthetic._custody_rows(cases, details, until, 1, seed=4)
    assert detentions and orders and any(extensions) and any(d["ended_at"] is None for d in detentions)
    for row, ext in zip(detentions, extensions, strict=True):
        case = by_id[row["return_case_id"]]
        assert row["started_at"] < until
        assert row["ended_at"] is None or row["ended_at"] < until
        crime = case.origin == "court"
        clock = rules.detention_clock(row["kind"], row["started_at"], child=row["child"], crime_expelled=crime)
        if ext is None:
            assert row["limit_at"] == clock.limit_at
        else:
            assert ext["decided_at"] < until and row["limit_at"] == ext["until"]
            checks = rules.check_extension(row["kind"], row["started_at"], rules.Extension(
                ext["until"], ext["exceptional_reasons"], ext["lack_of_cooperation_or_documents"], ext["counsel"],
                ext["interpreter"]), child=row["child"], crime_expelled=crime)
            assert all(c.ok for c in checks), [c.message for c in checks if not c.ok]
        assert row["ended_at"] is None or row["ended_at"] <= row["limit_at"]
        assert row["ended_at"] is not None or row["limit_at"] >= until or ext is not None
    statuses = Counter(o["status"] for o in orders)
    assert statuses["done"] and statuses["cancelled"] and statuses["booked"] + statuses["accepted"] > 0
    for o in orders:
        assert o["ordered_at"] < until
        assert all(datetime.fromisoformat(m["at"]) < until for m in o["milestones"])
        assert [m["step"] for m in o["milestones"]][:1] == ["ordered"]
        assert (o["status"] == "done") == ("done" in [m["step"] for m in o["milestones"]])


@pytest.mark.django_db
def test_generated_detentions_and_orders_reach_the_follow_up(demo):
    from django.utils import timezone

    from bitrade.followup import facts
    from bitrade.returns.models import Detention, DetentionExtension, ReturnFact, TransportOrder

    synthetic.generate(YEARS, scale=0.02, seed=5)
    units = synthetic._places()[1]
    planned = [c for c in _custody(YEARS, scale=0.02, seed=5) if c.region in units]
    assert Detention.objects.count() == sum(len(c.detentions) for c in planned) > 0
    assert TransportOrder.objects.count() == sum(len(c.orders) for c in planned) > 0
    assert DetentionExtension.objects.exists()
    assert not Detention.objects.filter(ended_at__isnull=True).exists()  # all years are over: every stay ended
    facts.refresh(full=True, now=timezone.now())
    assert ReturnFact.objects.filter(kind="detention").count() == Detention.objects.count()
    assert ReturnFact.objects.filter(kind="transport").count() == TransportOrder.objects.count()
    synthetic.generate(YEARS, scale=0.02, seed=5)  # replaces the rows, does not add
    assert Detention.objects.count() == sum(len(c.detentions) for c in planned)
