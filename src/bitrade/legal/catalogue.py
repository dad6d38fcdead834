"""The catalogue of legal bases for handräckning under the care laws, as data.

Pure module: standard library only (plus ``citations``).  The content lives in
``data/legal_bases.json``; adding a law, a point or a new wording with other
validity dates is a data change.  ``load_catalogue`` reads and validates it.

What the data holds for each entry: the coordinates (law, section, stycke,
punkt, and for LRV the provision of LPT or LRV that is applied), validity dates
(``valid_from`` inclusive, ``valid_to`` inclusive or null), a Swedish title and
explanation, which requester roles at which organisation kinds may ask, whether
Kriminalvården does the transport, the conditions the request must state, the
documents to attach, the competent police deciders and the case code.
Citations are never stored: they are computed with ``format_citation``.

Readings chosen (documented here because the statute text leaves room):

* LPT 47 § andra stycket 1–7 are the handräckning points; the condition in
  47 § tredje stycket (police powers feared necessary, or synnerliga skäl)
  applies to all of them.  Point 1 also needs the person to keep away or
  refuse the examination (the point's purpose, as the supervision report reads
  it); that condition rests on 4 kap. 3 § SOSFS 2008:18 (the report's footnote
  to it) and is cited there, not to the point.
* Case codes are dated data (``case_code_mappings``): PÄR is being replaced, and
  a new register is a new mapping with its own dates.
* LRV 27 § has no numbered points.  It gives the chefsöverläkare help and
  applies 47 § andra och tredje styckena LPT "i tillämpliga delar", and also
  covers a patient in the case of 7 § första stycket LRV who does not turn up
  when care is to start.  The catalogue represents this as entries on
  27 § LRV read together with ("jfr") the applied provision:
  47 § andra stycket 3, 4, 5 and 6 LPT (return after absconding, after leave,
  after a decision on closed care, and other moves — the ones that make sense
  for a forensic patient) and 7 § första stycket LRV.  LPT points 1–2 (the
  vårdintyg route) and 7 (Socialstyrelsen) are left out: forensic care is
  decided by a court, and 27 § LRV gives help only to the chefsöverläkare.
  Canonical citation: "27 § LRV jfr 47 § andra stycket 3 LPT".
* LVM 45 § första stycket 1–4 and LVU 43 § första stycket 1–3 are the points;
  their andra stycke holds the same condition as 47 § tredje stycket LPT
  (in force since 2017-04-01, which is also every entry's ``valid_from``: the
  wording with Kriminalvården's transports and the condition).
* Documents: a document is ``required`` when the point's own wording
  presupposes a certificate or decision that the police must see to act on it
  (vårdintyg for LPT 2; the decision on closed care for LPT 5 and its LRV
  mirror; the decided medical examination for LVM 1 and LVU 1; the decision on
  care or immediate custody for LVM 2–3 and LVU 2).  Elsewhere the law makes
  no document a condition, and the attachment is a soft requirement: the
  review mentions it but does not ask for completion.
* Migrationsverket's requests for executive assistance (taking a person into custody for detention that
  Migrationsverket has decided, transporting a detained person) rest on utlänningslagen.  The sources in the
  repository (Statskontoret 2022:1) place them in 9–12 kap. utlänningslagen (2005:716) without naming the
  section, so the provision is cited by its chapters, "9–12 kap. UtlL", and its entries are told apart by
  the measure asked for (``chosen_by_key``: a form or an API call names the entry), not by the citation.
  The condition (the police's powers to use force or coercion are needed, or synnerliga skäl) is the
  government's, prop. 2016/17:57; the agreement between the Police and Migrationsverket (RPC 153/2019)
  says when assistance is available.  See docs/legal-readings.md.
* Case codes (saknummer in PÄR, from the report): 615 for everything asked by
  a physician, including the chefsöverläkare (LPT 1–6 and all LRV entries);
  614 for assistance at a förrättning where social services or a court
  execute their own decision under LVM or LVU (LVM 1–2, LVU 1–2); 618 for
  requests from other authorities such as SiS, Socialstyrelsen or a hospital's
  verksamhetschef (LVM 3–4, LVU 3, LPT 7).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from .citations import LAWS, Citation, CitationSyntaxError, find_law_code, format_citation, parse_citation

__all__ = [
    "Catalogue",
    "CatalogueError",
    "ConditionSpec",
    "DocumentRequirement",
    "Entry",
    "Provision",
    "RequesterRule",
    "Resolution",
    "completion_question",
    "default_catalogue",
    "load_catalogue",
    "resolve",
    "resolve_citation",
    "resolve_key",
]

DEFAULT_PATH = Path(__file__).with_name("data") / "legal_bases.json"


class CatalogueError(ValueError):
    """The catalogue data is inconsistent."""


@dataclass(frozen=True)
class RequesterRule:
    organisation_kinds: tuple[str, ...]
    roles: tuple[str, ...]

    def allows(self, role: str, organisation_kind: str) -> bool:
        return role in self.roles and organisation_kind in self.organisation_kinds


@dataclass(frozen=True)
class DocumentRequirement:
    """One of ``any_of`` must be attached; ``required`` False makes it a soft requirement."""

    any_of: tuple[str, ...]
    required: bool

    def satisfied_by(self, kinds: Iterable[str]) -> bool:
        return bool(set(self.any_of) & set(kinds))


@dataclass(frozen=True)
class ConditionSpec:
    code: str
    field: str
    title: str
    stated: str  # message when stated; "{citation}" is filled in
    question: str  # completion question; "{citation}" is filled in


@dataclass(frozen=True)
class Provision:
    """A handräckning section (47 § LPT, 27 § LRV, 45 § LVM, 43 § LVU)."""

    law: str
    section: str
    points_paragraph: int | None
    requesters_text: str
    other_paragraphs: MappingProxyType
    condition_sources: MappingProxyType  # condition code -> Citation or TextSource
    #: Chapters when the provision is cited by its chapters only ("9–12" in "9–12 kap. UtlL"; section "").
    chapter: str | None = None
    #: The entries are told apart by the measure asked for, not by the citation: the request names the entry.
    chosen_by_key: bool = False

    @property
    def citation(self) -> str:
        return format_citation(self.law, self.section, self.points_paragraph, chapter=self.chapter)


def _same_coordinates(a: Citation | None, b: Citation | None) -> bool:
    if a is None or b is None:
        return a is b
    return (a.law, a.chapter, a.section, a.paragraph, a.point) == (b.law, b.chapter, b.section, b.paragraph,
                                                                   b.point) and (
        _same_coordinates(a.applied, b.applied)
    )


@dataclass(frozen=True)
class Entry:
    key: str
    law: str
    section: str
    paragraph: int | None
    point: int | None
    applied: Citation | None
    valid_from: date
    valid_to: date | None
    title: str
    explanation: str
    requesters: tuple[RequesterRule, ...]
    kriminalvarden_transport: str | None
    conditions: tuple[str, ...]
    documents: tuple[DocumentRequirement, ...]
    competent_deciders: tuple[str, ...]
    case_code: str
    chapter: str | None = None

    @property
    def sfs(self) -> str:
        return LAWS[self.law].sfs

    @property
    def as_citation(self) -> Citation:
        return Citation.of(self.law, self.section, self.paragraph, self.point, applied=self.applied,
                           chapter=self.chapter)

    @property
    def citation(self) -> str:
        return format_citation(self.law, self.section, self.paragraph, self.point, applied=self.applied,
                               chapter=self.chapter)

    @property
    def requester_roles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(role for rule in self.requesters for role in rule.roles))

    @property
    def organisation_kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(kind for rule in self.requesters for kind in rule.organisation_kinds))

    def allows(self, role: str, organisation_kind: str) -> bool:
        return any(rule.allows(role, organisation_kind) for rule in self.requesters)

    def is_valid_on(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    def matches(self, citation: Citation) -> bool:
        return _same_coordinates(self.as_citation, citation)


@dataclass(frozen=True)
class CaseCodeMapping:
    """Which case code each legal basis is registered under in a case register, for a period. PÄR is being
    replaced: a new register is a new mapping with its own dates, the old one gets ``valid_to``."""

    system: str
    valid_from: date | None
    valid_to: date | None
    source: str
    codes: MappingProxyType  # entry key -> case code

    def in_force_on(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on <= self.valid_to)


@dataclass(frozen=True)
class Catalogue:
    entries: tuple[Entry, ...]
    provisions: tuple[Provision, ...]
    conditions: MappingProxyType  # code -> ConditionSpec
    vocabulary: MappingProxyType  # "roles" | "organisation_kinds" | "deciders" | "document_kinds" -> {code: label}
    case_codes: MappingProxyType
    #: Dated mappings of legal basis to the case code of a case register (PÄR), newest last.
    case_code_mappings: tuple[CaseCodeMapping, ...] = ()
    _by_key: MappingProxyType = field(repr=False, compare=False, init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", MappingProxyType({e.key: e for e in self.entries}))

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, key: str) -> Entry | None:
        return self._by_key.get(key)

    def find(
        self, law: str, section: str, paragraph: int | None = None, point: int | None = None,
        applied: Citation | None = None, chapter: str | None = None,
    ) -> Entry | None:
        """The entry with exactly these coordinates, or None."""
        target = Citation.of(law, section, paragraph, point, applied=applied, chapter=chapter)
        return next((e for e in self.entries if e.matches(target)), None)

    def candidates(self, citation: Citation) -> tuple[Entry, ...]:
        """Entries an incomplete citation may mean: same law and section, and every
        stycke, punkt and applied provision that the citation does give agrees."""

        def agrees(given: Citation | None, entry_value: Citation | None) -> bool:
            if given is None:
                return True
            if entry_value is None:
                return False
            return (
                given.law == entry_value.law
                and given.section == entry_value.section
                and given.paragraph in (None, entry_value.paragraph)
                and given.point in (None, entry_value.point)
                and agrees(given.applied, entry_value.applied)
            )

        return tuple(
            e for e in self.entries
            if e.law == citation.law and e.section == citation.section and e.chapter == citation.chapter
            and citation.paragraph in (None, e.paragraph)
            and citation.point in (None, e.point)
            and agrees(citation.applied, e.applied)
        )

    def valid_on(self, on: date) -> Catalogue:
        """The catalogue restricted to the entries in force on that day."""
        return replace(self, entries=tuple(e for e in self.entries if e.is_valid_on(on)))

    def provision(self, law: str, section: str) -> Provision | None:
        return next((p for p in self.provisions if p.law == law and p.section == section), None)

    def provision_entries(self, provision: Provision) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.law == provision.law and e.section == provision.section)

    def label(self, kind: str, code: str) -> str:
        return self.vocabulary.get(kind, {}).get(code, code)

    def case_code(self, key: str, on: date) -> str | None:
        """The case code of a legal basis under the mapping in force on ``on`` (None if no mapping is)."""
        entry = self.get(key)
        if entry is None:
            return None
        if not self.case_code_mappings:
            return entry.case_code
        for mapping in reversed(self.case_code_mappings):
            if mapping.in_force_on(on):
                code = self._mapped(mapping, entry)
                if code:
                    return code
        return None

    def _mapped(self, mapping: CaseCodeMapping, entry: Entry) -> str | None:
        """The mapping's code for an entry, or for another wording of the same provision (a new wording of a
        point keeps its case code)."""
        if entry.key in mapping.codes:
            return mapping.codes[entry.key]
        return next((mapping.codes[e.key] for e in self.entries
                     if e.key in mapping.codes and _same_coordinates(e.as_citation, entry.as_citation)), None)


# --------------------------------------------------------------------------- loading

@dataclass(frozen=True)
class TextSource:
    """A source that is not a statute the citation grammar knows (a regulation such as SOSFS 2008:18),
    cited as written."""

    canonical: str


def _citation_from(data: dict[str, Any]) -> Citation | TextSource:
    if "text" in data:
        return TextSource(str(data["text"]))
    applied = data.get("applied")
    return Citation.of(
        data["law"], str(data["section"]), data.get("paragraph"), data.get("point"),
        applied=_citation_from(applied) if applied else None, chapter=data.get("chapter"),
    )


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Read and validate the catalogue (the packaged JSON when ``path`` is None)."""
    source = Path(path) if path is not None else DEFAULT_PATH
    raw = json.loads(source.read_text(encoding="utf-8"))
    return catalogue_from_dict(raw)


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The packaged catalogue, read once per process."""
    return load_catalogue()


def catalogue_from_dict(raw: dict[str, Any]) -> Catalogue:
    """Build and validate a catalogue from its JSON structure; raises ``CatalogueError``."""
    try:
        return _build(raw)
    except (KeyError, TypeError, AttributeError) as exc:
        raise CatalogueError(f"malformed catalogue data: {exc!r}") from exc


def _build(raw: dict[str, Any]) -> Catalogue:
    vocabulary = {kind: dict(labels) for kind, labels in raw["vocabulary"].items()}
    for kind in ("roles", "organisation_kinds", "deciders", "document_kinds"):
        if kind not in vocabulary:
            raise CatalogueError(f"vocabulary.{kind} missing")
    conditions = {
        code: ConditionSpec(code, spec["field"], spec["title"], spec["stated"], spec["question"])
        for code, spec in raw["conditions"].items()
    }
    provisions = []
    for p in raw["provisions"]:
        sources = {code: _citation_from(c) for code, c in p.get("condition_sources", {}).items()}
        unknown = set(sources) - set(conditions)
        if unknown:
            raise CatalogueError(f"unknown condition codes {sorted(unknown)} in provision {p['law']} {p['section']}")
        provisions.append(Provision(
            law=p["law"], section=str(p["section"]), points_paragraph=p.get("points_paragraph"),
            requesters_text=p.get("requesters_text", ""),
            other_paragraphs=MappingProxyType({int(k): v for k, v in p.get("other_paragraphs", {}).items()}),
            condition_sources=MappingProxyType(sources),
            chapter=p.get("chapter"), chosen_by_key=bool(p.get("chosen_by_key", False)),
        ))
    law_defaults = raw.get("laws", {})
    case_codes = dict(raw.get("case_codes", {}))
    mappings = tuple(
        CaseCodeMapping(m["system"], _date(m.get("valid_from")), _date(m.get("valid_to")), m.get("source", ""),
                        MappingProxyType({k: str(v) for k, v in m["codes"].items()}))
        for m in raw.get("case_code_mappings", ())
    )
    for m in mappings:
        bad = sorted(set(m.codes.values()) - set(case_codes))
        if case_codes and bad:
            raise CatalogueError(f"case code mapping {m.system}: unknown case code {bad}")
    entries = []
    seen_keys: set[str] = set()
    for e in raw["entries"]:
        key = e["key"]
        if key in seen_keys:
            raise CatalogueError(f"duplicate key {key}")
        seen_keys.add(key)
        if e["law"] not in LAWS:
            raise CatalogueError(f"{key}: unknown law {e['law']}")
        deciders = e.get("competent_deciders") or law_defaults.get(e["law"], {}).get("competent_deciders", [])
        entry = Entry(
            key=key, law=e["law"], section=str(e["section"]), paragraph=e.get("paragraph"), point=e.get("point"),
            applied=_citation_from(e["applied"]) if e.get("applied") else None,
            valid_from=_date(e["valid_from"]), valid_to=_date(e.get("valid_to")),
            title=e["title"], explanation=e["explanation"],
            requesters=tuple(
                RequesterRule(tuple(r["organisation_kinds"]), tuple(r["roles"])) for r in e["requesters"]
            ),
            kriminalvarden_transport=e.get("kriminalvarden_transport"),
            conditions=tuple(e.get("conditions", ())),
            documents=tuple(
                DocumentRequirement(tuple(d["any_of"]), bool(d["required"])) for d in e.get("documents", ())
            ),
            competent_deciders=tuple(deciders),
            case_code=str(e["case_code"]) if "case_code" in e else "",
            chapter=e.get("chapter"),
        )
        entries.append(entry)
    entries = _with_case_codes(entries, mappings)
    for entry in entries:
        _validate_entry(entry, vocabulary, conditions, provisions, case_codes)
    by_key = {(p.law, p.section) for p in provisions if p.chosen_by_key}
    for i, a in enumerate(entries):
        for b in entries[i + 1:]:
            if (a.law, a.section) in by_key:
                continue  # told apart by the measure, not by the citation
            if _same_coordinates(a.as_citation, b.as_citation) and _overlap(a, b):
                raise CatalogueError(f"{a.key} and {b.key} cite the same provision with overlapping validity")
    return Catalogue(
        entries=tuple(entries), provisions=tuple(provisions), conditions=MappingProxyType(conditions),
        vocabulary=MappingProxyType(vocabulary), case_codes=MappingProxyType(case_codes),
        case_code_mappings=mappings,
    )


def _with_case_codes(entries: list[Entry], mappings: tuple[CaseCodeMapping, ...]) -> list[Entry]:
    """Entries without a code of their own get the latest mapping's code for them or for another wording of
    the same provision."""
    out = []
    for entry in entries:
        if not entry.case_code:
            code = next((m.codes[entry.key] for m in reversed(mappings) if entry.key in m.codes), "") or next(
                (m.codes[o.key] for m in reversed(mappings) for o in entries
                 if o.key in m.codes and _same_coordinates(o.as_citation, entry.as_citation)), "")
            entry = replace(entry, case_code=code)
        out.append(entry)
    return out


def _overlap(a: Entry, b: Entry) -> bool:
    a_end = a.valid_to or date.max
    b_end = b.valid_to or date.max
    return a.valid_from <= b_end and b.valid_from <= a_end


def _validate_entry(entry, vocabulary, conditions, provisions, case_codes) -> None:
    def unknown(values, kind):
        bad = sorted(set(values) - set(vocabulary[kind]))
        if bad:
            raise CatalogueError(f"{entry.key}: unknown {kind} {bad}")

    unknown(entry.requester_roles, "roles")
    unknown(entry.organisation_kinds, "organisation_kinds")
    unknown(entry.competent_deciders, "deciders")
    unknown([k for d in entry.documents for k in d.any_of], "document_kinds")
    if not entry.competent_deciders:
        raise CatalogueError(f"{entry.key}: no competent deciders")
    provision = next((p for p in provisions if p.law == entry.law and p.section == entry.section), None)
    if provision is None:
        raise CatalogueError(f"{entry.key}: no provision {entry.law} {entry.section}")
    if entry.chapter != provision.chapter:
        raise CatalogueError(f"{entry.key}: chapter {entry.chapter} is not the provision's {provision.chapter}")
    if provision.points_paragraph is not None and (entry.paragraph != provision.points_paragraph or entry.point is None):
        raise CatalogueError(f"{entry.key}: points of {entry.law} {entry.section} stand in stycke {provision.points_paragraph}")
    if provision.points_paragraph is None and entry.applied is None and not provision.chosen_by_key:
        raise CatalogueError(f"{entry.key}: an entry on a section without points needs an applied provision")
    for code in entry.conditions:
        if code not in conditions:
            raise CatalogueError(f"{entry.key}: unknown condition {code}")
        if code not in provision.condition_sources:
            raise CatalogueError(f"{entry.key}: provision has no source for condition {code}")
    if not entry.case_code:
        raise CatalogueError(f"{entry.key}: no case code")
    if case_codes and entry.case_code not in case_codes:
        raise CatalogueError(f"{entry.key}: unknown case code {entry.case_code}")
    if entry.valid_to is not None and entry.valid_to < entry.valid_from:
        raise CatalogueError(f"{entry.key}: valid_to before valid_from")


# --------------------------------------------------------------------------- resolution

ResolutionStatus = Literal["exact", "incomplete", "impossible"]


@dataclass(frozen=True)
class Resolution:
    """What a written legal basis means against the catalogue on a given day.

    ``exact``: ``entry`` is the one legal basis.  ``incomplete``: the text is
    not precise (or could not be read); ``candidates`` lists what it may mean and
    ``question`` asks the requester.  ``impossible``: no valid legal basis can be
    meant; ``reason`` says why.
    """

    status: ResolutionStatus
    citation: Citation | None = None
    entry: Entry | None = None
    candidates: tuple[Entry, ...] = ()
    question: str | None = None
    reason: str | None = None
    preface: str = ""  # first sentence of ``question``; lets a caller re-ask with fewer candidates


def _range_text(points: list[int]) -> str:
    points = sorted(set(points))
    if len(points) > 1 and points == list(range(points[0], points[-1] + 1)):
        return f"punkterna {points[0]}–{points[-1]}"
    if len(points) == 1:
        return f"punkt {points[0]}"
    return "punkterna " + ", ".join(str(p) for p in points[:-1]) + f" och {points[-1]}"


def _listing(entries: Iterable[Entry]) -> str:
    return "; ".join(f"{e.citation} – {e.title}" for e in entries)


def _imprecise(cited: Citation) -> str:
    return f"Lagrummet {cited.canonical} är inte tillräckligt precist."


def completion_question(cited: Citation | None, candidates: Iterable[Entry], preface: str = "") -> str:
    """The Swedish question asking which of the candidates the request means."""
    candidates = tuple(candidates)
    head = preface or (_imprecise(cited) if cited else "Lagrum saknas.")
    if not candidates:
        return f"{head} Ange lagrummet med lag, paragraf, stycke och punkt."
    return f"{head} Ange vilken av följande grunder begäran avser: {_listing(candidates)}."


def _examples(catalogue: Catalogue) -> str:
    seen: dict[str, Entry] = {}
    for e in catalogue.entries:
        seen.setdefault(e.law, e)
    return ", ".join(f"”{e.citation}”" for e in seen.values())


def _handled_provisions(catalogue: Catalogue) -> str:
    cites = [format_citation(p.law, p.section) for p in catalogue.provisions]
    return ", ".join(cites[:-1]) + f" eller {cites[-1]}" if len(cites) > 1 else "".join(cites)


def resolve(citation_text: str, catalogue: Catalogue, on: date) -> Resolution:
    """Resolve a legal basis as written in a request against the catalogue on ``on``."""
    text = (citation_text or "").strip()
    valid = catalogue.valid_on(on)
    if not text:
        return Resolution(
            "incomplete", question=f"Lagrum saknas. Ange lagrummet för begäran, t.ex. {_examples(valid)}.",
            reason="Lagrum saknas.", preface="Lagrum saknas.",
        )
    try:
        cited = parse_citation(text)
    except CitationSyntaxError as exc:
        law = find_law_code(text)
        cands = tuple(e for e in valid.entries if e.law == law) if law else ()
        preface = f"{exc}"
        if cands:
            question = completion_question(None, cands, preface=preface)
        else:
            question = f"{preface} Ange lagrummet i formen {_examples(valid)}."
        return Resolution("incomplete", candidates=cands, question=question, reason=str(exc), preface=preface)
    return resolve_citation(cited, catalogue, on)


def _impossible(cited: Citation | None, reason: str) -> Resolution:
    return Resolution("impossible", citation=cited, reason=reason)


def _pick(entries: list[Entry], on: date) -> Entry:
    """The version in force on ``on`` if there is one, else the latest."""
    in_force = [e for e in entries if e.is_valid_on(on)]
    return (in_force or sorted(entries, key=lambda e: e.valid_from))[-1]


def _exact_or_invalid(cited: Citation, entry: Entry, on: date) -> Resolution:
    if not entry.is_valid_on(on):
        until = f" till och med {entry.valid_to.isoformat()}" if entry.valid_to else ""
        return _impossible(
            cited,
            f"{entry.citation} gäller inte den {on.isoformat()} "
            f"(gäller från {entry.valid_from.isoformat()}{until}).",
        )
    return Resolution("exact", citation=cited, entry=entry, candidates=(entry,))


def resolve_citation(cited: Citation, catalogue: Catalogue, on: date) -> Resolution:
    """Resolve an already parsed citation; see ``resolve``."""
    valid = catalogue.valid_on(on)
    # "47 § andra stycket 3 LPT jfr 27 § LRV" is read as "27 § LRV jfr 47 § andra stycket 3 LPT".
    if cited.applied is not None:
        outer = cited.applied
        outer_provision = catalogue.provision(outer.law, outer.section)
        if (
            outer_provision is not None and outer_provision.points_paragraph is None
            and outer.paragraph is None and outer.point is None and outer.applied is None
            and (cited.law, cited.section) != (outer.law, outer.section)
        ):
            cited = Citation(outer.law, outer.sfs, outer.section,
                             applied=Citation(cited.law, cited.sfs, cited.section, cited.paragraph, cited.point))
    provision = catalogue.provision(cited.law, cited.section)
    if provision is not None and provision.chapter is not None and provision.chapter != cited.chapter:
        provision = None
    if provision is None:
        return _impossible(cited, _not_a_basis(cited, catalogue))
    entries = catalogue.provision_entries(provision)
    valid_entries = valid.provision_entries(provision)
    if not valid_entries:
        return _impossible(cited, f"Det finns ingen gällande grund för handräckning enligt {provision.citation} "
                                  f"den {on.isoformat()}.")
    if provision.chosen_by_key:
        # "9–12 kap. UtlL": the citation cannot tell the measures apart; the request names its entry.
        if len(valid_entries) == 1:
            return _exact_or_invalid(cited, valid_entries[0], on)
        preface = f"{provision.citation} omfattar flera slag av handräckning."
        return Resolution(
            "incomplete", citation=cited, candidates=valid_entries,
            question=completion_question(cited, valid_entries, preface=preface),
            reason=f"{preface} Det framgår inte vilket av dem begäran avser.", preface=preface,
        )
    if provision.points_paragraph is None:
        return _resolve_applied(cited, provision, entries, valid_entries, on)

    if cited.applied is not None:  # a "jfr" after a point is informational ("45 § 1 LVM jfr 10 § PL")
        cited = Citation(cited.law, cited.sfs, cited.section, cited.paragraph, cited.point)
    pp = provision.points_paragraph
    if cited.paragraph is not None and cited.paragraph != pp:
        where = format_citation(cited.law, cited.section, cited.paragraph)
        note = provision.other_paragraphs.get(cited.paragraph)
        if note:
            return _impossible(cited, f"{where} {note}. Handräckning begärs enligt någon av punkterna i "
                                      f"{provision.citation}.")
        return _impossible(cited, f"{where} är inte en grund för handräckning; punkterna om handräckning "
                                  f"står i {provision.citation}.")
    if cited.point is None:
        preface = _imprecise(cited)
        return Resolution(
            "incomplete", citation=cited, candidates=valid_entries,
            question=completion_question(cited, valid_entries, preface=preface),
            reason=f"{cited.canonical} anger inte vilken punkt i {provision.citation} begäran avser.",
            preface=preface,
        )
    points = [e.point for e in entries]
    if cited.point not in points:
        return _impossible(cited, f"{provision.citation} har {_range_text(points)}.")
    entry = _pick([e for e in entries if e.point == cited.point], on)
    return _exact_or_invalid(cited, entry, on)


def _resolve_applied(cited, provision, entries, valid_entries, on) -> Resolution:
    """A section without points whose entries are told apart by the applied provision (27 § LRV)."""
    base = format_citation(provision.law, provision.section)
    if cited.applied is None:
        preface = (
            f"{base} är inte indelad i stycken med punkter." if cited.paragraph or cited.point
            else _imprecise(cited)
        )
        return Resolution(
            "incomplete", citation=cited, candidates=valid_entries,
            question=completion_question(cited, valid_entries, preface=preface),
            reason=f"{base} omfattar flera slag av hjälp; det framgår inte vilket som avses.",
            preface=preface,
        )
    applied = cited.applied
    if applied.paragraph is None:
        # "27 § LRV jfr 47 § 3 LPT", "27 § LRV jfr 7 § LRV": when only one stycke of the applied
        # section fits, the stycke is implied.
        stycken = {
            e.applied.paragraph for e in entries
            if (e.applied.law, e.applied.section, e.applied.point) == (applied.law, applied.section, applied.point)
        }
        if len(stycken) == 1:
            applied = Citation(applied.law, applied.sfs, applied.section, stycken.pop(), applied.point)
    cited = Citation(cited.law, cited.sfs, cited.section, applied=applied)
    matching = [e for e in entries if e.matches(cited)]
    if matching:
        return _exact_or_invalid(cited, _pick(matching, on), on)
    partial = tuple(
        e for e in valid_entries
        if (e.applied.law, e.applied.section) == (applied.law, applied.section)
        and applied.paragraph in (None, e.applied.paragraph) and applied.point in (None, e.applied.point)
    )
    if partial and (applied.point is None):
        preface = _imprecise(cited)
        return Resolution(
            "incomplete", citation=cited, candidates=partial,
            question=completion_question(cited, partial, preface=preface),
            reason=f"{cited.canonical} anger inte vilken punkt som tillämpas.",
            preface=preface,
        )
    return _impossible(
        cited,
        f"{cited.canonical} omfattas inte av hjälpen enligt {base}. Hjälp enligt {base} lämnas till "
        f"{provision.requesters_text} i dessa fall: {_listing(valid_entries)}.",
    )


def _not_a_basis(cited: Citation, catalogue: Catalogue) -> str:
    handled = _handled_provisions(catalogue)
    law = LAWS.get(cited.law)
    if any(p.law == cited.law for p in catalogue.provisions):
        sections = [p for p in catalogue.provisions if p.law == cited.law]
        where = " eller ".join(p.citation for p in sections)
        return f"{cited.canonical} är inte en bestämmelse om handräckning; handräckning enligt {cited.law} begärs enligt {where}."
    if law is None:
        return (f"Lagen ({cited.sfs}) hanteras inte som grund för handräckning. Handräckning enligt "
                f"vårdlagarna begärs med stöd av {handled}.")
    repealed = " Förordningen är upphävd." if law.repealed else ""
    return (f"{cited.canonical} ({law.name}) är inte en grund för handräckning enligt vårdlagarna.{repealed} "
            f"Handräckning enligt vårdlagarna begärs med stöd av {handled}.")


def resolve_key(key: str, catalogue: Catalogue, on: date) -> Resolution:
    """Resolve a legal basis chosen by its catalogue key (e.g. from a form's list)."""
    entry = catalogue.get(key)
    if entry is None:
        return _impossible(None, f"Okänd rättslig grund: {key}.")
    return _exact_or_invalid(entry.as_citation, entry, on)
