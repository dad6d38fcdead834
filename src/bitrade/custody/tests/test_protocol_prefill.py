"""The 27 § PL protocol form starts from what the case knows (decider, ground and legal basis, person,
times, place, förvar); nothing is stored until the officer saves; signed items are never replaced; the
printed protocol reads in words, with no code value."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from bitrade.common import labels
from bitrade.custody import rules
from bitrade.custody import services as custody
from bitrade.custody.models import Protocol

from .test_custody_flow import HOLD, T0, executing_case

pytestmark = pytest.mark.django_db
STARTED = T0 + timedelta(minutes=5)
IDENTITY = "199001010017"  # as stored and shown on the case page


def form_values(page: str) -> dict[str, str]:
    """The values the protocol form's inputs and text areas carry, as a browser would submit them."""
    form = re.search(r'(?s)<form[^>]*data-testid="protocol-form".*?</form>', page)
    assert form, "no protocol form on the page"
    text = form.group(0)
    values = {m.group(1): html.unescape(m.group(2))
              for m in re.finditer(r'<input type="text" id="p\d-\d+" name="(\w+)" value="([^"]*)"', text)}
    values |= {m.group(1): html.unescape(m.group(2))
               for m in re.finditer(r'(?s)<textarea id="p\d-\d+" name="(\w+)">(.*?)</textarea>', text)}
    return values


def _page(login_client, case) -> str:
    return login_client("gc.malmo").get(reverse("cases:detail", args=[case.public_id])).content.decode()


@pytest.fixture
def held(demo, actor_of):
    case, gc = executing_case(actor_of)
    episode = custody.start_episode(gc, case, ground="handrackning_lpt", place="Bostaden, Exempelgatan 1, Malmö",
                                    started_at=STARTED, now=STARTED)
    custody.decide_holding(gc, episode, **HOLD, now=T0 + timedelta(minutes=20))
    return case, episode, gc


def test_the_form_carries_what_the_case_knows_and_nothing_is_stored(held, login_client):
    case, episode, _ = held
    page = _page(login_client, case)
    values = form_values(page)
    assert values["decided_by_text"] == "Johan Ek, chef på nivå två"
    title = rules.GROUNDS["handrackning_lpt"].title
    assert values["ground_and_time"] == (f"{title} ({episode.citation}), på begäran enligt "
                                         "47 § andra stycket 3 LPT. Beslutet fattades 2026-06-17 kl. 10:05.")
    assert values["subjects"] == f"Patient Exempelsson ({IDENTITY})"
    assert values["intervention_time"].startswith("från 2026-06-17 kl. 10:05, pågår (")
    assert values["other_events"].splitlines() == [
        "Personen hölls: Bostaden, Exempelgatan 1, Malmö.",
        "Förvar från 10.20: i avvaktan på transport, arrest.",
    ]
    assert values["participants"] == ""  # who took part is not on record: the förman writes it
    assert 'data-testid="protocol-drafted"' in page
    assert not Protocol.objects.filter(episode=episode).exists()


def test_an_ended_episode_gives_both_times_and_how_it_ended(held, login_client):
    case, episode, gc = held
    custody.end_episode(gc, episode, reason="Överlämnad till vårdinrättningen", ended_at=T0 + timedelta(minutes=90))
    values = form_values(_page(login_client, case))
    assert values["intervention_time"] == "2026-06-17 kl. 10:05 – 2026-06-17 kl. 11:30"
    assert "Frihetsberövandet upphörde 2026-06-17 kl. 11:30: Överlämnad till vårdinrättningen." in values["other_events"]


def test_the_draft_submitted_as_it_is_saves_and_signs(held, login_client):
    case, episode, _ = held
    client = login_client("gc.malmo")
    values = form_values(_page(login_client, case))
    url = reverse("custody:act", args=[case.public_id, episode.pk, "protokoll"])
    r = client.post(url, {**values, "sign_as": "decider"})
    assert r.status_code in (200, 302), r.content[:500]
    p = Protocol.objects.get(episode=episode)
    assert p.decider_signed_at is not None
    assert p.decided_by_text == "Johan Ek, chef på nivå två" and "Beslutet fattades" in p.ground_and_time
    assert p.subjects == values["subjects"]


