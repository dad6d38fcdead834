"""Police regulations (Polismyndighetens författningssamling), as extracted from the printed PDF.

    Polismyndighetens föreskrifter och allmänna råd
    om verkställighet av kontaktförbud med elektronisk
    övervakning;
    beslutade den 7 februari 2020.
    Polismyndigheten föreskriver följande med stöd av …      <- the preamble (ingress)
    Tillämpningsområde                                       <- a heading
    1 § Dessa föreskrifter och allmänna råd innehåller …    <- a paragraf: "N §", one space
    …kontaktför-                                             <- hyphenated line breaks are joined
    budet …
    Allmänt råd / Allmänna råd                               <- advice: kept apart from the binding text
    …
     1. Dessa föreskrifter och allmänna råd träder i kraft den 1 mars 2020.   <- entry into force
    På Polismyndighetens vägnar …                            <- signature: ignored

A heading is a one-line block followed by a paragraf, another heading or an
advice label; the extraction sometimes glues a heading to the end of the
previous block as an indented line, which is split off again.  A block that
begins in lower case continues the block before it (the extraction put a blank
line inside a sentence).  Standard library only.
"""

from __future__ import annotations

import re

from .common import (
    ParsedDocument,
    ParsedUnit,
    ParseError,
    blocks,
    join_hyphenated_lines,
    normalise_text,
    section_address,
    slugify,
    stycke_from_lines,
    swedish_date,
)

__all__ = ["looks_like_regulation", "parse_regulation"]

_SECTION_RE = re.compile(r"^(\d{1,3}(?: [a-h])?) § (.*)$")
_ADVICE_RE = re.compile(r"^Allmänn?(?:t|a) råd$")
_ENTRY_INTO_FORCE_RE = re.compile(r"^\s*1\. Dessa föreskrifter")
_SIGNATURE_RE = re.compile(r"^På (\w+) vägnar")


def looks_like_regulation(text: str) -> bool:
    head = text[:4000].lower()
    return "författningssamling" in head and "föreskrifter" in head and re.search(
        r"^\d{1,3} § \S", text, re.MULTILINE) is not None


def _is_heading_line(line: str) -> bool:
    s = line.strip()
    return (
        bool(s) and len(s) <= 80 and s[0].isupper() and s[-1] not in ".,;:–-"
        and not _SECTION_RE.match(s) and not s[0].isdigit()
    )


def _split_glued_headings(block: list[str]) -> list[list[str]]:
    """"…ska gälla." + " Organisation och ansvarsområde" in one block -> two blocks; the entry
    into force (" 1. Dessa föreskrifter …") glued to the last paragraf -> its own block."""
    for i, line in enumerate(block[1:], start=1):
        if _ENTRY_INTO_FORCE_RE.match(line):
            return [*_split_glued_headings(block[:i]), block[i:]]
    if len(block) > 1 and block[-1][:1] == " " and _is_heading_line(block[-1]) and block[-2].rstrip().endswith("."):
        return [block[:-1], [block[-1]]]
    return [block]


def _merge_continuations(all_blocks: list[list[str]]) -> list[list[str]]:
    out: list[list[str]] = []
    for block in all_blocks:
        first = block[0].lstrip()
        if out and first[:1].islower() and not out[-1][-1].rstrip().endswith("."):
            out[-1] = out[-1] + block
        else:
            out.append(block)
    return out


