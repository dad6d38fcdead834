"""A completion retried with the same Idempotency-Key gets the stored answer, not a second completion."""

from __future__ import annotations

import uuid

import pytest

from bitrade.audit.models import AuditEvent
from bitrade.intake.models import AssistanceRequest

from .helpers import LPT_RETURN, body
from .test_intake_api import post

pytestmark = pytest.mark.django_db


def _incomplete(client):
    from bitrade.common.actor import SYSTEM_ACTOR
    from bitrade.organisation.models import RequestingOrganisation
    from bitrade.organisation.services import issue_api_key

    clinic = RequestingOrganisation.objects.get(name__startswith="Vuxenpsykiatri Malmö")
    key = issue_api_key(SYSTEM_ACTOR, clinic, "journal")[1]
    d = post(client, body(LPT_RETURN, legal_basis="47 § LPT"), key=key).json()
    q = next(q for q in d["questions"] if q["check_code"] == "legal_basis_valid")
    answer = {"answers": [{"question_id": q["id"], "answer": "Punkt 3: patienten har avvikit."}],
              "legal_basis": "47 § andra stycket 3 LPT"}
    return d, key, answer


def _complete(client, d, key, answer, idem):
    return client.post(f"/api/v1/requests/{d['id']}/completion", answer, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_IDEMPOTENCY_KEY=idem)


def test_completion_retried_with_the_same_key_returns_the_stored_answer(demo, client):
    d, key, answer = _incomplete(client)
    idem = str(uuid.uuid4())
    first = _complete(client, d, key, answer, idem)
    again = _complete(client, d, key, answer, idem)
    assert first.status_code == 200, first.json()
    assert again.status_code == 200, again.json()  # not 409/422 "the request is not waiting for completion"
    assert again.json() == first.json()
    assert AuditEvent.objects.filter(action="request.completed",
                                     object_id=str(AssistanceRequest.objects.get().pk)).count() == 1


def test_completion_key_reused_for_another_answer_is_a_conflict(demo, client):
    d, key, answer = _incomplete(client)
    idem = str(uuid.uuid4())
    assert _complete(client, d, key, answer, idem).status_code == 200
    other = {**answer, "legal_basis": "47 § andra stycket 2 LPT"}
    r = _complete(client, d, key, other, idem)
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "Idempotency-Key"


def test_a_new_key_after_completion_is_told_the_request_is_not_waiting(demo, client):
    d, key, answer = _incomplete(client)
    assert _complete(client, d, key, answer, str(uuid.uuid4())).status_code == 200
    r = _complete(client, d, key, answer, str(uuid.uuid4()))
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "status"
