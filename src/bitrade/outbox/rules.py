"""Pure delivery policy of the outbox."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

MAX_ATTEMPTS = 10


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, … minutes, at most six hours between attempts."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def give_up(attempts: int) -> bool:
    return attempts >= MAX_ATTEMPTS


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
