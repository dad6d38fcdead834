"""Scheduling and sweeping deadlines.

Guarantees (documented in docs/deadlines.md):

* **Handlers are registered at start-up.** Every app that owns deadline kinds imports its handler
  module from ``AppConfig.ready()``; :func:`sweep` refuses to run before the app registry is ready, so
  a worker never sweeps with half a registry (``--skip-checks`` makes no difference).
* **Exactly once.** A deadline's handler runs in the same transaction that marks it fired, so a crash
  before commit leaves it due (it runs again, once) and a crash after commit leaves it fired.
  Concurrent workers on PostgreSQL skip rows another worker holds (SELECT … FOR UPDATE SKIP LOCKED);
  on SQLite writers are serialised by the IMMEDIATE transaction mode.
* **Isolation.** Each deadline runs in its own transaction and the handler in a savepoint inside it.
  A handler that raises is rolled back alone: the deadline is marked ``retrying`` with the error,
  ``attempts`` is incremented and ``next_attempt_at`` set with exponential backoff; after
  ``DEADLINE_MAX_ATTEMPTS`` failures it is ``failed`` for good. The sweep goes on with the next one.
* **Unknown kinds.** A due deadline whose kind has no handler stays pending (it is never fired
  unhandled); the sweep logs an ERROR for the kind and, the first time a row is seen, stamps it
  (``no_handler_at``) and writes one ``deadline.no_handler`` audit event per kind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from bitrade.common.compiled import insert

from .models import Deadline, DeadlineState

log = logging.getLogger(__name__)

Handler = Callable[[Deadline, datetime], str]
_HANDLERS: dict[str, Handler] = {}

OBJECT_TYPE = "deadlines.deadline"


def register(kind: str):
    """``@register("case.ack")``: the handler of one deadline kind. Import the module from the owning
    app's ``AppConfig.ready()`` so the handler exists before any sweep."""

    def decorator(fn: Handler) -> Handler:
        _HANDLERS[kind] = fn
        return fn

    return decorator


def registered_kinds() -> frozenset[str]:
    return frozenset(_HANDLERS)


def max_attempts() -> int:
    return int(getattr(settings, "DEADLINE_MAX_ATTEMPTS", 8))


def retry_delay(attempts: int) -> timedelta:
    """Backoff after the ``attempts``-th failure: base × 2^(attempts−1), capped."""
    base = float(getattr(settings, "DEADLINE_RETRY_BASE_SECONDS", 30))
    cap = float(getattr(settings, "DEADLINE_RETRY_MAX_SECONDS", 3600))
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


def schedule(kind: str, *, object_type: str, object_id, due_at: datetime, payload: dict | None = None) -> Deadline:
    return insert(Deadline(  # as Deadline.objects.create, its INSERT built once (common.compiled)
        kind=kind, object_type=object_type, object_id=str(object_id), due_at=due_at, payload=payload or {}
    ))


def cancel(kind: str, *, object_type: str, object_id, reason: str = "", payload: dict | None = None) -> int:
    """Cancel the open deadlines of a kind on an object (only those whose payload has these values)."""
    matching = {f"payload__{key}": value for key, value in (payload or {}).items()}
    return Deadline.objects.filter(
        kind=kind, object_type=object_type, object_id=str(object_id),
        state__in=(DeadlineState.PENDING, DeadlineState.RETRYING), **matching,
    ).update(state=DeadlineState.CANCELLED, outcome=reason[:500], next_attempt_at=None)


def retry(deadline_ids) -> int:
    """Put failed (or retrying) deadlines back to pending with a fresh set of attempts."""
    return Deadline.objects.filter(
        pk__in=list(deadline_ids), state__in=(DeadlineState.FAILED, DeadlineState.RETRYING)
    ).update(state=DeadlineState.PENDING, attempts=0, next_attempt_at=None)


def _due(now: datetime) -> Q:
    return Q(state=DeadlineState.PENDING, due_at__lte=now) | Q(state=DeadlineState.RETRYING, next_attempt_at__lte=now)


def _claim_one(now: datetime, kinds) -> Deadline | None:
    qs = Deadline.objects.filter(_due(now), kind__in=kinds).order_by("due_at", "id")
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True)
    return qs.first()


def _alarm_unknown_kinds(now: datetime, kinds) -> list[str]:
    """Due deadlines nobody handles stay pending; log every sweep, audit once per newly seen row set."""
    from bitrade.audit import services as audit
    from bitrade.organisation.actor import SYSTEM_ACTOR

    unknown = sorted(set(Deadline.objects.filter(_due(now)).exclude(kind__in=kinds)
                         .values_list("kind", flat=True).distinct()))
    for kind in unknown:
        text = f"Ingen hanterare för tidsfrister av typen {kind}; de väntar kvar tills en hanterare finns."
        log.error("deadline kind %s has no handler; its due deadlines stay pending", kind)
        with transaction.atomic():
            new = Deadline.objects.filter(_due(now), kind=kind, no_handler_at__isnull=True).update(
                no_handler_at=now, last_error=text)
            if new:
                audit.record(SYSTEM_ACTOR, "deadline.no_handler", object_type=OBJECT_TYPE, result="error",
                             reason=text, new={"kind": kind, "count": new})
    return unknown


def _failed(deadline: Deadline, now: datetime, exc: Exception) -> None:
    deadline.attempts += 1
    deadline.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if deadline.attempts >= max_attempts():
        deadline.state, deadline.next_attempt_at = DeadlineState.FAILED, None
        log.error("deadline %s (%s) failed for good after %s attempts: %s", deadline.pk, deadline.kind,
                  deadline.attempts, deadline.last_error, exc_info=exc)
    else:
        deadline.state, deadline.next_attempt_at = DeadlineState.RETRYING, now + retry_delay(deadline.attempts)
        log.warning("deadline %s (%s) failed (attempt %s), retry at %s: %s", deadline.pk, deadline.kind,
                    deadline.attempts, deadline.next_attempt_at.isoformat(), deadline.last_error, exc_info=exc)
    deadline.save(update_fields=["state", "attempts", "last_error", "next_attempt_at"])


def sweep(now: datetime | None = None, *, limit: int = 500) -> int:
    """Run the handler of every deadline due at ``now`` (or due for a retry). Returns how many fired."""
    if not apps.ready:
        raise RuntimeError("Tidsfrister kan inte köras innan alla appar är laddade (hanterarna registreras då).")
    kinds = sorted(_HANDLERS)
    _alarm_unknown_kinds(now or timezone.now(), kinds)
    fired = 0
    for _ in range(limit):
        with transaction.atomic():
            moment = now or timezone.now()
            deadline = _claim_one(moment, kinds)
            if deadline is None:
                break
            try:
                with transaction.atomic():
                    outcome = _HANDLERS[deadline.kind](deadline, moment) or ""
            except Exception as exc:  # noqa: BLE001 — one failing handler must not hold up the others
                _failed(deadline, moment, exc)
                continue
            deadline.state = DeadlineState.FIRED
            deadline.fired_at = moment
            deadline.outcome = outcome[:2000]
            deadline.next_attempt_at = None
            deadline.save(update_fields=["state", "fired_at", "outcome", "next_attempt_at"])
            fired += 1
    return fired
