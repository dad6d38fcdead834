"""Requests at scale: the list and the requester's start page in a fixed number of queries, lean list
items with a link to the detail, cursor pages, and conditional reads of the list and the detail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bitrade.assistance import services as assistance
from bitrade.assistance.tests.bulk import open_cases
from bitrade.audit.models import AuditEvent
from bitrade.cases.models import Case
from bitrade.intake.models import AssistanceRequest, CompletionQuestion

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(demo, api_key_for):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_key_for('Socialnämnden Malmö stad')}"}


def count(client, url, **headers):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url, **headers)
    assert r.status_code == 200, r.content[:300]
    return len(ctx.captured_queries), r


def test_request_list_runs_the_same_queries_for_a_page_of_1_and_of_100(client, key):
    open_cases(120)
    CompletionQuestion.objects.bulk_create([CompletionQuestion(request=r, check_code="x", question="?",
                                                               asked_at=timezone.now())
                                            for r in AssistanceRequest.objects.all()[:50]])
    client.get("/api/v1/requests?limit=2", **key)
    one, r1 = count(client, "/api/v1/requests?limit=1", **key)
    hundred, r100 = count(client, "/api/v1/requests?limit=100", **key)
    assert len(r1.json()) == 1 and len(r100.json()) == 100
    assert one == hundred


def test_police_request_list_is_constant_too(demo, login_client):
    open_cases(120)
    police = login_client("rlc.syd")
    police.get("/api/v1/requests?limit=2")
    assert count(police, "/api/v1/requests?limit=1")[0] == count(police, "/api/v1/requests?limit=100")[0]


def test_requester_start_page_runs_the_same_queries_for_1_and_100_requests(demo, login_client):
    soc = login_client("soc.malmo")
    open_cases(1)
    soc.get("/")
    open_cases(1, start=1)
    few, r_few = count(soc, "/")
    open_cases(98, start=2)
    many, r_many = count(soc, "/")
    assert r_few.content.decode().count("HR-T-") == 2 and r_many.content.decode().count("HR-T-") == 100
    assert few == many


def test_list_items_are_lean_and_link_to_the_detail(client, key):
    open_cases(3)
    items = client.get("/api/v1/requests", **key).json()
    assert set(items[0]) == {"id", "url", "reference_number", "status", "status_label", "received_at", "citation",
                             "priority", "unit", "person_name", "protected_identity"}
    detail = client.get(items[0]["url"], **key)
    assert detail.status_code == 200 and {"checks", "questions", "routing"} <= set(detail.json())


def test_request_list_cursor_pages_are_stable_under_inserts(client, key):
    original = {str(r.public_id) for r in AssistanceRequest.objects.filter(case__in=open_cases(25))}
    first = client.get("/api/v1/requests?limit=10", **key)
    seen = [i["id"] for i in first.json()]
    newer = open_cases(5, start=200)  # newer requests arrive: they belong before the first page
    Case.objects.filter(pk__in=[c.pk for c in newer]).update(received_at=timezone.now() + timedelta(hours=1))
    cursor = first["X-Next-Cursor"]
    assert first["Link"].startswith("</api/v1/requests?limit=10&cursor=")
    while cursor:
        page = client.get(f"/api/v1/requests?limit=10&cursor={cursor}", **key)
        seen += [i["id"] for i in page.json()]
        cursor = page.get("X-Next-Cursor")
    assert len(seen) == len(set(seen)) == 25 and set(seen) == original


def test_offset_still_works_for_old_clients(client, key):
    open_cases(5)
    everything = [i["id"] for i in client.get("/api/v1/requests?limit=5", **key).json()]
    assert [i["id"] for i in client.get("/api/v1/requests?limit=2&offset=2", **key).json()] == everything[2:4]


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "offset=-1", "cursor=%21%21"])
def test_bad_paging_is_a_422(client, key, query):
    r = client.get(f"/api/v1/requests?{query}", **key)
    assert r.status_code == 422 and r.json()["errors"][0]["message"]


def test_limits_are_published_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/requests", "/api/v1/cases"):
        params = {p["name"]: p for p in doc["paths"][path]["get"]["parameters"]}
        assert params["limit"]["schema"]["minimum"] == 1 and params["limit"]["schema"]["maximum"] == 200
        assert "cursor" in params
        assert "Link" in doc["paths"][path]["get"]["responses"]["200"]["headers"]


def _round_trip(client, url, change, **headers):
    first = client.get(url, **headers)
    assert first.status_code == 200 and first["ETag"].startswith('W/"')
    events = AuditEvent.objects.count()
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"], **headers)
    assert again.status_code == 304 and again.content == b""
    assert AuditEvent.objects.count() == events  # neither the read nor the key's use: nothing was shown
    change()
    after = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"], **headers)
    assert after.status_code == 200 and after["ETag"] != first["ETag"]


def test_request_detail_etag_round_trip_with_an_api_key(client, key, actor_of):
    case = open_cases(2)[1]
    req = case.assistance_request
    _round_trip(client, f"/api/v1/requests/{req.public_id}", lambda: assistance.acknowledge(actor_of("gc.malmo"), case),
                **key)
    assert AuditEvent.objects.filter(action="api_key.used").exists()  # a served read is still on record


def test_request_detail_etag_changes_with_a_completion_question(client, key):
    req = open_cases(1)[0].assistance_request
    _round_trip(client, f"/api/v1/requests/{req.public_id}", lambda: CompletionQuestion.objects.create(
        request=req, check_code="x", question="Vilket beslut?", asked_at=timezone.now()), **key)


def test_request_list_etag_round_trip(client, key):
    open_cases(3)
    _round_trip(client, "/api/v1/requests", lambda: open_cases(1, start=9), **key)


def test_the_request_etag_is_per_organisation(client, key, api_key_for):
    req = open_cases(1)[0].assistance_request
    own = client.get(f"/api/v1/requests/{req.public_id}", **key)
    other = {"HTTP_AUTHORIZATION": f"Bearer {api_key_for('Socialnämnden Stockholms stad')}"}
    r = client.get(f"/api/v1/requests/{req.public_id}", HTTP_IF_NONE_MATCH=own["ETag"], **other)
    assert r.status_code == 404
