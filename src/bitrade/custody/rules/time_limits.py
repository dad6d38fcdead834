"""Time limits: the time frame of a ground, the deadlines of an episode, re-assessments and where an
episode stands against its frame (16 § and 13 c § PL, LOB)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .base import (
    _KIND_ORDER,
    DEADLINE_ALERT,
    DEADLINE_HARD_LIMIT,
    DEADLINE_REASSESSMENT,
    DEADLINE_REVIEW_HORIZON,
    Check,
    PlannedDeadline,
    _aware_utc,
    _cite,
    _local,
    _percent,
    _text,
    format_duration,
)
from .grounds import CustodyGround, get_ground
from .time_config import DEFAULT_TIME_LIMIT_CONFIG, ReviewThresholds, TimeLimitConfig

_TWELVE_HOURS_ONLY_14 = (
    f"Förlängning till tolv timmar finns bara vid omhändertagande för identifiering ({_cite('PL', '14')})"
)


# ---------------------------------------------------------------------------------------------
# Time limits
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeLimit:
    """The time frame of one ground.

    ``hard_limit`` is statutory (``statutory`` True) and its ``citation`` the provision that sets it;
    where the law sets no hours ``hard_limit`` is None, ``citation`` is the ground's own provision and
    the alerts run against the platform's ``review_horizon``.
    """

    ground: str
    hard_limit: timedelta | None
    citation: str
    statutory: bool
    review_horizon: timedelta | None
    reassessment_interval: timedelta | None
    alert_fractions: tuple[float, ...]
    message: str
    verify: bool = False

    @property
    def span(self) -> timedelta | None:
        """What the alerts measure against: the hard limit, else the review horizon."""
        return self.hard_limit if self.hard_limit is not None else self.review_horizon


def time_limit(
    ground: str | CustodyGround,
    *,
    identification_of_special_importance: bool = False,
    config: TimeLimitConfig | None = None,
) -> TimeLimit:
    """The time frame of ``ground``.

    6 h for 13 § andra stycket PL (16 § andra stycket PL: "Ingen får dock hållas kvar längre än sex
    timmar", read as applying to everyone held on that ground); 6 h for identification under 14 § PL,
    12 h when it is of "synnerlig vikt" that the person is identified (16 § tredje stycket PL); 2 h for
    extended removal (13 c § andra stycket PL); 8 h for LOB (verify).  No hours for handräckning, 11 §,
    12 §, 12 a § PL and 47 § första stycket LPT: review thresholds from ``config`` instead.
    """
    g = get_ground(ground)
    cfg = config or DEFAULT_TIME_LIMIT_CONFIG
    thresholds = cfg.for_ground(g)
    if identification_of_special_importance and g.code != "pl_14":
        raise ValueError(_TWELVE_HOURS_ONLY_14)

    hard = g.hard_limit
    if g.code == "lob":
        hard = cfg.lob_hard_limit
    if g.code == "pl_14" and identification_of_special_importance:
        hard = timedelta(hours=12)

    if hard is not None:
        citation = g.limit_citation or g.citation
        return TimeLimit(
            ground=g.code,
            hard_limit=hard,
            citation=citation,
            statutory=True,
            review_horizon=None,
            reassessment_interval=thresholds.reassessment_interval,
            alert_fractions=thresholds.alert_fractions,
            message=_statutory_message(g, hard, citation, identification_of_special_importance),
            verify=g.verify,
        )
    return TimeLimit(
        ground=g.code,
        hard_limit=None,
        citation=g.citation,
        statutory=False,
        review_horizon=thresholds.review_horizon,
        reassessment_interval=thresholds.reassessment_interval,
        alert_fractions=thresholds.alert_fractions,
        message=_review_message(g, thresholds),
        verify=g.verify,
    )


def _statutory_message(g: CustodyGround, hard: timedelta, citation: str, special_importance: bool) -> str:
    """The message of a ground with a statutory hard limit."""
    if g.code == "pl_14" and special_importance:
        message = (
            f"Omhändertagande för identifiering ({g.citation}): högst {format_duration(hard)} eftersom det "
            f"är av synnerlig vikt att personen identifieras ({citation}). Personen ska friges omedelbart "
            "när identiteten är fastställd."
        )
    elif g.code == "pl_14":
        message = (
            f"Omhändertagande för identifiering ({g.citation}): högst {format_duration(hard)} ({citation}), "
            "tolv timmar endast om det är av synnerlig vikt att personen identifieras. Personen ska friges "
            "omedelbart när identiteten är fastställd."
        )
    elif g.kind == "removal":
        message = (
            f"{g.title} ({g.citation}): rörelsefriheten får inte inskränkas längre tid än "
            f"{format_duration(hard)} ({citation})."
        )
    else:
        message = f"{g.title} ({g.citation}): ingen får hållas kvar längre än {format_duration(hard)} ({citation})."
    if g.verify:
        message += " Tidsgränsen kommer inte från källtexterna och ska kontrolleras mot SFS."
    return message


def _review_message(g: CustodyGround, thresholds: ReviewThresholds) -> str:
    """The message of a ground without hours: the platform's re-assessment interval and review horizon."""
    horizon = thresholds.review_horizon
    parts = [f"{g.title} ({g.citation}): lagen anger ingen tidsgräns i timmar."]
    if thresholds.reassessment_interval is not None:
        parts.append(
            f"Plattformen kräver en dokumenterad omprövning med högst {format_duration(thresholds.reassessment_interval)} "
            "mellan omprövningarna"
        )
        if horizon is not None:
            levels = ", ".join(_percent(f) for f in thresholds.alert_fractions)
            parts[-1] += (
                f" och larmar ansvarigt befäl vid {levels} av en granskningshorisont på {format_duration(horizon)}"
            )
        parts[-1] += "."
    parts.append(
        f"Värdena är plattformens standardval, inte lag. Frihetsberövandet ska vara så kortvarigt som möjligt "
        f"({_cite('PL', '8')})."
    )
    return " ".join(parts)


#: How far ahead re-assessments are planned when a ground has neither a hard limit nor a horizon.
_PLANNING_WINDOW = timedelta(hours=12)


def deadlines_for_episode(
    ground: str | CustodyGround,
    started_at: datetime,
    config: TimeLimitConfig | None = None,
    *,
    identification_of_special_importance: bool = False,
) -> list[PlannedDeadline]:
    """The deadlines of one custody episode, ordered by ``due_at`` (UTC), every one after the start.

    ``started_at`` is the moment the person was deprived of liberty (the clock starts then, the
    conservative reading; the statutes give no other start).  The list holds:

    * ``custody_alert`` at each alert fraction below 100 % of the span, to the responsible commander;
    * ``custody_review_horizon`` at 100 % of the review horizon (grounds without a statutory limit):
      the responsible commander must record a re-assessment of whether the deprivation shall continue;
    * ``custody_reassessment`` every re-assessment interval before the end of the span (forced, recorded
      re-assessment; after the span the shell plans the next one with :func:`next_reassessment`);
    * ``custody_hard_limit`` at the statutory limit: the person must be released.
    """
    g = get_ground(ground)
    start = _aware_utc(started_at, "starttiden")
    limit = time_limit(g, identification_of_special_importance=identification_of_special_importance, config=config)
    out = _alert_deadlines(g, start, limit)
    if limit.hard_limit is not None:
        out.append(
            PlannedDeadline(
                kind=DEADLINE_HARD_LIMIT,
                due_at=start + limit.hard_limit,
                severity="breach",
                message=(
                    f"{g.title}: tidsgränsen {format_duration(limit.hard_limit)} ({limit.citation}) är nådd. "
                    "Personen ska friges nu, eller hållas kvar endast på en annan, dokumenterad grund."
                ),
                citation=limit.citation,
                key="hard_limit",
            )
        )
    out.extend(_reassessment_deadlines(g, start, limit))
    out.sort(key=lambda d: (d.due_at, _KIND_ORDER[d.kind], d.key))
    return out


def _alert_deadlines(g: CustodyGround, start: datetime, limit: TimeLimit) -> list[PlannedDeadline]:
    """The alerts at each fraction of the span; at 100 % of a review horizon, the horizon itself (the
    100 % alert of a hard limit is the hard-limit deadline)."""
    span = limit.span
    out: list[PlannedDeadline] = []
    if span is None:
        return out
    for fraction in limit.alert_fractions:
        due = start + span * fraction
        if fraction >= 1:
            if limit.hard_limit is not None:
                continue  # the hard-limit deadline is the 100 % alert
            out.append(
                PlannedDeadline(
                    kind=DEADLINE_REVIEW_HORIZON,
                    due_at=due,
                    severity="critical",
                    message=(
                        f"{g.title}: personen har varit frihetsberövad i {format_duration(span)}, plattformens "
                        f"granskningshorisont. Lagen anger ingen tidsgräns, men ansvarigt befäl ska nu pröva och "
                        f"dokumentera om frihetsberövandet och ett eventuellt förvar ska bestå och varför "
                        f"({_cite('PL', '8')}: kortast möjliga tid)."
                    ),
                    citation=g.citation,
                    key="review_horizon",
                )
            )
            continue
        remaining = span - span * fraction
        if limit.hard_limit is not None:
            message = (
                f"{g.title}: {_percent(fraction)} av tidsgränsen ({format_duration(span)}, {limit.citation}) har "
                f"gått. Personen ska friges senast {_local(start + span)}; {format_duration(remaining)} återstår."
            )
            citation = limit.citation
        else:
            message = (
                f"{g.title}: {_percent(fraction)} av granskningshorisonten ({format_duration(span)}, plattformens "
                f"standardval) har gått. Pröva om frihetsberövandet fortfarande behövs och kan avslutas."
            )
            citation = g.citation
        out.append(
            PlannedDeadline(
                kind=DEADLINE_ALERT,
                due_at=due,
                severity="info" if fraction < 0.75 else "warning",
                message=message,
                citation=citation,
                key=f"alert_{round(fraction * 100)}",
            )
        )
    return out


def _reassessment_deadlines(g: CustodyGround, start: datetime, limit: TimeLimit) -> list[PlannedDeadline]:
    """A forced re-assessment every interval before the end of the span (or of the planning window)."""
    interval = limit.reassessment_interval
    out: list[PlannedDeadline] = []
    if interval is None:
        return out
    span = limit.span
    end = start + (span if span is not None else _PLANNING_WINDOW)
    n = 1
    while start + interval * n < end:
        out.append(
            PlannedDeadline(
                kind=DEADLINE_REASSESSMENT,
                due_at=start + interval * n,
                severity="warning",
                message=(
                    f"{g.title}: dokumenterad omprövning nummer {n} krävs nu "
                    f"(intervall {format_duration(interval)}, plattformens standardval). Pröva om frihetsberövandet "
                    f"och ett eventuellt förvar ska bestå ({_cite('PL', '8')})."
                ),
                citation=g.citation,
                key=f"reassessment_{n}",
            )
        )
        n += 1
    return out


def next_reassessment(
    ground: str | CustodyGround,
    started_at: datetime,
    last_reassessment_at: datetime | None,
    config: TimeLimitConfig | None = None,
) -> PlannedDeadline | None:
    """The next forced re-assessment after the last recorded one (or after the start).  The shell calls
    this each time a re-assessment is recorded, so re-assessments continue past the planned span."""
    g = get_ground(ground)
    start = _aware_utc(started_at, "starttiden")
    interval = (config or DEFAULT_TIME_LIMIT_CONFIG).for_ground(g).reassessment_interval
    if interval is None:
        return None
    last = _aware_utc(last_reassessment_at, "tidpunkten för omprövningen") if last_reassessment_at else start
    if last < start:
        raise ValueError("omprövningen kan inte ligga före frihetsberövandets början")
    return PlannedDeadline(
        kind=DEADLINE_REASSESSMENT,
        due_at=last + interval,
        severity="warning",
        message=(
            f"{g.title}: nästa dokumenterade omprövning senast {_local(last + interval)} "
            f"(intervall {format_duration(interval)}, plattformens standardval)."
        ),
        citation=g.citation,
        key=f"reassessment_after_{int((last - start).total_seconds())}",
    )


# Check codes of check_duration
DURATION_HARD_LIMIT = "duration_hard_limit"
DURATION_APPROACHING = "duration_approaching_limit"
DURATION_REVIEW_HORIZON = "duration_review_horizon"
DURATION_REASSESSMENT = "duration_reassessment"
DURATION_SPECIAL_IMPORTANCE = "duration_special_importance_recorded"


def check_duration(
    ground: str | CustodyGround,
    started_at: datetime,
    now: datetime,
    config: TimeLimitConfig | None = None,
    *,
    identification_of_special_importance: bool = False,
    special_importance_reason: str = "",
    last_reassessment_at: datetime | None = None,
) -> list[Check]:
    """How the episode stands at ``now`` against its time frame.

    A claimed 12 h identification limit counts only with a recorded reason; without one the 6 h limit
    applies (and a check says so).  Reaching a statutory limit is a hard error (release now); passing
    the review horizon or missing a re-assessment is a warning to the responsible commander.
    """
    g = get_ground(ground)
    start = _aware_utc(started_at, "starttiden")
    at = _aware_utc(now, "now")
    if at < start:
        raise ValueError("now kan inte ligga före frihetsberövandets början")
    checks: list[Check] = []

    special = identification_of_special_importance
    if special:
        if g.code != "pl_14":
            raise ValueError(_TWELVE_HOURS_ONLY_14)
        reason_ok = bool(_text(special_importance_reason))
        checks.append(
            Check(
                DURATION_SPECIAL_IMPORTANCE,
                reason_ok,
                "Skälet till att det är av synnerlig vikt att personen identifieras är dokumenterat."
                if reason_ok
                else "Tolv timmar kräver ett dokumenterat skäl till att identifieringen är av synnerlig vikt. "
                "Utan skäl gäller sex timmar.",
                _cite("PL", "16", 3),
            )
        )
        special = reason_ok

    limit = time_limit(g, identification_of_special_importance=special, config=config)
    if limit.hard_limit is not None:
        checks.extend(_hard_limit_checks(limit, start, at))
    elif limit.review_horizon is not None:
        checks.append(_review_horizon_check(g, limit, start, at))
    if limit.reassessment_interval is not None:
        checks.append(_reassessment_check(g, limit, start, at, last_reassessment_at))
    return checks


def _hard_limit_checks(limit: TimeLimit, start: datetime, at: datetime) -> list[Check]:
    """Against a statutory limit: reached (hard error: release now), approaching (warning) or within."""
    elapsed = at - start
    deadline = start + limit.hard_limit
    if elapsed >= limit.hard_limit:
        return [
            Check(
                DURATION_HARD_LIMIT,
                False,
                f"Tidsgränsen {format_duration(limit.hard_limit)} nåddes {_local(deadline)} "
                f"({format_duration(elapsed)} har gått). Personen ska friges nu.",
                limit.citation,
                hard=True,
            )
        ]
    checks = [
        Check(
            DURATION_HARD_LIMIT,
            True,
            f"{format_duration(elapsed)} av högst {format_duration(limit.hard_limit)} har gått; personen ska "
            f"friges senast {_local(deadline)}.",
            limit.citation,
            severity="info",
        )
    ]
    warn_at = max((f for f in limit.alert_fractions if f < 1), default=None)
    if warn_at is not None and elapsed >= limit.hard_limit * warn_at:
        checks.append(
            Check(
                DURATION_APPROACHING,
                False,
                f"Mer än {_percent(warn_at)} av tidsgränsen har gått; "
                f"{format_duration(deadline - at)} återstår till {_local(deadline)}.",
                limit.citation,
                severity="warning",
            )
        )
    return checks


def _review_horizon_check(g: CustodyGround, limit: TimeLimit, start: datetime, at: datetime) -> Check:
    """Against the platform's review horizon (grounds without hours): a warning once it has passed."""
    elapsed = at - start
    horizon_at = start + limit.review_horizon
    passed = elapsed >= limit.review_horizon
    return Check(
        DURATION_REVIEW_HORIZON,
        not passed,
        (
            f"{format_duration(elapsed)} har gått, granskningshorisonten {format_duration(limit.review_horizon)} "
            f"passerades {_local(horizon_at)}. Lagen anger ingen tidsgräns, men ansvarigt befäl ska dokumentera "
            f"varför frihetsberövandet fortsätter; det ska vara så kortvarigt som möjligt ({_cite('PL', '8')})."
        )
        if passed
        else (
            f"{format_duration(elapsed)} har gått av granskningshorisonten {format_duration(limit.review_horizon)} "
            "(plattformens standardval, inte lag)."
        ),
        g.citation,
        severity="warning" if passed else "info",
        source="Plattformens standardvärde (TimeLimitConfig)",
    )


def _reassessment_check(
    g: CustodyGround, limit: TimeLimit, start: datetime, at: datetime, last_reassessment_at: datetime | None
) -> Check:
    """Whether the recorded re-assessment is overdue (counted from the last one, else from the start)."""
    last = _aware_utc(last_reassessment_at, "tidpunkten för omprövningen") if last_reassessment_at else start
    if last < start or last > at:
        raise ValueError("omprövningen måste ligga mellan frihetsberövandets början och now")
    due = last + limit.reassessment_interval
    overdue = at >= due
    return Check(
        DURATION_REASSESSMENT,
        not overdue,
        f"En dokumenterad omprövning skulle ha gjorts senast {_local(due)} "
        f"(intervall {format_duration(limit.reassessment_interval)})."
        if overdue
        else f"Nästa dokumenterade omprövning senast {_local(due)}.",
        g.citation,
        severity="warning" if overdue else "info",
        source="Plattformens standardvärde (TimeLimitConfig)",
    )
