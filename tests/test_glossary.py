"""No code value reaches a person: after a full handräckning flow, every persona's pages, the protocol
PDF's text, the e-mails in the outbox and the API's messages are searched for the codes of the display
glossary (``bitrade.common.labels``) as whole words, and for ``None``."""

from __future__ import annotations

import html
import re
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bitrade.assistance import rules as case_rules
from bitrade.assistance import services as cases
from bitrade.common import labels
from bitrade.custody import services as custody
from bitrade.custody.tests.test_custody_flow import executing_case
from bitrade.intake.tests.helpers import LPT_RETURN, LVU_CARE, body
from bitrade.organisation.demo import DEMO_API_KEY, load_demo
from bitrade.outbox.models import OutboxMessage
from bitrade.transport import services as transport

pytestmark = pytest.mark.django_db

CODES = labels.code_pattern()
HOLD = dict(reason="awaiting_transport", place_type="police_cell",
            necessity="Personen har hotat personal och försökt fly; ordningen kräver inlåsning.",
            alternatives_considered="Väntan i bil och aktivitetsrum övervägdes men räcker inte.")


def visible_text(page: str) -> str:
    """What a person reads: the text between tags, without scripts, styles and attribute values."""
    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<!--.*?-->", " ", page)
    page = re.sub(r"(?s)<[^>]*>", " ", page)
    return html.unescape(page)


def leaks(text: str) -> list[str]:
    found = []
    for m in CODES.finditer(text):
        found.append(text[max(0, m.start() - 40):m.end() + 40].replace("\n", " "))
    return found


@pytest.fixture
def full_flow(demo, actor_of, client):
    """A request sent through the API and another through the service: decided, executed with custody,
    förvar and a transport ordered from NTE, protocol signed, outcome recorded, the requester told."""
    now = timezone.now()
    r = client.post("/api/v1/requests", body(LVU_CARE, person__birth_date="2009-03-04"),
                    content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {DEMO_API_KEY}",
                    HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert r.status_code in (200, 201), r.content
    case, gc = executing_case(actor_of)  # routed at a fixed time of day, when the station desk is open
    episode = custody.start_episode(gc, case, ground="handrackning_lpt", place="Arresten Malmö",
                                    started_at=now - timedelta(minutes=30))
    custody.decide_holding(gc, episode, **HOLD, now=now - timedelta(minutes=20))
    order = transport.order_nte(gc, case, episode=episode,
                                fields=transport.order_fields(case, episode, now + timedelta(hours=3)))
    transport.nte_respond(actor_of("nte.syd"), order, accepted=True)
    custody.save_protocol(gc, episode, fields={
        "decided_by_text": "Johan Ek", "ground_and_time": "47 § andra stycket 3 LPT",
        "participants": "Johan Ek", "subjects": "Patient Exempelsson", "intervention_time": "30 minuter",
        "other_events": "Överlämnad till ambulans."}, sign_as="decider")
    custody.end_episode(gc, episode, reason="Överlämnad till ambulans.", ended_at=now)
    transport.complete_transport(actor_of("nte.syd"), order)
    case = cases.record_outcome(gc, case, outcome=case_rules.OUTCOME_HEALTH_CARE,
                                handed_to="Ambulansen")
    return {"case": case, "episode": episode}


def persona_pages(username: str, case) -> list[str]:
    pages = ["/", reverse("legal:search")]
    if username.startswith(("sb.", "gc.", "vb.", "rlc.", "polis.")):
        pages += [reverse("cases:detail", args=[case.public_id]), reverse("followup:deviations")]
    if username in ("analytiker", "processagare"):
        pages += [reverse("followup:deviations"), reverse("followup:definitions")]
    if username.startswith("nte."):
        pages += [reverse("transport:nte_list")]
    return pages


def test_no_rendered_page_shows_a_code_value(full_flow, client):
    personas = load_demo()
    case = full_flow["case"]
    found: dict[str, list[str]] = {}
    for persona in personas:
        username = persona["username"]
        from bitrade.organisation.models import Person

        client.force_login(Person.objects.get(username=username))
        urls = persona_pages(username, case)
        home = client.get("/", follow=True).content.decode()
        # every case or request the start page links to
        urls += sorted(set(re.findall(r'href="(/(?:arenden|begaran)/[0-9a-f-]{36}/)"', home)))[:6]
        for url in urls:
            response = client.get(url, follow=True)
            if response.status_code != 200:
                continue
            hits = leaks(visible_text(response.content.decode()))
            if hits:
                found[f"{username} {url}"] = hits[:3]
        client.logout()
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())


