"""What every parser returns, and the text clean-up they share.  Standard library only."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

__all__ = [
    "DOCUMENT_KINDS",
    "DOCUMENT_STATUSES",
    "UNIT_KINDS",
    "UNIT_STATUSES",
    "ParseError",
    "ParsedDocument",
    "ParsedUnit",
    "Point",
    "Stycke",
    "join_hyphenated_lines",
    "normalise_text",
    "section_address",
    "slugify",
    "swedish_date",
]

# Kinds of documents, in the order search results prefer them when everything else is equal.
DOCUMENT_KINDS = ("statute", "ordinance", "regulation", "report")
DOCUMENT_STATUSES = ("in_force", "partly_expiring", "repealed")
UNIT_KINDS = ("section", "transitional", "preamble", "report_section")
UNIT_STATUSES = ("in_force", "expiring", "coming", "repealed")


class ParseError(ValueError):
    """The text is not in a format the parsers know.  The message is Swedish."""


@dataclass
class Point:
    """A numbered point (punkt) or a dash item of a stycke."""

    number: int | None  # None for a dash item
    text: str
    source_label: str = ""  # the number as the source wrote it, when it had to be renumbered

    @property
    def label(self) -> str:
        return f"{self.number}." if self.number is not None else "–"


@dataclass
class Stycke:
    number: int
    lead: str  # the text before the points (all of it when there are none)
    points: list[Point] = field(default_factory=list)
    tail: str = ""  # text after the points, in the same stycke

    @property
    def text(self) -> str:
        parts = [self.lead] if self.lead else []
        parts += [f"{p.label} {p.text}" for p in self.points]
        if self.tail:
            parts.append(self.tail)
        return "\n".join(parts)

    def as_dict(self) -> dict:
        return {
            "n": self.number, "lead": self.lead, "tail": self.tail,
            "points": [{"n": p.number, "text": p.text, "source_label": p.source_label} for p in self.points],
        }


@dataclass
class ParsedUnit:
    """A paragraf (section) of a statute or regulation, a transitional provision, or a numbered
    section of a report.  ``address`` is stable across versions: "P17", "P29a", "K2P16",
    "L2023-425", "avsnitt-2.2"."""

    address: str
    kind: str
    section: str | None = None  # "29 a", "16", "2.2"
    chapter: str | None = None  # "2" for "2 kap."
    title: str = ""  # a report section's title; the amending act of a transitional provision
    heading: str = ""  # the headings above the unit in the source ("Tillfälliga omhändertaganden …")
    stycken: list[Stycke] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)  # "Allmänt råd" blocks, kept apart from binding text
    status: str = "in_force"
    status_note: str = ""
    expires_on: date | None = None
    amended_by: str = ""  # "2014:588" from "Lag (2014:588)."
    notes: list[str] = field(default_factory=list)  # a report section's footnotes

    @property
    def text(self) -> str:
        return "\n\n".join(s.text for s in self.stycken)

    @property
    def advice_text(self) -> str:
        return "\n\n".join(self.advice)

    @property
    def point_count(self) -> int:
        return sum(1 for s in self.stycken for p in s.points if p.number is not None)


@dataclass
class ParsedDocument:
    key: str
    kind: str
    format: str
    title: str
    identifier: str  # "SFS 1984:387", "Statskontoret 2022:1"
    status: str = "in_force"
    status_note: str = ""
    law_code: str = ""  # "PL" when the citation grammar knows the law
    sfs: str = ""
    publisher: str = ""
    issued_on: date | None = None
    in_force_from: date | None = None
    amended_to: str = ""
    repealed_by: str = ""
    units: list[ParsedUnit] = field(default_factory=list)

    def unit(self, address: str) -> ParsedUnit | None:
        return next((u for u in self.units if u.address == address), None)


# --------------------------------------------------------------------------- helpers

MONTHS = {
    "januari": 1, "februari": 2, "mars": 3, "april": 4, "maj": 5, "juni": 6, "juli": 7, "augusti": 8,
    "september": 9, "oktober": 10, "november": 11, "december": 12,
}
_SWEDISH_DATE_RE = re.compile(r"(\d{1,2})\s+(" + "|".join(MONTHS) + r")\s+(\d{4})", re.IGNORECASE)


def swedish_date(text: str) -> date | None:
    """The first "7 februari 2020" in the text, as a date."""
    match = _SWEDISH_DATE_RE.search(text)
    if match is None:
        return None
    return date(int(match.group(3)), MONTHS[match.group(2).lower()], int(match.group(1)))


def normalise_text(text: str) -> str:
    """NFC, no carriage returns, no form feeds or soft hyphens, non-breaking spaces as spaces."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    return text.replace("\u00ad", "").replace("\u00a0", " ")


