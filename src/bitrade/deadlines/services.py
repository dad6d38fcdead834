"""Scheduling and sweeping deadlines.

Exactly once: a deadline's handler runs in the same transaction that marks it fired, so a crash
before commit leaves it pending (it runs again, once) and a crash after commit leaves it fired.
Concurrent workers on PostgreSQL skip rows another worker holds (SELECT … FOR UPDATE SKIP LOCKED);
on SQLite writers are serialised by the IMMEDIATE transaction mode.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from .models import Deadline, DeadlineState

log = logging.getLogger(__name__)

Handler = Callable[[Deadline, datetime], str]
_HANDLERS: dict[str, Handler] = {}


def register(kind: str):
    def decorator(fn: Handler) -> Handler:
        _HANDLERS[kind] = fn
        return fn

    return decorator


def schedule(kind: str, *, object_type: str, object_id, due_at: datetime, payload: dict | None = None) -> Deadline:
    return Deadline.objects.create(
        kind=kind, object_type=object_type, object_id=str(object_id), due_at=due_at, payload=payload or {}
    )


def cancel(kind: str, *, object_type: str, object_id, reason: str = "") -> int:
    return Deadline.objects.filter(
        kind=kind, object_type=object_type, object_id=str(object_id), state=DeadlineState.PENDING
    ).update(state=DeadlineState.CANCELLED, outcome=reason[:500])


def _claim_one(now: datetime) -> Deadline | None:
    qs = Deadline.objects.filter(state=DeadlineState.PENDING, due_at__lte=now).order_by("due_at", "id")
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True)
    return qs.first()


def sweep(now: datetime | None = None, *, limit: int = 500) -> int:
    """Fire every pending deadline due at ``now``. Returns how many fired."""
    fired = 0
    for _ in range(limit):
        with transaction.atomic():
            moment = now or timezone.now()
            deadline = _claim_one(moment)
            if deadline is None:
                break
            handler = _HANDLERS.get(deadline.kind)
            if handler is None:
                outcome = f"ingen hanterare för {deadline.kind}"
                log.error("deadline %s: %s", deadline.pk, outcome)
            else:
                outcome = handler(deadline, moment) or ""
            deadline.state = DeadlineState.FIRED
            deadline.fired_at = moment
            deadline.outcome = outcome[:2000]
            deadline.save(update_fields=["state", "fired_at", "outcome"])
            fired += 1
    return fired
