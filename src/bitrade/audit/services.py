"""Writing audit events. Call inside the transaction of the change being described."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from bitrade.common.actor import Actor

from .context import current_request_id
from .models import AuditChainHead, AuditEvent
from .rules import GENESIS_HASH, event_hash, normalise

READ = "read"


def record(
    actor: Actor,
    action: str,
    *,
    obj=None,
    object_type: str = "",
    object_id: str | int = "",
    result: str = "ok",
    reason: str = "",
    old=None,
    new=None,
    request_id: str | None = None,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    fields = {
        **actor.audit_fields(),
        "occurred_at": timezone.now(),
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id or ""),
        "result": result,
        "reason": reason or "",
        "old": normalise(old) if old is not None else None,
        "new": normalise(new) if new is not None else None,
        "request_id": request_id if request_id is not None else current_request_id(),
    }
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            id=1, defaults={"last_hash": GENESIS_HASH}
        )
        prev = head.last_hash
        digest = event_hash(prev, fields)
        event = AuditEvent.objects.create(prev_hash=prev, hash=digest, **fields)
        AuditChainHead.objects.filter(id=1).update(last_seq=event.seq, last_hash=digest)
    return event


def record_read(actor: Actor, object_type: str, ids: Iterable, *, purpose: str = "") -> AuditEvent | None:
    """Log that personal data of these objects was shown to the actor (one event per read)."""
    ids = [str(i) for i in ids]
    if not ids:
        return None
    return record(
        actor, READ, object_type=object_type, object_id=ids[0] if len(ids) == 1 else "",
        reason=purpose, new={"ids": ids[:500], "count": len(ids)},
    )
