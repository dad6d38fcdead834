"""Pure functions of the audit hash chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS_HASH = "0" * 64

HASHED_FIELDS = (
    "occurred_at", "actor_kind", "actor_label", "actor_person_id", "actor_unit_id",
    "actor_organisation_id", "actor_api_key_id", "action", "object_type", "object_id",
    "result", "reason", "old", "new", "request_id",
)


def normalise(value):
    """JSON-normalise a value so that it hashes the same before and after a database round trip."""
    return json.loads(json.dumps(value, default=str, sort_keys=True, ensure_ascii=False))


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(prev_hash: str, fields: Mapping) -> str:
    payload = {k: fields.get(k) for k in HASHED_FIELDS}
    payload["occurred_at"] = _timestamp(fields["occurred_at"])
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + "\n" + canonical).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""


def verify_chain(events: Iterable[Mapping]) -> ChainReport:
    """Walk events in sequence order; report the first one whose link or content does not match."""
    prev = GENESIS_HASH
    n = 0
    for e in events:
        n += 1
        if e["prev_hash"] != prev:
            return ChainReport(False, n, e["seq"], "länken till föregående händelse är bruten (händelse saknas eller har flyttats)")
        expected = event_hash(prev, e)
        if e["hash"] != expected:
            return ChainReport(False, n, e["seq"], "innehållet stämmer inte med kontrollsumman (händelsen har ändrats)")
        prev = e["hash"]
    return ChainReport(True, n)
