"""The legal knowledge base in a real browser: live search (htmx), search without JavaScript, a paragraf
in context, and a guide page with its quotation, citation links and JO decisions."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def legal_corpus(demo_tx):
    from bitrade.common.actor import SYSTEM_ACTOR
    from bitrade.legal.services import import_corpus

    import_corpus(SYSTEM_ACTOR, settings.BITRADE_SEEDS_DIR)
    return True


def test_live_search_and_paragraph_in_context(legal_corpus, page, login):
    login("sb.malmo")
    page.goto("/rattskallor/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rättskällor")
    page.get_by_label("Sökfråga").fill("får barn under 15 tas i förvar")
    hits = page.get_by_test_id("hits")  # results arrive while typing, without pressing Enter
    expect(hits.get_by_role("link").first).to_have_text("17 § polislagen (1984:387)")
    expect(hits.locator("mark").first).to_be_visible()
    expect(page).to_have_url(re.compile(r"/rattskallor/\?q=f%C3%A5r(\+|%20)barn"))  # the URL follows the search

    page.get_by_label("Sökfråga").fill("29 a § polislagen")
    expect(hits.get_by_role("link").first).to_have_text("29 a § polislagen (1984:387)")
    expect(page.locator(".badge.exact").first).to_have_text("Lagrummet")
    hits.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("29 a §")
    expect(page.get_by_role("main")).to_contain_text("Kriminalvården")
    page.get_by_role("link", name=re.compile("Visa i hela dokumentet")).click()
    expect(page.locator("#P29a")).to_be_in_viewport()


def test_search_works_without_javascript(legal_corpus, browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="sv-SE", java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/logga-in/")
        page.get_by_label("Användarnamn").fill("soc.malmo")
        page.get_by_label("Lösenord").fill("biträde-demo")
        page.get_by_role("button", name="Logga in").click()
        page.goto("/rattskallor/")
        page.get_by_label("Sökfråga").fill("fotboja montering")
        page.get_by_label("Slag av källa").select_option("regulation")
        page.get_by_role("button", name="Sök").click()
        first = page.get_by_test_id("hits").get_by_role("link").first
        expect(first).to_contain_text("Polismyndighetens föreskrifter")
        expect(page.get_by_test_id("hits")).to_contain_text("fotboja")
    finally:
        context.close()


def test_guide_page_with_quotation_and_jo_decision(legal_corpus, page, login):
    login("sb.malmo")
    page.goto("/rattskallor/")
    page.get_by_role("link", name="Alla grunder").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vägledning per rättslig grund")
    page.get_by_role("link", name="47 § andra stycket 3 LPT", exact=True).click()
    expect(page.get_by_test_id("guide-citation")).to_have_text("47 § andra stycket 3 LPT")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Återföra en patient som har avvikit")
    quote = page.locator("blockquote.quote").first
    expect(quote.locator("li.current")).to_contain_text("chefsöverläkaren för att återföra en patient som har lämnat")
    expect(page.get_by_role("main")).to_contain_text("Biträde har inte lagens fullständiga text")
    for heading in ("Vem får begära", "Villkor", "Vad polisen gör", "Kriminalvårdens roll", "JO-beslut och riktlinjer",
                    "Regler som Biträde tillämpar"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.get_by_test_id("guide-rules")).to_contain_text("Villkor: Skäl för polisens särskilda befogenheter")

    page.get_by_role("link", name="20 § PL").click()  # a citation link to the Police Act
    expect(page.get_by_role("heading", level=1)).to_contain_text("20 §")
    page.go_back()
    page.get_by_test_id("guide-notes").get_by_role("link", name="JO 2014/15 s. 122").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ingen prövning av behovet")
    expect(page.get_by_test_id("note-rules")).to_contain_text("inget villkorat utfall")
