"""Small helpers for reading HTML form values."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def parse_local_datetime(value: str) -> datetime | None:
    """A datetime-local form value (Stockholm time) as an aware datetime, or None."""
    try:
        moment = datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
