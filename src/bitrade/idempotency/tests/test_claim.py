"""Claiming an Idempotency-Key: the first claim wins and its row is usable (the answer is stored on it); a
second claim of a key already answered gets that answer; a claim not yet answered is a conflict; a key
used for another body is a conflict. The claim needs no savepoint: a taken key is not an error."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bitrade.idempotency.models import IdempotentResponse
from bitrade.idempotency.services import IdempotencyConflict, claim, run_once, store

pytestmark = pytest.mark.django_db


def test_first_claim_wins_and_the_row_takes_the_answer():
    with CaptureQueriesContext(connection) as ctx:
        row, won = claim("org:1", "k1", "/api/v1/x", "h1")
    assert won and row.pk is not None
    assert not any("SAVEPOINT" in q["sql"].upper() for q in ctx.captured_queries)
    store(row, 201, {"id": "abc", "when": "2026"})
    saved = IdempotentResponse.objects.get(pk=row.pk)
    assert (saved.scope, saved.key, saved.status, saved.response) == ("org:1", "k1", 201, {"id": "abc", "when": "2026"})
    assert saved.created_at is not None

    again, won = claim("org:1", "k1", "/api/v1/x", "h1")
    assert not won and again.pk == row.pk and again.status == 201
    with pytest.raises(IdempotencyConflict):
        claim("org:1", "k1", "/api/v1/x", "another body")
    other, won = claim("org:2", "k1", "/api/v1/x", "h1")  # another scope: another key space
    assert won and other.pk != row.pk


def test_a_claim_in_flight_is_a_conflict_and_an_answer_goes_in_with_the_claim():
    claim("org:1", "k2", "/api/v1/x", "h2")  # claimed, not answered
    with pytest.raises(IdempotencyConflict):
        claim("org:1", "k2", "/api/v1/x", "h2")
    row, won = claim("org:1", "k3", "/api/v1/x", "h3", answer=(202, {"n": [1, 2]}))
    assert won and IdempotentResponse.objects.get(pk=row.pk).response == {"n": [1, 2]}


class _Actor:
    organisation_id = 7


def test_run_once_calls_once_and_replays():
    calls = []

    def fn():
        calls.append(1)
        return 201, {"n": len(calls)}

    with transaction.atomic():
        first = run_once(_Actor(), "key-a", "/api/v1/y", {"a": 1}, fn)
    assert first == (201, {"n": 1})
    assert run_once(_Actor(), "key-a", "/api/v1/y", {"a": 1}, fn) == (201, {"n": 1})
    assert calls == [1]
