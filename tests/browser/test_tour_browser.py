"""Each persona's tour at 1366 px and at 390 px: no page is wider than the screen, and axe-core (vendored,
tests/browser/vendor) finds no critical or serious violation on any page the tour visits, admin included.

Screenshots of every page at both widths go to var/screenshots/ (not committed) for a person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
WIDTHS = ((1366, 900), (390, 844))


@pytest.fixture
def tour_page(browser, live_server, demo_tx):
    # bypass_csp: axe is injected as a script of the test, which a strict Content-Security-Policy forbids.
    context = browser.new_context(base_url=live_server.url, locale="sv-SE", bypass_csp=True)
    context.set_default_timeout(15000)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def flow(demo_tx, actor_of):
    """A case with custody, förvar and a transport ordered from NTE; a request needing completion."""
    import uuid

    from django.utils import timezone

    from bitrade.custody import services as custody
    from bitrade.custody.tests.test_custody_flow import executing_case
    from bitrade.intake import services as intake
    from bitrade.intake.schemas import RequestIn
    from bitrade.intake.tests.helpers import LVU_CARE, body
    from bitrade.transport import services as transport

    case, gc = executing_case(actor_of)
    now = timezone.now()
    episode = custody.start_episode(gc, case, ground="handrackning_lpt", place="Arresten Malmö", started_at=now)
    custody.decide_holding(gc, episode, reason="awaiting_transport", place_type="police_cell",
                           necessity="Personen har hotat personal och försökt fly; ordningen kräver inlåsning.",
                           alternatives_considered="Väntan i bil och aktivitetsrum övervägdes men räcker inte.")
    transport.order_nte(gc, case, episode=episode, fields=transport.order_fields(case, episode, now))
    incomplete = intake.submit_request(
        actor_of("soc.malmo"), RequestIn.model_validate(body(LVU_CARE, person__birth_date="2012-05-01", attachments=None)),
        idempotency_key=str(uuid.uuid4())).request
    return {"case": case, "request": incomplete, "unit_id": case.unit_id,
            "organisation_id": incomplete.organisation_id, "person_id": incomplete.submitted_by_id}


def tours(flow) -> dict[str, list[str]]:
    case, req = flow["case"], flow["request"]
    return {
        "gc.malmo": ["/", reverse("cases:detail", args=[case.public_id]), reverse("legal:search")],
        "sb.malmo": ["/", reverse("intake:register")],
        "soc.malmo": ["/", reverse("intake:new"), reverse("intake:detail", args=[req.public_id]),
                      reverse("followup:comparison")],
        "nte.syd": ["/"],
        "analytiker": [reverse("followup:dashboard"), reverse("followup:deviations"),
                       reverse("followup:definitions")],
        "processagare": [reverse("followup:dashboard")],
        "admin": ["/", reverse("web:audit"), reverse("web:routing_rules"), reverse("web:routing_rule_new"),
                  reverse("web:api_keys"), reverse("admin:index"),
                  reverse("admin:organisation_unit_changelist"), reverse("admin:organisation_requestingorganisation_changelist"),
                  reverse("admin:organisation_person_changelist"), reverse("admin:routing_routingrule_changelist"),
                  reverse("admin:organisation_unit_change", args=[flow["unit_id"]]),
                  reverse("admin:organisation_requestingorganisation_change", args=[flow["organisation_id"]]),
                  reverse("admin:organisation_person_change", args=[flow["person_id"]])],
    }


def check(page, name: str) -> list[str]:
    problems = []
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(50)
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if scroll > inner:
            problems.append(f"{name} at {width}px is {scroll}px wide")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE)
    found = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'critical' || v.impact === 'serious')
            .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
    }""")
    problems += [f"{name}: axe {v}" for v in found]
    return problems


def _slug(url: str) -> str:
    url = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "id", url)
    return url.strip("/").replace("/", "_") or "start"


@pytest.mark.parametrize("username", ["gc.malmo", "sb.malmo", "soc.malmo", "nte.syd", "analytiker",
                                      "processagare", "admin"])
def test_persona_tour_fits_a_phone_and_passes_axe(tour_page, login_for_tour, flow, username):
    page = tour_page
    login_for_tour(page, username)
    problems = []
    for url in tours(flow)[username]:
        page.goto(url)
        problems += check(page, f"{username}-{_slug(url)}")
    assert not problems, "\n".join(problems)


def test_login_and_error_pages_fit_a_phone_and_pass_axe(tour_page):
    page = tour_page
    problems = []
    page.goto("/logga-in/")
    problems += check(page, "anonymous-login")
    response = page.goto("/finns-inte/")
    assert response.status == 404
    problems += check(page, "anonymous-404")
    assert not problems, "\n".join(problems)


@pytest.fixture
def login_for_tour():
    def do(page, username: str, password: str = "biträde-demo"):
        page.goto("/logga-in/")
        page.get_by_label("Användarnamn").fill(username)
        page.get_by_label("Lösenord").fill(password)
        page.get_by_role("button", name="Logga in").click()
        page.wait_for_load_state()

    return do


def test_administrator_previews_a_rule_and_copies_a_new_key(tour_page, login_for_tour, demo_tx):
    from playwright.sync_api import expect

    page = tour_page
    login_for_tour(page, "admin")
    page.goto(reverse("web:routing_rule_new"))
    page.get_by_label("Namn", exact=True).fill("LVU till RLC")
    page.get_by_label("LVU").check()
    page.get_by_label("Till enhetstyp").select_option("rlc")
    page.get_by_label("Kommun där personen finns").select_option("1280")
    page.get_by_label("Lag", exact=True).select_option("LVU")
    page.get_by_role("button", name="Visa vart ärendet går").click()
    expect(page.get_by_test_id("preview-result")).to_contain_text("Ärendet går till RLC Syd")
    problems = check(page, "admin-routing-preview")

    page.goto(reverse("web:api_keys"))
    page.get_by_label("Organisation").select_option(label="Socialnämnden Malmö stad")
    page.get_by_label("Namn").fill("Verksamhetssystem")
    page.get_by_role("button", name="Skapa nyckel").click()
    key = page.locator("#new-key").inner_text()
    assert key.startswith("btr_")
    page.get_by_role("button", name="Kopiera nyckeln").click()
    expect(page.get_by_role("status").last).to_contain_text("Nyckeln är kopierad")
    problems += check(page, "admin-api-key-issued")
    assert not problems, "\n".join(problems)


def test_the_registration_form_with_errors_fits_a_phone_and_passes_axe(tour_page, login_for_tour, demo_tx):
    page = tour_page
    login_for_tour(page, "sb.malmo")
    page.goto(reverse("intake:register"))
    page.get_by_role("button", name="Registrera begäran").click()
    page.get_by_test_id("error-summary").wait_for()
    problems = check(page, "sb.malmo-register-errors")
    assert not problems, "\n".join(problems)
