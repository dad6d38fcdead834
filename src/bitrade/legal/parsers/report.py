"""Reports (the Police's supervision report, Statskontoret's report) as guidance documents,
split into their numbered sections ("1 Inledning", "2.2 Lagar och förordningar", "1.2.1 …").

The text comes from a PDF extraction, so the parser first removes what is not
the report's text and then finds the sections:

* page furniture: page numbers, running heads in capitals, "Informationsklass
  Öppen", link lines (https://…);
* footnotes: a line that begins with the next footnote number after a blank
  line starts a footnote, which runs to the next blank line or the next line
  that begins with a space (where the body text resumes); footnote markers
  glued to a word ("Polismyndigheten.5") are removed;
* words hyphenated over two lines are joined, and a block that begins in lower
  case continues the block before it (a page break fell inside it);
* numbered points standing as blocks of their own after an introductory
  sentence are put back into its stycke.

Section headings are numbered in order: the next heading must carry the next
number at some level (after 2.2.3 come 2.2.4, 2.3 or 3, or 2.2.3.1).  When the
report has a table of contents ("Innehåll") its entries are the headings, so a
footnote that happens to carry the next number is not taken for a heading.
Unnumbered sections before chapter 1 ("Sammanfattning", "Förkortnings- och
begreppslista") are kept too.  Standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from .common import (
    ParsedDocument,
    ParsedUnit,
    Point,
    Stycke,
    blocks,
    join_hyphenated_lines,
    join_inline_hyphens,
    normalise_text,
    slugify,
    stycke_from_lines,
)

__all__ = ["looks_like_report", "parse_report"]

FRONT_HEADINGS = ("Sammanfattning", "Förkortnings- och begreppslista", "Förkortningar", "Förord")
_HEADING_RE = re.compile(r"^\s?(\d{1,2}(?:\.\d{1,2}){0,3})\s+(\S.*?)\s*$")
_TOC_ENTRY_RE = re.compile(r"^\s*(?:(\d{1,2}(?:\.\d{1,2}){0,3})\s+)?(\S.*?)\s+(\d{1,3})\s*$")
_URL_RE = re.compile(r"^\s*(?:https?://|www\.)\S*\s*$")
_PAGE_NUMBER_RE = re.compile(r"^\s*\d{1,3}\s*$")
_CAPITALS_RE = re.compile(r"^\s*(?:\d{1,3}\s+)?([A-ZÅÄÖ][A-ZÅÄÖ0-9 ,\-–]{7,})\s*$")
_FOOTNOTE_RE = re.compile(r"^(\d{1,3})\s+\S")
_POINT_BLOCK_RE = re.compile(r"^\s*\d{1,2}\.\s+\S")
_DANGLING_WORDS = frozenset({"med", "och", "av", "för", "i", "om", "till", "på", "att", "mellan", "vid"})


def looks_like_report(text: str) -> bool:
    return len(re.findall(r"^\s?\d{1,2}\.\d{1,2}\s+[A-ZÅÄÖ]", text, re.MULTILINE)) >= 3


@dataclass
class _Section:
    number: str | None
    title: str
    lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _is_furniture(line: str) -> bool:
    if _URL_RE.match(line) or _PAGE_NUMBER_RE.match(line) or line.strip().startswith("Informationsklass"):
        return True
    match = _CAPITALS_RE.match(line)
    return bool(match) and sum(c.isalpha() for c in match.group(1)) >= 6


def _table_of_contents(lines: list[str]) -> tuple[list[tuple[str | None, str]], int]:
    """The entries of the table of contents and the index of the line after it (0 if none)."""
    start = next((i for i, line in enumerate(lines[:600]) if line.strip() == "Innehåll"), None)
    if start is None:
        return [], 0
    entries: list[tuple[str | None, str]] = []
    pending = ""
    i = start + 1
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line:
            continue
        if entries and not pending and line == entries[0][1]:  # the body's first heading: the contents end
            return entries, i - 1
        text = f"{pending} {line}".strip() if pending else line
        match = _TOC_ENTRY_RE.match(text)
        if match:
            entries.append((match.group(1), " ".join(match.group(2).split())))
            pending = ""
        else:
            pending = text
    return entries, 0


def _next_numbers(current: str | None) -> set[str]:
    """The numbers a heading after ``current`` may carry."""
    if current is None:
        return {"1"}
    parts = [int(p) for p in current.split(".")]
    out = {".".join(str(p) for p in parts) + ".1"}
    for level in range(len(parts)):
        head = parts[:level] + [parts[level] + 1]
        out.add(".".join(str(p) for p in head))
    return out


def _plausible_heading(title: str) -> bool:
    return (
        bool(title) and title[0].isupper() and len(title) <= 110 and "§" not in title
        and not title.rstrip().endswith((".", ",", ";", ":"))
    )


def _similar(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return re.sub(r"[^a-zåäö0-9]", "", s.lower())

    a, b = norm(a), norm(b)
    size = min(len(a), len(b), 20)
    return size >= 4 and a[:size] == b[:size]


_GLUED_NOTE_RE = re.compile(r"(?<=[a-zåäö])(\.?)(\d{1,3})(?=\s|$)")


def _strip_note_markers(line: str, expected: int) -> str:
    def drop(match: re.Match) -> str:
        n = int(match.group(2))
        return match.group(1) if expected - 3 <= n <= expected + 12 else match.group(0)

    return _GLUED_NOTE_RE.sub(drop, line)


def _split_sections(lines: list[str], toc: list[tuple[str | None, str]]) -> list[_Section]:
    sections: list[_Section] = [_Section(None, "Inledande text")]
    numbered_toc = [(n, t) for n, t in toc if n]
    toc_index = 0
    current_number: str | None = None
    next_note = 1
    in_note = False
    previous_blank = True
    title_tail: list[str] = []  # the rest of a heading wrapped over lines (from the contents)
    for raw in lines:
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            in_note = False
            previous_blank = True
            sections[-1].lines.append("")
            continue
        if title_tail and _similar(stripped, title_tail[0]):
            title_tail = []
            continue
        title_tail = []
        if stripped in FRONT_HEADINGS and current_number is None:
            sections.append(_Section(None, stripped))
            previous_blank = False
            continue
        heading = _HEADING_RE.match(line)
        if heading and (numbered_toc or not in_note or raw[:1].isspace()):
            number, title = heading.group(1), heading.group(2)
            in_toc = bool(numbered_toc) and toc_index < len(numbered_toc) and numbered_toc[toc_index][0] == number \
                and _similar(title, numbered_toc[toc_index][1])
            # the contents list two levels; a deeper number cannot be a footnote's, so its shape decides
            deeper = number.count(".") >= 2 or not numbered_toc
            ok = in_toc or (deeper and number in _next_numbers(current_number) and _plausible_heading(title))
            if ok:
                full = numbered_toc[toc_index][1] if in_toc else title
                if in_toc:
                    toc_index += 1
                    rest = full[len(title):].strip() if full.lower().startswith(title.lower()) else ""
                    title_tail = [rest] if rest else []
                current_number = number
                sections.append(_Section(number, full))
                previous_blank = in_note = False
                continue
        note = _FOOTNOTE_RE.match(line)
        if note and int(note.group(1)) == next_note and (previous_blank or in_note):
            in_note = True
            next_note += 1
            sections[-1].notes.append(stripped)
            previous_blank = False
            continue
        if in_note and not raw[:1].isspace() and sections[-1].notes:
            sections[-1].notes[-1] += " " + stripped
            continue
        in_note = False
        previous_blank = False
        sections[-1].lines.append(_strip_note_markers(line, next_note))
    for section in sections:
        # a heading that wraps ("2.2.2 … med fokus på självmant" / "återvändande")
        lines_after = section.lines[:2] + ["", ""]
        if section.number and lines_after[0].strip()[:1].islower() and len(lines_after[0].strip()) < 70 \
                and not lines_after[1].strip():
            section.title = f"{section.title} {lines_after[0].strip()}"
            section.lines[0] = ""
        # … or ends in a word that cannot end it ("2.3 Samverkansöverenskommelsen med" / "Kriminalvården")
        if section.number and section.title.split()[-1].lower() in _DANGLING_WORDS:
            first = next((i for i, li in enumerate(section.lines) if li.strip()), None)
            if first is not None and len(section.lines[first].strip()) < 60:
                section.title = f"{section.title} {section.lines[first].strip()}"
                section.lines[first] = ""
    return sections


def _stycken(lines: list[str]) -> list[Stycke]:
    merged: list[list[str]] = []
    for block in blocks(join_hyphenated_lines(lines)):
        first = block[0].lstrip()
        if merged and first[:1].islower() and not merged[-1][-1].rstrip().endswith((".", ":", "?")):
            merged[-1] = merged[-1] + block
        else:
            merged.append(block)
    stycken: list[Stycke] = []
    for block in merged:
        block = [join_inline_hyphens(line) for line in block]
        if _POINT_BLOCK_RE.match(block[0]) and stycken:
            previous = stycken[-1]
            if previous.points or not previous.lead.rstrip().endswith("."):
                continuation = stycke_from_lines(previous.number, block, indented_points=False)
                previous.points.extend(continuation.points)
                if continuation.lead:
                    previous.tail = (previous.tail + " " + continuation.lead).strip()
                continue
        stycken.append(stycke_from_lines(len(stycken) + 1, block, indented_points=False))
    for s in stycken:
        s.points = [Point(p.number, p.text, p.source_label) for p in s.points]
    return stycken


def _address(number: str | None, title: str) -> str:
    return f"avsnitt-{number}" if number else f"avsnitt-{slugify(title, 40)}"


def parse_report(text: str, *, name: str = "") -> ParsedDocument:
    text = normalise_text(text)
    raw_lines = text.splitlines()
    capitals = [m.group(1).strip() for line in raw_lines if (m := _CAPITALS_RE.match(line))]
    lines = [line for line in raw_lines if not _is_furniture(line)]
    toc, body_start = _table_of_contents(lines)
    front = lines[:body_start] if body_start else []
    sections = _split_sections(lines[body_start:] if body_start else lines, toc)

    units: list[ParsedUnit] = []
    for section in sections:
        stycken = _stycken(section.lines)
        if not stycken and section.number is None:
            continue
        if section.number is None and section.title == "Inledande text" and not front and len(stycken) < 2:
            continue
        units.append(ParsedUnit(
            address=_address(section.number, section.title), kind="report_section", section=section.number,
            title=section.title, stycken=stycken, notes=section.notes,
        ))
    title, number, publisher, issued = _metadata(front or lines[:80], capitals, text)
    identifier = " ".join(p for p in (publisher, number) if p) or title
    if not number and "tillsyn" in text[:3000].lower():
        identifier = f"{publisher}, tillsynsrapport" if publisher else "Tillsynsrapport"
    key = slugify(f"{publisher} {number}", 80) if number else slugify(title, 80)
    return ParsedDocument(
        key=key or slugify(name, 60), kind="report", format="report", title=title, identifier=identifier,
        publisher=publisher, issued_on=issued, units=units,
    )


def _metadata(front: list[str], capitals: Iterable[str], text: str) -> tuple[str, str, str, date | None]:
    """Title, report number ("2022:1"), publisher and date, from the title page or the running head."""
    title_lines: list[str] = []
    number = ""
    for line in front[:40]:
        s = line.strip()
        if re.fullmatch(r"\d{4}:\d{1,3}", s):
            number = s
            break
        if s and not _is_furniture(line):
            title_lines.append(s)
    title = " ".join(" ".join(title_lines).split()) if number else ""
    if not title:
        longest = max(capitals, key=len, default="")
        longest = re.sub(r"^\d+\s+|\s+\d+$", "", longest)
        title = longest[:1] + longest[1:].lower() if longest else "Rapport"
    lower = text.lower()
    if "statskontoret.se" in lower or "statskontoret" in lower[:5000]:
        publisher = "Statskontoret"
    elif title.lower().startswith("polismyndighetens") or "polismyndighetens tillsyn" in lower[:5000]:
        publisher = "Polismyndigheten"
    else:
        publisher = ""
    issued = None
    match = re.search(r"DATUM\s*\n\s*(\d{4}-\d{2}-\d{2})", text[:5000])
    if match:
        issued = date.fromisoformat(match.group(1))
    return title, number, publisher, issued
