"""What one POST /api/v1/requests costs the database, and that what it keeps between requests stays right:
one write transaction (the API key's use goes in with the request's own events), the routing
configuration's version read once per request, and an administrator's change (in this process or in
another) taking effect on the very next request."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test.utils import CaptureQueriesContext

from bitrade.audit.models import AuditEvent
from bitrade.intake import services as intake_services
from bitrade.intake.models import AssistanceRequest
from bitrade.organisation.demo import DEMO_API_KEY
from bitrade.organisation.models import Municipality, PoliceArea, Unit
from bitrade.routing.models import ConfigurationVersion

from .helpers import LVU_CARE, body


def post(client, payload):
    return client.post("/api/v1/requests", payload, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {DEMO_API_KEY}", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))


class _Writes:
    """Write transactions seen on the connection: commits, plus writes outside any transaction."""

    def __init__(self):
        self.commits = 0
        self.autocommit_writes: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        head = sql.lstrip().split(None, 1)[0].upper()
        if head in ("INSERT", "UPDATE", "DELETE") and not context["connection"].in_atomic_block:
            self.autocommit_writes.append(sql[:80])
        return execute(sql, params, many, context)


@pytest.mark.django_db(transaction=True)
def test_one_intake_request_is_one_write_transaction_with_the_key_use_inside(demo_tx, client, monkeypatch):
    post(client, LVU_CARE)  # warm: the per-process caches are loaded
    writes = _Writes()
    original = BaseDatabaseWrapper.commit

    def counting_commit(self):
        writes.commits += 1
        return original(self)

    monkeypatch.setattr(BaseDatabaseWrapper, "commit", counting_commit)
    with connection.execute_wrapper(writes):
        r = post(client, LVU_CARE)
    assert r.status_code == 201, r.json()
    assert writes.autocommit_writes == []
    assert writes.commits == 1
    req = AssistanceRequest.objects.get(public_id=r.json()["id"])
    used, submitted = AuditEvent.objects.filter(request_id=r["X-Request-ID"]).order_by("seq")
    assert (used.action, submitted.action) == ("api_key.used", "request.submitted")
    assert used.occurred_at <= submitted.occurred_at
    assert submitted.object_id == str(req.pk)


@pytest.mark.django_db(transaction=True)
def test_the_key_use_is_on_record_once_when_the_write_is_rolled_back(demo_tx, client, monkeypatch):
    def fails(*args, **kwargs):
        raise intake_services.IntakeError("location.address", "Adressen kunde inte tas emot.")

    monkeypatch.setattr(intake_services.cases, "notify_requester", fails)  # after the request's audit event
    r = post(client, LVU_CARE)
    assert r.status_code == 422
    assert AssistanceRequest.objects.count() == 0
    events = list(AuditEvent.objects.filter(request_id=r["X-Request-ID"]).values_list("action", flat=True))
    assert events.count("api_key.used") == 1
    assert "request.submitted" not in events  # rolled back with the request


@pytest.mark.django_db
def test_the_key_use_is_on_record_when_the_body_is_refused(demo, client):
    r = post(client, body(LVU_CARE, location__municipality_code="9999"))
    assert r.status_code == 422
    events = list(AuditEvent.objects.filter(request_id=r["X-Request-ID"]).values_list("action", flat=True))
    assert events == ["api_key.used"]


@pytest.mark.django_db
def test_a_committed_key_use_is_not_written_twice(demo, client):
    """Under an outer transaction that is still open (as in this test), the commit is not seen when the
    request ends: the event inserted with the request's events is still there and is not inserted again."""
    r = post(client, LVU_CARE)
    assert r.status_code == 201
    assert AuditEvent.objects.filter(request_id=r["X-Request-ID"], action="api_key.used").count() == 1


@pytest.mark.django_db
def test_the_configuration_version_is_read_once_per_request(demo, client):
    post(client, LVU_CARE)
    with CaptureQueriesContext(connection) as ctx:
        r = post(client, LVU_CARE)
    assert r.status_code == 201
    reads = [q["sql"] for q in ctx.captured_queries if "routing_configurationversion" in q["sql"]]
    assert len(reads) == 1
    assert "organisation_apikey" in reads[0]  # read in the API key's own statement: no round trip of its own


