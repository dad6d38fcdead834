"""Small helpers shared by the case pages' form views."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone


def parse_local_datetime(value: str) -> datetime | None:
    """A datetime-local form value (Stockholm time) as an aware datetime, or None."""
    try:
        moment = datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def run_and_return(request, public_id, fn):
    """Run a case action; show its refusal (with the citation) or "Sparat", then back to the case page."""
    from bitrade.cases.services import CaseError

    try:
        fn()
    except CaseError as exc:
        messages.error(request, exc.message + (f" ({exc.citation})" if exc.citation else ""))
    else:
        messages.success(request, "Sparat.")
    return redirect("cases:detail", public_id)
