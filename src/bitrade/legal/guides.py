"""Guide pages for the legal bases: what the sources quote of the law, and the rules Biträde applies.

Pure module: standard library and ``citations``/``catalogue`` only.

Biträde does not hold the full texts of LPT, LRV, LVM and LVU.  The
supervision report quotes the handräckning provisions (45 § LVM, 47 § LPT,
27 § LRV, 43 § LVU); ``extract_quotations`` finds those passages in a report's
sections so that a guide page can show them, saying where they come from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .catalogue import Catalogue, Entry
from .citations import find_citations

__all__ = [
    "EXTERNAL_LAWS",
    "GuideRule",
    "QuotedProvision",
    "extract_quotations",
    "guide_data",
    "guide_rules",
    "jo_register_data",
]

DATA_DIR = Path(__file__).with_name("data")
# Laws the sources cite whose full text is not in the corpus.
EXTERNAL_LAWS = frozenset({"LPT", "LRV", "LVM", "LVU", "LKF", "UtlL"})
# A quotation starts with its citation: "Enligt 45 § LVM ska …", "Av 43 § LVU framgår …".
_MAX_LEAD_IN = 40


@lru_cache(maxsize=1)
def guide_data() -> dict:
    """The packaged guide texts (data/guides.json); static package data."""
    return json.loads((DATA_DIR / "guides.json").read_text(encoding="utf-8"))


def jo_register_data() -> dict:
    return json.loads((DATA_DIR / "jo_register.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class QuotedProvision:
    stycke: int  # the stycke of the report section that holds the quotation
    law: str
    section: str
    paragraph: int | None  # the statute's stycke the quotation is of, when the report says
    text: str
    points: tuple[tuple[int, str], ...] = ()
    following: str = ""  # the statute's next stycke, when the report quotes it right after


def extract_quotations(stycken: list[dict]) -> list[QuotedProvision]:
    """The quotations of external provisions in one report section.

    ``stycken`` are the section's stycken as stored (``{"n", "lead", "points", "tail"}``).
    A stycke whose first words cite a provision of an external law is a
    quotation; its points are the provision's points.  A stycke right after it
    that refers back without naming a law ("En begäran enligt andra stycket …")
    is the provision's next stycke and is kept with it.
    """
    out: list[QuotedProvision] = []
    for index, stycke in enumerate(stycken):
        lead = stycke.get("lead", "")
        found = find_citations(lead[:_MAX_LEAD_IN + 60])
        if not found or found[0].start > _MAX_LEAD_IN:
            continue
        cited = found[0].citation
        if cited.law not in EXTERNAL_LAWS or cited.applied is not None or cited.point is not None:
            continue
        following = ""
        if index + 1 < len(stycken):
            nxt = stycken[index + 1].get("lead", "")
            if nxt.startswith(("En begäran enligt", "Begäran enligt")) and not find_citations(nxt[:80]):
                following = nxt
        points = tuple((p["n"], p["text"]) for p in stycke.get("points", []) if p.get("n") is not None)
        text = lead if not stycke.get("tail") else f"{lead} {stycke['tail']}"
        out.append(QuotedProvision(stycke.get("n", index + 1), cited.law, cited.section, cited.paragraph,
                                   text, points, following))
    return out


@dataclass(frozen=True)
class GuideRule:
    code: str
    text: str
    citations: tuple[str, ...] = field(default_factory=tuple)


def _or_list(items: list[str]) -> str:
    items = list(dict.fromkeys(items))
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " eller " + items[-1]


def requesters_text(entry: Entry, catalogue: Catalogue) -> list[str]:
    out = []
    for rule in entry.requesters:
        roles = _or_list([catalogue.label("roles", r) for r in rule.roles])
        kinds = _or_list([catalogue.label("organisation_kinds", k) for k in rule.organisation_kinds])
        out.append(f"{roles[:1].upper()}{roles[1:]} vid {kinds}")
    return out


def guide_rules(entry: Entry, catalogue: Catalogue) -> list[GuideRule]:
    """The checks Biträde's formal review makes of a request on this legal basis, each with the
    citations the review gives for it (computed from the same catalogue data the review uses)."""
    provision = catalogue.provision(entry.law, entry.section)
    rules = [
        GuideRule("legal_basis_valid",
                  f"Lagrummet ska vara en gällande och precis grund för handräckning: {entry.citation} "
                  f"({entry.title.lower()}).", (entry.citation,)),
        GuideRule("requester_competent",
                  "Den som begär ska vara behörig: " + "; ".join(requesters_text(entry, catalogue)) + ".",
                  (entry.citation,)),
        GuideRule("measures_described",
                  "Begäran ska beskriva vilka åtgärder Polismyndigheten förväntas vidta.", (entry.citation,)),
    ]
    for code in entry.conditions:
        spec = catalogue.conditions[code]
        source = provision.condition_sources.get(code) if provision else None
        cite = source.canonical if source is not None else entry.citation
        rules.append(GuideRule("conditions_stated", f"Villkor: {spec.title}.", (cite,)))
    required = [d for d in entry.documents if d.required]
    soft = [d for d in entry.documents if not d.required]
    if required:
        labels = "; ".join(_or_list([catalogue.label("document_kinds", k) for k in d.any_of]) for d in required)
        rules.append(GuideRule("documents_attached", f"Handling som ska bifogas: {labels}.", (entry.citation,)))
    if soft:
        labels = "; ".join(_or_list([catalogue.label("document_kinds", k) for k in d.any_of]) for d in soft)
        rules.append(GuideRule("documents_attached", f"Handling som gärna bifogas (inget krav): {labels}.",
                               (entry.citation,)))
    rules.append(GuideRule("person_identified",
                           "Personen ska identifieras med personnummer, samordningsnummer eller namn och "
                           "födelsedatum."))
    deciders = _or_list([catalogue.label("deciders", d) for d in entry.competent_deciders])
    rules.append(GuideRule("competent_decider", f"Beslut om handräckningen fattas av {deciders}."))
    return rules
