"""Formal review (formell prövning) of a request for handräckning: pure rules.

Standard library, lark and personnummer only (through ``bitrade.legal`` and
``rules_identity``); no Django.

The review answers one question: does the request meet the *formal*
preconditions for the police to assist?  It checks, in this order:

(a) ``requesting_party_identified`` – the request shows who the requesting
    party is (organisation, kind of organisation, the person asking, their role);
(b) ``legal_basis_valid`` – the legal basis is a valid and precise point of
    47 § LPT, 27 § LRV, 45 § LVM or 43 § LVU on the review day.  An imprecise
    citation gives a completion question listing the candidates; a citation that
    cannot be a basis makes the request inadmissible;
(c) ``requester_competent`` – the requester's role at that kind of organisation
    may ask under that point (failure: inadmissible, citing the point);
(d) ``measures_described`` – the request describes what the police are
    expected to do;
(e) ``conditions_stated`` – the conditions the law puts on a request are
    stated: why the police's special powers are needed or which synnerliga skäl
    exist (all four laws since 2017), and for 47 § andra stycket 1 LPT that the
    person keeps away or refuses the examination;
(f) ``documents_attached`` – the documents the point presupposes are attached
    (soft requirements are mentioned but never asked for);
(g) ``person_identified`` – the person the measure concerns is identified by a
    valid personnummer/samordningsnummer, or by name and birth date.

Outcomes are exactly ``admissible``, ``needs_completion`` and ``inadmissible``.
There is deliberately no "conditional" outcome, and the review never judges the
*need* for the measure: when the formal preconditions are met and the requester
keeps the request, the police must assist, and no conditions may be attached
(JO 2014/15 s. 122).  In the same spirit (e) only checks that a reason is
stated, never whether it is convincing.

Every check carries a citation produced by ``format_citation`` (through the
catalogue), or None where no statute is the source.  A check that cannot be
assessed yet (because something it depends on is missing) has ``ok`` False and
``consequence`` "not_assessed"; the outcome then follows from the check that
is missing.  When the outcome is ``inadmissible`` no completion questions are
returned: completing the request would not make it admissible.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from bitrade.legal.catalogue import (
    Catalogue,
    Entry,
    Resolution,
    completion_question,
    resolve,
    resolve_key,
)
from bitrade.legal.citations import format_citation

from .rules_identity import IdentityError, normalise_identity_number

__all__ = [
    "CHECK_CODES",
    "Check",
    "Question",
    "RequestFacts",
    "ReviewResult",
    "requester_competence",
    "review",
    "review_to_dict",
]

Outcome = Literal["admissible", "needs_completion", "inadmissible"]
Consequence = Literal["none", "needs_completion", "inadmissible", "not_assessed"]

REQUESTING_PARTY = "requesting_party_identified"
LEGAL_BASIS = "legal_basis_valid"
COMPETENCE = "requester_competent"
MEASURES = "measures_described"
CONDITIONS = "conditions_stated"
DOCUMENTS = "documents_attached"
PERSON = "person_identified"
CHECK_CODES = (REQUESTING_PARTY, LEGAL_BASIS, COMPETENCE, MEASURES, CONDITIONS, DOCUMENTS, PERSON)

#: The field of a completion question whose answer is a document (the review's question for a missing
#: document, or a police question that asks for one): the requester answers it with a file.
DOCUMENT_QUESTION_FIELD = "attachment_kinds"

# A description of the measures shorter than this says too little ("Hämta.", "Se bilaga").
MIN_MEASURES_CHARS = 20
MIN_MEASURES_WORDS = 3
# A stated reason for police powers shorter than this is not a reason ("Våld", "Ja").
MIN_REASON_CHARS = 15


@dataclass(frozen=True)
class RequestFacts:
    """What the request says, as the review sees it.  Either ``legal_basis_text``
    (the citation as the requester wrote it) or ``legal_basis_key`` (a catalogue
    key chosen in a form) gives the legal basis; if both are given they must agree."""

    organisation_kind: str = ""
    organisation_name: str = ""
    requester_name: str = ""
    requester_role: str = ""
    legal_basis_text: str = ""
    legal_basis_key: str | None = None
    measures: str = ""
    police_powers_reason: str = ""
    person_avoids_examination: bool | None = None
    attachment_kinds: tuple[str, ...] = ()
    person_identity_number: str = ""
    person_name: str = ""
    person_birth_date: date | None = None
    # Where the person is or can be assumed to be; used for routing, not by the formal review.
    location_municipality_code: str = ""


@dataclass(frozen=True)
class Check:
    code: str
    ok: bool
    message: str
    citation: str | None
    consequence: Consequence = "none"


@dataclass(frozen=True)
class Question:
    check_code: str
    field: str
    text: str
    citation: str = ""


@dataclass(frozen=True)
class ReviewResult:
    outcome: Outcome
    legal_basis: Entry | None
    checks: tuple[Check, ...]
    questions: tuple[Question, ...]
    competent_deciders: tuple[str, ...]
    kriminalvarden_transport: bool
    case_code: str | None
    resolution: Resolution

    def check(self, code: str) -> Check:
        return next(c for c in self.checks if c.code == code)


# --------------------------------------------------------------------------- helpers

def _words(text: str) -> str:
    return " ".join((text or "").split())


def _or_list(items: Iterable[str]) -> str:
    items = list(dict.fromkeys(items))
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " eller " + items[-1]


def _and_list(items: Iterable[str]) -> str:
    items = list(dict.fromkeys(items))
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " och " + items[-1]


def _requesters_text(entry: Entry, catalogue: Catalogue) -> str:
    parts = []
    for rule in entry.requesters:
        roles = _or_list(catalogue.label("roles", r) for r in rule.roles)
        kinds = _or_list(catalogue.label("organisation_kinds", k) for k in rule.organisation_kinds)
        parts.append(f"{roles} vid {kinds}")
    return "; ".join(parts)


def _provision_citation(entries: Iterable[Entry], catalogue: Catalogue) -> str | None:
    provisions = {(e.law, e.section) for e in entries}
    if len(provisions) != 1:
        return None
    law, section = provisions.pop()
    provision = catalogue.provision(law, section)
    return provision.citation if provision else format_citation(law, section)


def _unanimous(values: Iterable[Any]) -> Any | None:
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


def _resolve(facts: RequestFacts, catalogue: Catalogue, on: date) -> tuple[Resolution, str | None]:
    """The resolution, and a mismatch message when key and text disagree."""
    if facts.legal_basis_key:
        by_key = resolve_key(facts.legal_basis_key, catalogue, on)
        if by_key.status == "exact" and _words(facts.legal_basis_text):
            by_text = resolve(facts.legal_basis_text, catalogue, on)
            chosen = by_key.entry
            other_provision = by_text.status != "exact" and (
                by_text.citation is None
                or (by_text.citation.law, by_text.citation.chapter, by_text.citation.section)
                != (chosen.law, chosen.chapter, chosen.section)
            )
            if other_provision:
                return by_key, (
                    f"Lagrummet i begäran ({_words(facts.legal_basis_text)}) stämmer inte med den valda grunden "
                    f"({chosen.citation} – {chosen.title}). Ange vilken grund begäran avser."
                )
            if by_text.status == "exact" and by_text.entry.key != by_key.entry.key:
                return by_key, (
                    f"Lagrummet i begäran ({by_text.entry.citation}) stämmer inte med den valda grunden "
                    f"({by_key.entry.citation}). Ange vilken grund begäran avser."
                )
        return by_key, None
    return resolve(facts.legal_basis_text, catalogue, on), None


# --------------------------------------------------------------------------- checks

def _check_requesting_party(facts, catalogue, provision_cite) -> tuple[Check, list[Question]]:
    questions = []
    cite = provision_cite or ""
    if not _words(facts.organisation_name):
        questions.append(Question(REQUESTING_PARTY, "organisation_name",
                                  "Ange vilken myndighet eller organisation som begär handräckning.", cite))
    if facts.organisation_kind not in catalogue.vocabulary["organisation_kinds"]:
        questions.append(Question(REQUESTING_PARTY, "organisation_kind",
                                  "Ange vilket slags organisation som begär handräckning, t.ex. socialnämnd, "
                                  "region eller Statens institutionsstyrelse.", cite))
    if not _words(facts.requester_name):
        questions.append(Question(REQUESTING_PARTY, "requester_name",
                                  "Ange namnet på den som gör begäran för den begärande partens räkning.", cite))
    if facts.requester_role not in catalogue.vocabulary["roles"]:
        questions.append(Question(REQUESTING_PARTY, "requester_role",
                                  "Ange vilken befattning den som gör begäran har, t.ex. chefsöverläkare, läkare "
                                  "eller socialsekreterare med delegation från socialnämnden.", cite))
    if questions:
        return Check(REQUESTING_PARTY, False,
                     "Det framgår inte fullt ut vem som är begärande part.", provision_cite,
                     "needs_completion"), questions
    role = catalogue.label("roles", facts.requester_role)
    kind = catalogue.label("organisation_kinds", facts.organisation_kind)
    return Check(REQUESTING_PARTY, True,
                 f"Begärande part: {_words(facts.requester_name)}, {role}, {_words(facts.organisation_name)} ({kind}).",
                 provision_cite), []


def _check_competence(facts, catalogue, resolution) -> tuple[Check, tuple[Entry, ...]]:
    """The competence check, and the candidates narrowed to those the requester may ask under."""
    candidates = resolution.candidates
    role_code, kind_code = facts.requester_role, facts.organisation_kind
    known = role_code in catalogue.vocabulary["roles"] and kind_code in catalogue.vocabulary["organisation_kinds"]
    role = catalogue.label("roles", role_code)
    kind = catalogue.label("organisation_kinds", kind_code)
    if resolution.status == "impossible" or not candidates:
        return Check(COMPETENCE, False,
                     "Behörigheten kan inte prövas förrän begäran anger en giltig grund för handräckning.",
                     None, "not_assessed"), candidates
    if not known:
        return Check(COMPETENCE, False,
                     "Behörigheten kan inte prövas förrän det framgår vem som gör begäran och i vilken befattning.",
                     _provision_citation(candidates, catalogue), "not_assessed"), candidates
    if resolution.status == "exact":
        entry = resolution.entry
        if entry.allows(role_code, kind_code):
            return Check(COMPETENCE, True,
                         f"{role.capitalize()} vid {kind} är behörig att begära handräckning enligt {entry.citation}.",
                         entry.citation), candidates
        return Check(COMPETENCE, False,
                     f"Begäran enligt {entry.citation} får göras av {_requesters_text(entry, catalogue)}. "
                     f"Den som har gjort begäran är {role} vid {kind} och är inte behörig att begära "
                     f"handräckning enligt {entry.citation}.",
                     entry.citation, "inadmissible"), candidates
    competent = tuple(e for e in candidates if e.allows(role_code, kind_code))
    cite = _provision_citation(candidates, catalogue)
    if not competent:
        where = cite or _and_list(e.citation for e in candidates)
        return Check(COMPETENCE, False,
                     f"{role.capitalize()} vid {kind} är inte behörig att begära handräckning enligt någon av de "
                     f"grunder som lagrummet kan avse ({where}).",
                     cite, "inadmissible"), candidates
    return Check(COMPETENCE, True,
                 f"{role.capitalize()} vid {kind} är behörig att begära handräckning enligt "
                 f"{_or_list(e.citation for e in competent)}; behörigheten prövas på nytt när lagrummet har "
                 f"preciserats.",
                 cite), competent


def _check_legal_basis(resolution, narrowed, mismatch) -> tuple[Check, list[Question]]:
    cited = resolution.citation.canonical if resolution.citation else None
    if resolution.status == "exact":
        entry = resolution.entry
        if mismatch:
            return Check(LEGAL_BASIS, False, mismatch, entry.citation, "needs_completion"), [
                Question(LEGAL_BASIS, "legal_basis_text", mismatch, entry.citation)
            ]
        return Check(LEGAL_BASIS, True,
                     f"Lagrummet {entry.citation} ({entry.title}) är en gällande grund för handräckning.",
                     entry.citation), []
    if resolution.status == "impossible":
        return Check(LEGAL_BASIS, False, resolution.reason, cited, "inadmissible"), []
    question = resolution.question
    if narrowed and narrowed != resolution.candidates:
        question = completion_question(resolution.citation, narrowed, preface=resolution.preface)
    return Check(LEGAL_BASIS, False, resolution.reason or question, cited, "needs_completion"), [
        Question(LEGAL_BASIS, "legal_basis_text", question, cited or "")
    ]


def _check_measures(facts, entry) -> tuple[Check, list[Question]]:
    text = _words(facts.measures)
    cite = entry.citation if entry else None
    if len(text) >= MIN_MEASURES_CHARS and len(text.split()) >= MIN_MEASURES_WORDS:
        return Check(MEASURES, True, "Begäran beskriver vilka åtgärder Polismyndigheten förväntas vidta.", cite), []
    what = f" Begäran avser: {entry.title.lower()}." if entry else ""
    message = (
        "Begäran beskriver inte vilka åtgärder Polismyndigheten förväntas vidta." if not text
        else "Beskrivningen av vilka åtgärder Polismyndigheten förväntas vidta är för kortfattad."
    )
    question = (
        "Beskriv tydligt vilka åtgärder Polismyndigheten förväntas vidta, t.ex. var personen ska hämtas, "
        f"vart personen ska föras och vilken hjälp som behövs på plats.{what}"
    )
    return Check(MEASURES, False, message, cite, "needs_completion"), [
        Question(MEASURES, "measures", question, cite or "")
    ]


def _condition_codes(entries: tuple[Entry, ...]) -> list[str]:
    if not entries:
        return []
    common = set(entries[0].conditions)
    for e in entries[1:]:
        common &= set(e.conditions)
    return [c for c in entries[0].conditions if c in common]


def _condition_citation(code: str, entries: tuple[Entry, ...], catalogue: Catalogue) -> str | None:
    sources = []
    for e in entries:
        provision = catalogue.provision(e.law, e.section)
        source = provision.condition_sources.get(code) if provision else None
        if source is not None:
            sources.append(source.canonical)
    return _and_list(sources) or None


def _check_conditions(facts, catalogue, resolution, narrowed) -> tuple[Check, list[Question]]:
    entries = (resolution.entry,) if resolution.status == "exact" else narrowed
    if resolution.status == "impossible" or not entries:
        return Check(CONDITIONS, False,
                     "Villkoren för en begäran kan inte prövas förrän begäran anger en giltig grund för handräckning.",
                     None, "not_assessed"), []
    codes = _condition_codes(entries)
    if not codes:
        return Check(CONDITIONS, True, "Lagrummet ställer inga särskilda villkor som begäran ska ange.",
                     entries[0].citation), []
    stated_msgs, missing, questions = [], [], []
    first_cite = None
    for code in codes:
        spec = catalogue.conditions[code]
        cite = _condition_citation(code, entries, catalogue)
        first_cite = first_cite or cite
        if spec.field == "police_powers_reason":
            stated = len(_words(facts.police_powers_reason)) >= MIN_REASON_CHARS
            prefix = ("Det angivna skälet är för kortfattat. " if _words(facts.police_powers_reason) and not stated
                      else "")
        elif spec.field == "person_avoids_examination":
            stated = facts.person_avoids_examination is True
            prefix = ("Enligt begäran håller sig personen inte undan och vägrar inte undersökning. "
                      if facts.person_avoids_examination is False else "")
        else:  # a condition added to the data without a rule here is never taken as stated
            stated, prefix = False, ""
        if stated:
            stated_msgs.append(spec.stated.format(citation=cite))
        else:
            missing.append((spec, cite))
            questions.append(Question(CONDITIONS, spec.field, prefix + spec.question.format(citation=cite), cite or ""))
    if not missing:
        return Check(CONDITIONS, True, " ".join(stated_msgs), first_cite), []
    spec, cite = missing[0]
    message = "Begäran anger inte: " + _and_list(s.title.lower() for s, _ in missing) + "."
    return Check(CONDITIONS, False, message, cite, "needs_completion"), questions


def _check_documents(facts, catalogue, resolution) -> tuple[Check, list[Question]]:
    if resolution.status != "exact":
        return Check(DOCUMENTS, False,
                     "Vilka handlingar som ska bifogas beror på vilken grund begäran avser.",
                     None, "not_assessed"), []
    entry = resolution.entry
    kinds = set(facts.attachment_kinds)

    def label(req):
        return _or_list(catalogue.label("document_kinds", k) for k in req.any_of)

    missing = [d for d in entry.documents if d.required and not d.satisfied_by(kinds)]
    soft = [d for d in entry.documents if not d.required and not d.satisfied_by(kinds)]
    soft_note = (" Bifoga gärna även " + _and_list(label(d) for d in soft) + "; det är inget krav.") if soft else ""
    if missing:
        questions = [
            Question(DOCUMENTS, DOCUMENT_QUESTION_FIELD, f"Bifoga {label(d)} ({entry.citation}).", entry.citation)
            for d in missing
        ]
        return Check(DOCUMENTS, False,
                     "Handling som begäran förutsätter saknas: " + _and_list(label(d) for d in missing) + "." + soft_note,
                     entry.citation, "needs_completion"), questions
    required = [d for d in entry.documents if d.required]
    if required:
        message = "Begäran har de handlingar som grunden förutsätter: " + _and_list(label(d) for d in required) + "."
    else:
        message = f"Ingen handling är ett krav för en begäran enligt {entry.citation}."
    return Check(DOCUMENTS, True, message + soft_note, entry.citation), []


def _check_person(facts) -> tuple[Check, list[Question]]:
    number = _words(facts.person_identity_number)
    if number:
        try:
            normalise_identity_number(number)
        except IdentityError:
            return Check(PERSON, False, "Personnumret eller samordningsnumret är inte giltigt.", None,
                         "needs_completion"), [
                Question(PERSON, "person_identity_number",
                         "Personnumret eller samordningsnumret är inte giltigt. Ange ett giltigt nummer, eller "
                         "personens namn och födelsedatum om numret inte är känt.")
            ]
        return Check(PERSON, True, "Personen identifieras med personnummer eller samordningsnummer.", None), []
    if _words(facts.person_name) and facts.person_birth_date is not None:
        return Check(PERSON, True, "Personen identifieras med namn och födelsedatum.", None), []
    return Check(PERSON, False, "Det framgår inte vem åtgärden gäller.", None, "needs_completion"), [
        Question(PERSON, "person_identity_number",
                 "Ange personnummer eller samordningsnummer för den som åtgärden gäller, eller namn och "
                 "födelsedatum om numret inte är känt.")
    ]


# --------------------------------------------------------------------------- review

def review(facts: RequestFacts, catalogue: Catalogue, on: date) -> ReviewResult:
    """The formal review of a request on the day ``on``."""
    resolution, mismatch = _resolve(facts, catalogue, on)
    entry = resolution.entry if resolution.status == "exact" else None

    competence, narrowed = _check_competence(facts, catalogue, resolution)
    party, party_q = _check_requesting_party(
        facts, catalogue, _provision_citation(narrowed or resolution.candidates, catalogue)
    )
    basis, basis_q = _check_legal_basis(resolution, narrowed, mismatch)
    measures, measures_q = _check_measures(facts, entry)
    conditions, conditions_q = _check_conditions(facts, catalogue, resolution, narrowed)
    documents, documents_q = _check_documents(facts, catalogue, resolution)
    person, person_q = _check_person(facts)

    checks = (party, basis, competence, measures, conditions, documents, person)
    questions = (*party_q, *basis_q, *measures_q, *conditions_q, *documents_q, *person_q)
    if any(c.consequence == "inadmissible" for c in checks):
        outcome: Outcome = "inadmissible"
        questions = ()
    elif any(not c.ok for c in checks):
        outcome = "needs_completion"
    else:
        outcome = "admissible"

    if entry is not None:
        deciders = entry.competent_deciders
        case_code = catalogue.case_code(entry.key, on)
    elif resolution.status == "incomplete" and narrowed:
        deciders = _unanimous(e.competent_deciders for e in narrowed) or ()
        case_code = _unanimous(e.case_code for e in narrowed)
    else:
        deciders, case_code = (), None
    return ReviewResult(
        outcome=outcome,
        legal_basis=entry,
        checks=checks,
        questions=tuple(questions),
        competent_deciders=tuple(deciders),
        kriminalvarden_transport=bool(entry is not None and entry.kriminalvarden_transport),
        case_code=case_code,
        resolution=resolution,
    )


def requester_competence(facts: RequestFacts, catalogue: Catalogue, on: date) -> Check:
    """The competence check (c) alone, as the review makes it: lets a form warn the requester while they
    choose the legal basis, with the same reasons and citation the review will give."""
    resolution, _mismatch = _resolve(facts, catalogue, on)
    return _check_competence(facts, catalogue, resolution)[0]


def review_to_dict(result: ReviewResult) -> dict[str, Any]:
    """The JSON contract of a review."""
    entry = result.legal_basis
    return {
        "outcome": result.outcome,
        "legal_basis": None if entry is None else {
            "key": entry.key,
            "law": entry.law,
            "sfs": entry.sfs,
            "section": entry.section,
            "paragraph": entry.paragraph,
            "point": entry.point,
            "citation": entry.citation,
        },
        "checks": [
            {"code": c.code, "ok": c.ok, "message": c.message, "citation": c.citation} for c in result.checks
        ],
        "questions": [
            {"check_code": q.check_code, "field": q.field, "question": q.text, "citation": q.citation}
            for q in result.questions
        ],
        "competent_deciders": list(result.competent_deciders),
        "kriminalvarden_transport": result.kriminalvarden_transport,
        "case_code": result.case_code,
    }