def section_address(section: str, chapter: str | None = None) -> str:
    """"29 a" -> "P29a"; chapter 2, "16" -> "K2P16" (lagen.nu's fragment letters)."""
    address = "P" + section.replace(" ", "")
    return f"K{chapter.replace(' ', '')}{address}" if chapter else address


_CONJUNCTIONS = frozenset({"och", "eller", "samt", "som", "respektive", "till", "resp"})


def join_hyphenated_lines(lines: list[str]) -> list[str]:
    """Join words broken over two lines ("kontaktför-" / "budet" -> "kontaktförbudet").

    A suspended compound keeps its hyphen ("brottsoffer- och personsäkerhetsgrupp");
    an acronym keeps it too ("JO-" / "beslut" -> "JO-beslut").  Blank lines
    between the two halves are dropped (the extraction sometimes puts one there).
    """
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        while line.endswith("-") and len(line) >= 2 and line[-2].isalpha():
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j >= len(lines):
                break
            following = lines[j].lstrip()
            if not following or not following[0].islower():
                break
            word = following.split()[0].rstrip(",.;:")
            if word in _CONJUNCTIONS:
                line = line + " " + following
            elif line[-2].isupper():
                line = line + following
            else:
                line = line[:-1] + following
            i = j
        out.append(line)
        i += 1
    return out


_INLINE_HYPHEN_RE = re.compile(r"(?<=[a-zåäö]{2})- (?=([a-zåäö]+))")
_INLINE_BROKEN_RE = re.compile(r"(?<=[a-zåäö]{4})-(?=[a-zåäö]{4})")


def join_inline_hyphens(text: str) -> str:
    """Join words an extraction broke inside a line ("polismyndig- heten", "polis-myndighet");
    suspended compounds ("fri- och rättigheter") and short prefixes ("it-system") stay."""

    def spaced(match: re.Match) -> str:
        return "- " if match.group(1) in _CONJUNCTIONS else ""

    return _INLINE_BROKEN_RE.sub("", _INLINE_HYPHEN_RE.sub(spaced, text))


def slugify(text: str, max_length: int = 60) -> str:
    """"Polismyndighetens föreskrifter" -> "polismyndighetens-foreskrifter" (cut at a word)."""
    plain = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug


def blocks(lines: list[str]) -> list[list[str]]:
    """Lines grouped into blocks separated by blank lines."""
    out: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line)
        elif current:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


_POINT_RE = re.compile(r"^\s*(\d{1,2})\.\s+(.*)$")
_DASH_RE = re.compile(r"^\s*[-–•]\s+(.*)$")


def stycke_from_lines(number: int, lines: list[str], *, indented_points: bool = True) -> Stycke:
    """A stycke from its lines: lead text, then numbered points or dash items (one or more lines
    each), then any text after them.  Soft line breaks become spaces."""
    lead: list[str] = []
    points: list[Point] = []
    current: list[str] | None = None
    for line in lines:
        point = _POINT_RE.match(line)
        dash = _DASH_RE.match(line)
        is_point = point is not None and (not indented_points or line[:1].isspace() or points)
        if is_point:
            points.append(Point(int(point.group(1)), ""))
            current = [point.group(2)]
            points[-1].text = current  # type: ignore[assignment]
        elif dash is not None:
            points.append(Point(None, ""))
            current = [dash.group(1)]
            points[-1].text = current  # type: ignore[assignment]
        elif current is not None:
            current.append(line.strip())
        else:
            lead.append(line.strip())
    for p in points:
        p.text = " ".join(" ".join(p.text).split())  # type: ignore[arg-type]
    return Stycke(number, " ".join(" ".join(lead).split()), points)
