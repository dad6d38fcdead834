"""Migrationsverket's requests for executive assistance in the catalogue: utlänningslagen as a law, the
provision cited by its chapters ("9–12 kap. UtlL", as Statskontoret 2022:1 gives it, footnote 35), the two
entries told apart by the measure, and the citation's link."""

from __future__ import annotations

from datetime import date

import pytest

from bitrade.legal.catalogue import CatalogueError, catalogue_from_dict, load_catalogue, resolve, resolve_key
from bitrade.legal.citations import Citation, find_citations, format_citation, parse_citation

ON = date(2025, 6, 1)
KEYS = ("UtlL-forvar-omhandertagande", "UtlL-forvar-transport")


@pytest.mark.parametrize("text", [
    "9–12 kap. utlänningslagen (2005:716)", "9-12 kap. UtlL", "UtlL 9–12 kap.", "9–12 kap. lagen (2005:716)",
    "9 - 12 kapitel utlänningslagen", "enligt 9–12 kap. utlL",
])
def test_chapter_range_citations_parse_to_one_canonical_form(text):
    cited = parse_citation(text)
    assert (cited.law, cited.sfs, cited.chapter, cited.section) == ("UtlL", "2005:716", "9–12", "")
    assert cited.canonical == "9–12 kap. UtlL"


@pytest.mark.parametrize(("text", "words"), [
    ("9–12 kap.", "ingen lag"),
    ("12–9 kap. UtlL", "inte en följd"),
    ("9–12 kap. 3 § UtlL", "kunde inte tolkas"),
])
def test_bad_chapter_citations_are_refused_in_swedish(text, words):
    from bitrade.legal.citations import CitationSyntaxError

    with pytest.raises(CitationSyntaxError, match=words):
        parse_citation(text)


def test_a_section_of_the_law_is_still_a_section():
    assert parse_citation("10 kap. 18 § utlänningslagen (2005:716)").canonical == "10 kap. 18 § UtlL"
    assert format_citation("UtlL", "", chapter="9–12") == "9–12 kap. UtlL"
    with pytest.raises(ValueError):
        Citation.of("UtlL", "", paragraph=2, chapter="9–12")
    with pytest.raises(ValueError):
        Citation.of("UtlL", "")


def test_the_report_text_is_found_as_a_citation():
    [found] = find_citations("Bestämmelserna finns i 9–12 kap. utlänningslagen (2005:716).")
    assert found.citation.canonical == "9–12 kap. UtlL"


def test_the_entries():
    catalogue = load_catalogue()
    for key in KEYS:
        entry = catalogue.get(key)
        assert entry.citation == "9–12 kap. UtlL"
        assert entry.requester_roles == ("migration_officer",) and entry.organisation_kinds == ("migration_agency",)
        assert entry.conditions == ("force_needed_or_exceptional_reasons",)
        assert [(d.any_of, d.required) for d in entry.documents] == [(("detention_decision",), True)]
        assert "prop. 2016/17:57" in entry.explanation and "RPC 153/2019" in entry.explanation
        assert resolve_key(key, catalogue, ON).entry == entry
    provision = catalogue.provision("UtlL", "")
    assert provision.chosen_by_key and provision.citation == "9–12 kap. UtlL"
    assert provision.condition_sources["force_needed_or_exceptional_reasons"].canonical == "prop. 2016/17:57"


def test_the_citation_alone_is_incomplete_and_a_section_is_not_a_basis():
    catalogue = load_catalogue()
    resolution = resolve("9–12 kap. UtlL", catalogue, ON)
    assert resolution.status == "incomplete" and {e.key for e in resolution.candidates} == set(KEYS)
    assert "omfattar flera slag av handräckning" in resolution.question
    # No section of utlänningslagen is in the catalogue: the sources do not name one.
    assert resolve("10 kap. 18 § UtlL", catalogue, ON).status == "impossible"
    assert resolve("10 kap. UtlL", catalogue, ON).status == "impossible"


def test_the_loader_checks_the_chapters_and_allows_the_shared_citation_only_by_key():
    import json

    from bitrade.legal.catalogue import DEFAULT_PATH

    raw = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    entry = next(e for e in raw["entries"] if e["key"] == KEYS[0])
    entry["chapter"] = "10"
    with pytest.raises(CatalogueError, match="chapter"):
        catalogue_from_dict(raw)
    raw = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    next(p for p in raw["provisions"] if p["law"] == "UtlL")["chosen_by_key"] = False
    with pytest.raises(CatalogueError):
        catalogue_from_dict(raw)


def test_the_citation_links_to_the_list_of_grounds_and_the_proposition_is_external():
    from bitrade.legal.selectors import citation_target

    target = citation_target("9–12 kap. UtlL")
    assert target.url == "/rattskallor/grunder/#lag-UtlL" and target.external
    prop = citation_target("prop. 2016/17:57")
    assert prop.external and prop.url is None
