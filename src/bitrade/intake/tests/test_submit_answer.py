"""The answer to a new request is rendered straight from ``request_out`` shaped by ``RequestOut`` (no second
validation): it must be byte for byte what validating it with the schema, as django-ninja does, would give."""

from __future__ import annotations

import json
import uuid

import pytest

from bitrade.common.actor import SYSTEM_ACTOR
from bitrade.common.jsonout import ApiRenderer
from bitrade.intake.models import AssistanceRequest
from bitrade.intake.schemas import RequestOut
from bitrade.intake.serializers import _shape, request_out
from bitrade.organisation.actor import actor_for_api_key
from bitrade.organisation.demo import DEMO_API_KEY
from bitrade.organisation.models import RequestingOrganisation
from bitrade.organisation.services import issue_api_key

from .helpers import LPT_RETURN, LVU_CARE, body


def _post(client, payload, key=DEMO_API_KEY):
    return client.post("/api/v1/requests", payload, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))


def _validated(out: dict) -> bytes:
    """What django-ninja renders for ``out`` declared as ``RequestOut``: validated, dumped, rendered."""
    return ApiRenderer().render(None, RequestOut.model_validate(out).model_dump(), response_status=201)


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["admissible", "with_questions"])
def test_the_answer_is_what_the_schema_would_give(demo, client, case):
    key = DEMO_API_KEY
    payload = LVU_CARE
    if case == "with_questions":
        clinic = RequestingOrganisation.objects.get(name__startswith="Vuxenpsykiatri Malmö")
        key = issue_api_key(SYSTEM_ACTOR, clinic, "journal")[1]
        payload = body(LPT_RETURN, legal_basis="47 § LPT")
    r = _post(client, payload, key)
    assert r.status_code == 201, r.json()
    assert r["Content-Type"] == "application/json; charset=utf-8"
    d = r.json()
    if case == "with_questions":
        assert d["questions"], d
    assert list(d) == list(RequestOut.model_fields)
    assert "internal" in d["routing"] and d["routing"]["internal"] is None  # a schema default, not left out
    req = AssistanceRequest.objects.select_related("case").get(public_id=d["id"])
    actor = actor_for_api_key(req.api_key)
    out = request_out(actor, req, audit_read=False)
    rendered = ApiRenderer().render(None, _shape(out, RequestOut), response_status=201)
    assert rendered == _validated(out)
    assert json.loads(rendered) == d


def test_shape_keeps_the_declared_fields_only_and_fills_defaults():
    out = {"id": "x", "reference_number": "HR-1", "status": "received", "status_label": "Mottagen",
           "received_at": "2026-01-01T00:00:00Z", "legal_basis": "43 § LVU", "review_outcome": "admissible",
           "checks": [{"code": "c", "ok": True, "message": "m", "extra": 1}], "questions": [],
           "routing": {"region": "r", "unit": "u", "unit_kind": "k", "rule": "", "reasons": []},
           "person_name": "N", "protected_identity": False, "not_declared": 1}
    shaped = _shape(out, RequestOut)
    assert "not_declared" not in shaped and shaped["citation"] is None
    assert shaped["checks"] == [{"code": "c", "ok": True, "message": "m", "citation": None}]
    assert shaped["routing"]["unit_phone"] == "" and shaped["routing"]["internal"] is None
