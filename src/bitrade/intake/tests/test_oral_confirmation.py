"""An oral request must be confirmed in writing: the confirmation deadline is stored and swept; the
unit and the requester are reminded, then the RLC; a recorded confirmation ends it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from bitrade.assistance.tests.test_escalation import WEDNESDAY_10
from bitrade.deadlines import services as deadlines
from bitrade.deadlines.models import Deadline
from bitrade.intake import services
from bitrade.intake.schemas import RequestIn
from bitrade.intake.tests.helpers import LVU_CARE, body
from bitrade.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db


def _oral(actor_of, oral=True):
    data = body(LVU_CARE, oral_request=oral, requester__email="lina.persson@malmo.example")
    return services.submit_request(actor_of("soc.malmo"), RequestIn.model_validate(data),
                                   idempotency_key=f"oral-{oral}", now=WEDNESDAY_10).request


def test_a_written_request_has_no_confirmation_deadline(demo, actor_of):
    req = _oral(actor_of, oral=False)
    assert not Deadline.objects.filter(kind=services.ORAL_CONFIRMATION_DEADLINE, object_id=str(req.pk)).exists()


def test_an_unconfirmed_oral_request_reminds_then_escalates_once(demo, actor_of):
    req = _oral(actor_of)
    case = req.case
    d = Deadline.objects.get(kind=services.ORAL_CONFIRMATION_DEADLINE, object_id=str(req.pk))
    assert d.due_at == WEDNESDAY_10 + timedelta(hours=services.ORAL_CONFIRMATION_HOURS) == req.oral_confirmation_due_at
    # Keep the acknowledgement escalation (a different duty) out of this test.
    Deadline.objects.filter(kind="case.ack").update(due_at=d.due_at + timedelta(days=1))
    deadlines.sweep(now=d.due_at + timedelta(minutes=1))
    event = case.events.get(action="oral_unconfirmed")
    assert event.public is False and "inte bekräftad" in event.text
    sent = OutboxMessage.objects.filter(event="request.oral_unconfirmed")
    assert set(sent.values_list("recipient", flat=True)) == {case.unit.email, "lina.persson@malmo.example"}
    deadlines.sweep(now=d.due_at + timedelta(minutes=31))
    deadlines.sweep(now=d.due_at + timedelta(hours=3))
    assert case.events.filter(action="oral_unconfirmed_escalated").count() == 1
    assert OutboxMessage.objects.filter(event="request.oral_unconfirmed_escalated", recipient="rlc.syd@polisen.example").count() == 1


def test_the_written_confirmation_cancels_the_reminder(demo, actor_of):
    req = _oral(actor_of)
    with pytest.raises(PermissionDenied):
        services.confirm_oral_request(actor_of("nte.syd"), req)
    req = services.confirm_oral_request(actor_of("soc.malmo"), req, note="Skriftlig begäran inkom per e-post.",
                                        now=WEDNESDAY_10 + timedelta(hours=2))
    assert req.oral_confirmed_at == WEDNESDAY_10 + timedelta(hours=2)
    d = Deadline.objects.get(kind=services.ORAL_CONFIRMATION_DEADLINE, object_id=str(req.pk))
    assert d.state == "cancelled"
    assert req.case.events.filter(action="oral_confirmed", public=False).count() == 1
    deadlines.sweep(now=req.oral_confirmation_due_at + timedelta(hours=1))
    assert not req.case.events.filter(action__startswith="oral_unconfirmed").exists()


def test_the_requester_confirms_through_the_api(demo, client):
    from bitrade.intake.tests.test_intake_api import post
    from bitrade.organisation.demo import DEMO_API_KEY

    created = post(client, body(LVU_CARE, oral_request=True))
    assert created.status_code == 201, created.json()
    request_id = created.json()["id"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {DEMO_API_KEY}"}
    missing_key = client.post(f"/api/v1/requests/{request_id}/oral-confirmation", **auth)
    assert missing_key.status_code == 422 and missing_key.json()["errors"][0]["field"] == "Idempotency-Key"
    auth["HTTP_IDEMPOTENCY_KEY"] = "bekr-1"
    r = client.post(f"/api/v1/requests/{request_id}/oral-confirmation", **auth)
    assert r.status_code == 200, r.json()
    again = client.post(f"/api/v1/requests/{request_id}/oral-confirmation", **auth)
    assert again.status_code == 200 and again.json() == r.json()
    d = Deadline.objects.get(kind=services.ORAL_CONFIRMATION_DEADLINE)
    assert d.state == "cancelled"
    written = post(client, LVU_CARE).json()["id"]
    auth["HTTP_IDEMPOTENCY_KEY"] = "bekr-2"
    r = client.post(f"/api/v1/requests/{written}/oral-confirmation", **auth)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "oral_request"
