"""Carrying out an API write at most once per Idempotency-Key.

The key is claimed first, inside the write's own transaction: a concurrent twin with the same key
waits on the unique index until the first write commits and then answers with the stored result.
A refusal (a ``DomainError``: 4xx with its reasons) is an answer too: it is stored, and what the
refusing service put on record (the refusal in the audit trail) is committed with it. A server error
rolls back the claim, so the client may retry with the same key. A retry with the same key and
another body is refused (``IdempotencyConflict``, 409)."""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from bitrade.audit import services as audit
from bitrade.common import jsonout
from bitrade.common.errors import DomainError

from .models import IdempotentResponse

Answer = tuple[int, Any]


class IdempotencyConflict(DomainError):
    """The key was used before for another write."""

    def __init__(self):
        super().__init__("Idempotency-Key har redan använts för en annan skrivning. Använd en ny nyckel.",
                         field="Idempotency-Key", status=409)


def scope_of(actor) -> str:
    """Who a key belongs to: the requesting organisation (all its keys and staff share one key space),
    else the API key, else the person."""
    if getattr(actor, "organisation_id", None):
        return f"org:{actor.organisation_id}"
    if getattr(actor, "api_key_id", None):
        return f"key:{actor.api_key_id}"
    return f"person:{actor.person_id}"


def body_hash(endpoint: str, body: Any) -> str:
    raw = json.dumps([endpoint, body], sort_keys=True, cls=jsonout.ApiJSONEncoder, ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def lookup(scope: str, key: str, digest: str) -> IdempotentResponse | None:
    """The stored answer for this key, or None; a key used for another body is a conflict."""
    existing = IdempotentResponse.objects.filter(scope=scope, key=key, status__isnull=False).first()
    if existing is not None and existing.body_hash != digest:
        raise IdempotencyConflict
    return existing


def _insert_unless_taken(fields: dict[str, Any]) -> IdempotentResponse | None:
    """The claim's row inserted with ``ON CONFLICT (scope, key) DO NOTHING``: the new row, or None when the
    key is taken. A taken key is not an error, so no savepoint is needed around the statement (two round
    trips fewer per write on PostgreSQL); a concurrent twin still waits on the unique index as before."""
    meta = IdempotentResponse._meta
    qn = connection.ops.quote_name
    columns = [meta.get_field(name).column for name in fields]
    values = [meta.get_field(name).get_db_prep_save(value, connection) for name, value in fields.items()]
    sql = (f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(c) for c in columns)}) "  # noqa: S608 - names from the model
           f"VALUES ({', '.join(['%s'] * len(columns))}) "
           f"ON CONFLICT ({qn(meta.get_field('scope').column)}, {qn(meta.get_field('key').column)}) DO NOTHING "
           f"RETURNING {qn(meta.pk.column)}")
    with connection.cursor() as cur:
        cur.execute(sql, values)
        row = cur.fetchone()
    if row is None:
        return None
    obj = IdempotentResponse(pk=row[0], **fields)
    obj._state.adding, obj._state.db = False, connection.alias
    return obj


def claim(scope: str, key: str, endpoint: str, digest: str,
          answer: tuple[int, Any] | None = None) -> tuple[IdempotentResponse, bool]:
    """Claim the key inside the caller's transaction. Returns (row, won): ``won`` is False when a
    concurrent write with the same key committed first (the row then holds its answer). ``answer`` (status,
    JSON), when the caller knows it already, is stored with the claim (no ``store`` afterwards): others see
    it only when the caller's transaction commits, and not at all if it rolls back."""
    status, response = answer if answer is not None else (None, {})
    if answer is not None:
        response = jsonout.plain(response)
    row = _insert_unless_taken({"scope": scope, "key": key, "endpoint": endpoint[:200], "body_hash": digest,
                                "status": status, "response": response, "created_at": timezone.now()})
    if row is not None:
        return row, True
    existing = lookup(scope, key, digest)
    if existing is None:  # claimed but not answered: a write that is still in flight elsewhere
        raise IdempotencyConflict
    return existing, False