@pytest.mark.django_db
def test_a_change_of_unit_or_municipality_takes_effect_on_the_next_request(demo, client):
    first = post(client, LVU_CARE).json()["routing"]
    unit = Unit.objects.get(name=first["unit"])
    unit.name = f"{unit.name} (nytt namn)"
    unit.save()
    assert post(client, LVU_CARE).json()["routing"]["unit"] == unit.name

    malmo = Municipality.objects.get(code=LVU_CARE["location"]["municipality_code"])
    malmo.police_area = PoliceArea.objects.filter(region__name="Region Stockholm").first()
    malmo.save()
    assert post(client, LVU_CARE).json()["routing"]["region"] == "Region Stockholm"


@pytest.mark.django_db
def test_a_change_made_by_another_process_takes_effect_on_the_next_request(demo, client):
    """Another process's change reaches this one through the stored version only (no signal here)."""
    first = post(client, LVU_CARE).json()["routing"]
    Unit.objects.filter(name=first["unit"]).update(name="Omdöpt enhet")  # a queryset update: no signal
    assert ConfigurationVersion.objects.filter(id=1).update(version=uuid.uuid4().hex) == 1  # its bump
    assert post(client, LVU_CARE).json()["routing"]["unit"] == "Omdöpt enhet"


def _post_with_key(client, payload, key):
    return client.post("/api/v1/requests", payload, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {DEMO_API_KEY}", HTTP_IDEMPOTENCY_KEY=key)


# The most statements one new request may take (API key with the configuration version, the key's use, the key's
# claim, the case with its reference number (SQLite: the counter row first), its event (PostgreSQL: in the case's
# statement), deadline, request, attachment, audit event, notification); inside the test's transaction the write
# block is a savepoint (SAVEPOINT and RELEASE counted).
STATEMENT_CEILING = {"sqlite": 13, "postgresql": 11}


@pytest.mark.django_db
def test_a_new_request_does_not_read_its_key_before_claiming_it(demo, client):
    post(client, LVU_CARE)  # warm: the per-process caches are loaded
    with CaptureQueriesContext(connection) as ctx:
        r = post(client, LVU_CARE)
    assert r.status_code == 201, r.json()
    sqls = [q["sql"] for q in ctx.captured_queries]
    on_key = [s for s in sqls if "idempotency_idempotentresponse" in s]
    assert len(on_key) == 1 and on_key[0].lstrip().upper().startswith("INSERT"), on_key
    assert len(sqls) <= STATEMENT_CEILING[connection.vendor], [s[:80] for s in sqls]


@pytest.mark.django_db
def test_a_retry_whose_body_is_refused_now_still_gets_the_stored_answer(demo, client, monkeypatch):
    """The key is looked up only when the request is refused: a retry of a stored request is replayed even if
    its body would be refused today (the catalogue or the municipalities changed in between)."""
    key = str(uuid.uuid4())
    first = _post_with_key(client, LVU_CARE, key)
    assert first.status_code == 201

    def refused(*args, **kwargs):
        raise intake_services.IntakeError("legal_basis", "Lagrummet kan inte användas.")

    monkeypatch.setattr(intake_services, "plan_route", refused)
    again = _post_with_key(client, LVU_CARE, key)
    assert again.status_code == 200, again.json()
    assert again.json()["id"] == first.json()["id"]
    other = _post_with_key(client, body(LVU_CARE, measures="Något annat."), key)
    assert other.status_code == 409
    assert "Idempotency-Key" in other.content.decode()
    assert _post_with_key(client, LVU_CARE, str(uuid.uuid4())).status_code == 422  # a new key: refused
    assert AssistanceRequest.objects.count() == 1


@pytest.mark.django_db
def test_a_retry_of_a_stored_request_is_replayed_without_a_second_case(demo, client):
    key = str(uuid.uuid4())
    first = _post_with_key(client, LVU_CARE, key)
    again = _post_with_key(client, LVU_CARE, key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert AssistanceRequest.objects.count() == 1
    assert _post_with_key(client, body(LVU_CARE, measures="Något annat."), key).status_code == 409
