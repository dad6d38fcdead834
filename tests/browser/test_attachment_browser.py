"""A commander reads the requester's document from the case page: opened in the browser's own PDF viewer
(inline, under the document's sandboxing policy) and downloaded; both reads are on record."""

from __future__ import annotations

import base64
import time
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from bitrade.audit import services as audit
from bitrade.audit.models import AuditEvent
from bitrade.cases.models import Case
from bitrade.intake import services as intake
from bitrade.intake.schemas import RequestIn
from bitrade.intake.tests.helpers import LPT_RETURN, PDF, body
from bitrade.organisation.actor import actor_for_person
from bitrade.organisation.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _submit_with_document() -> Case:
    """A request routed to the Malmö group (open around the clock here), with the care certificate attached."""
    from bitrade.organisation.models import PoliceRegion, Unit
    from bitrade.routing.models import RoutingRule

    group = Unit.objects.get(name="Handräckningsgrupp Malmö")
    group.always_open = True
    group.save()
    RoutingRule.objects.create(name="Test: allt till gruppen", region=PoliceRegion.objects.get(code="syd"), order=0,
                               target_kind="assistance_group", scope="police_area", requires_open=False)
    actor = actor_for_person(Person.objects.get(username="overlakare.malmo"))
    payload = body(LPT_RETURN, attachments=[{"kind": "care_certificate", "filename": "vardintyg.pdf",
                                             "content_base64": base64.b64encode(PDF).decode()}])
    return intake.submit_request(actor, RequestIn.model_validate(payload),
                                 idempotency_key=str(uuid.uuid4())).request.case


def _reads(purpose: str) -> int:
    return AuditEvent.objects.filter(object_type="intake.attachment", action=audit.READ, reason=purpose).count()


def test_a_commander_opens_and_downloads_the_document_from_the_case_page(page, login, tmp_path):
    case = _submit_with_document()
    assert case.unit.name == "Handräckningsgrupp Malmö"
    login("gc.malmo")
    page.goto(f"/arenden/{case.public_id}/")
    expect(page.get_by_test_id("attachments")).to_contain_text("vardintyg.pdf")

    # Öppna: a new tab, the document inline with its own type, shown by the browser's PDF viewer.
    with page.context.expect_page() as tab_info, page.context.expect_event(
            "response", lambda r: "/bilaga/" in r.url and r.url.endswith("/visa/")) as response_info:
        page.get_by_role("link", name="Öppna vardintyg.pdf (öppnas i en ny flik)").click()
    response = response_info.value
    headers = response.all_headers()  # as sent (`headers` leaves out some security headers)
    assert response.status == 200
    assert headers["content-type"] == "application/pdf"
    assert headers["content-disposition"].startswith("inline;") and "vardintyg.pdf" in headers["content-disposition"]
    assert "sandbox" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    tab = tab_info.value
    deadline = time.monotonic() + 15
    while not any(f.url.startswith("chrome-extension://") for f in tab.frames) and time.monotonic() < deadline:
        tab.wait_for_timeout(100)
    assert any(f.url.startswith("chrome-extension://") for f in tab.frames), \
        f"the PDF viewer did not load under the document's policy: {[f.url for f in tab.frames]}"
    tab.close()
    assert _reads("bilaga visad") == 1  # the viewer reads the response it was handed; it does not fetch again

    # Ladda ned: a download with the document's name and its exact bytes.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ladda ned vardintyg.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "vardintyg.pdf"
    saved = tmp_path / "vardintyg.pdf"
    download.save_as(saved)
    assert Path(saved).read_bytes() == PDF
    assert _reads("bilaga hämtad") == 1
