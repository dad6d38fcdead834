"""Statutes in the SFS text format of Regeringskansliet's legal database (the Police Act).

    Polislag (1984:387)
    SFS nr: 1984:387 … Ändring införd: t.o.m. SFS 2024:809 …

    Allmänna bestämmelser                       <- headings: plain lines
    Polisverksamhetens ändamål

    1 §   Som ett led i … hjälp.                <- a paragraf: "N §" or "N a §", three spaces
                                                <- a blank line starts the next stycke
    Polisverksamhet bedrivs av … Lag (2014:588). <- amendment tag: the act that last changed it
    2 §   Till Polismyndighetens uppgifter hör att
       1. förebygga, …                          <- points, indented
    5 a §   Har upphävts genom lag (2014:588).   <- repealed
    7 a §   Ny beteckning 5 § genom lag (2014:588).
    28 a §   /Upphör att gälla U:2029-04-30 genom lag (2024:224)./ Polismyndigheten får …
    Övergångsbestämmelser
    1984:387
       1. Denna lag träder i kraft …             <- one transitional unit per act

Standard library only.
"""

from __future__ import annotations

import re
from datetime import date

from ..citations import law_by_sfs
from .common import (
    ParsedDocument,
    ParsedUnit,
    ParseError,
    blocks,
    normalise_text,
    section_address,
    stycke_from_lines,
)

__all__ = ["looks_like_sfs", "parse_sfs"]

_SECTION_RE = re.compile(r"^(\d{1,3}(?: [a-h])?) §\s+(.*)$")
_AMENDMENT_RE = re.compile(r"\s*(?:Lag|Förordning) \((\d{4}:\d+)\)\.\s*$")
_REPEALED_RE = re.compile(r"^Har upphävts genom (?:lag|förordning) \((\d{4}:\d+)\)\.?\s*$", re.IGNORECASE)
_RENUMBERED_RE = re.compile(r"^Ny beteckning (.+?) genom (?:lag|förordning) \((\d{4}:\d+)\)\.?\s*$", re.IGNORECASE)
_EXPIRES_RE = re.compile(r"^/Upphör att gälla U:(\d{4}-\d{2}-\d{2}) genom (?:lag|förordning) \((\d{4}:\d+)\)\./\s*")
_COMING_RE = re.compile(r"^/Träder i kraft I:(\d{4}-\d{2}-\d{2})/\s*")
_SFS_RE = re.compile(r"SFS nr:\s*(\d{4}:\d+)")
_TITLE_RE = re.compile(r"^(.+?)\s*\((\d{4}:\d+)\)\s*$")
_TRANSITIONAL_HEADING = "Övergångsbestämmelser"
_TRANSITIONAL_ACT_RE = re.compile(r"^(\d{4}:\d+)\s*$")


def looks_like_sfs(text: str) -> bool:
    text = normalise_text(text)
    return bool(_SFS_RE.search(text[:3000])) and re.search(r"^\d{1,3}(?: [a-h])? §\s{2,}\S", text, re.MULTILINE) is not None


