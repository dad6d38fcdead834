"""The case page as a work surface: a step replaces only the case region, the page keeps its scroll
position and the sections the user opened, and the result is shown beside the form that was sent."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_case_browser import _submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_step_updates_the_case_in_place(page, login):
    case = _submit()
    page.set_viewport_size({"width": 1366, "height": 700})
    login("gc.malmo")
    page.goto(f"/arenden/{case.public_id}/")
    page.get_by_role("button", name="Kvittera").click()
    expect(page.get_by_test_id("case-state")).to_have_text("Kvitterad av polisen")

    page.evaluate("window.__stillTheSamePage = true")
    section = page.locator("details", has=page.locator("summary", has_text="Hot- och riskbedömning"))
    section.locator("summary").click()
    page.get_by_label("Bedömning").fill("Hotfull mot personal vid förra tillfället.")
    page.get_by_label("Risknivå").select_option("high")
    page.get_by_role("button", name="Spara bedömning").scroll_into_view_if_needed()
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 0
    page.get_by_role("button", name="Spara bedömning").click()

    result = section.locator(".messages")
    expect(result).to_have_text("Sparat.")  # shown beside the form that was sent
    assert page.evaluate("window.__stillTheSamePage === true")  # no reload: only the case region was swapped
    expect(section).to_have_attribute("open", "")  # the section the user opened is still open
    assert abs(page.evaluate("window.scrollY") - scrolled) < 250  # not thrown back to the top
    assert page.evaluate("document.activeElement.classList.contains('messages')")  # focus on the result
    expect(page.get_by_test_id("timeline")).to_contain_text("Hot- och riskbedömning")
    case.refresh_from_db()
    assert case.risk_level == "high"

    # A refusal is shown in the same place, in Swedish, and the page stays where it was.
    page.get_by_role("button", name="Bevilja").click()
    expect(page.get_by_test_id("case-state")).to_have_text("Beviljad")
    assign = page.locator("form", has=page.get_by_role("button", name="Tilldela resurs"))
    assign.get_by_label("Resurs (patrull, handräckningsgrupp)").fill("")
    assign.get_by_role("button", name="Tilldela resurs").click()
    refusal = page.locator("form:has(button:text('Tilldela resurs')) + .messages")
    expect(refusal).to_contain_text("resurs")
    expect(refusal.locator("li.error")).to_have_count(1)
    assert page.evaluate("window.__stillTheSamePage === true")
    expect(page.get_by_test_id("case-state")).to_have_text("Beviljad")


def test_an_officer_is_offered_only_what_an_officer_does(page, login):
    case = _submit()
    login("polis.malmo")
    page.goto(f"/arenden/{case.public_id}/")
    expect(page.get_by_test_id("competence")).to_contain_text("får inte besluta")
    expect(page.get_by_role("button", name="Kvittera")).to_have_count(0)
    expect(page.get_by_role("button", name="Spara bedömning")).to_have_count(0)
