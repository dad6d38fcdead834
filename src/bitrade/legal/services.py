"""Writes to the legal knowledge base: importing the corpus, the JO register, the search index.

Every change is one transaction and is audited.  Re-importing is idempotent: a
document whose text is unchanged (same SHA-256 of the normalised text) is left
alone; a changed text becomes a new version with its own units, and the
document points at it.  The search index, the vocabulary and the quotations are
derived data, rebuilt from the current versions whenever something changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from bitrade.audit import services as audit
from bitrade.common.actor import Actor

from . import analysis
from .catalogue import Catalogue, default_catalogue
from .citations import LAWS, Citation, find_citations
from .guides import extract_quotations, jo_register_data, requesters_text
from .models import (
    Document,
    DocumentVersion,
    EntryKind,
    LegalNote,
    NoteKind,
    Quotation,
    SearchEntry,
    Term,
    Unit,
    UnitKind,
)
from .parsers import ParsedDocument, ParsedUnit, ParseError, parse_document
from .parsers.common import normalise_text

__all__ = [
    "ImportOutcome",
    "ImportResult",
    "LegalImportError",
    "cite_token",
    "import_corpus",
    "import_if_available",
    "rebuild_index",
    "reindex_note",
    "seed_notes",
]

log = logging.getLogger(__name__)
MAX_FILE_BYTES = 5 * 1024 * 1024


class LegalImportError(Exception):
    """The import cannot run (no such directory, …).  The message is Swedish."""


@dataclass
class ImportOutcome:
    name: str
    action: str  # created | new_version | unchanged | skipped
    key: str = ""
    title: str = ""
    version: int | None = None
    units: int = 0
    message: str = ""


@dataclass
class ImportResult:
    directory: str
    outcomes: list[ImportOutcome] = field(default_factory=list)
    notes_changed: int = 0
    index_rebuilt: bool = False
    entries: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return any(o.action in ("created", "new_version") for o in self.outcomes) or self.notes_changed > 0


def content_hash(text: str) -> str:
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def _source_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir()
                  if p.is_file() and p.suffix.lower() == ".txt" and not p.name.lower().startswith("readme"))


def import_corpus(actor: Actor, directory: str | Path | None = None, *, force_index: bool = False) -> ImportResult:
    """Import every source text in ``directory`` (default ``settings.BITRADE_SEEDS_DIR``), seed the
    JO register, and rebuild the search index if anything changed (or the index is empty)."""
    started = time.perf_counter()
    path = Path(directory) if directory is not None else Path(settings.BITRADE_SEEDS_DIR)
    if not path.is_dir():
        raise LegalImportError(f"Katalogen {path} finns inte. Ange katalogen med rättskällorna, t.ex. "
                               f"`bitrade legal import /sökväg/till/rättskällor`.")
    result = ImportResult(directory=str(path))
    parsed: list[tuple[Path, str, ParsedDocument]] = []
    seen: dict[str, str] = {}
    for file in _source_files(path):
        if file.stat().st_size > MAX_FILE_BYTES:
            result.outcomes.append(ImportOutcome(file.name, "skipped", message="Filen är större än 5 MB."))
            continue
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            result.outcomes.append(ImportOutcome(file.name, "skipped", message="Filen är inte UTF-8-text."))
            continue
        try:
            document = parse_document(text, file.name)
        except ParseError as exc:
            result.outcomes.append(ImportOutcome(file.name, "skipped", message=str(exc)))
            continue
        if document.key in seen:
            result.outcomes.append(ImportOutcome(file.name, "skipped", key=document.key,
                                                 message=f"Samma dokument som {seen[document.key]}."))
            continue
        seen[document.key] = file.name
        parsed.append((file, text, document))
    with transaction.atomic():
        for file, text, document in parsed:
            result.outcomes.append(_store(actor, file.name, text, document))
        result.notes_changed = seed_notes(actor)
        if result.changed or force_index or not SearchEntry.objects.exists():
            result.entries = rebuild_index(actor)
            result.index_rebuilt = True
    result.seconds = time.perf_counter() - started
    return result


def import_if_available(actor: Actor, directory: str | Path | None = None) -> ImportResult | None:
    """``import_corpus`` when the directory exists (the demo set-up), else None and a warning in the log."""
    path = Path(directory) if directory is not None else Path(settings.BITRADE_SEEDS_DIR)
    if not path.is_dir():
        log.warning("legal corpus not imported: %s does not exist (set BITRADE_SEEDS_DIR)", path)
        return None
    return import_corpus(actor, path)


def _unit_row(version: DocumentVersion, ordinal: int, unit: ParsedUnit) -> Unit:
    return Unit(
        version=version, ordinal=ordinal, address=unit.address, kind=unit.kind, chapter=unit.chapter or "",
        section=unit.section or "", title=unit.title[:300], heading=unit.heading[:400], text=unit.text,
        advice=unit.advice_text, structure=[s.as_dict() for s in unit.stycken], notes=unit.notes,
        status=unit.status, status_note=unit.status_note[:300], expires_on=unit.expires_on,
        amended_by=unit.amended_by,
    )


def _store(actor: Actor, name: str, text: str, parsed: ParsedDocument) -> ImportOutcome:
    digest = content_hash(text)
    document = Document.objects.filter(key=parsed.key).select_related("current_version").first()
    if document is not None and document.current_version and document.current_version.content_hash == digest:
        return ImportOutcome(name, "unchanged", parsed.key, document.title, document.current_version.number,
                             document.current_version.unit_count)
    created = document is None
    fields = {
        "kind": parsed.kind, "title": parsed.title[:300], "identifier": parsed.identifier[:120],
        "law_code": parsed.law_code, "sfs": parsed.sfs, "publisher": parsed.publisher[:120],
        "status": parsed.status, "status_note": parsed.status_note[:300], "issued_on": parsed.issued_on,
        "in_force_from": parsed.in_force_from, "amended_to": parsed.amended_to, "repealed_by": parsed.repealed_by,
    }
    old = None
    if created:
        document = Document.objects.create(key=parsed.key, **fields)
    else:
        old = {"version": document.current_version.number if document.current_version else None,
               "hash": document.current_version.content_hash if document.current_version else None}
        for attr, value in fields.items():
            setattr(document, attr, value)
    number = (document.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = DocumentVersion.objects.create(
        document=document, number=number, content_hash=digest, source_name=name[:255],
        source_format=parsed.format, unit_count=len(parsed.units),
    )
    Unit.objects.bulk_create([_unit_row(version, i, u) for i, u in enumerate(parsed.units, start=1)])
    document.current_version = version
    document.save()
    audit.record(actor, "legal.imported", obj=document, old=old, new={
        "key": document.key, "version": number, "hash": digest, "units": len(parsed.units), "source": name,
        "format": parsed.format, "status": parsed.status,
    })
    return ImportOutcome(name, "created" if created else "new_version", document.key, document.title, number,
                         len(parsed.units))


# --------------------------------------------------------------------------- JO register

def _seed_digest(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def seed_notes(actor: Actor) -> int:
    """Create or update the JO decisions of the packaged register; returns how many changed.

    A seeded note is rewritten only when its entry in the data file has changed
    since it was last applied, so an administrator's edits survive re-imports.
    """
    changed = 0
    for data in jo_register_data()["notes"]:
        digest = _seed_digest(data)
        note = LegalNote.objects.filter(key=data["key"]).first()
        if note is not None and note.seed_hash == digest:
            continue
        values = {
            "kind": data.get("kind", NoteKind.JO_DECISION), "reference": data["reference"], "title": data["title"],
            "summary": data["summary"], "decided": data.get("decided", ""),
            "legal_bases": data.get("legal_bases", []), "citations": data.get("citations", []),
            "rules": data.get("rules", []), "sources": data.get("sources", []), "seed_hash": digest,
        }
        old = None
        if note is None:
            note = LegalNote.objects.create(key=data["key"], **values)
        else:
            old = {"seed_hash": note.seed_hash}
            for attr, value in values.items():
                setattr(note, attr, value)
            note.save()
        audit.record(actor, "legal.note_seeded", obj=note, old=old, new={"key": note.key, "hash": digest})
        changed += 1
    return changed


# --------------------------------------------------------------------------- the search index

def cite_token(citation: Citation) -> str:
    """The index term for "cites this provision": "lagrumplp29a", "lagrumpfk2p16"."""
    chapter = f"k{citation.chapter.replace(' ', '')}" if citation.chapter else ""
    return f"lagrum{citation.law.lower().replace(':', '').replace(' ', '')}{chapter}p{citation.section.replace(' ', '')}"


def _cite_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for found in find_citations(text):
        c = found.citation
        while c is not None:
            tokens.append(cite_token(c))
            c = c.applied
    return tokens


@dataclass
class _Pending:
    kind: str
    status: str
    group_key: str
    title: str
    index_title: str
    source: str
    url: str
    body: str
    document: Document | None = None
    unit: Unit | None = None
    note: LegalNote | None = None
    guide_key: str = ""
    law_code: str = ""
    chapter: str = ""
    section: str = ""
    stycke: int | None = None
    extra_terms: list[str] = field(default_factory=list)


def unit_label(unit: Unit) -> str:
    if unit.kind == UnitKind.SECTION:
        return f"{unit.chapter} kap. {unit.section} §" if unit.chapter else f"{unit.section} §"
    if unit.kind == UnitKind.REPORT_SECTION:
        return f"{unit.section} {unit.title}".strip() if unit.section else unit.title
    return unit.title or unit.address


def unit_url(document_key: str, address: str) -> str:
    from django.urls import reverse

    return reverse("legal:unit", args=[document_key, address])


def _unit_entries(document: Document, units: Iterable[Unit]) -> list[_Pending]:
    pending: list[_Pending] = []
    kind = document.kind
    law = LAWS.get(document.law_code)
    name = law.name if law is not None else document.title
    for unit in units:
        status = "repealed" if document.status == "repealed" else unit.status
        url = unit_url(document.key, unit.address)
        label = unit_label(unit)
        if unit.kind == UnitKind.REPORT_SECTION:
            title = f"{label} – {document.title}"
            for stycke in unit.structure:
                text = "\n".join(
                    [stycke.get("lead", "")] + [f"{p['n'] or '–'}. {p['text']}" for p in stycke.get("points", [])]
                    + [stycke.get("tail", "")]).strip()
                if not text:
                    continue
                pending.append(_Pending(
                    kind=EntryKind.REPORT, status=status, group_key=f"unit:{unit.pk}", title=title,
                    index_title=f"{unit.title} {document.title}", source=document.identifier, url=f"{url}#{unit.address}-st{stycke['n']}",
                    body=text, document=document, unit=unit, section=unit.section, stycke=stycke["n"],
                    extra_terms=_cite_tokens(text),
                ))
            continue
        body = unit.text + (f"\n\nAllmänt råd: {unit.advice}" if unit.advice else "")
        if not body.strip():
            continue
        citation_terms = []
        if document.law_code and unit.kind == UnitKind.SECTION:
            citation_terms.append(cite_token(Citation.of(document.law_code, unit.section, chapter=unit.chapter or None)))
        pending.append(_Pending(
            kind=kind, status=status, group_key=f"unit:{unit.pk}", title=f"{label} {name}",
            index_title=f"{unit.heading} {unit.title} {name}", source=document.identifier, url=url, body=body,
            document=document, unit=unit, law_code=document.law_code, chapter=unit.chapter, section=unit.section,
            extra_terms=citation_terms + _cite_tokens(body),
        ))
    return pending


def _guide_entries(catalogue: Catalogue) -> list[_Pending]:
    from django.urls import reverse

    pending = []
    for entry in catalogue:
        body = " ".join([entry.explanation, " ".join(requesters_text(entry, catalogue)),
                         entry.kriminalvarden_transport or ""]).strip()
        tokens = [cite_token(Citation.of(entry.law, entry.section, chapter=entry.chapter))]
        if entry.applied is not None:
            tokens.append(cite_token(entry.applied))
        pending.append(_Pending(
            kind=EntryKind.GUIDE, status="in_force", group_key=f"guide:{entry.key}",
            title=f"{entry.citation} – {entry.title}", index_title=f"{entry.title} {entry.law} {_law_words(entry.law)}",
            source=entry.citation,
            url=reverse("legal:guide", args=[entry.key]), body=body, guide_key=entry.key, law_code=entry.law,
            section=entry.section, extra_terms=tokens,
        ))
    return pending


def _law_words(code: str) -> str:
    law = LAWS.get(code)
    return (law.title or law.stem or "") if law else ""


def _note_entry(note: LegalNote) -> _Pending:
    from django.urls import reverse

    terms = []
    for text in note.citations:
        terms += _cite_tokens(text)
    return _Pending(
        kind=note.kind, status="in_force", group_key=f"note:{note.pk}", title=f"{note.reference} – {note.title}",
        index_title=note.title, source=note.reference,
        url=reverse("legal:note", args=[note.key]), body=note.summary, note=note, extra_terms=terms,
    )


def _vocabulary(texts: Iterable[str]) -> tuple[dict[str, str], dict[str, str], dict[str, tuple[str, str]]]:
    """(word -> stem, stem -> root, word -> compound parts) for the corpus."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(w for w in analysis.words(text) if w.isalpha() and len(w) >= 2)
    stems = {w: analysis.stem(w) for w in counts}
    roots = analysis.conflation_roots(stems.values())
    known = {w for w in counts if w not in analysis.STOPWORDS and len(w) >= 3}
    compounds: dict[str, tuple[str, str]] = {}
    for word in counts:
        parts = analysis.split_compound(word, known.__contains__)
        if parts:
            compounds[word] = parts
    return stems, roots, compounds


