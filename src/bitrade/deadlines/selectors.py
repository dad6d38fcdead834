"""Reads of pending deadlines for a page (no personal data: kinds, times and the kind's own message)."""

from __future__ import annotations

from .models import Deadline, DeadlineState


def next_pending(object_type: str, object_ids, *, limit: int = 3) -> list[Deadline]:
    """The next pending deadlines of these objects, earliest first."""
    ids = [str(i) for i in object_ids]
    if not ids:
        return []
    return list(Deadline.objects.filter(object_type=object_type, object_id__in=ids, state=DeadlineState.PENDING)
                .order_by("due_at")[:limit])
