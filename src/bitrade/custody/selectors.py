"""Reads of deprivation of liberty, scoped through the case."""

from __future__ import annotations

from .models import CustodyEpisode


def custody_counts(case) -> tuple[int, int]:
    """(open episodes, episodes without a complete protocol) of a case."""
    episodes = list(CustodyEpisode.objects.filter(case=case).select_related("protocol"))
    open_episodes = sum(1 for e in episodes if e.ended_at is None)
    missing = 0
    for e in episodes:
        protocol = getattr(e, "protocol", None)
        if protocol is None or not protocol.complete:
            missing += 1
    return open_episodes, missing


def episodes_for(case) -> list[CustodyEpisode]:
    return list(CustodyEpisode.objects.filter(case=case).select_related("decided_by", "forman")
                .prefetch_related("holdings", "reassessments").order_by("started_at"))
