"""Uploads are what their content says: magic bytes and a structural check decide, not the name; too
large bodies are refused before they are read; documents are served only through a scoped, audited
download with nosniff."""

from __future__ import annotations

import base64
import io
import uuid

import pytest
from PIL import Image

from bitrade.audit.models import AuditEvent
from bitrade.intake import documents
from bitrade.intake.models import AssistanceRequest, Attachment
from bitrade.organisation.demo import DEMO_API_KEY

from .helpers import LVU_CARE, PDF, body

pytestmark = pytest.mark.django_db
AUTH = {"HTTP_AUTHORIZATION": f"Bearer {DEMO_API_KEY}"}


def png(size=(20, 10)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def noisy_png() -> bytes:
    """A PNG that does not compress well (fixed noise), so cutting its end cuts into the pixel data."""
    import random

    out = io.BytesIO()
    Image.frombytes("RGB", (64, 64), random.Random(15).randbytes(64 * 64 * 3)).save(out, "PNG")
    return out.getvalue()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (0, 90, 200)).save(out, "JPEG")
    return out.getvalue()


def with_file(filename: str, content: bytes) -> dict:
    return body(LVU_CARE, attachments=[{"kind": "care_decision", "filename": filename,
                                        "content_base64": base64.b64encode(content).decode()}])


def post(client, payload):
    return client.post("/api/v1/requests", payload, content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()), **AUTH)


