"""Acknowledgement deadlines: escalation to the next unit exactly once, even across a worker crash."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from bitrade.assistance import services as cases
from bitrade.audit.models import AuditEvent
from bitrade.cases.models import Case
from bitrade.deadlines import services as deadlines
from bitrade.deadlines.models import Deadline
from bitrade.intake import services
from bitrade.intake.schemas import RequestIn
from bitrade.intake.tests.helpers import LVU_CARE
from bitrade.outbox.models import OutboxMessage

WEDNESDAY_10 = datetime(2026, 6, 17, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))


def _submit(actor_of) -> Case:
    return services.submit_request(actor_of("soc.malmo"), RequestIn.model_validate(LVU_CARE),
                                   idempotency_key="esc", now=WEDNESDAY_10).request.case


@pytest.mark.django_db
def test_unacknowledged_request_escalates_once_and_both_units_are_told(demo, actor_of):
    case = _submit(actor_of)
    assert case.unit.name == "Handräckningsgrupp Malmö"
    later = case.ack_due_at + timedelta(minutes=1)
    assert deadlines.sweep(now=case.ack_due_at - timedelta(minutes=1)) == 0
    assert deadlines.sweep(now=later) == 1
    assert deadlines.sweep(now=later) == 0  # a second sweep finds nothing to do
    case.refresh_from_db()
    assert case.unit.name == "Stationsbefäl Malmö" and case.escalation_count == 1
    assert AuditEvent.objects.filter(action="case.escalated", object_id=str(case.pk)).count() == 1
    recipients = set(OutboxMessage.objects.filter(object_id=str(case.pk), event="case.escalated")
                     .values_list("recipient", flat=True))
    assert recipients == {"handrackning.malmo@polisen.example", "sb.malmo@polisen.example"}
    # The new unit got its own deadline; when that passes too, the RLC takes over.
    assert deadlines.sweep(now=case.ack_due_at + timedelta(minutes=1)) == 1
    case.refresh_from_db()
    assert case.unit.name == "RLC Syd" and case.escalation_count == 2


@pytest.mark.django_db
def test_acknowledged_request_does_not_escalate(demo, actor_of):
    case = _submit(actor_of)
    cases.acknowledge(actor_of("gc.malmo"), case, now=WEDNESDAY_10 + timedelta(minutes=5))
    assert deadlines.sweep(now=case.ack_due_at + timedelta(hours=1)) == 0
    case.refresh_from_db()
    assert case.unit.name == "Handräckningsgrupp Malmö" and case.state == "acknowledged"


@pytest.mark.django_db
def test_only_the_routed_unit_may_acknowledge(demo, actor_of):
    from django.core.exceptions import PermissionDenied

    case = _submit(actor_of)
    with pytest.raises(PermissionDenied):
        cases.acknowledge(actor_of("sb.malmo"), case)


@pytest.mark.django_db
def test_a_failure_mid_escalation_is_rolled_back_and_the_retry_escalates_once(demo, actor_of):
    case = _submit(actor_of)
    later = case.ack_due_at + timedelta(minutes=1)
    with mock.patch.object(cases.outbox, "enqueue", side_effect=RuntimeError("e-posttjänsten svarar inte")):
        assert deadlines.sweep(now=later) == 0
    case.refresh_from_db()
    assert case.unit.name == "Handräckningsgrupp Malmö" and case.escalation_count == 0
    deadline = Deadline.objects.get(object_id=str(case.pk), kind=cases.ACK_DEADLINE)
    assert deadline.state == "retrying" and deadline.attempts == 1
    # The retry after the backoff:
    assert deadlines.sweep(now=deadline.next_attempt_at) == 1
    case.refresh_from_db()
    assert case.escalation_count == 1
    assert AuditEvent.objects.filter(action="case.escalated", object_id=str(case.pk)).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_at_once_escalate_once(demo_tx, actor_of):
    case = _submit(actor_of)
    later = case.ack_due_at + timedelta(minutes=1)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(deadlines.sweep(now=later))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(results) == [0, 1]
    assert Case.objects.get(pk=case.pk).escalation_count == 1
