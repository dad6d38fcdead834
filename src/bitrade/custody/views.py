"""Custody, holding and protocol forms on the case page."""

from __future__ import annotations

from .selectors import episodes_for


def custody_context(actor, case) -> dict:
    return {"episodes": episodes_for(case)}
