"""Bad input at every boundary gets a 4xx naming the field in Swedish (never a 500, on both engines):
control characters in text, unbounded list parameters, implausible dates of birth and time windows."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from bitrade.intake.models import AssistanceRequest
from bitrade.organisation.demo import DEMO_API_KEY

from .helpers import LVU_CARE, body

pytestmark = pytest.mark.django_db
AUTH = {"HTTP_AUTHORIZATION": f"Bearer {DEMO_API_KEY}"}

def post(client, payload, url="/api/v1/requests"):
    return client.post(url, payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
                       **AUTH)

def errors_of(response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}

@pytest.mark.parametrize("path, field", [
    ("measures", "measures"), ("person__name", "person.name"), ("requester__name", "requester.name"),
    ("location__address", "location.address"), ("risk_notes", "risk_notes"), ("destination", "destination"),
])
@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f"])
def test_control_characters_in_text_are_refused_with_the_field_named(demo, client, path, field, char):
    r = post(client, body(LVU_CARE, **{path: f"Text med{char}tecken"}))
    assert r.status_code == 422, r.content
    assert "tecken" in errors_of(r)[field]
    assert AssistanceRequest.objects.count() == 0

def test_tab_and_line_breaks_are_kept(demo, client):
    text = "Rad ett\r\nRad två\n\tindragen"
    r = post(client, body(LVU_CARE, measures=text))
    assert r.status_code == 201, r.content
    assert AssistanceRequest.objects.get().measures == text

def test_control_characters_in_a_case_action_are_refused(demo, client, actor_of):
    from bitrade.intake import services as intake
    from bitrade.intake.schemas import RequestIn

    req = intake.submit_request(actor_of("soc.malmo"), RequestIn.model_validate(LVU_CARE),
                                idempotency_key=str(uuid.uuid4())).request

    from bitrade.organisation.models import Person

    client.force_login(Person.objects.get(username="gc.malmo"))
    r = client.post(f"/api/v1/cases/{req.case.public_id}/actions/grant", {"reason": "Beviljas\x00"},
                    content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert r.status_code == 422, r.content
    assert "tecken" in errors_of(r)["reason"]
    req.case.refresh_from_db()
    assert req.case.decision == ""

def test_control_characters_in_the_web_form_are_refused(demo, login_client):
    client = login_client("soc.malmo")
    r = client.post("/begaran/ny/", {"measures": "Hämta\x00", "person.name": "Kim", "form_token": "x"})
    assert 400 <= r.status_code < 500
    page = r.content.decode()
    assert "measures" in page and "tecken" in page
    assert AssistanceRequest.objects.count() == 0

def test_control_characters_in_a_query_string_are_refused(demo, client):
    r = client.get("/api/v1/legal/search", {"q": "lpt\x00"}, **AUTH)
    assert r.status_code == 422, r.content
    assert "tecken" in errors_of(r)["q"]

@pytest.mark.parametrize("query, field", [
    ("offset=99999999999999999999", "offset"), ("offset=-1", "offset"), ("limit=0", "limit"),
    ("limit=201", "limit"), ("limit=99999999999999999999", "limit"),
])
def test_list_parameters_are_bounded(demo, client, query, field):
    r = client.get(f"/api/v1/requests?{query}", **AUTH)
    assert r.status_code == 422, r.content
    assert field in errors_of(r)

def test_list_limits_are_published_in_openapi(demo, client):
    params = {p["name"]: p["schema"] for p in
              client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/requests"]["get"]["parameters"]}
    assert (params["limit"]["minimum"], params["limit"]["maximum"]) == (1, 200)
    assert params["offset"]["minimum"] == 0 and params["offset"]["maximum"] >= 10_000

@pytest.mark.parametrize("birth", ["9999-12-31", "0001-01-01", "1850-05-05", "2999-01-01"])
def test_implausible_birth_dates_are_refused(demo, client, birth):
    r = post(client, body(LVU_CARE, person__birth_date=birth))
    assert r.status_code == 422, r.content
    assert "person.birth_date" in errors_of(r)
    assert AssistanceRequest.objects.count() == 0

def test_a_birth_date_in_the_future_is_refused(demo, client):
    tomorrow = timezone.localdate() + timedelta(days=1)
    r = post(client, body(LVU_CARE, person__birth_date=tomorrow.isoformat()))
    assert r.status_code == 422 and "framtiden" in errors_of(r)["person.birth_date"]

@pytest.mark.parametrize("start, end", [
    ("0001-01-01T00:00:00+14:00", None), ("9999-12-31T23:59:59-12:00", None),
    ("0001-01-01T00:00:00+14:00", "0001-01-02T00:00:00+14:00"),
    (None, "9999-12-31T23:59:59+00:00"),
])
def test_absurd_time_windows_are_refused_not_a_server_error(demo, client, start, end):
    changes = {"window_start": start, "window_end": end}
    r = post(client, body(LVU_CARE, **{k: v for k, v in changes.items() if v}))
    assert r.status_code == 422, r.content
    assert set(errors_of(r)) & {"window_start", "window_end"}

@pytest.mark.parametrize("start_days, end_days, ok", [
    (1, 2, True), (-0.01, 0.5, True), (-10, -9, False), (-3, None, False), (800, 801, False), (1, 500, False),
])
def test_time_windows_must_be_plausible(demo, client, start_days, end_days, ok):
    now = timezone.now()
    changes = {"window_start": (now + timedelta(days=start_days)).isoformat()}
    if end_days is not None:
        changes["window_end"] = (now + timedelta(days=end_days)).isoformat()
    r = post(client, body(LVU_CARE, **changes))
    assert (r.status_code == 201) is ok, r.content
    if not ok:
        assert set(errors_of(r)) & {"window_start", "window_end"}


def test_an_escaped_backslash_before_u0000_is_plain_text(demo, client):
    r = post(client, body(LVU_CARE, measures="Sökväg C:\\u0000 och \\b är vanlig text."))
    assert r.status_code == 201, r.content


def test_control_characters_in_a_json_body_of_any_endpoint_are_refused(demo, client):
    r = client.post("/api/v1/requests/00000000-0000-0000-0000-000000000000/completion",
                    '{"answers": [], "measures": "x\\u001b[31m"}', content_type="application/json",
                    HTTP_IDEMPOTENCY_KEY="k1", **AUTH)
    assert r.status_code == 422 and errors_of(r) == {"measures": errors_of(r)["measures"]}
