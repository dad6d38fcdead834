"""A burst of handovers in one call: item-by-item refusals that store nothing, idempotency per key and per
Migrationsverket case id, reference numbers under concurrent batches, and cases identical to the single path's."""

from __future__ import annotations

import copy
import threading
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client

from bitrade.audit.models import AuditEvent
from bitrade.cases.models import Case, CaseEvent
from bitrade.deadlines.models import Deadline
from bitrade.organisation.demo import DEMO_API_KEY, DEMO_MV_API_KEY
from bitrade.outbox.models import OutboxMessage
from bitrade.returns import batch, services
from bitrade.returns.models import Handover, ReturnCase
from bitrade.returns.schemas import HandoverIn

URL = "/api/v1/returns/handovers/batch"


def post(client, body, key=DEMO_MV_API_KEY, idem=None):
    return client.post(URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}",
                       HTTP_IDEMPOTENCY_KEY=idem or str(uuid.uuid4()))


def variant(base, mv_case_id, **changes):
    body = copy.deepcopy(base)
    body["mv_case_id"] = mv_case_id
    for path, value in changes.items():
        target = body
        *parents, leaf = path.split("__")
        for p in parents:
            target = target[p]
        target[leaf] = value
    return body


def counts():
    return {m.__name__: m.objects.count() for m in (Case, CaseEvent, ReturnCase, Handover, Deadline, OutboxMessage)}


@pytest.mark.django_db
def test_mixed_batch_stores_the_valid_items_and_refuses_each_invalid_one_with_its_field(client, demo,
                                                                                      handover_body):
    items = [
        variant(handover_body, "MV-B-0"),
        variant(handover_body, "MV-B-1", decision__final_on="igår"),            # malformed date
        variant(handover_body, "MV-B-2", reason=""),                           # missing under the agreement
        variant(handover_body, "MV-B-3", whereabouts__municipality_code="9999"),  # unknown municipality
        variant(handover_body, "MV-B-0"),                                       # the same case id twice
        variant(handover_body, "MV-B-5", destination__stance="voluntary_only"),  # registered, flagged
        variant(handover_body, "MV-B-6", unknown_field=1),
    ]
    before = counts()
    res = post(client, {"handovers": items})
    assert res.status_code == 200, res.content
    out = res.json()
    assert (out["received"], out["created"], out["refused"], out["already_registered"]) == (7, 2, 5, 0)
    by_index = {i["index"]: i for i in out["items"]}
    assert [i["index"] for i in out["items"]] == list(range(7))
    assert by_index[0]["status"] == 201 and by_index[0]["reference_number"].startswith("AV-SYD-")
    assert by_index[5]["status"] == 201 and by_index[5]["against_agreement"] is True
    expected = {1: (422, "decision.final_on"), 2: (422, "reason"), 3: (422, "whereabouts.municipality_code"),
                4: (409, "mv_case_id"), 6: (422, "unknown_field")}
    for index, (status, field) in expected.items():
        item = by_index[index]
        assert item["status"] == status, item
        assert field in [e["field"] for e in item["errors"]], item
        assert all(e["message"] for e in item["errors"]) and item["detail"], item
        assert "id" not in item or item["id"] is None
    assert by_index[2]["errors"][0]["message"].startswith("Skälet för överlämnandet")
    assert "post 1" in by_index[4]["detail"]

    # Nothing of a refused item is stored; the two accepted items are stored whole.
    after = counts()
    assert after["Case"] - before["Case"] == 2 and after["ReturnCase"] - before["ReturnCase"] == 2
    assert after["Handover"] - before["Handover"] == 2 and after["Deadline"] - before["Deadline"] == 2
    assert set(ReturnCase.objects.values_list("source_reference", flat=True)) == {"MV-B-0", "MV-B-5"}
    assert CaseEvent.objects.filter(action="against_agreement").count() == 1

    # One audit event for the batch lists the cases made and the refusals.
    event = AuditEvent.objects.get(action="returns.handover_batch")
    made = sorted(Case.objects.filter(return_case__source_reference__in=["MV-B-0", "MV-B-5"])
                  .values_list("pk", flat=True))
    assert sorted(event.new["cases"]) == made
    assert [r["index"] for r in event.new["refused"]] == [1, 2, 3, 4, 6]
    assert not AuditEvent.objects.filter(action="returns.handover").exists()
    # One notification to the receiving unit for the batch.
    assert after["OutboxMessage"] - before["OutboxMessage"] == 1


@pytest.mark.django_db
def test_a_replayed_batch_creates_nothing_new(client, demo, handover_body):
    items = [variant(handover_body, f"MV-R-{i}", whereabouts__municipality_code=code)
             for i, code in enumerate(["1280", "0180", "1480"])]
    first = post(client, {"handovers": items}, idem="batch-1")
    assert first.status_code == 200 and first.json()["created"] == 3
    before = counts()

    # The same Idempotency-Key: the stored answer.
    again = post(client, {"handovers": items}, idem="batch-1")
    assert again.status_code == 200 and again.json() == first.json()
    assert counts() == before

    # A new key: every item is already registered with the same body, answered with its case.
    fresh = post(client, {"handovers": items}, idem="batch-2")
    assert fresh.status_code == 200
    out = fresh.json()
    assert (out["created"], out["already_registered"], out["refused"]) == (0, 3, 0)
    assert [(i["status"], i["id"], i["reference_number"]) for i in out["items"]] == \
        [(200, i["id"], i["reference_number"]) for i in first.json()["items"]]
    assert counts() == before

    # The same case id with another body is a conflict, as for a single handover.
    changed = [variant(handover_body, "MV-R-0", whereabouts__municipality_code="1280", mv_category=2)]
    conflict = post(client, {"handovers": changed})
    item = conflict.json()["items"][0]
    assert conflict.status_code == 200 and item["status"] == 409 and item["errors"][0]["field"] == "mv_case_id"
    assert counts() == before


