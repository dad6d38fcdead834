"""A group leader works a case from the inbox to closure; the requester follows it."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from bitrade.cases.models import Case
from bitrade.intake import services as intake
from bitrade.intake.schemas import RequestIn
from bitrade.intake.tests.helpers import LPT_RETURN
from bitrade.organisation.actor import actor_for_person
from bitrade.organisation.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _submit() -> Case:
    # Whatever the clock says when the test runs, this request goes to the Malmö group: staffed around the
    # clock here, since routing only chooses a unit with a competent decider at that hour.
    from bitrade.organisation.models import PoliceRegion, Unit
    from bitrade.routing.models import RoutingRule

    group = Unit.objects.get(name="Handräckningsgrupp Malmö")
    group.always_open = True
    group.save()
    RoutingRule.objects.create(name="Test: allt till gruppen", region=PoliceRegion.objects.get(code="syd"), order=0,
                               target_kind="assistance_group", scope="police_area", requires_open=False)
    actor = actor_for_person(Person.objects.get(username="overlakare.malmo"))
    return intake.submit_request(actor, RequestIn.model_validate(LPT_RETURN),
                                 idempotency_key=str(uuid.uuid4())).request.case


def test_group_leader_works_the_case_to_closure(page, login):
    case = _submit()
    login("gc.malmo")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Inkorg – Handräckningsgrupp Malmö")
    page.get_by_role("link", name=case.reference_number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Ärende {case.reference_number}")
    expect(page.get_by_test_id("checks")).to_contain_text("47 § andra stycket 3 LPT")

    page.get_by_role("button", name="Kvittera").click()
    expect(page.get_by_test_id("case-state")).to_have_text("Kvitterad av polisen")
    expect(page.get_by_test_id("competence")).to_contain_text("chef på nivå två")
    page.get_by_role("button", name="Bevilja").click()
    expect(page.get_by_test_id("case-state")).to_have_text("Beviljad")
    page.get_by_label("Resurs (patrull, handräckningsgrupp)").fill("Handräckningsgrupp Malmö, bil 2110")
    page.get_by_role("button", name="Tilldela resurs").click()
    page.get_by_role("button", name="Påbörja verkställighet").click()
    expect(page.get_by_test_id("case-state")).to_have_text("Verkställs")
    page.get_by_label("Vad hände?").select_option("executed")
    page.get_by_label("Patrulltid i minuter, inklusive återfärden").fill("240")
    page.get_by_role("button", name="Registrera utfall").click()
    expect(page.get_by_test_id("case-state")).to_have_text("Verkställd")
    expect(page.get_by_test_id("checklist")).to_contain_text("Protokoll finns för varje frihetsberövande")
    page.get_by_role("button", name="Avsluta ärendet").click()
    expect(page.get_by_test_id("case-state")).to_have_text("Avslutad")
    expect(page.get_by_test_id("timeline")).to_contain_text("Beviljad")
    case.refresh_from_db()
    assert case.state == "closed" and case.patrol_minutes == 240

    page.get_by_role("button", name="Logga ut").click()
    login("overlakare.malmo")
    page.get_by_role("link", name=case.reference_number).click()
    expect(page.get_by_test_id("status")).to_have_text("Avslutad")
    expect(page.get_by_test_id("timeline")).to_contain_text("Verkställd")


def test_an_officer_sees_why_they_cannot_decide(page, login):
    case = _submit()
    login("polis.malmo")
    page.goto(f"/arenden/{case.public_id}/")
    expect(page.get_by_test_id("competence")).to_contain_text("får inte besluta")
    expect(page.get_by_role("button", name="Bevilja")).to_have_count(0)
