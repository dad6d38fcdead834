"""The pure rules: periods, parameters, percentiles, age groups, thresholds, formatting. No database."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bitrade.followup import rules
from bitrade.followup.rules import MEDIAN, P90, ParamError, Period, parse_params, parse_period

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize("text, start, end, label", [
    ("2023", date(2023, 1, 1), date(2024, 1, 1), "2023"),
    ("2023-05", date(2023, 5, 1), date(2023, 6, 1), "maj 2023"),
    ("2023-11..2024-02", date(2023, 11, 1), date(2024, 3, 1), "2023-11-01 – 2024-02-29"),
    ("2024-01-01..2024-03-31", date(2024, 1, 1), date(2024, 4, 1), "2024-01-01 – 2024-03-31"),
    ("2024-02-29", date(2024, 2, 29), date(2024, 3, 1), "2024-02-29 – 2024-02-29"),
])
def test_periods_are_stockholm_days_end_exclusive(text, start, end, label):
    p = parse_period(text)
    assert (p.start, p.end, p.label) == (start, end, label)
    assert parse_period(p.code) == p


@pytest.mark.parametrize("text", ["", "23", "2023-13", "2023-00", "2023-02-30..2023-03-01", "2024..2023",
                                  "2023-05..2023-01", "1999", "2000-01..2013-01", "nästa år", "2023-1"])
def test_bad_periods_get_a_swedish_message(text):
    with pytest.raises(ParamError) as exc:
        parse_period(text)
    assert exc.value.field == "period"
    assert any(word in exc.value.message for word in ("period", "Period", "månad", "datum", "år", "Ange"))


def test_period_buckets_and_previous_period():
    p = parse_period("2023-11..2024-02")
    assert [b.code for b in p.buckets("month")] == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert [b.code for b in p.buckets("year")] == ["2023", "2024"]
    assert p.previous() == Period(date(2023, 7, 1), date(2023, 11, 1))
    assert parse_period("2023").previous() == parse_period("2022")
    assert p.days == (rules.day_number(date(2023, 11, 1)), rules.day_number(date(2024, 3, 1)))


def test_params_defaults_and_validation():
    p = parse_params({}, today=TODAY)
    assert p.period == parse_period("2026-10") and p.level == "nation" and p.series == "month"
    assert parse_params({}, today=date(2026, 1, 1)).period == parse_period("2025-12")
    p = parse_params({"period": "2016..2025", "level": "region"}, today=TODAY)
    assert p.series == "year" and p.period.code == "2016..2025" and p.period.label == "2016–2025"
    p = parse_params({"fran": "2024-01", "till": "2024-03", "period": "2020", "law": "lpt", "unit": "12"},
                     today=TODAY)
    assert p.period == parse_period("2024-01..2024-03") and p.law == "LPT" and p.unit == 12
    assert parse_params(p.query(), today=TODAY) == p


@pytest.mark.parametrize("data, field", [
    ({"level": "galaxy"}, "level"), ({"series": "week"}, "series"), ({"law": "LAGEN"}, "law"),
    ({"case_code": "444"}, "case_code"), ({"unit": "abc"}, "unit"), ({"unit": "0"}, "unit"), ({"unit": "¹"}, "unit"), ({"organisation": "٣"}, "organisation"),
    ({"organisation": "-1"}, "organisation"), ({"region": "Syd Region!"}, "region"),
    ({"point": "drop table"}, "point"), ({"fran": "2024-01"}, "till"), ({"fran": "2024-13", "till": "2024-12"}, "fran"),
    ({"period": "2000-01..2006-02", "series": "month"}, "series"), ({"period": "2016..2012"}, "period"),
])
def test_bad_parameters_name_the_field(data, field):
    with pytest.raises(ParamError) as exc:
        parse_params(data, today=TODAY)
    assert exc.value.field == field and exc.value.message


def test_percentiles_interpolate_linearly():
    assert rules.percentile([10, 20, 30, 40], MEDIAN) == 25
    assert rules.percentile([10, 20, 30, 40], P90) == pytest.approx(37)
    assert rules.percentile([5], P90) == 5
    assert rules.percentile([], MEDIAN) is None
    assert rules.percentile([2, 3, 8], P90) == pytest.approx(7)


@given(st.lists(st.integers(min_value=-10**6, max_value=10**9), min_size=1, max_size=300))
def test_the_ranks_the_database_returns_are_enough(values):
    xs = sorted(values)
    ranked = {r: xs[r - 1] for r in rules.wanted_ranks(len(xs))}
    for q in (MEDIAN, P90):
        assert rules.interpolate(ranked, len(xs), q) == pytest.approx(rules.percentile(values, q))


@pytest.mark.parametrize("age, group", [(None, "unknown"), (0, "under_15"), (14, "under_15"), (15, "15_17"),
                                        (17, "15_17"), (18, "18_20"), (20, "18_20"), (21, "21_64"), (64, "21_64"),
                                        (65, "65_plus"), (101, "65_plus")])
def test_age_groups(age, group):
    assert rules.age_group(age) == group


def test_thresholds_default_stored_and_overridden():
    assert rules.parse_thresholds({}, {})["holding_hours"] == 6
    assert rules.parse_thresholds({}, {"holding_hours": 4})["holding_hours"] == 4
    assert rules.parse_thresholds({"holding_hours": "2"}, {"holding_hours": 4})["holding_hours"] == 2
    with pytest.raises(ParamError) as exc:
        rules.parse_thresholds({"open_days": "-3"}, {})
    assert exc.value.field == "open_days"


def test_swedish_number_formats():
    assert rules.format_value(32350, rules.COUNT) == "32\u00a0350"
    assert rules.format_value(93.4, rules.SHARE) == "93,4\u00a0%"
    assert rules.format_value(-5.0, rules.SHARE) == "−5,0\u00a0%"
    assert rules.format_value(None, rules.HOURS) == "–"
    assert rules.format_value(3, rules.COUNT, suppressed=True) == "x"
    assert rules.csv_value(32350, rules.COUNT) == "32350"
    assert rules.csv_value(2.75, rules.HOURS) == "2,8"
