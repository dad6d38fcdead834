"""Administration people can use: built-in routing rules shown, a rule edited as a form with a preview of
where a case would go, API keys made on their own page and shown once, the audit log filtered."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from bitrade.audit.models import AuditEvent
from bitrade.organisation.models import ApiKey, RequestingOrganisation, Unit
from bitrade.organisation.services import authenticate_api_key
from bitrade.routing.models import RoutingRule

pytestmark = pytest.mark.django_db
WEDNESDAY_NOON = "2026-06-17T12:00"
SUNDAY_NIGHT = "2026-06-21T03:00"


def rule_form(**changes) -> dict:
    data = {"name": "LVU till RLC", "order": "5", "laws": ["LVU"], "points": "", "priorities": ["ordinar"],
            "target_kind": "rlc", "scope": "region", "active": "on", "region": "", "police_area": "",
            "target_unit": "", "max_age": "", "valid_from": "", "valid_to": "",
            "preview-municipality": "1280", "preview-law": "LVU", "preview-priority": "ordinar",
            "preview-age": "", "preview-at": WEDNESDAY_NOON, "preview-point_key": ""}
    data.update(changes)
    return data


def test_the_rule_list_shows_the_built_in_rules(demo, login_client):
    client = login_client("admin")
    page = client.get(reverse("web:routing_rules")).content.decode()
    assert "0 sparade styrregler" in page or "Inga egna styrregler" in page
    assert "Prioritet 1–3 till RLC" in page and "Handräckningsgrupp under öppettid" in page
    assert "går till handräckningsgruppen i ärendets polisområde, när den har öppet" in page
    assert login_client("sb.malmo").get(reverse("web:routing_rules")).status_code == 403


def test_preview_says_which_unit_gets_the_case_and_why_without_saving(demo, login_client):
    client = login_client("admin")
    syd = str(Unit.objects.get(name="RLC Syd").region_id)
    # A regional draft that does not match: an ordinary LVU case in Malmö at noon on a weekday goes by the
    # built-in rules to the assistance group.
    page = client.post(reverse("web:routing_rule_new"), rule_form(
        laws=["LPT"], region=syd, **{"preview": "1"})).content.decode()
    assert "Ärendet går till Handräckningsgrupp Malmö" in page, re.findall(r"Ärendet går[^<]*|Ingen enhet[^<]*", page)
    # With the draft rule (LVU → RLC, national): the same case goes to RLC Syd, and the page says why.
    page = client.post(reverse("web:routing_rule_new"), rule_form(preview="1")).content.decode()
    assert "Ärendet går till RLC Syd" in page and "Regel: LVU till RLC" in page
    assert RoutingRule.objects.count() == 0
    # On a Sunday night the assistance group is closed: the next built-in rule sends it to the station desk.
    page = client.post(reverse("web:routing_rule_new"), rule_form(
        laws=["LPT"], region=syd, **{"preview": "1", "preview-at": SUNDAY_NIGHT})).content.decode()
    assert "Ärendet går till Stationsbefäl Malmö" in page and "Handräckningsgrupp Malmö" in page


def test_a_rule_is_saved_from_the_form_on_record_and_routes(demo, login_client):
    client = login_client("admin")
    malmo_area = Unit.objects.get(name="Handräckningsgrupp Malmö").police_area
    r = client.post(reverse("web:routing_rule_new"), rule_form(
        name="Malmö LVU", region=str(malmo_area.region_id), police_area=str(malmo_area.pk), save="1"))
    assert r.status_code == 302
    rule = RoutingRule.objects.get(name="Malmö LVU")
    assert rule.laws == ["LVU"] and rule.priorities == [None] and rule.police_area == malmo_area
    assert AuditEvent.objects.filter(action="routing.rule_created", object_id=str(rule.pk)).exists()
    page = client.get(reverse("web:routing_rules")).content.decode()
    assert "1 sparad styrregel" in page and "Malmö LVU" in page
    # bad input: the form says what is wrong, in Swedish, next to the field
    r = client.post(reverse("web:routing_rule_new"), rule_form(target_kind="", save="1"))
    page = r.content.decode()
    assert r.status_code == 200 and "Ange enhetstyp eller en bestämd enhet" in page
    assert RoutingRule.objects.count() == 1


def test_an_api_key_is_made_on_its_own_page_shown_once_and_revoked(demo, login_client):
    client = login_client("admin")
    org = RequestingOrganisation.objects.get(name="Socialnämnden Malmö stad")
    r = client.post(reverse("web:api_keys"), {"organisation": str(org.pk), "name": "Verksamhetssystem"})
    page = r.content.decode()
    key = re.search(r'<code id="new-key">([^<]+)</code>', page).group(1)
    assert authenticate_api_key(key).organisation == org
    assert 'data-copy="new-key"' in page and "<script>" not in page and "onclick" not in page
    again = client.get(reverse("web:api_keys")).content.decode()
    assert key not in again and "Verksamhetssystem" in again
    stored = ApiKey.objects.get(name="Verksamhetssystem")
    client.post(reverse("web:api_key_revoke", args=[stored.pk]))
    assert authenticate_api_key(key) is None
    r = client.post(reverse("web:api_keys"), {"organisation": "", "name": ""})
    assert r.status_code == 400 and "Välj den organisation" in r.content.decode()
    assert 'aria-invalid="true"' in r.content.decode()


def test_the_audit_log_is_filtered_by_person_case_action_and_date(demo, login_client, actor_of):
    from bitrade.custody.tests.test_custody_flow import executing_case

    case, _ = executing_case(actor_of)
    client = login_client("admin")
    page = client.get(reverse("web:audit"), {"case": case.reference_number}).content.decode()
    assert "case.grant" in page or "grant" in page
    rows = re.findall(r"<tr><td>\d+</td>", page)
    assert rows
    assert "Karin Lind" not in page  # sb.malmo did nothing in this case
    page = client.get(reverse("web:audit"), {"person": "Johan Ek", "case": case.reference_number}).content.decode()
    assert "Johan Ek" in page and "Eva Sandberg" not in page
    today = datetime.now(ZoneInfo("Europe/Stockholm")).date().isoformat()
    page = client.get(reverse("web:audit"), {"from": "2001-01-01", "to": "2001-01-02"}).content.decode()
    assert "Inga händelser matchar urvalet" in page
    page = client.get(reverse("web:audit"), {"from": today}).content.decode()
    assert "Inga händelser matchar urvalet" not in page
    r = client.get(reverse("web:audit"), {"case": "HR-XX-1"})
    assert r.status_code == 400 and "Inget ärende har referensen HR-XX-1" in r.content.decode()
    r = client.get(reverse("web:audit"), {"from": "igår"})
    assert r.status_code == 400 and "ÅÅÅÅ-MM-DD" in r.content.decode()


def test_house_error_pages_also_with_debug_on(demo, client, settings):
    settings.DEBUG = True
    r = client.get("/finns-inte/")
    page = r.content.decode()
    assert r.status_code == 404 and "Sidan finns inte" in page and "URLconf" not in page
    assert 'class="site"' in page  # the house layout
    r = client.get("/api/v1/finns-inte")
    assert r.status_code == 404 and "Sidan finns inte" not in r.content.decode()
    settings.DEBUG = False
    r = client.get("/finns-inte/")
    assert r.status_code == 404 and "Till startsidan" in r.content.decode()


def test_the_500_page_stands_alone_in_the_house_style():
    from django.template.loader import render_to_string

    page = render_to_string("500.html")
    assert "Ett tekniskt fel inträffade" in page and "app.css" in page and "<main" in page


def test_the_admin_routing_pages_lead_to_the_editor(demo, login_client):
    client = login_client("admin")
    assert client.get(reverse("admin:routing_routingrule_changelist"))["Location"] == reverse("web:routing_rules")
    assert client.get(reverse("admin:routing_routingrule_add"))["Location"] == reverse("web:routing_rule_new")
