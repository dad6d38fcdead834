"""NTE's answer to a transport order is a stored deadline: the unit is reminded, then the RLC; an
answer (or a cancelled order) ends it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bitrade.deadlines import services as deadlines
from bitrade.deadlines.models import Deadline
from bitrade.outbox.models import OutboxMessage
from bitrade.transport import rules
from bitrade.transport import services as transport
from bitrade.transport.services import order_fields as default_fields
from bitrade.transport.tests.test_transport_flow import T0, _held

pytestmark = pytest.mark.django_db


def _order(actor_of, pickup_in=timedelta(hours=2)):
    case, gc, episode = _held(actor_of)
    order = transport.order_nte(gc, case, episode=episode, fields=default_fields(case, episode, T0 + pickup_in),
                                now=T0)
    return case, gc, order


def test_answer_is_due_after_the_sla_but_never_after_the_pickup():
    t = datetime(2026, 6, 17, 8, 0, tzinfo=UTC)
    assert rules.nte_answer_due(t) == t + rules.NTE_ANSWER_SLA
    assert rules.nte_answer_due(t, t + timedelta(hours=3)) == t + timedelta(minutes=30)
    assert rules.nte_answer_due(t, t + timedelta(minutes=10)) == t + timedelta(minutes=10)
    assert rules.nte_answer_due(t, t - timedelta(hours=1)) == t  # a pick-up in the past: due at once
    with pytest.raises(ValueError):
        rules.nte_answer_due(datetime(2026, 6, 17, 8, 0))


def test_an_unanswered_order_reminds_the_unit_then_the_rlc_once(demo, actor_of):
    case, _, order = _order(actor_of)
    d = Deadline.objects.get(kind=transport.NTE_ANSWER_DEADLINE, object_id=str(order.pk))
    assert d.due_at == T0 + timedelta(minutes=30) and d.payload["citation"].startswith("29 a §")
    deadlines.sweep(now=d.due_at)
    event = case.events.get(action="transport_unanswered")
    assert event.public is False and "inte svarat" in event.text
    assert OutboxMessage.objects.filter(event="transport.unanswered",
                                        recipient="handrackning.malmo@polisen.example").count() == 1
    deadlines.sweep(now=d.due_at + timedelta(minutes=30))
    deadlines.sweep(now=d.due_at + timedelta(hours=5))
    assert case.events.filter(action="transport_unanswered_escalated").count() == 1
    assert OutboxMessage.objects.filter(event="transport.unanswered_escalated",
                                        recipient="rlc.syd@polisen.example").count() == 1


def test_an_answer_cancels_the_reminder(demo, actor_of):
    case, _, order = _order(actor_of)
    transport.nte_respond(actor_of("nte.syd"), order, accepted=True, now=T0 + timedelta(minutes=5))
    assert Deadline.objects.get(kind=transport.NTE_ANSWER_DEADLINE, object_id=str(order.pk)).state == "cancelled"
    deadlines.sweep(now=T0 + timedelta(hours=2))
    assert not case.events.filter(action__startswith="transport_unanswered").exists()


def test_a_cancelled_order_cancels_the_reminder(demo, actor_of):
    case, gc, order = _order(actor_of)
    transport.cancel_transport(gc, order, reason="Personen frigiven.", now=T0 + timedelta(minutes=5))
    assert Deadline.objects.get(kind=transport.NTE_ANSWER_DEADLINE, object_id=str(order.pk)).state == "cancelled"