@pytest.mark.django_db
def test_batch_envelope_and_access(client, demo, handover_body):
    too_many = post(client, {"handovers": [handover_body] * (batch.MAX_BATCH + 1)})
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "handovers"
    empty = post(client, {"handovers": []})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "handovers"
    # The envelope's shape is checked first: an item that is not an object refuses the call, naming it.
    shape = post(client, {"handovers": [handover_body, "inte ett objekt"]})
    assert shape.status_code == 422 and shape.json()["errors"][0]["field"] == "handovers.1"
    not_mv = post(client, {"handovers": [handover_body]}, key=DEMO_API_KEY)
    assert not_mv.status_code == 403
    assert not ReturnCase.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_batches_get_unique_consecutive_reference_numbers(demo_tx, handover_body):
    n = 40
    barrier = threading.Barrier(2)
    answers, errors = [], []

    def submit(tag):
        try:
            items = [variant(handover_body, f"MV-C-{tag}-{i}") for i in range(n)]
            barrier.wait()
            r = post(Client(), {"handovers": items})
            answers.append((r.status_code, r.json()))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(tag,)) for tag in "AB"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert [code for code, _ in answers] == [200, 200], answers
    refs = [item["reference_number"] for _, out in answers for item in out["items"]]
    assert len(refs) == 2 * n and len(set(refs)) == 2 * n
    numbers = sorted(int(r.rsplit("-", 1)[1]) for r in refs)
    # Unique, and no gap between them (no batch was rolled back); on PostgreSQL the sequence may start
    # after numbers an earlier test in this database drew.
    assert numbers == list(range(numbers[0], numbers[0] + 2 * n))
    for _, out in answers:  # within one batch the numbers increase in the order sent
        mine = [int(i["reference_number"].rsplit("-", 1)[1]) for i in out["items"]]
        assert mine == sorted(mine)
    assert Case.objects.filter(kind="return").count() == 2 * n


NOW = datetime(2025, 6, 2, 9, 30, tzinfo=ZoneInfo("Europe/Stockholm"))
CASE_FIELDS = [f.name for f in Case._meta.concrete_fields
               if f.name not in ("id", "public_id", "reference_number", "updated_at")]
DETAIL_FIELDS = [f.attname for f in ReturnCase._meta.concrete_fields
                 if f.name not in ("id", "case", "source_reference")]
EVENT_FIELDS = ["at", "action", "actor_label", "actor_function", "from_state", "to_state", "text", "citation",
                "public", "data"]
HANDOVER_FIELDS = ["received_at", "organisation_id", "api_key_id", "reason", "category_at_handover",
                   "against_agreement"]


def snapshot(rc: ReturnCase) -> dict:
    rc = ReturnCase.objects.select_related("case").get(pk=rc.pk)
    body = rc.handovers.get().body
    body.pop("mv_case_id")
    return {
        "case": {f: getattr(rc.case, f) for f in CASE_FIELDS},
        "reference_prefix": rc.case.reference_number.rsplit("-", 1)[0],
        "detail": {f: getattr(rc, f) for f in DETAIL_FIELDS},
        "events": list(rc.case.events.order_by("at", "id").values(*EVENT_FIELDS)),
        "deadlines": list(Deadline.objects.filter(object_type=services.OBJECT_TYPE, object_id=str(rc.pk))
                          .values("kind", "due_at", "state", "payload")),
        "handover": {**{f: getattr(rc.handovers.get(), f) for f in HANDOVER_FIELDS}, "body": body},
    }


@pytest.mark.django_db
@pytest.mark.parametrize("changes", [
    {},
    {"destination__stance": "voluntary_only", "mv_category": 4},
    {"whereabouts": {"known": False}, "police_region": "syd", "decision__voluntary_departure_deadline": "2025-07-01",
     "status__pending_impediment": True},
], ids=["plain", "against-agreement", "whereabouts-unknown"])
def test_a_case_from_a_batch_is_the_same_as_one_from_the_single_path(demo, mv_actor, handover_body, changes):
    single = services.receive_handover(mv_actor, HandoverIn.model_validate(
        variant(handover_body, "MV-S-1", **changes)), now=NOW)
    out = batch.receive_handovers(mv_actor, [variant(handover_body, "MV-S-2", **changes)], now=NOW)
    assert out["items"][0]["status"] == 201, out
    made = ReturnCase.objects.get(source_reference="MV-S-2")
    one, other = snapshot(single), snapshot(made)
    assert one == other
    assert one["events"] and one["deadlines"]  # the comparison has something to compare
    if changes:
        assert len(one["events"]) == 2


@pytest.mark.django_db
def test_reference_range_is_consecutive_and_continues_the_single_numbers(demo):
    from bitrade.cases import references
    from bitrade.organisation.models import PoliceRegion

    region = PoliceRegion.objects.get(code="syd")
    first = references.next_reference(region, NOW, "ZZ")
    block = references.next_references(region, NOW, 5, "ZZ")
    after = references.next_reference(region, NOW, "ZZ")
    numbers = [int(r.rsplit("-", 1)[1]) for r in [first, *block, after]]
    assert numbers == list(range(numbers[0], numbers[0] + 7))
    assert block[0].startswith("ZZ-SYD-2025-")
    assert references.next_references(region, NOW, 0, "ZZ") == []
