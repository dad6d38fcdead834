"""Render a page in Swedish (the default) and in English, for the tests that check both."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


def in_both(client, url: str) -> tuple[str, str]:
    """(Swedish page, English page) of url for a logged-in test client; Swedish is the language again after."""
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
    swedish = client.get(url)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    try:
        english = client.get(url)
    finally:
        client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
        translation.activate(settings.LANGUAGE_CODE)  # the request left English active in this thread
    assert swedish.status_code == 200, (url, swedish.status_code)
    assert english.status_code == 200, (url, english.status_code)
    return swedish.content.decode(), english.content.decode()


def assert_bilingual(client, url: str, english: list[str], swedish: list[str]) -> tuple[str, str]:
    """Each Swedish text shows in Swedish and not in English; each English text shows in English and not in Swedish."""
    sv, en = in_both(client, url)
    for text in swedish:
        assert text in sv, f"{url}: Swedish page lacks {text!r}"
        assert text not in en, f"{url}: English page still says {text!r}"
    for text in english:
        assert text in en, f"{url}: English page lacks {text!r}"
        assert text not in sv, f"{url}: Swedish page says {text!r}"
    return sv, en
