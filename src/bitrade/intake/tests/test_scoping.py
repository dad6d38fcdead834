"""Access scoping: who may read which request, through the API and the UI; every read audited."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bitrade.audit.models import AuditEvent
from bitrade.intake import services
from bitrade.intake.models import AssistanceRequest
from bitrade.intake.schemas import RequestIn

from .helpers import LPT_RETURN, LVU_CARE, body

pytestmark = pytest.mark.django_db
WEDNESDAY_10 = datetime(2026, 6, 17, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))


@pytest.fixture
def malmo_lvu(demo, actor_of):
    """An LVU request from Malmö social services, routed at a weekday 10:00 to the Malmö group."""
    return services.submit_request(actor_of("soc.malmo"), RequestIn.model_validate(LVU_CARE),
                                   idempotency_key=str(uuid.uuid4()), now=WEDNESDAY_10).request


def test_the_request_lands_at_the_open_assistance_group(malmo_lvu):
    assert malmo_lvu.case.unit.name == "Handräckningsgrupp Malmö"


@pytest.mark.parametrize("username, visible", [
    ("soc.malmo", True),            # the requesting organisation
    ("ordf.malmo", True),           # same organisation, another person
    ("gc.malmo", True),             # the unit it is routed to
    ("rlc.syd", True),              # the region's RLC
    ("sb.malmo", False),            # another unit in the same police area
    ("rlc.stockholm", False),       # another region's RLC
    ("soc.stockholm", False),       # another requesting organisation
    ("overlakare.malmo", False),    # another organisation in the same city
    ("nte.syd", False),             # Kriminalvården sees transport orders, not requests
])
def test_ui_detail_page_is_scoped(malmo_lvu, login_client, username, visible):
    r = login_client(username).get(f"/begaran/{malmo_lvu.public_id}/")
    if visible:
        assert r.status_code == 200 and malmo_lvu.case.reference_number in r.content.decode()
    else:
        assert r.status_code in (403, 404)
        assert malmo_lvu.person_name not in r.content.decode()


def test_analyst_sees_aggregates_only(malmo_lvu, login_client):
    c = login_client("analytiker")
    assert c.get(f"/begaran/{malmo_lvu.public_id}/").status_code == 403
    assert c.get(f"/api/v1/requests/{malmo_lvu.public_id}").status_code == 403
    home = c.get("/", follow=True).content.decode()
    assert "Uppföljning" in home and malmo_lvu.person_name not in home


def test_api_reads_are_scoped_to_the_key_organisation(malmo_lvu, client, api_key_for):
    own = api_key_for("Socialnämnden Malmö stad")
    other = api_key_for("Socialnämnden Stockholms stad")
    url = f"/api/v1/requests/{malmo_lvu.public_id}"
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {own}").status_code == 200
    r = client.get(url, HTTP_AUTHORIZATION=f"Bearer {other}")
    assert r.status_code == 404 and malmo_lvu.person_name not in r.content.decode()
    listing = client.get("/api/v1/requests", HTTP_AUTHORIZATION=f"Bearer {other}").json()
    assert listing == []
    assert AuditEvent.objects.filter(action="request.read_refused", object_id=str(malmo_lvu.public_id)).exists()


def test_api_session_reads_for_police_are_scoped_by_region(malmo_lvu, login_client):
    assert login_client("rlc.syd").get(f"/api/v1/requests/{malmo_lvu.public_id}").status_code == 200
    assert login_client("rlc.nord").get(f"/api/v1/requests/{malmo_lvu.public_id}").status_code == 404


def test_every_read_of_personal_data_is_audited(malmo_lvu, login_client):
    before = AuditEvent.objects.filter(action="read").count()
    login_client("gc.malmo").get(f"/begaran/{malmo_lvu.public_id}/")
    event = AuditEvent.objects.filter(action="read").order_by("-seq").first()
    assert AuditEvent.objects.filter(action="read").count() == before + 1
    assert event.new["ids"] == [str(malmo_lvu.pk)] and event.actor_label == "Johan Ek"


def test_protected_identity_is_masked_for_all_but_the_handling_unit(demo, actor_of, login_client):
    req = services.submit_request(
        actor_of("soc.malmo"), RequestIn.model_validate(body(LVU_CARE, person__protected_identity=True)),
        idempotency_key="p1", now=WEDNESDAY_10).request
    assert req.case.unit.name == "Handräckningsgrupp Malmö"
    assert "Ung Exempelsson" in login_client("gc.malmo").get(f"/begaran/{req.public_id}/").content.decode()
    rlc_page = login_client("rlc.syd").get(f"/begaran/{req.public_id}/").content.decode()
    assert "Ung Exempelsson" not in rlc_page and "Skyddad identitet" in rlc_page


def test_inbox_shows_only_the_units_own_requests(malmo_lvu, demo, actor_of, login_client):
    sthlm = services.submit_request(
        actor_of("overlakare.stockholm"),
        RequestIn.model_validate(body(LPT_RETURN, location__municipality_code="0180")),
        idempotency_key="s1", now=WEDNESDAY_10).request
    group_inbox = login_client("gc.malmo").get("/").content.decode()
    assert malmo_lvu.case.reference_number in group_inbox and sthlm.case.reference_number not in group_inbox
    assert AssistanceRequest.objects.count() == 2
