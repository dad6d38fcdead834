"""A social services officer chooses a decision (PDF), forgets the measures and sends: the error sits next
to the field (aria-invalid), the focus is on the summary, the PDF is kept; corrected and sent, the request
is stored with the PDF."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from bitrade.intake.models import AssistanceRequest
from bitrade.intake.tests.helpers import PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_error_keeps_the_chosen_pdf_and_focuses_the_summary(page, login):
    login("soc.malmo")
    page.goto("/begaran/ny/")
    page.get_by_label("Vilket lagrum grundar begäran?").select_option("LVU-43-1-2")
    expect(page.get_by_test_id("basis-explanation")).to_contain_text("43 § första stycket 2 LVU")
    expect(page.get_by_test_id("competence-warning")).to_have_count(0)
    page.get_by_label("Varför behövs polisens särskilda befogenheter?").fill(
        "Den unge har hotat personal och rymt två gånger; motstånd väntas.")
    page.get_by_label("Namn *").fill("Ung Exempelsson")
    page.get_by_label("Födelsedatum").fill("2000-03-04")
    page.get_by_label("Var finns personen, eller kan antas finnas?").fill("Exempelvägen 2")
    page.get_by_label("Kommun *").select_option("1280")
    page.get_by_label("Brådska *").select_option("planned")
    page.get_by_label("Bilaga 1", exact=True).set_input_files(
        files=[{"name": "beslut.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_label("Typ av handling (bilaga 1)").select_option("care_decision")
    # The measures are left out on purpose.
    page.get_by_role("button", name="Skicka begäran").click()

    summary = page.locator("#form-errors")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Beskriv vilka åtgärder polisen ska utföra.")
    expect(summary).not_to_contain_text("measures")
    measures = page.get_by_label("Beskriv åtgärderna som polisen ska utföra")
    expect(measures).to_have_attribute("aria-invalid", "true")
    expect(measures).to_have_attribute("aria-describedby", "f-measures-error")
    expect(page.locator("#f-measures-error")).to_have_text("Beskriv vilka åtgärder polisen ska utföra.")
    # The summary's link leads to the field.
    summary.get_by_role("link", name="Beskriv vilka åtgärder polisen ska utföra.").click()
    expect(measures).to_be_focused()
    # The PDF is kept: it does not have to be chosen again.
    expect(page.get_by_test_id("staged-1")).to_have_text(
        "Sparad bilaga: beslut.pdf (tas med när du skickar)")
    expect(page.get_by_label("Typ av handling (bilaga 1)")).to_have_value("care_decision")
    assert AssistanceRequest.objects.count() == 0

    measures.fill("Verkställa beslut om vård genom att hämta den unge till HVB-hemmet.")
    page.get_by_role("button", name="Skicka begäran").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Begäran HR-SYD-\d{4}-\d{5}"))
    expect(page.get_by_role("status")).to_contain_text("Begäran är mottagen")
    expect(page.get_by_test_id("review-outcome")).to_have_text("Formellt komplett")
    req = AssistanceRequest.objects.get()
    attachment = req.attachments.get()
    assert (attachment.filename, attachment.kind) == ("beslut.pdf", "care_decision")
    assert attachment.file.read() == PDF


def test_social_services_are_warned_before_sending_an_lpt_request(page, login):
    login("soc.malmo")
    page.goto("/begaran/ny/")
    page.get_by_label("Vilket lagrum grundar begäran?").select_option("LPT-47-2-3")
    warning = page.get_by_test_id("competence-warning")
    expect(warning).to_contain_text("Du är inte behörig att begära handräckning enligt 47 § andra stycket 3 LPT")
