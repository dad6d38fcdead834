"""Every page of the personas' tour reads in English once English is chosen: the start pages, the transport
pages, and a scan of every page's interface text (headings, labels, buttons, table headers, summaries, captions,
aria-labels, placeholders) for common Swedish interface words. Data (names, places, citations, free text that
people wrote) is not interface text and is not scanned."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from bitrade.web.tests.bilingual import assert_bilingual, in_both

pytestmark = pytest.mark.django_db

# Common Swedish interface words: none of them may be left in the interface text of an English page.
SWEDISH_UI_WORDS = ("Spara", "Skicka", "Välj", "Ärende", "Ärenden", "Tidslinje", "Bilagor", "Bilaga", "Åtgärder",
                    "Kvittera", "Registrera", "Avsluta", "Begäran", "Lagrum", "Telefon", "Beslut", "Uppgifter",
                    "Sök", "Avböj", "Händelser", "Styrning", "Skäl", "Plats", "Kommun", "Personen", "Förvar",
                    "Frihetsberövanden", "Efterlysning", "Anteckning", "Handläggare", "Visa", "Larm", "Barn")
WORD = re.compile(r"\b(" + "|".join(SWEDISH_UI_WORDS) + r")\b")
UI_TAGS = {"h1", "h2", "h3", "h4", "label", "legend", "button", "summary", "th", "dt", "caption", "title"}
UI_ATTRIBUTES = ("aria-label", "placeholder", "title")


class InterfaceText(HTMLParser):
    """Collects the text of interface elements and interface attributes of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.found: list[str] = []
        self.current: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in UI_ATTRIBUTES and value:
                self.found.append(value)
        if tag in UI_TAGS:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in UI_TAGS and self.depth:
            self.depth -= 1
            if not self.depth:
                self.found.append(" ".join("".join(self.current).split()))
                self.current = []

    def handle_data(self, data):
        if self.depth:
            self.current.append(data)


def swedish_words(html: str, data: tuple[str, ...] = ()) -> list[str]:
    """The Swedish interface words left in a page's interface text (after removing the given data)."""
    parser = InterfaceText()
    parser.feed(html)
    hits = []
    for text in parser.found:
        for value in data:
            text = text.replace(value, "")
        hits += [f"{word!r} in {text!r}" for word in WORD.findall(text)]
    return hits


def test_the_scan_finds_swedish_interface_words():
    """The scan can fail: a Swedish button or label is found, the same word in data is not."""
    page = ('<h2>Actions</h2><p>Spara inte här</p><button>Spara</button><label>Personen</label>'
            '<input aria-label="Välj period"><dd>Begäran</dd>')
    assert swedish_words(page) == ["'Spara' in 'Spara'", "'Personen' in 'Personen'", "'Välj' in 'Välj period'"]
    assert swedish_words("<h1>Ärende X-1</h1>", data=("Ärende X-1",)) == []


@pytest.fixture
def tour(demo, actor_of):
    """A handräckning case with custody, förvar and an NTE transport; a request needing completion; a return case;
    a contact-ban case. Returns {username: [url, ...]} and the data (names, places) the pages show as written."""
    from bitrade.custody import services as custody
    from bitrade.custody.tests.test_custody_flow import HOLD, executing_case
    from bitrade.intake import services as intake
    from bitrade.intake.schemas import RequestIn
    from bitrade.intake.tests.helpers import LVU_CARE, body
    from bitrade.monitoring.demo import load_monitoring_demo
    from bitrade.monitoring.models import ContactBan
    from bitrade.returns.demo import load_return_demo
    from bitrade.returns.models import ReturnCase
    from bitrade.transport import services as transport

    case, gc = executing_case(actor_of)
    now = timezone.now()
    episode = custody.start_episode(gc, case, ground="handrackning_lpt", place="Arresten Malmö",
                                    started_at=now - timedelta(minutes=30))
    custody.decide_holding(gc, episode, **HOLD)
    transport.order_nte(gc, case, episode=episode, fields=transport.order_fields(case, episode, now))
    incomplete = intake.submit_request(
        actor_of("soc.malmo"), RequestIn.model_validate(body(LVU_CARE, person__birth_date="2012-05-01",
                                                             attachments=None)),
        idempotency_key=str(uuid.uuid4())).request
    load_monitoring_demo()
    load_return_demo()
    ban = ContactBan.objects.select_related("case").filter(case__state="active").first()
    return_case = ReturnCase.objects.select_related("case").filter(case__unit__name="Gränspolisen Syd").first() \
        or ReturnCase.objects.select_related("case").first()
    pages = {
        "gc.malmo": ["/", reverse("cases:detail", args=[case.public_id]), reverse("legal:search"),
                     reverse("transport:daily_plan")],
        "sb.malmo": ["/", reverse("intake:register")],
        "soc.malmo": ["/", reverse("intake:new"), reverse("intake:detail", args=[incomplete.public_id]),
                      reverse("followup:comparison"), reverse("followup:dashboard")],
        "nte.syd": ["/", reverse("returns:kv_orders")],
        "analytiker": [reverse("monitoring:overview"), reverse("followup:dashboard"),
                       reverse("followup:dashboard") + "?vy=alla&period=2026",
                       reverse("followup:deviations"), reverse("followup:definitions")],
        "processagare": [reverse("followup:dashboard"), reverse("followup:deviations") + "?level=unit"],
        "admin": ["/", reverse("web:audit"), reverse("web:routing_rules"), reverse("web:routing_rule_new"),
                  reverse("web:api_keys")],
        "rlc.syd": [reverse("monitoring:console"), reverse("cases:detail", args=[ban.case.public_id])],
        "handl.syd": [reverse("returns:overview")],
        "gp.syd": [reverse("cases:detail", args=[return_case.case.public_id])],
        "polis.malmo": [reverse("returns:notices")],
    }
    return pages