@pytest.mark.parametrize("filename, content, words", [
    ("beslut.pdf", png(), "heter beslut.pdf"),
    ("beslut.pdf", b"%PDF-1.7\n<html><body><script>alert(1)</script></body></html>\n", "PDF"),
    ("beslut.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "PDF"),
    ("beslut.pdf", PDF[:-60], "PDF"),
    ("beslut.pdf", PDF.replace(b"/Producer (pypdf)", b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
     "skript"),
    ("bild.png", noisy_png()[:-300], "bild"),
    ("bild.png", b"\x89PNG\r\n\x1a\n<html>not an image</html>", "bild"),
    ("bild.jpg", b"\xff\xd8\xff\xe0<svg onload=alert(1)>", "bild"),
    ("bild.png", jpeg(), "heter bild.png"),
    ("beslut.html", b"<html><script>alert(1)</script></html>", "godtagbar"),
])
def test_content_decides_and_a_lying_or_broken_file_is_refused(demo, client, filename, content, words):
    r = post(client, with_file(filename, content))
    assert r.status_code == 422, r.content
    errors = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert words.lower() in errors["attachments.0.content_base64"].lower()
    assert AssistanceRequest.objects.count() == 0 and Attachment.objects.count() == 0


@pytest.mark.parametrize("filename, content, ctype", [
    ("beslut.pdf", PDF, "application/pdf"), ("BESLUT.PDF", PDF, "application/pdf"),
    ("foto.png", png(), "image/png"), ("foto.jpeg", jpeg(), "image/jpeg"), ("foto.JPG", jpeg(), "image/jpeg"),
])
def test_real_documents_are_accepted_with_the_type_of_their_content(demo, client, filename, content, ctype):
    r = post(client, with_file(filename, content))
    assert r.status_code == 201, r.content
    assert Attachment.objects.get().content_type == ctype


def test_a_decompression_bomb_is_refused():
    assert documents.identify(png((9000, 9000)), "stor.png").content_type is None


def test_a_too_large_body_is_refused_from_its_length_before_it_is_read(demo, login_client):
    client = login_client("soc.malmo")
    # The body is tiny but claims 400 MB: had the server tried to read it, the test client would fail.
    r = client.post("/begaran/ny/", {"measures": "x"}, CONTENT_LENGTH=str(400 * 1024 * 1024))
    assert r.status_code == 413 and "för stor" in r.content.decode()
    r = client.post("/api/v1/requests", {}, content_type="application/json", CONTENT_LENGTH=str(41 * 1024 * 1024),
                    HTTP_IDEMPOTENCY_KEY="x", **AUTH)
    assert r.status_code == 413 and r.json()["errors"][0]["field"] == "body"


@pytest.fixture
def stored(demo, client):
    r = post(client, with_file("beslut.pdf", PDF))
    assert r.status_code == 201, r.content
    req = AssistanceRequest.objects.get(public_id=r.json()["id"])
    return req, req.attachments.get()


def police_of_unit(unit_id) -> str:
    """A demo login acting for this police unit (where the case is routed depends on the hour)."""
    from bitrade.organisation.actor import actor_for_person
    from bitrade.organisation.models import Person

    for person in Person.objects.order_by("username"):
        actor = actor_for_person(person)
        if actor is not None and actor.is_police and actor.unit_id == unit_id:
            return person.username
    raise AssertionError("no demo login for the unit")


def test_the_requester_and_the_handling_unit_download_through_an_audited_view(stored, login_client, settings):
    req, att = stored
    assert not str(att.file.path).startswith(str(settings.STATIC_ROOT))
    for who in ("soc.malmo", police_of_unit(req.case.unit_id)):
        client = login_client(who)
        before = AuditEvent.objects.filter(object_type="intake.attachment", object_id=str(att.pk)).count()
        r = client.get(f"/begaran/{req.public_id}/bilaga/{att.pk}/")
        assert r.status_code == 200, who
        assert b"".join(r.streaming_content) == PDF
        assert r["Content-Type"] == "application/pdf"
        assert r["Content-Disposition"].startswith("attachment;") and "beslut.pdf" in r["Content-Disposition"]
        assert r["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in r["Content-Security-Policy"]
        assert AuditEvent.objects.filter(object_type="intake.attachment", object_id=str(att.pk)).count() == before + 1


@pytest.mark.parametrize("who", ["overlakare.malmo", "analytiker"])
def test_others_cannot_download(stored, login_client, who):
    req, att = stored
    r = login_client(who).get(f"/begaran/{req.public_id}/bilaga/{att.pk}/")
    assert r.status_code in (403, 404)


def test_an_attachment_of_another_request_is_not_reachable_through_this_one(stored, client, login_client):
    req, att = stored
    other = post(client, body(LVU_CARE, measures="En annan begäran om hämtning av den unge."))
    other_id = other.json()["id"]
    r = login_client("soc.malmo").get(f"/begaran/{other_id}/bilaga/{att.pk}/")
    assert r.status_code == 404


class FakeClamd:
    """A clamd on a Unix socket that finds the EICAR test string and answers OK otherwise."""

    def __init__(self, path):
        import socket
        import threading

        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(path))
        self.server.listen(4)
        self.scanned = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        import struct

        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                buf = b""
                while not buf.endswith(b"\0\0\0\0") or len(buf) < 14:
                    part = conn.recv(65536)
                    if not part:
                        break
                    buf += part
                body, rest = b"", buf[len(b"zINSTREAM\0"):]
                while len(rest) >= 4:
                    (n,), rest = struct.unpack("!L", rest[:4]), rest[4:]
                    if n == 0:
                        break
                    body, rest = body + rest[:n], rest[n:]
                self.scanned += 1
                found = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE" in body
                conn.sendall(b"stream: Eicar-Test-Signature FOUND\0" if found else b"stream: OK\0")


EICAR_PDF = PDF.replace(b"/Producer (pypdf)", b"/Producer (X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*)")


def test_with_clamd_configured_uploads_are_scanned_and_malware_refused(demo, client, settings, tmp_path):
    clamd = FakeClamd(tmp_path / "clamd.sock")
    settings.BITRADE_CLAMD = str(tmp_path / "clamd.sock")
    assert post(client, with_file("beslut.pdf", PDF)).status_code == 201
    r = post(client, body(with_file("beslut.pdf", EICAR_PDF), measures="En annan hämtning av den unge."))
    assert r.status_code == 422 and "skadlig kod" in r.json()["errors"][0]["message"]
    assert clamd.scanned == 2 and Attachment.objects.count() == 1


def test_with_clamd_configured_but_down_uploads_are_refused_not_stored_unscanned(demo, client, settings, tmp_path):
    settings.BITRADE_CLAMD = str(tmp_path / "nobody-listens.sock")
    r = post(client, with_file("beslut.pdf", PDF))
    assert r.status_code == 503 and "virusskannas" in r.json()["errors"][0]["message"]
    assert AssistanceRequest.objects.count() == 0


def test_a_truncated_image_is_refused_even_after_a_pdf_was_rendered(demo, client):
    """WeasyPrint makes Pillow accept truncated images process-wide when it is imported."""
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = True  # as WeasyPrint leaves it
    r = post(client, with_file("bild.png", noisy_png()[:-300]))
    assert r.status_code == 422, r.content
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # restored for the PDFs
