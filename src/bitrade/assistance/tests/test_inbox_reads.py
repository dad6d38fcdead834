"""The inbox and the case at scale: a fixed number of queries whatever the page size, cursor pages that
stay stable when cases arrive, and conditional requests (200 → 304 → change → 200) that write nothing on
a 304."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from bitrade.assistance import services as assistance
from bitrade.assistance.tests.bulk import open_cases
from bitrade.audit.models import AuditEvent
from bitrade.cases import services as case_services
from bitrade.cases.models import Case

pytestmark = pytest.mark.django_db


@pytest.fixture
def police(demo, login_client):
    return login_client("gc.malmo")


def count(client, url, **headers) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url, **headers)
    assert r.status_code == 200, r.content[:300]
    return len(ctx.captured_queries), r


def test_inbox_api_runs_the_same_queries_for_a_page_of_1_and_of_100(police):
    open_cases(120)
    police.get("/api/v1/cases?limit=2")  # the read mark exists: both pages below take the same path
    one, r1 = count(police, "/api/v1/cases?limit=1")
    hundred, r100 = count(police, "/api/v1/cases?limit=100")
    assert len(r1.json()) == 1 and len(r100.json()) == 100
    assert one == hundred


@pytest.mark.parametrize("url", ["/arenden/inkorg/", "/"])
def test_inbox_fragment_and_start_page_run_the_same_queries_for_1_and_100_cases(police, url):
    open_cases(1)
    police.get(url)
    open_cases(1, start=1)
    few, r_few = count(police, url)
    open_cases(98, start=2)
    many, r_many = count(police, url)
    assert r_few.content.decode().count("HR-T-") == 2 and r_many.content.decode().count("HR-T-") == 100
    assert few == many


def test_inbox_api_pages_with_a_cursor_stable_under_inserts(police):
    original = {str(c.public_id) for c in open_cases(30)}
    first = police.get("/api/v1/cases?limit=10")
    assert first.status_code == 200 and 'rel="next"' in first["Link"]
    seen = [row["id"] for row in first.json()]
    open_cases(5, start=100)  # new cases arrive between pages
    cursor = first["X-Next-Cursor"]
    while cursor:
        page = police.get(f"/api/v1/cases?limit=10&cursor={cursor}")
        assert page.status_code == 200
        seen += [row["id"] for row in page.json()]
        cursor = page.get("X-Next-Cursor")
    assert len(seen) == len(set(seen))  # nothing twice
    assert original <= set(seen)  # nothing skipped (new cases show where their urgency puts them)


def test_inbox_api_order_is_the_urgency_order(police):
    open_cases(40)
    rows = police.get("/api/v1/cases?limit=200").json()
    cases = {str(c.public_id): c for c in Case.objects.all()}
    keys = [(cases[r["id"]].priority is None, cases[r["id"]].priority or 9, cases[r["id"]].acknowledged_at is not None,
             cases[r["id"]].ack_due_at or cases[r["id"]].received_at) for r in rows]
    assert keys == sorted(keys)


@pytest.mark.parametrize("cursor, field", [("inte-en-markör", "cursor"), ("W10", "cursor")])
def test_a_bad_cursor_is_a_422_naming_the_field(police, cursor, field):
    r = police.get(f"/api/v1/cases?cursor={cursor}")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == field


@pytest.mark.parametrize("limit", [0, 201])
def test_limit_out_of_range_is_a_422(police, limit):
    r = police.get(f"/api/v1/cases?limit={limit}")
    assert r.status_code == 422 and "limit" in str(r.json())


def _round_trip(client, url, change):
    """200 with an ETag → 304 with it and no audit event → a change → 200 with a new ETag."""
    first = client.get(url)
    assert first.status_code == 200 and first["ETag"].startswith('W/"')
    events = AuditEvent.objects.count()
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == first["ETag"]
    assert AuditEvent.objects.count() == events  # a 304 shows nothing and writes nothing
    change()
    after = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200 and after["ETag"] != first["ETag"]
    return first, after


def test_inbox_api_etag_round_trip(police, actor_of):
    case = open_cases(3)[1]
    _round_trip(police, "/api/v1/cases", lambda: assistance.acknowledge(actor_of("gc.malmo"), case))


def test_inbox_fragment_etag_round_trip_and_the_page_hands_its_etag_to_the_first_poll(police, actor_of):
    cases = open_cases(3)
    page = police.get("/").content.decode()
    first, after = _round_trip(police, "/arenden/inkorg/", lambda: open_cases(1, start=50))
    assert f'data-etag="{escape(first["ETag"])}"' in page  # the first poll already gets its 304
    assert "data-conditional" in page and cases[0].reference_number in after.content.decode()


def test_a_case_leaving_the_inbox_changes_its_etag(police, actor_of):
    cases = open_cases(3)
    first = police.get("/arenden/inkorg/")
    Case.objects.filter(pk=cases[0].pk).update(state="closed")  # even without touching updated_at
    assert police.get("/arenden/inkorg/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_the_parts_of_a_widened_scope_merge_into_one_order_each_case_once(demo, login_client, actor_of):
    """The RLC's inbox is its unit's cases and its region's, each read in order by its own query: the
    pages of the merge are in the urgency order, hold each case once, and the cursor pages through all."""
    rlc_unit = actor_of("rlc.syd").unit_id
    cases = open_cases(30)
    Case.objects.filter(pk__in=[c.pk for c in cases[::3]]).update(unit_id=rlc_unit)  # in both parts
    rlc = login_client("rlc.syd")
    seen, cursor = [], None
    while True:
        page = rlc.get("/api/v1/cases?limit=7" + (f"&cursor={cursor}" if cursor else ""))
        assert page.status_code == 200
        seen += [row["id"] for row in page.json()]
        cursor = page.get("X-Next-Cursor")
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 30
    by_id = {str(c.public_id): c for c in Case.objects.filter(pk__in=[c.pk for c in cases])}
    keys = [(by_id[i].inbox_urgency, by_id[i].inbox_due, by_id[i].public_id) for i in seen]
    assert keys == sorted(keys)


def test_a_change_in_a_widened_part_of_the_scope_changes_the_etag(demo, login_client, actor_of):
    """The ETag is built per part of the scope (the unit's own cases; each kind's widening): the region's
    RLC sees a case routed to another unit of its region, and a change to it changes the RLC's ETag."""
    case = open_cases(2)[1]
    rlc = login_client("rlc.syd")
    first = rlc.get("/api/v1/cases")
    assert first.status_code == 200 and str(case.public_id) in first.content.decode()
    assert rlc.get("/api/v1/cases", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assistance.acknowledge(actor_of("gc.malmo"), case)
    assert rlc.get("/api/v1/cases", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


@pytest.mark.parametrize("what", ["acknowledged", "a timeline step alone"])
def test_case_detail_api_etag_round_trip(police, actor_of, what):
    case = open_cases(2)[1]
    gc = actor_of("gc.malmo")
    change = ((lambda: assistance.acknowledge(gc, case)) if what == "acknowledged"
              else (lambda: case_services.event(case, gc, "note", "En anteckning.")))
    _, after = _round_trip(police, f"/api/v1/cases/{case.public_id}", change)
    assert after.json()["timeline"]


def test_the_etag_is_per_actor(demo, client, login_client, actor_of):
    case = open_cases(1)[0]
    own = login_client("gc.malmo").get(f"/api/v1/cases/{case.public_id}")
    rlc = login_client("rlc.syd")
    assert rlc.get(f"/api/v1/cases/{case.public_id}", HTTP_IF_NONE_MATCH=own["ETag"]).status_code == 200


def test_no_304_for_a_case_the_actor_may_not_see(demo, login_client):
    case = open_cases(1)[0]
    r = login_client("rlc.nord").get(f"/api/v1/cases/{case.public_id}", HTTP_IF_NONE_MATCH="*")
    assert r.status_code == 404
    assert AuditEvent.objects.filter(action="case.read_refused", object_id=str(case.public_id)).exists()


def test_html_and_json_are_compressed(police):
    open_cases(50)
    for url in ("/api/v1/cases?limit=100", "/arenden/inkorg/", "/"):
        r = police.get(url, HTTP_ACCEPT_ENCODING="gzip")
        assert r.status_code == 200 and r["Content-Encoding"] == "gzip", url
        assert "Accept-Encoding" in r["Vary"]


@pytest.mark.parametrize("url", ["/api/v1/cases?limit=100", "/arenden/inkorg/"])
def test_a_client_that_accepts_brotli_gets_brotli_that_decodes_to_the_same_answer(police, url):
    import brotli

    open_cases(50)
    plain = police.get(url, HTTP_ACCEPT_ENCODING="identity")
    assert plain.status_code == 200 and not plain.has_header("Content-Encoding")
    r = police.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert r.status_code == 200 and r["Content-Encoding"] == "br" and "Accept-Encoding" in r["Vary"]
    body = brotli.decompress(r.content)
    assert len(r.content) < len(body) and int(r["Content-Length"]) == len(r.content)
    if url.startswith("/api/"):
        assert json.loads(body) == plain.json()
    else:  # the same rows (the page's CSRF token is masked afresh on every answer)
        assert body.decode().count("<tr>") == plain.content.decode().count("<tr>") > 50
    refused = police.get(url, HTTP_ACCEPT_ENCODING="br;q=0, gzip")
    assert refused["Content-Encoding"] == "gzip"
