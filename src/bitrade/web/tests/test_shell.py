"""Login, throttling, start pages per persona and the administrator's audit view."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "biträde-demo"


def test_login_with_wrong_password_gets_a_swedish_message(demo):
    c = Client()
    r = c.post("/logga-in/", {"username": "sb.malmo", "password": "fel"})
    assert r.status_code == 200
    assert "Fel användarnamn eller lösenord" in r.content.decode()


def test_login_and_start_page(demo):
    c = Client()
    r = c.post("/logga-in/", {"username": "sb.malmo", "password": PASSWORD}, follow=True)
    body = r.content.decode()
    assert "Inkorg" in body and "Stationsbefäl Malmö" in body


def test_repeated_failed_logins_are_throttled(demo):
    c = Client()
    for _ in range(5):
        c.post("/logga-in/", {"username": "soc.malmo", "password": "fel"})
    r = c.post("/logga-in/", {"username": "soc.malmo", "password": PASSWORD})
    assert r.status_code == 429
    assert "För många misslyckade inloggningar" in r.content.decode()


@pytest.mark.parametrize("username, heading", [
    ("sb.malmo", "Inkorg – Stationsbefäl Malmö"),
    ("rlc.syd", "Inkorg – RLC Syd"),
    ("overlakare.malmo", "Mina begäranden – Vuxenpsykiatri Malmö"),
    ("soc.malmo", "Mina begäranden – Socialnämnden Malmö stad"),
    ("nte.syd", "Transportuppdrag – Kriminalvården"),
    ("analytiker", "Uppföljning – "),
    ("admin", "Administration"),
])
def test_each_persona_has_its_own_start_page(demo, login_client, username, heading):
    r = login_client(username).get("/", follow=True)
    assert r.status_code == 200
    assert heading in r.content.decode()


def test_anonymous_is_sent_to_login(demo):
    r = Client().get("/")
    assert r.status_code == 302 and r["Location"].startswith("/logga-in/")


def test_audit_view_is_for_administrators_only(demo, login_client):
    assert login_client("sb.malmo").get("/granskning/").status_code == 403
    r = login_client("admin").get("/granskning/")
    assert r.status_code == 200 and "Kedjan är obruten" in r.content.decode()


def test_capacity_switch_refuses_foreign_capacity(demo, login_client):
    c = login_client("sb.malmo")
    assert c.post("/roll/", {"capacity": "unit:999999"}).status_code == 400


def test_admin_can_browse_organisation(demo, login_client):
    c = login_client("admin")
    for url in ["/admin/organisation/unit/", "/admin/organisation/municipality/?q=Malmö",
                "/admin/organisation/requestingorganisation/", "/admin/organisation/person/"]:
        assert c.get(url).status_code == 200, url


def test_swedish_by_default_and_english_available(demo, login_client):
    c = login_client("sb.malmo")
    assert "Inkorg – Stationsbefäl Malmö" in c.get("/").content.decode()
    r = c.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    body = r.content.decode()
    assert '<html lang="en">' in body and "Inbox – Stationsbefäl Malmö" in body and "Log out" in body
