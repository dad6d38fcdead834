"""CSV and XLSX of the same tables the screen shows (after suppression), with their definitions.

CSV: semicolon-separated, decimal comma, UTF-8 with a byte order mark (what Excel with Swedish settings
opens without a wizard); the values are exactly the screen's, without thousands separators. XLSX: one sheet
per table with numbers as numbers, a sheet with the definitions of the columns and one about the extract
(scope, period, filters, when).

The workbook is written directly (an XLSX file is a zip of a few XML parts): inline strings, one small
fixed style sheet (bold, title sizes, the two number formats, wrapped headers), column widths and a frozen
header. ``tests/test_xlsx.py`` proves that openpyxl reads it back with the same cells as openpyxl's own
writer produced for the same tables.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from xml.sax.saxutils import escape
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from django.utils import timezone

from . import metrics
from .rules import COUNT, SUPPRESSED_MARK
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


# --------------------------------------------------------------------------- XLSX, written directly

# Styles (cellXfs indexes): 0 plain, 1 bold, 2 title (bold 14), 3 sheet title (bold 13), 4 header (bold,
# wrapped, top), 5 "#,##0", 6 "0.0", 7 bold "#,##0", 8 bold "0.0".
PLAIN, BOLD, TITLE, SHEET_TITLE, HEADER = 0, 1, 2, 3, 4
_FORMAT_STYLE = {"#,##0": (5, 7), "0.0": (6, 8)}
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="0.0"/></numFmts>'
    '<fonts count="4">'
    '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="14"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="13"/><name val="Calibri"/><family val="2"/></font>'
    '</fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="9">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="3" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="3" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyNumberFormat="1"/>'
    '</cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>'
)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters XML 1.0 cannot hold
_LETTERS: list[str] = []


def _column(i: int) -> str:
    """1 → A, 27 → AA."""
    while len(_LETTERS) < i:
        n, s = len(_LETTERS) + 1, ""
        while n:
            n, r = divmod(n - 1, 26)
            s = chr(65 + r) + s
        _LETTERS.append(s)
    return _LETTERS[i - 1]


def _text(value: str) -> str:
    return escape(_ILLEGAL.sub("", value))


class _Sheet:
    """One worksheet's rows as XML, appended in order (as ``Worksheet.append`` would)."""

    def __init__(self, name: str):
        self.name = name
        self.rows: list[str] = []
        self.widths: dict[int, float] = {}
        self.freeze: tuple[int, int] | None = None  # (row, column) of the first cell that scrolls

    def append(self, values: list, styles: list[int] | int = PLAIN) -> int:
        r = len(self.rows) + 1
        cells = []
        for i, v in enumerate(values, start=1):
            s = styles if isinstance(styles, int) else styles[i - 1]
            ref = f"{_column(i)}{r}"
            style = f' s="{s}"' if s else ""
            if v is None or v == "":  # an empty text is an empty cell (as openpyxl writes it)
                if s:
                    cells.append(f'<c r="{ref}"{style}/>')
            elif isinstance(v, bool):
                cells.append(f'<c r="{ref}"{style} t="b"><v>{int(v)}</v></c>')
            elif isinstance(v, int | Decimal):
                cells.append(f'<c r="{ref}"{style}><v>{v}</v></c>')
            elif isinstance(v, float):
                if math.isfinite(v):
                    cells.append(f'<c r="{ref}"{style}><v>{v!r}</v></c>')
                elif s:
                    cells.append(f'<c r="{ref}"{style}/>')
            else:
                t = _text(str(v))
                space = ' xml:space="preserve"' if t[:1].isspace() or t[-1:].isspace() else ""
                cells.append(f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{t}</t></is></c>')
        self.rows.append(f'<row r="{r}">{"".join(cells)}</row>' if cells else f'<row r="{r}"/>')
        return r

    def xml(self) -> str:
        out = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}" '
               f'xmlns:r="{_REL}">']
        if self.freeze:
            row, col = self.freeze
            top_left = f"{_column(col)}{row}"
            out.append(f'<sheetViews><sheetView workbookViewId="0"><pane xSplit="{col - 1}" ySplit="{row - 1}" '
                       f'topLeftCell="{top_left}" activePane="bottomRight" state="frozen"/>'
                       f'<selection pane="bottomRight" activeCell="{top_left}" sqref="{top_left}"/>'
                       '</sheetView></sheetViews>')
        else:
            out.append('<sheetViews><sheetView workbookViewId="0"/></sheetViews>')
        out.append('<sheetFormatPr defaultRowHeight="15"/>')
        if self.widths:
            out.append("<cols>" + "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                                          for i, w in sorted(self.widths.items())) + "</cols>")
        rows = [row for row in self.rows if not row.endswith("/>") or "<c " in row]
        out.append("<sheetData>" + "".join(rows) + "</sheetData>")
        out.append('<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
                   "</worksheet>")
        return "".join(out)


def _zip(sheets: list[_Sheet], when: datetime) -> bytes:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    n = len(sheets)
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                  'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                  for i in range(1, n + 1))
        + '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        '<Override PartName="/docProps/app.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
        '</Types>')
    root_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
        'core-properties" Target="docProps/core.xml"/>'
        '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'extended-properties" Target="docProps/app.xml"/>'
        '</Relationships>')
    core = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<dc:creator>Biträde</dc:creator>'
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        '</cp:coreProperties>')
    app = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
           '<Application>Biträde</Application></Properties>')
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        '<bookViews><workbookView activeTab="0"/></bookViews><sheets>'
        + "".join(f'<sheet name="{escape(s.name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                  for i, s in enumerate(sheets, start=1))
        + "</sheets></workbook>")
    workbook_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                  for i in range(1, n + 1))
        + f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>')
    parts = [("[Content_Types].xml", content_types), ("_rels/.rels", root_rels), ("docProps/core.xml", core),
             ("docProps/app.xml", app), ("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", workbook_rels),
             ("xl/styles.xml", _STYLES)]
    parts += [(f"xl/worksheets/sheet{i}.xml", s.xml()) for i, s in enumerate(sheets, start=1)]
    buf = io.BytesIO()
    date_time = when.timetuple()[:6]
    with ZipFile(buf, "w", ZIP_DEFLATED, compresslevel=1) as archive:
        for name, text in parts:
            info = ZipInfo(name, date_time=date_time)
            info.compress_type = ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"), compresslevel=1)
    return buf.getvalue()


