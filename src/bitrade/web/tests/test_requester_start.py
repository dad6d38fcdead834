"""The requester's start page puts what waits for them first, and can be filtered and searched."""

from __future__ import annotations

import uuid

import pytest

from bitrade.assistance import services as cases
from bitrade.cases.models import Case as CaseModel
from bitrade.custody.tests.test_custody_flow import T0
from bitrade.intake import selectors
from bitrade.intake import services as intake
from bitrade.intake.schemas import RequestIn
from bitrade.intake.tests.helpers import LVU_CARE, body

pytestmark = pytest.mark.django_db


def _submit(actor, **changes):
    return intake.submit_request(actor, RequestIn.model_validate(body(LVU_CARE, **changes)),
                                 idempotency_key=str(uuid.uuid4()), now=T0).request


def test_what_waits_for_the_requester_comes_first_then_open_then_closed(demo, actor_of, login_client):
    soc = actor_of("soc.malmo")
    first = _submit(soc, person__name="Första Personen")
    waiting = _submit(soc, person__name="Väntande Personen", attachments=None)  # care decision missing
    refused = _submit(soc, person__name="Avslutad Personen")
    cases.withdraw(soc, refused.case, reason="Personen har kommit tillbaka själv.", now=T0)
    CaseModel.objects.filter(pk=refused.case.pk).update(state="closed", closed_at=T0)  # as after closure
    _submit(soc, person__name="Senaste Personen")

    rows = selectors.requester_rows(soc)
    names = [r["person_name"] for r in rows]
    assert waiting.review_outcome == "needs_completion"
    assert names[0] == "Väntande Personen" and names[-1] == "Avslutad Personen"
    assert rows[0]["needs_requester"] and not rows[1]["needs_requester"]
    assert [r["person_name"] for r in selectors.requester_rows(soc, status="needs")] == ["Väntande Personen"]
    assert "Avslutad Personen" not in [r["person_name"] for r in selectors.requester_rows(soc, status="open")]
    assert [r["person_name"] for r in selectors.requester_rows(soc, status="closed")] == ["Avslutad Personen"]
    assert [r["person_name"] for r in selectors.requester_rows(soc, query="första")] == ["Första Personen"]
    assert [r["reference_number"] for r in selectors.requester_rows(soc, query=first.case.reference_number)] == [
        first.case.reference_number]

    page = login_client("soc.malmo").get("/", {"status": "needs"}).content.decode()
    assert "Väntande Personen" in page and "Första Personen" not in page, page[page.find("<main"):][:3000]
    assert "Väntar på er komplettering" in page
    page = login_client("soc.malmo").get("/", {"q": "ingen-sadan"}).content.decode()
    assert "Inga begäranden matchar sökningen." in page
    page = login_client("soc.malmo").get("/", {"status": "påhittad"}).content.decode()
    assert "Senaste Personen" in page  # an unknown status shows everything
