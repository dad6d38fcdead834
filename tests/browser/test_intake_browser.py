"""A chief physician submits an LPT request, receives a completion question and answers it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from bitrade.intake.models import AssistanceRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_chief_physician_submits_gets_completion_question_and_answers(page, login):
    login("overlakare.malmo")
    page.get_by_role("link", name="Ny begäran om handräckning").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ny begäran om handräckning")

    page.get_by_label("Vilket lagrum grundar begäran?").select_option("LPT-47-2-3")
    # htmx brings the guidance for the chosen legal basis
    explanation = page.get_by_test_id("basis-explanation")
    expect(explanation).to_contain_text("47 § andra stycket 3 LPT")
    expect(explanation).to_contain_text("chefsöverläkare")
    expect(page.get_by_label("Varför behövs polisens särskilda befogenheter?")).to_be_visible()

    page.get_by_label("Personnummer eller samordningsnummer").fill("19900101-0017")
    page.get_by_label("Namn *").fill("Patient Exempelsson")
    page.get_by_label("Var finns personen, eller kan antas finnas?").fill("Exempelgatan 1")
    page.get_by_label("Kommun *").select_option("1280")
    page.get_by_label("Beskriv åtgärderna som polisen ska utföra").fill(
        "Eftersöka och återföra patienten som avvikit till avdelning 3.")
    page.get_by_label("Brådska *").select_option("planned")
    # The reason for police powers is left out on purpose.
    page.get_by_role("button", name="Skicka begäran").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Begäran HR-SYD-\d{4}-\d{5}"))
    expect(page.get_by_role("status")).to_contain_text("Begäran är mottagen")
    expect(page.get_by_test_id("review-outcome")).to_have_text("Behöver kompletteras")
    question = page.get_by_label(re.compile("Ange varför polisens särskilda befogenheter behövs"))
    expect(question).to_be_visible()
    expect(page.get_by_text("47 § tredje stycket LPT").first).to_be_visible()

    question.fill("Patienten har hotat personal med kniv och tidigare gjort våldsamt motstånd.")
    page.get_by_role("button", name="Skicka komplettering").click()

    expect(page.get_by_role("status")).to_contain_text("Kompletteringen är skickad")
    expect(page.get_by_test_id("review-outcome")).to_have_text("Formellt komplett")
    expect(page.get_by_test_id("status")).to_have_text("Mottagen")
    req = AssistanceRequest.objects.get()
    assert req.review_outcome == "admissible"
    assert "hotat personal" in req.police_powers_reason


def test_form_errors_name_the_field(page, login):
    login("soc.malmo")
    page.goto("/begaran/ny/")
    page.get_by_label("Vilket lagrum grundar begäran?").select_option("LVU-43-1-2")
    page.get_by_label("Personnummer eller samordningsnummer").fill("19900101-0018")
    page.get_by_role("button", name="Skicka begäran").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Ogiltigt personnummer")
    # Plain Swedish: the message links to the field, and names no internal field path.
    expect(alert).not_to_contain_text("person.identity_number")
    expect(alert.get_by_role("link", name=re.compile("Ogiltigt personnummer"))).to_have_attribute(
        "href", "#f-person-identity_number")
    assert AssistanceRequest.objects.count() == 0
