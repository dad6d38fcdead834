"""Custody, holding, protocol and transport screens, and Kriminalvården's view, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bitrade.assistance import rules as case_rules
from bitrade.assistance import services as cases
from bitrade.organisation.actor import actor_for_person
from bitrade.organisation.models import Person
from bitrade.transport.models import TransportOrder

from .test_case_browser import _submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _executing():
    case = _submit()
    gc = actor_for_person(Person.objects.get(username="gc.malmo"))
    case = cases.decide(gc, case, case_rules.GRANT)
    case = cases.assign(gc, case, resource="Bil 2110")
    return cases.start_execution(gc, case)


def test_custody_holding_protocol_and_nte_transport(page, login):
    case = _executing()
    login("gc.malmo")
    page.goto(f"/arenden/{case.public_id}/")

    page.get_by_text("Hot- och riskbedömning, prioritet").click()
    page.get_by_label("Risknivå").select_option("high")
    page.get_by_label("Bedömning", exact=True).fill("Har hotat personal med kniv.")
    page.get_by_role("button", name="Spara bedömning").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Hot- och riskbedömning: hög")

    page.get_by_label("Var personen hålls").fill("Bostaden, Exempelgatan 1")
    page.get_by_role("button", name="Registrera frihetsberövande").click()
    episode = page.get_by_test_id("episode")
    expect(episode).to_contain_text("från")

    page.get_by_text("Förvar", exact=True).click()
    page.get_by_label("Varför förvar är nödvändigt (ordning eller säkerhet)").fill(
        "Personen har hotat personal; ordningen kräver inlåsning i väntan på transport.")
    page.get_by_label("Vilka mindre ingripande alternativ som övervägts").fill("Väntan i bil övervägdes.")
    page.get_by_role("button", name="Besluta om förvar").click()
    expect(page.get_by_role("status")).to_contain_text("Sparat")
    expect(page.get_by_test_id("episode")).to_contain_text("i avvaktan på transport")

    page.get_by_label("Hämtas").fill("2026-12-01T14:00")
    page.get_by_role("button", name="Beställ transport hos Kriminalvården (NTE)").click()
    expect(page.get_by_test_id("transport")).to_contain_text("Beställd hos NTE")

    page.get_by_label("Frihetsberövandet upphör – hur").fill("Överlämnad till Kriminalvården")
    page.get_by_role("button", name="Avsluta frihetsberövandet").click()
    page.get_by_label("1. Vem som fattade beslutet").fill("Johan Ek, gruppchef")
    page.get_by_label("2. Grunden för beslutet och tidpunkten").fill("47 § andra stycket 3 LPT, kl. 10.00")
    page.get_by_label("3. Vem eller vilka som deltog (kommaseparerat)").fill("Johan Ek, Elin Holm")
    page.get_by_label("4. Vem eller vilka ingripandet riktade sig mot").fill("Patient Exempelsson")
    page.get_by_label("5. Tiden för ingripandet").fill("10.00–11.30")
    page.get_by_label("6. Vad som i övrigt förekom").fill("Inga tvångsmedel.")
    page.get_by_role("button", name="Signera punkt 1–2 (beslutsfattare)").click()
    expect(page.get_by_role("status")).to_contain_text("Sparat")
    page.get_by_role("button", name="Signera punkt 3–6 (förman)").click()
    expect(page.get_by_test_id("episode")).to_contain_text("klart")

    page.get_by_role("button", name="Logga ut").click()
    login("nte.syd")
    order = page.get_by_test_id("nte-order")
    expect(order).to_contain_text(case.reference_number)
    expect(order).not_to_contain_text("våldsamt motstånd")
    page.get_by_role("button", name="Acceptera").click()
    expect(page.get_by_test_id("nte-order")).to_contain_text("Accepterad av NTE")
    assert TransportOrder.objects.get().state == "accepted"