def test_the_protocol_pdf_speaks_swedish(full_flow, login_client, monkeypatch):
    captured = {}

    class FakeHTML:
        def __init__(self, string):
            captured["html"] = string

        def write_pdf(self):
            return b"%PDF-1.4"

    import weasyprint

    monkeypatch.setattr(weasyprint, "HTML", FakeHTML)
    episode = full_flow["episode"]
    url = reverse("custody:pdf", args=[full_flow["case"].public_id, episode.pk])
    assert login_client("gc.malmo").get(url).status_code == 200
    text = visible_text(captured["html"])
    assert "i avvaktan på transport (arrest)" in text
    assert not leaks(text), leaks(text)


def test_emails_after_a_full_flow_speak_swedish(full_flow):
    messages = list(OutboxMessage.objects.filter(channel="email"))
    assert messages
    found = {m.event: leaks(f"{m.subject}\n{m.body}") for m in messages}
    assert not any(found.values()), found


def test_api_messages_speak_swedish(full_flow, client):
    """Messages and labels the API gives a person (not the code fields a machine reads)."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {DEMO_API_KEY}"}
    answers = [
        client.post("/api/v1/requests", body(LPT_RETURN, urgency="soon"), content_type="application/json",
                    HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()), **headers).json(),
        client.post("/api/v1/requests", body(LPT_RETURN, legal_basis="99 § LPT"), content_type="application/json",
                    HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()), **headers).json(),
        client.get("/api/v1/requests", **headers).json(),
    ]
    texts = []

    def walk(value, key=""):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and (key in ("detail", "message", "title", "text") or key.endswith("_label")):
            texts.append(value)

    walk(answers)
    assert texts
    found = [hit for t in texts for hit in leaks(t)]
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())


def test_the_glossary_matches_the_models_choices():
    """The models' choices read the same as the glossary, so the admin and the pages agree."""
    from bitrade.intake.models import ReviewOutcome
    from bitrade.organisation.models import OrganisationKind, PoliceFunction, ProfessionalRole, UnitKind
    from bitrade.transport.models import TransportState

    for choices, group in ((UnitKind, "unit_kind"), (PoliceFunction, "police_function"),
                           (OrganisationKind, "organisation_kind"), (ProfessionalRole, "professional_role"),
                           (TransportState, "transport_state"), (ReviewOutcome, "review_outcome")):
        assert {c: str(lbl) for c, lbl in choices.choices} == dict(labels.GLOSSARY[group]), group


def test_times_read_as_words():
    from datetime import datetime

    evening = datetime(2026, 12, 4, 23, 10)
    assert labels.when_in_words(datetime(2026, 12, 5, 1, 7), evening) == "i morgon kl. 01.07"
    assert labels.when_in_words(datetime(2026, 12, 4, 18, 30)) == "fredag 4 december 2026 kl. 18.30"
    assert labels.day_in_words(datetime(2026, 12, 8).date(), evening.date()) == "tisdag 8 december"
    assert labels.label("holding_reason", "awaiting_transport") == "i avvaktan på transport"
    assert labels.label("holding_reason", "made_up") == "okänt värde"
    assert labels.label("holding_reason", None) == "uppgift saknas"
    assert CODES.search("status awaiting_transport här") and not CODES.search("awaiting_transports")


def test_nte_reads_fields_and_times_in_words_and_forgets_the_person(full_flow, login_client, settings):
    client = login_client("nte.syd")
    page = visible_text(client.get(reverse("transport:nte_list")).content.decode())
    assert "Hämtas" in page and " kl. " in page and "Patient Exempelsson" in page
    assert "pickup_at" not in page and "T" not in re.findall(r"\d{4}-\d\d-\d\dT", page)
    # the order was completed just now: a day later the list no longer names the person
    settings.BITRADE_NTE_PERSONAL_DATA_HOURS = 0
    page = visible_text(client.get("/").content.decode())
    assert "Patient Exempelsson" not in page and "19900101" not in page
    assert "Uppgifter om personen visas inte längre" in page
    assert full_flow["case"].reference_number in page


def test_the_deviation_list_names_the_place_of_an_open_holding_in_swedish(demo, actor_of, login_client):
    case, gc = executing_case(actor_of)
    long_ago = timezone.now() - timedelta(hours=30)
    episode = custody.start_episode(gc, case, ground="handrackning_lpt", place="Arresten Malmö", started_at=long_ago)
    custody.decide_holding(gc, episode, **HOLD, now=long_ago + timedelta(minutes=10))
    page = visible_text(login_client("gc.malmo").get(reverse("followup:deviations")).content.decode())
    assert "arrest," in page
    assert not leaks(page), leaks(page)