def parse_regulation(text: str) -> ParsedDocument:
    text = normalise_text(text)
    if not looks_like_regulation(text):
        raise ParseError("Texten är inte föreskrifter ur en myndighets författningssamling.")
    lines = join_hyphenated_lines(text.splitlines())
    end = next((i for i, line in enumerate(lines) if _SIGNATURE_RE.match(line.strip())), len(lines))
    lines = lines[:end]
    raw_blocks: list[list[str]] = []
    for block in blocks(lines):
        raw_blocks.extend(_split_glued_headings(block))
    all_blocks = _merge_continuations(raw_blocks)

    first = next((i for i, b in enumerate(all_blocks) if _SECTION_RE.match(b[0].strip())), None)
    if first is None:
        raise ParseError("Föreskrifterna saknar paragrafer.")
    preamble_blocks = all_blocks[:first]
    title, decided_on = _title(preamble_blocks)
    units: list[ParsedUnit] = []
    ingress = [b for b in preamble_blocks if "föreskriver följande" in " ".join(b)]
    if ingress:
        preamble = ParsedUnit(address="ingress", kind="preamble", title="Ingress")
        for block in ingress:
            preamble.stycken.append(stycke_from_lines(len(preamble.stycken) + 1, block))
        units.append(preamble)
    # a heading that stands right before the first paragraf ("Tillämpningsområde")
    last = preamble_blocks[-1] if preamble_blocks else []
    headings = [last[0].strip()] if len(last) == 1 and _is_heading_line(last[0]) else []
    pending = bool(headings)  # headings read since the last paragraf; a new one adds to them

    current: ParsedUnit | None = None
    advice = False
    transitional: ParsedUnit | None = None
    body = all_blocks[first:]
    for index, block in enumerate(body):
        first_line = block[0].strip()
        if transitional is not None or _ENTRY_INTO_FORCE_RE.match(block[0]):
            if transitional is None:
                transitional = ParsedUnit(address="ikrafttradande", kind="transitional",
                                          title="Ikraftträdande- och övergångsbestämmelser")
                units.append(transitional)
            transitional.stycken.append(stycke_from_lines(len(transitional.stycken) + 1, block,
                                                          indented_points=False))
            continue
        following = body[index + 1][0].strip() if index + 1 < len(body) else ""
        if _ADVICE_RE.match(first_line) and len(block) == 1:
            advice = True
            continue
        if len(block) == 1 and _is_heading_line(first_line) and (
            _SECTION_RE.match(following) or _is_heading_line(following) or _ADVICE_RE.match(following)
        ):
            headings = [*headings, first_line] if pending else [first_line]
            pending = True
            continue
        section = _SECTION_RE.match(first_line)
        if section:
            advice, pending = False, False
            current = ParsedUnit(address=section_address(section.group(1)), kind="section",
                                 section=section.group(1), heading=" – ".join(headings))
            units.append(current)
            block = [section.group(2), *block[1:]]
        if current is None:
            continue
        if advice:
            current.advice.append(" ".join(" ".join(line.strip() for line in block).split()))
        else:
            current.stycken.append(stycke_from_lines(len(current.stycken) + 1, block, indented_points=False))
    decided = decided_on.isoformat() if decided_on else ""
    in_force = swedish_date(" ".join(s.text for s in transitional.stycken)) if transitional else None
    subject = title.split(" om ", 1)[1] if " om " in title else title
    number = _KNOWN_NUMBERS.get((subject, decided), "")
    identifier = f"{number}, beslutade {decided}" if number else (f"PMFS, beslutade {decided}" if decided else "PMFS")
    return ParsedDocument(
        key=slugify(f"pmfs {subject}", 48), kind="regulation", format="regulation", title=title,
        identifier=identifier, publisher="Polismyndigheten", law_code=number,
        issued_on=decided_on, in_force_from=in_force, units=units,
    )


# The extraction loses the regulation's own number (the page header); the numbers of the regulations in the
# corpus, by subject and decision date, as published in Polismyndighetens författningssamling. The number is
# the citation's "law" (``LAWS`` in ``legal/citations.py``): "18 § PMFS 2020:1".
_KNOWN_NUMBERS = {
    ("verkställighet av kontaktförbud med elektronisk övervakning", "2020-02-07"): "PMFS 2020:1",
}



def _title(preamble: list[list[str]]) -> tuple[str, object]:
    """The regulation's title (the lines from "…föreskrifter" to ";") and the day it was decided."""
    text_lines = [line.strip() for block in preamble for line in block]
    start = next((i for i, line in enumerate(text_lines) if re.match(r"^\w+ föreskrifter", line)), None)
    if start is None:
        return "Föreskrifter", None
    title_lines = []
    for line in text_lines[start:]:
        title_lines.append(line)
        if line.endswith(";") or line.endswith("."):
            break
    title = " ".join(" ".join(title_lines).split()).rstrip(";.").strip()
    decided_line = next((line for line in text_lines if line.startswith("beslutade den")), "")
    return title, swedish_date(decided_line)