def _is_heading(block: list[str], following: list[str] | None) -> bool:
    if len(block) != 1:
        return False
    line = block[0].strip()
    if not line or len(line) > 90 or _SECTION_RE.match(line) or _TRANSITIONAL_ACT_RE.match(line):
        return False
    if line[-1] in ",;:" or (line.endswith(".") and not line.endswith("m.m.")):
        return False
    if not line[0].isupper():
        return False
    return following is None or bool(_SECTION_RE.match(following[0].strip())) or _is_heading(following, None)


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def parse_sfs(text: str) -> ParsedDocument:
    text = normalise_text(text)
    if not looks_like_sfs(text):
        raise ParseError("Texten är inte en författning i SFS-format (rubrik med ”SFS nr:” och paragrafer ”N §”).")
    lines = text.splitlines()
    title_line = next(line.strip() for line in lines if line.strip())
    sfs_match = _SFS_RE.search(text)
    sfs = sfs_match.group(1) if sfs_match else ""
    title_match = _TITLE_RE.match(title_line)
    title = title_line if title_match is None else f"{title_match.group(1)} ({title_match.group(2)})"
    law = law_by_sfs(sfs)

    all_blocks = blocks(lines)
    first = next((i for i, b in enumerate(all_blocks) if _SECTION_RE.match(b[0].strip())), None)
    if first is None:
        raise ParseError("Författningen saknar paragrafer.")
    start = first
    while start > 0 and _is_heading(all_blocks[start - 1], all_blocks[start]):
        start -= 1

    units: list[ParsedUnit] = []
    headings: list[str] = []
    heading_pending = False
    current: ParsedUnit | None = None
    transitional = False
    body = all_blocks[start:]
    for index, block in enumerate(body):
        following = body[index + 1] if index + 1 < len(body) else None
        first_line = block[0].strip()
        if first_line == _TRANSITIONAL_HEADING:
            transitional, current = True, None
            continue
        if transitional:
            act = _TRANSITIONAL_ACT_RE.match(first_line)
            if act:
                current = ParsedUnit(address=f"L{act.group(1).replace(':', '-')}", kind="transitional",
                                     title=f"Övergångsbestämmelser till {act.group(1)}", heading=_TRANSITIONAL_HEADING)
                units.append(current)
                block = block[1:]
                if not block:
                    continue
            if current is not None:
                current.stycken.append(stycke_from_lines(len(current.stycken) + 1, block))
            continue
        if _is_heading(block, following):
            headings = headings + [first_line] if heading_pending else [first_line]
            heading_pending = True
            continue
        section = _SECTION_RE.match(first_line)
        if section:
            heading_pending = False
            current = ParsedUnit(address=section_address(section.group(1)), kind="section",
                                 section=section.group(1), heading=" – ".join(headings))
            units.append(current)
            block = [section.group(2), *block[1:]]
            _markers(current, block)
            if not any(line.strip() for line in block):
                continue
        elif current is None:
            continue
        heading_pending = False
        _add_stycke(current, block)

    for unit in units:
        _strip_amendment(unit)
    expiring = [u for u in units if u.status == "expiring"]
    status, note = "in_force", ""
    if expiring:
        status = "partly_expiring"
        note = "; ".join(f"{u.section} § upphör att gälla {u.expires_on.isoformat()}" for u in expiring if u.expires_on)
    issued_match = re.search(r"Utfärdad:\s*(\d{4}-\d{2}-\d{2})", text)
    issued = _date(issued_match.group(1)) if issued_match else None
    amended = re.search(r"t\.o\.m\.\s*SFS\s*(\d{4}:\d+)", text)
    return ParsedDocument(
        key=f"sfs-{sfs.replace(':', '-')}", kind="statute", format="sfs", title=title,
        identifier=f"SFS {sfs}", status=status, status_note=note,
        law_code=law.code if law else "", sfs=sfs, publisher="Regeringskansliet",
        issued_on=issued, amended_to=amended.group(1) if amended else "", units=units,
    )


def _markers(unit: ParsedUnit, block: list[str]) -> None:
    """Repeal, renumbering, expiry and entry-into-force markers at the start of a paragraf."""
    first = block[0].strip()
    if (m := _REPEALED_RE.match(first)) is not None:
        unit.status, unit.status_note, unit.amended_by = "repealed", f"Upphävd genom lag ({m.group(1)})", m.group(1)
    elif (m := _RENUMBERED_RE.match(first)) is not None:
        unit.status = "repealed"
        unit.status_note = f"Ny beteckning {m.group(1)} genom lag ({m.group(2)})"
        unit.amended_by = m.group(2)
    elif (m := _EXPIRES_RE.match(first)) is not None:
        unit.status, unit.expires_on = "expiring", _date(m.group(1))
        unit.status_note = f"Upphör att gälla {m.group(1)} genom lag ({m.group(2)})"
        block[0] = first[m.end():]
    elif (m := _COMING_RE.match(first)) is not None:
        unit.status, unit.status_note = "coming", f"Träder i kraft {m.group(1)}"
        block[0] = first[m.end():]


def _add_stycke(unit: ParsedUnit, block: list[str]) -> None:
    lines = [line for line in block if line.strip()]
    if not lines:
        return
    if len(lines) == 1 and _AMENDMENT_RE.fullmatch(" " + lines[0].strip()) and unit.stycken:
        # "Lag (2014:588)." alone after a blank line belongs to the paragraf, not a new stycke
        unit.stycken[-1].tail = (unit.stycken[-1].tail + " " + lines[0].strip()).strip()
        return
    unit.stycken.append(stycke_from_lines(len(unit.stycken) + 1, lines))


def _strip_amendment(unit: ParsedUnit) -> None:
    """Move the closing "Lag (2014:588)." out of the text into ``amended_by``."""
    if not unit.stycken:
        return
    last = unit.stycken[-1]
    for attr in ("tail", "lead"):
        value = getattr(last, attr)
        if attr == "lead" and (last.points or last.tail):
            continue
        m = _AMENDMENT_RE.search(value)
        if m:
            setattr(last, attr, value[:m.start()].rstrip())
            unit.amended_by = unit.amended_by or m.group(1)
            return
    if last.points and not last.tail:
        point = last.points[-1]
        m = _AMENDMENT_RE.search(point.text)
        if m:
            point.text = point.text[:m.start()].rstrip()
            unit.amended_by = unit.amended_by or m.group(1)
