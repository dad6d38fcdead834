"""An analyst opens "Uppföljning", picks period, level and view, reads the tables and charts, downloads a
table whose numbers match the screen; a requester sees its own organisation."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from bitrade.followup import facts
from bitrade.followup.tests import factory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def figures(demo_tx):
    factory.build()
    facts.refresh(full=True)


def test_analyst_works_the_dashboard(page, login, figures):
    login("analytiker")
    page.goto("/uppfoljning/?period=2024")
    expect(page.get_by_role("heading", level=1)).to_have_text("Uppföljning – Hela landet")
    expect(page.get_by_test_id("period")).to_have_text("2024")
    expect(page.get_by_test_id("kpis")).to_contain_text("Mottagna")
    page.get_by_label("Nivå").select_option("region")
    page.get_by_role("button", name="Visa").click()
    comparison = page.get_by_role("table", name="Jämförelse")
    expect(comparison).to_contain_text("Region Syd")
    expect(comparison.locator("tfoot")).to_contain_text("Totalt")
    expect(page.get_by_test_id("chart-c-jamforelse")).to_have_attribute("role", "img")

    page.get_by_role("link", name="Beslut, ledtider och utfall").click()
    lead_times = page.get_by_role("table", name="Ledtider")
    expect(lead_times).to_contain_text("Mottagen → avslutad")
    expect(page.get_by_role("table", name="Patrulltid inklusive återfärd per lag")).to_be_visible()

    page.get_by_role("link", name="Volymer").click()
    table = page.get_by_role("table", name="Mottagna och avslutade ärenden per saknummer")
    total_on_screen = table.locator("tfoot td[data-col='received']").inner_text()
    with page.expect_download() as info:
        page.get_by_role("link", name="Ladda ner Mottagna och avslutade ärenden per saknummer som CSV").click()
    content = open(info.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert rows[0][:3] == ["Saknummer", "Mottagna", "Avslutade"]
    assert rows[-1][0] == "Totalt" and rows[-1][1] == total_on_screen.replace("\u00a0", "") == "5"

    page.goto("/uppfoljning/?period=2024-13")
    expect(page.get_by_test_id("error")).to_contain_text("Månaden 13 finns inte")


def test_requester_sees_its_own_volumes_and_outcomes(page, login, figures):
    login("soc.malmo")
    page.goto("/uppfoljning/?period=2024")
    expect(page.get_by_role("heading", level=1)).to_have_text("Uppföljning – Socialnämnden Malmö stad")
    expect(page.get_by_role("table", name="Utfall och återrapportering")).to_be_visible()
    expect(page.get_by_label("Nivå")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("Exempelsson")
