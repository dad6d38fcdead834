"""Writing audit events, and sealing them into the signed chain.

`record` is called inside the transaction of the change being described. It only inserts a row (the
database assigns `seq`): no row shared by all writers is locked, so audited requests do not queue behind
each other. `seal_pending` (the worker, or `bitrade audit seal --follow`) later links committed events into
the hash chain in batches and signs a checkpoint over each batch; see docs/architecture.md "Audit trail".
"""

from __future__ import annotations

import contextlib
import contextvars
import fcntl
import hashlib
import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from bitrade.common.compiled import insert_rows

from . import checkpoint_file, keys
from .context import current_request_id, note_refusal
from .models import AuditCheckpoint, AuditEvent, ReadMark
from .rules import (
    GENESIS_HASH,
    HASHED_FIELDS,
    Checkpoint,
    checkpoint_body,
    checkpoint_digest,
    event_hash,
    event_leaf,
    merkle_root,
    normalise,
)

if TYPE_CHECKING:  # an actor is anything with audit_fields() (bitrade.organisation.actor.Actor)
    from bitrade.common.actor import Actor

log = logging.getLogger("bitrade.audit")

READ = "read"
REFUSED = "refused"
# pg_advisory_lock key of the sealer ("bitrade" seal): one sealer at a time across hosts.
SEAL_LOCK_KEY = 0x0B17ADE5EA1


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
    event = _event(actor, action, obj=obj, object_type=object_type, object_id=object_id, result=result,
                   reason=reason, old=old, new=new, request_id=request_id)
    box = _deferred.get()
    if box is not None and connection.needs_rollback and connection.in_atomic_block:
        # A refusal inside a transaction that is to be rolled back as a whole (a step without a savepoint of
        # its own, ``idempotency.services.step``): held for the transaction that answers it (``flush_held``),
        # else inserted on its own when the request ends.
        box.pending.append(event)
        return event
    if box is not None and box.pending:
        # Events held back earlier in this request go in with this one, in one statement and in order.
        _insert_held(box, [event])
        return event
    event.save(force_insert=True)
    return event


def _insert_held(box: _Held, extra: list[AuditEvent]) -> None:
    held = box.pending
    box.pending = []
    insert_rows([*held, *extra])  # as bulk_create, one multi-row INSERT built once (common.compiled)
    if connection.in_atomic_block:
        box.inflight.append(held)
        transaction.on_commit(lambda: box.inflight.__setitem__(
            slice(None), [b for b in box.inflight if b is not held]))


def flush_held() -> None:
    """Insert the events held for this request's write now (in the caller's transaction)."""
    box = _deferred.get()
    if box is not None and box.pending:
        _insert_held(box, [])


def holding() -> contextlib.AbstractContextManager:
    """``held_events()`` unless the request holds its events already (then nothing more)."""
    return contextlib.nullcontext() if _deferred.get() is not None else held_events()


def _event(actor: Actor, action: str, *, obj=None, object_type: str = "", object_id: str | int = "",
           result: str = "ok", reason: str = "", old=None, new=None, request_id: str | None = None) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    if result == REFUSED:
        note_refusal()
    return AuditEvent(
        **actor.audit_fields(),
        occurred_at=timezone.now(),
        action=action,
        object_type=object_type,
        object_id=str(object_id or "")[:64],
        result=result,
        reason=reason or "",
        old=normalise(old) if old is not None else None,
        new=normalise(new) if new is not None else None,
        request_id=request_id if request_id is not None else current_request_id(),
    )


class _Held:
    """Events of one request held back to go in with its write transaction (``record_with_next_write``)."""

    def __init__(self):
        self.pending: list[AuditEvent] = []
        self.inflight: list[list[AuditEvent]] = []  # inserted in a transaction not committed yet


_deferred: contextvars.ContextVar[_Held | None] = contextvars.ContextVar("bitrade_audit_held", default=None)


@contextlib.contextmanager
def held_events() -> Iterator[None]:
    """Around one request: events recorded with ``record_with_next_write`` are inserted in the request's
    next write transaction that records an event (one write transaction instead of two: on SQLite one
    acquisition of the single write lock). Whatever did not go in with a committed transaction (no write
    came, or it rolled back) is inserted on its own when the request ends, with its original time."""
    box = _Held()
    token = _deferred.set(box)
    try:
        yield
    finally:
        _deferred.reset(token)
        inflight = [e for batch in box.inflight for e in batch]
        if inflight:
            # Inserted in a transaction whose commit was not seen: rolled back, or (an outer transaction
            # still open: a test, a command) not committed yet. Those still there stay.
            there = set(AuditEvent.objects.filter(pk__in=[e.pk for e in inflight]).values_list("pk", flat=True))
            inflight = [e for e in inflight if e.pk not in there]
        left = inflight + box.pending
        if left:
            for e in left:
                e.pk = None
                e._state.adding = True
            AuditEvent.objects.bulk_create(left)


