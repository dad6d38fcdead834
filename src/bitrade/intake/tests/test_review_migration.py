"""The formal review of Migrationsverket's requests for executive assistance (9–12 kap. UtlL), as a table:
who may ask, the condition the government put on such requests (the Police's powers to use force or
coercion are needed, or synnerliga skäl — prop. 2016/17:57), the detention decision, and the citation each
check gives. Pure: no database."""

from __future__ import annotations

from datetime import date

import pytest

from bitrade.intake.rules import RequestFacts, review
from bitrade.legal.catalogue import load_catalogue

CATALOGUE = load_catalogue()
ON = date(2025, 6, 1)
CITATION = "9–12 kap. UtlL"
PROP = "prop. 2016/17:57"
REASON = "Personen har gjort våldsamt motstånd vid två tidigare tillfällen; tvång väntas behövas."


def facts(key="UtlL-forvar-omhandertagande", *, kind="migration_agency", role="migration_officer",
          reason=REASON, attachments=("detention_decision",), text="9–12 kap. utlänningslagen (2005:716)"):
    return RequestFacts(
        organisation_kind=kind, organisation_name="Begärande myndighet", requester_name="Kim Andersson",
        requester_role=role, legal_basis_text=text, legal_basis_key=key,
        measures="Ta personen i förvar och föra personen till förvaret enligt beslutet.",
        police_powers_reason=reason, attachment_kinds=attachments, person_name="Person Exempelsson",
        person_birth_date=date(1990, 1, 1),
    )


# (case id, facts, outcome, the check that decides it, its consequence, its citation)
TABLE = [
    ("mv-custody-complete", facts(), "admissible", "requester_competent", "none", CITATION),
    ("mv-transport-complete", facts("UtlL-forvar-transport"), "admissible", "conditions_stated", "none", PROP),
    ("mv-no-reason", facts(reason=""), "needs_completion", "conditions_stated", "needs_completion", PROP),
    ("mv-reason-too-short", facts(reason="Tvång"), "needs_completion", "conditions_stated", "needs_completion",
     PROP),
    ("mv-no-detention-decision", facts(attachments=()), "needs_completion", "documents_attached",
     "needs_completion", CITATION),
    ("mv-wrong-document", facts(attachments=("care_decision",)), "needs_completion", "documents_attached",
     "needs_completion", CITATION),
    ("mv-citation-without-measure", facts(key=None), "needs_completion", "legal_basis_valid",
     "needs_completion", CITATION),
    ("social-services-official", facts(kind="social_services", role="social_services_official"),
     "inadmissible", "requester_competent", "inadmissible", CITATION),
    ("physician-at-a-clinic", facts("UtlL-forvar-transport", kind="psychiatric_clinic", role="physician"),
     "inadmissible", "requester_competent", "inadmissible", CITATION),
    ("migration-officer-at-a-court", facts(kind="court"), "inadmissible", "requester_competent", "inadmissible",
     CITATION),
    ("prosecutor-at-migrationsverket", facts(role="prosecutor"), "inadmissible", "requester_competent",
     "inadmissible", CITATION),
    ("migration-officer-under-lpt", facts(key=None, text="47 § andra stycket 3 LPT"), "inadmissible",
     "requester_competent", "inadmissible", "47 § andra stycket 3 LPT"),
    ("key-and-other-law", facts(text="45 § LVM"), "needs_completion", "legal_basis_valid", "needs_completion",
     CITATION),
]


@pytest.mark.parametrize(("facts_", "outcome", "code", "consequence", "citation"),
                         [row[1:] for row in TABLE], ids=[row[0] for row in TABLE])
def test_review_of_migrationsverkets_requests(facts_, outcome, code, consequence, citation):
    result = review(facts_, CATALOGUE, ON)
    assert result.outcome == outcome, [(c.code, c.message) for c in result.checks if not c.ok]
    check = result.check(code)
    assert check.consequence == consequence
    assert check.citation == citation
    assert check.message  # Swedish, never empty
    if outcome == "inadmissible":
        assert result.questions == ()


def test_the_refusal_names_who_may_ask_in_swedish():
    check = review(facts(kind="social_services", role="social_services_official"), CATALOGUE, ON).check(
        "requester_competent")
    assert check.message.startswith(f"Begäran enligt {CITATION} får göras av handläggare vid Migrationsverket.")
    assert check.message.endswith(f"är inte behörig att begära handräckning enligt {CITATION}.")


def test_the_condition_is_checked_as_stated_never_judged():
    """Like the care laws: the review checks that a reason is stated, never whether it convinces."""
    result = review(facts(reason="Personen har uppgett att hen inte tänker följa med frivilligt."), CATALOGUE, ON)
    assert result.check("conditions_stated").ok
    assert "våld eller tvång" in result.check("conditions_stated").message


def test_the_police_decider_is_the_duty_officer_or_the_station_commander():
    """The agreement's "ansvarigt befäl" in the Police's vocabulary."""
    result = review(facts(), CATALOGUE, ON)
    assert result.competent_deciders == ("duty_officer", "station_commander")
    assert result.case_code == "618"
    assert not result.kriminalvarden_transport


def test_nothing_is_valid_before_2020():
    result = review(facts(), CATALOGUE, date(2019, 6, 1))
    assert result.outcome == "inadmissible"
    assert "gäller inte den 2019-06-01" in result.check("legal_basis_valid").message
