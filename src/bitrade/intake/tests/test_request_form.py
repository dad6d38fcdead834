"""The requester's web pages help: errors sit next to their control (aria-invalid, aria-describedby), the
summary's links reach their controls and name no field path, a chosen file survives a failed submission,
competence is warned about while the legal basis is chosen, and a completion question that asks for a
document takes a file and moves the request on."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bitrade.cases import kinds
from bitrade.cases.services import take_action
from bitrade.intake import services
from bitrade.intake.models import AssistanceRequest, StagedUpload

from .helpers import LVU_CARE, PDF, body
from .test_uploads import png, police_of_unit

pytestmark = pytest.mark.django_db
NEW = "/begaran/ny/"


class Page(HTMLParser):
    """The ids on a page, every element's attributes by id, and the links and text of the error summary."""

    def __init__(self, html: str):
        super().__init__()
        self.ids: dict[str, dict] = {}
        self.summary_links: list[str] = []
        self.summary_text = ""
        self._depth = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids[a["id"]] = {**a, "tag": tag}
        if a.get("id") == "form-errors":
            self._depth = 1
        elif self._depth and tag not in ("input", "br"):
            self._depth += 1
        if self._depth and tag == "a":
            self.summary_links.append(a.get("href", ""))

    def handle_endtag(self, tag):
        if self._depth:
            self._depth -= 1

    def handle_data(self, data):
        if self._depth:
            self.summary_text += data