def test_saved_text_wins_and_signed_items_are_never_replaced(held, login_client):
    case, episode, gc = held
    custody.save_protocol(gc, episode, fields={"decided_by_text": "Johan Ek, gruppchef (på telefon)",
                                               "ground_and_time": "47 § LPT kl. 10.05", "subjects": ""},
                          sign_as="decider")
    values = form_values(_page(login_client, case))
    assert values["decided_by_text"] == "Johan Ek, gruppchef (på telefon)"
    assert values["ground_and_time"] == "47 § LPT kl. 10.05"
    assert values["subjects"] == f"Patient Exempelsson ({IDENTITY})"  # empty and unsigned: drafted again
    # "Spara" with what the form shows is not an attempt to change the signed items
    r = login_client("gc.malmo").post(reverse("custody:act", args=[case.public_id, episode.pk, "protokoll"]), values)
    assert r.status_code in (200, 302)
    assert Protocol.objects.get(episode=episode).decided_by_text == "Johan Ek, gruppchef (på telefon)"


def test_the_printed_protocol_from_the_draft_shows_no_code_value(held, login_client, monkeypatch):
    case, episode, gc = held
    custody.end_episode(gc, episode, reason="Överlämnad till vårdinrättningen", ended_at=T0 + timedelta(minutes=90))
    values = form_values(_page(login_client, case))
    custody.save_protocol(gc, episode, fields=values)
    captured = {}

    class FakeHTML:
        def __init__(self, string):
            captured["html"] = string

        def write_pdf(self):
            return b"%PDF-1.4"

    import weasyprint

    monkeypatch.setattr(weasyprint, "HTML", FakeHTML)
    r = login_client("gc.malmo").get(reverse("custody:pdf", args=[case.public_id, episode.pk]))
    assert r.status_code == 200
    text = html.unescape(re.sub(r"(?s)<[^>]*>", " ", re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", captured["html"])))
    assert "Johan Ek, chef på nivå två" in text and f"Patient Exempelsson ({IDENTITY})" in text
    assert "i avvaktan på transport (arrest)" in text
    leaks = [m.group(0) for m in labels.code_pattern().finditer(text)]
    assert not leaks, leaks
    for code in ("awaiting_transport", "police_cell", "handrackning_lpt", "level2_manager"):
        assert code not in text


def test_the_draft_rule_alone():
    tz = ZoneInfo("Europe/Stockholm")
    facts = rules.ProtocolDraftFacts(
        decider_name="Karin Lind", decider_function="stationsbefäl", ground_title="Handräckning enligt LVU",
        ground_citation="43 § LVU", legal_basis_citation="43 § LVU", started_at=datetime(2026, 1, 2, 23, 50, tzinfo=tz),
        now=datetime(2026, 1, 3, 0, 10, tzinfo=tz), subject_name="Ung Exempelsson", subject_identity="")
    draft = rules.protocol_draft(facts)
    assert draft["decided_by_text"] == "Karin Lind, stationsbefäl"
    # the request's legal basis is not repeated when it is the ground's own citation
    assert draft["ground_and_time"] == "Handräckning enligt LVU (43 § LVU). Beslutet fattades 2026-01-02 kl. 23:50."
    assert draft["subjects"] == "Ung Exempelsson"
    assert draft["intervention_time"] == "från 2026-01-02 kl. 23:50, pågår (2026-01-03 kl. 00:10)"
    assert draft["other_events"] == "" and draft["participants"] == ""
    # what the draft gives for items 1, 2, 4 and 5 passes the protocol's own completeness checks
    checks = {c.code: c.ok for c in rules.check_protocol(rules.ProtocolFacts(
        intervention_type="custody", decided_by=draft["decided_by_text"], decision_ground=draft["ground_and_time"],
        decided_at=facts.started_at, subjects=(draft["subjects"],), started_at=facts.started_at,
        ended_at=facts.now))}
    assert checks["protocol_item_1"] and checks["protocol_item_2"] and checks["protocol_item_4"]
    assert checks["protocol_item_5"] and not checks["protocol_item_3"]
