"""Transfer and re-routing: a commander moves a case with a reason (both units and the requester told, the
trace kept and internal); a relay to another region waits for that region to accept or decline; a police
change of priority re-routes before the decision."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from bitrade.assistance import rules
from bitrade.assistance import services as cases
from bitrade.intake import services as intake
from bitrade.intake.schemas import RequestIn
from bitrade.intake.tests.helpers import LPT_RETURN
from bitrade.organisation.models import Person, Unit
from bitrade.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 6, 17, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))


def _client(username):
    c = Client()
    c.force_login(Person.objects.get(username=username))
    return c


def _act(client, case, name, payload):
    return client.post(f"/api/v1/cases/{case.public_id}/actions/{name}", payload, content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))


def _case(actor_of):
    return intake.submit_request(actor_of("overlakare.malmo"), RequestIn.model_validate(LPT_RETURN),
                                 idempotency_key=str(uuid.uuid4()), now=T0).request.case


def test_transfer_within_the_region_moves_the_case_and_tells_everyone(demo, actor_of, api_key_for):
    case = _case(actor_of)
    assert case.unit.name == "Handräckningsgrupp Malmö"
    sb = Unit.objects.get(name="Stationsbefäl Malmö")
    gc = _client("gc.malmo")
    short = _act(gc, case, "transfer", {"to_unit": sb.pk, "reason": "kort"})
    assert short.status_code == 409
    officer = _act(_client("polis.malmo"), case, "transfer", {"to_unit": sb.pk, "reason": "Gruppen är upptagen."})
    assert officer.status_code in (403, 409)
    ok = _act(gc, case, "transfer", {"to_unit": sb.pk, "reason": "Gruppen är upptagen med ett annat ärende i kväll."})
    assert ok.status_code == 200, ok.content
    case.refresh_from_db()
    assert case.unit == sb and case.routing_trace[-1]["kind"] == "transferred"
    recipients = set(OutboxMessage.objects.filter(object_id=str(case.pk), event="case.transferred")
                     .values_list("recipient", flat=True))
    assert {"handrackning.malmo@polisen.example", "sb.malmo@polisen.example", "eva@skane.example"} <= recipients
    # The requester sees the unit that has the case, never the reason.
    body = _client("overlakare.malmo").get(f"/api/v1/requests/{case.assistance_request.public_id}")
    text = json.dumps(body.json(), ensure_ascii=False) if body.status_code == 200 else ""
    requester_view = Client().get(f"/api/v1/requests/{case.assistance_request.public_id}",
                                  HTTP_AUTHORIZATION=f"Bearer {api_key_for('Vuxenpsykiatri Malmö, Skånes universitetssjukhus')}")
    assert requester_view.status_code == 200
    out = requester_view.json()
    assert out["routing"]["unit"] == "Stationsbefäl Malmö" and "upptagen" not in json.dumps(out, ensure_ascii=False)
    assert "upptagen" not in text


def test_a_relay_to_another_region_waits_for_its_answer(demo, actor_of, login_client):
    case = _case(actor_of)
    rlc_sthlm = Unit.objects.get(name="RLC Stockholm")
    gc = _client("gc.malmo")
    assert _act(gc, case, "transfer", {"to_unit": rlc_sthlm.pk,
                                       "reason": "Personen har rest till Stockholm; stafett dit."}).status_code == 200
    case.refresh_from_db()
    assert case.unit.name == "Handräckningsgrupp Malmö"  # not moved until Stockholm accepts
    page = login_client("rlc.stockholm").get(f"/arenden/{case.public_id}/")
    assert page.status_code == 200 and "Ta emot ärendet" in page.content.decode()
    declined = _act(_client("rlc.stockholm"), case, "answer_transfer", {"accept": False, "answer": "nej"})
    assert declined.status_code == 422
    accepted = _act(_client("rlc.stockholm"), case, "answer_transfer", {"accept": True})
    assert accepted.status_code == 200, accepted.content
    case.refresh_from_db()
    assert case.unit == rlc_sthlm and case.region.code == "stockholm"
    assert [t["kind"] for t in case.routing_trace][-2:] == ["transfer_requested", "transferred"]


def test_a_declined_relay_leaves_the_case_where_it_was(demo, actor_of):
    case = _case(actor_of)
    rlc_sthlm = Unit.objects.get(name="RLC Stockholm")
    cases.transfer(actor_of("gc.malmo"), case, to_unit_id=rlc_sthlm.pk, reason="Personen kan ha rest norrut.")
    cases.answer_transfer(actor_of("rlc.stockholm"), case, accept=False, answer="Personen är inte i vår region.")
    case.refresh_from_db()
    assert case.unit.name == "Handräckningsgrupp Malmö" and case.transfers.get().status == "declined"


def test_a_police_change_of_priority_re_routes_before_the_decision(demo, actor_of):
    case = _case(actor_of)
    gc = actor_of("gc.malmo")
    case = cases.assess_risk(gc, case, level="high", assessment="Hot mot personal; vapen.", priority=1)
    case.refresh_from_db()
    assert case.unit.name == "RLC Syd" and case.routing_trace[-1]["kind"] == "rerouted"
    assert case.state == rules.RECEIVED
