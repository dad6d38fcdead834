"""Reads of a handräckning case's own records (plain data, scoped by the case the caller already read)."""

from __future__ import annotations

from .models import WantedNotice


def wanted_notices(case) -> list[WantedNotice]:
    return list(WantedNotice.objects.filter(case=case).select_related("decided_by"))
