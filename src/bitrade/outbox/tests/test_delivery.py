"""The outbox: written in the caller's transaction, delivered by the worker, retried with backoff."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from bitrade.outbox import rules, services
from bitrade.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db


class _Receiver(BaseHTTPRequestHandler):
    received: list = []
    status = 204

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    _Receiver.received = []
    _Receiver.status = 204
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, _Receiver
    server.shutdown()


def test_email_is_delivered_once():
    services.enqueue("email", "sb.malmo@polisen.example", event="request.routed", subject="Ny", body="Text")
    assert services.deliver_due() == 1
    assert services.deliver_due() == 0
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sb.malmo@polisen.example"]
    assert OutboxMessage.objects.get().state == "sent"


def test_message_rolls_back_with_the_change():
    with pytest.raises(RuntimeError), transaction.atomic():
        services.enqueue("email", "x@example.org", event="e", subject="s", body="b")
        raise RuntimeError("the change failed")
    assert OutboxMessage.objects.count() == 0


def test_webhook_is_signed_and_retried_until_it_succeeds(receiver, settings):
    server, handler = receiver
    url = f"http://127.0.0.1:{server.server_port}/hook"
    services.enqueue("webhook", url, event="request.received", payload={"reference_number": "HR-SYD-2026-00001"})
    handler.status = 500
    now = timezone.now()
    assert services.deliver_due(now=now) == 0
    msg = OutboxMessage.objects.get()
    assert msg.state == "pending" and msg.attempts == 1 and "500" in msg.last_error
    assert msg.next_attempt_at == now + rules.backoff(1)
    assert services.deliver_due(now=now) == 0  # not due yet
    handler.status = 204
    assert services.deliver_due(now=now + timedelta(minutes=5)) == 1
    headers, body = handler.received[-1]
    assert json.loads(body) == {"event": "request.received", "data": {"reference_number": "HR-SYD-2026-00001"}}
    assert headers["X-Bitrade-Signature"] == rules.signature(settings.SECRET_KEY, body)


def test_gives_up_after_max_attempts():
    services.enqueue("webhook", "http://127.0.0.1:9/unreachable", event="e")
    now = timezone.now()
    for i in range(rules.MAX_ATTEMPTS):
        services.deliver_due(now=now + timedelta(days=i))
    assert OutboxMessage.objects.get().state == "failed"


def test_backoff_grows_and_is_capped():
    assert rules.backoff(1) == timedelta(minutes=1)
    assert rules.backoff(3) == timedelta(minutes=4)
    assert rules.backoff(20) == timedelta(hours=6)
