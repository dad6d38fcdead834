"""Formal review of requests, table-driven over every point of the catalogue (pure; no database).

Each case id is the statute citation it checks.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from bitrade.intake.rules import CHECK_CODES, RequestFacts, review, review_to_dict
from bitrade.legal.catalogue import Entry, load_catalogue

TODAY = date(2025, 6, 1)
CATALOGUE = load_catalogue()
ENTRIES = list(CATALOGUE)

def by_key(entry: Entry) -> bool:
    """The citation cannot tell this entry from its siblings (9–12 kap. UtlL): the request names it."""
    return CATALOGUE.provision(entry.law, entry.section).chosen_by_key


def case_id(entry: Entry) -> str:
    return f"{entry.citation} ({entry.key})" if by_key(entry) else entry.citation


IDS = [case_id(e) for e in ENTRIES]
ALL_ROLES = list(CATALOGUE.vocabulary["roles"])

# The condition on every request since 2017, per law: where it is written.
POLICE_POWERS_SOURCE = {
    "LPT": "47 § tredje stycket LPT",
    "LRV": "27 § LRV jfr 47 § tredje stycket LPT",
    "LVM": "45 § andra stycket LVM",
    "LVU": "43 § andra stycket LVU",
    # Migrationsverket: the government's condition (prop. 2016/17:57), as the report gives it.
    "UtlL": "prop. 2016/17:57",
}

VALID_PERSONNUMMER = "19121212-1212"


def competent_facts(entry: Entry, **changes) -> RequestFacts:
    """A complete request from a requester the point names, with everything stated."""
    rule = entry.requesters[0]
    attachments = tuple(d.any_of[0] for d in entry.documents)
    facts = RequestFacts(
        organisation_kind=rule.organisation_kinds[0],
        organisation_name="Begärande myndighet",
        requester_name="Kim Andersson",
        requester_role=rule.roles[0],
        legal_basis_text=entry.citation,
        legal_basis_key=entry.key if by_key(entry) else None,
        measures="Hämta personen på Storgatan 1 i Lund och föra personen till den vårdinrättning som anges.",
        police_powers_reason="Personen har vid tidigare tillfällen gjort våldsamt motstånd och hotat personal.",
        person_avoids_examination=True if "person_avoids_examination" in entry.conditions else None,
        attachment_kinds=attachments,
        person_identity_number=VALID_PERSONNUMMER,
        location_municipality_code="1281",
    )
    return replace(facts, **changes)


def incompetent_role(entry: Entry) -> tuple[str, str]:
    """A role at the first allowed organisation kind that the point does not name."""
    kind = entry.requesters[0].organisation_kinds[0]
    role = next(r for r in ALL_ROLES if not entry.allows(r, kind))
    return role, kind


def requester_style(entry: Entry) -> str:
    """The citation as requesters often write it: law first, digits, abbreviations."""
    if entry.chapter is not None and not entry.section:
        return f"{entry.law} {entry.chapter.replace('–', '-')} kap."
    if entry.applied is not None:
        a = entry.applied
        inner = f"{a.law} {a.section} § {a.paragraph} st." + (f" p. {a.point}" if a.point else "")
        return f"{entry.law} {entry.section} § jfr {inner}"
    return f"{entry.law} {entry.section} § {entry.paragraph} st. p. {entry.point}"


# --------------------------------------------------------------------------- admissible

@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_competent_requester_with_everything_stated_is_admissible(entry):
    result = review(competent_facts(entry), CATALOGUE, TODAY)
    assert result.outcome == "admissible", [c for c in result.checks if not c.ok]
    assert [c.code for c in result.checks] == list(CHECK_CODES)
    assert all(c.ok for c in result.checks)
    assert result.questions == ()
    assert result.legal_basis == entry
    assert result.case_code == entry.case_code
    assert result.competent_deciders == entry.competent_deciders
    assert result.kriminalvarden_transport is bool(entry.kriminalvarden_transport)
    assert result.check("requester_competent").citation == entry.citation
    assert result.check("legal_basis_valid").citation == entry.citation
    assert result.check("conditions_stated").citation == POLICE_POWERS_SOURCE[entry.law]


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_requester_style_citation_and_catalogue_key_give_the_same_result(entry):
    by_text = review(competent_facts(entry, legal_basis_text=requester_style(entry)), CATALOGUE, TODAY)
    by_key = review(competent_facts(entry, legal_basis_text="", legal_basis_key=entry.key), CATALOGUE, TODAY)
    assert by_text.outcome == by_key.outcome == "admissible"
    assert by_text.legal_basis == by_key.legal_basis == entry


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_every_allowed_role_and_organisation_is_admissible(entry):
    for rule in entry.requesters:
        for kind in rule.organisation_kinds:
            for role in rule.roles:
                facts = competent_facts(entry, organisation_kind=kind, requester_role=role)
                assert review(facts, CATALOGUE, TODAY).outcome == "admissible", (role, kind)


# --------------------------------------------------------------------------- incompetent requester

@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_incompetent_role_is_inadmissible_citing_the_point(entry):
    role, kind = incompetent_role(entry)
    result = review(competent_facts(entry, requester_role=role, organisation_kind=kind), CATALOGUE, TODAY)
    assert result.outcome == "inadmissible"
    check = result.check("requester_competent")
    assert not check.ok
    assert check.consequence == "inadmissible"
    assert check.citation == entry.citation
    assert entry.citation in check.message
    assert CATALOGUE.label("roles", role) in check.message
    assert result.questions == ()


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_allowed_role_at_the_wrong_kind_of_organisation_is_inadmissible(entry):
    """The point names the authority, not only the profession (e.g. a court official at a court)."""
    rule = entry.requesters[0]
    wrong_kind = next(k for k in CATALOGUE.vocabulary["organisation_kinds"]
                      if not entry.allows(rule.roles[0], k))
    result = review(competent_facts(entry, organisation_kind=wrong_kind), CATALOGUE, TODAY)
    assert result.outcome == "inadmissible"
    assert not result.check("requester_competent").ok


# --------------------------------------------------------------------------- conditions

@pytest.mark.parametrize("reason", ["", "Våld"], ids=["missing", "too-short"])
@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_missing_reason_for_police_powers_needs_completion(entry, reason):
    result = review(competent_facts(entry, police_powers_reason=reason), CATALOGUE, TODAY)
    assert result.outcome == "needs_completion"
    check = result.check("conditions_stated")
    assert not check.ok and check.consequence == "needs_completion"
    source = POLICE_POWERS_SOURCE[entry.law]
    assert check.citation == source
    [question] = [q for q in result.questions if q.field == "police_powers_reason"]
    assert question.check_code == "conditions_stated"
    if entry.law == "UtlL":
        assert "befogenheter att använda våld eller tvång behövs" in question.text
        assert "synnerliga skäl" in question.text and f"({source})" in question.text
    else:
        assert f"Ange varför polisens särskilda befogenheter behövs, {source}" in question.text
    assert question.citation == source


@pytest.mark.parametrize("answer", [None, False], ids=["not-stated", "stated-no"])
def test_lpt_47_2_1_needs_the_person_to_avoid_examination(answer):
    """47 § andra stycket 1 LPT: handräckning for the examination only if the person keeps away or refuses."""
    entry = CATALOGUE.get("LPT-47-2-1")
    result = review(competent_facts(entry, person_avoids_examination=answer), CATALOGUE, TODAY)
    assert result.outcome == "needs_completion"
    [question] = [q for q in result.questions if q.field == "person_avoids_examination"]
    # The report (section 2, on 47 § andra stycket 1 LPT, with its footnote) rests this condition on
    # Socialstyrelsen's regulation, not on the point itself.
    assert question.citation == "4 kap. 3 § SOSFS 2008:18"
    assert "håller sig undan" in question.text


def test_lpt_47_2_1_both_conditions_missing_gives_two_questions():
    entry = CATALOGUE.get("LPT-47-2-1")
    result = review(competent_facts(entry, police_powers_reason="", person_avoids_examination=None),
                    CATALOGUE, TODAY)
    assert {q.field for q in result.questions} == {"police_powers_reason", "person_avoids_examination"}


# --------------------------------------------------------------------------- measures

@pytest.mark.parametrize("measures", ["", "   ", "Hämta.", "Se bilaga"], ids=["empty", "blank", "short", "two-words"])
@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_missing_measures_needs_completion(entry, measures):
    result = review(competent_facts(entry, measures=measures), CATALOGUE, TODAY)
    assert result.outcome == "needs_completion"
    check = result.check("measures_described")
    assert not check.ok and check.citation == entry.citation
    [question] = [q for q in result.questions if q.check_code == "measures_described"]
    assert question.field == "measures"
    assert question.text.startswith("Beskriv tydligt vilka åtgärder Polismyndigheten förväntas vidta")


# --------------------------------------------------------------------------- documents

REQUIRED_DOCS = [e for e in ENTRIES if any(d.required for d in e.documents)]
SOFT_DOCS = [e for e in ENTRIES if any(not d.required for d in e.documents)]


@pytest.mark.parametrize("entry", REQUIRED_DOCS, ids=[case_id(e) for e in REQUIRED_DOCS])
def test_missing_required_document_needs_completion(entry):
    result = review(competent_facts(entry, attachment_kinds=()), CATALOGUE, TODAY)
    assert result.outcome == "needs_completion"
    check = result.check("documents_attached")
    assert not check.ok and check.citation == entry.citation
    questions = [q for q in result.questions if q.check_code == "documents_attached"]
    assert questions and all(q.field == "attachment_kinds" and entry.citation in q.text for q in questions)


@pytest.mark.parametrize("entry", SOFT_DOCS, ids=[case_id(e) for e in SOFT_DOCS])
def test_missing_soft_document_is_mentioned_but_not_asked_for(entry):
    result = review(competent_facts(entry, attachment_kinds=()), CATALOGUE, TODAY)
    assert result.outcome == "admissible"
    assert "inget krav" in result.check("documents_attached").message
    assert not [q for q in result.questions if q.check_code == "documents_attached"]


def test_lpt_47_2_2_needs_the_care_certificate():
    """47 § andra stycket 2 LPT: transport "sedan vårdintyg har utfärdats"."""
    entry = CATALOGUE.get("LPT-47-2-2")
    result = review(competent_facts(entry, attachment_kinds=("care_decision",)), CATALOGUE, TODAY)
    [question] = result.questions
    assert question.text == "Bifoga vårdintyg (47 § andra stycket 2 LPT)."


# --------------------------------------------------------------------------- incomplete citation

PROVISIONS = {"LPT": "47 § LPT", "LRV": "27 § LRV", "LVM": "45 § LVM", "LVU": "43 § LVU",
              "UtlL": "9–12 kap. utlänningslagen (2005:716)"}


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_incomplete_citation_needs_completion_listing_candidates(entry):
    result = review(competent_facts(entry, legal_basis_text=PROVISIONS[entry.law], legal_basis_key=None), CATALOGUE,
                    TODAY)
    assert result.outcome == "needs_completion"
    assert result.legal_basis is None
    check = result.check("legal_basis_valid")
    assert not check.ok and check.consequence == "needs_completion"
    [question] = [q for q in result.questions if q.check_code == "legal_basis_valid"]
    assert question.field == "legal_basis_text"
    assert "Ange vilken av följande grunder begäran avser" in question.text
    assert entry.citation in question.text
    # only the points this requester may ask under are offered
    candidates = [e for e in CATALOGUE if e.law == entry.law and e.section == entry.section]
    for other in candidates:
        competent = other.allows(competent_facts(entry).requester_role, competent_facts(entry).organisation_kind)
        assert (other.citation in question.text) == competent, other.citation
    assert result.check("requester_competent").ok
    assert result.competent_deciders == entry.competent_deciders


def test_incomplete_citation_from_a_requester_competent_for_no_point_is_inadmissible():
    """47 § andra stycket LPT: a social services official may not ask under any point."""
    facts = competent_facts(CATALOGUE.get("LVM-45-1-2"), legal_basis_text="47 § LPT")
    result = review(facts, CATALOGUE, TODAY)
    assert result.outcome == "inadmissible"
    check = result.check("requester_competent")
    assert not check.ok and check.citation == "47 § andra stycket LPT"


def test_unreadable_citation_needs_completion():
    result = review(competent_facts(CATALOGUE.get("LVU-43-1-2"), legal_basis_text="enligt LVU, se beslut"),
                    CATALOGUE, TODAY)
    assert result.outcome == "needs_completion"
    [question] = [q for q in result.questions if q.check_code == "legal_basis_valid"]
    assert "43 § första stycket 2 LVU" in question.text


def test_missing_legal_basis_needs_completion():
    result = review(competent_facts(CATALOGUE.get("LVU-43-1-2"), legal_basis_text=""), CATALOGUE, TODAY)
    assert result.outcome == "needs_completion"
    assert result.check("legal_basis_valid").message == "Lagrum saknas."


# --------------------------------------------------------------------------- impossible citation

IMPOSSIBLE = [
    ("47 § 2 st p. 9 LPT", "47 § andra stycket LPT har punkterna 1–7"),
    ("45 § 5 LVM", "45 § första stycket LVM har punkterna 1–4"),
    ("43 § 4 LVU", "43 § första stycket LVU har punkterna 1–3"),
    ("47 § första stycket LPT", "47 § första stycket LPT gäller Polismyndighetens eget"),
    ("10 § första stycket 6 PL", "är inte en grund för handräckning enligt vårdlagarna"),
    ("9 § LKF", "är inte en grund för handräckning enligt vårdlagarna"),
    ("3 § lagen (2001:453)", "hanteras inte som grund för handräckning"),
    ("27 § LRV jfr 47 § andra stycket 7 LPT", "omfattas inte av hjälpen enligt 27 § LRV"),
]


@pytest.mark.parametrize(("text", "reason"), IMPOSSIBLE, ids=[i[0] for i in IMPOSSIBLE])
def test_impossible_citation_is_inadmissible(text, reason):
    facts = competent_facts(CATALOGUE.get("LPT-47-2-3"), legal_basis_text=text)
    result = review(facts, CATALOGUE, TODAY)
    assert result.outcome == "inadmissible"
    check = result.check("legal_basis_valid")
    assert not check.ok and check.consequence == "inadmissible"
    assert reason in check.message
    assert result.legal_basis is None and result.case_code is None
    assert result.competent_deciders == () and result.questions == ()


def test_unknown_key_is_inadmissible():
    facts = competent_facts(CATALOGUE.get("LPT-47-2-3"), legal_basis_text="", legal_basis_key="LPT-47-2-9")
    assert review(facts, CATALOGUE, TODAY).outcome == "inadmissible"


def test_key_and_text_that_disagree_need_completion():
    facts = competent_facts(CATALOGUE.get("LPT-47-2-3"), legal_basis_key="LPT-47-2-3",
                            legal_basis_text="47 § andra stycket 4 LPT")
    result = review(facts, CATALOGUE, TODAY)
    assert result.outcome == "needs_completion"
    assert "stämmer inte med den valda grunden" in result.check("legal_basis_valid").message


def test_basis_not_in_force_on_the_review_day_is_inadmissible():
    result = review(competent_facts(CATALOGUE.get("LPT-47-2-3")), CATALOGUE, date(2016, 6, 1))
    assert result.outcome == "inadmissible"


# --------------------------------------------------------------------------- requesting party and person

@pytest.mark.parametrize("field", ["organisation_name", "organisation_kind", "requester_name", "requester_role"])
def test_unidentified_requesting_party_needs_completion(field):
    """Formal review (a): the request must show who the requesting party is (45 § LVM example)."""
    result = review(competent_facts(CATALOGUE.get("LVM-45-1-2"), **{field: ""}), CATALOGUE, TODAY)
    assert result.outcome == "needs_completion"
    assert not result.check("requesting_party_identified").ok
    assert [q.field for q in result.questions] == [field]
    assert result.questions[0].citation == "45 § första stycket LVM"


@pytest.mark.parametrize(("changes", "ok"), [
    ({"person_identity_number": "19121212-1213"}, False),
    ({"person_identity_number": ""}, False),
    ({"person_identity_number": "", "person_name": "Kim", "person_birth_date": date(2001, 2, 3)}, True),
    ({"person_identity_number": "121212-1212"}, True),
])
def test_person_identification(changes, ok):
    result = review(competent_facts(CATALOGUE.get("LVU-43-1-2"), **changes), CATALOGUE, TODAY)
    assert result.check("person_identified").ok is ok
    assert result.outcome == ("admissible" if ok else "needs_completion")


# --------------------------------------------------------------------------- contract

def test_outcomes_are_exactly_three_and_never_conditional():
    outcomes = set()
    for entry in ENTRIES:
        for facts in (competent_facts(entry), competent_facts(entry, measures=""),
                      competent_facts(entry, requester_role=incompetent_role(entry)[0])):
            outcomes.add(review(facts, CATALOGUE, TODAY).outcome)
    assert outcomes == {"admissible", "needs_completion", "inadmissible"}


def test_review_to_dict_contract():
    entry = CATALOGUE.get("LRV-27-LPT-47-2-6")
    data = review_to_dict(review(competent_facts(entry, measures=""), CATALOGUE, TODAY))
    assert json.loads(json.dumps(data)) == data
    assert set(data) == {"outcome", "legal_basis", "checks", "questions", "competent_deciders",
                         "kriminalvarden_transport", "case_code"}
    assert data["legal_basis"] == {
        "key": "LRV-27-LPT-47-2-6", "law": "LRV", "sfs": "1991:1129", "section": "27",
        "paragraph": None, "point": None, "citation": "27 § LRV jfr 47 § andra stycket 6 LPT",
    }
    assert all(set(c) == {"code", "ok", "message", "citation"} for c in data["checks"])
    assert all(isinstance(c["ok"], bool) for c in data["checks"])
    assert all(set(q) == {"check_code", "field", "question", "citation"} for q in data["questions"])
    assert data["outcome"] == "needs_completion"
    assert data["kriminalvarden_transport"] is True
    assert data["case_code"] == "615"
    assert data["competent_deciders"] == ["rlc_commander", "station_commander", "level2_manager"]


def test_review_to_dict_without_legal_basis():
    facts = competent_facts(CATALOGUE.get("LPT-47-2-3"), legal_basis_text="17 § PL")
    data = review_to_dict(review(facts, CATALOGUE, TODAY))
    assert data["legal_basis"] is None and data["case_code"] is None and data["outcome"] == "inadmissible"