def form(**changes) -> dict:
    data = {
        "form_token": uuid.uuid4().hex, "requester.phone": "040-34 10 00", "legal_basis_key": "LVU-43-1-2",
        "person.name": "Ung Exempelsson", "person.birth_date": "2000-03-04", "location.address": "Exempelvägen 2",
        "location.municipality_code": "1280", "measures": "Verkställa beslut om vård genom att hämta den unge.",
        "police_powers_reason": "Den unge har hotat personal och rymt två gånger; motstånd väntas.",
        "urgency": "planned", "attachment_1_kind": "care_decision", "attachment_2_kind": "other",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def pdf_file(name="beslut.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


# --------------------------------------------------------------------------- errors that help


def test_errors_sit_next_to_their_control_and_the_summary_links_reach_them(demo, login_client):
    client = login_client("soc.malmo")
    r = client.post(NEW, form(**{
        "legal_basis_key": "", "person.name": "", "person.birth_date": None, "location.address": "",
        "location.municipality_code": "", "measures": "", "urgency": "", "risks": ["violence", "dragons"],
        "window_start": "2026-07-02T10:00", "window_end": "2026-07-01T10:00", "attachment_1_kind": "nonsense",
        "attachment_1": SimpleUploadedFile("bild.pdf", png(), content_type="application/pdf"),
        "attachment_2": pdf_file(),
    }))
    assert r.status_code == 422
    html = r.content.decode()
    page = Page(html)
    # Every link of the summary points at a control that is on the page.
    assert len(page.summary_links) >= 8
    for href in page.summary_links:
        assert href.startswith("#") and href[1:] in page.ids, href
    # The summary speaks plainly: no field paths, no message that does not fit the control.
    assert not re.search(r"\((?:person|location|requester|attachments)\.", page.summary_text)
    for path in ("person.name", "location.municipality_code", "attachments.0", "legal_basis_key", "urgency"):
        assert path not in page.summary_text
    assert "Texten är för kort" not in html
    assert "Välj brådska." in page.summary_text and "Välj kommun." in page.summary_text
    assert "Välj lagrum." in page.summary_text and "Ange personens namn." in page.summary_text
    # Inline: each failing control is marked and points at its own message.
    for control in ("f-urgency", "f-person-name", "f-location-municipality_code", "f-measures", "f-legal_basis_key",
                    "f-risks", "f-window_end", "f-attachment_1"):
        attrs = page.ids[control]
        assert attrs.get("aria-invalid") == "true", control
        assert f"{control}-error" in attrs.get("aria-describedby", "").split(), control
        assert page.ids[f"{control}-error"]["class"] == "field-error"
    assert page.ids["f-urgency-error"]["tag"] == "p"
    # A control without an error is not marked.
    assert "aria-invalid" not in page.ids["f-destination"]
    # The summary takes the focus when the page loads (web/static/web/forms.js).
    assert "data-focus-on-load" in page.ids["form-errors"]
    assert "web/forms.js" in html


def test_an_unidentified_person_is_shown_at_the_identity_number(demo, login_client):
    r = login_client("soc.malmo").post(NEW, form(**{"person.birth_date": None}))
    page = Page(r.content.decode())
    assert page.summary_links == ["#f-person-identity_number"]
    assert page.ids["f-person-identity_number"]["aria-invalid"] == "true"
    assert "Ange personnummer/samordningsnummer" in page.summary_text


def test_a_page_without_errors_has_no_summary_and_no_marked_control(demo, login_client):
    html = login_client("soc.malmo").get(NEW).content.decode()
    assert 'id="form-errors"' not in html and "aria-invalid" not in html and "data-focus-on-load" not in html


def test_the_focus_script_focuses_the_marked_element():
    from django.contrib.staticfiles import finders

    script = open(finders.find("web/forms.js"), encoding="utf-8").read()
    assert "[data-focus-on-load]" in script and ".focus()" in script


# --------------------------------------------------------------------------- files kept across a failed submission


def test_a_chosen_file_is_kept_when_the_form_must_be_corrected_and_sent_with_the_request(demo, login_client):
    client = login_client("soc.malmo")
    data = form(measures="")
    r = client.post(NEW, {**data, "attachment_1": pdf_file()})
    assert r.status_code == 422
    html = r.content.decode()
    assert "Sparad bilaga: <strong>beslut.pdf</strong> (tas med när du skickar)" in html
    assert f'value="{data["form_token"]}"' in html
    assert 'name="attachment_1_remove"' in html
    assert StagedUpload.objects.count() == 1
    # Corrected and sent without choosing the file again.
    r = client.post(NEW, {**data, "measures": "Verkställa beslut om vård genom att hämta den unge till HVB."})
    assert r.status_code == 302, r.content.decode()[:2000]
    req = AssistanceRequest.objects.get()
    att = req.attachments.get()
    assert (att.filename, att.kind, att.sha256) == ("beslut.pdf", "care_decision", hashlib.sha256(PDF).hexdigest())
    assert req.review_outcome == "admissible"
    assert not StagedUpload.objects.exists()


def test_a_kept_file_can_be_removed(demo, login_client):
    client = login_client("soc.malmo")
    data = form(measures="")
    client.post(NEW, {**data, "attachment_1": pdf_file()})
    r = client.post(NEW, {**data, "attachment_1_remove": "on"})
    assert "Sparad bilaga" not in r.content.decode()
    assert not StagedUpload.objects.exists()
    r = client.post(NEW, {**data, "measures": "Verkställa beslut om vård genom att hämta den unge till HVB."})
    assert r.status_code == 302
    assert not AssistanceRequest.objects.get().attachments.exists()


def test_kept_files_are_the_requesters_own(demo, client, login_client):
    data = form(measures="")
    login_client("soc.malmo").post(NEW, {**data, "attachment_1": pdf_file()})
    client.logout()
    # A colleague at the same organisation who gets hold of the form's token sees and sends nothing of it.
    other = login_client("ordf.malmo")
    r = other.post(NEW, data)
    assert "Sparad bilaga" not in r.content.decode()
    r = other.post(NEW, {**data, "measures": "Verkställa beslut om vård genom att hämta den unge till HVB."})
    assert r.status_code == 302
    assert not AssistanceRequest.objects.get().attachments.exists()
    assert StagedUpload.objects.count() == 1


def test_kept_files_older_than_a_day_are_removed(demo, login_client):
    client = login_client("soc.malmo")
    data = form(measures="")
    client.post(NEW, {**data, "attachment_1": pdf_file()})
    StagedUpload.objects.update(created_at=timezone.now() - timedelta(hours=25))
    path = StagedUpload.objects.get().file.path
    r = client.get(NEW)
    assert r.status_code == 200
    assert not StagedUpload.objects.exists()
    import os

    assert not os.path.exists(path)
    assert services.purge_stale_uploads() == 0


def test_a_refused_file_is_not_kept_and_its_error_sits_at_its_control(demo, login_client):
    client = login_client("soc.malmo")
    r = client.post(NEW, {**form(), "attachment_1": SimpleUploadedFile("bild.pdf", png())})
    assert r.status_code == 422
    page = Page(r.content.decode())
    assert page.ids["f-attachment_1"].get("aria-invalid") == "true"
    assert "#f-attachment_1" in page.summary_links
    assert not StagedUpload.objects.exists()


# --------------------------------------------------------------------------- competence while choosing


def test_social_services_are_warned_when_choosing_an_lpt_basis(demo, login_client):
    r = login_client("soc.malmo").get("/begaran/lagrum/", {"legal_basis_key": "LPT-47-2-3"})
    html = r.content.decode()
    assert 'data-testid="competence-warning"' in html
    assert "inte behörig att begära handräckning enligt 47 § andra stycket 3 LPT" in html
    assert "socialsekreterare" in html.lower()


def test_no_warning_for_a_competent_requester(demo, login_client, client):
    assert "competence-warning" not in login_client("soc.malmo").get(
        "/begaran/lagrum/", {"legal_basis_key": "LVU-43-1-2"}).content.decode()
    client.logout()
    assert "competence-warning" not in login_client("overlakare.malmo").get(
        "/begaran/lagrum/", {"legal_basis_key": "LPT-47-2-3"}).content.decode()


def test_the_warning_is_the_reviews_own_competence_check(demo, login_client):
    """The same words as the review gives when the request is sent anyway."""
    client = login_client("soc.malmo")
    warning = client.get("/begaran/lagrum/", {"legal_basis_key": "LPT-47-2-3"}).content.decode()
    client.post(NEW, form(legal_basis_key="LPT-47-2-3"))
    req = AssistanceRequest.objects.get()
    check = next(c for c in req.review["checks"] if c["code"] == "requester_competent")
    assert not check["ok"]
    assert check["message"].replace("§", "&sect;") in warning or check["message"] in warning


# --------------------------------------------------------------------------- completion with a document


def _lvu_without_decision(client_for):
    client = client_for("soc.malmo")
    data = form()
    r = client.post(NEW, data)
    assert r.status_code == 302
    req = AssistanceRequest.objects.get()
    assert req.case.state == "completion_requested"
    return client, req


def test_the_reviews_document_question_takes_a_file_and_the_request_moves_on(demo, login_client):
    client, req = _lvu_without_decision(login_client)
    q = req.questions.get(answered_at__isnull=True)
    assert q.field == "attachment_kinds"
    page = Page(client.get(f"/begaran/{req.public_id}/").content.decode())
    assert page.ids[f"file_{q.pk}"]["type"] == "file"
    assert page.ids[f"file_{q.pk}_kind"]["tag"] == "select"
    r = client.post(f"/begaran/{req.public_id}/komplettera/", {f"file_{q.pk}": pdf_file(),
                                                                 f"file_{q.pk}_kind": "care_decision"})
    assert r.status_code == 302
    req.refresh_from_db()
    req.case.refresh_from_db()
    assert req.case.state != "completion_requested"
    assert req.review_outcome == "admissible"
    assert req.attachments.get().filename == "beslut.pdf"
    q.refresh_from_db()
    assert q.answered_at is not None and "beslut.pdf" in q.answer


def test_the_suggested_kind_is_the_missing_document(demo, login_client):
    client, req = _lvu_without_decision(login_client)
    q = req.questions.get(answered_at__isnull=True)
    html = client.get(f"/begaran/{req.public_id}/").content.decode()
    select = html[html.index(f'id="file_{q.pk}_kind"'):]
    select = select[:select.index("</select>")]
    assert '<option value="care_decision" selected>' in select


def test_a_police_question_asking_for_a_document_takes_a_file(demo, login_client, actor_of, client):
    requester = login_client("soc.malmo")
    r = requester.post(NEW, {**form(), "attachment_1": pdf_file()})
    assert r.status_code == 302
    req = AssistanceRequest.objects.get()
    assert req.case.state == "received"
    police = actor_of(police_of_unit(req.case.unit_id))
    action = kinds.kind_of(req.case).action_by_slug("komplettering")
    take_action(police, req.case, action, action.schema.model_validate(
        {"question": "Bifoga vårdintyget som beslutet bygger på.", "document": True}))
    req.case.refresh_from_db()
    assert req.case.state == "completion_requested"
    q = req.questions.get(answered_at__isnull=True)
    assert q.field == "attachment_kinds"
    page = Page(requester.get(f"/begaran/{req.public_id}/").content.decode())
    assert page.ids[f"file_{q.pk}"]["type"] == "file"
    r = requester.post(f"/begaran/{req.public_id}/komplettera/", {
        f"file_{q.pk}": pdf_file("vardintyg.pdf"), f"file_{q.pk}_kind": "care_certificate"})
    assert r.status_code == 302
    req.case.refresh_from_db()
    assert req.case.state != "completion_requested"
    assert sorted(req.attachments.values_list("filename", flat=True)) == ["beslut.pdf", "vardintyg.pdf"]


def test_a_completion_error_names_the_question_not_a_field(demo, login_client):
    client, req = _lvu_without_decision(login_client)
    q = req.questions.get(answered_at__isnull=True)
    r = client.post(f"/begaran/{req.public_id}/komplettera/", {
        f"file_{q.pk}": SimpleUploadedFile("bild.pdf", png()), f"file_{q.pk}_kind": "care_decision"}, follow=True)
    html = r.content.decode()
    assert "Bilagan till frågan" in html and "heter bild.pdf" in html
    assert "content_base64" not in html and "attachments." not in html
    req.case.refresh_from_db()
    assert req.case.state == "completion_requested"
    r = client.post(f"/begaran/{req.public_id}/komplettera/", {}, follow=True)
    assert "Besvara minst en fråga." in r.content.decode()


def test_the_case_api_takes_the_document_flag(demo):
    from bitrade.assistance.actions import QuestionIn

    assert QuestionIn.model_validate({"question": "Bifoga vårdintyg.", "document": "on"}).document is True
    assert QuestionIn.model_validate({"question": "Vilken avdelning?"}).document is False


def test_the_lvu_api_body_still_works(demo, client):
    """The API channel is unchanged by the form's staging (one schema, both channels)."""
    from .test_uploads import post

    assert post(client, body(LVU_CARE)).status_code == 201


def test_the_worker_removes_kept_files_of_forms_never_sent(demo, login_client):
    from django.core.management import call_command

    login_client("soc.malmo").post(NEW, {**form(measures=""), "attachment_1": pdf_file()})
    StagedUpload.objects.update(created_at=timezone.now() - timedelta(hours=25))
    call_command("worker", "--once")
    assert not StagedUpload.objects.exists()
