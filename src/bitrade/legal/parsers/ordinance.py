"""Repealed ordinances in the chapter format of Regeringskansliet's archive (Polisförordningen).

    Upphävd författning                          <- the whole document is repealed
    Polisförordning (1984:730)
    Departement … Utfärdad 1984-08-23 … Ändring införd SFS 1984:730 i lydelse enligt SFS 1998:1036

    2 kap. Bestämmelser om den lokala polisorganisationen     <- a chapter
    Organisation                                              <- a heading
    [K2]16 §  Endast länspolismästare, … får avgöra ärenden som gäller
     1. beslut om frihetsberövande,                           <- points
    [S2]6 kap.2, 3, 5 och 9 §§ … utlänningslagen (1989:529),  <- an extraction artefact: not a stycke
    [S3]Utan hinder av bestämmelserna i första stycket …      <- stycke markers
    17 § har upphävts genom förordning (1987:913).            <- repealed paragraf
    Ändringar och övergångsbestämmelser
    Förordning (1985:752) om ändring i polisförordningen (1984:730)   <- one unit per amending act
      Övergångsbestämmelse / Omfattning / Ikraftträder
    Ändring, SFS 1998:1558  Omfattning  upph.                <- the act that repealed the ordinance

A ``[S<n>]`` block that begins in lower case, or with a number after a stycke
ending in a comma, is the rest of the previous stycke broken by the extraction;
it is joined back and the stycken and points after it are numbered in order
(the source's "1.–3." after such a break are really points 8–10; the source
label is kept).  Standard library only.
"""

from __future__ import annotations

import re
from datetime import date

from ..citations import law_by_sfs
from .common import (
    ParsedDocument,
    ParsedUnit,
    ParseError,
    Stycke,
    join_inline_hyphens,
    normalise_text,
    section_address,
    stycke_from_lines,
)

__all__ = ["looks_like_ordinance", "parse_ordinance"]

_CHAPTER_RE = re.compile(r"^(\d{1,2}(?: [a-h])?) kap\.\s+(.+)$")
_SECTION_RE = re.compile(r"^\[K(\d{1,2})\](\d{1,3}(?: [a-h])?) §\s+(.*)$")
_STYCKE_RE = re.compile(r"^\[S(\d{1,2})\](.*)$")
_REPEALED_LINE_RE = re.compile(r"^(\d{1,3}(?: [a-h])?) § har upphävts genom förordning \((\d{4}:\d+)\)\.?\s*$")
_AMENDMENT_RE = re.compile(r"\s*Förordning \((\d{4}:\d+)\)\.\s*$")
_ACT_RE = re.compile(r"^(?:Förordning \((\d{4}:\d+)\) om ändring i .+|Ändring, SFS (\d{4}:\d+))\s*$")
_TITLE_RE = re.compile(r"^(.+?)\s*\((\d{4}:\d+)\)\s*$")
_CHANGES_HEADING = "Ändringar och övergångsbestämmelser"
_ACT_LABELS = frozenset({"Övergångsbestämmelse", "Omfattning", "Ikraftträder"})


def looks_like_ordinance(text: str) -> bool:
    return re.search(r"^\[K\d+\]\d+", text, re.MULTILINE) is not None


def _labelled(lines: list[str], label: str) -> str:
    for i, line in enumerate(lines):
        if line.strip() == label:
            for following in lines[i + 1:i + 4]:
                if following.strip():
                    return following.strip()
    return ""


