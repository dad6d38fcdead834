"""A contact ban with electronic monitoring end to end in the browser: BOPS registers the protected
person's request on its own page and takes it through the application, the prosecutor's decision and the preparations to mounting and activation
on the case page; the monitoring system posts an immediate alarm to the real API; the RLC operator sees it
arrive on the open alarm console without a reload, takes it, marks the contact persons informed and closes
it; BOPS then records the end, the dismounting, and closes the case."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bitrade.cases.models import Case
from bitrade.monitoring import services
from bitrade.monitoring.demo import MALMO_AREA, load_monitoring_demo
from bitrade.monitoring.models import Alarm

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Code values that must never reach a person on these pages.
CODE_VALUES = re.compile(r"\b(request_received|application_drafted|at_prosecutor|preparing_start|mounted|active|"
                         r"ending|closed|immediate|not_immediate|rlc_handling|raised|zone_entry|police_premises|"
                         r"prosecutor|court)\b")


def _local(moment: datetime) -> str:
    """What a person types into a datetime-local field (Stockholm, to the minute)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _no_code_values(page) -> None:
    text = page.locator("main").inner_text()
    found = CODE_VALUES.findall(text)
    assert not found, f"code values on {page.url}: {sorted(set(found))}"


def _no_horizontal_scroll(page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{page.url} scrolls sideways at 390 px: {width} > {inner}"
    page.set_viewport_size({"width": 1280, "height": 900})


def _form(page, slug: str):
    """The case page's form of one action, opening its section if it is folded."""
    form = page.get_by_test_id(f"form-{slug}")
    if not form.is_visible():
        page.locator(f"details:has([data-testid='form-{slug}']) > summary").click()
    expect(form).to_be_visible()
    return form


def test_from_request_to_dismounting_with_an_immediate_alarm_on_the_rlc_console(browser, live_server, page, login):
    load_monitoring_demo()
    services.clear_caches()
    system, key, secret = services.create_system("Testsystem")
    now = timezone.now().replace(second=0, microsecond=0)
    at = lambda hours: _local(now - timedelta(hours=hours))  # noqa: E731

    # --- BOPS registers the protected person's request, then the application (6–8 §§) -------------------
    login("bops.syd")
    page.goto("/larmkonsol/")
    page.get_by_role("link", name="Nytt ärende om kontaktförbud").click()
    page.get_by_label("Polisområde där förbudet ska gälla").select_option("syd-malmo")
    protected = page.get_by_role("group", name="Skyddspersonen")
    protected.get_by_label("Namn").fill("Sara Lind")
    protected.get_by_label("Telefon").fill("070-123 45 67")
    protected.get_by_label("Vistelseadress").fill("Kungsgatan 5, Malmö")
    page.get_by_role("group", name="Förbudspersonen").get_by_label("Namn").fill("Olof Nyberg")
    page.get_by_role("button", name="Registrera ärendet").click()
    case = Case.objects.get(kind="contact_ban", contact_ban__protected_name="Sara Lind")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Ärende {case.reference_number}")
    expect(page.get_by_role("status")).to_contain_text(f"Ärendet {case.reference_number} är registrerat.")
    expect(page.get_by_test_id("case-kind")).to_have_text("Kontaktförbud med elektronisk övervakning")
    state = page.get_by_test_id("case-state")
    expect(state).to_have_text("Begäran mottagen")
    expect(page.get_by_test_id("protected-address")).to_have_text("Kungsgatan 5, Malmö")

    f = _form(page, "ansokan")
    f.get_by_label("Blankett").fill("PM 438.2")
    f.get_by_label("Elektronisk övervakning begärs").check()
    f.get_by_label("Andra skyddsåtgärder bedömda").fill(at(8))
    f.get_by_label("I samråd med BOPS").check()
    f.get_by_role("button").click()
    expect(state).to_have_text("Ansökan upprättad")

    f = _form(page, "forbudsomrade")
    f.get_by_label("Namn").fill("Skyddspersonens bostad")
    f.get_by_label("Område (GeoJSON)").fill(json.dumps(MALMO_AREA))
    f.get_by_label("Beskrivning").fill("Kvarteret runt Kungsgatan 5 i Malmö med gatorna omkring.")
    f.get_by_role("button").click()
    expect(page.locator("#case-main")).to_contain_text("Skyddspersonens bostad: Kvarteret runt Kungsgatan 5")
    expect(page.locator("#case-main svg.em-map polygon")).to_have_count(1)

    _form(page, "skicka-till-aklagare").get_by_role("button").click()
    expect(state).to_have_text("Hos åklagaren")
    _form(page, "utredning-inledd").get_by_role("button").click()
    expect(state).to_have_text("Utredning")

    # --- BOPS: the investigation and its report with the proposed mounting (9–10 §§, 14 §) ----------------
    f = _form(page, "redovisa")
    for label, hours in (("Skyddspersonen tillfrågad om området", 7), ("informerad om offentligt biträde", 7),
                         ("Förbudspersonen hörd", 6.5), ("tillfrågad om skäl", 6.5), ("Hinder mot övervakning", 6),
                         ("Utrustning förberedd", 6), ("Muntlig föredragning", 5), ("Skriftlig redovisning", 4.5),
                         ("Föreslagen tid för montering", 1)):
        f.get_by_label(label).fill(at(hours))
    f.get_by_label("Föreslagen plats").fill("Polisstationen i Malmö")
    f.get_by_role("button").click()
    expect(state).to_have_text("Väntar på beslut")

    # --- the prosecutor's decision, contact persons, PM 438.3, preparations (11–17 §§) ---------------------
    f = _form(page, "beslut")
    f.get_by_label("Beslutsfattare").select_option(label="Åklagare")
    f.get_by_label("Beslutet fattades").fill(at(4))
    f.get_by_label("Övervakningen ska börja").fill(at(1))
    f.get_by_label("Övervakningen upphör").fill(_local(now + timedelta(days=90)))
    f.get_by_label("Beslutet delgavs").fill(at(3.5))
    f.get_by_role("button").click()
    expect(state).to_have_text("Förbereder start")
    expect(page.get_by_test_id("em-checks")).to_contain_text("BOPS ska utse en kontaktperson")

    f = _form(page, "kontaktpersoner")
    f.get_by_label("Kontaktperson för skyddspersonen").fill("kp.skydd")
    f.get_by_label("Kontaktperson för förbudspersonen").fill("kp.forbud")
    f.get_by_role("button").click()
    expect(page.locator("#case-main")).to_contain_text("Kim Sjö (skyddspersonen), Alex Berg (förbudspersonen)")

    _form(page, "pm-438-3").get_by_role("button").click()
    expect(page.get_by_test_id("em-checks")).to_contain_text(
        "Blankett PM 438.3 med kontaktpersonerna är skickad till regionledningscentralen.")

    # mounting before the clarification talks and the equipment test is refused, in words, with the rule
    f = _form(page, "montera")
    f.get_by_label("Monterades").fill(at(1))
    f.get_by_label("Plats", exact=True).select_option(label="Polisens lokaler")
    f.get_by_label("Närvarande vid monteringen").fill("Kim Sjö\nAlex Berg")
    f.get_by_role("button").click()
    refusal = page.locator("details:has([data-testid='form-montera']) .messages")
    expect(refusal).to_contain_text("Klargörandesamtalet med förbudspersonen ska hållas senast när fotbojan monteras.")
    expect(refusal).to_contain_text("12 § PMFS 2020:1")
    expect(state).to_have_text("Förbereder start")

    f = _form(page, "forberedelser")
    f.get_by_label("Klargörandesamtal med förbudspersonen").fill(at(3))
    f.get_by_label("Klargörandesamtal med skyddspersonen").fill(at(3))
    f.get_by_label("Utrustningsmodell").fill("EM-100")
    f.get_by_label("Utrustningen testad").fill(at(2))
    f.get_by_label("Reservutrustning finns").check()
    f.get_by_role("button").click()
    expect(page.get_by_test_id("em-checks")).to_contain_text("Reservutrustning finns tillgänglig.")

    f = _form(page, "enhet")
    f.get_by_label("Övervakningssystem").fill("Testsystem")
    f.get_by_label("Enhets-id").fill("FB-7001")
    f.get_by_role("button").click()
    expect(page.locator("details:has([data-testid='form-enhet']) .messages")).to_contain_text("Sparat.")
    expect(page.get_by_test_id("em-devices")).to_contain_text("FB-7001 (Testsystem)")

    # --- mounting by two suitable persons at police premises, then activation (10 §, 18 §, 3–4 §§) --------
    f = _form(page, "montera")
    f.get_by_label("Monterades").fill(at(1))
    f.get_by_label("Plats", exact=True).select_option(label="Polisens lokaler")
    f.get_by_label("Närvarande vid monteringen").fill("Kim Sjö\nAlex Berg")
    f.get_by_role("button").click()
    expect(state).to_have_text("Monterad, ej aktiverad")

    f = _form(page, "aktivera")
    f.get_by_label("Aktiverad i övervakningssystemet").fill(at(0.5))
    f.get_by_label("Aktiverad i ledningssystemet").fill(at(0.5))
    f.get_by_role("button").click()
    expect(state).to_have_text("Pågående övervakning")
    _no_code_values(page)
    _no_horizontal_scroll(page)

    # --- the RLC operator has the alarm console open -------------------------------------------------------
    rlc_context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    rlc_context.set_default_timeout(15000)
    rlc = rlc_context.new_page()
    try:
        rlc.goto("/logga-in/")
        rlc.get_by_label("Användarnamn").fill("rlc.syd")
        rlc.get_by_label("Lösenord").fill("biträde-demo")
        rlc.get_by_role("button", name="Logga in").click()
        rlc.goto("/larmkonsol/")
        expect(rlc.get_by_role("heading", level=1)).to_have_text("Larmkonsol – regionledningscentral")
        expect(rlc.get_by_test_id("em-cue")).to_be_hidden()
        rlc.evaluate("window.stillTheSamePage = true")  # gone if the console were reloaded
        _no_horizontal_scroll(rlc)

        # --- the monitoring system posts an immediate alarm to the real API, signed ------------------------
        body = json.dumps({"alarm_id": "ZX-1", "device_id": "FB-7001", "sequence": 1, "type": "zone_entry",
                           "raised_at": timezone.now().isoformat(), "case": case.reference_number,
                           "position": {"lat": 55.605, "lon": 13.01}}).encode()
        res = page.request.post("/api/v1/em/alarms", data=body, headers={
            "Content-Type": "application/json", "X-API-Key": key,
            "X-Bitrade-Signature": services.sign(secret, body)})
        assert res.status == 202, res.text()
        assert res.json()["status"] == "accepted"

        # --- it appears on the open console without a reload, with the visible cue ------------------------
        alarm = rlc.get_by_test_id("alarm-ZX-1")
        expect(alarm).to_be_visible(timeout=10000)
        assert rlc.evaluate("window.stillTheSamePage === true"), "the console was reloaded"
        expect(rlc.get_by_test_id("em-cue")).to_have_text(
            "Nytt larm som kräver omedelbart ingripande: Förbudspersonen har gått in i förbudsområdet")
        expect(alarm).to_contain_text("Förbudspersonen har gått in i förbudsområdet")
        expect(alarm).to_contain_text("Kräver omedelbart ingripande")
        expect(alarm).to_contain_text("Nytt")
        expect(alarm).to_contain_text(case.reference_number)
        expect(alarm.locator("svg polygon")).to_have_count(1)
        _no_code_values(rlc)
        _no_horizontal_scroll(rlc)

        # --- the operator takes it, informs both contact persons (20 §) and closes it ----------------------
        alarm.get_by_role("button", name="Kvittera").click()
        expect(rlc.locator("main")).to_contain_text("Larmet är kvitterat.")
        alarm = rlc.get_by_test_id("alarm-ZX-1")
        expect(alarm).to_contain_text("Hanteras av RLC")
        for name in ("Kim Sjö", "Alex Berg"):
            alarm.locator("li", has_text=name).get_by_role("button", name="Markera informerad").click()
            expect(rlc.get_by_test_id("alarm-ZX-1").locator("li", has_text=name)).to_contain_text(
                f"{name}: informerad")
        alarm = rlc.get_by_test_id("alarm-ZX-1")
        expect(alarm.get_by_role("button", name="Markera informerad")).to_have_count(0)
        _no_code_values(rlc)

        # while it handles the alarm, the RLC sees where the protected person is
        rlc.goto(f"/arenden/{case.public_id}/")
        expect(rlc.get_by_test_id("protected-address")).to_have_text("Kungsgatan 5, Malmö")
        expect(rlc.locator("main")).to_contain_text("Du kan läsa det men inte ändra det.")
        _no_code_values(rlc)

        rlc.goto("/larmkonsol/")
        alarm = rlc.get_by_test_id("alarm-ZX-1")
        alarm.get_by_label("Vidtagna åtgärder").fill("Patrull skickad till Kungsgatan; förbudspersonen avvek.")
        alarm.get_by_label("Utfall").fill("Förbudspersonen lämnade området")
        alarm.get_by_role("button", name="Avsluta larmet").click()
        expect(rlc.locator("main")).to_contain_text("Larmet är avslutat.")
        expect(rlc.get_by_test_id("alarm-ZX-1")).to_have_count(0)
        _no_code_values(rlc)

        # once the alarm is closed, the whereabouts are hidden from the RLC again
        rlc.goto(f"/arenden/{case.public_id}/")
        expect(rlc.get_by_test_id("protected-name")).to_have_text("Sara Lind")
        expect(rlc.get_by_test_id("protected-address")).to_have_count(0)
    finally:
        rlc_context.close()

    stored = Alarm.objects.get(supplier_alarm_id="ZX-1")
    assert (stored.state, stored.handled_by, stored.informed.count()) == ("closed", "rlc", 2)

    # --- BOPS sees the handled alarm on the case, then takes the case to dismounting and closure (23–25 §§) -
    page.reload()
    expect(page.locator("#case-main")).to_contain_text(
        "Förbudspersonen har gått in i förbudsområdet – Kräver omedelbart ingripande – Avslutat")

    _form(page, "beslut-avsluta").get_by_role("button").click()
    expect(state).to_have_text("Avslutas")
    expect(page.get_by_test_id("em-checks")).to_contain_text("Fotbojan ska demonteras")

    f = _form(page, "avslut")
    done = _local(timezone.now())
    for label in ("RLC underrättad om avslut", "Kallelse till demontering skickad",
                  "Avslutningssamtal med skyddspersonen", "Avslutningssamtal med förbudspersonen",
                  "Behovsbedömning gjord", "Avaktiverad i övervakningssystemet", "Avaktiverad i ledningssystemet",
                  "Demonterades", "Utrustningen avinstallerad"):
        f.get_by_label(label).fill(done)
    f.get_by_label("Närvarande vid demonteringen").fill("Kim Sjö\nAlex Berg")
    f.get_by_role("button").click()
    expect(page.get_by_test_id("em-checks")).to_contain_text(
        "Fotbojan är demonterad och utrustningen avinstallerad.")

    _form(page, "avsluta").get_by_role("button").click()
    expect(state).to_have_text("Avslutat")
    expect(page.get_by_test_id("timeline")).to_contain_text("Ärendet om kontaktförbud är avslutat.")
    _no_code_values(page)
    _no_horizontal_scroll(page)
