"""A requesting organisation sees its own figures beside the national figures for organisations of its kind:
aggregates only, small cells suppressed, nobody else's cases."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from bitrade.assistance import rules
from bitrade.assistance import services as cases
from bitrade.intake import services as intake
from bitrade.intake.schemas import RequestIn
from bitrade.intake.tests.helpers import LVU_CARE, body

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 6, 17, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))


def test_requester_sees_its_kind_national_comparison_as_aggregates(demo, actor_of, api_key_for):
    gc = actor_of("gc.malmo")
    for i in range(6):
        case = intake.submit_request(actor_of("soc.malmo"), RequestIn.model_validate(LVU_CARE),
                                     idempotency_key=str(uuid.uuid4()), now=T0 + timedelta(minutes=i)).request.case
        cases.decide(gc, case, rules.GRANT, now=T0 + timedelta(minutes=10 + i))
    for i in range(5):  # another social services office, same kind
        intake.submit_request(actor_of("soc.stockholm"), RequestIn.model_validate(
            body(LVU_CARE, location__municipality_code="0180")), idempotency_key=str(uuid.uuid4()),
            now=T0 + timedelta(minutes=i))
    key = api_key_for("Socialnämnden Malmö stad")
    r = Client().get("/api/v1/followup/comparison?period=2026", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert r.status_code == 200, r.content
    d = r.json()
    assert d["own"]["received"] == 6 and d["own"]["granted"] == 6
    assert d["national_same_kind"]["received"] == 11
    assert d["own"]["force_used"] is None  # fewer than five: suppressed (here none)
    assert "reference_number" not in str(d) and "Ung Exempelsson" not in str(d)
    bad = Client().get("/api/v1/followup/comparison?period=x", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert bad.status_code == 422


def test_the_police_do_not_use_the_requester_comparison(demo, login_client):
    assert login_client("sb.malmo").get("/api/v1/followup/comparison?period=2026").status_code == 403