def rebuild_index(actor: Actor | None = None, catalogue: Catalogue | None = None) -> int:
    """Rebuild the search entries, the vocabulary and the quotations from the current versions."""
    catalogue = catalogue or default_catalogue()
    with transaction.atomic():
        SearchEntry.objects.all().delete()
        Term.objects.all().delete()
        Quotation.objects.all().delete()
        pending: list[_Pending] = []
        documents = list(Document.objects.exclude(current_version=None))
        quotations: list[Quotation] = []
        for document in documents:
            units = list(Unit.objects.filter(version_id=document.current_version_id).order_by("ordinal"))
            pending += _unit_entries(document, units)
            if document.kind == "report":
                for unit in units:
                    for q in extract_quotations(unit.structure):
                        quotations.append(Quotation(
                            unit=unit, stycke=q.stycke, law_code=q.law, section=q.section, paragraph=q.paragraph,
                            text=q.text, points=[list(p) for p in q.points], following=q.following,
                        ))
        pending += _guide_entries(catalogue)
        pending += [_note_entry(n) for n in LegalNote.objects.filter(published=True)]
        stems, roots, compounds = _vocabulary(t for p in pending for t in (p.index_title, p.body))
        Term.objects.bulk_create([
            Term(word=w[:80], stem=s[:80], root=roots.get(s, s)[:80], parts=" ".join(compounds.get(w, ()))[:170])
            for w, s in stems.items() if len(w) <= 80
        ], batch_size=2000)
        SearchEntry.objects.bulk_create([_entry(p, roots, compounds) for p in pending], batch_size=500)
        Quotation.objects.bulk_create(quotations)
        if actor is not None:
            audit.record(actor, "legal.index_rebuilt", object_type="legal.searchentry", new={
                "entries": len(pending), "terms": len(stems), "quotations": len(quotations),
                "documents": [d.key for d in documents],
            })
    return len(pending)


