"""Search in the legal knowledge base: citations resolved exactly first, then Swedish full text.

The full-text part works the same way on both database engines.  The query
becomes *concepts* (one per significant word): each has its exact terms (the
Snowball stem, the root it conflates to, number words, a few synonyms) and,
for a compound, its parts.  The engine only answers "which entries contain any
of these terms" — FTS5 ``MATCH`` on SQLite, ``tsv @@ tsquery`` on PostgreSQL
(``swedish`` configuration, GIN index) — in one statement with one lookup per
concept.  Ranking is then computed here, identically for both engines, as
BM25 over the concepts:

    score = kind · status · Σ idf(concept) · match · title · tf·(k1+1) / (tf + k1·(1 − b + b·length/avg))

``match`` is 1 for an exact term and 0.6 for a compound part; ``title`` is
1.5 when the indexed title (headings, names) has the term; k1 = 1.2, b =
0.75.  All candidates are first scored with a term frequency of one (so a
short paragraf that has the words beats a long section that also has them),
then the best 50 again with their real term frequencies.  ``kind`` ranks
binding text (statutes, regulations) above guides, JO decisions and, last,
reports that discuss the same thing; repealed text counts 0.6.  The pieces of
one report section are collapsed to the best one.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q

from . import analysis
from .catalogue import default_catalogue
from .citations import LAWS, Citation, CitationSyntaxError, find_citations, parse_citation
from .guides import EXTERNAL_LAWS
from .models import EntryKind, SearchEntry, Term, UnitStatus

__all__ = [
    "KIND_LABELS",
    "MAX_QUERY_CHARS",
    "STATUS_FILTERS",
    "Concept",
    "Hit",
    "SearchError",
    "SearchResult",
    "search",
]

MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 16
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
K1, B = 1.2, 0.75
PART_MATCH = 0.6
RERANK = 50  # the best candidates are scored again with real term frequencies
TITLE_BOOST = 1.5
KIND_WEIGHT = {
    EntryKind.STATUTE: 1.0, EntryKind.REGULATION: 1.0, EntryKind.ORDINANCE: 1.0, EntryKind.GUIDE: 0.9,
    EntryKind.JO_DECISION: 0.85, EntryKind.GUIDELINE: 0.85, EntryKind.REPORT: 0.55,
}
STATUS_WEIGHT = {UnitStatus.REPEALED: 0.6}
KIND_LABELS = dict(EntryKind.choices)
STATUS_LABELS = dict(UnitStatus.choices)
# A filter on status: "in_force" means what applies today, including a paragraf that will expire.
STATUS_FILTERS = {
    "in_force": {"in_force", "expiring"}, "expiring": {"expiring"}, "repealed": {"repealed"}, "coming": {"coming"},
}
KIND_ALIASES = {"lag": "statute", "förordning": "ordinance", "föreskrift": "regulation", "föreskrifter": "regulation",
                "rapport": "report", "vägledning": "guide", "jo": "jo_decision", "riktlinje": "guideline"}
STATUS_ALIASES = {"gällande": "in_force", "upphävd": "repealed", "upphör": "expiring"}
# A few words the sources use for the same thing (LVU says "den unge" where people say "barn").
SYNONYMS = {"barn": ("unge",), "unge": ("barn",), "ungdom": ("unge",), "minderårig": ("unge", "barn")}
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# A JO decision as the sources cite it: "JO 2014/15 s. 122".
JO_RE = re.compile(r"\bJO\s+(\d{4})/(\d{2})\s+s\.?\s*(\d{1,4})\b")


def jo_key(match: re.Match) -> str:
    return f"jo-{match.group(1)}-{match.group(2)}-s-{match.group(3)}"


class SearchError(ValueError):
    """The query or a filter cannot be used.  The message is Swedish and says what to do."""


@dataclass(frozen=True)
class Concept:
    word: str
    exact: tuple[str, ...]
    raw: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    weight: float = 1.0

    @property
    def terms(self) -> tuple[str, ...]:
        return self.exact + self.parts


@dataclass
class Hit:
    title: str
    source: str
    kind: str
    chapter: str | None
    section: str | None
    status: str
    snippet: str
    url: str
    exact: bool = False
    document: str | None = None
    address: str | None = None
    score: float = 0.0

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    def as_dict(self) -> dict:
        return {
            "title": self.title, "source": self.source, "kind": self.kind, "chapter": self.chapter,
            "section": self.section, "status": self.status, "snippet": self.snippet, "url": self.url,
            "exact": self.exact, "document": self.document, "address": self.address, "score": round(self.score, 4),
        }


@dataclass
class SearchResult:
    query: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    message: str = ""
    citations: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- input

def clean_query(query: str) -> str:
    if not isinstance(query, str):
        raise SearchError("Sökfrågan måste vara text.")
    text = unicodedata.normalize("NFKC", _CONTROL_RE.sub(" ", query))
    text = " ".join(text.split())
    if not text:
        raise SearchError("Skriv något att söka efter, t.ex. ”förvar barn” eller ”29 a § polislagen”.")
    if len(text) > MAX_QUERY_CHARS:
        raise SearchError(f"Sökfrågan är för lång ({len(text)} tecken). Skriv högst {MAX_QUERY_CHARS} tecken.")
    return text


def parse_filters(kinds, statuses) -> tuple[set[str] | None, set[str] | None]:
    def split(value) -> list[str]:
        if value is None:
            return []
        items = value if isinstance(value, list | tuple | set) else [value]
        return [p.strip().lower() for item in items for p in str(item).split(",") if p.strip()]

    kind_set = set()
    for k in split(kinds):
        k = KIND_ALIASES.get(k, k)
        if k not in KIND_LABELS:
            raise SearchError(f"Okänt slag av rättskälla: ”{k}”. Välj bland: {', '.join(KIND_LABELS)}.")
        kind_set.add(k)
    status_set: set[str] = set()
    for s in split(statuses):
        s = STATUS_ALIASES.get(s, s)
        if s not in STATUS_FILTERS:
            raise SearchError(f"Okänd status: ”{s}”. Välj bland: {', '.join(STATUS_FILTERS)}.")
        status_set |= STATUS_FILTERS[s]
    return kind_set or None, status_set or None


# --------------------------------------------------------------------------- citations

def _split_citations(text: str) -> tuple[list[Citation], str]:
    """The citations in a query and the rest of it."""
    try:
        return [parse_citation(text)], ""
    except CitationSyntaxError:
        pass
    found = find_citations(text)
    if not found:
        return [], text
    rest, cursor = [], 0
    for f in found:
        rest.append(text[cursor:f.start])
        cursor = f.end
    rest.append(text[cursor:])
    return [f.citation for f in found], " ".join(" ".join(rest).split())


def _anchor(address: str, citation: Citation) -> str:
    if citation.paragraph is None:
        return ""
    anchor = f"{address}S{citation.paragraph}"
    return f"#{anchor}N{citation.point}" if citation.point is not None else f"#{anchor}"


def _exact(citation: Citation) -> tuple[list[tuple[int, str]], str]:
    """(entry id, url anchor) for the entries a citation names, and a message when there are none."""
    law = LAWS.get(citation.law)
    if citation.law in EXTERNAL_LAWS:
        catalogue = default_catalogue()
        keys = [e.key for e in catalogue.candidates(citation)]
        rows = list(SearchEntry.objects.filter(guide_key__in=keys).values_list("id", "guide_key"))
        order = {k: i for i, k in enumerate(keys)}
        rows.sort(key=lambda r: order[r[1]])
        if rows:
            return [(r[0], "") for r in rows], ""
        return [], (f"{citation.canonical}: lagens fulltext finns inte i kunskapsbanken, och lagrummet är inte "
                    "en av grunderna för handräckning. Vägledningssidorna citerar det som källorna citerar.")
    query = SearchEntry.objects.filter(law_code=citation.law, section=citation.section,
                                       kind__in=[EntryKind.STATUTE, EntryKind.ORDINANCE, EntryKind.REGULATION])
    if citation.chapter:
        query = query.filter(chapter=citation.chapter)
    rows = list(query.order_by("chapter", "id").values_list("id", "unit__address"))
    if rows:
        return [(r[0], _anchor(r[1], citation)) for r in rows], ""
    name = law.name if law else f"lagen ({citation.sfs})"
    if not SearchEntry.objects.filter(law_code=citation.law).exists():
        return [], f"{name[:1].upper()}{name[1:]} finns inte i kunskapsbanken."
    return [], f"Det finns ingen {citation.canonical.split(' ' + citation.law)[0]} i {name}."


# --------------------------------------------------------------------------- concepts

def build_concepts(text: str) -> list[Concept]:
    words = [w for w in dict.fromkeys(analysis.words(text)) if w not in analysis.STOPWORDS]
    words = words[:MAX_QUERY_WORDS]  # a longer query is searched on its first words (search() says so)
    if not words:
        return []
    alternatives = {w: [*analysis.number_alternatives(w), *SYNONYMS.get(w, ())] for w in words}
    lookup_words = set(words) | {a for alts in alternatives.values() for a in alts}
    for w in words:
        if len(w) >= analysis.MIN_COMPOUND_WORD:
            lookup_words |= analysis.compound_candidates(w)
    stems = {analysis.stem(w) for w in lookup_words}
    rows = Term.objects.filter(Q(word__in=lookup_words) | Q(stem__in=stems)).values_list("word", "stem", "root", "parts")
    known_words: dict[str, str] = {}
    root_of: dict[str, str] = {}
    parts_of: dict[str, tuple[str, ...]] = {}
    for word, stem, root, parts in rows:
        known_words[word] = stem
        root_of[stem] = root
        if parts:
            parts_of[word] = tuple(parts.split())

    def terms(word: str) -> set[str]:
        s = analysis.stem(word)
        return {s, root_of.get(s, s)}

    concepts = []
    for w in words:
        exact = terms(w)
        raw = [w]
        for alt in alternatives[w]:
            exact |= terms(alt)
            raw.append(alt)
        parts = parts_of.get(w) or analysis.split_compound(
            w, lambda p: p in known_words and p not in analysis.STOPWORDS) or ()
        part_terms: set[str] = set()
        for part in parts:
            part_terms |= terms(part)
        concepts.append(Concept(w, tuple(sorted(exact)), tuple(raw), tuple(sorted(part_terms - exact))))
    return concepts


# --------------------------------------------------------------------------- engines

@dataclass
class _Matches:
    exact: list[set[int]]
    title: list[set[int]]
    parts: list[set[int]]
    meta: dict[int, tuple[str, str, int, str]]  # id -> (kind, status, length, group key)
    total: int = 0  # entries in the index
    average_length: float = 1.0


def _fts5(terms) -> str:
    return " OR ".join(f'"{t}"' for t in terms)


def _sqlite_query(terms, raw) -> tuple[str, list[str]]:
    return "SELECT rowid FROM legal_search_fts WHERE legal_search_fts MATCH %s", [_fts5(terms)]


def _tsquery(simple_terms, raw_words) -> tuple[str, list[str]]:
    """The stems and roots with the ``simple`` configuration (they are already analysed), the
    words as typed with the ``swedish`` one."""
    parts, params = [], []
    if simple_terms:
        parts.append("to_tsquery('simple', %s)")
        params.append(" | ".join(simple_terms))
    if raw_words:
        parts.append("to_tsquery('swedish', %s)")
        params.append(" | ".join(raw_words))
    return "(" + " || ".join(parts) + ")", params


def _postgresql_query(terms, raw) -> tuple[str, list[str]]:
    tsquery, params = _tsquery(terms, raw)
    return f"SELECT id FROM legal_searchentry WHERE tsv @@ {tsquery}", params


def match(concepts: list[Concept]) -> _Matches:
    """Which entries contain each concept (its exact terms, and separately its compound parts).

    One statement: a UNION ALL of one full-text lookup per concept (FTS5 ``MATCH`` or the GIN index),
    joined to the entries for what ranking needs.  Whether the title matches is read from the
    title's stems and roots."""
    lookup = _postgresql_query if connection.vendor == "postgresql" else _sqlite_query
    selects, params = [], []
    for i, c in enumerate(concepts):
        sql, p = lookup(c.exact, c.raw)
        selects.append(f"SELECT {2 * i} AS tag, m.* FROM ({sql}) m")
        params += p
        if c.parts:
            sql, p = lookup(c.parts, ())
            selects.append(f"SELECT {2 * i + 1} AS tag, m.* FROM ({sql}) m")
            params += p
    sql = ("SELECT u.tag, e.id, e.kind, e.status, e.length, e.group_key, e.title_stems, "
           "(SELECT COUNT(*) FROM legal_searchentry), (SELECT AVG(length) FROM legal_searchentry) FROM ("
           + " UNION ALL ".join(selects) + ") u (tag, rid) JOIN legal_searchentry e ON e.id = u.rid")
    if connection.vendor != "postgresql":  # SQLite names the columns of a subquery by its first SELECT
        sql = sql.replace(") u (tag, rid) JOIN", ") u JOIN").replace("e.id = u.rid", "e.id = u.rowid")
    n = len(concepts)
    matches = _Matches([set() for _ in range(n)], [set() for _ in range(n)], [set() for _ in range(n)], {})
    titles: dict[int, set[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for tag, entry_id, kind, status, length, group, title_stems, total, average in cursor.fetchall():
            matches.total, matches.average_length = total, float(average or 1.0)
            index, is_part = divmod(tag, 2)
            (matches.parts if is_part else matches.exact)[index].add(entry_id)
            if entry_id not in matches.meta:
                matches.meta[entry_id] = (kind, status, length, group)
                titles[entry_id] = set(title_stems.split())
    for i, c in enumerate(concepts):
        terms = set(c.exact)
        matches.title[i] = {e for e in matches.exact[i] if titles[e] & terms}
    return matches


# --------------------------------------------------------------------------- ranking

def rank(concepts: list[Concept], matches: _Matches, total: int, average_length: float,
         kinds: set[str] | None = None, statuses: set[str] | None = None) -> list[tuple[int, float]]:
    """(entry id, score), best first, one entry per group.  Pure: see the module docstring."""
    scores: dict[int, float] = defaultdict(float)
    for i, concept in enumerate(concepts):
        found = matches.exact[i] | matches.parts[i]
        if not found:
            continue
        df = len(found)
        idf = math.log(1 + (total - df + 0.5) / (df + 0.5)) * concept.weight
        for entry_id in found:
            weight = 1.0 if entry_id in matches.exact[i] else PART_MATCH
            if entry_id in matches.title[i]:
                weight *= TITLE_BOOST
            scores[entry_id] += idf * weight
    best: dict[str, tuple[float, int]] = {}
    for entry_id, raw in scores.items():
        kind, status, length, group = matches.meta[entry_id]
        if kinds and kind not in kinds:
            continue
        if statuses and status not in statuses:
            continue
        norm = (K1 + 1) / (1 + K1 * (1 - B + B * length / max(average_length, 1.0)))
        score = raw * norm * KIND_WEIGHT.get(kind, 0.5) * STATUS_WEIGHT.get(status, 1.0)
        if group not in best or score > best[group][0]:
            best[group] = (score, entry_id)
    ordered = sorted(((entry_id, score) for score, entry_id in best.values()), key=lambda x: (-x[1], x[0]))
    return ordered


def _prepared(concepts: list[Concept]) -> list[tuple[frozenset[str], tuple[str, ...], tuple[str, ...]]]:
    return [(frozenset(c.exact), tuple(a for a in c.exact if len(a) >= analysis.MIN_ROOT),
             tuple(a for a in c.parts if len(a) >= analysis.MIN_ROOT)) for c in concepts]


def term_frequencies(concepts: list[Concept], stems: str, memo: dict[str, tuple[int, float] | None],
                     prepared=None) -> list[float]:
    """How often each concept occurs in an entry's stems (a compound part counts 0.6).  A stem
    matches an exact term when it is the term or begins with it (a root: "fotbojan" / "fotboj");
    ``memo`` (stem -> (concept, weight)) is shared by the entries of one search."""
    prepared = prepared or _prepared(concepts)
    counts = [0.0] * len(concepts)
    for token, n in Counter(stems.split()).items():
        found = memo.get(token, False)
        if found is False:
            found = None
            for i, (exact, prefixes, parts) in enumerate(prepared):
                if token in exact or (prefixes and token.startswith(prefixes)):
                    found = (i, 1.0)
                    break
                if parts and any(a in token for a in parts):
                    found = (i, PART_MATCH)
                    break
            memo[token] = found
        if found is not None:
            counts[found[0]] += found[1] * n
    return counts


def rerank(concepts: list[Concept], matches: _Matches, ranked: list[tuple[int, float]], stems: dict[int, str],
           total: int, average_length: float) -> list[tuple[int, float]]:
    """Score the best candidates again with BM25 and real term frequencies (pure).

    ``stems`` holds the title and body stems of the candidates to re-score; the rest keep their
    order after them."""
    memo: dict[str, tuple[int, float] | None] = {}
    prepared = _prepared(concepts)
    idfs = []
    for i, concept in enumerate(concepts):
        df = len(matches.exact[i] | matches.parts[i]) or 1
        idfs.append(math.log(1 + (total - df + 0.5) / (df + 0.5)) * concept.weight)
    rescored = []
    for entry_id, _ in ranked:
        if entry_id not in stems:
            continue
        kind, status, length, _group = matches.meta[entry_id]
        tfs = term_frequencies(concepts, stems[entry_id], memo, prepared)
        norm = K1 * (1 - B + B * length / max(average_length, 1.0))
        score = 0.0
        for i in range(len(concepts)):
            matched = entry_id in matches.exact[i] or entry_id in matches.parts[i]
            if not matched:
                continue
            tf = max(tfs[i], 1.0 if entry_id in matches.exact[i] else PART_MATCH)
            weight = TITLE_BOOST if entry_id in matches.title[i] else 1.0
            score += idfs[i] * weight * tf * (K1 + 1) / (tf + norm)
        rescored.append((entry_id, score * KIND_WEIGHT.get(kind, 0.5) * STATUS_WEIGHT.get(status, 1.0)))
    rescored.sort(key=lambda x: (-x[1], x[0]))
    done = {e for e, _ in rescored}
    return rescored + [(e, s) for e, s in ranked if e not in done]


# --------------------------------------------------------------------------- search

def search(query: str, *, kinds=None, statuses=None, limit: int = DEFAULT_LIMIT) -> SearchResult:
    """Search the knowledge base.  Raises ``SearchError`` (Swedish) for a query or filter that
    cannot be used; never for a query that simply finds nothing."""
    text = clean_query(query)
    kind_set, status_set = parse_filters(kinds, statuses)
    if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise SearchError(f"Antalet träffar ska vara 1–{MAX_LIMIT}.")
    result = SearchResult(query=text)
    exact_ids: list[tuple[int, str]] = []
    messages = []
    for jo in list(JO_RE.finditer(text)):
        rows = SearchEntry.objects.filter(note__key=jo_key(jo), note__published=True).values_list("id", flat=True)
        exact_ids += [(entry_id, "") for entry_id in rows]
        if not rows:
            messages.append(f"{jo.group(0)} finns inte i JO-registret.")
        result.citations.append(jo.group(0))
    text_without_jo = " ".join(JO_RE.sub(" ", text).split())
    citations, rest = _split_citations(text_without_jo) if text_without_jo else ([], "")
    for citation in citations:
        ids, message = _exact(citation)
        exact_ids += [x for x in ids if x[0] not in {e for e, _ in exact_ids}]
        if message:
            messages.append(message)
        result.citations.append(citation.canonical)
    concepts = build_concepts(rest)
    if citations and not rest:
        # a citation alone: after the provision itself, what cites it
        from .services import cite_token

        concepts = [Concept(c.canonical, (cite_token(c),), weight=0.8) for c in citations]
    if not concepts and not result.citations:
        result.message = "Sökfrågan innehåller bara vanliga småord. Skriv ett mer specifikt ord."
        return result
    ranked: list[tuple[int, float]] = []
    groups: dict[int, str] = {}
    rows: dict[int, _Row] = {}
    if concepts:
        matches = match(concepts)
        if matches.meta:
            ranked = rank(concepts, matches, matches.total, matches.average_length, kind_set, status_set)
            groups = {entry_id: meta[3] for entry_id, meta in matches.meta.items()}
            rows = _rows([e for e, _ in ranked[:RERANK]] + [e for e, _ in exact_ids])
            stems = {e: f"{r.title_stems} {r.body_stems}" for e, r in rows.items() if e in matches.meta}
            ranked = rerank(concepts, matches, ranked, stems, matches.total, matches.average_length)
    rows.update(_rows([e for e, _ in exact_ids if e not in rows]))
    exact_hits = []
    cache: dict[str, int | None] = {}  # word -> concept, shared by the snippets of this search
    for entry_id, anchor in exact_ids:
        row = rows.get(entry_id)
        if row is None or (kind_set and row.kind not in kind_set) or (status_set and row.status not in status_set):
            continue
        exact_hits.append(_hit(row, concepts, cache, exact=True, anchor=anchor, score=float("inf")))
    exact_groups = {rows[e].group_key for e, _ in exact_ids if e in rows}
    ranked = [(e, score) for e, score in ranked if groups.get(e) not in exact_groups]
    room = max(limit - len(exact_hits), 0)
    rows.update(_rows([e for e, _ in ranked[:room] if e not in rows]))
    ranked_hits = [_hit(rows[e], concepts, cache, score=score) for e, score in ranked[:room]]
    result.hits = (exact_hits + ranked_hits)[:limit]
    result.total = len(exact_hits) + len(ranked)
    if messages and not exact_hits:
        result.message = " ".join(messages)
    elif not result.hits:
        result.message = "Inga träffar. Pröva färre eller andra ord, eller ett lagrum som ”17 § PL”."
    used_words = [w for w in dict.fromkeys(analysis.words(rest)) if w not in analysis.STOPWORDS]
    if len(used_words) > MAX_QUERY_WORDS:
        result.message = (f"Sökfrågan har {len(used_words)} ord; de första {MAX_QUERY_WORDS} användes. "
                          f"{result.message}").strip()
    return result


@dataclass(frozen=True)
class _Row:
    id: int
    kind: str
    status: str
    group_key: str
    title: str
    source: str
    url: str
    body: str
    chapter: str
    section: str
    document_key: str | None
    address: str | None
    title_stems: str
    body_stems: str


_ROW_FIELDS = ("id", "kind", "status", "group_key", "title", "source", "url", "body", "chapter", "section",
               "document__key", "unit__address", "title_stems", "body_stems")


def _rows(ids: list[int]) -> dict[int, _Row]:
    if not ids:
        return {}
    return {v[0]: _Row(*v) for v in SearchEntry.objects.filter(id__in=set(ids)).values_list(*_ROW_FIELDS)}


def _hit(row: _Row, concepts: list[Concept], cache: dict, *, exact: bool = False, anchor: str = "",
         score: float = 0.0) -> Hit:
    snippet = analysis.snippet(row.body, [c.terms for c in concepts], cache=cache)
    url = row.url if not anchor else row.url.split("#")[0] + anchor
    return Hit(
        title=row.title, source=row.source, kind=row.kind, chapter=row.chapter or None, section=row.section or None,
        status=row.status, snippet=snippet, url=url, exact=exact,
        document=row.document_key, address=row.address, score=score if score != float("inf") else 1e9,
    )
