"""Two personas log in and each sees its own start page; a wrong password gets a clear message."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_two_personas_see_their_own_start_pages(page, login):
    login("sb.malmo")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inkorg – Stationsbefäl Malmö")
    expect(page.get_by_test_id("actor-label")).to_contain_text("Karin Lind")
    expect(page.get_by_role("navigation", name="Huvudmeny")).to_contain_text("Inkorg")
    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in i Biträde")

    login("overlakare.malmo")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mina begäranden – Vuxenpsykiatri Malmö")
    expect(page.get_by_role("link", name="Ny begäran om handräckning").first).to_be_visible()


def test_wrong_password_is_explained(page, login):
    login("sb.malmo", "fel-lösenord")
    expect(page.get_by_role("alert")).to_contain_text("Fel användarnamn eller lösenord")


def test_skip_link_and_landmarks(page, login):
    login("analytiker")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Uppföljning – ")
    page.goto("/")
    page.locator("body").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Hoppa till innehållet")).to_be_focused()
    expect(page.get_by_role("banner")).to_be_visible()
    expect(page.get_by_role("main")).to_be_visible()
    expect(page.get_by_role("contentinfo")).to_be_visible()
