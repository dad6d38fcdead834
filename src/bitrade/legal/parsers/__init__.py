"""Parsers for the formats of the legal corpus.  Pure: standard library only (and the citation
grammar's law table).

``parse_document(text, name)`` recognises the format from the text itself and
returns a ``ParsedDocument`` whose units (paragrafer, transitional provisions,
report sections) each have a stable address.
"""

from __future__ import annotations

from .common import ParsedDocument, ParsedUnit, ParseError, Point, Stycke, normalise_text
from .ordinance import looks_like_ordinance, parse_ordinance
from .regulation import looks_like_regulation, parse_regulation
from .report import looks_like_report, parse_report
from .sfs import looks_like_sfs, parse_sfs

__all__ = [
    "ParseError",
    "ParsedDocument",
    "ParsedUnit",
    "Point",
    "Stycke",
    "detect_format",
    "parse_document",
    "parse_ordinance",
    "parse_regulation",
    "parse_report",
    "parse_sfs",
]


def detect_format(text: str) -> str | None:
    """"ordinance", "sfs", "regulation", "report" or None."""
    text = normalise_text(text)
    if looks_like_ordinance(text):
        return "ordinance"
    if looks_like_sfs(text):
        return "sfs"
    if looks_like_regulation(text):
        return "regulation"
    if looks_like_report(text):
        return "report"
    return None


def parse_document(text: str, name: str = "") -> ParsedDocument:
    """Parse a source text in whichever known format it is.  Raises ``ParseError`` (Swedish)."""
    fmt = detect_format(text)
    if fmt == "ordinance":
        return parse_ordinance(text)
    if fmt == "sfs":
        return parse_sfs(text)
    if fmt == "regulation":
        return parse_regulation(text)
    if fmt == "report":
        return parse_report(text, name=name)
    raise ParseError(f"Okänt format{f' i {name}' if name else ''}: texten är varken en författning, "
                     "föreskrifter eller en rapport med numrerade avsnitt.")
