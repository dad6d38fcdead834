"""How a case reads to a person: the inbox row and the case's representation, for the pages and
the API alike (labels in Swedish; code values only where a machine needs them)."""

from __future__ import annotations

from functools import cache
from uuid import UUID

from django.urls import reverse

from . import kinds

_URL_SLOT_ID = UUID(int=0)


@cache
def _detail_prefix() -> tuple[str, str]:
    """The case page's URL around its id, resolved once (not once per row of a page)."""
    before, _, after = reverse("cases:detail", args=[_URL_SLOT_ID]).partition(str(_URL_SLOT_ID))
    return before, after


def case_url(public_id) -> str:
    before, after = _detail_prefix()
    return f"{before}{public_id}{after}"


def inbox_row(actor, case) -> dict:
    spec = kinds.kind_of(case)
    row = {
        "id": case.public_id, "reference_number": case.reference_number, "kind": case.kind,
        "kind_label": spec.label, "received_at": case.received_at, "status": case.state,
        "status_label": spec.state_label(case.state), "priority": case.priority,
        "priority_label": str(case.priority) if case.priority else "Ordinär", "unit_name": case.unit.name,
        "url": case_url(case.public_id), "citation": "", "person_name": "",
        "ack_due_at": case.ack_due_at if case.acknowledged_at is None else None,
        "acknowledged": case.acknowledged_at is not None, "escalated": case.escalation_count > 0,
    }
    if spec.inbox_row is not None:
        row.update(spec.inbox_row(actor, case))
    return row


def timeline(case, *, public_only: bool = False) -> list:
    labels = kinds.kind_of(case).timeline_labels
    events = [e for e in case.events.all() if e.public or not public_only]
    for e in events:
        e.action_label = labels.get(e.action, "")
    return events
