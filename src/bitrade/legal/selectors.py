"""Reads of the legal knowledge base.  The corpus is public law, so every logged-in actor may read
it; no personal data is involved and reads are not audited.

For the rest of Biträde:

* ``citation_url(text)`` — the URL of what a citation points to (a paragraf in
  context, a guide page, a JO decision), or None;
* ``citation_target(text)`` — the same with what kind of target it is, and
  whether the law is one we do not hold in full (``external``);
* the template filters in ``templatetags/legal_tags.py`` use these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import F
from django.http import Http404
from django.urls import reverse

from .catalogue import Entry, default_catalogue
from .citations import LAWS, Citation, CitationSyntaxError, find_citations, parse_citation
from .guides import EXTERNAL_LAWS, guide_data, guide_rules, requesters_text
from .models import Document, LegalNote, Quotation, Unit
from .search import JO_RE, SearchError, SearchResult, jo_key, search

__all__ = [
    "CitationTarget",
    "SearchError",
    "SearchResult",
    "citation_target",
    "citation_url",
    "document",
    "documents",
    "guide",
    "guides",
    "link_citations",
    "note",
    "note_guides",
    "notes",
    "provision",
    "search",
    "unit_in_context",
]



class NotFound(Http404):
    """Raised with a Swedish message for an unknown document, paragraf, guide or decision."""


# --------------------------------------------------------------------------- citations

@dataclass(frozen=True)
class CitationTarget:
    text: str
    url: str | None
    kind: str  # unit | guide | provision | note | external | unknown
    external: bool = False
    label: str = ""


def _unit_for(citation: Citation) -> Unit | None:
    """The current unit a citation of a law in the corpus names (one query)."""
    units = Unit.objects.filter(
        version__document__law_code=citation.law, version_id=F("version__document__current_version_id"),
        section=citation.section, kind="section",
    )
    if citation.chapter:
        units = units.filter(chapter=citation.chapter)
    return units.select_related("version__document").order_by("ordinal").first()


def _anchor(unit: Unit, citation: Citation) -> str:
    if citation.paragraph is None:
        return ""
    anchor = f"{unit.address}S{citation.paragraph}"
    return f"#{anchor}N{citation.point}" if citation.point is not None else f"#{anchor}"


def _target_for_citation(text: str, citation: Citation) -> CitationTarget:
    if citation.law in EXTERNAL_LAWS:
        catalogue = default_catalogue()
        entry = catalogue.find(citation.law, citation.section, citation.paragraph, citation.point,
                               applied=citation.applied, chapter=citation.chapter)
        provision = catalogue.provision(citation.law, citation.section)
        if provision is not None and provision.chosen_by_key and provision.chapter == citation.chapter:
            # "9–12 kap. UtlL": the entries share the citation; it points to the law's list of grounds.
            return CitationTarget(text, reverse("legal:guides") + f"#lag-{citation.law}", "provision", True,
                                  LAWS[citation.law].name)
        if entry is None and citation.applied is None and catalogue.provision(citation.law, citation.section):
            candidates = catalogue.candidates(citation)
            entry = candidates[0] if len(candidates) == 1 else None
        if entry is not None:
            return CitationTarget(text, reverse("legal:guide", args=[entry.key]), "guide", True, entry.title)
        if catalogue.provision(citation.law, citation.section) is not None:
            url = reverse("legal:provision", args=[citation.law, citation.section.replace(" ", "")])
            anchor = f"#S{citation.paragraph}" if citation.paragraph else ""
            return CitationTarget(text, url + anchor, "provision", True, LAWS[citation.law].name)
        return CitationTarget(text, None, "external", True, LAWS[citation.law].name if citation.law in LAWS else "")
    unit = _unit_for(citation)
    if unit is None:
        external = citation.law not in LAWS or not Document.objects.filter(law_code=citation.law).exists()
        return CitationTarget(text, None, "external" if external else "unknown", external)
    doc = unit.version.document
    url = reverse("legal:unit", args=[doc.key, unit.address]) + _anchor(unit, citation)
    return CitationTarget(text, url, "unit", False, f"{doc.title}")


def citation_target(text: str) -> CitationTarget:
    """What a citation as Biträde writes it points to ("47 § andra stycket 3 LPT", "17 § PL",
    "27 § LRV jfr 47 § andra stycket 3 LPT", "2 kap. 16 § PF", "JO 2014/15 s. 122")."""
    text = (text or "").strip()
    jo = JO_RE.fullmatch(text)
    if jo is not None:
        key = jo_key(jo)
        found = LegalNote.objects.filter(key=key, published=True).exists()
        return CitationTarget(text, reverse("legal:note", args=[key]) if found else None,
                              "note" if found else "unknown")
    if REGULATION_RE.fullmatch(text):
        return CitationTarget(text, None, "external", external=True, label="Myndighetsföreskrift utanför kunskapsbanken")
    if PROPOSITION_RE.fullmatch(text):
        return CitationTarget(text, None, "external", external=True, label="Regeringens proposition utanför kunskapsbanken")
    try:
        citation = parse_citation(text)
    except CitationSyntaxError:
        return CitationTarget(text, None, "unknown")
    return _target_for_citation(text, citation)


#: A regulation of an authority ("4 kap. 3 § SOSFS 2008:18"): cited as written, not in the corpus.
#: A government bill ("prop. 2016/17:57"): cited as written, not in the corpus.
PROPOSITION_RE = re.compile(r"prop\.\s+\d{4}/\d{2}:\d+")
REGULATION_RE = re.compile(r"(?:\d+\s+kap\.\s+)?\d+\s*[a-z]?\s*§\s+(?:SOSFS|HSLF-FS|PMFS|RPSFS)\s+\d{4}:\d+")


def citation_url(text: str) -> str | None:
    """The URL in the knowledge base of what a citation points to, or None."""
    return citation_target(text).url


def link_citations(text: str) -> list[tuple[str, str | None]]:
    """A text cut into (piece, url or None): every citation and JO reference in it gets its URL."""
    spans: list[tuple[int, int, str | None]] = []
    for found in find_citations(text or ""):
        spans.append((found.start, found.end, _target_for_citation(found.text, found.citation).url))
    for match in JO_RE.finditer(text or ""):
        if not any(s <= match.start() < e for s, e, _ in spans):
            spans.append((match.start(), match.end(), citation_target(match.group(0)).url))
    spans.sort()
    out: list[tuple[str, str | None]] = []
    cursor = 0
    for start, end, url in spans:
        if start < cursor:
            continue
        if start > cursor:
            out.append((text[cursor:start], None))
        out.append((text[start:end], url))
        cursor = end
    if cursor < len(text or ""):
        out.append((text[cursor:], None))
    return out


# --------------------------------------------------------------------------- documents and units

def documents() -> list[Document]:
    return list(Document.objects.exclude(current_version=None).select_related("current_version"))


def document(key: str) -> tuple[Document, list[Unit]]:
    doc = Document.objects.filter(key=key).exclude(current_version=None).select_related("current_version").first()
    if doc is None:
        raise NotFound(f"Dokumentet ”{key}” finns inte i rättskällorna.")
    return doc, list(Unit.objects.filter(version_id=doc.current_version_id).order_by("ordinal"))


@dataclass
class UnitContext:
    document: Document
    unit: Unit
    previous: Unit | None
    next: Unit | None
    citation: str  # the unit's own citation ("17 § PL"), or ""
    used_in_guides: bool  # the guide pages name it among the Police's powers
    notes: list[LegalNote]


def _power_provisions() -> set[tuple[str, str]]:
    out = set()
    for power in guide_data().get("powers", []):
        try:
            c = parse_citation(power["citation"])
        except CitationSyntaxError:
            continue
        out.add((c.law, c.section))
    return out


def unit_in_context(key: str, address: str) -> UnitContext:
    doc = Document.objects.filter(key=key).exclude(current_version=None).select_related("current_version").first()
    if doc is None:
        raise NotFound(f"Dokumentet ”{key}” finns inte i rättskällorna.")
    unit = Unit.objects.filter(version_id=doc.current_version_id, address=address).first()
    if unit is None:
        raise NotFound(f"”{address}” finns inte i {doc.title}.")
    siblings = Unit.objects.filter(version_id=doc.current_version_id)
    previous = siblings.filter(ordinal__lt=unit.ordinal).order_by("-ordinal").first()
    following = siblings.filter(ordinal__gt=unit.ordinal).order_by("ordinal").first()
    own = ""
    if doc.law_code and unit.section and unit.kind == "section":
        own = Citation.of(doc.law_code, unit.section, chapter=unit.chapter or None).canonical
    cited_here = [n for n in LegalNote.objects.filter(published=True) if own and own in (n.citations or [])]
    used = bool(own) and (doc.law_code, unit.section) in _power_provisions()
    return UnitContext(doc, unit, previous, following, own, used, cited_here)


# --------------------------------------------------------------------------- guides

@dataclass
class GuideQuote:
    quotation: Quotation
    document: Document
    highlight_point: int | None

    @property
    def url(self) -> str:
        return reverse("legal:unit", args=[self.document.key, self.quotation.unit.address]) + (
            f"#{self.quotation.unit.address}-st{self.quotation.stycke}")


@dataclass
class GuideContext:
    entry: Entry
    citation_text: str
    requesters: list[str]
    conditions: list[dict]
    documents: list[dict]
    deciders: list[str]
    case_code: str
    case_code_label: str
    quotes: list[GuideQuote]
    powers: list[dict]
    law_note: str
    notes: list[LegalNote]
    rules: list
    siblings: list[Entry]


def _quotes(law: str, section: str, paragraph: int | None, point: int | None) -> list[GuideQuote]:
    current = Document.objects.exclude(current_version=None).values_list("current_version_id", flat=True)
    rows = Quotation.objects.filter(law_code=law, section=section, unit__version_id__in=list(current)).select_related(
        "unit__version__document")
    out = []
    for q in rows:
        if paragraph is not None and q.paragraph is not None and q.paragraph != paragraph:
            continue
        out.append(GuideQuote(q, q.unit.version.document, point))
    return out


def _notes_for(entry: Entry) -> list[LegalNote]:
    out = []
    for n in LegalNote.objects.filter(published=True).order_by("kind", "reference"):
        bases = set(n.legal_bases or [])
        if "*" in bases or entry.key in bases or entry.law in bases:
            out.append(n)
    return out


def guide(key: str) -> GuideContext:
    catalogue = default_catalogue()
    entry = catalogue.get(key)
    if entry is None:
        raise NotFound(f"Det finns ingen rättslig grund med nyckeln ”{key}”.")
    provision = catalogue.provision(entry.law, entry.section)
    conditions = []
    for code in entry.conditions:
        spec = catalogue.conditions[code]
        source = provision.condition_sources.get(code) if provision else None
        conditions.append({"title": spec.title, "citation": source.canonical if source else entry.citation,
                           "question": spec.question.format(citation=source.canonical if source else entry.citation)})
    documents_ = [{"labels": [catalogue.label("document_kinds", k) for k in d.any_of], "required": d.required}
                  for d in entry.documents]
    quotes = _quotes(entry.law, entry.section, entry.paragraph, entry.point)
    if entry.applied is not None:
        quotes += _quotes(entry.applied.law, entry.applied.section, entry.applied.paragraph, entry.applied.point)
    data = guide_data()
    return GuideContext(
        entry=entry, citation_text=entry.citation, requesters=requesters_text(entry, catalogue),
        conditions=conditions, documents=documents_,
        deciders=[catalogue.label("deciders", d) for d in entry.competent_deciders], case_code=entry.case_code,
        case_code_label=catalogue.case_codes.get(entry.case_code, ""), quotes=quotes,
        powers=list(data.get("powers", [])), law_note=data.get("laws", {}).get(entry.law, {}).get("note", ""),
        notes=_notes_for(entry), rules=guide_rules(entry, catalogue),
        siblings=[e for e in catalogue if e.law == entry.law and e.key != entry.key],
    )


def guides() -> dict[str, list[Entry]]:
    grouped: dict[str, list[Entry]] = {}
    for entry in default_catalogue():
        grouped.setdefault(entry.law, []).append(entry)
    return grouped


@dataclass
class ProvisionContext:
    law: str
    law_name: str
    section: str
    citation: str
    quotes: list[GuideQuote]
    entries: list[Entry]
    requesters_text: str


def provision(law: str, section: str) -> ProvisionContext:
    """A handräckning provision of a law we do not hold in full: what the sources quote, and its guides."""
    law = law.upper()
    section = re.sub(r"^(\d+)\s*([a-h])$", r"\1 \2", section.strip().lower())
    catalogue = default_catalogue()
    prov = catalogue.provision(law, section)
    if prov is None:
        raise NotFound(f"Kunskapsbanken har ingen vägledning för {section} § {law}.")
    return ProvisionContext(
        law=law, law_name=LAWS[law].name, section=section, citation=Citation.of(law, section).canonical,
        quotes=_quotes(law, section, None, None), entries=list(catalogue.provision_entries(prov)),
        requesters_text=prov.requesters_text,
    )


# --------------------------------------------------------------------------- JO register

def notes() -> list[LegalNote]:
    return list(LegalNote.objects.filter(published=True).order_by("kind", "reference"))


def note(key: str) -> LegalNote:
    found = LegalNote.objects.filter(key=key, published=True).first()
    if found is None:
        raise NotFound(f"Det finns inget JO-beslut eller riktlinje med nyckeln ”{key}”.")
    return found


def note_guides(n: LegalNote) -> list[Entry]:
    catalogue = default_catalogue()
    bases = set(n.legal_bases or [])
    if "*" in bases:
        return list(catalogue)
    return [e for e in catalogue if e.key in bases or e.law in bases]
