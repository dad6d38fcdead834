"""The request list's rows, read with values() and served without validating each again: what an item
shows (citation out of the review, the person masked as the identity rules say) and that a page is exactly
what its documented schema would have served."""

from __future__ import annotations

import json

import pytest
from pydantic import TypeAdapter

from bitrade.assistance.tests.bulk import open_cases
from bitrade.common.jsonout import ApiRenderer
from bitrade.intake.models import AssistanceRequest
from bitrade.intake.schemas import RequestListItemOut

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(demo, api_key_for):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_key_for('Socialnämnden Malmö stad')}"}


def _items(client, **headers) -> dict[str, dict]:
    r = client.get("/api/v1/requests?limit=200", **headers)
    assert r.status_code == 200, r.content[:300]
    return {item["reference_number"]: item for item in r.json()}


def test_what_a_list_item_shows_to_each_reader(client, key, login_client):
    cases = open_cases(6)
    reqs = {r.case_id: r for r in AssistanceRequest.objects.filter(case__in=cases)}
    AssistanceRequest.objects.filter(pk=reqs[cases[1].pk].pk).update(review={"legal_basis": {"citation": "3 § LVM"}})
    AssistanceRequest.objects.filter(pk=reqs[cases[2].pk].pk).update(review={})
    AssistanceRequest.objects.filter(pk=reqs[cases[3].pk].pk).update(review={"legal_basis": {"citation": None}})
    ref = [c.reference_number for c in cases]
    requester = _items(client, **key)
    assert requester[ref[0]]["citation"] == "43 § första stycket 2 LVU"
    assert requester[ref[1]]["citation"] == "3 § LVM"
    assert requester[ref[2]]["citation"] is None and requester[ref[3]]["citation"] is None
    # open_cases protects every fifth person: the requester and the handling unit see the name, the RLC not.
    assert requester[ref[0]]["person_name"] == "Person 0" and requester[ref[0]]["protected_identity"] is True
    assert _items(login_client("gc.malmo"))[ref[0]]["person_name"] == "Person 0"
    rlc = _items(login_client("rlc.syd"))
    assert rlc[ref[0]]["person_name"] == "Skyddad identitet" and rlc[ref[1]]["person_name"] == "Person 1"
    assert requester[ref[1]]["status_label"] == cases[1].state_label and requester[ref[1]]["unit"] == cases[1].unit.name


def test_the_lean_list_page_is_what_its_schema_serves(client, key):
    open_cases(12)
    r = client.get("/api/v1/requests?limit=10", **key)
    assert r.status_code == 200 and r["ETag"] and "rel=\"next\"" in r["Link"]
    served = r.json()
    validated = TypeAdapter(list[RequestListItemOut]).validate_python(served)
    assert len(validated) == 10
    as_schema = json.loads(ApiRenderer().render(None, [row.model_dump() for row in validated], response_status=200))
    assert served == as_schema
    assert [list(item) for item in served] == [list(RequestListItemOut.model_fields)] * 10
