"""Reading the audit trail (administrators only), verifying it and proving that an event is in it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from . import checkpoint_file, keys
from .models import AuditCheckpoint, AuditEvent
from .rules import (
    HASHED_FIELDS,
    ChainReport,
    Checkpoint,
    event_hash,
    event_leaf,
    inclusion_proof,
    verify_inclusion,
    verify_log,
)

if TYPE_CHECKING:
    from bitrade.common.actor import Actor

_CHAIN_FIELDS = ("prev_hash", "hash", *HASHED_FIELDS)


def audit_events(actor: Actor, *, object_type: str = "", object_id: str = "", action: str = "", person: str = "",
                 objects: list[tuple[str, str]] | None = None, since=None, until=None) -> QuerySet:
    """The log for the administrator, filtered: by object, action (exact, or a prefix ending in "."),
    person (part of the actor's name), a set of objects (a case and its parts) and a time span."""
    if not actor.is_administrator:
        raise PermissionDenied("Endast administratörer får läsa granskningsloggen.")
    qs = AuditEvent.objects.all()
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if action:
        qs = qs.filter(action__startswith=action) if action.endswith(".") else qs.filter(action=action)
    if person:
        qs = qs.filter(actor_label__icontains=person)
    if objects is not None:
        match = Q(pk__in=[])
        for otype, oid in objects:
            match |= Q(object_type=otype, object_id=str(oid))
        qs = qs.filter(match)
    if since is not None:
        qs = qs.filter(occurred_at__gte=since)
    if until is not None:
        qs = qs.filter(occurred_at__lt=until)
    return qs.order_by("-seq")


def audit_actions() -> list[str]:
    """The actions on record, for the filter's choices."""
    return sorted(set(AuditEvent.objects.values_list("action", flat=True).distinct()))


def _signature_check():
    trusted = keys.trusted_keys()

    def signature_ok(cp: Checkpoint) -> str:
        return keys.check_signature(trusted, cp.key_id, cp.body, cp.signature)

    return signature_ok


def verify() -> ChainReport:
    """Check every sealed event, the chain and the checkpoints in the file (outside the database) and in
    the database. Events not yet sealed are counted, not judged."""
    rows = (AuditEvent.objects.filter(position__isnull=False).order_by("position").values(*_CHAIN_FIELDS)
            .iterator(chunk_size=2000))
    db_cps = [Checkpoint.parse(r.body, r.signature) for r in AuditCheckpoint.objects.order_by("number")]
    unsealed = AuditEvent.objects.filter(position__isnull=True).count()
    return verify_log(rows, checkpoint_file.read(), db_cps, _signature_check(), unsealed=unsealed)


#: Where the audit page's verification got to: the last checkpoint verified with every event before it,
#: and where its line ends in the checkpoint file. Kept in the cache of the process (never trusted
#: beyond what it names: the checkpoint's line, its database copy and its head event are checked again).
VERIFIED_KEY = "bitrade.audit.verified"


def verify_since_verified() -> ChainReport:
    """What the audit page shows: the same judgement as ``verify`` at a cost of O(what was added since the
    last view). It resumes after the last checkpoint it verified before (with every event up to it), once
    it has seen that checkpoint's line in the file, its database copy and its head event (content and hash)
    unchanged; from there the new checkpoints are checked (signature, numbering, link to the previous) and
    the new events (content, links, Merkle root and head of each batch, truncation). A change to an event
    at or before that checkpoint other than its head is left to the full check, ``bitrade audit verify``,
    which the operations schedule runs (docs/operations.md). Without a usable position it verifies
    everything and remembers where it got to."""
    state = cache.get(VERIFIED_KEY)
    anchor = _usable_anchor(state) if state else None
    if anchor is None:
        new = checkpoint_file.read_from(0)
        report = verify()
        start, offset = None, 0
    else:
        start, offset = anchor
        new = [(cp, end) for cp, end in checkpoint_file.read_from(offset) if cp.number > start.number]
        rows = (AuditEvent.objects.filter(position__gt=start.last_position).order_by("position")
                .values(*_CHAIN_FIELDS).iterator(chunk_size=2000))
        db_cps = [Checkpoint.parse(r.body, r.signature)
                  for r in AuditCheckpoint.objects.filter(number__gt=start.number).order_by("number")]
        unsealed = AuditEvent.objects.filter(position__isnull=True).count()
        report = verify_log(rows, [cp for cp, _ in new], db_cps, _signature_check(), unsealed=unsealed,
                            start=start)
    if report.ok:
        # The newest checkpoint now verified, with every event up to it (its first line in the file).
        seen: dict[int, tuple[Checkpoint, int]] = {}
        for cp, end in new:
            seen.setdefault(cp.number, (cp, end))
        if seen:
            cp, end = seen[max(seen)]
            cache.set(VERIFIED_KEY, {"body": cp.body, "signature": cp.signature, "end": end}, None)
    return report


def _usable_anchor(state: dict) -> tuple[Checkpoint, int] | None:
    """The remembered checkpoint and the file offset after its line, if all of it is still as it was."""
    try:
        cp = Checkpoint.parse(state["body"], state["signature"])
    except (KeyError, TypeError, ValueError):
        return None
    line = checkpoint_file.line_of(cp)
    if checkpoint_file.line_before(state["end"], len(line)) != line:
        return None
    row = AuditCheckpoint.objects.filter(number=cp.number).values("body", "signature").first()
    if row is None or row["body"] != cp.body or row["signature"] != cp.signature:
        return None
    head = AuditEvent.objects.filter(position=cp.last_position).values(*_CHAIN_FIELDS).first()
    if head is None or head["hash"] != cp.head or event_hash(head["prev_hash"], head) != head["hash"]:
        return None
    return cp, state["end"]


def prove(seq: int) -> dict:
    """An RFC 6962 inclusion proof of event `seq` in its sealed batch, with the signed checkpoint."""
    event = AuditEvent.objects.filter(seq=seq).values("seq", "position", "hash").first()
    if event is None:
        raise LookupError(f"Händelse #{seq} finns inte.")
    if event["position"] is None:
        raise LookupError(f"Händelse #{seq} är inte förseglad ännu.")
    row = AuditCheckpoint.objects.filter(first_position__lte=event["position"],
                                         last_position__gte=event["position"]).first()
    if row is None:
        raise LookupError(f"Ingen kontrollpunkt omfattar händelse #{seq}.")
    hashes = list(AuditEvent.objects.filter(position__gte=row.first_position, position__lte=row.last_position)
                  .order_by("position").values_list("hash", flat=True))
    leaves = [event_leaf(h) for h in hashes]
    index = event["position"] - row.first_position
    proof = inclusion_proof(index, leaves)
    cp = Checkpoint.parse(row.body, row.signature)
    in_file = any(c.body == cp.body and c.signature == cp.signature for c in checkpoint_file.read())
    ok = (verify_inclusion(index, len(leaves), event_leaf(event["hash"]), proof, bytes.fromhex(cp.root))
          and not keys.check_signature(keys.trusted_keys(), cp.key_id, cp.body, cp.signature) and in_file)
    return {"seq": seq, "position": event["position"], "event_hash": event["hash"],
            "leaf_index": index, "tree_size": len(leaves), "proof": [p.hex() for p in proof],
            "checkpoint": {"number": cp.number, "body": cp.body, "signature": cp.signature, "key_id": cp.key_id},
            "in_checkpoint_file": in_file, "verified": ok}
