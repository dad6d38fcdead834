"""CSV and XLSX of the same tables the screen shows (after suppression), with their definitions.

CSV: semicolon-separated, decimal comma, UTF-8 with a byte order mark (what Excel with Swedish settings
opens without a wizard); the values are exactly the screen's, without thousands separators. XLSX: one sheet
per table with numbers as numbers, a sheet with the definitions of the columns and one about the extract
(scope, period, filters, when).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime
from zipfile import ZIP_DEFLATED, ZipFile

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter

from . import metrics
from .rules import COUNT, SUPPRESSED_MARK, TEXT
from .tables import Table

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NUMBER_FORMATS = {COUNT: "#,##0"}
SHEET_NAMES = {
    "jamforelse": "Jämförelse", "lagrum": "Lag och lagrum", "saknummer": "Saknummer", "serie": "Över tid",
    "beslut": "Beslut", "avslag": "Avslag", "ledtider": "Ledtider", "patrulltid": "Patrulltid", "utfall": "Utfall",
    "frihetsberovanden": "Frihetsberövanden", "forvar": "Förvar", "barn": "Barn i förvar",
    "transporter": "Transporter", "nte": "NTE avböjanden", "avvikelser": "Avvikelser under perioden",
    "avvikelser_nu": "Avvikelser just nu",
}


def to_csv(table: Table) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(table.header())
    for row in table.text_rows(csv=True):
        writer.writerow(row)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _sheet_name(title: str, used: set[str]) -> str:
    base = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Tabell"
    name, i = base, 2
    while name in used:
        suffix = f" ({i})"
        name, i = base[: 31 - len(suffix)] + suffix, i + 1
    used.add(name)
    return name


class _InMemoryWriter(ExcelWriter):
    """openpyxl's writer, but each sheet is serialised in memory instead of through a temporary file (creating
    and removing a file per sheet took a large part of an export's time)."""

    def write_worksheet(self, ws):
        if self.workbook.write_only:
            return super().write_worksheet(ws)
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = WorksheetWriter(ws, out=io.BytesIO())
        writer.write()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], writer.read())
        self.manifest.append(ws)
        return None


def _save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    with ZipFile(buf, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        wb.properties.modified = datetime.now(UTC).replace(tzinfo=None)  # as ``Workbook.save`` sets it
        _InMemoryWriter(wb, archive).save()
    return buf.getvalue()


def to_xlsx(tables: Iterable[Table], *, about: list[tuple[str, str]], generated_at: datetime | None = None) -> bytes:
    """The workbook of these tables. Kept on the first table for the minute it is stamped with: the follow-up's
    tables are shared from its result cache until the data change, so the same extract asked again within the
    minute is not written again (the bytes are the same)."""
    tables = list(tables)
    stamp = f"{timezone.localtime(generated_at or timezone.now()):%Y-%m-%d %H:%M}"
    if not tables:
        return _to_xlsx(tables, about, stamp)
    memo = tables[0].__dict__.setdefault("_xlsx", {})
    key = (len(tables), tuple(about), stamp)
    kept = memo.get(key)
    if kept is not None and all(a is b for a, b in zip(kept[0], tables, strict=True)):
        return kept[1]
    body = _to_xlsx(tables, about, stamp)
    memo.clear()  # one extract per table and minute is enough
    memo[key] = (tuple(tables), body)
    return body


def _to_xlsx(tables: list[Table], about: list[tuple[str, str]], stamp: str) -> bytes:
    wb = Workbook()
    info = wb.active
    info.title = "Om uttaget"
    bold = Font(bold=True)
    info.append(["Biträde – uppföljning av handräckning"])
    info["A1"].font = Font(bold=True, size=14)
    for key, value in [*about, ("Uttaget", stamp),
                       ("Sekretess", f"{SUPPRESSED_MARK} = värdet bygger på färre än 5 ärenden och visas inte")]:
        info.append([key, value])
        info.cell(info.max_row, 1).font = bold
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 90
    used = {"Om uttaget", "Definitioner"}
    defined: dict[str, None] = {}
    for table in tables:
        ws = wb.create_sheet(_sheet_name(SHEET_NAMES.get(table.key, table.title), used))
        ws.append([table.title])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append([table.description])
        ws.append([])
        ws.append(table.header())
        header_row = ws.max_row
        for cell in ws[header_row]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in table.all_rows:
            out = ["  " * row.depth + row.label]
            for col in table.columns:
                c = row.cells.get(col.key)
                if c is None:
                    out.append(None)
                elif c.suppressed:
                    out.append(SUPPRESSED_MARK)
                elif col.kind == TEXT:
                    out.append(c.value)
                else:
                    out.append(c.value)
            ws.append(out)
            r = ws.max_row
            if row is table.total:
                for cell in ws[r]:
                    cell.font = bold
            for i, col in enumerate(table.columns, start=2):
                ws.cell(r, i).number_format = NUMBER_FORMATS.get(col.kind, "0.0")
            for col in table.columns:
                if col.metric:
                    defined[col.metric] = None
        for note in table.notes:
            ws.append([])
            ws.append([note])
        ws.column_dimensions["A"].width = 60
        for i in range(2, len(table.columns) + 2):
            ws.column_dimensions[get_column_letter(i)].width = 16
        ws.freeze_panes = ws.cell(header_row + 1, 2)
    defs = wb.create_sheet("Definitioner")
    defs.append(["Mått", "Definition", "Enhet", "Räknas på"])
    for cell in defs[1]:
        cell.font = bold
    for key in defined:
        m = metrics.METRICS.get(key)
        if m:
            d = m.as_dict()
            defs.append([d["name"], d["definition"], d["unit"], d["anchor"]])
    defs.column_dimensions["A"].width = 36
    defs.column_dimensions["B"].width = 100
    defs.column_dimensions["D"].width = 28
    return _save(wb)