def _entry(p: _Pending, roots: dict[str, str], compounds: dict[str, tuple[str, str]]) -> SearchEntry:
    # the indexed title leaves out the paragraf number and the citation ("15 §", "JO 2014/15 s. 122"):
    # a number in a query should match text, and citations are resolved exactly before the text search
    analysed = analysis.analyse(p.index_title, p.body, roots=roots, compounds=compounds, extra_terms=p.extra_terms)
    return SearchEntry(
        kind=p.kind, status=p.status, group_key=p.group_key, document=p.document, unit=p.unit, note=p.note,
        guide_key=p.guide_key, law_code=p.law_code, chapter=p.chapter or "", section=p.section or "",
        stycke=p.stycke, title=p.title[:400], index_title=p.index_title, source=p.source[:160], url=p.url[:300],
        body=p.body,
        title_stems=analysed.title_stems, body_stems=analysed.body_stems, extra=analysed.extra,
        length=max(analysed.length, 1),
    )


def reindex_note(actor: Actor, note: LegalNote) -> None:
    """Bring one JO decision or guideline's search entry up to date (after an edit in the admin)."""
    with transaction.atomic():
        SearchEntry.objects.filter(note=note).delete()
        if not note.published:
            return
        pending = _note_entry(note)
        words = set(analysis.words(pending.index_title + " " + pending.body))
        terms = {t.stem: t.root for t in Term.objects.filter(word__in=words)}
        compounds = {t.word: tuple(t.parts.split()) for t in Term.objects.filter(word__in=words).exclude(parts="")}
        known = set(Term.objects.filter(word__in=words).values_list("word", flat=True))
        Term.objects.bulk_create([Term(word=w, stem=analysis.stem(w), root=analysis.stem(w)) for w in words
                                  if w.isalpha() and len(w) <= 80 and w not in known])
        SearchEntry.objects.create(**{
            f.name: getattr(_entry(pending, terms, compounds), f.name)
            for f in SearchEntry._meta.concrete_fields if f.name != "id"
        })
        audit.record(actor, "legal.note_indexed", obj=note, new={"key": note.key})