def record_with_next_write(actor: Actor, action: str, **kwargs) -> None:
    """Like ``record``, but inside ``held_events`` the event waits for the request's write transaction (it is
    stored with its time of occurrence, before the events of that transaction). Outside: recorded at once."""
    box = _deferred.get()
    if box is None or connection.in_atomic_block:
        record(actor, action, **kwargs)
        return
    box.pending.append(_event(actor, action, **kwargs))


def _actor_key(actor: Actor) -> str:
    f = actor.audit_fields()
    return ":".join(str(f.get(k) or "") for k in ("actor_kind", "actor_person_id", "actor_unit_id",
                                                   "actor_organisation_id", "actor_api_key_id"))[:120]


def _read_unchanged(key: str, purpose: str, fingerprint: str, now) -> bool:
    """Whether this actor's mark for this view has this fingerprint and was logged within the repeat time:
    plain SQL on the mark's unique key (served on every poll of a self-refreshing page: no query is built
    per call). The database's mark is the only authority: every process, every poll."""
    since = now - timedelta(seconds=settings.BITRADE_AUDIT_READ_REPEAT_SECONDS)
    table = connection.ops.quote_name(ReadMark._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(f"SELECT 1 FROM {table} WHERE actor_key = %s AND purpose = %s AND fingerprint = %s "  # noqa: S608
                    "AND logged_at > %s", [key, purpose, fingerprint, connection.ops.adapt_datetimefield_value(since)])
        return cur.fetchone() is not None


def _mark_read(key: str, purpose: str, fingerprint: str, now) -> None:
    """Remember what this actor now saw through this view (in the caller's transaction): one UPDATE, or the
    first mark of an actor and view created."""
    table = connection.ops.quote_name(ReadMark._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {table} SET fingerprint = %s, logged_at = %s "  # noqa: S608
                    "WHERE actor_key = %s AND purpose = %s",
                    [fingerprint, connection.ops.adapt_datetimefield_value(now), key, purpose])
        if cur.rowcount:
            return
    ReadMark.objects.update_or_create(actor_key=key, purpose=purpose,
                                      defaults={"fingerprint": fingerprint, "logged_at": now})


def record_read(actor: Actor, object_type: str, ids: Iterable, *, purpose: str = "",
                fingerprint: str | bool | None = None) -> AuditEvent | None:
    """Log that personal data of these objects was shown to the actor.

    Without a fingerprint every call is one event. A self-refreshing view passes `fingerprint=True` (what it
    shows is the list of ids) or its own string: the read is then logged only when the fingerprint differs
    from what this actor last saw through this purpose, or when that was logged more than
    BITRADE_AUDIT_READ_REPEAT_SECONDS ago. The unchanged case is one SELECT of the mark and no write; a change
    writes the mark and the event in one transaction (on SQLite one turn at the write lock, not two).
    """
    ids = [str(i) for i in ids]
    event = None
    if fingerprint is not None:
        if fingerprint is True or fingerprint is False:
            fingerprint = hashlib.sha256("\n".join([object_type, *sorted(ids)]).encode()).hexdigest()
        now = timezone.now()
        key, view, fingerprint = _actor_key(actor), f"{object_type}:{purpose}"[:120], str(fingerprint)[:64]
        if _read_unchanged(key, view, fingerprint, now):
            return None
        with transaction.atomic():
            _mark_read(key, view, fingerprint, now)
            if ids:
                event = _record_read_event(actor, object_type, ids, purpose)
        return event
    if not ids:
        return None
    return _record_read_event(actor, object_type, ids, purpose)


def _record_read_event(actor: Actor, object_type: str, ids: list[str], purpose: str) -> AuditEvent:
    return record(
        actor, READ, object_type=object_type, object_id=ids[0] if len(ids) == 1 else "",
        reason=purpose, new={"ids": ids[:500], "count": len(ids)},
    )


# --- Sealing ----------------------------------------------------------------------------------------------

_CONTENT_FIELDS = tuple(f for f in HASHED_FIELDS if f != "position")


def _as_checkpoint(row: AuditCheckpoint) -> Checkpoint:
    return Checkpoint.parse(row.body, row.signature)


@contextlib.contextmanager
def _sealer_lock() -> Iterator[bool]:
    """One sealer at a time: a file lock next to the checkpoint file, and on PostgreSQL an advisory lock."""
    lock_path = checkpoint_file.path().with_suffix(".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o640)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        pg = connection.vendor == "postgresql"
        if pg:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_try_advisory_lock(%s)", [SEAL_LOCK_KEY])
                if not cur.fetchone()[0]:
                    yield False
                    return
        try:
            yield True
        finally:
            if pg:
                with connection.cursor() as cur:
                    cur.execute("SELECT pg_advisory_unlock(%s)", [SEAL_LOCK_KEY])
    finally:
        os.close(fd)


def _sync_checkpoint_file() -> int:
    """Append checkpoints committed to the database but not yet to the file (a crash between the two)."""
    in_file = checkpoint_file.last_number()
    missing = [_as_checkpoint(r) for r in AuditCheckpoint.objects.filter(number__gt=in_file).order_by("number")]
    checkpoint_file.append(missing)
    return len(missing)


def _chain_head() -> tuple[dict | None, dict | None]:
    """(position and hash of the last sealed event, number and body of the last checkpoint)."""
    last = AuditEvent.objects.filter(position__isnull=False).order_by("-position").values("position", "hash").first()
    last_cp = AuditCheckpoint.objects.order_by("-number").values("number", "body").first()
    return last, last_cp


@dataclass
class SealTimes:
    """Where the sealer's time went, per batch, in seconds (``bitrade audit seal --follow`` reports them)."""

    batches: list[tuple[int, float, float, float, float, float]] = field(default_factory=list)
    # (events, read, hash + sign, wait for the write lock, write + commit, checkpoint file append + fsync)

    starts: list[float] = field(default_factory=list)  # monotonic start of every run of ``follow``

    PHASES = ("read", "hash_sign", "lock_wait", "write", "file")

    def summary(self) -> dict:
        """Per phase the median, 99th percentile and maximum in ms, and the batch count and sizes."""
        out: dict = {"batches": len(self.batches), "events": sum(b[0] for b in self.batches), "runs": len(self.starts)}
        gaps = sorted(b - a for a, b in zip(self.starts, self.starts[1:], strict=False))
        if gaps:  # from the start of one run to the start of the next
            out["run_gap"] = {"p50_ms": round(gaps[len(gaps) // 2] * 1000, 1),
                              "p99_ms": round(gaps[min(len(gaps) - 1, int(0.99 * len(gaps)))] * 1000, 1),
                              "max_ms": round(gaps[-1] * 1000, 1)}
        if not self.batches:
            return out
        sizes = sorted(b[0] for b in self.batches)
        out["batch_size_p50"] = sizes[len(sizes) // 2]
        out["batch_size_max"] = sizes[-1]
        for i, name in enumerate((*self.PHASES, "total"), start=1):
            vals = sorted(sum(b[1:]) if name == "total" else b[i] for b in self.batches)
            out[name] = {"p50_ms": round(vals[len(vals) // 2] * 1000, 1),
                         "p99_ms": round(vals[min(len(vals) - 1, int(0.99 * len(vals)))] * 1000, 1),
                         "max_ms": round(vals[-1] * 1000, 1)}
        return out


def _seal_batch(batch_size: int, times: list | None = None) -> tuple[int, Checkpoint | None]:
    """Seal the next batch. Reading the events, hashing and signing happen before the write transaction
    (committed events do not change, and only this sealer seals: ``_sealer_lock``), so the transaction
    holds only the updates and the checkpoint's insert (on SQLite the single write lock, which intake
    requests wait for); inside it the chain head is checked to be the one the batch was built on."""
    t0 = time.perf_counter()
    pending = list(AuditEvent.objects.filter(position__isnull=True).order_by("seq")
                   .values(*_CONTENT_FIELDS)[:batch_size])
    if not pending:
        return 0, None
    last, last_cp = _chain_head()
    t1 = time.perf_counter()
    position, prev = (last["position"], last["hash"]) if last else (0, GENESIS_HASH)
    first_position = position + 1
    now = timezone.now()
    links, leaves = [], []
    for e in pending:
        position += 1
        e["position"] = position
        digest = event_hash(prev, e)
        links.append((position, prev, digest, e["seq"]))
        leaves.append(event_leaf(digest))
        prev = digest
    number = (last_cp["number"] if last_cp else 0) + 1
    key = keys.key_id(keys.signing_key().public_key())
    body = checkpoint_body(number=number, first_position=first_position, last_position=position,
                           first_seq=pending[0]["seq"], last_seq=pending[-1]["seq"],
                           root=merkle_root(leaves).hex(), head=prev,
                           previous=checkpoint_digest(last_cp["body"]) if last_cp else GENESIS_HASH,
                           created_at=now, key_id=key)
    _, signature = keys.sign(body)
    cp = Checkpoint.parse(body, signature)
    if times is not None:
        times += [len(pending), t1 - t0, time.perf_counter() - t1]
    # On SQLite the sealer goes to the head of the writers' queue (bitrade.common.sqlite): under load it
    # would otherwise wait behind every request, and the seal delay grow.
    priority = getattr(connection, "write_priority", None)
    if priority is not None:
        connection.write_priority = True
    try:
        return _write_batch(links, last, last_cp, number, first_position, position, key, body, signature, cp, now,
                            len(pending), times)
    finally:
        if priority is not None:
            connection.write_priority = priority


def _write_batch(links, last, last_cp, number, first_position, position, key, body, signature, cp, now,
                 count, times: list | None = None) -> tuple[int, Checkpoint | None]:
    t0 = time.perf_counter()
    with transaction.atomic():
        t1 = time.perf_counter()  # BEGIN IMMEDIATE on SQLite: in the writers' queue until here
        if _chain_head() != (last, last_cp):  # another sealer got in after all: build the batch again
            log.warning("audit chain head moved while a batch was being sealed; sealing it again")
            return 0, None
        sealed_at = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cur:
            cur.executemany("UPDATE audit_auditevent SET position = %s, prev_hash = %s, hash = %s, sealed_at = %s "
                            "WHERE seq = %s AND position IS NULL",
                            [(p, h0, h1, sealed_at, seq) for p, h0, h1, seq in links])
        AuditCheckpoint.objects.create(number=number, first_position=first_position, last_position=position,
                                       first_seq=cp.first_seq, last_seq=cp.last_seq, root=cp.root, head=cp.head,
                                       key_id=key, body=body, signature=signature, created_at=now)
    if times is not None:
        times += [t1 - t0, time.perf_counter() - t1]
    return count, cp


def seal_pending(*, batch_size: int | None = None, max_batches: int | None = None,
                 times: SealTimes | None = None) -> int:
    """Seal every committed, unsealed event in `seq` order, in batches; returns how many were sealed.

    Each batch is one transaction: positions, links and hashes of its events, and a signed checkpoint over
    them (Merkle root of the batch, hash of its last event, digest of the previous checkpoint). After the
    commit the checkpoint is appended to the checkpoint file. Only one sealer runs at a time; a second
    caller returns 0 at once. Safe to kill at any point: an interrupted batch rolls back, and a checkpoint
    committed but not yet in the file is appended by the next run.
    """
    batch_size = batch_size or settings.BITRADE_AUDIT_SEAL_BATCH
    total = batches = 0
    with _sealer_lock() as mine:
        if not mine:
            return 0
        _sync_checkpoint_file()
        while True:
            parts: list | None = [] if times is not None else None
            n, cp = _seal_batch(batch_size, parts)
            if cp is not None:
                t0 = time.perf_counter()
                checkpoint_file.append([cp])
                if parts is not None and len(parts) == 5:
                    times.batches.append((*parts, time.perf_counter() - t0))
            total += n
            batches += 1
            if n < batch_size or (max_batches and batches >= max_batches):
                break
    if total:
        log.debug("sealed %s audit events", total)
    return total


def follow(stop: threading.Event, interval: float = 0.5, *, times: SealTimes | None = None) -> None:
    """Seal continuously until ``stop`` is set (the worker's sealer thread, ``bitrade audit seal --follow``).

    A run starts every ``interval`` seconds, counted from the start of the previous run, not from its end:
    the time a run spends (waiting for SQLite's write lock, writing, a burst of full batches) is not added
    to the wait of the events that arrive meanwhile. A run that took longer than the interval is followed
    by the next at once. An event therefore waits at most about one interval plus one run."""
    while not stop.is_set():
        started = time.monotonic()
        if times is not None:
            times.starts.append(started)
        close_old_connections()
        try:
            seal_pending(times=times)
        except Exception:  # noqa: BLE001 — retried on the next run
            log.exception("audit sealing failed")
            stop.wait(1)
        stop.wait(max(0.0, interval - (time.monotonic() - started)))
    connection.close()
