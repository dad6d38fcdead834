"""Queueing notifications (inside the caller's transaction) and delivering them (worker)."""

from __future__ import annotations

import json
import logging
import urllib.request
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone

from bitrade.common.compiled import insert

from .models import Channel, MessageState, OutboxMessage
from .rules import backoff, give_up, signature

log = logging.getLogger(__name__)


def enqueue(channel: str, recipient: str, *, event: str, subject: str = "", body: str = "",
            payload: dict | None = None, obj=None) -> OutboxMessage | None:
    if not recipient:
        return None
    return insert(OutboxMessage(  # as OutboxMessage.objects.create, its INSERT built once (common.compiled)
        channel=channel, recipient=recipient, event=event, subject=subject, body=body, payload=payload or {},
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "", next_attempt_at=timezone.now(),
    ))


def _deliver(message: OutboxMessage) -> None:
    if message.channel == Channel.EMAIL:
        send_mail(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.recipient])
        return
    body = json.dumps({"event": message.event, "data": message.payload}, ensure_ascii=False).encode()
    req = urllib.request.Request(message.recipient, data=body, method="POST", headers={
        "Content-Type": "application/json",
        "X-Bitrade-Event": message.event,
        "X-Bitrade-Delivery": str(message.pk),
        "X-Bitrade-Signature": signature(settings.SECRET_KEY, body),
    })
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 (URL set by an administrator)
        if resp.status >= 300:
            raise OSError(f"HTTP {resp.status}")


def deliver_due(now: datetime | None = None, *, limit: int = 100) -> int:
    """Deliver pending messages that are due. Returns the number sent."""
    sent = 0
    for _ in range(limit):
        with transaction.atomic():
            moment = now or timezone.now()
            qs = OutboxMessage.objects.filter(state=MessageState.PENDING, next_attempt_at__lte=moment)
            if connection.features.has_select_for_update_skip_locked:
                qs = qs.select_for_update(skip_locked=True)
            message = qs.order_by("next_attempt_at", "id").first()
            if message is None:
                break
            message.attempts += 1
            try:
                _deliver(message)
            except Exception as exc:  # noqa: BLE001 — any delivery failure is retried
                message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                if give_up(message.attempts):
                    message.state = MessageState.FAILED
                else:
                    message.next_attempt_at = moment + backoff(message.attempts)
                log.warning("outbox %s attempt %s failed: %s", message.pk, message.attempts, message.last_error)
            else:
                message.state = MessageState.SENT
                message.sent_at = moment
                sent += 1
            message.save()
    return sent
