"""Statute citations: parsing what requesters write, and the one canonical form.

Pure module: standard library and lark only.

``parse_citation`` reads the forms used in requests for handräckning
("47 § andra stycket 3 LPT", "LPT 47 § 2 st. p. 3", "45 § 1 p. LVM",
"47 § 2 st 3 p. lagen (1991:1128) om psykiatrisk tvångsvård", "29 a § polislagen",
"27 § LRV jfr 47 § andra stycket 3 LPT", ...) into a ``Citation``.  The grammar is
in ``citation.lark`` beside this module; the terminal for law names is generated
from ``LAWS`` so that adding a law is a table change.

``format_citation`` is the only function in the code base that writes a citation
as text.  The canonical form is::

    [<chapter> kap.] <section> § [<ordinal> stycket] [<point>] <LAW> [jfr <applied citation>]

for example "47 § andra stycket 3 LPT", "45 § första stycket 1 LVM", "29 a § PL",
"16 § andra stycket PL", "27 § LRV jfr 47 § andra stycket 3 LPT", and for a law
divided into chapters "2 kap. 16 § PF".

Canonical-form rule: the text shows exactly what the citation holds.  A stycke is
written as an ordinal word (första … tionde; "11:e stycket" beyond ten) whenever
it is known; a point is a bare number after the stycke, or directly after "§"
when the stycke is not given ("45 § 1 LVM" — Swedish practice when a section has
its points in one stycke).  The legal-basis catalogue always stores the stycke
that holds the points (LPT 47 § andra stycket; LVM 45 §, LVU 43 § första
stycket), so every catalogue citation names its stycke: "45 § första stycket 1
LVM".  The short form "45 § 1 LVM" is accepted on input and resolved to the same
entry by the catalogue.  A law that is not in ``LAWS`` but is named by its SFS
number keeps that number as its code and is written "lagen (2001:453)".

``find_citations`` finds the citations in running text (a report, a review
message): a trigger expression proposes where a citation may start and the
grammar takes the longest text from there that it can read, the way lagen.nu's
citation parser does.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

__all__ = [
    "LAWS",
    "ORDINALS",
    "Citation",
    "CitationSyntaxError",
    "Law",
    "find_citations",
    "find_law_code",
    "format_citation",
    "law_by_sfs",
    "parse_citation",
]

MAX_CITATION_LENGTH = 300
MAX_NUMBER = 999


class CitationSyntaxError(ValueError):
    """The text is not a citation this module understands.  The message is Swedish."""


@dataclass(frozen=True)
class Law:
    code: str
    name: str
    sfs: str
    repealed: bool = False
    # Regex fragments (lower case, words separated by single spaces) that name the law
    # in full.  ``title`` follows "lag"/"lagen"; ``stem`` is a one-word name such as
    # "polislag" that may take the definite ending "-en".
    title: str | None = None
    stem: str | None = None
    #: An authority's regulation (no SFS number): its code is its number in the authority's series.
    regulation: bool = False


LAWS: dict[str, Law] = {
    law.code: law
    for law in (
        Law("LPT", "lagen (1991:1128) om psykiatrisk tvångsvård", "1991:1128",
            title="om psykiatrisk tvångsvård"),
        Law("LRV", "lagen (1991:1129) om rättspsykiatrisk vård", "1991:1129",
            title="om rättspsykiatrisk vård"),
        Law("LVM", "lagen (1988:870) om vård av missbrukare i vissa fall", "1988:870",
            title="om vård av missbrukare i vissa fall"),
        Law("LVU", "lagen (1990:52) med särskilda bestämmelser om vård av unga", "1990:52",
            title="med särskilda bestämmelser om vård av unga"),
        Law("PL", "polislagen (1984:387)", "1984:387", stem="polislag"),
        Law("PF", "polisförordningen (1984:730)", "1984:730", repealed=True, stem="polisförordning"),
        Law("LKF", "lagen (1988:688) om kontaktförbud", "1988:688", title="om kontaktförbud"),
        # Migrationsverket's requests for executive assistance rest on 9–12 kap. (see the catalogue).
        Law("UtlL", "utlänningslagen (2005:716)", "2005:716", stem="utlänningslag"),
        # A Police regulation (no SFS number): cited by its PMFS number, "18 § PMFS 2020:1".
        Law("PMFS 2020:1", "Polismyndighetens föreskrifter och allmänna råd (PMFS 2020:1, FAP 438-1) om "
            "verkställighet av kontaktförbud med elektronisk övervakning", "PMFS 2020:1", regulation=True),
    )
}

ORDINALS: tuple[str, ...] = (
    "första", "andra", "tredje", "fjärde", "femte", "sjätte", "sjunde", "åttonde", "nionde", "tionde",
)
_ORDINAL_VALUE = {word: i + 1 for i, word in enumerate(ORDINALS)}

_SECTION_RE = re.compile(r"[1-9][0-9]*(?: [a-h])?")
#: A chapter, or a run of chapters ("9–12") when a provision is cited by its chapters only.
_CHAPTER_RE = re.compile(r"[1-9][0-9]*(?: [a-h])?(?:–[1-9][0-9]*(?: [a-h])?)?")
_CODES_UPPER = {code.upper(): code for code in LAWS}
_SFS_RE = re.compile(r"([0-9]{4})\s*:\s*([0-9]+)")


def law_by_sfs(sfs: str) -> Law | None:
    for law in LAWS.values():
        if law.sfs == sfs:
            return law
    return None


def _normal_sfs(text: str) -> str:
    match = _SFS_RE.search(text)
    if match is None:  # pragma: no cover - the grammar guarantees a number
        raise CitationSyntaxError("SFS-numret kunde inte tolkas.")
    return f"{match.group(1)}:{int(match.group(2))}"


@dataclass(frozen=True)
class Citation:
    """A reference to a section (paragraf), optionally its stycke and punkt.

    A provision cited by its chapters only ("9–12 kap. UtlL") has ``section`` "" and ``chapter`` "9–12";
    it has no stycke or punkt.

    ``applied`` holds a provision read together with this one ("jfr"), as in
    "27 § LRV jfr 47 § andra stycket 3 LPT".  ``sfs`` is filled in from ``LAWS``
    for known laws, so two citations of the same provision compare equal however
    the law was named.
    """

    law: str
    sfs: str | None
    section: str
    paragraph: int | None = None
    point: int | None = None
    applied: Citation | None = None
    chapter: str | None = None

    def __post_init__(self) -> None:
        if self.section == "":
            if self.chapter is None or self.paragraph is not None or self.point is not None:
                raise ValueError("Ett lagrum utan paragraf anger kapitel och varken stycke eller punkt.")
        elif not _SECTION_RE.fullmatch(self.section):
            raise ValueError(f"Ogiltig paragrafbeteckning: {self.section!r}")
        if self.chapter is not None and not (
            _CHAPTER_RE.fullmatch(self.chapter) if self.section == "" else _SECTION_RE.fullmatch(self.chapter)
        ):
            raise ValueError(f"Ogiltig kapitelbeteckning: {self.chapter!r}")
        for value in (self.paragraph, self.point):
            if value is not None and not (1 <= value <= MAX_NUMBER):
                raise ValueError(f"Ogiltigt styckes- eller punktnummer: {value!r}")
        known = LAWS.get(self.law)
        if known is not None:
            if self.sfs is None:
                object.__setattr__(self, "sfs", known.sfs)
            elif self.sfs != known.sfs:
                raise ValueError(f"SFS-numret {self.sfs} hör inte till {known.code}")
        elif self.sfs is None:
            if not _SFS_RE.fullmatch(self.law):
                raise ValueError(f"Okänd lag: {self.law!r}")
            object.__setattr__(self, "sfs", self.law)

    @classmethod
    def of(
        cls, law: str, section: str, paragraph: int | None = None, point: int | None = None,
        applied: Citation | None = None, chapter: str | None = None,
    ) -> Citation:
        return cls(law=law, sfs=None, section=section, paragraph=paragraph, point=point, applied=applied,
                   chapter=chapter)

    @property
    def canonical(self) -> str:
        return format_citation(self.law, self.section, self.paragraph, self.point, applied=self.applied,
                               chapter=self.chapter)

    @property
    def provision(self) -> Citation:
        """The same citation without stycke, punkt and applied provision."""
        return Citation(self.law, self.sfs, self.section, chapter=self.chapter)

    def __str__(self) -> str:
        return self.canonical


def _ordinal(n: int) -> str:
    if 1 <= n <= len(ORDINALS):
        return ORDINALS[n - 1]
    suffix = "a" if n % 10 in (1, 2) and n % 100 not in (11, 12) else "e"
    return f"{n}:{suffix}"


def format_citation(
    law: str,
    section: str,
    paragraph: int | None = None,
    point: int | None = None,
    *,
    applied: Citation | None = None,
    chapter: str | None = None,
) -> str:
    """The canonical Swedish citation; see the module docstring for the rule."""
    if chapter and not section:
        parts = [f"{chapter} kap."]
    else:
        parts = [f"{chapter} kap.", f"{section} §"] if chapter else [f"{section} §"]
    if paragraph is not None:
        parts.append(f"{_ordinal(paragraph)} stycket")
    if point is not None:
        parts.append(str(point))
    known = LAWS.get(law)
    parts.append(known.code if known is not None else f"lagen ({law})")
    text = " ".join(parts)
    if applied is not None:
        text += " jfr " + format_citation(
            applied.law, applied.section, applied.paragraph, applied.point, applied=applied.applied,
            chapter=applied.chapter,
        )
    return text


# --------------------------------------------------------------------------- grammar

_SFS_PAREN = r"\(\s*(?:sfs\s*)?[0-9]{4}\s*:\s*[0-9]+\s*\)"
_SFS_BARE = r"(?:sfs\s*)?[0-9]{4}\s*:\s*[0-9]+"
_END = r"(?![a-zåäö])"


def _words(fragment: str) -> str:
    return r"\s+".join(re.escape(word) for word in fragment.split())


def _law_name_regex(law: Law) -> str | None:
    if law.title is not None:
        return rf"(?:i\s+)?lag(?:en)?\s*(?:{_SFS_PAREN}\s*)?{_words(law.title)}(?:\s*{_SFS_PAREN}|{_END})"
    if law.stem is not None:
        return rf"(?:i\s+)?{re.escape(law.stem)}(?:en)?(?:\s*{_SFS_PAREN}|{_END})"
    return None


_LAW_NAME_RES = {code: re.compile(rx) for code, law in LAWS.items() if (rx := _law_name_regex(law))}
_GENERIC_LAW_RE = re.compile(rf"(?:lag(?:en)?|förordning(?:en)?)\s*{_SFS_PAREN}|{_SFS_PAREN}|{_SFS_BARE}")


def _law_terminal() -> str:
    names = [rx.pattern for rx in _LAW_NAME_RES.values()]
    codes = "|".join(sorted((re.escape(code.lower()) for code in LAWS), key=len, reverse=True))
    alternatives = [*names, rf"(?:{codes}){_END}", _GENERIC_LAW_RE.pattern]
    return "(?:" + "|".join(alternatives) + ")"


@lru_cache(maxsize=1)
def _parser() -> Lark:
    text = (Path(__file__).with_name("citation.lark")).read_text(encoding="utf-8")
    law_line = f"LAW.3: /{_law_terminal()}/"
    lines = [law_line if line.startswith("// LAW_TERMINAL") else line for line in text.splitlines()]
    return Lark("\n".join(lines), parser="lalr", lexer="contextual", maybe_placeholders=False)


def _identify_law(token: str) -> tuple[str, str]:
    """(law code, sfs) named by a LAW token."""
    text = " ".join(token.split())
    for code, rx in _LAW_NAME_RES.items():
        if rx.fullmatch(text):
            law = LAWS[code]
            for match in _SFS_RE.finditer(text):
                sfs = f"{match.group(1)}:{int(match.group(2))}"
                if sfs != law.sfs:
                    raise CitationSyntaxError(
                        f"SFS-numret {sfs} stämmer inte med {law.name}; kontrollera lagens namn och nummer."
                    )
            return code, law.sfs
    if text.upper() in _CODES_UPPER:
        law = LAWS[_CODES_UPPER[text.upper()]]
        return law.code, law.sfs
    sfs = _normal_sfs(text)
    known = law_by_sfs(sfs)
    if known is not None:
        return known.code, known.sfs
    return sfs, sfs


def _number(token: Token) -> int:
    text = str(token)
    if text in _ORDINAL_VALUE:
        return _ORDINAL_VALUE[text]
    value = int(text.split(":")[0])
    if value < 1:
        raise CitationSyntaxError("Paragraf-, styckes- och punktnummer måste vara större än noll.")
    if value > MAX_NUMBER:
        raise CitationSyntaxError(f"Orimligt högt nummer i lagrummet: {value}.")
    return value


@dataclass(frozen=True)
class _Chapter:
    value: str


@v_args(inline=True)
class _ToCitation(Transformer):
    def start(self, *children):
        return children[-1]

    def citation(self, first, *rest):
        if rest:
            second = rest[-1]
            return Citation(first.law, first.sfs, first.section, first.paragraph, first.point, applied=second,
                            chapter=first.chapter)
        return first

    def single(self, *children):
        laws = [c for c in children if isinstance(c, tuple) and c and c[0] == "law"]
        chapter = next((c.value for c in children if isinstance(c, _Chapter)), None)
        section = next((c for c in children if isinstance(c, str)), "")
        tail = next((c for c in children if isinstance(c, dict)), {})
        laws += tail.get("laws", [])
        if not laws and not section:
            raise CitationSyntaxError("Lagrummet anger kapitel men ingen lag; skriv t.ex. ”9–12 kap. UtlL”.")
        if not laws:
            raise CitationSyntaxError(
                f"Lagrummet ”{section} §” anger ingen lag; skriv t.ex. ”{section} § LPT”, LRV, LVM eller LVU."
            )
        if len(laws) > 1:
            raise CitationSyntaxError("Lagrummet anger mer än en lag för samma paragraf.")
        _, code, sfs = laws[0]
        return Citation(code, sfs, section, tail.get("paragraph"), tail.get("point"), chapter=chapter)

    def LAW(self, token):  # noqa: N802 - lark terminal callback
        code, sfs = _identify_law(str(token))
        return ("law", code, sfs)

    def tail(self, *children):
        result: dict = {"laws": []}
        for child in children:
            if isinstance(child, tuple):
                result["laws"].append(child)
            elif isinstance(child, dict):
                result.update(child)
        return result

    def spec(self, *children):
        result: dict = {}
        for child in children:
            result.update(child)
        return result

    def chapter(self, number, _kw):
        return _Chapter(str(_number(number)))

    def chapters(self, first, _dash, last, _kw):
        a, b = _number(first), _number(last)
        if b <= a:
            raise CitationSyntaxError(f"Kapitlen {a}–{b} är inte en följd av kapitel.")
        return _Chapter(f"{a}–{b}")

    def section(self, number, *rest):
        value = _number(number)
        letter = next((str(t) for t in rest if t.type == "LETTER"), None)
        return f"{value} {letter}" if letter else str(value)

    def num(self, token):
        return _number(token)

    def stycke_pre(self, value, _kw):
        return {"paragraph": value}

    def stycke_post(self, _kw, value):
        return {"paragraph": _number(value)}

    def punkt_pre(self, value, _kw):
        return {"point": value}

    def punkt_post(self, _kw, value):
        return {"point": _number(value)}

    def punkt_bare(self, value):
        return {"point": _number(value)}


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


_LAW_SEARCH_RE = re.compile(rf"(?<![a-zåäö0-9]){_law_terminal()}")


def find_law_code(text: str) -> str | None:
    """The first law named anywhere in a free text, or None; used to help when a citation
    cannot be parsed ("handräckning enligt LPT")."""
    match = _LAW_SEARCH_RE.search(normalise(text)[: 4 * MAX_CITATION_LENGTH])
    if match is None:
        return None
    try:
        return _identify_law(match.group(0))[0]
    except CitationSyntaxError:
        return None


def parse_citation(text: str) -> Citation:
    """Parse a citation as a requester wrote it.  Raises ``CitationSyntaxError``.

    Requests cite a small set of provisions over and over, and one request's citation is read more than
    once (the formal review, the catalogue's resolution): a parsed citation (immutable) is kept per text
    for the process; a text that fails is parsed again each time (lru_cache keeps no exceptions)."""
    if not isinstance(text, str):
        raise CitationSyntaxError("Lagrummet måste vara text.")
    return _parse_citation(text)


@lru_cache(maxsize=2048)
def _parse_citation(text: str) -> Citation:
    norm = normalise(text)
    if not norm:
        raise CitationSyntaxError("Lagrummet är tomt.")
    if len(norm) > MAX_CITATION_LENGTH:
        raise CitationSyntaxError(f"Lagrummet är för långt för att tolkas (högst {MAX_CITATION_LENGTH} tecken).")
    try:
        tree = _parser().parse(norm)
    except UnexpectedCharacters as exc:
        char = norm[exc.pos_in_stream] if exc.pos_in_stream is not None else "?"
        raise CitationSyntaxError(
            f"Lagrummet ”{text.strip()}” kunde inte tolkas: oväntat tecken ”{char}” vid position {exc.column}."
        ) from None
    except UnexpectedEOF:
        raise CitationSyntaxError(f"Lagrummet ”{text.strip()}” är ofullständigt.") from None
    except UnexpectedToken as exc:
        if exc.token.type == "$END":
            raise CitationSyntaxError(f"Lagrummet ”{text.strip()}” är ofullständigt.") from None
        raise CitationSyntaxError(
            f"Lagrummet ”{text.strip()}” kunde inte tolkas: ”{exc.token}” är oväntat vid position {exc.column}."
        ) from None
    except UnexpectedInput:  # pragma: no cover - the three cases above are exhaustive today
        raise CitationSyntaxError(f"Lagrummet ”{text.strip()}” kunde inte tolkas.") from None
    try:
        return _ToCitation().transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, CitationSyntaxError):
            raise exc.orig_exc from None
        if isinstance(exc.orig_exc, ValueError):
            raise CitationSyntaxError(f"Lagrummet ”{text.strip()}” kunde inte tolkas.") from None
        raise


# --------------------------------------------------------------------------- citations in running text

# Where a citation may start: "[N kap.] N [a] §", or a law code right before it ("LPT 47 §").
_TRIGGER_RE = re.compile(
    r"(?<![0-9a-zåäö§])(?:(?:lpt|lrv|lvm|lvu|pl|pf|lkf|utll)\s+)?(?:[0-9]{1,3}\s*kap(?:itlet)?\.?\s*)?"
    r"[0-9]{1,3}\s*(?:[a-h]\s*)?§(?!§)"
    r"|(?<![0-9a-zåäö§])[0-9]{1,2}\s*[-–]\s*[0-9]{1,2}\s*kap(?:itlen)?\.?(?=\s*(?:utl|lagen\s*\(2005))",
)
# Words that end a citation in running text: "och"/"samt" join two provisions in a list there,
# which the grammar (made for requests) would read as one provision applied with another.
_LIST_WORD_RE = re.compile(r"\s(?:och|samt|eller|respektive)\s")
_TOKEN_END_RE = re.compile(r"[^\s,;]+")
_MAX_TOKENS = 14


@dataclass(frozen=True)
class FoundCitation:
    start: int
    end: int
    text: str
    citation: Citation


def find_citations(text: str) -> list[FoundCitation]:
    """The citations in a running text, in order, each with its position.

    From every place the trigger expression matches, the longest run of words
    (at most 14) that the grammar can read is taken.  A reference without a law
    ("enligt andra stycket", "13 § andra stycket" inside a statute) is not a
    citation here: it has no law to point to.
    """
    found: list[FoundCitation] = []
    if not text:
        return found
    norm = unicodedata.normalize("NFKC", text)
    lower = norm.lower()
    position = 0
    for match in _TRIGGER_RE.finditer(lower):
        start = match.start()
        if start < position:
            continue
        window = lower[start:start + 4 * MAX_CITATION_LENGTH // 3]
        stop = _LIST_WORD_RE.search(window, match.end() - start)
        if stop is not None:
            window = window[:stop.start()]
        law = _LAW_SEARCH_RE.search(window)
        if law is None:
            continue
        ends = [m.end() for m in _TOKEN_END_RE.finditer(window)][:_MAX_TOKENS]
        for end in reversed([e for e in ends if e >= law.end()]):
            candidate = window[:end].rstrip(".,;:")
            while candidate.endswith(")") and candidate.count(")") > candidate.count("("):
                candidate = candidate[:-1].rstrip(".,;:")
            if candidate.count("(") != candidate.count(")"):
                continue
            try:
                citation = parse_citation(candidate)
            except CitationSyntaxError:
                continue
            found.append(FoundCitation(start, start + len(candidate), norm[start:start + len(candidate)], citation))
            position = start + len(candidate)
            break
    return found
