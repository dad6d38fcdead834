"""The case page speaks English when the person chose English (Swedish stays the default)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation

from bitrade.assistance.tests.test_escalation import _submit


@pytest.mark.django_db
def test_the_case_page_in_english_and_in_swedish(demo, actor_of, login_client):
    case = _submit(actor_of)
    client = login_client("gc.malmo")
    swedish = client.get(f"/arenden/{case.public_id}/").content.decode()
    assert f"Ärende {case.reference_number}" in swedish and "Kvittera" in swedish and "Tidslinje" in swedish
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    try:
        english = client.get(f"/arenden/{case.public_id}/").content.decode()
    finally:
        translation.activate(settings.LANGUAGE_CODE)  # the request left English on in this thread
    assert f"Case {case.reference_number}" in english
    for text in ("Executive assistance under the care acts", "Acknowledge", "Timeline", "Actions", "Threat and risk assessment, priority", "Save assessment"):
        assert text in english, text
    for text in ("Tidslinje", "Spara bedömning", "Hot- och riskbedömning", "Handräckning enligt vårdlagarna"):
        assert text not in english, text
