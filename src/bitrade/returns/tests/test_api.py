"""The handover and status API, and the access boundaries: MV sees status only, KV sees transport orders only,
every read of a person is on record."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from bitrade.audit.models import AuditEvent
from bitrade.organisation.demo import DEMO_API_KEY, DEMO_MV_API_KEY
from bitrade.returns import services
from bitrade.returns.models import ReturnCase

pytestmark = pytest.mark.django_db

URL = "/api/v1/returns/handovers"


def post(client, url, body, key=DEMO_MV_API_KEY, idem=None):
    return client.post(url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}",
                       HTTP_IDEMPOTENCY_KEY=idem or str(uuid.uuid4()))


def test_handover_registers_the_case_and_a_retry_returns_the_same(client, demo, handover_body):
    first = post(client, URL, handover_body, idem="h-1")
    assert first.status_code == 201, first.content
    again = post(client, URL, handover_body, idem="h-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert ReturnCase.objects.count() == 1
    out = first.json()
    assert out["reference_number"].startswith("AV-") and out["state_label"] == "Inkommet"
    assert out["active"] is True and out["against_agreement"] is False


def test_same_mv_case_with_a_new_key_is_refused_as_a_duplicate(client, demo, handover_body):
    assert post(client, URL, handover_body).status_code == 201
    dup = post(client, URL, handover_body)
    assert dup.status_code == 409 and dup.json()["errors"][0]["field"] == "mv_case_id"


def test_missing_fields_are_named_in_a_422(client, demo, handover_body):
    handover_body["reason"] = ""
    handover_body["whereabouts"] = {"known": True}
    res = post(client, URL, handover_body)
    assert res.status_code == 422
    fields = [e["field"] for e in res.json()["errors"]]
    assert fields == ["reason", "whereabouts"]
    assert "saknar uppgifter" in res.json()["detail"]
    assert not ReturnCase.objects.exists()


@pytest.mark.parametrize("mutate, field", [
    (lambda b: b["decision"].update(final_on="igår"), "decision.final_on"),
    (lambda b: b.update(mv_category=7), "mv_category"),
    (lambda b: b["destination"].update(country="Irak"), "destination.country"),
    (lambda b: b.update(unknown_field=1), "unknown_field"),
    (lambda b: b.pop("mv_case_id"), "mv_case_id"),
])
def test_malformed_handover_is_a_422_naming_the_field(client, demo, handover_body, mutate, field):
    mutate(handover_body)
    res = post(client, URL, handover_body)
    assert res.status_code == 422
    assert field in [e["field"] for e in res.json()["errors"]]
    assert all(e["message"] for e in res.json()["errors"])


def test_not_json_is_a_400(client, demo):
    res = client.post(URL, "{not json", content_type="application/json",
                      HTTP_AUTHORIZATION=f"Bearer {DEMO_MV_API_KEY}", HTTP_IDEMPOTENCY_KEY="x")
    assert res.status_code == 400


def test_against_agreement_is_flagged(client, demo, handover_body):
    handover_body["destination"]["stance"] = "voluntary_only"
    res = post(client, URL, handover_body)
    assert res.status_code == 201 and res.json()["against_agreement"] is True


def test_other_organisations_may_not_hand_over(client, demo, handover_body):
    assert post(client, URL, handover_body, key=DEMO_API_KEY).status_code == 403
    assert client.post(URL, handover_body, content_type="application/json").status_code == 401


def test_status_changes_and_status_read(client, demo, handover_body):
    case_id = post(client, URL, handover_body).json()["id"]
    res = post(client, f"{URL}/{case_id}/status", {"kind": "temporary_permit", "valid_until": "2030-06-30"})
    assert res.status_code == 200, res.content
    assert res.json()["active"] is False and res.json()["inactive_reasons"]
    assert post(client, f"{URL}/{case_id}/status", {"kind": "nonsense"}).status_code == 422
    assert post(client, f"{URL}/{case_id}/status", {"kind": "temporary_permit"}).status_code == 422
    read = client.get(f"{URL}/{case_id}", HTTP_AUTHORIZATION=f"Bearer {DEMO_MV_API_KEY}")
    assert read.status_code == 200
    assert read.json()["inactive_reasons"] == res.json()["inactive_reasons"]
    assert AuditEvent.objects.filter(object_type="returns.returncase", actor_kind="api_client").exists()


def test_mv_sees_status_but_no_police_internal_notes(client, demo, handover_body, actor_of):
    case_id = post(client, URL, handover_body).json()["id"]
    rc = ReturnCase.objects.get(case__public_id=case_id)
    gm = actor_of("gp.syd")
    services.add_note(gm, rc, "memo", "HEMLIG-ANTECKNING om samtalet")
    services.issue_wanted(gm, rc, "custody", "HEMLIG-INSTRUKTION")
    body = client.get(f"{URL}/{case_id}", HTTP_AUTHORIZATION=f"Bearer {DEMO_MV_API_KEY}").content.decode()
    assert "HEMLIG" not in body and "Tilldelat" not in body
    # The kernel's case endpoint refuses MV altogether.
    res = client.get(f"/api/v1/cases/{case_id}", HTTP_AUTHORIZATION=f"Bearer {DEMO_MV_API_KEY}")
    assert res.status_code == 403
    # Another organisation cannot read the status.
    assert client.get(f"{URL}/{case_id}", HTTP_AUTHORIZATION=f"Bearer {DEMO_API_KEY}").status_code == 403


def test_kv_sees_transport_orders_only(client, demo, handover_body, actor_of, login_client):
    case_id = post(client, URL, handover_body).json()["id"]
    rc = ReturnCase.objects.get(case__public_id=case_id)
    gm = actor_of("gp.syd")
    services.add_note(gm, rc, "memo", "HEMLIG-ANTECKNING")
    services.assign(gm, rc, "Kemal Aydin")
    services.screen(gm, rc, "transport", "")
    services.order_transport(gm, rc, "escorted", date(2025, 9, 1), notes_for_kv="Eskort två personer")
    kv = login_client("nte.syd")
    orders = kv.get("/api/v1/returns/transport-orders")
    assert orders.status_code == 200
    [order] = orders.json()
    assert order["traveller_name"] == "Karim Haddad" and order["document_valid_on_planned_date"] is True
    assert "HEMLIG" not in orders.content.decode() and "mv_case_id" not in order
    assert kv.get(f"/api/v1/cases/{case_id}").status_code == 403
    assert kv.get(f"{URL}/{case_id}").status_code == 403
    step = kv.post(f"/api/v1/returns/transport-orders/{order['id']}/milestones", {"step": "booked"},
                   content_type="application/json", HTTP_IDEMPOTENCY_KEY="m-1")
    assert step.status_code == 200 and step.json()["status"] == "booked"
    assert order["status_label"] == "Beställd" and step.json()["status_label"] == "Bokad"  # read as people read it
    assert AuditEvent.objects.filter(object_type="returns.transportorder").exists()


def test_police_take_actions_through_the_kernels_action_api(client, demo, handover_body, login_client):
    case_id = post(client, URL, handover_body).json()["id"]
    gm = login_client("gp.syd")
    res = gm.post(f"/api/v1/cases/{case_id}/actions/return_assign", {"assigned_to": "Kemal Aydin"},
                  content_type="application/json", HTTP_IDEMPOTENCY_KEY="a-1")
    assert res.status_code == 200, res.content
    assert res.json()["state"] == "assigned"
    res = gm.post(f"/api/v1/cases/{case_id}/actions/return_extend", {"until": "2025-09-01T10:00:00+02:00"},
                  content_type="application/json", HTTP_IDEMPOTENCY_KEY="a-2")
    assert res.status_code == 409  # not detained
    page = gm.get(f"/arenden/{case_id}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Karim Haddad" in text and "Kategori" in text and "Preskriberas" in text
    assert AuditEvent.objects.filter(object_type="returns.returncase", action__contains="read").exists()


def test_the_inbox_shows_the_category_and_lapse(client, demo, handover_body, login_client):
    post(client, URL, handover_body)
    rows = login_client("gp.syd").get("/api/v1/cases").json()
    row = next(r for r in rows if r["kind"] == "return")
    assert row["person_name"] == "Karim Haddad" and row["priority_label"].startswith("Kategori 1")
    assert row["citation"].startswith("Preskriberas")


def test_found_report_from_the_phone_page(client, demo, handover_body, actor_of, login_client):
    case_id = post(client, URL, handover_body).json()["id"]
    rc = ReturnCase.objects.get(case__public_id=case_id)
    notice = services.issue_wanted(actor_of("gp.syd"), rc, "custody", "Omhänderta enligt 10 kap. UtlL.")
    officer = login_client("polis.malmo")
    listing = officer.get("/atervandande/efterlysningar/")
    assert listing.status_code == 200 and "Karim Haddad" in listing.content.decode()
    res = officer.post(f"/atervandande/efterlysningar/{notice.public_id}/", {"context": "Arbetsplatsinspektion"})
    assert res.status_code == 302
    notice.refresh_from_db()
    assert notice.found_context == "Arbetsplatsinspektion"
    reads = AuditEvent.objects.filter(object_type="returns.returncase", action="read", actor_label__contains="Holm")
    assert {"efterlysningar", "efterlysning"} <= set(reads.values_list("reason", flat=True))


def test_kv_page_lists_its_orders_and_records_a_milestone(client, demo, handover_body, actor_of, login_client):
    case_id = post(client, URL, handover_body).json()["id"]
    rc = ReturnCase.objects.get(case__public_id=case_id)
    gm = actor_of("gp.syd")
    services.assign(gm, rc, "Kemal Aydin")
    services.screen(gm, rc, "transport", "")
    order = services.order_transport(gm, rc, "charter", date(2025, 9, 1))
    kv = login_client("nte.syd")
    page = kv.get("/atervandande/transporter/")
    assert page.status_code == 200 and "Karim Haddad" in page.content.decode()
    res = kv.post("/atervandande/transporter/", {"order": str(order.public_id), "step": "deviation", "note": ""})
    assert res.status_code == 302
    order.refresh_from_db()
    assert order.deviations == []  # a deviation needs a note
    kv.post("/atervandande/transporter/", {"order": str(order.public_id), "step": "accepted"})
    order.refresh_from_db()
    assert order.status == "accepted"
    assert login_client("gp.syd").get("/atervandande/transporter/").status_code == 403


def test_group_managers_overview_filters_and_is_on_record(client, demo, handover_body, login_client, mv_actor):
    post(client, URL, handover_body)
    other = {**handover_body, "mv_case_id": "MV-2", "destination": {"country": "ER", "stance": "voluntary_only"},
             "person": {**handover_body["person"], "name": "Dawit Tesfaye"}}
    post(client, URL, other)
    gm = login_client("handl.syd")
    page = gm.get("/atervandande/").content.decode()
    assert "Karim Haddad" in page and "Dawit Tesfaye" in page
    only3 = gm.get("/atervandande/?kategori=3").content.decode()
    assert "Dawit Tesfaye" in only3 and "Karim Haddad" not in only3
    against = gm.get("/atervandande/?visa=against_agreement").content.decode()
    assert "Dawit Tesfaye" in against and "Karim Haddad" not in against
    assert AuditEvent.objects.filter(object_type="returns.returncase", reason="återvändande översikt").exists()
    # another region's police see none of them
    assert "Karim Haddad" not in login_client("rlc.stockholm").get("/atervandande/").content.decode()


def test_status_is_assessed_as_of_today_not_when_stored(client, demo, handover_body):
    """A temporary permit that has ended no longer makes the case inactive, whatever was stored then."""
    case_id = post(client, URL, handover_body).json()["id"]
    rc = ReturnCase.objects.get(case__public_id=case_id)
    rc.temporary_permit_until = date(2020, 1, 1)
    rc.assessment = {"inactive_reasons": [{"code": "temporary_permit", "message": "gammal", "citation": ""}]}
    rc.save()
    read = client.get(f"{URL}/{case_id}", HTTP_AUTHORIZATION=f"Bearer {DEMO_MV_API_KEY}").json()
    assert read["active"] is True and read["inactive_reasons"] == []