def test_every_page_of_the_tour_has_no_swedish_interface_words_in_english(tour, login_client):
    from bitrade.organisation.models import Unit

    # Names of units and places are data (e.g. "Gränspolisen Syd"): they are removed before the scan.
    data = tuple(sorted(Unit.objects.values_list("name", flat=True), key=len, reverse=True))
    problems, swedish_pages = {}, 0
    for username, urls in tour.items():
        client = login_client(username)
        for url in urls:
            sv, en = in_both(client, url)
            swedish_pages += bool(swedish_words(sv, data))
            hits = swedish_words(en, data)
            if hits:
                problems[f"{username} {url}"] = hits[:8]
    # The same scan finds the words on most pages in Swedish (the default): it is looking at the right text.
    assert swedish_pages >= 12, swedish_pages
    assert not problems, problems


@pytest.mark.parametrize("username, english, swedish", [
    ("gc.malmo", ["Register a request received by phone, fax or e-mail"], ["Registrera begäran som kom in"]),
    ("soc.malmo", ["My requests", "New request for assistance"], ["Mina begäranden"]),
    ("admin", ["Routing rules", "API keys"], ["Styrregler"]),
    ("nte.syd", ["Transport orders"], ["Transportuppdrag"]),
])
def test_the_start_pages_in_english(demo, login_client, username, english, swedish):
    assert_bilingual(login_client(username), "/", english=english, swedish=swedish)


def test_the_daily_transport_plan_in_english(demo, login_client):
    assert_bilingual(login_client("nte.syd"), reverse("transport:daily_plan"),
                     english=["Daily transport plan", "Carried out by", "Deviation"],
                     swedish=["Dagsplan för transporter", "Utförs av", "Avvikelse"])


def test_the_follow_up_dashboard_in_english(demo, login_client):
    """Measure, table and view names come from the follow-up's Python definitions: English on the page, Swedish
    (unchanged) by default."""
    sv, en = assert_bilingual(
        login_client("analytiker"), reverse("followup:dashboard") + "?vy=alla&period=2026",
        english=["Follow-up", "Cases received and closed per law and legal provision", "Share granted (%)",
                 "Deprivations of liberty per ground and age group", "Overview and comparison", "The whole country",
                 "Horizontal bars:"],
        swedish=["Uppföljning", "Mottagna och avslutade ärenden per lag och lagrum", "Andel beviljade (%)",
                 "Frihetsberövanden per grund och åldersgrupp", "Översikt och jämförelse", "Hela landet",
                 "Liggande staplar:"])
    assert "Previous period: 2025." in en and "Föregående period: 2025." in sv


def test_the_process_owners_steering_in_english(demo, login_client):
    assert_bilingual(login_client("processagare"), reverse("followup:dashboard"),
                     english=["Change from the previous period", "Deviations right now", "Share granted (%)"],
                     swedish=["Utveckling mot föregående period", "Avvikelser just nu", "Andel beviljade (%)"])


def test_the_deviation_list_in_english(demo, login_client):
    assert_bilingual(login_client("analytiker"), reverse("followup:deviations"),
                     english=["Deviations right now", "Not acknowledged in time", "Decision delayed",
                              "24 hours from receipt", "Open deviations"],
                     swedish=["Avvikelser just nu", "Inte kvitterade i tid", "Beslut dröjer",
                              "24 timmar från mottagandet", "Öppna avvikelser"])


def test_the_definitions_in_english(demo, login_client):
    assert_bilingual(login_client("analytiker"), reverse("followup:definitions"),
                     english=["Received cases", "Thresholds for deviations", "time of receipt"],
                     swedish=["Mottagna ärenden", "Trösklar för avvikelser", "mottagningstidpunkt"])


def test_the_exports_stay_swedish_in_english(demo, login_client):
    """Names in downloads are the same whatever the page's language: they are stable for those who read them."""
    from django.conf import settings

    client = login_client("analytiker")
    url = reverse("followup:export", args=["lagrum", "csv"]) + "?period=2026"
    swedish = client.get(url).content
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    try:
        english = client.get(url).content
    finally:
        client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
        translation.activate(settings.LANGUAGE_CODE)
    assert english == swedish
    assert b"Lag och lagrum" in english
