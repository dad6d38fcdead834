"""The shapes every custody rule returns (checks, tasks, deadlines) and the small helpers they share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from bitrade.legal.citations import format_citation
from bitrade.organisation.rules import STOCKHOLM

Severity = Literal["info", "warning", "error"]


# ---------------------------------------------------------------------------------------------
# Checks, tasks and deadlines: the shapes every rule returns
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One legal or platform check.

    ``ok`` says whether it is met.  ``severity`` says what a failure means: ``"error"`` blocks the
    action, ``"warning"`` must be seen (and usually answered with a recorded reason), ``"info"``
    explains.  ``hard`` marks a failure that no justification can override (e.g. förvar of a child
    under 15).  ``citation`` is always produced by ``format_citation`` (or None where no statute is the
    source); ``source`` names a non-statutory source (a guideline, a national routine, a platform
    default) so the reader knows the check is not law.
    """

    code: str
    ok: bool
    message: str
    citation: str | None
    severity: Severity = "error"
    hard: bool = False
    source: str | None = None

    @property
    def blocking(self) -> bool:
        return not self.ok and self.severity == "error"


@dataclass(frozen=True)
class RequiredTask:
    """A duty the shell turns into a task (and a stored deadline at ``due_at``).

    ``time_word`` is the statute's own word ("så skyndsamt som möjligt", "omedelbart" …); ``sla`` is
    the platform's number for it (configurable in :class:`TaskSlaConfig`, not law).
    """

    code: str
    title: str
    responsible: str  # executing_officer | forman | police_authority | decider | responsible_commander
    due_at: datetime | None
    sla: timedelta | None
    citation: str | None
    time_word: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class PlannedDeadline:
    """A deadline the shell stores and the worker sweeps (exactly once).

    ``kind`` is one of :data:`DEADLINE_KINDS`; ``key`` is unique within one episode (``"alert_50"``,
    ``"reassessment_2"``, ``"hard_limit"``) so re-planning is idempotent.  ``due_at`` is in UTC.
    """

    kind: str
    due_at: datetime
    severity: Literal["info", "warning", "critical", "breach"]
    message: str
    citation: str | None
    key: str = ""
    target: str = "responsible_commander"


DEADLINE_ALERT = "custody_alert"
DEADLINE_REVIEW_HORIZON = "custody_review_horizon"
DEADLINE_REASSESSMENT = "custody_reassessment"
DEADLINE_HARD_LIMIT = "custody_hard_limit"
DEADLINE_KINDS = (DEADLINE_ALERT, DEADLINE_REVIEW_HORIZON, DEADLINE_REASSESSMENT, DEADLINE_HARD_LIMIT)
_KIND_ORDER = {kind: i for i, kind in enumerate(DEADLINE_KINDS)}


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def _cite(law: str, section: str, paragraph: int | None = None, point: int | None = None) -> str:
    return format_citation(law, section, paragraph, point)


def _aware_utc(moment: datetime, name: str = "tidpunkten") -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} måste vara en tidszonsmedveten datetime")
    return moment.astimezone(UTC)


def _local(moment: datetime) -> str:
    """The moment on the Swedish wall clock: ``2026-06-17 kl. 14:30``."""
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d kl. %H:%M")


def format_duration(duration: timedelta) -> str:
    """A duration in Swedish: ``6 timmar``, ``1 timme 30 minuter``, ``45 minuter`` (whole minutes)."""
    minutes = max(0, int(duration.total_seconds() // 60))
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append("1 timme" if hours == 1 else f"{hours} timmar")
    if rest or not hours:
        parts.append("1 minut" if rest == 1 else f"{rest} minuter")
    return " ".join(parts)


def _text(value: str | None) -> str:
    return " ".join((value or "").split())


def _percent(fraction: float) -> str:
    return f"{round(fraction * 100)} %"


def failed(checks: Iterable[Check]) -> list[Check]:
    """The blocking failures among ``checks``."""
    return [c for c in checks if c.blocking]
