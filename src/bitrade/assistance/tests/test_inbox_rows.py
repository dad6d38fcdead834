"""What a handräckning inbox row shows, read from the row's values (no model instances): the legal basis's
citation out of the review (else the request's own text), the person (a protected identity only to the
handling unit), the phoned request's confirmation note; and the API's lean page is exactly what its
documented schema would have served."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from pydantic import TypeAdapter

from bitrade.assistance.tests.bulk import open_cases
from bitrade.cases.api import InboxRowOut
from bitrade.common.jsonout import ApiRenderer
from bitrade.intake.models import AssistanceRequest
from bitrade.web.templatetags.glossary import due_in_words

pytestmark = pytest.mark.django_db


def _rows(client) -> dict[str, dict]:
    r = client.get("/api/v1/cases?limit=200")
    assert r.status_code == 200, r.content[:300]
    return {row["reference_number"]: row for row in r.json()}


def test_citation_person_and_note_of_a_row(demo, login_client):
    cases = open_cases(6)
    reqs = {r.case_id: r for r in AssistanceRequest.objects.filter(case__in=cases)}
    AssistanceRequest.objects.filter(pk=reqs[cases[1].pk].pk).update(
        review={"legal_basis": {"citation": "3 § LVM"}, "other": {"big": list(range(50))}})
    AssistanceRequest.objects.filter(pk=reqs[cases[2].pk].pk).update(review={}, legal_basis_text="Egen text")
    AssistanceRequest.objects.filter(pk=reqs[cases[3].pk].pk).update(review={"legal_basis": "ingen"},
                                                                      legal_basis_text="")
    due = timezone.now() + timedelta(hours=3)
    AssistanceRequest.objects.filter(pk=reqs[cases[4].pk].pk).update(oral_confirmation_due_at=due)
    handling, rlc = _rows(login_client("gc.malmo")), _rows(login_client("rlc.syd"))

    ref = [c.reference_number for c in cases]
    assert handling[ref[0]]["citation"] == "43 § första stycket 2 LVU"
    assert handling[ref[1]]["citation"] == "3 § LVM"
    assert handling[ref[2]]["citation"] == "Egen text"
    assert handling[ref[3]]["citation"] == ""
    # open_cases protects every fifth person: the handling unit sees the name, the region's RLC does not.
    assert handling[ref[0]]["person_name"] == "Person 0" and rlc[ref[0]]["person_name"] == "Skyddad identitet"
    assert handling[ref[1]]["person_name"] == rlc[ref[1]]["person_name"] == "Person 1"
    assert handling[ref[1]]["priority_label"] == "3 – närtid" and handling[ref[0]]["priority_label"] == "Polisområdet"

    page = login_client("gc.malmo").get("/arenden/inkorg/", HTTP_HX_REQUEST="true").content.decode()
    assert f"skriftlig bekräftelse senast {timezone.localtime(due):%Y-%m-%d %H.%M}" in page
    assert page.count("skriftlig bekräftelse senast") == 1
    # The arrival in local time and the acknowledgement deadline in words, as the glossary's filters write them.
    assert f"<td>{timezone.localtime(cases[1].received_at):%Y-%m-%d %H:%M}</td>" in page
    assert f'<span class="status warn">{due_in_words(cases[1].ack_due_at)}</span>' in page


def test_the_lean_inbox_page_is_what_its_schema_serves(demo, login_client):
    """The inbox API renders its rows without validating each again; a page must still be exactly what the
    documented ``list[InboxRowOut]`` would have served (same fields, same types, same JSON)."""
    open_cases(12)
    r = login_client("gc.malmo").get("/api/v1/cases?limit=10")
    assert r.status_code == 200 and r["ETag"] and "rel=\"next\"" in r["Link"]
    served = r.json()
    validated = TypeAdapter(list[InboxRowOut]).validate_python(served)
    assert len(validated) == 10
    as_schema = json.loads(ApiRenderer().render(None, [row.model_dump() for row in validated], response_status=200))
    assert served == as_schema
    assert [list(row) for row in served] == [list(InboxRowOut.model_fields)] * 10
