"""The id of the HTTP request (or command) being served, for audit events."""

from __future__ import annotations

import contextvars
import uuid

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("bitrade_request_id", default="")


def current_request_id() -> str:
    return _request_id.get()


def set_request_id(value: str | None = None) -> contextvars.Token:
    return _request_id.set(value or uuid.uuid4().hex)


def reset_request_id(token: contextvars.Token) -> None:
    _request_id.reset(token)


# Whether a refusal was already recorded while serving this request (the 403 hook then adds none).
_refusal: contextvars.ContextVar[list | None] = contextvars.ContextVar("bitrade_audit_refusal", default=None)


def track_refusals() -> contextvars.Token:
    return _refusal.set([])


def note_refusal() -> None:
    box = _refusal.get()
    if box is not None:
        box.append(True)


def refusal_recorded() -> bool:
    return bool(_refusal.get())


def untrack_refusals(token: contextvars.Token) -> None:
    _refusal.reset(token)
