"""Logins, logouts, failed logins, lockouts and every refusal are in the audit trail; a refreshing inbox
logs a read only when what it shows changes."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from bitrade.audit.models import AuditEvent
from bitrade.organisation.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def _new(since: int, action: str):
    return AuditEvent.objects.filter(seq__gt=since, action=action)


def _mark() -> int:
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    return last or 0


def test_login_logout_and_failed_login_are_recorded(demo):
    start = _mark()
    c = Client()
    c.post("/logga-in/", {"username": "sb.malmo", "password": "fel"})
    failed = _new(start, "auth.login_failed").get()
    assert failed.result == "refused" and failed.actor_label == "sb.malmo"
    c.post("/logga-in/", {"username": "sb.malmo", "password": DEMO_PASSWORD})
    login = _new(start, "auth.login").get()
    assert login.actor_person_id is not None and login.result == "ok"
    c.post("/logga-ut/")
    assert _new(start, "auth.logout").get().actor_person_id == login.actor_person_id


def test_a_lockout_is_recorded(demo, settings):
    start = _mark()
    c = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        c.post("/logga-in/", {"username": "soc.malmo", "password": "fel"})
    locked = _new(start, "auth.locked_out")
    assert locked.exists() and locked.first().result == "refused"


def test_every_403_is_recorded_as_a_refusal_once(demo, login_client):
    client = login_client("soc.malmo")
    start = _mark()
    assert client.get("/uppfoljning/avvikelser/").status_code == 403
    refused = _new(start, "access.refused").get()
    assert refused.result == "refused" and refused.object_id == "/uppfoljning/avvikelser/"
    assert refused.actor_label and refused.actor_kind != "anonymous"


def test_a_refusal_already_recorded_by_the_service_is_not_doubled(demo, actor_of):
    from bitrade.audit import services as audit
    from bitrade.audit.context import refusal_recorded, track_refusals, untrack_refusals
    from bitrade.organisation.actor import SYSTEM_ACTOR

    token = track_refusals()
    try:
        assert not refusal_recorded()
        audit.record(SYSTEM_ACTOR, "x.refused", result="refused")
        assert refusal_recorded()
    finally:
        untrack_refusals(token)


def test_a_refreshing_inbox_logs_a_read_only_when_it_changes(demo, actor_of, settings):
    from bitrade.audit import services as audit

    actor = actor_of("polis.malmo")
    start = _mark()
    assert audit.record_read(actor, "cases.case", [1, 2], purpose="inkorg", fingerprint=True) is not None
    assert audit.record_read(actor, "cases.case", [2, 1], purpose="inkorg", fingerprint=True) is None
    assert audit.record_read(actor, "cases.case", [1, 2, 3], purpose="inkorg", fingerprint=True) is not None
    assert audit.record_read(actor, "cases.case", [1, 2, 3], purpose="annat", fingerprint=True) is not None
    assert audit.record_read(actor_of("sb.malmo"), "cases.case", [1, 2, 3], purpose="inkorg",
                             fingerprint=True) is not None
    assert audit.record_read(actor, "cases.case", [1, 2, 3], purpose="inkorg") is not None  # no fingerprint
    settings.BITRADE_AUDIT_READ_REPEAT_SECONDS = 0
    assert audit.record_read(actor, "cases.case", [1, 2, 3], purpose="inkorg", fingerprint=True) is not None
    assert _new(start, "read").count() == 6


def test_the_inbox_view_polled_twice_logs_one_read(demo, login_client):
    from bitrade.intake.tests.helpers import LVU_CARE
    from bitrade.organisation.demo import DEMO_API_KEY

    r = Client().post("/api/v1/requests", LVU_CARE, content_type="application/json",
                      HTTP_AUTHORIZATION=f"Bearer {DEMO_API_KEY}", HTTP_IDEMPOTENCY_KEY="inkorg-1")
    assert r.status_code == 201
    # Whoever the request was routed to at this hour (the group by day, the station commander at night).
    from bitrade.intake.models import AssistanceRequest
    from bitrade.organisation.models import UnitMembership

    unit = AssistanceRequest.objects.get(public_id=r.json()["id"]).case.unit
    client = login_client(UnitMembership.objects.filter(unit=unit).first().person.username)
    start = _mark()
    client.get(reverse("cases:inbox"))
    first = _new(start, "read").filter(reason="inkorg").count()
    assert first == 1
    client.get(reverse("cases:inbox"))
    client.get(reverse("cases:inbox"))
    assert _new(start, "read").filter(reason="inkorg").count() == first
