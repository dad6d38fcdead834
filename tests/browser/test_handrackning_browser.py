"""The second pass of handräckning in a real browser: a request the police register themselves, a transfer
to another unit, police powers on record, a wanted-notice decision, and Kriminalvården's answer to a
transport order. Each test asserts what the person sees."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from bitrade.assistance import rules as case_rules
from bitrade.assistance import services as cases
from bitrade.cases.models import Case
from bitrade.intake import services as intake
from bitrade.intake.models import AssistanceRequest
from bitrade.intake.schemas import RequestIn
from bitrade.intake.tests.helpers import LPT_RETURN, body
from bitrade.organisation.actor import actor_for_person
from bitrade.organisation.models import Person, PoliceRegion, Unit
from bitrade.routing.models import RoutingRule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _everything_to_the_group() -> None:
    """Whatever the clock says, requests in Malmö go to the group (staffed around the clock here)."""
    group = Unit.objects.get(name="Handräckningsgrupp Malmö")
    group.always_open = True
    group.save()
    RoutingRule.objects.create(name="Test: allt till gruppen", region=PoliceRegion.objects.get(code="syd"), order=0,
                               target_kind="assistance_group", scope="police_area", requires_open=False)


def _actor(username: str):
    return actor_for_person(Person.objects.get(username=username))


def _case(payload=LPT_RETURN) -> Case:
    _everything_to_the_group()
    return intake.submit_request(_actor("overlakare.malmo"), RequestIn.model_validate(payload),
                                 idempotency_key=str(uuid.uuid4())).request.case


def _executing(payload=LPT_RETURN) -> Case:
    gc = _actor("gc.malmo")
    case = cases.decide(gc, _case(payload), case_rules.GRANT)
    case = cases.assign(gc, case, resource="Bil 2110")
    return cases.start_execution(gc, case)


def _no_sideways_scroll(page) -> None:
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{page.url} is {scroll}px wide at {inner}px"


def test_the_police_register_a_phoned_request_and_the_group_sees_the_deadline(page, login):
    _everything_to_the_group()
    page.set_viewport_size({"width": 390, "height": 844})
    login("sb.malmo")
    page.get_by_role("link", name="Registrera begäran som kom in per telefon, fax eller e-post").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrera begäran från en myndighet")
    _no_sideways_scroll(page)

    # A first try without the authority: the summary links to the field, which says what is wrong.
    page.get_by_label("Telefon", exact=True).check()
    page.get_by_role("button", name="Registrera begäran").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("Välj den begärande myndigheten.")
    _no_sideways_scroll(page)
    summary.get_by_role("link", name="Välj den begärande myndigheten.").click()
    authority = page.get_by_label("Myndighet *")
    expect(authority).to_have_attribute("aria-invalid", "true")
    expect(authority).to_be_focused()

    authority.select_option(label="Vuxenpsykiatri Malmö, Skånes universitetssjukhus")
    page.get_by_label("Kontaktperson *").fill("Eva Sandberg")
    page.get_by_label("Kontaktpersonens yrkesroll *").select_option("chief_physician")
    page.get_by_label("Telefon som nås dygnet runt *").fill("040-33 10 00")
    page.get_by_label("Vilket lagrum grundar begäran? *").select_option("LPT-47-2-3")
    page.get_by_label("Varför behövs polisens särskilda befogenheter?").fill(
        "Patienten har tidigare gjort våldsamt motstånd; tvång väntas behövas.")
    page.get_by_label("Personnummer eller samordningsnummer").fill("19900101-0017")
    page.get_by_label("Namn *").fill("Patient Exempelsson")
    page.get_by_label("Var finns personen, eller kan antas finnas? *").fill("Exempelgatan 1")
    page.get_by_label("Kommun *").select_option("1280")
    page.get_by_label("Åtgärder som myndigheten begär *").fill(
        "Eftersöka och återföra patienten som avvikit till avdelningen.")
    page.get_by_label("Brådska *").select_option("urgent")
    page.get_by_role("button", name="Registrera begäran").click()

    # The case went to the group, whose cases the station commander does not see: a receipt instead.
    receipt = page.get_by_role("status")
    expect(receipt).to_contain_text("Den skriftliga bekräftelsen ska komma in senast")
    expect(receipt).to_contain_text("Ärendet styrdes till Handräckningsgrupp Malmö")
    req = AssistanceRequest.objects.get()
    expect(receipt).to_contain_text(req.case.reference_number)
    assert req.channel == "phone" and req.organisation.name.startswith("Vuxenpsykiatri Malmö")
    _no_sideways_scroll(page)

    page.get_by_role("button", name="Logga ut").click()
    login("gc.malmo")
    row = page.get_by_role("row").filter(has_text=req.case.reference_number)
    expect(row).to_contain_text("skriftlig bekräftelse senast")
    _no_sideways_scroll(page)
    row.get_by_role("link", name=req.case.reference_number).click()
    expect(page.get_by_test_id("oral-confirmation")).to_contain_text("ska bekräftas skriftligen senast")
    _no_sideways_scroll(page)


def test_a_commander_transfers_a_case_and_the_receiving_unit_sees_it(page, login):
    case = _case()
    login("gc.malmo")
    page.goto(f"/arenden/{case.public_id}/")
    transfer = page.get_by_test_id("transfer")
    transfer.get_by_label("För över till").select_option(label="Stationsbefäl Malmö (Region Syd)")
    transfer.get_by_label("Skäl (den begärande myndigheten får veta vilken enhet som har ärendet, inte skälet)").fill(
        "Gruppen är upptagen i ett annat uppdrag hela kvällen.")
    transfer.get_by_role("button", name="För över").click()
    # The group no longer sees the case: back to its inbox with a receipt (not a missing page).
    expect(page.get_by_role("heading", level=1)).to_contain_text("Inkorg – Handräckningsgrupp Malmö")
    expect(page.get_by_role("status")).to_contain_text(f"{case.reference_number} hanteras nu av en annan enhet")
    expect(page.get_by_role("link", name=case.reference_number)).to_have_count(0)
    case.refresh_from_db()
    assert case.unit.name == "Stationsbefäl Malmö"

    page.get_by_role("button", name="Logga ut").click()
    login("sb.malmo")
    expect(page.get_by_role("link", name=case.reference_number)).to_be_visible()
    page.get_by_role("link", name=case.reference_number).click()
    expect(page.get_by_test_id("routing-trace")).to_contain_text("Gruppen är upptagen")


def test_an_officer_records_force_with_its_protocol(page, login):
    case = _executing()
    login("polis.malmo")
    page.goto(f"/arenden/{case.public_id}/")
    powers = page.get_by_test_id("powers")
    powers.get_by_label("Befogenhet").select_option(label="våld")
    powers.get_by_label("Utförd av").fill("Elin Holm")
    powers.get_by_label("Varför behövdes den, och varför räckte inte andra medel?").fill(
        "Personen slog mot polisen och gick inte att föra ut med tillsägelser.")
    powers.get_by_label("Varaktighet i minuter (våld, fängsel)").fill("3")
    powers.get_by_label("Skador (eller \"inga\")").fill("inga")
    powers.get_by_label("Signera protokollet (kan sedan inte ändras)").check()
    powers.get_by_role("button", name="Registrera").click()
    expect(page.get_by_test_id("powers").locator(".messages")).to_have_text("Sparat.")  # the result, beside the form
    recorded = page.get_by_test_id("powers").locator("ul:not(.messages) > li")
    expect(recorded).to_contain_text("våld")
    expect(recorded).to_contain_text("Elin Holm, 3 min, skador: inga")
    expect(recorded).to_contain_text("signerat")


def test_a_wanted_notice_is_decided_when_the_person_was_not_found_and_cancelled_when_found(page, login):
    case = _executing(body(LPT_RETURN, wanted_notice_requested=True))
    cases.record_not_found(_actor("gc.malmo"), case, notes="Ingen öppnade; grannar har inte sett patienten.")
    login("gc.malmo")
    page.goto(f"/arenden/{case.public_id}/")
    wanted = page.get_by_test_id("wanted")
    expect(wanted).to_contain_text("har bett polisen överväga efterlysning")
    wanted.get_by_label("Efterlys personen").check()
    wanted.get_by_label("Referens i NEPU").fill("NEPU-2026-0042")
    wanted.get_by_label("Diarienummer för efterlysningsärendet (saknummer 444)").fill("5000-K123-26")
    wanted.get_by_role("button", name="Registrera beslutet").click()
    expect(page.get_by_test_id("wanted")).to_contain_text(
        "efterlyst (NEPU NEPU-2026-0042, efterlysningsärende 5000-K123-26, saknummer 444)")

    page.get_by_test_id("wanted").get_by_label("Avlys efterlysningen NEPU-2026-0042 – skäl").select_option("found")
    page.get_by_test_id("wanted").get_by_role("button", name="Avlys").click()
    expect(page.get_by_test_id("wanted")).to_contain_text("avlyst")
    expect(page.get_by_test_id("wanted")).to_contain_text("personen har påträffats")


def test_kriminalvarden_declines_a_transport_and_the_police_see_why(page, login):
    from django.utils import timezone

    from bitrade.custody import services as custody
    from bitrade.transport import services as transport

    case = _executing()
    gc = _actor("gc.malmo")
    now = timezone.now()
    episode = custody.start_episode(gc, case, ground="handrackning_lpt", place="Arresten Malmö", started_at=now)
    transport.order_nte(gc, case, episode=episode, fields=transport.order_fields(case, episode, now))

    login("nte.syd")
    order = page.get_by_test_id("nte-order")
    expect(order).to_contain_text(case.reference_number)
    order.get_by_label("Avböj – skäl").select_option("no_capacity")
    order.get_by_label("Förklaring").fill("Alla bilar är ute på långa uppdrag i natt.")
    order.get_by_role("button", name="Avböj").click()
    expect(page.get_by_test_id("nte-order")).to_contain_text("Avböjt: ingen kapacitet – Alla bilar är ute")

    page.get_by_role("button", name="Logga ut").click()
    login("gc.malmo")
    page.goto(f"/arenden/{case.public_id}/")
    expect(page.get_by_test_id("transport")).to_contain_text("Avböjd: ingen kapacitet")
    expect(page.get_by_test_id("transport")).to_contain_text("Planera polistransport")
