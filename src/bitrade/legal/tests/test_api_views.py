"""The REST API, the pages, the commands and the admin of the knowledge base."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from bitrade.audit.models import AuditEvent
from bitrade.legal.models import LegalNote, SearchEntry
from bitrade.legal.search import search
from bitrade.organisation.demo import DEMO_API_KEY

pytestmark = pytest.mark.django_db
AUTH = {"HTTP_AUTHORIZATION": f"Bearer {DEMO_API_KEY}"}


# --------------------------------------------------------------------------- API

def test_api_search(corpus, client, demo):
    response = client.get("/api/v1/legal/search", {"q": "29 a § polislagen", "limit": 3}, **AUTH)
    assert response.status_code == 200
    body = response.json()
    assert body["citations"] == ["29 a § PL"]
    hit = body["hits"][0]
    assert {k: hit[k] for k in ("title", "source", "chapter", "section", "status", "url", "exact")} == {
        "title": "29 a § polislagen (1984:387)", "source": "SFS 1984:387", "chapter": None, "section": "29 a",
        "status": "in_force", "url": "/rattskallor/dokument/sfs-1984-387/P29a/", "exact": True,
    }
    assert len(body["hits"]) == 3


def test_api_search_filters(corpus, client, demo):
    body = client.get("/api/v1/legal/search", {"q": "förvar", "kind": "statute,regulation"}, **AUTH).json()
    assert body["hits"] and {h["kind"] for h in body["hits"]} <= {"statute", "regulation"}


@pytest.mark.parametrize(("params", "status", "text"), [
    ({"q": ""}, 400, "Skriv något"),
    ({"q": "x" * 500}, 400, "för lång"),
    ({"q": "förvar", "kind": "roman"}, 400, "Okänt slag"),
    ({"q": "förvar", "status": "kanske"}, 400, "Okänd status"),
    ({"q": "förvar", "limit": 0}, 422, "limit"),
    ({"q": "förvar", "limit": "många"}, 422, ""),
    ({}, 422, ""),
])
def test_api_search_bad_input(corpus, client, demo, params, status, text):
    response = client.get("/api/v1/legal/search", params, **AUTH)
    assert response.status_code == status
    body = response.json()
    assert body["detail"] and text in json.dumps(body, ensure_ascii=False)


def test_api_requires_authentication(corpus, client):
    assert client.get("/api/v1/legal/search", {"q": "förvar"}).status_code == 401


def test_api_documents_units_and_unknown_document(corpus, client, demo):
    documents = client.get("/api/v1/legal/documents", **AUTH).json()
    assert {d["key"] for d in documents} >= {"sfs-1984-387", "sfs-1984-730"}
    unit = client.get("/api/v1/legal/documents/sfs-1984-387/units/P17", **AUTH).json()
    assert unit["section"] == "17" and unit["text"].endswith("inte tas i förvar.")
    missing = client.get("/api/v1/legal/documents/finns-inte", **AUTH)
    assert missing.status_code == 404 and "finns inte i rättskällorna" in missing.json()["detail"]
    missing_unit = client.get("/api/v1/legal/documents/sfs-1984-387/units/P999", **AUTH)
    assert missing_unit.status_code == 404 and "P999" in missing_unit.json()["detail"]


def test_api_citations_guides_and_register(corpus, client, demo):
    target = client.get("/api/v1/legal/citations", {"text": "47 § andra stycket 3 LPT"}, **AUTH).json()
    assert target == {"text": "47 § andra stycket 3 LPT", "url": "/rattskallor/grunder/LPT-47-2-3/",
                      "kind": "guide", "external": True}
    bases = client.get("/api/v1/legal/legal-bases", **AUTH).json()
    assert len(bases) == 21 and all(b["rules"] for b in bases)  # 19 care-law points and 2 for MV
    assert client.get("/api/v1/legal/legal-bases/NOPE", **AUTH).status_code == 404
    register = client.get("/api/v1/legal/jo", **AUTH).json()
    assert {n["reference"] for n in register} >= {"JO 1981/82 s. 183", "JO 2014/15 s. 122", "JO 2019/20 s. 320",
                                                  "JO 2020/21 s. 213"}


# --------------------------------------------------------------------------- pages

def test_search_page_without_and_with_query(corpus, login_client):
    client = login_client("sb.malmo")
    page = client.get("/rattskallor/")
    assert page.status_code == 200 and "Vägledning per rättslig grund" in page.content.decode()
    result = client.get("/rattskallor/", {"q": "får barn under 15 tas i förvar"}).content.decode()
    assert "17 § polislagen (1984:387)" in result and "<mark>förvar</mark>" in result


def test_search_page_partial_for_htmx(corpus, login_client):
    client = login_client("soc.malmo")  # a requester may read the law too
    response = client.get("/rattskallor/", {"q": "fotboja"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and 'data-testid="hits"' in body


def test_search_page_bad_query_is_a_400_with_a_message(corpus, login_client):
    response = login_client("sb.malmo").get("/rattskallor/", {"q": "x" * 300})
    assert response.status_code == 400 and "för lång" in response.content.decode()


def test_pages_need_login(corpus, client):
    response = client.get("/rattskallor/")
    assert response.status_code == 302 and "/logga-in/" in response["Location"]


def test_paragraph_in_context(corpus, login_client):
    body = login_client("sb.malmo").get("/rattskallor/dokument/sfs-1984-387/P16/").content.decode()
    assert 'id="P16S2"' in body and "sex timmar" in body
    assert 'rel="prev"' in body and 'rel="next"' in body
    expiring = login_client("sb.malmo").get("/rattskallor/dokument/sfs-1984-387/P28a/").content.decode()
    assert "Upphör att gälla 2029-04-30" in expiring
    advice = login_client("sb.malmo").get(
        "/rattskallor/dokument/pmfs-verkstallighet-av-kontaktforbud-med/P10/").content.decode()
    assert 'aria-label="Allmänna råd"' in advice and "inom två dagar" in advice


def test_report_section_links_its_citations(corpus, login_client):
    key = "polismyndighetens-hantering-av-handrackningsarenden-enligt-vardlagarna"
    body = login_client("sb.malmo").get(f"/rattskallor/dokument/{key}/avsnitt-2.2/").content.decode()
    assert 'href="/rattskallor/dokument/sfs-1984-387/P20/"' in body  # "20 § PL" in the report
    assert 'href="/rattskallor/lagrum/LVM/45/"' in body


def test_whole_document_and_lists(corpus, login_client):
    client = login_client("sb.malmo")
    whole = client.get("/rattskallor/dokument/sfs-1984-730/").content.decode()
    assert 'id="K2P16S1N10"' in whole and "Upphävd" in whole
    assert client.get("/rattskallor/dokument/").status_code == 200
    assert client.get("/rattskallor/grunder/").status_code == 200
    assert client.get("/rattskallor/jo/").status_code == 200


def test_unknown_things_are_404_with_swedish_messages(corpus, login_client):
    client = login_client("sb.malmo")
    for url, text in [
        ("/rattskallor/dokument/finns-inte/", "finns inte i rättskällorna"),
        ("/rattskallor/dokument/sfs-1984-387/P999/", "finns inte i Polislag"),
        ("/rattskallor/grunder/LPT-99-9-9/", "Det finns ingen rättslig grund"),
        ("/rattskallor/lagrum/LPT/99/", "ingen vägledning"),
        ("/rattskallor/jo/finns-inte/", "inget JO-beslut"),
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert text in response.content.decode(), url


def test_guide_page(corpus, login_client):
    body = login_client("sb.malmo").get("/rattskallor/grunder/LPT-47-2-6/").content.decode()
    assert 'data-testid="guide-citation">47 § andra stycket 6 LPT' in body
    assert "Citerat ur" in body and "Biträde har inte lagens fullständiga text" in body
    assert 'class="current"' in body  # point 6 highlighted in the quotation
    assert "Kriminalvården lämnar hjälpen" in body
    assert 'href="/rattskallor/jo/jo-2020-21-s-213/"' in body and 'href="/rattskallor/jo/jo-2014-15-s-122/"' in body
    assert 'href="/rattskallor/lagrum/LPT/47/#S3"' in body  # the condition's source
    assert 'href="/rattskallor/dokument/sfs-1984-387/P29a/"' in body


def test_guide_for_lrv_quotes_both_provisions(corpus, login_client):
    body = login_client("sb.malmo").get("/rattskallor/grunder/LRV-27-LPT-47-2-3/").content.decode()
    text = re.sub(r"<[^>]+>", "", body)
    assert "I 27 § LRV regleras" in text and "Enligt 47 § andra stycket LPT" in text


def test_provision_page(corpus, login_client):
    body = login_client("sb.malmo").get("/rattskallor/lagrum/LPT/47/").content.decode()
    assert 'id="S3"' in body and "En begäran enligt andra stycket" in body
    assert body.count('href="/rattskallor/grunder/LPT-47-2-') == 7


# --------------------------------------------------------------------------- commands

def test_command_import_and_search_json(corpus):
    out = StringIO()
    call_command("legal", "import", str(corpus), stdout=out)
    assert "oförändrad" in out.getvalue() and "Inget har ändrats" in out.getvalue()
    out = StringIO()
    call_command("search", "får barn under 15 tas i förvar", "--json", "--limit", "3", stdout=out)
    data = json.loads(out.getvalue())
    first = data["hits"][0]
    assert set(first) >= {"title", "source", "chapter", "section", "status", "snippet", "url"}
    assert (first["source"], first["chapter"], first["section"]) == ("SFS 1984:387", None, "17")
    out = StringIO()
    call_command("search", "förvar", "--json", "--kind", "report", "--status", "in_force", stdout=out)
    assert {h["kind"] for h in json.loads(out.getvalue())["hits"]} == {"report"}


def test_command_errors_are_swedish(corpus, tmp_path):
    with pytest.raises(CommandError, match="för lång"):
        call_command("search", "x" * 300)
    with pytest.raises(CommandError, match="finns inte"):
        call_command("legal", "import", str(tmp_path / "saknas"))


# --------------------------------------------------------------------------- admin

def test_admin_adds_a_guideline_that_is_audited_and_searchable(corpus, client, django_user_model):
    admin = django_user_model.objects.create_superuser("legal-admin", "a@example.org", "lösenord-123456")
    client.force_login(admin)
    response = client.post("/admin/legal/legalnote/add/", {
        "kind": "guideline", "key": "riktlinje-transport-barn", "reference": "Riktlinje 2025:1",
        "title": "Transport av barn", "summary": "Vid transport av barn ska stafettkörning undvikas.",
        "decided": "2025", "legal_bases": "LVU, LVU-43-1-3", "citations": "29 a § polislagen",
        "rules": "[]", "sources": "[]", "published": "on",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    note = LegalNote.objects.get(key="riktlinje-transport-barn")
    assert note.citations == ["29 a § PL"] and note.legal_bases == ["LVU", "LVU-43-1-3"]
    assert AuditEvent.objects.filter(action="admin.added", object_id=str(note.pk)).exists()
    assert SearchEntry.objects.filter(note=note).exists()
    assert search("stafettkörning barn", kinds="guideline").hits[0].source == "Riktlinje 2025:1"
    guide = client.get("/rattskallor/grunder/LVU-43-1-3/").content.decode()
    assert "Riktlinje 2025:1" in guide


def test_admin_rejects_unknown_legal_bases_and_bad_citations(corpus, client, django_user_model):
    admin = django_user_model.objects.create_superuser("legal-admin2", "b@example.org", "lösenord-123456")
    client.force_login(admin)
    response = client.post("/admin/legal/legalnote/add/", {
        "kind": "guideline", "key": "fel", "reference": "R 1", "title": "T", "summary": "S",
        "legal_bases": "LPT-99", "citations": "47 §", "rules": "[]", "sources": "[]",
    })
    body = response.content.decode()
    assert response.status_code == 200 and "Okända grunder" in body and "anger ingen lag" in body
    assert not LegalNote.objects.filter(key="fel").exists()


def test_empty_query_is_an_error_when_sent_but_not_while_typing(corpus, login_client):
    client = login_client("sb.malmo")
    sent = client.get("/rattskallor/", {"q": "  ", "slag": "statute"})
    assert sent.status_code == 400 and "Skriv något" in sent.content.decode()
    typing = client.get("/rattskallor/", {"q": "", "slag": "statute"}, HTTP_HX_REQUEST="true")
    assert typing.status_code == 200 and "Skriv något" not in typing.content.decode()
