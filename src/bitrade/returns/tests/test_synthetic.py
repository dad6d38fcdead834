"""The synthetic return cases reproduce tabell 2 and tabell 6 of Statskontoret 2022:1."""

from __future__ import annotations

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
