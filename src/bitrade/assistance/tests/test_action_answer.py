"""The answer to a case action through the API is the case as a fresh read shows it, and the read that
the action made is on record once, in the step's request, before the step's own event."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from bitrade.audit.models import AuditEvent
from bitrade.intake import services as intake
from bitrade.intake.schemas import RequestIn
from bitrade.intake.tests.helpers import LPT_RETURN
from bitrade.organisation.models import Person

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 6, 17, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))

STEPS = [
    ("acknowledge", {}),
    ("assess_risk", {"risk_level": "medium", "risk_assessment": "Hot tidigare."}),
    ("inform_requester", {"channel": "telefon", "note": "Meddelat avdelningen."}),
    ("grant", {"reason": "Förutsättningarna är uppfyllda."}),
    ("assign", {"resource": "Bil 2110"}),
    ("start_execution", {}),
    ("record_not_found", {"notes": "Ingen öppnade."}),
    ("inform_requester", {"channel": "e-post", "note": "Personen påträffades inte."}),
]


@pytest.fixture
def police(demo):
    c = Client()
    c.force_login(Person.objects.get(username="gc.malmo"))
    return c


@pytest.fixture
def case(actor_of):
    return intake.submit_request(actor_of("overlakare.malmo"), RequestIn.model_validate(LPT_RETURN),
                                 idempotency_key=str(uuid.uuid4()), now=T0).request.case


def _post(client, case, name, payload, key=None):
    return client.post(f"/api/v1/cases/{case.public_id}/actions/{name}", payload, content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY=key or str(uuid.uuid4()))


def test_each_answer_is_what_a_fresh_read_of_the_case_shows(police, case):
    seen_states = set()
    for name, payload in STEPS:
        r = _post(police, case, name, payload)
        assert r.status_code == 200, (name, r.content)
        fresh = police.get(f"/api/v1/cases/{case.public_id}")
        assert fresh.status_code == 200, name
        assert r.json() == fresh.json(), name
        seen_states.add(r.json()["state"])
    assert len(seen_states) >= 4  # the steps moved the case along, and the answers followed


def test_the_read_of_an_action_is_on_record_once_before_its_step(police, case):
    before = AuditEvent.objects.count()
    r = _post(police, case, "inform_requester", {"channel": "telefon", "note": "Meddelat."}, key="k-1")
    assert r.status_code == 200
    events = list(AuditEvent.objects.order_by("pk")[before:])
    reads = [e for e in events if e.action == "read"]
    assert len(reads) == 1
    read = reads[0]
    assert read.object_type == "cases.case" and read.object_id == str(case.pk)
    assert read.reason == "inform_requester" and read.new == {"ids": [str(case.pk)], "count": 1}
    step = next(e for e in events if e.action == "case.requester_informed")
    assert read.pk < step.pk and read.request_id == step.request_id and read.occurred_at <= step.occurred_at
    # A retry with the same key answers the same, and its read is on record too (no write came: on its own).
    again = _post(police, case, "inform_requester", {"channel": "telefon", "note": "Meddelat."}, key="k-1")
    assert again.status_code == 200 and again.json() == r.json()
    assert AuditEvent.objects.filter(pk__gt=events[-1].pk, action="read", reason="inform_requester").count() == 1
    assert AuditEvent.objects.filter(action="case.requester_informed").count() == 1


def test_a_refused_step_keeps_its_read_and_its_refusal_on_record(police, case):
    r = _post(police, case, "record_not_found", {"notes": "x"})  # not yet assigned: refused by the rules
    assert r.status_code == 409, r.content
    assert AuditEvent.objects.filter(action="read", reason="record_not_found", object_id=str(case.pk)).count() == 1
    assert AuditEvent.objects.filter(action="case.not_found", result="refused").count() == 1


def test_another_unit_is_refused_and_the_refusal_is_on_record(demo, case):
    other = Client()
    other.force_login(Person.objects.get(username="sb.stockholm"))
    r = _post(other, case, "inform_requester", {"channel": "telefon", "note": "Meddelat."})
    assert r.status_code == 404
    assert AuditEvent.objects.filter(action="case.read_refused", object_id=str(case.public_id)).count() == 1
    assert not AuditEvent.objects.filter(action="read", reason="inform_requester").exists()


def test_an_answer_written_at_a_moment_under_a_millisecond_past_reads_as_a_fresh_read(police, case, monkeypatch):
    # 12:51:34.000412: the answer is stored as JSON and read back (…34.000Z, then 12:51:34.000000); a fresh
    # read writes the event from the database (12:51:34.000412). Both must read the same.
    from django.utils import timezone

    moment = datetime(2026, 12, 5, 12, 51, 34, 412, tzinfo=ZoneInfo("UTC"))
    monkeypatch.setattr(timezone, "now", lambda: moment)
    r = _post(police, case, "acknowledge", {})
    assert r.status_code == 200
    fresh = police.get(f"/api/v1/cases/{case.public_id}")
    assert r.json() == fresh.json()
    assert r.json()["timeline"][-1]["at"] == "2026-12-05T12:51:34Z"
