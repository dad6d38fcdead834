"""Nothing marked internal reaches a requester: the escalation note (and any later transfer note) stays with
the police on every requester-facing path — the request API (detail and list), the request page, the
webhook and e-mail messages, and the public timeline."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bitrade.deadlines import services as deadlines
from bitrade.intake import services as intake
from bitrade.intake.schemas import RequestIn
from bitrade.intake.tests.helpers import LVU_CARE
from bitrade.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 6, 17, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
ORG = "Socialnämnden Malmö stad"


def _escalated_case(actor_of):
    req = intake.submit_request(actor_of("soc.malmo"), RequestIn.model_validate(LVU_CARE), idempotency_key="int",
                                now=T0).request
    case = req.case
    assert deadlines.sweep(now=case.ack_due_at + timedelta(minutes=1)) == 1
    case.refresh_from_db()
    assert case.escalation_count == 1
    return req, case


def test_escalation_note_is_internal_on_every_requester_path(demo, actor_of, client, api_key_for, login_client):
    req, case = _escalated_case(actor_of)
    note = case.routing_trace[0]["reason"]
    assert note.startswith("Eskalerad") and "kvitterade inte i tid" in note
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_key_for(ORG)}"}
    detail = client.get(f"/api/v1/requests/{req.public_id}", **headers)
    assert detail.status_code == 200
    listing = client.get("/api/v1/requests", **headers)
    assert listing.status_code == 200
    for body in (detail.json(), *listing.json()):
        text = json.dumps(body, ensure_ascii=False)
        assert "Eskalerad" not in text and "kvitterade inte i tid" not in text
        assert (body.get("routing") or {}).get("internal") is None
    # The requester sees who has the case now and how to reach the unit.
    assert detail.json()["routing"]["unit"] == "Stationsbefäl Malmö"
    page = login_client("soc.malmo").get(f"/begaran/{req.public_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Eskalerad" not in html and "kvitterade inte i tid" not in html and "Stationsbefäl Malmö" in html
    for message in OutboxMessage.objects.filter(object_id=str(case.pk)):
        if message.recipient.endswith("@polisen.example"):
            continue  # the police units' own notices
        assert "Eskalerad" not in json.dumps([message.payload, message.body], ensure_ascii=False)


def test_the_police_see_the_internal_routing_trace(demo, actor_of, login_client):
    req, case = _escalated_case(actor_of)
    from bitrade.intake.serializers import request_out

    out = request_out(actor_of("sb.malmo"), req, audit_read=False)
    assert out["routing"]["internal"] == [case.routing_trace[0]["reason"]]
    html = login_client("sb.malmo").get(f"/begaran/{req.public_id}/").content.decode()
    assert "kvitterade inte i tid" in html
