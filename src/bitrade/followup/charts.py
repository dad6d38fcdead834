"""Charts as server-side SVG: no script, no CDN, readable by a screen reader.

Each chart draws the numbers of one ``Table`` (after suppression: a hidden value is drawn as "x", never as
a bar), has a title and a description, and stands next to the table with the same numbers.
"""

from __future__ import annotations

import html

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from .rules import SUPPRESSED_MARK, format_value
from .tables import Table

COLOURS = ("#0b3d91", "#b35900", "#2f7d4f")  # contrast ≥ 4.5:1 against white
WIDTH = 680
MAX_BARS = 30


def escape(text) -> str:
    """The text escaped for HTML (as Django's ``escape``, without its lazy-text wrapper around each of the
    hundreds of labels and values a page's charts hold)."""
    return html.escape(str(text))


def _label(text: str, limit: int = 38) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render(table: Table, chart_id: str) -> SafeString:
    if table.chart is None:
        return mark_safe("")
    if table.chart.kind == "columns":
        return _columns(table, chart_id)
    return _bars(table, chart_id)


def _frame(chart_id: str, title: str, desc: str, height: int, body: list[str]) -> SafeString:
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" style="max-width:{WIDTH}px" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'data-testid="chart-{escape(chart_id)}">'
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(desc)}</desc>'
        + "".join(body) + "</svg>")


def _legend(table: Table, columns: tuple[str, ...], y: int, x0: int) -> list[str]:
    if len(columns) < 2:
        return []
    out, x = [], x0
    for i, key in enumerate(columns):
        label = table.column(key).label
        out.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{COLOURS[i % 3]}"/>'
                   f'<text x="{x + 16}" y="{y}" font-size="12">{escape(label)}</text>')
        x += 24 + 7 * len(label)
    return out


def _bars(table: Table, chart_id: str) -> SafeString:
    columns = table.chart.columns
    rows = [r for r in table.rows if not r.parent]
    shown_all = len(rows) <= MAX_BARS
    if not shown_all:  # many units or organisations: the largest ones; the table has them all
        def size(r):
            c = r.cells.get(columns[0])
            return c.value if c is not None and not c.suppressed and isinstance(c.value, int | float) else -1

        rows = sorted(rows, key=size, reverse=True)[:MAX_BARS]
    label_w, bar_h, gap = 250, 14, 6
    group_h = bar_h * len(columns) + gap * 2
    top = 28 if len(columns) > 1 else 8
    height = top + group_h * len(rows) + 8
    values = [r.cells[c].value for r in rows for c in columns
              if c in r.cells and not r.cells[c].suppressed and isinstance(r.cells[c].value, int | float)]
    top_value = max([v for v in values if v > 0], default=1)
    span = WIDTH - label_w - 90
    body = _legend(table, columns, 16, label_w)
    for i, row in enumerate(rows):
        y = top + i * group_h
        label = escape(row.label)
        body.append(f'<text x="{label_w - 8}" y="{y + group_h / 2 + 4:.0f}" font-size="12" text-anchor="end">'
                    f'<title>{label}</title>{escape(_label(row.label))}</text>')
        for j, key in enumerate(columns):
            cell = row.cells.get(key)
            kind = table.column(key).kind
            by = y + gap + j * bar_h
            if cell is None or cell.suppressed or cell.value is None:
                mark = SUPPRESSED_MARK if cell is not None and cell.suppressed else "–"
                body.append(f'<text x="{label_w + 4}" y="{by + bar_h - 3}" font-size="11">{mark}</text>')
                continue
            w = max(0.0, float(cell.value)) / top_value * span
            text = escape(format_value(cell.value, kind))
            body.append(f'<rect x="{label_w}" y="{by}" width="{w:.1f}" height="{bar_h - 2}" '
                        f'fill="{COLOURS[j % 3]}"><title>{label}: {text}</title></rect>'
                        f'<text x="{label_w + w + 4:.1f}" y="{by + bar_h - 3}" font-size="11">{text}</text>')
    largest = "" if shown_all else gettext(" (de %(n)s största)") % {"n": MAX_BARS}
    desc = gettext("Liggande staplar: %(columns)s per rad i tabellen ”%(title)s”%(largest)s. Samma siffror finns i "
                   "tabellen. x betyder färre än 5 ärenden.") % {
        "columns": ", ".join(table.column(c).label for c in columns), "title": table.title, "largest": largest}
    title = table.chart.title or table.title
    if not shown_all:
        title = gettext("%(title)s, de %(n)s största") % {"title": title, "n": MAX_BARS}
    return _frame(chart_id, title, desc, height, body)


def _columns(table: Table, chart_id: str) -> SafeString:
    columns = table.chart.columns
    rows = table.rows
    left, bottom, top = 60, 40, 30
    height = 260
    plot_h = height - top - bottom
    n = max(1, len(rows))
    slot = (WIDTH - left - 10) / n
    bar_w = max(2.0, min(24.0, slot * 0.8 / len(columns)))
    values = [r.cells[c].value for r in rows for c in columns
              if not r.cells[c].suppressed and isinstance(r.cells[c].value, int | float)]
    top_value = max([v for v in values if v > 0], default=1)
    body = _legend(table, columns, 16, left)
    for k in range(5):
        v = top_value * k / 4
        y = top + plot_h - plot_h * k / 4
        body.append(f'<line x1="{left}" x2="{WIDTH - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d4d8dd"/>'
                    f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">'
                    f'{escape(format_value(round(v), "count"))}</text>')
    every = max(1, round(n / 12))
    for i, row in enumerate(rows):
        x0 = left + i * slot + (slot - bar_w * len(columns)) / 2
        for j, key in enumerate(columns):
            cell = row.cells[key]
            x = x0 + j * bar_w
            if cell.suppressed or cell.value is None:
                body.append(f'<text x="{x:.1f}" y="{top + plot_h - 2}" font-size="10">'
                            f'{SUPPRESSED_MARK if cell.suppressed else "–"}</text>')
                continue
            h = max(0.0, float(cell.value)) / top_value * plot_h
            body.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" '
                        f'fill="{COLOURS[j % 3]}"><title>{escape(row.label)}, {escape(table.column(key).label)}: '
                        f'{escape(format_value(cell.value, table.column(key).kind))}</title></rect>')
        if i % every == 0:
            first, _, second = row.label.partition(" ")
            cx = left + i * slot + slot / 2
            body.append(f'<text x="{cx:.1f}" y="{height - bottom + 16}" font-size="11" '
                        f'text-anchor="middle">{escape(first)}</text>')
            if second and (i == 0 or first == "jan"):
                body.append(f'<text x="{cx:.1f}" y="{height - bottom + 30}" font-size="11" '
                            f'text-anchor="middle">{escape(second)}</text>')
    desc = gettext("Stående staplar per %(rows)s: %(columns)s. Samma siffror finns i tabellen. x betyder färre "
                   "än 5 ärenden.") % {"rows": table.row_header.lower(),
                                       "columns": ", ".join(table.column(c).label for c in columns)}
    return _frame(chart_id, table.chart.title or table.title, desc, height, body)
