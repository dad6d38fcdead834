"""The case state machine, decisions, outcomes and closure as pure rules (no database)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bitrade.assistance import rules as r

LVU = frozenset({"duty_officer", "station_commander", "level2_manager"})
LPT = frozenset({"rlc_commander", "station_commander", "level2_manager"})


def facts(**kw):
    base = dict(action=r.GRANT, state=r.ACKNOWLEDGED, decider_functions=frozenset({"station_commander"}),
                competent_functions=LPT, basis_citation="47 § andra stycket 3 LPT", review_outcome="admissible")
    base.update(kw)
    return r.DecisionFacts(**base)


@pytest.mark.parametrize("functions, competent, ok", [
    ({"station_commander"}, LPT, True),
    ({"rlc_commander"}, LPT, True),
    ({"level2_manager"}, LPT, True),
    ({"duty_officer"}, LPT, False),      # LPT/LRV: vb is not among the competent functions
    ({"duty_officer"}, LVU, True),       # LVM/LVU: vb is
    ({"rlc_commander"}, LVU, False),
    ({"officer"}, LVU, False),
])
def test_decision_competence_per_law(functions, competent, ok):
    check = r.check_competence(functions, competent, "citation")
    assert check.ok is ok
    if not ok:
        assert "behöriga är" in check.message


def test_grant_by_competent_function_on_admissible_review():
    v = r.check_decision(facts())
    assert v.allowed and v.target == r.GRANTED


def test_incompetent_function_is_refused_with_the_citation():
    v = r.check_decision(facts(decider_functions=frozenset({"officer"})))
    assert not v.allowed and v.refusals[0].citation == "47 § andra stycket 3 LPT"


def test_no_conditions_may_be_attached():
    v = r.check_decision(facts(conditions="endast om ambulans finns"))
    assert not v.allowed and any(c.citation == r.JO_2014_15 for c in v.refusals)


def test_refusal_must_name_a_formal_check():
    assert not r.check_decision(facts(action=r.REFUSE)).allowed
    v = r.check_decision(facts(action=r.REFUSE, refusal_check="requester_competent", review_outcome="inadmissible",
                               failed_review_checks=frozenset({"requester_competent"})))
    assert v.allowed and v.target == r.REFUSED


def test_refusal_on_a_point_the_review_found_fine_needs_an_explanation():
    v = r.check_decision(facts(action=r.REFUSE, refusal_check="measures_described"))
    assert not v.allowed
    v = r.check_decision(facts(action=r.REFUSE, refusal_check="measures_described",
                               reason="Åtgärderna gäller en annan person än beslutet."))
    assert v.allowed


INADMISSIBLE = dict(review_outcome="inadmissible", failed_review_checks=frozenset({"requester_competent"}))
WHY = "Förordnandet finns i nämndens delegationsordning, som granskningen inte kände till."


@pytest.mark.parametrize("kw, ok, codes", [
    # A ten-character reason no longer lets a request the review found inadmissible through.
    (dict(reason="Bedömt ok av befälet."), False, {"override_names_check", "override_reason"}),
    (dict(override_checks=frozenset({"requester_competent"})), False, {"override_reason"}),
    (dict(override_reason=WHY), False, {"override_names_check"}),
    (dict(override_checks=frozenset({"requester_competent", "person_identified"}), override_reason=WHY), False,
     {"override_check_known"}),
    (dict(override_checks=frozenset({"requester_competent"}), override_reason=WHY), True, set()),
])
def test_granting_against_a_failed_check_is_an_explicit_override(kw, ok, codes):
    v = r.check_decision(facts(**INADMISSIBLE, **kw))
    assert v.allowed is ok
    assert {c.code for c in v.refusals} == codes


def test_an_override_must_name_every_failed_check():
    two = dict(review_outcome="inadmissible", failed_review_checks=frozenset({"requester_competent",
                                                                             "documents_attached"}))
    v = r.check_decision(facts(**two, override_checks=frozenset({"requester_competent"}), override_reason=WHY))
    assert not v.allowed and "nödvändiga handlingar saknas" in v.message
    assert not r.check_decision(facts(override_checks=frozenset({"measures_described"}), override_reason=WHY)).allowed


def test_overruling_a_refusal_into_a_grant_is_an_override_too():
    v = r.check_decision(facts(action=r.OVERRULE, state=r.REFUSED, reason="Nämnden har visat förordnandet.",
                               **INADMISSIBLE))
    assert not v.allowed and "override_names_check" in {c.code for c in v.refusals}


PENDING = dict(state=r.COMPLETION_REQUESTED, review_outcome="needs_completion",
               failed_review_checks=frozenset({"documents_attached"}))


@pytest.mark.parametrize("kw, ok, codes", [
    (dict(), False, {"completion_pending", "phone_completion"}),
    (dict(urgent=True), False, {"phone_completion"}),
    (dict(urgent=True, phone_completion_by="Lina Persson, socialsekreterare"), False, {"phone_completion"}),
    (dict(phone_completion_by="Lina Persson", phone_completion_how="Beslutets datum och nummer lästes upp 02.10."),
     False, {"completion_pending"}),
    (dict(urgent=True, phone_completion_by="Lina Persson",
          phone_completion_how="Beslutets datum och nummer lästes upp 02.10."), True, set()),
])
def test_urgent_grant_while_completion_is_pending(kw, ok, codes):
    v = r.check_decision(facts(**PENDING, **kw))
    assert v.allowed is ok and {c.code for c in v.refusals} == codes
    if ok:
        assert v.target == r.GRANTED


def test_a_phone_completion_does_not_cover_an_inadmissible_request():
    v = r.check_decision(facts(state=r.COMPLETION_REQUESTED, urgent=True, phone_completion_by="Lina Persson",
                               phone_completion_how="Beslutet lästes upp per telefon.", **INADMISSIBLE))
    assert not v.allowed and "override_names_check" in {c.code for c in v.refusals}


def test_overruling_needs_a_reason():
    assert not r.check_decision(facts(action=r.OVERRULE, state=r.GRANTED, refusal_check="legal_basis_valid")).allowed
    v = r.check_decision(facts(action=r.OVERRULE, state=r.GRANTED, refusal_check="legal_basis_valid",
                               reason="Beslutet om vård har upphört enligt förvaltningsrätten.", review_outcome="x"))
    assert v.allowed and v.target == r.REFUSED


@pytest.mark.parametrize("outcome, extra, state", [
    (r.OUTCOME_EXECUTED, {}, r.EXECUTED),
    (r.OUTCOME_HEALTH_CARE, {"person_handed_to": "Ambulans 3410"}, r.EXECUTED),
    (r.OUTCOME_NEED_ENDED, {"requester_confirmation_by": "Eva Sandberg", "requester_confirmation_at": "2026-06-17"},
     r.NOT_EXECUTED),
])
def test_lawful_outcomes(outcome, extra, state):
    v = r.check_outcome(r.OutcomeFacts(state=r.IN_EXECUTION, outcome=outcome, **extra))
    assert v.allowed and v.target == state


def test_telling_the_person_to_return_on_their_own_is_not_execution():
    v = r.check_outcome(r.OutcomeFacts(state=r.IN_EXECUTION, outcome=r.OUTCOME_SELF_RETURN))
    assert not v.allowed and v.refusals[0].citation == r.JO_2019_20


def test_need_ended_requires_the_requesters_confirmation():
    v = r.check_outcome(r.OutcomeFacts(state=r.IN_EXECUTION, outcome=r.OUTCOME_NEED_ENDED))
    assert not v.allowed and "vem och när" in v.message


def test_withdrawal_is_the_requesters_not_an_outcome_the_police_record():
    assert not r.check_outcome(r.OutcomeFacts(state=r.IN_EXECUTION, outcome=r.OUTCOME_WITHDRAWN)).allowed


def test_not_found_keeps_the_request_open_without_demanding_a_wanted_notice():
    v = r.check_not_found(r.IN_EXECUTION)
    assert v.allowed and v.target == r.IN_EXECUTION


def test_an_uncancelled_wanted_notice_blocks_closure():
    assert not r.check_close(closure(active_wanted_notices=1)).allowed
    assert r.check_close(closure()).allowed


def closure(**kw):
    base = dict(state=r.EXECUTED, decision_recorded=True, decider_function="station_commander",
                outcome=r.OUTCOME_EXECUTED, requester_informed=True)
    base.update(kw)
    return r.ClosureFacts(**base)


@pytest.mark.parametrize("change, code", [
    ({"decision_recorded": False}, "checklist_decision"),
    ({"open_custody_episodes": 1}, "checklist_custody_closed"),
    ({"custody_episodes_without_protocol": 1}, "checklist_protocols"),
    ({"open_transports": 1}, "checklist_transport"),
    ({"requester_informed": False}, "checklist_requester_informed"),
    ({"outcome": ""}, "checklist_outcome"),
])
def test_closure_checklist_blocks_each_missing_item(change, code):
    v = r.check_close(closure(**change))
    assert not v.allowed and code in {c.code for c in v.refusals}


def test_complete_case_closes():
    assert r.check_close(closure()).target == r.CLOSED


def test_health_care_outcome_demands_an_explicit_report_back():
    items = r.closure_checklist(closure(outcome=r.OUTCOME_HEALTH_CARE, requester_informed=False))
    item = next(i for i in items if i.code == "requester_informed")
    assert not item.done and "hälso- och sjukvården" in item.label


def test_refused_case_closes_without_execution_items():
    v = r.check_close(closure(state=r.REFUSED, outcome="", open_transports=0))
    assert v.allowed


def test_reopen_needs_a_reason():
    assert not r.check_reopen(r.CLOSED, "").allowed
    assert r.check_reopen(r.CLOSED, "Ny uppgift om personens vistelseort.").target == r.ACKNOWLEDGED


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(r.TRANSITIONS)), st.sampled_from(sorted(r.OUTCOME_STATE))),
                max_size=25))
def test_random_action_sequences_only_reach_states_of_the_table(steps):
    state = r.RECEIVED
    for action, outcome in steps:
        target = r.target_state(action, state, outcome=outcome)
        if target is None:
            assert action not in r.allowed_actions(state) or action in (r.RECORD_OUTCOME, r.COMPLETE)
            continue
        assert target in r.STATE_LABELS
        assert state in r.TRANSITIONS[action]
        state = target
    if state == r.CLOSED:
        assert r.allowed_actions(state) == [r.REOPEN]
