"""Swedish text analysis and the extensions of the citation grammar (pure: no database)."""

from __future__ import annotations

import pytest

from bitrade.legal import analysis
from bitrade.legal.citations import (
    Citation,
    CitationSyntaxError,
    find_citations,
    format_citation,
    parse_citation,
)
from bitrade.legal.guides import extract_quotations


def test_stop_words_are_dropped_and_stems_shared():
    result = analysis.analyse("", "Den som är under femton år får dock inte tas i förvar.", roots={}, compounds={})
    stems = result.body_stems.split()
    assert "under" not in stems and "som" not in stems
    assert analysis.stem("förvaret") in {analysis.stem(w) for w in ("förvaret",)}
    assert result.length == len(stems)


def test_conflation_of_inflections_snowball_leaves_apart():
    stems = {analysis.stem(w) for w in ("fotboja", "fotbojan", "förvar", "förvaret", "barn", "bara")}
    roots = analysis.conflation_roots(stems)
    assert roots[analysis.stem("fotbojan")] == analysis.stem("fotboja")
    assert roots[analysis.stem("förvaret")] == analysis.stem("förvar")
    assert analysis.stem("barn") not in roots  # "bar" + "n" is too short a root


def test_compounds_split_into_corpus_words():
    known = {"handräckning", "ärenden", "förbud", "området", "polis", "kontakt"}
    assert analysis.split_compound("handräckningsärenden", known.__contains__) == ("handräckning", "ärenden")
    assert analysis.split_compound("förbudsområdet", known.__contains__) == ("förbud", "området")
    assert analysis.split_compound("polisman", known.__contains__) is None  # "man" is a stop word
    assert analysis.split_compound("fotboja", known.__contains__) is None
    assert {"handräckning", "ärenden"} <= analysis.compound_candidates("handräckningsärenden")


def test_compound_parts_become_extra_terms():
    result = analysis.analyse("", "handräckningsärenden", roots={},
                              compounds={"handräckningsärenden": ("handräckning", "ärenden")})
    assert analysis.stem("handräckning") in result.extra.split()
    assert analysis.stem("ärenden") in result.extra.split()


def test_numbers_and_number_words():
    assert analysis.number_alternatives("15") == ("femton",)
    assert analysis.number_alternatives("femton") == ("15",)
    assert analysis.number_alternatives("1234") == ()


def test_snippet_highlights_the_densest_window_and_escapes_html():
    text = ("Inledning utan träffar. " * 20) + "Den som är under femton år får dock inte tas i <förvar>." + (" Slut." * 100)
    html = analysis.snippet(text, [[analysis.stem("förvar")], [analysis.stem("femton")]])
    assert "<mark>femton</mark>" in html and "<mark>förvar</mark>" in html
    assert "&lt;" in html and "<förvar>" not in html
    assert html.startswith("…") and html.endswith("…")


def test_snippet_marks_inflections_and_compound_parts():
    html = analysis.snippet("Montering av elektroniska fotbojan och handräckningsärenden.",
                            [[analysis.stem("fotboja")], ["handräckning"]])
    assert "<mark>fotbojan</mark>" in html and "<mark>handräckningsärenden</mark>" in html


# --------------------------------------------------------------------------- citations: chapters, running text

@pytest.mark.parametrize(("text", "expected"), [
    ("2 kap. 16 § polisförordningen", Citation.of("PF", "16", chapter="2")),
    ("2 kap 16 § andra stycket PF", Citation.of("PF", "16", 2, chapter="2")),
    ("PF 5 kapitlet 3 §", Citation.of("PF", "3", chapter="5")),
    ("2 kap. 16 § första stycket 1 polisförordningen (1984:730)", Citation.of("PF", "16", 1, 1, chapter="2")),
])
def test_chapters(text, expected):
    assert parse_citation(text) == expected
    assert parse_citation(expected.canonical) == expected


def test_chapter_canonical_form():
    assert format_citation("PF", "16", 2, chapter="2") == "2 kap. 16 § andra stycket PF"
    assert Citation.of("PF", "16", chapter="2").provision.chapter == "2"
    with pytest.raises(CitationSyntaxError):
        parse_citation("2 kap. 16 §")


def test_find_citations_in_running_text():
    text = ("Polisen får enligt 29 a § polislagen (1984:387) (PL) överlämna transporten. Enligt 47 § andra "
            "stycket LPT ska polisen lämna hjälp; se 10 § punkten 6 PL och 2 kap. 16 § polisförordningen. "
            "Villkoret i 47 § tredje stycket LPT och 27 § LRV jfr 47 § tredje stycket LPT. Enligt 13 § andra stycket.")
    found = find_citations(text)
    assert [f.citation.canonical for f in found] == [
        "29 a § PL", "47 § andra stycket LPT", "10 § 6 PL", "2 kap. 16 § PF", "47 § tredje stycket LPT",
        "27 § LRV jfr 47 § tredje stycket LPT",
    ]
    assert found[0].text == "29 a § polislagen (1984:387)"
    assert text[found[1].start:found[1].end] == found[1].text


def test_find_citations_needs_a_law():
    assert find_citations("enligt 13 § andra stycket ska den omhändertagne friges") == []
    assert find_citations("") == []


# --------------------------------------------------------------------------- quotations for the guides

def test_quotations_of_external_provisions():
    stycken = [
        {"n": 1, "lead": "Av 1 § första stycket PL framgår att polisen ska hjälpa.", "points": []},
        {"n": 2, "lead": "Enligt 47 § andra stycket LPT ska Polismyndigheten lämna hjälp på begäran av",
         "points": [{"n": 1, "text": "en läkare"}, {"n": 2, "text": "chefsöverläkaren"}]},
        {"n": 3, "lead": "En begäran enligt andra stycket får göras endast om det finns särskilda skäl.", "points": []},
        {"n": 4, "lead": "Bestämmelsen i 47 § andra stycket första punkten har tillkommit för läkaren.", "points": []},
    ]
    quotes = extract_quotations(stycken)
    assert len(quotes) == 1
    q = quotes[0]
    assert (q.law, q.section, q.paragraph, q.stycke) == ("LPT", "47", 2, 2)
    assert q.points == ((1, "en läkare"), (2, "chefsöverläkaren"))
    assert q.following.startswith("En begäran enligt andra stycket")


def test_term_frequencies_count_roots_and_compound_parts():
    from bitrade.legal.search import Concept, term_frequencies

    concepts = [Concept("fotboja", ("fotboj",)), Concept("handräckningsärenden", ("handräckningsärend",),
                                                        parts=("handräckning", "ärend"))]
    stems = "fotbojan fotboj montering handräckningsärend handräckning ärend annat"
    # "fotbojan" begins with the root "fotboj"; the compound counts once, each part 0.6
    assert term_frequencies(concepts, stems, {}) == [2.0, 1.0 + 0.6 + 0.6]
