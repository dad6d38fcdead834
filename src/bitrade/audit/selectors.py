"""Reading the audit trail (administrators only) and verifying the chain."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from bitrade.common.actor import Actor

from .models import AuditChainHead, AuditEvent
from .rules import HASHED_FIELDS, ChainReport, verify_chain

_CHAIN_FIELDS = ("seq", "prev_hash", "hash", *HASHED_FIELDS)


def audit_events(actor: Actor, *, object_type: str = "", object_id: str = "", action: str = "") -> QuerySet:
    if not actor.is_administrator:
        raise PermissionDenied("Endast administratörer får läsa granskningsloggen.")
    qs = AuditEvent.objects.all()
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if action:
        qs = qs.filter(action=action)
    return qs.order_by("-seq")


def verify() -> ChainReport:
    rows = AuditEvent.objects.order_by("seq").values(*_CHAIN_FIELDS).iterator(chunk_size=2000)
    report = verify_chain(rows)
    head = AuditChainHead.objects.filter(id=1).first()
    if report.ok and head is not None and head.last_seq:
        last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
        if last is None or last["seq"] != head.last_seq or last["hash"] != head.last_hash:
            return ChainReport(False, report.checked, head.last_seq,
                               "kedjans sista händelse saknas (loggen har trunkerats eller kortats)")
    return report
