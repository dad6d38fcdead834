"""Citation parsing and the one canonical form (pure; no database)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bitrade.legal.citations import (
    LAWS,
    ORDINALS,
    Citation,
    CitationSyntaxError,
    find_law_code,
    format_citation,
    parse_citation,
)


def C(law, section, paragraph=None, point=None, applied=None):  # noqa: N802 - reads like a constructor
    return Citation.of(law, section, paragraph, point, applied=applied)


LPT_47_2_3 = C("LPT", "47", 2, 3)

# (text as a requester may write it, what it means)
FORMS = [
    # the forms named in the specification
    ("47 § andra stycket 3 LPT", LPT_47_2_3),
    ("LPT 47 § 2 st. p. 3", LPT_47_2_3),
    ("47 § 2 st 3 p. lagen (1991:1128) om psykiatrisk tvångsvård", LPT_47_2_3),
    ("45 § 1 p. LVM", C("LVM", "45", None, 1)),
    ("43 § första stycket 1 LVU", C("LVU", "43", 1, 1)),
    ("47§ LPT", C("LPT", "47")),
    ("27 § LRV", C("LRV", "27")),
    ("29 a § polislagen", C("PL", "29 a")),
    ("17 § PL", C("PL", "17")),
    ("47 § 2 st. 3 p. LPT", LPT_47_2_3),
    ("47 § andra st punkt 3 LPT", LPT_47_2_3),
    ("47 § andra stycket p 3 LPT", LPT_47_2_3),
    ("47 § andra stycket punkt 3 LPT", LPT_47_2_3),
    ("47 § andra stycket 3 p LPT", LPT_47_2_3),
    # ordinal words and digits for the stycke
    ("47 § första stycket LPT", C("LPT", "47", 1)),
    ("47 § tredje stycket LPT", C("LPT", "47", 3)),
    ("16 § fjärde stycket PL", C("PL", "16", 4)),
    ("16 § femte st. PL", C("PL", "16", 5)),
    ("16 § sjätte stycket PL", C("PL", "16", 6)),
    ("16 § sjunde stycket PL", C("PL", "16", 7)),
    ("16 § åttonde stycket PL", C("PL", "16", 8)),
    ("16 § nionde stycket PL", C("PL", "16", 9)),
    ("16 § tionde stycket PL", C("PL", "16", 10)),
    ("47 § 2:a stycket 3:e punkten LPT", LPT_47_2_3),
    ("47 § st. 2 p. 3 LPT", LPT_47_2_3),
    ("47 § stycke 2 punkten 3 LPT", LPT_47_2_3),
    ("47 § andra stycket tredje punkten LPT", LPT_47_2_3),
    ("47 § 2 stycket 3 punkten LPT", LPT_47_2_3),
    ("47 § 2 st pkt 3 LPT", LPT_47_2_3),
    # spacing, dots, commas, case
    ("47§2st.p.3 LPT", LPT_47_2_3),
    ("47 §  2  st  3  p  LPT", LPT_47_2_3),
    ("47 §, andra stycket, punkt 3, LPT", LPT_47_2_3),
    ("47 § ANDRA STYCKET 3 lpt", LPT_47_2_3),
    ("Lpt 47 § Andra Stycket P. 3", LPT_47_2_3),
    ("47 § 2 st. p.3 LPT.", LPT_47_2_3),
    ("47\u00a0§\u00a0andra stycket 3\u00a0LPT", LPT_47_2_3),
    ("lpt47§", C("LPT", "47")),
    # law first, last, or right after the section sign
    ("LPT 47 § andra stycket 3", LPT_47_2_3),
    ("47 § LPT andra stycket 3", LPT_47_2_3),
    ("47 § LPT 2 st. p. 3", LPT_47_2_3),
    ("LVM 45 § 2", C("LVM", "45", None, 2)),
    # a bare number after § or after the stycke is the point
    ("45 § 1 LVM", C("LVM", "45", None, 1)),
    ("10 § första stycket 6 PL", C("PL", "10", 1, 6)),
    ("47 § 3 LPT", C("LPT", "47", None, 3)),
    # full law names, with and without SFS number, and bare SFS numbers
    ("47 § andra stycket 3 lagen om psykiatrisk tvångsvård", LPT_47_2_3),
    ("47 § andra stycket 3 lag (1991:1128) om psykiatrisk tvångsvård", LPT_47_2_3),
    ("47 § andra stycket 3 i lagen (1991:1128) om psykiatrisk tvångsvård", LPT_47_2_3),
    ("47 § andra stycket 3 lagen om psykiatrisk tvångsvård (1991:1128)", LPT_47_2_3),
    ("47 § andra stycket 3 lagen ( SFS 1991 : 1128 ) om psykiatrisk tvångsvård", LPT_47_2_3),
    ("45 § 2 lag (1988:870) om vård av missbrukare i vissa fall", C("LVM", "45", None, 2)),
    ("45 § 2 lagen om vård av missbrukare i vissa fall", C("LVM", "45", None, 2)),
    ("43 § 2 lagen (1990:52) med särskilda bestämmelser om vård av unga", C("LVU", "43", None, 2)),
    ("27 § lagen (1991:1129) om rättspsykiatrisk vård", C("LRV", "27")),
    ("29 a § polislagen (1984:387)", C("PL", "29 a")),
    ("polislagen 10 § första stycket 6", C("PL", "10", 1, 6)),
    ("5 § polisförordningen (1984:730)", C("PF", "5")),
    ("9 § lagen (1988:688) om kontaktförbud", C("LKF", "9")),
    ("47 § 1991:1128", C("LPT", "47")),
    ("1991:1128 47 § 2 st p 3", LPT_47_2_3),
    ("47 § 2 st p 3 SFS 1991:1128", LPT_47_2_3),
    ("47 § 2 st p 3 lagen (1991:1128)", LPT_47_2_3),
    ("47 § 2 st p 3 (1991:1128)", LPT_47_2_3),
    # a law that is not in the table, named by its SFS number
    ("3 § lagen (2001:453)", C("2001:453", "3")),
    ("3 § SFS 2001:453", C("2001:453", "3")),
    # leading words
    ("enligt 47 § andra stycket 3 LPT", LPT_47_2_3),
    ("med stöd av 45 § 1 p. LVM", C("LVM", "45", None, 1)),
    # two provisions read together
    ("27 § LRV jfr 47 § andra stycket 3 LPT", C("LRV", "27", applied=LPT_47_2_3)),
    ("27 § LRV jfr. 47 § 2 st. p. 3 LPT", C("LRV", "27", applied=LPT_47_2_3)),
    ("27 § LRV, jämförd med 47 § 2 st 3 LPT", C("LRV", "27", applied=LPT_47_2_3)),
    ("LRV 27 § i förening med LPT 47 § 2 st. p. 3", C("LRV", "27", applied=LPT_47_2_3)),
    ("27 § LRV jfr 7 § första stycket LRV", C("LRV", "27", applied=C("LRV", "7", 1))),
    ("47 § 2 st. p. 3 LPT jfr 27 § LRV", C("LPT", "47", 2, 3, applied=C("LRV", "27"))),
]


@pytest.mark.parametrize(("text", "expected"), FORMS, ids=[f[0] for f in FORMS])
def test_parse_forms(text, expected):
    assert parse_citation(text) == expected


@pytest.mark.parametrize("fragment", ["p 3", "punkt 3", "3 p", "p. 3", "punkten 3", "3 punkten", "3 p."])
def test_point_fragments_inside_a_citation(fragment):
    """47 § andra stycket LPT: every way of writing the punkt gives point 3."""
    assert parse_citation(f"47 § andra stycket {fragment} LPT") == LPT_47_2_3
    assert parse_citation(f"LPT 47 § 2 st. {fragment}") == LPT_47_2_3


@pytest.mark.parametrize("word", ORDINALS)
def test_every_ordinal_word(word):
    n = ORDINALS.index(word) + 1
    assert parse_citation(f"16 § {word} stycket PL").paragraph == n
    assert parse_citation(f"16 § andra stycket {word} punkten PL").point == n


CANONICAL = [
    (("LPT", "47", 2, 3), "47 § andra stycket 3 LPT"),
    (("LVM", "45", None, 1), "45 § 1 LVM"),
    (("LVM", "45", 1, 1), "45 § första stycket 1 LVM"),
    (("LVU", "43", 1, 2), "43 § första stycket 2 LVU"),
    (("LRV", "27", None, None), "27 § LRV"),
    (("PL", "29 a", None, None), "29 a § PL"),
    (("PL", "17", None, None), "17 § PL"),
    (("PL", "16", 2, None), "16 § andra stycket PL"),
    (("PL", "10", 1, 6), "10 § första stycket 6 PL"),
    (("LPT", "47", 11, None), "47 § 11:e stycket LPT"),
    (("LPT", "47", 21, None), "47 § 21:a stycket LPT"),
    (("2001:453", "3", None, None), "3 § lagen (2001:453)"),
]


@pytest.mark.parametrize(("args", "text"), CANONICAL, ids=[c[1] for c in CANONICAL])
def test_format_citation_canonical(args, text):
    assert format_citation(*args) == text
    assert C(*args).canonical == text
    assert parse_citation(text) == C(*args)


def test_format_with_applied_provision():
    """27 § LRV applies 47 § andra stycket LPT: written with "jfr"."""
    text = format_citation("LRV", "27", applied=LPT_47_2_3)
    assert text == "27 § LRV jfr 47 § andra stycket 3 LPT"
    assert C("LRV", "27", applied=LPT_47_2_3).canonical == text
    assert str(C("LRV", "27", applied=LPT_47_2_3)) == text


def test_laws_table():
    expected = {
        "LPT": "1991:1128", "LRV": "1991:1129", "LVM": "1988:870", "LVU": "1990:52",
        "PL": "1984:387", "PF": "1984:730", "LKF": "1988:688", "PMFS 2020:1": "PMFS 2020:1",
        "UtlL": "2005:716",
    }
    assert {code: law.sfs for code, law in LAWS.items()} == expected
    assert LAWS["PF"].repealed and not LAWS["PL"].repealed
    assert "psykiatrisk tvångsvård" in LAWS["LPT"].name
    assert "kontaktförbud" in LAWS["LKF"].name
    assert LAWS["PMFS 2020:1"].regulation and parse_citation("18 § första stycket PMFS 2020:1").section == "18"


def test_sfs_is_filled_in_for_known_laws():
    assert parse_citation("47 § LPT").sfs == "1991:1128"
    assert parse_citation("3 § lagen (2001:453)").sfs == "2001:453"
    with pytest.raises(ValueError):
        Citation("LPT", "1991:1129", "47")


ERRORS = [
    "",
    "   ",
    "LPT",
    "47 §",
    "47 § andra stycket 3",
    "andra stycket 3 LPT",
    "p 3",
    "punkt 3",
    "3 p",
    "LPT 47 § LRV",
    "47 § 0 st LPT",
    "47 § andra stycket 3 lagen (1991:1129) om psykiatrisk tvångsvård",
    "47 § andra stycket 3 lagen om glass",
    "47 §§ LPT",
    "47 § andra stycket 3 och 4 LPT",
    "4 kap. 3 § SOSFS",
    "x" * 400,
]


@pytest.mark.parametrize("text", ERRORS, ids=[e[:40] or "empty" for e in ERRORS])
def test_syntax_errors_are_swedish(text):
    with pytest.raises(CitationSyntaxError) as info:
        parse_citation(text)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert any(word in message for word in ("Lagrummet", "SFS-numret", "Paragraf", "lag")), message


def test_wrong_sfs_number_for_law_name_is_explained():
    with pytest.raises(CitationSyntaxError, match="1991:1129 stämmer inte"):
        parse_citation("47 § lagen (1991:1129) om psykiatrisk tvångsvård")


def test_find_law_code_in_free_text():
    assert find_law_code("handräckning enligt LPT") == "LPT"
    assert find_law_code("enligt lagen om vård av missbrukare i vissa fall") == "LVM"
    assert find_law_code("något helt annat") is None


# --------------------------------------------------------------------------- property tests

SURFACE_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KNOWN = sorted(code for code, law in LAWS.items() if not law.regulation)
UNKNOWN_SFS = ["2001:453", "2010:611", "1998:603"]


@st.composite
def simple_citations(draw, with_applied=True):
    law = draw(st.sampled_from(KNOWN + UNKNOWN_SFS))
    number = draw(st.integers(1, 99))
    letter = draw(st.none() | st.sampled_from("abcdefgh"))
    section = f"{number} {letter}" if letter else str(number)
    paragraph = draw(st.none() | st.integers(1, 12))
    point = draw(st.none() | st.integers(1, 12))
    applied = draw(st.none() | simple_citations(with_applied=False)) if with_applied else None
    return C(law, section, paragraph, point, applied=applied)


def _case(draw, token: str) -> str:
    return draw(st.sampled_from([token, token.lower(), token.upper(), token.capitalize()]))


def _law_forms(law: str) -> list[str]:
    known = LAWS.get(law)
    sfs = known.sfs if known else law
    year, number = sfs.split(":")
    forms = [f"lagen ({sfs})", f"lag ({sfs})", f"SFS {sfs}", sfs, f"({sfs})", f"lagen ( {year} : {number} )"]
    if known is None:
        return forms
    forms += [known.code, known.code.lower()]
    if known.title:
        forms += [
            f"lagen {known.title}", f"lag {known.title}", f"lagen ({sfs}) {known.title}",
            f"lag ({sfs}) {known.title}", f"lagen {known.title} ({sfs})", f"i lagen ({sfs}) {known.title}",
            f"lagen  (SFS {sfs})  {known.title}",
        ]
    if known.stem:
        forms += [known.stem, f"{known.stem}en", f"{known.stem}en ({sfs})", f"{known.stem} ({sfs})"]
    return forms


def _stycke_tokens(draw, n: int) -> list[str]:
    choices = ["digits_pre", "post", "ordnum"]
    if n <= len(ORDINALS):
        choices.append("word")
    kind = draw(st.sampled_from(choices))
    kw = draw(st.sampled_from(["stycket", "st", "st.", "stycke"]))
    if kind == "word":
        return [ORDINALS[n - 1], kw]
    if kind == "digits_pre":
        return [str(n), kw]
    if kind == "ordnum":
        return [f"{n}:{draw(st.sampled_from('ae'))}", "stycket"]
    return [draw(st.sampled_from(["st.", "st", "stycke"])), str(n)]


def _point_tokens(draw, n: int) -> list[str]:
    choices = ["bare", "kw_pre", "kw_post", "ordnum"]
    if n <= len(ORDINALS):
        choices.append("word")
    kind = draw(st.sampled_from(choices))
    if kind == "bare":
        return [str(n)]
    if kind == "kw_pre":
        return [draw(st.sampled_from(["p", "p.", "punkt", "punkten", "pkt", "pkt."])), str(n)]
    if kind == "kw_post":
        return [str(n), draw(st.sampled_from(["p", "p.", "punkten", "punkt"]))]
    if kind == "ordnum":
        return [f"{n}:{draw(st.sampled_from('ae'))}", "punkten"]
    return [ORDINALS[n - 1], "punkten"]


def _join(draw, tokens: list[str]) -> str:
    out = tokens[0]
    for token in tokens[1:]:
        prev, nxt = out[-1], token[0]
        glued_ok = not ((prev.isalpha() and nxt.isalpha()) or (prev.isdigit() and nxt.isdigit()))
        seps = [" ", "  ", "\t", ", "] + ([""] if glued_ok else [])
        out += draw(st.sampled_from(seps)) + token
    return out


def _render_single(draw, c: Citation) -> list[str]:
    number, _, letter = c.section.partition(" ")
    section = [number] + ([letter] if letter else []) + ["§"]
    spec: list[str] = []
    if c.paragraph is not None:
        spec += _stycke_tokens(draw, c.paragraph)
    if c.point is not None:
        spec += _point_tokens(draw, c.point)
    law = draw(st.sampled_from(_law_forms(c.law)))
    law = _case(draw, law) if law.isascii() else law
    where = draw(st.sampled_from(["first", "after_section", "last"]))
    if where == "first":
        tokens = [law, *section, *spec]
    elif where == "after_section":
        tokens = [*section, law, *spec]
    else:
        tokens = [*section, *spec, law]
    return [_case(draw, t) if t not in ("§",) else t for t in tokens]


@st.composite
def surface_forms(draw):
    citation = draw(simple_citations())
    tokens = _render_single(draw, Citation(citation.law, citation.sfs, citation.section,
                                           citation.paragraph, citation.point))
    if citation.applied is not None:
        tokens += [draw(st.sampled_from(["jfr", "jfr.", "jämför", "jämfört med", "jämförd med",
                                         "i förening med", "och", "samt"]))]
        tokens += _render_single(draw, citation.applied)
    if draw(st.booleans()):
        tokens = [draw(st.sampled_from(["enligt", "med stöd av", "jml"])), *tokens]
    return citation, _join(draw, tokens)


@SURFACE_SETTINGS
@given(surface_forms())
def test_property_surface_forms_parse_to_the_same_citation(case):
    citation, text = case
    assert parse_citation(text) == citation, text


@SURFACE_SETTINGS
@given(simple_citations())
def test_property_round_trip_parse_format(citation):
    text = format_citation(citation.law, citation.section, citation.paragraph, citation.point,
                           applied=citation.applied)
    assert text == citation.canonical
    assert parse_citation(text) == citation


VOCABULARY = [
    "47", "45", "43", "27", "29", "a", "§", "§§", "andra", "första", "tredje", "stycket", "st.", "st", "p.", "p",
    "punkt", "punkten", "3", "2:a", "LPT", "LRV", "LVM", "LVU", "PL", "PF", "LKF", "lagen", "lag", "(1991:1128)",
    "1991:1128", "om", "psykiatrisk", "tvångsvård", "polislagen", "jfr", "och", "enligt", ",", ".", "(", ")",
    "0", "99999", "kap.", "ö", "SFS",
]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120) | st.lists(st.sampled_from(VOCABULARY), max_size=14).map(" ".join))
def test_property_arbitrary_text_raises_only_citation_syntax_error(text):
    try:
        citation = parse_citation(text)
    except CitationSyntaxError as exc:
        assert str(exc)
        return
    # whatever parses has a canonical form that parses back to the same citation
    assert isinstance(citation, Citation)
    assert parse_citation(citation.canonical) == citation
