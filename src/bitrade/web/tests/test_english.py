"""English for the pages (Swedish stays the default): each persona's start page, the administration
pages and the glossary's labels read in English once the person chooses English."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bitrade.common import labels

pytestmark = pytest.mark.django_db


def english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


@pytest.mark.parametrize("username, url, expected, swedish", [
    ("soc.malmo", "/", ["My requests", "Search reference or name", "New request for assistance"], "Mina begäranden"),
    ("admin", "/", ["Routing rules", "API keys", "Audit log"], "Styrregler"),
    ("admin", "/administration/styrregler/", ["Built-in rules", "What the rule does", "New routing rule"], "Inbyggda regler"),
    ("admin", "/administration/api-nycklar/", ["Create a key", "Start of the key"], "Skapa en nyckel"),
    ("admin", "/granskning/", ["Filter the log", "Case (reference)"], "Filtrera loggen"),
    ("nte.syd", "/", ["Transport orders", "The list refreshes itself"], "Listan uppdateras"),
    ("analytiker", "/uppfoljning/", ["Follow-up", "Download every table in the view (XLSX)"], "Ladda ner alla tabeller"),
    ("analytiker", "/uppfoljning/avvikelser/", ["Deviations right now", "Level and thresholds"], "Nivå och trösklar"),
    ("sb.malmo", "/rattskallor/", ["Legal sources", "Kind of source", "Guidance per legal basis"], "Slag av källa"),
])
def test_pages_read_in_english(demo, login_client, username, url, expected, swedish):
    client = login_client(username)
    assert swedish in client.get(url).content.decode()  # Swedish first
    page = english(client).get(url).content.decode()
    for text in expected:
        assert text in page, text
    assert swedish not in page


def test_every_glossary_label_has_an_english_translation():
    from django.utils import translation

    with translation.override("en"):
        missing = [(group, code, text) for group, entries in labels.GLOSSARY.items() for code, text in entries.items()
                   if translation.gettext(text) == text and text not in ("Biträde", "Status", "Person", "Organisation")]
    assert not missing, missing[:10]


def test_the_404_page_in_english(demo, login_client):
    page = english(login_client("soc.malmo")).get("/finns-inte/").content.decode()
    assert "Page not found" in page and "To the start page" in page
    assert reverse("web:home") in page
