"""Every citation Biträde shows leads somewhere: no dangling citations.

The citations are collected from the legal-basis catalogue (entries, provisions, the sources of
the conditions), from the formal review run on every catalogue entry (checks and completion
questions), from the rules modules of every app (calls of ``format_citation`` with literal
arguments, and citations written in their strings), from the guide texts and from the JO register.
Each must resolve to a page of the knowledge base, or be explicitly marked as a law whose full
text the corpus does not hold.
"""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest
from django.template import Context, Template

import bitrade
from bitrade.legal.catalogue import default_catalogue
from bitrade.legal.citations import find_citations, format_citation
from bitrade.legal.guides import EXTERNAL_LAWS, guide_data, jo_register_data
from bitrade.legal.selectors import JO_RE, citation_target, citation_url, link_citations

pytestmark = pytest.mark.django_db
TODAY = date(2025, 6, 1)


def _catalogue_citations() -> set[str]:
    catalogue = default_catalogue()
    out = set()
    for entry in catalogue:
        out |= {entry.citation, entry.as_citation.provision.canonical}
        if entry.applied is not None:
            out.add(entry.applied.canonical)
    for provision in catalogue.provisions:
        out.add(provision.citation)
        out |= {c.canonical for c in provision.condition_sources.values()}
    return out


def _review_citations() -> set[str]:
    from bitrade.intake.rules import RequestFacts, review

    catalogue = default_catalogue()
    out = set()
    for entry in catalogue:
        rule = entry.requesters[0]
        complete = RequestFacts(
            organisation_kind=rule.organisation_kinds[0], organisation_name="Region Skåne", requester_name="A. Läkare",
            requester_role=rule.roles[0], legal_basis_key=entry.key, legal_basis_text=entry.citation,
            measures="Hämta personen i bostaden och föra personen till avdelning 12.",
            police_powers_reason="Personen har tidigare gjort våldsamt motstånd vid hämtning.",
            person_avoids_examination=True,
            attachment_kinds=tuple(d.any_of[0] for d in entry.documents), person_name="Test Testsson",
            person_birth_date=date(1990, 1, 1),
        )
        bare = RequestFacts(legal_basis_text=entry.as_citation.provision.canonical)
        wrong_role = RequestFacts(organisation_kind="court", requester_role="court_official",
                                  legal_basis_key=entry.key)
        for facts in (complete, bare, wrong_role, RequestFacts(legal_basis_key=entry.key)):
            result = review(facts, catalogue, TODAY)
            out |= {c.citation for c in result.checks if c.citation}
            out |= {q.citation for q in result.questions if q.citation}
    return out


def _rules_module_citations() -> set[str]:
    root = Path(bitrade.__file__).parent
    files = list(root.glob("*/rules*.py")) + list(root.glob("*/rules/*.py"))
    out = set()
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name == "format_citation" and all(isinstance(a, ast.Constant) for a in node.args) and all(
                        isinstance(k.value, ast.Constant) for k in node.keywords):
                    out.add(format_citation(*[a.value for a in node.args],
                                            **{k.arg: k.value.value for k in node.keywords}))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                out |= {f.text for f in find_citations(node.value)}
                out |= {m.group(0) for m in JO_RE.finditer(node.value)}
    return out


def _guide_and_register_citations() -> set[str]:
    out = {p["citation"] for p in guide_data()["powers"]}
    for note in jo_register_data()["notes"]:
        out |= set(note["citations"]) | {note["reference"]}
    return out


def _unresolved(texts: set[str]) -> list[str]:
    bad = []
    for text in sorted(texts):
        target = citation_target(text)
        if target.url or target.external:
            continue
        # a list of citations ("47 § tredje stycket LPT och 27 § LRV jfr …"): each one must resolve
        pieces = [(p, url) for p, url in link_citations(text) if find_citations(p) or JO_RE.fullmatch(p.strip())]
        if pieces and all(url or citation_target(p).external for p, url in pieces):
            continue
        bad.append(text)
    return bad


