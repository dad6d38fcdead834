"""How a case reads to a person: the inbox row and the case's representation, for the pages and
the API alike (labels in Swedish; code values only where a machine needs them)."""

from __future__ import annotations

from functools import cache
from uuid import UUID

from django.urls import reverse
from django.utils import timezone

from bitrade.common import labels
from bitrade.common.compiled import CompiledRead

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


def inbox_row(actor, row) -> dict:
    """How an inbox row reads (``selectors.inbox_rows``: a dict of the case's columns and the kinds'
    ``inbox_values``), with the kind's own values (person, legal basis …) from its ``inbox_row`` hook."""
    spec = kinds.get(row["kind"])
    acknowledged = row["acknowledged_at"] is not None
    out = {
        "id": row["public_id"], "reference_number": row["reference_number"], "kind": row["kind"],
        "kind_label": spec.label, "received_at": row["received_at"], "status": row["state"],
        "status_label": spec.state_label(row["state"]), "priority": row["priority"],
        "priority_label": str(row["priority"]) if row["priority"] else "Ordinär", "unit_name": row["unit__name"],
        "url": case_url(row["public_id"]), "citation": "", "person_name": "",
        "ack_due_at": None if acknowledged else row["ack_due_at"],
        "acknowledged": acknowledged, "escalated": row["escalation_count"] > 0,
    }
    if spec.inbox_row is not None:
        out.update(spec.inbox_row(actor, row))
    return out


def inbox_page_rows(actor, rows) -> list[dict]:
    """The inbox rows as the page's table shows them: ``inbox_row`` and the texts its cells print worked out
    once here (arrival in local time, the acknowledgement deadline in words), not by a filter per cell."""
    today = timezone.localdate()
    out = []
    for r in rows:
        row = inbox_row(actor, r)
        row["received_text"] = timezone.localtime(row["received_at"]).strftime("%Y-%m-%d %H:%M")
        due = row["ack_due_at"]
        if due is not None:
            local = timezone.localtime(due)
            row["due_text"] = f"{labels.day_in_words(local.date(), today)} {labels.clock(local)}"
        else:
            row["due_text"] = ""
        out.append(row)
    return out


def timeline(case, *, public_only: bool = False) -> list:
    labels = kinds.kind_of(case).timeline_labels
    prefetched = getattr(case, "_prefetched_objects_cache", {}).get("events")
    every = list(prefetched) if prefetched is not None else _events_of(case)
    events = [e for e in every if e.public or not public_only]
    for e in events:
        e.action_label = labels.get(e.action, "")
    return events


_EVENTS = None


def _events_of(case) -> list:
    """The case's events in order (as ``case.events.all()``), the query compiled once per thread."""
    global _EVENTS
    if _EVENTS is None:
        from .models import CaseEvent

        _EVENTS = CompiledRead("cases.timeline", lambda case_id: CaseEvent.objects.filter(case_id=case_id),
                               (CaseEvent._meta.get_field("case"),), (-0xB17,))
    events = _EVENTS.rows(case.pk)
    for e in events:
        e._state.fields_cache["case"] = case
    return events