def parse_ordinance(text: str) -> ParsedDocument:
    text = normalise_text(text)
    if not looks_like_ordinance(text):
        raise ParseError("Texten är inte en förordning med kapitelmarkeringar ([K1]1 §).")
    lines = [join_inline_hyphens(line.rstrip()) for line in text.splitlines()]
    non_empty = [line.strip() for line in lines if line.strip()]
    repealed = non_empty[0].lower().startswith("upphävd")
    title_line = non_empty[1] if repealed else non_empty[0]
    title_match = _TITLE_RE.match(title_line)
    sfs = title_match.group(2) if title_match else ""
    law = law_by_sfs(sfs)

    units: list[ParsedUnit] = []
    chapter: str | None = None
    chapter_title = ""
    heading = ""
    current: ParsedUnit | None = None
    stycke_lines: list[str] | None = None
    in_changes = False
    act_unit: ParsedUnit | None = None
    repealed_by = ""

    def flush() -> None:
        nonlocal stycke_lines
        if current is not None and stycke_lines:
            _append_stycke(current, stycke_lines)
        stycke_lines = None

    started = False
    label = ""
    for raw in lines:
        line = raw.strip()
        if in_changes:
            act = _ACT_RE.match(line)
            if act or line == title_line:
                number = (act.group(1) or act.group(2)) if act else sfs
                act_unit = ParsedUnit(address=f"L{number.replace(':', '-')}", kind="transitional",
                                      title=line, heading=_CHANGES_HEADING)
                units.append(act_unit)
                label = ""
                continue
            if act_unit is not None and line:
                if line in _ACT_LABELS:
                    label = line
                    continue
                if act_unit.title.startswith("Ändring, SFS") and line == "upph.":
                    repealed_by = act_unit.title.split("SFS", 1)[1].strip()
                    act_unit.status_note = f"Förordningen upphävdes genom SFS {repealed_by}"
                    line = "upphävande av förordningen"
                text_line = line if label in ("", "Övergångsbestämmelse") else f"{label}: {line}"
                act_unit.stycken.append(Stycke(len(act_unit.stycken) + 1, text_line))
            continue
        if line == _CHANGES_HEADING:
            flush()
            in_changes, current = True, None
            continue
        chapter_match = _CHAPTER_RE.match(line)
        if chapter_match and not line.startswith("["):
            flush()
            started = True
            chapter, chapter_title, heading, current = chapter_match.group(1), line, "", None
            continue
        if not started:
            continue
        section = _SECTION_RE.match(line)
        repealed_line = _REPEALED_LINE_RE.match(line)
        stycke = _STYCKE_RE.match(line)
        if section:
            flush()
            if section.group(1) != chapter:  # a chapter whose heading the extraction lost ([K7] without "7 kap.")
                chapter, chapter_title, heading = section.group(1), f"{section.group(1)} kap.", ""
            current = ParsedUnit(
                address=section_address(section.group(2), chapter), kind="section", section=section.group(2),
                chapter=chapter, heading=" – ".join(h for h in (chapter_title, heading) if h),
            )
            units.append(current)
            stycke_lines = [section.group(3)]
        elif repealed_line:
            flush()
            current = ParsedUnit(
                address=section_address(repealed_line.group(1), chapter), kind="section",
                section=repealed_line.group(1), chapter=chapter, status="repealed",
                status_note=f"Upphävd genom förordning ({repealed_line.group(2)})",
                amended_by=repealed_line.group(2),
                heading=" – ".join(h for h in (chapter_title, heading) if h),
            )
            current.stycken.append(Stycke(1, line))
            units.append(current)
            current = None
        elif stycke and current is not None:
            flush()
            stycke_lines = [stycke.group(2)]
        elif not line:
            continue
        elif stycke_lines is not None and (raw[:1].isspace() or not _looks_like_heading(line)):
            stycke_lines.append(raw)
        elif _looks_like_heading(line):
            flush()
            heading, current = line, None
        elif stycke_lines is not None:
            stycke_lines.append(raw)
    flush()
    if not any(u.kind == "section" for u in units):
        raise ParseError("Förordningen saknar paragrafer.")
    for unit in units:
        if repealed:
            unit.status = "repealed"
            if not unit.status_note:
                unit.status_note = "Förordningen är upphävd"
    in_force = re.search(r"^Ikraft\s*\n\s*(\d{4}-\d{2}-\d{2})", text, re.MULTILINE)
    amended = re.search(r"i lydelse enligt SFS (\d{4}:\d+)", text)
    note = f"Upphävd genom SFS {repealed_by}" if repealed_by else ("Upphävd" if repealed else "")
    return ParsedDocument(
        key=f"sfs-{sfs.replace(':', '-')}", kind="ordinance", format="ordinance",
        title=f"{title_match.group(1)} ({sfs})" if title_match else title_line, identifier=f"SFS {sfs}",
        status="repealed" if repealed else "in_force", status_note=note,
        law_code=law.code if law else "", sfs=sfs, publisher="Regeringskansliet",
        issued_on=_iso(_labelled(lines, "Utfärdad")), in_force_from=_iso(in_force.group(1)) if in_force else None,
        amended_to=amended.group(1) if amended else "", repealed_by=repealed_by, units=units,
    )


def _iso(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def _looks_like_heading(line: str) -> bool:
    return (
        bool(line) and len(line) <= 80 and line[0].isupper() and line[-1] not in ".,;:"
        and not _POINT_START.match(line)
    )


_POINT_START = re.compile(r"^\d{1,2}\.\s")


def _append_stycke(unit: ParsedUnit, lines: list[str]) -> None:
    first = lines[0].strip()
    previous = unit.stycken[-1] if unit.stycken else None
    broken = previous is not None and first and (
        first[0].islower() or (first[0].isdigit() and previous.text.rstrip().endswith(","))
    )
    if broken:
        # the rest of the previous stycke: append to its last point (or its lead), then take its points
        continuation = stycke_from_lines(previous.number, [" " + lines[0], *lines[1:]], indented_points=False)
        extra = continuation.lead
        if extra:
            if previous.points:
                previous.points[-1].text = f"{previous.points[-1].text} {extra}"
            else:
                previous.lead = f"{previous.lead} {extra}"
        numbered = [p.number for p in previous.points if p.number is not None]
        next_number = (max(numbered) if numbered else 0) + 1
        for point in continuation.points:
            if point.number is not None:
                if point.number != next_number:
                    point.source_label = str(point.number)
                point.number = next_number
                next_number += 1
            previous.points.append(point)
        return
    stycke = stycke_from_lines(len(unit.stycken) + 1, lines, indented_points=False)
    unit.stycken.append(stycke)
    m = _AMENDMENT_RE.search(stycke.points[-1].text if stycke.points else stycke.lead)
    if m:
        if stycke.points:
            stycke.points[-1].text = stycke.points[-1].text[:m.start()].rstrip()
        else:
            stycke.lead = stycke.lead[:m.start()].rstrip()
        unit.amended_by = m.group(1)
