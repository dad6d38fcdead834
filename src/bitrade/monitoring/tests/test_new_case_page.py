"""BOPS registers the protected person's request on a page of its own; the case goes to the BOPS group and
RLC of the police area where the ban is to apply."""

from __future__ import annotations

import pytest

from bitrade.cases.models import Case

pytestmark = pytest.mark.django_db
URL = "/larmkonsol/nytt-arende/"


def test_bops_registers_a_request_and_lands_on_the_case(em_demo, login_client):
    client = login_client("bops.syd")
    assert 'href="/larmkonsol/nytt-arende/"' in client.get("/larmkonsol/").content.decode()
    page = client.get(URL).content.decode()
    assert 'value="syd-malmo"' in page
    r = client.post(URL, {"police_area_code": "syd-malmo", "ban_type": "extended", "protected_name": "Sara Lind",
                          "protected_phone": "070-000 00 00", "prohibited_name": "Per Berg"})
    case = Case.objects.filter(kind="contact_ban").order_by("-pk").first()
    assert r.status_code == 302 and r["Location"] == f"/arenden/{case.public_id}/"
    assert case.state == "request_received" and case.unit.kind == "bops"
    assert case.contact_ban.protected_name == "Sara Lind" and case.contact_ban.police_area.code == "syd-malmo"
    page = client.get(r["Location"]).content.decode()
    assert f"Ärendet {case.reference_number} är registrerat." in page


def test_errors_are_shown_at_their_fields_and_nothing_is_stored(em_demo, login_client):
    client = login_client("bops.syd")
    before = Case.objects.filter(kind="contact_ban").count()
    r = client.post(URL, {"police_area_code": "", "ban_type": "x", "protected_name": "", "prohibited_name": "P"})
    page = r.content.decode()
    assert r.status_code == 422
    for field in ("police_area_code", "protected_name", "prohibited_name", "ban_type"):
        assert f'aria-describedby="f-{field}-error"' in page and f'href="#f-{field}"' in page, field
    assert "Välj polisområdet där förbudet ska gälla." in page and "Ange skyddspersonens namn." in page
    r = client.post(URL, {"police_area_code": "finns-inte", "ban_type": "extended", "protected_name": "Sara Lind",
                          "prohibited_name": "Per Berg"})
    assert r.status_code == 422 and "Polisområdet finns inte." in r.content.decode()
    assert Case.objects.filter(kind="contact_ban").count() == before


@pytest.mark.parametrize("username", ["rlc.syd", "gc.malmo", "soc.malmo"])
def test_only_bops_opens_a_contact_ban(em_demo, login_client, username):
    assert login_client(username).get(URL).status_code == 403


@pytest.mark.parametrize(("username", "entry"), [("rlc.syd", 'href="/larmkonsol/"'), ("bops.syd", 'href="/larmkonsol/"'),
                                                 ("noa", 'href="/larmkonsol/oversikt/"')])
def test_the_menu_leads_each_unit_to_its_own_page(em_demo, login_client, username, entry):
    menu = login_client(username).get("/").content.decode().split('aria-label="Huvudmeny"')[1].split("</nav>")[0]
    assert entry in menu


def test_an_ordinary_police_unit_has_no_console_in_its_menu(em_demo, login_client):
    menu = login_client("gc.malmo").get("/").content.decode().split('aria-label="Huvudmeny"')[1].split("</nav>")[0]
    assert "/larmkonsol/" not in menu
