"""The rows of the follow-up's tables as HTML (``views._table_html``, written column by column for speed) are
exactly what the plain cell-by-cell rendering gives, for every table of a generated data set, with and
without suppression."""

from __future__ import annotations

import html
from datetime import date

import pytest
from django.utils.translation import gettext

from bitrade.followup import facts, selectors, synthetic, views
from bitrade.followup.rules import format_value
from bitrade.followup.tables import Cell, Column, Row, Table

pytestmark = pytest.mark.django_db


def _esc(text) -> str:
    return html.escape(str(text))


def reference_html(table: Table) -> str:
    """Cell by cell, every text escaped (how the rows were rendered before)."""
    hidden_title = _esc(gettext("Färre än 5 ärenden"))
    body, foot = [], []
    for row in table.all_rows:
        cells = []
        for col in table.columns:
            cell = row.cells.get(col.key)
            suppressed = bool(cell and cell.suppressed)
            value = None if cell is None or cell.suppressed else cell.value
            text = format_value(value, col.kind, suppressed=suppressed)
            cls = "num suppressed" if suppressed else "num"
            extra = f' title="{hidden_title}"' if suppressed else ""
            cells.append(f'<td class="{cls}" data-col="{_esc(col.key)}" '
                         f'data-value="{_esc("" if value is None else value)}"{extra}>{_esc(text)}</td>')
        tr = f'<th scope="row">{_esc(row.label)}</th>{"".join(cells)}</tr>'
        if row is table.total:
            foot.append(f'<tfoot><tr class="total" data-row="{_esc(row.key)}">{tr}</tfoot>')
        else:
            sub = ' class="sub"' if row.depth else ""
            body.append(f'<tr data-row="{_esc(row.key)}"{sub}>{tr}')
    return f"<tbody>{''.join(body)}</tbody>{''.join(foot)}"


@pytest.mark.parametrize("user, query", [
    ("analytiker", {"period": "2024", "level": "organisation"}),
    ("analytiker", {"period": "2023..2024", "series": "year", "level": "region"}),
    ("sb.malmo", {"period": "2024"}),
])
def test_rows_html_equals_the_cell_by_cell_rendering(demo, actor_of, user, query):
    synthetic.generate(years=2, scale=0.01, seed=4, until=date(2025, 1, 1))
    facts.refresh(full=True)
    _, _, tables = selectors.dashboard(actor_of(user), query, view="alla")
    assert len(tables) > 10
    for table in tables:
        assert str(views._table_html(table)) == reference_html(table), table.key


def test_text_values_and_labels_are_escaped():
    table = Table(key="t", title="T", description="", row_header="Rad",
                  columns=[Column("n", "Antal"), Column("txt", "Text", kind="text"), Column("<k>", "K", kind="hours")],
                  rows=[Row("a&b", "<b>A</b>", {"n": Cell(1234), "txt": Cell('"<x>" & y'), "<k>": Cell(1.5)}, depth=1),
                        Row("c", "C", {"n": Cell(None, suppressed=True), "txt": Cell(None)})],
                  total=Row("total", "Totalt", {"n": Cell(7), "<k>": Cell(None)}))
    got = str(views._table_html(table))
    assert got == reference_html(table)
    assert "<b>" not in got and "&lt;x&gt;" in got


def _template_section(item: dict) -> str:
    from django.template.loader import render_to_string

    return render_to_string("followup/_table.html", {"t": item})


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_table_section_written_in_python_equals_the_template(demo, actor_of, language):
    """``views._section_html`` writes what ``followup/_table.html`` renders, byte for byte: titles, column
    labels, notes, the chart, the download links with their query and the rows, in both languages."""
    from django.utils import translation

    synthetic.generate(years=2, scale=0.01, seed=4, until=date(2025, 1, 1))
    facts.refresh(full=True)
    _, _, tables = selectors.dashboard(actor_of("analytiker"), {"period": "2024", "level": "region"}, view="alla")
    odd = Table(key="t", title='A & "B" <i>', description="<d>", row_header="R&R",
                columns=[Column("n", "<Antal>")], rows=[Row("a", "A", {"n": Cell(1)})], notes=["x < y", "z & w"])
    with translation.override(language):
        items = views._present([*tables, odd], "period=2024&level=region&vy=alla")
        assert len(items) > 10
        for item in items:
            assert str(item["html"]) == _template_section(item), item["table"].key
