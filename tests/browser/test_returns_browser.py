"""Return enforcement end to end: Migrationsverket's system hands a case over through the API, the border police's
group manager works it in the browser, Kriminalvården carries out the transport, the departure is recorded."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bitrade.organisation.actor import actor_for_person
from bitrade.organisation.demo import DEMO_MV_API_KEY
from bitrade.organisation.models import Person
from bitrade.returns import services
from bitrade.returns.models import TransportOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "return-handover.json"


def test_from_handover_to_departure_with_a_kv_transport(page, login):
    body = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    res = page.request.post("/api/v1/returns/handovers", data=json.dumps(body), headers={
        "Authorization": f"Bearer {DEMO_MV_API_KEY}", "Idempotency-Key": str(uuid.uuid4()),
        "Content-Type": "application/json"})
    assert res.status == 201, res.text()
    handed = res.json()

    login("gp.syd")
    page.goto(f"/arenden/{handed['id']}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Ärende {handed['reference_number']}")
    expect(page.get_by_test_id("return-category")).to_contain_text("1 –")
    expect(page.get_by_test_id("return-lapse")).to_contain_text("2029-03-03")

    page.get_by_label("Handläggare").fill("Kemal Aydin")
    page.get_by_role("button", name="Tilldela").click()
    expect(page.get_by_test_id("case-state")).to_have_text("Tilldelat")
    page.get_by_label("Metod").select_option("transport")
    page.get_by_role("button", name="Spara screening").click()
    expect(page.get_by_test_id("case-state")).to_have_text("Verkställighet pågår")
    page.get_by_label("Resetyp").select_option("escorted")
    page.get_by_label("Planerat datum").fill((timezone.localdate() + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Beställ transport").click()
    expect(page.get_by_test_id("case-state")).to_have_text("Transport beställd")

    order = TransportOrder.objects.get()
    kv = actor_for_person(Person.objects.get(username="nte.syd"))
    services.kv_milestone(kv, order, "booked")
    services.kv_milestone(kv, order, "done")
    page.reload()
    expect(page.get_by_test_id("transport-order")).to_contain_text("Genomförd")

    page.get_by_label("Utfall").select_option("eskorterad_resa")
    page.get_by_label("Destinationsland (landskod)").fill("IQ")
    page.get_by_role("button", name="Registrera utfall").click()
    expect(page.get_by_test_id("return-outcome")).to_contain_text("Eskorterad resa till IQ")
    page.get_by_role("button", name="Avsluta ärendet").click()
    expect(page.get_by_test_id("case-state")).to_have_text("Avslutat")

    status = page.request.get(f"/api/v1/returns/handovers/{handed['id']}",
                              headers={"Authorization": f"Bearer {DEMO_MV_API_KEY}"})
    assert status.json()["closed"] is True and status.json()["outcome"] == "eskorterad_resa"
