"""Reads of deprivation of liberty, scoped through the case."""

from __future__ import annotations

from django.utils import timezone

from .models import CustodyEpisode, TimeLimitSetting
from .rules import TimeLimitConfig


def time_limit_config(on=None) -> TimeLimitConfig:
    """The configuration in force (stored rows over the documented defaults)."""
    on = on or timezone.localdate()
    row = TimeLimitSetting.objects.filter(valid_from__lte=on).order_by("-valid_from", "-id").first()
    return TimeLimitConfig.from_dict(row.data) if row else TimeLimitConfig()


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


def episode_of(case, episode_id) -> CustodyEpisode | None:
    """One custody episode of the case (None if it is not the case's)."""
    return CustodyEpisode.objects.select_related("case").filter(pk=episode_id, case=case).first()


def latest_episode(case, *, open_only: bool = False) -> CustodyEpisode | None:
    """The case's most recent custody episode (the ongoing one, with ``open_only``)."""
    qs = CustodyEpisode.objects.filter(case=case)
    if open_only:
        qs = qs.filter(ended_at__isnull=True)
    return qs.order_by("-started_at").first()


def power_uses(case) -> list:
    from .models import PowerUse

    return list(PowerUse.objects.filter(case=case))
