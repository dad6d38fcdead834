"""The follow-up's workbook as openpyxl writes it: the reference the direct writer (``exports.to_xlsx``) is
compared with, cell by cell, in ``test_xlsx.py``. openpyxl stays the reader in the tests and this writer the
reference for what the workbook holds."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter

from bitrade.followup import metrics
from bitrade.followup.exports import NUMBER_FORMATS, SHEET_NAMES, _sheet_name
from bitrade.followup.rules import SUPPRESSED_MARK, TEXT
from bitrade.followup.tables import Table


class _InMemoryWriter(ExcelWriter):
    """openpyxl's writer, each sheet serialised in memory instead of through a temporary file (as the export
    did before it wrote the workbook itself)."""

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
        wb.properties.modified = datetime.now(UTC).replace(tzinfo=None)
        _InMemoryWriter(wb, archive).save()
    return buf.getvalue()


def openpyxl_workbook(tables: list[Table], about: list[tuple[str, str]], stamp: str) -> bytes:
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