def store(row: IdempotentResponse, status: int, response: Any, *, normalised: bool = False) -> None:
    """The answer on the claimed row (``normalised``: ``response`` is plain JSON already)."""
    row.status = status
    row.response = response if normalised else jsonout.plain(response)
    # The UPDATE ``row.save(update_fields=["status", "response"])`` makes, its SQL built once per vendor.
    meta = IdempotentResponse._meta
    sql = _STORE_SQL.get(connection.vendor)
    if sql is None:
        qn = connection.ops.quote_name
        sql = _STORE_SQL[connection.vendor] = (
            f"UPDATE {qn(meta.db_table)} SET {qn(meta.get_field('status').column)} = %s, "  # noqa: S608 - names from the model
            f"{qn(meta.get_field('response').column)} = %s WHERE {qn(meta.pk.column)} = %s")
    with connection.cursor() as cur:
        cur.execute(sql, [meta.get_field("status").get_db_prep_save(row.status, connection),
                          meta.get_field("response").get_db_prep_save(row.response, connection), row.pk])


_STORE_SQL: dict[str, str] = {}


def run_once(actor, key: str, endpoint: str, body: Any, fn: Callable[[], Answer], *,
             replay: Callable[[int, Any], Answer] | None = None) -> Answer:
    """Call ``fn`` (returning status and JSON) once per key; a retry gets the stored answer, or what
    ``replay(status, stored)`` makes of it (e.g. the object's current state).

    The key is claimed first, with no lookup before it: ``INSERT … ON CONFLICT DO NOTHING`` either claims it
    or finds it taken (then the stored answer is read and replayed). Inside ``fn`` the services' own write
    blocks need no savepoint of their own (``flat_steps``): a refusal that leaves the transaction unusable is
    answered from a fresh transaction that claims the key with the refusal and puts what the refusing
    service recorded (held by ``audit.record``) on record with it."""
    scope, digest = scope_of(actor), body_hash(endpoint, body)
    replay = replay or (lambda status, stored: (status, stored))
    with audit.holding():
        broken = False
        with transaction.atomic():
            row, won = claim(scope, key, endpoint, digest)
            if not won:
                return replay(row.status, row.response)
            try:
                with flat_steps():
                    status, payload = fn()
            except IdempotencyConflict:
                raise
            except DomainError as exc:
                status, payload = exc.status, exc.as_response()
                broken = connection.needs_rollback  # the atomic block rolls the step back on its way out
            normalised = jsonout.plain(payload)
            if status >= 500:
                transaction.set_rollback(True)
                return status, normalised
            if not broken:
                store(row, status, normalised, normalised=True)
                return status, normalised
        with transaction.atomic():  # the refusal, its audit events and the key in one transaction
            row, won = claim(scope, key, endpoint, digest, answer=(status, normalised))
            if not won:
                return replay(row.status, row.response)
            audit.flush_held()
        return status, normalised


_flat: contextvars.ContextVar[bool] = contextvars.ContextVar("bitrade_flat_steps", default=False)


@contextlib.contextmanager
def flat_steps() -> Iterator[None]:
    """Inside: ``step()`` blocks nested in the caller's transaction take no savepoint (the caller answers a
    failure by rolling its whole transaction back)."""
    token = _flat.set(True)
    try:
        yield
    finally:
        _flat.reset(token)


def step() -> transaction.Atomic:
    """The write block of one service step: ``transaction.atomic()``, but without a savepoint of its own when
    nested inside ``flat_steps`` (``run_once``), where a refusal rolls back the whole request's transaction
    and is answered from a fresh one. Two statements fewer per step (SAVEPOINT and RELEASE)."""
    if _flat.get() and connection.in_atomic_block:
        return transaction.atomic(savepoint=False)
    return transaction.atomic()
