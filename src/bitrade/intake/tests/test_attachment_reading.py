"""Anyone entitled opens a document in the browser or downloads it, from the police case page and from the
requester's page; each read is on record with what was done; everyone else is refused."""

from __future__ import annotations

import base64
import uuid

import pytest
from django.urls import reverse

from bitrade.audit import services as audit
from bitrade.audit.models import AuditEvent
from bitrade.intake import services as intake
from bitrade.intake.models import AssistanceRequest
from bitrade.intake.schemas import CompletionIn, RequestIn

from .helpers import LVU_CARE, PDF, body
from .test_uploads import png, police_of_unit, post, with_file

pytestmark = pytest.mark.django_db


def _reads(att, purpose: str) -> int:
    return AuditEvent.objects.filter(object_type="intake.attachment", object_id=str(att.pk), action=audit.READ,
                                     reason=purpose).count()


def _urls(req, att) -> tuple[str, str]:
    return (reverse("intake:attachment_view", args=[req.public_id, att.pk]),
            reverse("intake:attachment", args=[req.public_id, att.pk]))


@pytest.fixture
def stored(demo, client):
    r = post(client, with_file("beslut.pdf", PDF))
    assert r.status_code == 201, r.content
    req = AssistanceRequest.objects.get(public_id=r.json()["id"])
    return req, req.attachments.get()


@pytest.mark.parametrize("who", ["requester", "handling_unit"])
def test_open_shows_the_document_inline_and_download_downloads_it_each_audited(stored, login_client, who):
    req, att = stored
    username = "soc.malmo" if who == "requester" else police_of_unit(req.case.unit_id)
    client = login_client(username)
    view_url, download_url = _urls(req, att)

    shown_before, fetched_before = _reads(att, "bilaga visad"), _reads(att, "bilaga hämtad")
    r = client.get(view_url)
    assert r.status_code == 200
    assert b"".join(r.streaming_content) == PDF
    assert r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"].startswith("inline;") and 'filename="beslut.pdf"' in r["Content-Disposition"]
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Content-Security-Policy"] == "default-src 'none'; sandbox; frame-ancestors 'none'"
    assert r["Cache-Control"] == "private, no-store"
    assert (_reads(att, "bilaga visad"), _reads(att, "bilaga hämtad")) == (shown_before + 1, fetched_before)

    r = client.get(download_url)
    assert r.status_code == 200
    assert b"".join(r.streaming_content) == PDF
    assert r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"].startswith("attachment;") and "beslut.pdf" in r["Content-Disposition"]
    assert r["X-Content-Type-Options"] == "nosniff" and "sandbox" in r["Content-Security-Policy"]
    assert (_reads(att, "bilaga visad"), _reads(att, "bilaga hämtad")) == (shown_before + 1, fetched_before + 1)
    event = AuditEvent.objects.filter(object_type="intake.attachment", object_id=str(att.pk)).latest("seq")
    assert event.actor_label and event.result == "ok"


def test_an_image_opens_as_an_image(demo, client, login_client):
    r = post(client, with_file("foto.png", png()))
    req = AssistanceRequest.objects.get(public_id=r.json()["id"])
    att = req.attachments.get()
    r = login_client("soc.malmo").get(_urls(req, att)[0])
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert r["Content-Disposition"].startswith("inline;")


def test_a_document_of_another_type_is_never_shown_inline(stored, login_client):
    """Only the types decided from the content at upload are shown; anything else (older data, a type
    changed in the database) is downloaded as bytes."""
    req, att = stored
    att.content_type = "text/html"
    att.save(update_fields=["content_type"])
    r = login_client("soc.malmo").get(_urls(req, att)[0])
    assert r.status_code == 200
    assert r["Content-Type"] == "application/octet-stream" and r["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("who", [
    "soc.stockholm",      # another requesting organisation
    "overlakare.malmo",   # another organisation in the same town
    "rlc.stockholm",      # a police unit of another region
    "sb.stockholm",       # another region's station desk
    "nte.syd",            # Kriminalvården: sees its transport orders, not the request's documents
    "analytiker",         # aggregates only
])
def test_those_not_entitled_are_refused_and_the_refusal_is_on_record(stored, login_client, who):
    req, att = stored
    client = login_client(who)
    for url in _urls(req, att):
        before = AuditEvent.objects.filter(result="refused").count()
        r = client.get(url)
        assert r.status_code in (403, 404), (who, url, r.status_code)
        assert b"%PDF" not in r.content
        assert _reads(att, "bilaga visad") == _reads(att, "bilaga hämtad") == 0
        if who not in ("nte.syd", "analytiker"):  # those two are turned away before any read is tried
            assert AuditEvent.objects.filter(result="refused").count() == before + 1


def test_both_pages_link_to_open_and_download(stored, login_client):
    req, att = stored
    view_url, download_url = _urls(req, att)
    pages = {
        "soc.malmo": reverse("intake:detail", args=[req.public_id]),
        police_of_unit(req.case.unit_id): reverse("cases:detail", args=[req.case.public_id]),
    }
    for username, page_url in pages.items():
        page = login_client(username).get(page_url).content.decode()
        assert f'href="{view_url}"' in page and f'href="{download_url}"' in page, username
        assert ">Öppna</a>" in page and ">Ladda ned</a>" in page
        assert 'aria-label="Öppna beslut.pdf (öppnas i en ny flik)"' in page
        assert "Beslut om vård" in page  # the kind, in words


def test_a_document_sent_with_a_completion_shows_and_opens_for_both(demo, actor_of, login_client):
    # Without the care decision the request waits for completion; the requester then sends it.
    requester = actor_of("soc.malmo")
    req = intake.submit_request(requester, RequestIn.model_validate(body(LVU_CARE, attachments=[])),
                                idempotency_key=str(uuid.uuid4())).request
    question = req.questions.get(check_code="documents_attached", answered_at__isnull=True)
    assert not req.attachments.exists()
    intake.answer_completion(requester, req, CompletionIn.model_validate({
        "answers": [{"question_id": question.pk, "answer": "Beslutet bifogas."}],
        "attachments": [{"kind": "care_decision", "filename": "vardbeslut.pdf",
                         "content_base64": base64.b64encode(PDF).decode()}]}))
    att = req.attachments.get()
    assert att.filename == "vardbeslut.pdf"
    view_url, download_url = _urls(req, att)
    req.case.refresh_from_db()
    for username, page_url in {"soc.malmo": reverse("intake:detail", args=[req.public_id]),
                               police_of_unit(req.case.unit_id): reverse("cases:detail",
                                                                          args=[req.case.public_id])}.items():
        client = login_client(username)
        page = client.get(page_url).content.decode()
        assert "vardbeslut.pdf" in page and f'href="{view_url}"' in page and f'href="{download_url}"' in page
        r = client.get(view_url)
        assert r.status_code == 200 and r["Content-Disposition"].startswith("inline;")
        assert b"".join(r.streaming_content) == PDF
