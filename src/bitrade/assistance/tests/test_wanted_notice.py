"""Wanted notices: a choice, not a demand. The requester's wish shown, a decision to issue one or not, the
related case under code 444, cancellation when the person is found or the request ends, the requester told."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from bitrade.assistance import rules
from bitrade.assistance import services as cases
from bitrade.intake import services as intake
from bitrade.intake.schemas import RequestIn
from bitrade.intake.tests.helpers import LPT_RETURN, body
from bitrade.organisation.models import Person
from bitrade.outbox.models import OutboxMessage

T0 = datetime(2026, 6, 17, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))


@pytest.mark.parametrize("kw, ok, codes", [
    (dict(issue=True), False, {"wanted_nepu", "wanted_related_case"}),
    (dict(issue=True, nepu_reference="NEPU-1", related_reference="5000-K123-26"), True, set()),
    (dict(issue=False), False, {"wanted_reason"}),
    (dict(issue=False, reason="Personen brukar återvända själv inom ett dygn."), True, set()),
    (dict(issue=False, reason="Personen brukar återvända själv.", active_notice=True), False, {"wanted_active"}),
    (dict(issue=False, reason="Personen brukar återvända själv.", state=rules.RECEIVED), False, {"wanted_state"}),
])
def test_wanted_notice_rules(kw, ok, codes):
    base = dict(state=rules.IN_EXECUTION, active_notice=False, requested_by_requester=True)
    v = rules.check_wanted_notice(rules.WantedNoticeFacts(**{**base, **kw}))
    assert v.allowed is ok and {c.code for c in v.refusals} == codes


def test_not_found_no_longer_demands_a_wanted_notice():
    assert rules.check_not_found(rules.ASSIGNED).allowed


@pytest.mark.django_db
def test_wanted_notice_lifecycle_through_the_api(demo, actor_of, login_client):
    case = intake.submit_request(actor_of("overlakare.malmo"),
                                 RequestIn.model_validate(body(LPT_RETURN, wanted_notice_requested=True)),
                                 idempotency_key=str(uuid.uuid4()), now=T0).request.case
    gc = actor_of("gc.malmo")
    case = cases.decide(gc, case, rules.GRANT)
    case = cases.assign(gc, case, resource="Bil 2110")
    client = Client()
    client.force_login(Person.objects.get(username="gc.malmo"))

    def act(name, payload):
        return client.post(f"/api/v1/cases/{case.public_id}/actions/{name}", payload,
                           content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))

    assert act("record_not_found", {"notes": "Ingen i bostaden."}).status_code == 200
    page = login_client("gc.malmo").get(f"/arenden/{case.public_id}/").content.decode()
    assert "har bett polisen överväga efterlysning" in page
    missing = act("wanted_notice", {"issue": True, "nepu_reference": "NEPU-77"})
    assert missing.status_code == 409 and "444" in missing.json()["detail"]
    assert act("wanted_notice", {"issue": True, "nepu_reference": "NEPU-77",
                                 "related_reference": "5000-K999-26"}).status_code == 200
    case.refresh_from_db()
    notice = case.wanted_notices.get()
    assert notice.related_case_code == "444" and notice.requested_by_requester and case.wanted_notice_reference
    # Found: executed, but the case cannot close while the notice stands.
    case = cases.record_outcome(gc, case, outcome=rules.OUTCOME_EXECUTED)
    with pytest.raises(cases.CaseError) as err:
        cases.close(gc, case)
    assert "efterlysningen är inte avlyst" in err.value.message
    assert act("cancel_wanted_notice", {"reason": "found"}).status_code == 200
    notice.refresh_from_db()
    assert notice.cancel_reason == "found" and notice.requester_told_at is not None
    told = set(OutboxMessage.objects.filter(object_id=str(case.pk), recipient="eva@skane.example")
               .values_list("event", flat=True))
    assert {"case.wanted_notice", "case.wanted_notice_cancelled"} <= told
    cases.close(gc, case)


@pytest.mark.django_db
def test_deciding_not_to_issue_a_notice_needs_a_reason(demo, actor_of):
    case = intake.submit_request(actor_of("overlakare.malmo"), RequestIn.model_validate(LPT_RETURN),
                                 idempotency_key=str(uuid.uuid4()), now=T0).request.case
    gc = actor_of("gc.malmo")
    case = cases.assign(gc, cases.decide(gc, case, rules.GRANT), resource="Bil 1")
    case = cases.record_not_found(gc, case)
    with pytest.raises(cases.CaseError):
        cases.decide_wanted_notice(gc, case, issue=False)
    notice = cases.decide_wanted_notice(gc, case, issue=False, reason="Personen återvänder brukar själv inom timmar.")
    assert notice.decision == "not_issued" and not notice.active
