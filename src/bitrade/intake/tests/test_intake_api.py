"""POST /api/v1/requests end to end: validation, review, routing, storage, audit, outbox, idempotency."""

from __future__ import annotations

import base64
import uuid

import pytest

from bitrade.audit.models import AuditEvent
from bitrade.intake.models import AssistanceRequest, CompletionQuestion
from bitrade.organisation.demo import DEMO_API_KEY
from bitrade.outbox.models import OutboxMessage

from .helpers import LPT_RETURN, LVU_CARE, PDF, body

pytestmark = pytest.mark.django_db


def post(client, payload, key=DEMO_API_KEY, idem=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    if idem is not False:
        headers["HTTP_IDEMPOTENCY_KEY"] = idem or str(uuid.uuid4())
    return client.post("/api/v1/requests", payload, content_type="application/json", **headers)


def test_lvu_request_from_social_services_is_admissible_and_routed(demo, client):
    r = post(client, LVU_CARE)
    assert r.status_code == 201, r.json()
    d = r.json()
    assert d["review_outcome"] == "admissible"
    assert d["status"] == "received"
    assert d["case_code"] == "618"  # a request from a municipality (the report, section Dokumentation)
    assert d["routing"]["region"] == "Region Syd"
    assert d["routing"]["unit"] in {"Handräckningsgrupp Malmö", "Stationsbefäl Malmö", "RLC Syd"}
    assert d["routing"]["reasons"]
    req = AssistanceRequest.objects.get(public_id=d["id"])
    assert req.case.reference_number.startswith("HR-SYD-")
    assert req.attachments.get().sha256
    assert AuditEvent.objects.filter(action="request.submitted", object_id=str(req.pk)).exists()
    assert OutboxMessage.objects.filter(object_id=str(req.case_id), event="request.routed").exists()
    assert AuditEvent.objects.filter(action="api_key.used").exists()


def test_same_idempotency_key_returns_the_same_case(demo, client):
    key = str(uuid.uuid4())
    first = post(client, LVU_CARE, idem=key)
    again = post(client, LVU_CARE, idem=key)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert AssistanceRequest.objects.filter(public_id=first.json()["id"]).count() == 1
    assert AssistanceRequest.objects.count() == 1


def test_same_key_with_a_different_body_is_a_conflict(demo, client):
    key = str(uuid.uuid4())
    post(client, LVU_CARE, idem=key)
    r = post(client, body(LVU_CARE, measures="Något helt annat som polisen ska göra."), idem=key)
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "Idempotency-Key"


def test_missing_idempotency_key_is_refused(demo, client):
    r = post(client, LVU_CARE, idem=False)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "Idempotency-Key"
    assert r.json()["errors"][0]["message"] == "Fältet är obligatoriskt."
    assert AssistanceRequest.objects.count() == 0


@pytest.mark.parametrize("changes, field, words", [
    ({"person__identity_number": "19900101-0018"}, "person.identity_number", "Ogiltigt personnummer"),
    ({"location__municipality_code": "9999"}, "location.municipality_code", "Okänd kommunkod: 9999"),
    ({"location__municipality_code": "12a0"}, "location.municipality_code", ""),
    ({"measures": ""}, "measures", "kort"),
    ({"urgency": "asap"}, "urgency", "tillåtna"),
    ({"requester__role": "janitor"}, "requester.role", "tillåtna"),
    ({"requester__phone": "ring mig"}, "requester.phone", "telefonnummer"),
    ({"legal_basis": "paragrafen om polisen"}, "legal_basis", "kunde inte tolkas"),
    ({"person__birth_date": None}, "person", "födelsedatum"),
    ({"attachments": [{"kind": "care_decision", "filename": "x.exe",
                       "content_base64": base64.b64encode(b"MZ\x90\x00 not a document").decode()}]},
     "attachments.0.content_base64", "godtagbar handling"),
    ({"attachments": [{"kind": "care_decision", "filename": "x.pdf", "content_base64": "***"}]},
     "attachments.0.content_base64", "base64"),
])
def test_bad_input_names_the_field_in_swedish_and_stores_nothing(demo, client, changes, field, words):
    r = post(client, body(LVU_CARE, **changes))
    assert r.status_code in (400, 422), r.content
    errors = r.json()["errors"]
    assert any(e["field"] == field and words in e["message"] for e in errors), errors
    assert AssistanceRequest.objects.count() == 0
    assert CompletionQuestion.objects.count() == 0


def test_too_large_attachment_is_refused(demo, client, settings):
    big = PDF + b"0" * (10 * 1024 * 1024)
    r = post(client, body(LVU_CARE, attachments=[{"kind": "care_decision", "filename": "stor.pdf",
                                                  "content_base64": base64.b64encode(big).decode()}]))
    assert r.status_code == 422
    assert AssistanceRequest.objects.count() == 0


def test_malformed_json_is_a_422_not_a_500(demo, client):
    r = client.post("/api/v1/requests", "{nope", content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {DEMO_API_KEY}", HTTP_IDEMPOTENCY_KEY="x")
    assert r.status_code in (400, 422)


def test_no_key_is_401_and_revoked_key_is_401(demo, client, api_key_for, actor_of):
    from bitrade.organisation.models import ApiKey
    from bitrade.organisation.services import revoke_api_key

    assert client.post("/api/v1/requests", LVU_CARE, content_type="application/json").status_code == 401
    key = api_key_for("Socialnämnden Stockholms stad")
    revoke_api_key(actor_of("admin"), ApiKey.objects.get(prefix=key.split("_")[1]))
    assert post(client, LVU_CARE, key=key).status_code == 401


def test_incomplete_citation_becomes_a_completion_question_answered_in_the_same_case(demo, client):
    """A clinic's system sends "47 § LPT"; the requester answers with the point; the case is complete."""
    from bitrade.common.actor import SYSTEM_ACTOR
    from bitrade.organisation.models import RequestingOrganisation
    from bitrade.organisation.services import issue_api_key

    clinic = RequestingOrganisation.objects.get(name__startswith="Vuxenpsykiatri Malmö")
    key = issue_api_key(SYSTEM_ACTOR, clinic, "journal")[1]
    r = post(client, body(LPT_RETURN, legal_basis="47 § LPT"), key=key)
    assert r.status_code == 201, r.json()
    d = r.json()
    assert d["review_outcome"] == "needs_completion" and d["status"] == "completion_requested"
    q = next(q for q in d["questions"] if q["check_code"] == "legal_basis_valid")
    assert "47 § andra stycket" in q["question"]
    r2 = client.post(f"/api/v1/requests/{d['id']}/completion",
                     {"answers": [{"question_id": q["id"], "answer": "Punkt 3: patienten har avvikit."}],
                      "legal_basis": "47 § andra stycket 3 LPT"},
                     content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}",
                     HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert r2.status_code == 200, r2.json()
    d2 = r2.json()
    assert d2["id"] == d["id"]
    assert d2["review_outcome"] == "admissible" and d2["status"] == "received"
    assert d2["citation"] == "47 § andra stycket 3 LPT"
    assert AssistanceRequest.objects.count() == 1


def test_missing_police_powers_reason_asks_the_statutory_question(demo, client):
    from bitrade.common.actor import SYSTEM_ACTOR
    from bitrade.organisation.models import RequestingOrganisation
    from bitrade.organisation.services import issue_api_key

    clinic = RequestingOrganisation.objects.get(name__startswith="Vuxenpsykiatri Malmö")
    key = issue_api_key(SYSTEM_ACTOR, clinic, "journal")[1]
    d = post(client, body(LPT_RETURN, police_powers_reason=""), key=key).json()
    assert d["review_outcome"] == "needs_completion"
    q = next(q for q in d["questions"] if q["check_code"] == "conditions_stated")
    assert "polisens särskilda befogenheter" in q["question"] and "47 § tredje stycket LPT" in q["question"]


def test_incompetent_requester_is_stored_as_inadmissible_for_the_police_to_refuse(demo, client):
    """Social services cannot request under LPT: the request is kept (never lost) and marked inadmissible."""
    d = post(client, body(LPT_RETURN, requester__role="social_services_official")).json()
    assert d["review_outcome"] == "inadmissible"
    failed = [c for c in d["checks"] if not c["ok"]]
    assert any(c["code"] == "requester_competent" and c["citation"] for c in failed)


def test_openapi_document_is_published(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert "/api/v1/requests" in doc["paths"]
    assert "RequestIn" in doc["components"]["schemas"]
