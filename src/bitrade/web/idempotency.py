"""Running an API write at most once per Idempotency-Key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction

from bitrade.common.actor import Actor

from .models import IdempotentResponse


class IdempotencyConflict(Exception):
    pass


def _scope(actor: Actor) -> str:
    return f"key:{actor.api_key_id}" if actor.api_key_id else f"person:{actor.person_id}"


def run_once(actor: Actor, key: str, endpoint: str, body: dict, fn: Callable[[], tuple[int, dict]]) -> tuple[int, dict]:
    """Call ``fn`` (which returns status and JSON) once; a retry gets the stored answer.

    ``fn`` runs in the same transaction that stores its answer, so a crash stores neither."""
    body_hash = hashlib.sha256(json.dumps([endpoint, body], sort_keys=True, cls=DjangoJSONEncoder).encode()).hexdigest()
    scope = _scope(actor)
    existing = IdempotentResponse.objects.filter(scope=scope, key=key).first()
    if existing is not None:
        if existing.body_hash != body_hash:
            raise IdempotencyConflict
        return existing.status, existing.response
    try:
        with transaction.atomic():
            status, payload = fn()
            normalised = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
            if status < 500:
                IdempotentResponse.objects.create(scope=scope, key=key, endpoint=endpoint, body_hash=body_hash,
                                                  status=status, response=normalised)
            return status, normalised
    except IntegrityError:
        existing = IdempotentResponse.objects.get(scope=scope, key=key)
        if existing.body_hash != body_hash:
            raise IdempotencyConflict from None
        return existing.status, existing.response