def test_no_dangling_citations(corpus):
    catalogue = _catalogue_citations()
    review = _review_citations()
    rules = _rules_module_citations()
    guides = _guide_and_register_citations()
    everything = catalogue | review | rules | guides
    assert len(catalogue) >= 25 and len(review) >= 20 and guides
    assert "47 § tredje stycket LPT" in catalogue and "27 § LRV jfr 47 § andra stycket 3 LPT" in review
    assert _unresolved(everything) == []


def test_external_laws_are_marked_external(corpus):
    for law in ("LPT", "LRV", "LVM", "LVU"):
        assert law in EXTERNAL_LAWS
    target = citation_target("47 b § LPT")
    assert target.url is None and target.external
    assert citation_target("4 kap. 4 § lagen (2010:611)").external
    # a paragraf of a law we hold but which does not exist is unresolved, not external
    assert _unresolved({"99 § PL"}) == ["99 § PL"]


@pytest.mark.parametrize(("text", "url"), [
    ("47 § andra stycket 3 LPT", "/rattskallor/grunder/LPT-47-2-3/"),
    ("45 § första stycket 1 LVM", "/rattskallor/grunder/LVM-45-1-1/"),
    ("45 § 1 LVM", "/rattskallor/grunder/LVM-45-1-1/"),
    ("27 § LRV jfr 47 § andra stycket 3 LPT", "/rattskallor/grunder/LRV-27-LPT-47-2-3/"),
    ("27 § LRV jfr 7 § första stycket LRV", "/rattskallor/grunder/LRV-27-LRV-7-1/"),
    ("47 § tredje stycket LPT", "/rattskallor/lagrum/LPT/47/#S3"),
    ("43 § LVU", "/rattskallor/lagrum/LVU/43/"),
    ("17 § PL", "/rattskallor/dokument/sfs-1984-387/P17/"),
    ("29 a § PL", "/rattskallor/dokument/sfs-1984-387/P29a/"),
    ("16 § andra stycket PL", "/rattskallor/dokument/sfs-1984-387/P16/#P16S2"),
    ("10 § första stycket 6 PL", "/rattskallor/dokument/sfs-1984-387/P10/#P10S1N6"),
    ("2 kap. 16 § PF", "/rattskallor/dokument/sfs-1984-730/K2P16/"),
    ("JO 2014/15 s. 122", "/rattskallor/jo/jo-2014-15-s-122/"),
    ("JO 2019/20 s. 320", "/rattskallor/jo/jo-2019-20-s-320/"),
])
def test_citation_url(corpus, text, url):
    assert citation_url(text) == url


@pytest.mark.parametrize("text", ["", "inget lagrum", "99 § PL", "JO 1999/00 s. 1", "47 b § LPT"])
def test_citation_url_is_none_when_nothing_resolves(corpus, text):
    assert citation_url(text) is None


def test_every_linked_page_exists(corpus, login_client):
    client = login_client("sb.malmo")
    urls = {citation_url(t) for t in _catalogue_citations() | _guide_and_register_citations()} - {None}
    for url in sorted(urls):
        assert client.get(url.split("#")[0]).status_code == 200, url


def test_template_filters(corpus):
    template = Template(
        "{% load legal_tags %}[{{ a|cite_link }}] [{{ b|cite_link }}] [{{ c|cite_links }}] [{{ d|cite_url }}] "
        "[{{ e|cite_link }}]")
    html = template.render(Context({
        "a": "17 § PL", "b": "47 § tredje stycket LPT och 27 § LRV jfr 47 § tredje stycket LPT",
        "c": "Polisen prövar inte behovet (JO 2014/15 s. 122), se <b>29 a § PL</b>.", "d": "29 a § PL",
        "e": "inget lagrum <script>",
    }))
    assert '[<a class="cite" href="/rattskallor/dokument/sfs-1984-387/P17/" title="Polislag (1984:387)">17 § PL</a>]' in html
    assert html.count('href="/rattskallor/lagrum/') == 2 and " och " in html
    assert '<a class="cite" href="/rattskallor/jo/jo-2014-15-s-122/">JO 2014/15 s. 122</a>' in html
    assert "&lt;b&gt;" in html and "<b>" not in html
    assert "[/rattskallor/dokument/sfs-1984-387/P29a/]" in html
    assert "[inget lagrum &lt;script&gt;]" in html
