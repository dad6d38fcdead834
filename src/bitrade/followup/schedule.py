"""The follow-up's share of the worker: keep the facts and the analytics replica in step with the cases.

Every ``BITRADE_FOLLOWUP_SYNC_SECONDS`` (default 15) the worker refreshes the fact table incrementally,
brings its own DuckDB replica up to date and, now and then, writes a Parquet snapshot of it that new
processes start from. Each night from ``BITRADE_FOLLOWUP_REBUILD_HOUR`` (local time, default 3) it rebuilds
the facts fully, a few batches per tick so the incremental refresh goes on in between; a rebuild that was
interrupted (the worker stopped or killed) goes on where it was at the next tick.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from . import duck, facts
from .models import FactState

#: Batches of the full rebuild per tick (each ``facts.BATCH`` cases, one transaction each).
REBUILD_BATCHES_PER_TICK = 10
#: A new snapshot when the last one is older than this and the facts have changed since.
SNAPSHOT_EVERY = timedelta(hours=1)


def interval() -> float:
    return float(getattr(settings, "BITRADE_FOLLOWUP_SYNC_SECONDS", 15))


def rebuild_due(state: FactState | None, now: datetime) -> bool:
    """The nightly rebuild is due from the rebuild hour until it has run that night (or one is unfinished)."""
    if state is None:
        return False
    if state.rebuild_after is not None:
        return True
    local = timezone.localtime(now)
    hour = int(getattr(settings, "BITRADE_FOLLOWUP_REBUILD_HOUR", 3))
    slot = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if local < slot:
        slot -= timedelta(days=1)
    return state.full_rebuild_at is None or state.full_rebuild_at < slot


@dataclass(frozen=True)
class Tick:
    rebuilt: int
    rebuilding: bool
    refreshed: int
    seq: int | None
    snapshot: bool


def tick(now: datetime | None = None) -> Tick:
    now = now or timezone.now()
    state = FactState.objects.filter(pk=1).first()
    rebuilt, rebuilding = 0, False
    if rebuild_due(state, now):
        done = facts.rebuild(now=now, batches=REBUILD_BATCHES_PER_TICK)
        rebuilt, rebuilding = done.refreshed, done.skipped
    refreshed = facts.refresh(now=now).refreshed
    snap = False
    synced = None
    if duck.engine() == duck.DUCKDB:
        synced = duck.ensure()
        manifest = duck.read_manifest()
        if synced is not None and not rebuilding and (
                manifest is None or manifest.get("generation") != synced.generation
                or (manifest.get("seq") != synced.seq
                    and datetime.fromisoformat(manifest["written_at"]) < now - SNAPSHOT_EVERY)):
            duck.write_snapshot()
            snap = True
    return Tick(rebuilt, rebuilding, refreshed, synced.seq if synced else None, snap)
