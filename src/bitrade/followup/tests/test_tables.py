"""Suppression and the table's three renderings (screen text, CSV text, API dict). No database."""

from __future__ import annotations

from bitrade.followup.rules import COUNT, SHARE
from bitrade.followup.tables import Cell, Column, Row, Table, count_cell


def table(values: dict[str, int], total_row=True) -> Table:
    cols = [Column("n", "Antal", COUNT, additive=True), Column("share", "Andel", SHARE)]
    total = sum(values.values())
    rows = [Row(k, k, {"n": count_cell(v), "share": Cell(round(100 * v / total, 1), (v, total - v))})
            for k, v in values.items()]
    return Table("t", "T", "", "Rad", cols, rows,
                 Row("total", "Totalt", {"n": count_cell(total), "share": Cell(100.0, (total, 0))})
                 if total_row else None)


def test_small_counts_are_hidden_but_zero_is_shown():
    t = table({"a": 3, "b": 0, "c": 40, "d": 57}).suppress()
    assert t.value("a", "n") is None and t.row_cell("a", "n").suppressed
    assert t.value("b", "n") == 0
    assert t.value("total", "n") == 100


def test_one_hidden_cell_next_to_a_total_hides_the_smallest_other():
    t = table({"a": 3, "b": 0, "c": 40, "d": 57}).suppress()
    assert t.value("c", "n") is None  # else 100 − 57 − 40 = 3 would give a away
    assert t.value("d", "n") == 57


def test_without_a_total_there_is_nothing_to_complement():
    t = table({"a": 3, "c": 40, "d": 57}, total_row=False).suppress()
    assert t.value("c", "n") == 40


def test_a_share_hides_when_its_numerator_or_remainder_is_small():
    t = table({"a": 3, "b": 97}).suppress()
    assert t.value("a", "share") is None
    assert t.value("b", "share") is None  # 97 % of 100 reveals the other 3


def test_renderings_agree():
    t = table({"a": 3, "c": 40, "d": 1234}).suppress()
    d = t.as_dict()
    assert t.header() == ["Rad", "Antal", "Andel"]
    assert t.text_rows()[2] == ["d", "1\u00a0234", "96,6\u00a0%"]
    assert t.text_rows(csv=True)[2] == ["d", "1234", "96,6"]
    assert d["rows"][0]["values"]["n"] is None and d["rows"][0]["suppressed"] == ["n", "share"]
    assert d["total"]["values"]["n"] == 1277 and d["suppression_applied"] is True
