"""Granting an urgent request while completion is pending (the missing part given by phone) and granting
against a failed formal check (an explicit override), through the case API and the case page."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from bitrade.assistance import rules
from bitrade.intake import services as intake
from bitrade.intake.schemas import RequestIn
from bitrade.intake.tests.helpers import LPT_RETURN, LVU_CARE, body
from bitrade.organisation.models import Person

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 6, 17, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))


def _client(username):
    c = Client()
    c.force_login(Person.objects.get(username=username))
    return c


def _grant(client, case, payload):
    return client.post(f"/api/v1/cases/{case.public_id}/actions/grant", payload, content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))


def _submit(actor_of, who, payload):
    return intake.submit_request(actor_of(who), RequestIn.model_validate(payload), idempotency_key=str(uuid.uuid4()),
                                 now=T0).request.case


def test_urgent_request_granted_while_completion_pending_with_the_phone_completion_on_record(demo, actor_of):
    # Urgent, without the care decision: it starts in completion_requested at the RLC.
    case = _submit(actor_of, "soc.malmo", body(LVU_CARE, urgency="urgent", attachments=[]))
    assert case.state == rules.COMPLETION_REQUESTED and case.unit.name == "RLC Syd"
    vb = _client("vb.syd")
    refused = _grant(vb, case, {"reason": "Brådskande."})
    assert refused.status_code == 409 and "per telefon" in refused.json()["detail"]
    ok = _grant(vb, case, {"phone_completion_by": "Lina Persson, socialsekreterare",
                           "phone_completion_how": "Beslutet om vård (nr 12/2026) lästes upp per telefon 10.05."})
    assert ok.status_code == 200, ok.content
    case.refresh_from_db()
    assert case.state == rules.GRANTED
    event = case.events.get(action="grant")
    assert event.data["phone_completion"]["by"] == "Lina Persson, socialsekreterare"
    assert "per telefon av Lina Persson" in event.text
    question = case.assistance_request.questions.get()
    assert question.answered_at is not None and "per telefon" in question.answer


def test_a_planned_request_waits_for_its_completion(demo, actor_of):
    case = _submit(actor_of, "soc.malmo", body(LVU_CARE, attachments=[]))
    assert case.state == rules.COMPLETION_REQUESTED
    r = _grant(_client("gc.malmo"), case, {"phone_completion_by": "Lina Persson",
                                          "phone_completion_how": "Beslutet lästes upp per telefon."})
    assert r.status_code == 409 and "brådskande" in r.json()["detail"]


def test_inadmissible_request_needs_an_explicit_override(demo, actor_of, login_client):
    # The social services may not ask under 47 § LPT: the review finds the requester not competent.
    case = _submit(actor_of, "soc.malmo", LPT_RETURN)
    assert case.assistance_request.review_outcome == "inadmissible"
    gc = _client("gc.malmo")
    short = _grant(gc, case, {"reason": "Tio tecken och lite till."})
    assert short.status_code == 409 and "avsteg" in short.json()["detail"]
    page = login_client("gc.malmo").get(f"/arenden/{case.public_id}/")
    assert 'data-testid="override"' in page.content.decode()
    ok = _grant(gc, case, {"override_checks": ["requester_competent"],
                           "override_reason": "Chefsöverläkaren har bekräftat begäran per telefon och skickar den."})
    assert ok.status_code == 200, ok.content
    case.refresh_from_db()
    event = case.events.get(action="grant")
    assert event.data["override"]["checks"] == ["requester_competent"]
    assert "Beviljad trots brist" in event.text


def test_the_override_through_the_web_form(demo, actor_of, login_client):
    case = _submit(actor_of, "soc.malmo", LPT_RETURN)
    c = login_client("gc.malmo")
    c.post(f"/arenden/{case.public_id}/bevilja/", {
        "override_checks": ["requester_competent"],
        "override_reason": "Chefsöverläkaren har bekräftat begäran per telefon och skickar den."})
    case.refresh_from_db()
    assert case.state == rules.GRANTED
