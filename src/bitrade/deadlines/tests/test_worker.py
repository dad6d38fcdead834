"""The worker command fires due deadlines and delivers the outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from bitrade.deadlines import services
from bitrade.deadlines.models import Deadline
from bitrade.outbox import services as outbox

pytestmark = pytest.mark.django_db
calls: list[str] = []


@services.register("test.ping")
def _ping(deadline, now):
    calls.append(deadline.object_id)
    return "pong"


def test_worker_once_fires_due_deadlines_and_sends_mail():
    calls.clear()
    services.schedule("test.ping", object_type="t", object_id=1, due_at=timezone.now() - timedelta(seconds=1))
    services.schedule("test.ping", object_type="t", object_id=2, due_at=timezone.now() + timedelta(hours=1))
    outbox.enqueue("email", "vb.syd@polisen.example", event="e", subject="s", body="b")
    call_command("worker", "--once")
    assert calls == ["1"]
    assert Deadline.objects.get(object_id="1").state == "fired"
    assert Deadline.objects.get(object_id="2").state == "pending"
    assert len(mail.outbox) == 1


def test_cancelled_deadline_never_fires():
    calls.clear()
    services.schedule("test.ping", object_type="t", object_id=3, due_at=timezone.now() - timedelta(seconds=1))
    assert services.cancel("test.ping", object_type="t", object_id=3, reason="kvitterad") == 1
    assert services.sweep() == 0 and calls == []