def _to_xlsx(tables: list[Table], about: list[tuple[str, str]], stamp: str) -> bytes:
    info = _Sheet("Om uttaget")
    info.append(["Biträde – uppföljning av handräckning"], TITLE)
    for key, value in [*about, ("Uttaget", stamp),
                       ("Sekretess", f"{SUPPRESSED_MARK} = värdet bygger på färre än 5 ärenden och visas inte")]:
        info.append([key, value], [BOLD, PLAIN])
    info.widths = {1: 22, 2: 90}
    sheets = [info]
    used = {"Om uttaget", "Definitioner"}
    defined: dict[str, None] = {}
    for table in tables:
        ws = _Sheet(_sheet_name(SHEET_NAMES.get(table.key, table.title), used))
        sheets.append(ws)
        ws.append([table.title], SHEET_TITLE)
        ws.append([table.description])
        ws.append([])
        header_row = ws.append(table.header(), HEADER)
        width = len(table.columns) + 1
        formats = [_FORMAT_STYLE[NUMBER_FORMATS.get(col.kind, "0.0")] for col in table.columns]
        plain = [PLAIN, *(f[0] for f in formats)]
        bold = [BOLD, *(f[1] for f in formats)]
        keys = [col.key for col in table.columns]
        for row in table.all_rows:
            out = ["  " * row.depth + row.label]
            cells = row.cells
            for key in keys:
                c = cells.get(key)
                out.append(None if c is None else SUPPRESSED_MARK if c.suppressed else c.value)
            ws.append(out, bold if row is table.total else plain)
        for col in table.columns:
            if col.metric:
                defined[col.metric] = None
        for note in table.notes:
            ws.append([])
            ws.append([note])
        ws.widths = {1: 60, **{i: 16 for i in range(2, width + 1)}}
        ws.freeze = (header_row + 1, 2)
    defs = _Sheet("Definitioner")
    sheets.append(defs)
    defs.append(["Mått", "Definition", "Enhet", "Räknas på"], BOLD)
    for key in defined:
        m = metrics.METRICS.get(key)
        if m:
            d = m.as_dict()
            defs.append([d["name"], d["definition"], d["unit"], d["anchor"]])
    defs.widths = {1: 36, 2: 100, 4: 28}
    return _zip(sheets, datetime.now(UTC))
