"""The directly written workbook holds the same cells as the one openpyxl wrote (``xlsx_reference``) for the same
tables: every sheet, value, suppression mark, number format, bold cell, column width and frozen header."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook

from bitrade.followup import exports, facts, selectors, synthetic
from bitrade.followup.tables import Cell, Column, Row, Table

from . import factory
from .xlsx_reference import openpyxl_workbook

pytestmark = pytest.mark.django_db

STAMP = "2025-01-10 12:00"


def _cells(data: bytes) -> dict:
    """{sheet: {coordinate: (value, number format, bold, font size, wrapped)}} of the non-empty cells, and the
    sheets' column widths and frozen cell."""
    wb = load_workbook(io.BytesIO(data))
    out = {}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                if c.value is None:
                    continue
                fmt = c.number_format if isinstance(c.value, int | float) else "General"
                size = c.font.sz or 11.0  # a font without a size is shown in the default size, 11
                cells[c.coordinate] = (c.value, fmt, bool(c.font.b), size, bool(c.alignment.wrap_text))
        widths = {k: d.width for k, d in ws.column_dimensions.items() if d.customWidth}
        out[ws.title] = {"cells": cells, "widths": widths, "freeze": ws.freeze_panes}
    return out


def _compare(tables: list[Table], about: list[tuple[str, str]]) -> dict:
    new = exports._to_xlsx(tables, about, STAMP)
    old = openpyxl_workbook(tables, about, STAMP)
    assert zipfile.ZipFile(io.BytesIO(new)).testzip() is None
    got, want = _cells(new), _cells(old)
    assert list(got) == list(want)  # the same sheets in the same order
    for name in want:
        for coord in set(got[name]["cells"]) | set(want[name]["cells"]):
            assert got[name]["cells"].get(coord) == want[name]["cells"].get(coord), (name, coord)
        assert got[name] == want[name], name
    return got


QUERIES = [
    ("analytiker", {"period": "2024"}),
    ("analytiker", {"period": "2023..2024", "series": "year", "level": "region"}),
    ("rlc.syd", {"period": "2024-03", "level": "unit"}),
]


def test_the_workbook_has_the_cells_openpyxl_wrote_for_a_generated_data_set(demo, actor_of):
    synthetic.generate(years=2, scale=0.02, seed=3, until=date(2025, 1, 1))
    facts.refresh(full=True)
    for user, query in QUERIES:
        rep, _, tables = selectors.dashboard(actor_of(user), query, view="alla")
        about = [("Omfattning", rep.scope.label), ("Period", rep.params.period.code), ("Urval", "vy=alla")]
        got = _compare(tables, about)
        assert len(got) == len(tables) + 2
        values = [v[0] for sheet in got.values() for v in sheet["cells"].values()]
        assert any(isinstance(v, int) and v > 0 for v in values)  # figures, not an empty workbook
        assert any(isinstance(v, float) for v in values)


def test_suppression_marks_totals_and_odd_text_survive(demo, actor_of):
    factory.build()  # small counts: suppressed cells
    facts.refresh(full=True)
    _, _, tables = selectors.dashboard(actor_of("analytiker"), {"period": "2024", "level": "region"},
                                         view="alla")
    got = _compare(tables, [("Omfattning", "Malmö <&> \"ett\" 'två'"), ("Period", "2024")])
    assert any(v[0] == "x" for sheet in got.values() for v in sheet["cells"].values())
    odd = Table(key="odd", title="Tabell: [a]/b?", description="  inledande blanksteg & <tecken>",
                row_header="Rad", columns=[Column("n", "Antal"), Column("share", "Andel", kind="share"),
                                           Column("t", "Text", kind="text")],
                rows=[Row("a", "A", {"n": Cell(3), "share": Cell(12.25), "t": Cell("fri \"text\"")}, depth=1),
                      Row("b", "B\u00a0", {"n": Cell(None, suppressed=True), "t": Cell("")})],
                total=Row("total", "Totalt", {"n": Cell(1_234_567), "share": Cell(0.1)}), notes=["En not."])
    got = _compare([odd, odd], [("Period", "2024")])
    assert got["Tabell ab (2)"]["cells"]["A5"] == ("  A", "General", False, 11.0, False)
