"""Deprivation of liberty (frihetsberövande): pure rules, never Django.

Standard library and other ``rules`` modules only (``bitrade.legal.citations`` for every citation,
``bitrade.organisation.rules`` for the Stockholm clock).  Every check returns a code, whether it is
met, a Swedish message and the citation of the statute it rests on.  Time is explicit: every function
that needs "now" takes it as an argument, datetimes must be timezone-aware, durations are computed on
absolute (UTC) time and shown on the Swedish wall clock.

What this module decides
------------------------
1. **Custody grounds as data** (:data:`GROUNDS`): the legal grounds for deprivation of liberty met in
   handräckning work, each with its citation, its statutory hard limit (or None) and whether the
   police act's duties apply to it.  The review thresholds that the law does not set live in
   :class:`TimeLimitConfig` (platform defaults, not law).
2. **Time limits** (:func:`time_limit`, :func:`deadlines_for_episode`, :func:`check_duration`,
   :func:`next_reassessment`, :func:`release_duty`): 16 § andra stycket PL (6 h), 16 § tredje stycket
   PL (6 h, or 12 h when identification is of "synnerlig vikt"), 13 c § andra stycket PL (2 h), LOB
   (8 h, outside the seeds: verify) and configurable review thresholds where the law sets no hours.
3. **Holding (förvar)** (:func:`check_holding`): competence, reason, last resort, the children's rules
   (under 15 never, 17 § PL; 15–17 only when absolutely necessary) and the activity room.
4. **15 § PL** (:func:`custody_tasks`): report to the förman and the förman's review, and the other
   duties that follow from the ground (notify the authority, interview, hand over).
5. **17 a § PL** (:func:`next_of_kin_notification`): next-of-kin notification and its exceptions.
6. **27–28 §§ PL** (:func:`check_protocol`, :func:`check_measure_protocol`): the six items, the split of
   responsibility and the protocol for restraints and the other listed measures.

The readings chosen where the sources leave room, and why, are in ``docs/custody-rules.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any, Literal

from bitrade.legal.citations import Citation, format_citation
from bitrade.organisation.rules import STOCKHOLM

__all__ = [
    "AGE_BASES",
    "ASSISTANCE_GROUNDS",
    "DEFAULT_COMPETENCE",
    "DEFAULT_HOLDING_CONFIG",
    "DEFAULT_REVIEW_THRESHOLDS",
    "DEFAULT_TASK_SLAS",
    "DEFAULT_TIME_LIMIT_CONFIG",
    "GROUNDS",
    "HOLDING_REASONS",
    "INTERVENTION_TYPES",
    "MEASURE_TYPES",
    "PLACE_TYPES",
    "POLICE_FUNCTIONS",
    "PROTOCOL_ITEMS",
    "AgeAssessment",
    "Check",
    "CompetenceMatrix",
    "CustodyFacts",
    "CustodyGround",
    "HoldingConfig",
    "HoldingDecision",
    "HoldingFacts",
    "MeasureRecord",
    "NextOfKinDecision",
    "NextOfKinFacts",
    "PlannedDeadline",
    "ProtocolFacts",
    "ProtocolItem",
    "ReleaseDuty",
    "RequiredTask",
    "ReviewThresholds",
    "TaskSlaConfig",
    "TimeLimit",
    "TimeLimitConfig",
    "check_duration",
    "check_holding",
    "check_measure_protocol",
    "check_protocol",
    "classify_age",
    "custody_tasks",
    "deadlines_for_episode",
    "failed",
    "format_duration",
    "get_ground",
    "next_of_kin_notification",
    "next_reassessment",
    "protocol_required",
    "release_duty",
    "time_limit",
]

Severity = Literal["info", "warning", "error"]

#: SFS number of lagen (1976:511) om omhändertagande av berusade personer m.m. (LOB).  LOB is not in
#: ``legal.citations.LAWS``; ``format_citation`` writes it as "lagen (1976:511)".
LOB_SFS = "1976:511"
#: SFS number of lagen (1964:167) med särskilda bestämmelser om unga lagöverträdare (LUL).
LUL_SFS = "1964:167"

#: Age below which a person is a child (föräldrabalken 9 kap. 1 §).
MINOR_AGE_LIMIT = 18
#: Age below which nobody may be held in förvar (17 § PL).  Law, not configuration.
HOLDING_MIN_AGE = 15


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


_TWELVE_HOURS_ONLY_14 = (
    f"Förlängning till tolv timmar finns bara vid omhändertagande för identifiering ({_cite('PL', '14')})"
)


# ---------------------------------------------------------------------------------------------
# Custody grounds (data)
# ---------------------------------------------------------------------------------------------

GroundKind = Literal["custody", "removal"]
GroundFamily = Literal["assistance", "care_law", "police_act", "external"]


@dataclass(frozen=True)
class CustodyGround:
    """A legal ground for deprivation of liberty.

    ``law``/``section``/``paragraph``/``point`` are the ground's coordinates and ``citation`` its
    canonical text.  ``hard_limit`` is the statutory maximum (None when the law sets no hours) and
    ``limit_ref`` the provision that sets it.  ``police_act_custody`` is True for custody "enligt denna
    lag" (PL), to which 15 § första stycket första meningen and 17 § PL apply by their wording.
    ``verify`` marks content taken from outside the seed texts that must be checked against SFS.
    """

    code: str
    title: str
    law: str
    section: str
    paragraph: int | None = None
    point: int | None = None
    kind: GroundKind = "custody"
    family: GroundFamily = "police_act"
    hard_limit: timedelta | None = None
    limit_ref: tuple[str, str, int | None, int | None] | None = None
    police_act_custody: bool = False
    interview_required: bool = False  # 16 § första stycket PL
    notify_authority: Literal["never", "if_continued", "always"] = "never"  # 15 § andra stycket PL
    authority_decision_required: bool = False  # 15 § tredje stycket PL
    handover: Literal["", "guardian_or_social_services", "hospital", "minor_to_adult", "care_facility"] = ""
    verify: bool = False
    note: str = ""

    @property
    def citation(self) -> str:
        return _cite(self.law, self.section, self.paragraph, self.point)

    @property
    def limit_citation(self) -> str | None:
        return _cite(*self.limit_ref) if self.limit_ref else None

    @property
    def is_custody(self) -> bool:
        return self.kind == "custody"


def _ground(*args: Any, **kwargs: Any) -> CustodyGround:
    return CustodyGround(*args, **kwargs)


_GROUND_LIST: tuple[CustodyGround, ...] = (
    _ground(
        "handrackning_lpt",
        "Handräckning enligt LPT: personen hålls för transport till vårdinrättningen",
        "LPT", "47", 2, family="assistance", handover="care_facility",
        note="Lagen anger ingen tidsgräns i timmar; frihetsberövandet ska vara så kort som möjligt.",
    ),
    _ground(
        "handrackning_lrv",
        "Handräckning enligt LRV: personen hålls för transport till vårdinrättningen",
        "LRV", "27", family="assistance", handover="care_facility",
        note="Lagen anger ingen tidsgräns i timmar; frihetsberövandet ska vara så kort som möjligt.",
    ),
    _ground(
        "handrackning_lvm",
        "Handräckning enligt LVM: personen hålls för transport till LVM-hem eller sjukhus",
        "LVM", "45", 1, family="assistance", handover="care_facility",
        note="Lagen anger ingen tidsgräns i timmar; frihetsberövandet ska vara så kort som möjligt.",
    ),
    _ground(
        "handrackning_lvu",
        "Handräckning enligt LVU: den unge hålls för transport till vårdplatsen",
        "LVU", "43", 1, family="assistance", handover="care_facility",
        note="Lagen anger ingen tidsgräns i timmar; frihetsberövandet ska vara så kort som möjligt.",
    ),
    _ground(
        "lpt_temporary_custody",
        "Tillfälligt omhändertagande enligt LPT i avvaktan på att vården tar över",
        "LPT", "47", 1, family="care_law", verify=True,
        note=(
            "Befogenheten tillkommer Polismyndigheten; en polismans omhändertagande i avvaktan på "
            f"myndighetens beslut sker enligt {_cite('PL', '11')}. Lagen anger ingen tidsgräns i timmar."
        ),
    ),
    _ground(
        "pl_11",
        "Omhändertagande i avvaktan på myndighetens beslut enligt en särskild föreskrift",
        "PL", "11", police_act_custody=True, interview_required=True,
        notify_authority="if_continued", authority_decision_required=True,
        note=f"Ingen tidsgräns i timmar; myndigheten ska besluta snarast möjligt ({_cite('PL', '15', 3)}).",
    ),
    _ground(
        "pl_12",
        "Omhändertagande av den som kan antas vara under 18 år och är i överhängande och allvarlig risk",
        "PL", "12", police_act_custody=True, notify_authority="always",
        handover="guardian_or_social_services",
        note="Ingen tidsgräns i timmar; den unge ska skyndsamt överlämnas till vårdnadshavare eller socialnämnd.",
    ),
    _ground(
        "pl_12a",
        f"Omhändertagande i avvaktan på socialnämndens beslut enligt {_cite('LVM', '13')} (överlämnas till sjukhus)",
        "PL", "12 a", police_act_custody=True, handover="hospital",
        note="Ingen tidsgräns i timmar; personen ska skyndsamt överlämnas till sjukhus.",
    ),
    _ground(
        "pl_13_2",
        "Tillfälligt omhändertagande för att upprätthålla ordningen",
        "PL", "13", 2, hard_limit=timedelta(hours=6), limit_ref=("PL", "16", 2, None),
        police_act_custody=True, interview_required=True, handover="minor_to_adult",
        note="Friges snarast möjligt efter förhöret; ingen får hållas kvar längre än sex timmar.",
    ),
    _ground(
        "pl_13c_2",
        "Utvidgat avlägsnande av deltagare i en folksamling",
        "PL", "13 c", 2, kind="removal", hard_limit=timedelta(hours=2), limit_ref=("PL", "13 c", 2, None),
        note="Rörelsefriheten får inte inskränkas längre tid än två timmar. Ett avlägsnande är inte ett omhändertagande.",
    ),
    _ground(
        "pl_14",
        "Omhändertagande för identifiering",
        "PL", "14", hard_limit=timedelta(hours=6), limit_ref=("PL", "16", 3, None), police_act_custody=True,
        note="Friges omedelbart när personen har identifierats; högst sex timmar, tolv om det är av synnerlig vikt.",
    ),
    _ground(
        "lob",
        "Omhändertagande av berusad person enligt LOB",
        LOB_SFS, "1", family="external", hard_limit=timedelta(hours=8), limit_ref=(LOB_SFS, "7", None, None),
        verify=True,
        note="Uppgiften om åtta timmar kommer inte från källtexterna; kontrollera mot SFS (LOB har egna regler).",
    ),
)

#: The catalogue of grounds, by code.  Data: a new ground is a new entry here.
GROUNDS: Mapping[str, CustodyGround] = MappingProxyType({g.code: g for g in _GROUND_LIST})
ASSISTANCE_GROUNDS = frozenset(code for code, g in GROUNDS.items() if g.family == "assistance")


def get_ground(ground: str | CustodyGround) -> CustodyGround:
    if isinstance(ground, CustodyGround):
        return ground
    try:
        return GROUNDS[ground]
    except KeyError:
        raise ValueError(f"Okänd grund för frihetsberövande: {ground!r}") from None


# ---------------------------------------------------------------------------------------------
# Time-limit configuration (platform defaults, not law)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewThresholds:
    """Review thresholds for one ground.  **Platform choices, not law.**

    ``reassessment_interval``: a recorded re-assessment of whether the deprivation of liberty (and any
    förvar) shall continue is forced this often, counted from the start (then from the last recorded
    re-assessment).  ``review_horizon``: for grounds where the law sets no hours, the span against which
    alerts are raised to the responsible commander; ignored where the law sets a hard limit (the alerts
    then run against the hard limit).  ``alert_fractions``: fractions of the span at which alerts fire.
    """

    reassessment_interval: timedelta | None
    review_horizon: timedelta | None = None
    alert_fractions: tuple[float, ...] = (0.5, 0.8, 1.0)

    def __post_init__(self) -> None:
        if self.reassessment_interval is not None and self.reassessment_interval <= timedelta(0):
            raise ValueError("omprövningsintervallet måste vara positivt")
        if self.review_horizon is not None and self.review_horizon <= timedelta(0):
            raise ValueError("granskningshorisonten måste vara positiv")
        fractions = tuple(self.alert_fractions)
        if any(not (0 < f <= 1) for f in fractions):
            raise ValueError("larmnivåerna måste ligga i intervallet (0, 1]")
        if list(fractions) != sorted(set(fractions)):
            raise ValueError("larmnivåerna måste vara stigande och unika")
        object.__setattr__(self, "alert_fractions", fractions)


_H = timedelta(hours=1)

#: Default thresholds per ground.  Handräckning holding: a recorded re-assessment every 2 h and alerts
#: at 50/80/100 % of a 6 h review horizon (6 h mirrors the police act's own cap in 16 § PL, the
#: legislature's measure of a short custody).  Police-act grounds without hours: re-assessment every
#: hour; 6 h horizon, 3 h where a child or a hospital handover is waiting ("skyndsamt").  Grounds with
#: a hard limit: alerts against the limit, re-assessment every hour (every 30 min for the 2 h limit).
DEFAULT_REVIEW_THRESHOLDS: Mapping[str, ReviewThresholds] = MappingProxyType(
    {
        "handrackning_lpt": ReviewThresholds(2 * _H, 6 * _H),
        "handrackning_lrv": ReviewThresholds(2 * _H, 6 * _H),
        "handrackning_lvm": ReviewThresholds(2 * _H, 6 * _H),
        "handrackning_lvu": ReviewThresholds(2 * _H, 6 * _H),
        "lpt_temporary_custody": ReviewThresholds(_H, 6 * _H),
        "pl_11": ReviewThresholds(_H, 6 * _H),
        "pl_12": ReviewThresholds(_H, 3 * _H),
        "pl_12a": ReviewThresholds(_H, 3 * _H),
        "pl_13_2": ReviewThresholds(_H),
        "pl_13c_2": ReviewThresholds(timedelta(minutes=30)),
        "pl_14": ReviewThresholds(_H),
        "lob": ReviewThresholds(_H),
    }
)


def _default_thresholds() -> Mapping[str, ReviewThresholds]:
    return DEFAULT_REVIEW_THRESHOLDS


@dataclass(frozen=True)
class TimeLimitConfig:
    """The configurable side of the time limits.  The statutory limits themselves are law and live in
    :data:`GROUNDS`; the one exception is ``lob_hard_limit`` (8 h, from outside the seeds: an
    administrator corrects it after verification without a code change).

    ``thresholds`` maps a ground code to :class:`ReviewThresholds`; a ground missing from it uses
    ``fallback``.
    """

    thresholds: Mapping[str, ReviewThresholds] = field(default_factory=_default_thresholds)
    fallback: ReviewThresholds = ReviewThresholds(_H, 6 * _H)
    lob_hard_limit: timedelta = timedelta(hours=8)

    def __post_init__(self) -> None:
        if self.lob_hard_limit <= timedelta(0):
            raise ValueError("tidsgränsen för LOB måste vara positiv")
        unknown = set(self.thresholds) - set(GROUNDS)
        if unknown:
            raise ValueError(f"okända grunder i tröskelvärdena: {', '.join(sorted(unknown))}")

    def for_ground(self, ground: str | CustodyGround) -> ReviewThresholds:
        return self.thresholds.get(get_ground(ground).code, self.fallback)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TimeLimitConfig:
        """Build from stored configuration rows, in minutes, merged over the defaults::

            {"lob_hard_limit_minutes": 480,
             "thresholds": {"handrackning_lvu": {"reassessment_minutes": 60,
                                                  "review_horizon_minutes": 240,
                                                  "alert_fractions": [0.5, 0.8, 1.0]}}}
        """
        thresholds = dict(DEFAULT_REVIEW_THRESHOLDS)
        for code, row in (data.get("thresholds") or {}).items():
            base = thresholds.get(code, cls.fallback)
            interval = row.get("reassessment_minutes", _minutes(base.reassessment_interval))
            horizon = row.get("review_horizon_minutes", _minutes(base.review_horizon))
            thresholds[code] = ReviewThresholds(
                timedelta(minutes=interval) if interval is not None else None,
                timedelta(minutes=horizon) if horizon is not None else None,
                tuple(row.get("alert_fractions", base.alert_fractions)),
            )
        lob = data.get("lob_hard_limit_minutes")
        return cls(
            thresholds=MappingProxyType(thresholds),
            lob_hard_limit=timedelta(minutes=lob) if lob is not None else timedelta(hours=8),
        )


def _minutes(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds() / 60


DEFAULT_TIME_LIMIT_CONFIG = TimeLimitConfig()


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
        if g.code == "pl_14" and identification_of_special_importance:
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
        return TimeLimit(
            ground=g.code,
            hard_limit=hard,
            citation=citation,
            statutory=True,
            review_horizon=None,
            reassessment_interval=thresholds.reassessment_interval,
            alert_fractions=thresholds.alert_fractions,
            message=message,
            verify=g.verify,
        )

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
    return TimeLimit(
        ground=g.code,
        hard_limit=None,
        citation=g.citation,
        statutory=False,
        review_horizon=horizon,
        reassessment_interval=thresholds.reassessment_interval,
        alert_fractions=thresholds.alert_fractions,
        message=" ".join(parts),
        verify=g.verify,
    )


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
    span = limit.span
    out: list[PlannedDeadline] = []

    if span is not None:
        for fraction in limit.alert_fractions:
            due = start + span * fraction
            if fraction >= 1:
                if limit.hard_limit is not None:
                    continue  # the hard-limit deadline below is the 100 % alert
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

    interval = limit.reassessment_interval
    if interval is not None:
        end = start + (span if span is not None else _PLANNING_WINDOW)
        n = 1
        while start + interval * n < end:
            due = start + interval * n
            out.append(
                PlannedDeadline(
                    kind=DEADLINE_REASSESSMENT,
                    due_at=due,
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

    out.sort(key=lambda d: (d.due_at, _KIND_ORDER[d.kind], d.key))
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
    elapsed = at - start

    if limit.hard_limit is not None:
        deadline = start + limit.hard_limit
        if elapsed >= limit.hard_limit:
            checks.append(
                Check(
                    DURATION_HARD_LIMIT,
                    False,
                    f"Tidsgränsen {format_duration(limit.hard_limit)} nåddes {_local(deadline)} "
                    f"({format_duration(elapsed)} har gått). Personen ska friges nu.",
                    limit.citation,
                    hard=True,
                )
            )
        else:
            checks.append(
                Check(
                    DURATION_HARD_LIMIT,
                    True,
                    f"{format_duration(elapsed)} av högst {format_duration(limit.hard_limit)} har gått; personen ska "
                    f"friges senast {_local(deadline)}.",
                    limit.citation,
                    severity="info",
                )
            )
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
    elif limit.review_horizon is not None:
        horizon_at = start + limit.review_horizon
        passed = elapsed >= limit.review_horizon
        checks.append(
            Check(
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
        )

    if limit.reassessment_interval is not None:
        last = _aware_utc(last_reassessment_at, "tidpunkten för omprövningen") if last_reassessment_at else start
        if last < start or last > at:
            raise ValueError("omprövningen måste ligga mellan frihetsberövandets början och now")
        due = last + limit.reassessment_interval
        overdue = at >= due
        checks.append(
            Check(
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
        )
    return checks


# ---------------------------------------------------------------------------------------------
# Release duty
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseDuty:
    """Whether the episode must end now, why, and what must be recorded when it ends.

    ``record`` holds (code, Swedish label) pairs of the facts to record.  ``due_at`` is the statutory
    end (UTC), None where the law sets no hours.
    """

    must_release: bool
    reason: Literal["hard_limit_reached", "identified", "interviewed", "none"]
    message: str
    citation: str
    due_at: datetime | None
    elapsed: timedelta
    record: tuple[tuple[str, str], ...]


_RECORD_ALWAYS: tuple[tuple[str, str], ...] = (
    ("ended_at", "Tidpunkt då frihetsberövandet upphörde"),
    ("end_reason", "Skäl till att frihetsberövandet upphörde"),
    ("intervention_time", f"Tiden för ingripandet i protokollet ({_cite('PL', '27', 2, 5)})"),
)


def release_duty(
    ground: str | CustodyGround,
    started_at: datetime,
    now: datetime,
    config: TimeLimitConfig | None = None,
    *,
    identification_of_special_importance: bool = False,
    special_importance_reason: str = "",
    identified_at: datetime | None = None,
    interviewed_at: datetime | None = None,
    is_minor: bool = False,
) -> ReleaseDuty:
    """Whether the person must be released now.

    * A statutory limit reached (``now - started_at >= limit``) → release now.  A claimed 12 h
      identification limit counts only with a recorded reason (as in :func:`check_duration`).
    * 14 § PL: identified → release immediately (16 § tredje stycket PL).
    * 13 § andra stycket PL: interviewed → release as soon as possible after the interview (16 §
      andra stycket PL); a minor may be held until handed over, within the six hours.
    Grounds without hours never force release here: their duty is the recorded re-assessment.
    """
    g = get_ground(ground)
    start = _aware_utc(started_at, "starttiden")
    at = _aware_utc(now, "now")
    if at < start:
        raise ValueError("now kan inte ligga före frihetsberövandets början")
    special = identification_of_special_importance and bool(_text(special_importance_reason))
    limit = time_limit(g, identification_of_special_importance=special, config=config)
    elapsed = at - start
    due = start + limit.hard_limit if limit.hard_limit is not None else None
    record = list(_RECORD_ALWAYS)
    if is_minor:
        record.append(("handed_over_to", "Till vem den unge överlämnades (vårdnadshavare, socialtjänst eller annan lämplig vuxen)"))
    record.append(("new_ground", "Ny grund, om frihetsberövandet fortsätter på en annan grund (t.ex. gripande)"))
    record.append(
        ("next_of_kin", f"Underrättelse till anhörig behövs inte när åtgärden har upphört ({_cite('PL', '17 a', 3)})")
    )

    if limit.hard_limit is not None and elapsed >= limit.hard_limit:
        return ReleaseDuty(
            True,
            "hard_limit_reached",
            f"Tidsgränsen {format_duration(limit.hard_limit)} nåddes {_local(due)}. Personen ska friges nu; "
            "fortsatt frihetsberövande kräver en annan, dokumenterad grund.",
            limit.citation,
            due,
            elapsed,
            tuple(record),
        )
    if g.code == "pl_14" and identified_at is not None and _aware_utc(identified_at) <= at:
        return ReleaseDuty(
            True,
            "identified",
            f"Personen identifierades {_local(identified_at)} och ska friges omedelbart, om inte frihetsberövandet "
            "fortsätter på den grund som efterspaningen avsåg.",
            _cite("PL", "16", 3),
            due,
            elapsed,
            (*record, ("identified_at", "Tidpunkt då identiteten fastställdes")),
        )
    if g.code == "pl_13_2" and interviewed_at is not None and _aware_utc(interviewed_at) <= at and not is_minor:
        return ReleaseDuty(
            True,
            "interviewed",
            f"Förhöret hölls {_local(interviewed_at)}; personen ska friges snarast möjligt efter förhöret.",
            _cite("PL", "16", 2),
            due,
            elapsed,
            (*record, ("interviewed_at", "Tidpunkt för förhöret")),
        )
    if due is not None:
        message = f"Ingen skyldighet att frige ännu; tidsgränsen nås {_local(due)}."
        if g.code == "pl_13_2" and is_minor:
            message += " Den unge ska skyndsamt överlämnas och får hållas kvar i avvaktan på det, dock högst sex timmar."
    else:
        message = (
            "Lagen anger ingen tidsgräns i timmar för denna grund. Frihetsberövandet ska upphöra när "
            "uppdraget är utfört eller behovet har upphört, och omprövas enligt plattformens tröskelvärden."
        )
    return ReleaseDuty(False, "none", message, limit.citation, due, elapsed, tuple(record))


# ---------------------------------------------------------------------------------------------
# 15 § and 16 § PL: report to the förman, the förman's review and the duties that follow
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskSlaConfig:
    """Numbers for the statutes' time words.  **Platform defaults, not law**; each is the deadline of a
    task counted from the start of the custody (or from the report to the förman for the review).

    ``apply_section_15_to_all_custody``: 15 § första stycket andra–tredje meningarna speak of "ett
    omhändertagande" without limiting it to the police act; the platform applies the report and the
    review to every custody ground, handräckning included (the reading that protects liberty).
    ``inform_reason_for_all_grounds``: the person is told the reason for every ground, not only for
    custody under the police act.
    """

    inform_reason: timedelta = timedelta(minutes=15)  # "så snart som möjligt"
    report_to_forman: timedelta = timedelta(minutes=15)  # "så skyndsamt som möjligt"
    forman_review: timedelta = timedelta(minutes=15)  # "omedelbart", after the report
    notify_authority: timedelta = timedelta(hours=1)  # "skyndsamt"
    authority_decision: timedelta = timedelta(hours=2)  # "snarast möjligt"
    interview: timedelta = timedelta(hours=1)  # "så snart som möjligt"
    identification_measures: timedelta = timedelta(minutes=30)  # "skyndsamt"
    handover_minor: timedelta = timedelta(hours=2)  # "skyndsamt" (always within the 6 h)
    handover_guardian_or_social_services: timedelta = timedelta(hours=1)  # "skyndsamt"
    handover_hospital: timedelta = timedelta(hours=1)  # "skyndsamt"
    notify_next_of_kin: timedelta = timedelta(hours=1)  # 17 a § has no time word
    notify_social_services: timedelta = timedelta(minutes=30)  # "snarast"
    protocol_signing: timedelta = timedelta(hours=24)  # 27 § has no time word; counted from the end
    apply_section_15_to_all_custody: bool = True
    inform_reason_for_all_grounds: bool = True

    def __post_init__(self) -> None:
        for name, value in self.__dict__.items():
            if isinstance(value, timedelta) and value <= timedelta(0):
                raise ValueError(f"{name} måste vara positiv")


DEFAULT_TASK_SLAS = TaskSlaConfig()
_SLA_SOURCE = "Plattformens standardvärde för lagens tidsord (TaskSlaConfig)"


@dataclass(frozen=True)
class CustodyFacts:
    ground: str
    started_at: datetime
    is_minor: bool = False
    reported_to_forman_at: datetime | None = None
    forman_review_outcome: Literal["continue", "release"] | None = None
    ended_at: datetime | None = None


def custody_tasks(facts: CustodyFacts, slas: TaskSlaConfig = DEFAULT_TASK_SLAS) -> list[RequiredTask]:
    """The tasks a custody episode opens, ordered by ``due_at``.

    15 § första stycket PL: inform the person of the reason "så snart som möjligt"; the executing
    officer reports to the förman "så skyndsamt som möjligt"; the förman "omedelbart" reviews whether
    the custody shall continue (unless it has already ended).  15 § andra–tredje styckena: notify the
    authority (11 § when continued, 12 § always) and its decision after 11 §.  16 § PL: interview,
    identification measures, handover of a minor.  12 § and 12 a § PL: the handover the ground exists for.
    """
    g = get_ground(facts.ground)
    start = _aware_utc(facts.started_at, "starttiden")
    tasks: list[RequiredTask] = []

    def add(code: str, title: str, responsible: str, sla: timedelta, citation: str, word: str,
            base: datetime | None = None, cap: datetime | None = None) -> None:
        due = (base or start) + sla
        if cap is not None:
            due = min(due, cap)
        tasks.append(RequiredTask(code, title, responsible, due, sla, citation, word, _SLA_SOURCE))

    if g.kind == "removal" or g.police_act_custody or slas.inform_reason_for_all_grounds:
        add("inform_of_reason", "Underrätta personen om anledningen till åtgärden", "executing_officer",
            slas.inform_reason, _cite("PL", "15", 1), "så snart som möjligt")

    ended = facts.ended_at is not None
    if g.is_custody and (g.police_act_custody or slas.apply_section_15_to_all_custody):
        add("report_to_forman", "Anmäl omhändertagandet till förmannen", "executing_officer",
            slas.report_to_forman, _cite("PL", "15", 1), "så skyndsamt som möjligt")
        if not ended:
            base = (
                _aware_utc(facts.reported_to_forman_at, "tidpunkten för anmälan")
                if facts.reported_to_forman_at
                else start + slas.report_to_forman
            )
            add("forman_review", "Förmannen prövar om omhändertagandet ska bestå", "forman",
                slas.forman_review, _cite("PL", "15", 1), "omedelbart", base=base)

    if (g.notify_authority == "if_continued" and facts.forman_review_outcome != "release") or (
        g.notify_authority == "always"
    ):
        add("notify_authority", "Underrätta Polismyndigheten om omhändertagandet och skälet till det", "forman",
            slas.notify_authority, _cite("PL", "15", 2), "skyndsamt")
    if g.authority_decision_required and facts.forman_review_outcome != "release":
        add("authority_decision", "Myndigheten meddelar beslut enligt den särskilda föreskriften", "police_authority",
            slas.authority_decision, _cite("PL", "15", 3), "snarast möjligt")
    if g.interview_required:
        add("interview", "Förhör den omhändertagne", "executing_officer",
            slas.interview, _cite("PL", "16", 1), "så snart som möjligt")
    if g.code == "pl_14":
        add("identification_measures", "Vidta åtgärder för att fastställa identiteten", "executing_officer",
            slas.identification_measures, _cite("PL", "16", 3), "skyndsamt")
    if g.handover == "minor_to_adult" and facts.is_minor:
        cap = start + g.hard_limit if g.hard_limit else None
        add("handover_minor",
            "Överlämna den unge till vårdnadshavare, en tjänsteman inom socialtjänsten eller annan lämplig vuxen",
            "executing_officer", slas.handover_minor, _cite("PL", "16", 2), "skyndsamt",
            cap=cap)
    if g.handover == "guardian_or_social_services":
        add("handover_guardian_or_social_services",
            "Överlämna den unge till föräldrar, annan vårdnadshavare eller socialnämnden", "executing_officer",
            slas.handover_guardian_or_social_services, _cite("PL", "12"), "skyndsamt")
    if g.handover == "hospital":
        add("handover_hospital", "Överlämna personen till sjukhus", "executing_officer",
            slas.handover_hospital, _cite("PL", "12 a", 1), "skyndsamt")

    tasks.sort(key=lambda t: (t.due_at, t.code))
    return tasks


# ---------------------------------------------------------------------------------------------
# 17 a § PL: next-of-kin notification
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NextOfKinFacts:
    """What 17 a § PL turns on.

    ``person_requests``: the person asks for someone to be notified.  ``other_reason``: a recorded
    other reason ("om det annars finns skäl för det").  ``is_minor`` and ``person_unable_to_express_wish``
    count as such a reason (platform reading).  ``person_objects`` + ``exceptional_reasons``: an
    objection blocks notification unless there are "synnerliga skäl".  ``investigation_would_be_harmed``
    (during an ongoing criminal investigation) defers it.  ``measure_ended``: no duty once ended.
    """

    ground: str
    started_at: datetime
    person_requests: bool = False
    other_reason: str = ""
    is_minor: bool = False
    person_unable_to_express_wish: bool = False
    person_objects: bool = False
    exceptional_reasons: str = ""
    criminal_investigation_ongoing: bool = False
    investigation_would_be_harmed: bool = False
    measure_ended: bool = False
    notified_at: datetime | None = None


NextOfKinStatus = Literal[
    "notified",
    "notify",
    "deferred_investigation",
    "not_notified_person_objects",
    "not_required_measure_ended",
    "no_reason",
    "not_in_scope",
]


@dataclass(frozen=True)
class NextOfKinDecision:
    status: NextOfKinStatus
    task: RequiredTask | None
    checks: tuple[Check, ...]


def next_of_kin_notification(facts: NextOfKinFacts, slas: TaskSlaConfig = DEFAULT_TASK_SLAS) -> NextOfKinDecision:
    """17 a § PL: notify one of the person's closest relatives or someone especially close.

    Scope: custody under the police act, under the special provisions meant in 11 § (47 § första
    stycket LPT), and anyone otherwise obliged to remain with the police — which covers handräckning
    and LOB custody.  Extended removal (13 c §) is not a custody and is out of scope.

    Order of evaluation, each step its own sentence of the section:
    1. already notified → done;
    2. the measure has ended → no duty (tredje stycket);
    3. the person objects → only with "synnerliga skäl" (andra stycket);
    4. neither a request nor another reason → no duty (första stycket första meningen);
    5. an ongoing criminal investigation that notification would harm → deferred until it can be given
       without harm (första stycket andra meningen);
    6. otherwise → a task to notify.
    """
    g = get_ground(facts.ground)
    start = _aware_utc(facts.started_at, "starttiden")
    p1, p2, p3 = _cite("PL", "17 a", 1), _cite("PL", "17 a", 2), _cite("PL", "17 a", 3)

    if not g.is_custody:
        return NextOfKinDecision(
            "not_in_scope", None,
            (Check("next_of_kin_scope", True, f"{g.title} är inte ett omhändertagande; {_cite('PL', '17 a')} gäller inte.",
                   _cite("PL", "17 a"), severity="info"),),
        )
    if facts.notified_at is not None:
        return NextOfKinDecision(
            "notified", None,
            (Check("next_of_kin_notified", True, f"Anhörig underrättades {_local(facts.notified_at)}.", p1,
                   severity="info"),),
        )
    if facts.measure_ended:
        return NextOfKinDecision(
            "not_required_measure_ended", None,
            (Check("next_of_kin_measure_ended", True,
                   "Åtgärden har upphört; underrättelse behöver inte lämnas.", p3, severity="info"),),
        )
    if facts.person_objects and not _text(facts.exceptional_reasons):
        return NextOfKinDecision(
            "not_notified_person_objects", None,
            (Check("next_of_kin_objection", True,
                   "Personen motsätter sig att någon underrättas. Underrättelse får lämnas bara om det finns "
                   "synnerliga skäl, och inga sådana är dokumenterade. Dokumentera invändningen.", p2,
                   severity="info"),),
        )

    reasons = []
    if facts.person_requests:
        reasons.append("personen begär det")
    if _text(facts.other_reason):
        reasons.append(f"annat skäl: {_text(facts.other_reason)}")
    if facts.is_minor:
        reasons.append("personen är under 18 år")
    if facts.person_unable_to_express_wish:
        reasons.append("personen kan inte själv framföra en begäran")
    checks: list[Check] = []
    if facts.person_objects:
        checks.append(
            Check("next_of_kin_objection", True,
                  f"Personen motsätter sig underrättelse, men synnerliga skäl är dokumenterade: "
                  f"{_text(facts.exceptional_reasons)}.", p2, severity="info")
        )
        if not reasons:
            reasons.append("synnerliga skäl")
    if not reasons:
        return NextOfKinDecision(
            "no_reason", None,
            (*checks, Check("next_of_kin_reason", True,
                            "Personen har inte begärt underrättelse och inget annat skäl är dokumenterat; "
                            "ingen skyldighet att underrätta. Fråga personen om en anhörig ska underrättas.",
                            p1, severity="info")),
        )
    if facts.criminal_investigation_ongoing and facts.investigation_would_be_harmed:
        return NextOfKinDecision(
            "deferred_investigation", None,
            (*checks, Check("next_of_kin_deferred", False,
                            f"Underrättelse ska lämnas ({', '.join(reasons)}), men får vid pågående brottsutredning "
                            "inte lämnas förrän det kan ske utan men för utredningen. Pröva frågan på nytt.",
                            p1, severity="warning")),
        )
    task = RequiredTask(
        "notify_next_of_kin",
        "Underrätta någon av de närmaste anhöriga eller någon som står personen särskilt nära",
        "executing_officer",
        start + slas.notify_next_of_kin,
        slas.notify_next_of_kin,
        p1,
        None,
        _SLA_SOURCE,
    )
    return NextOfKinDecision(
        "notify", task,
        (*checks, Check("next_of_kin_reason", True, f"Underrättelse ska lämnas: {', '.join(reasons)}.", p1,
                        severity="info")),
    )


# ---------------------------------------------------------------------------------------------
# Holding (förvar)
# ---------------------------------------------------------------------------------------------

POLICE_FUNCTIONS = frozenset(
    {"rlc_commander", "station_commander", "duty_officer", "level2_manager", "officer", "analyst",
     "process_owner", "administrator"}
)
FUNCTION_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "rlc_commander": "RLC-befäl",
        "station_commander": "stationsbefäl",
        "duty_officer": "vakthavande befäl",
        "level2_manager": "chef på nivå två",
        "officer": "polis",
        "analyst": "analytiker",
        "process_owner": "processägare",
        "administrator": "administratör",
    }
)
#: Functions that may never decide on förvar, whatever the configuration says.
NEVER_HOLDING_DECIDERS = frozenset({"officer", "analyst", "process_owner", "administrator"})

HOLDING_DECISION = "holding"


@dataclass(frozen=True)
class CompetenceMatrix:
    """Decision type → the police functions competent for it.  Configuration (the content comes from
    Polismyndighetens arbetsordning, PM 2024:5 bilaga 4: förvar by lowest a station commander or a
    level-2 manager, and by the functions above them).  The legal floor is enforced: no configuration
    can let an officer (or a non-operational function) decide on förvar."""

    decisions: Mapping[str, frozenset[str]]

    def __post_init__(self) -> None:
        for decision, functions in self.decisions.items():
            unknown = set(functions) - POLICE_FUNCTIONS
            if unknown:
                raise ValueError(f"okända funktioner för {decision}: {', '.join(sorted(unknown))}")
        if set(self.decisions.get(HOLDING_DECISION, ())) & NEVER_HOLDING_DECIDERS:
            raise ValueError("polis och icke-operativa funktioner får aldrig besluta om förvar")

    def allows(self, decision: str, function: str) -> bool:
        return function in self.decisions.get(decision, frozenset())

    def functions(self, decision: str) -> tuple[str, ...]:
        order = ("station_commander", "level2_manager", "duty_officer", "rlc_commander")
        allowed = self.decisions.get(decision, frozenset())
        return tuple(f for f in order if f in allowed) + tuple(sorted(allowed - set(order)))


DEFAULT_COMPETENCE = CompetenceMatrix(
    MappingProxyType(
        {HOLDING_DECISION: frozenset({"station_commander", "level2_manager", "duty_officer", "rlc_commander"})}
    )
)

HOLDING_REASONS: Mapping[str, str] = MappingProxyType(
    {
        "awaiting_transport": "i avvaktan på transport",
        "overnight": "uppehåll för övernattning",
        "meal": "måltid",
        "break": "annat avbrott i en påbörjad transport",
        "other": "annat skäl",
    }
)
PLACE_TYPES: Mapping[str, str] = MappingProxyType(
    {
        "police_cell": "arrest",
        "remand_prison": "häkte",
        "other_lockup": "annan inlåsning",
        "activity_room": "aktivitetsrum (övervakat väntrum)",
    }
)
AGE_BASES = ("verified", "assumed", "unknown")
AgeCategory = Literal["under_15", "minor_15_17", "adult"]


@dataclass(frozen=True)
class HoldingConfig:
    """Configuration of the förvar rules (documented defaults).

    ``non_holding_place_types``: place types that are not förvar (default: the activity room, a
    supervised waiting room that is not a lock-up; the report does not say whether it counts as förvar,
    the platform reads it as not förvar so that it stays available for children under 15).
    ``unknown_minor_category``: how a person of unknown age with indications of being a minor is treated
    when nobody has recorded an assessment that they are at least 15: ``"under_15"`` (default; förvar is
    then refused, since the ban in 17 § PL cannot otherwise be guaranteed) or ``"minor_15_17"``.
    ``min_statement_chars``: shortest text accepted as a recorded statement or justification.
    """

    competence: CompetenceMatrix = DEFAULT_COMPETENCE
    non_holding_place_types: frozenset[str] = frozenset({"activity_room"})
    unknown_minor_category: Literal["under_15", "minor_15_17"] = "under_15"
    min_statement_chars: int = 15
    notify_social_services_sla: timedelta = timedelta(minutes=30)

    def __post_init__(self) -> None:
        unknown = set(self.non_holding_place_types) - set(PLACE_TYPES)
        if unknown:
            raise ValueError(f"okända platstyper: {', '.join(sorted(unknown))}")
        if self.unknown_minor_category not in ("under_15", "minor_15_17"):
            raise ValueError("unknown_minor_category måste vara under_15 eller minor_15_17")
        if self.min_statement_chars < 1:
            raise ValueError("min_statement_chars måste vara minst 1")


DEFAULT_HOLDING_CONFIG = HoldingConfig()


@dataclass(frozen=True)
class AgeAssessment:
    category: AgeCategory
    uncertain: bool
    message: str

    @property
    def minor(self) -> bool:
        return self.category != "adult"


def classify_age(
    age: int | None,
    *,
    age_basis: str = "unknown",
    minor_indications: bool = False,
    assessed_at_least_15: bool = False,
    unknown_minor_category: Literal["under_15", "minor_15_17"] = "under_15",
) -> AgeAssessment:
    """The age category the children's rules use.

    A verified age is used as it is.  An assumed age is used, except that an assumed adult with
    indications of being a minor is treated as a minor.  An unknown age with indications of being a
    minor is treated as a minor: as 15–17 if someone has recorded that the person is at least 15, else
    as ``unknown_minor_category`` (default under 15).
    """
    if age_basis not in AGE_BASES:
        raise ValueError(f"okänd åldersgrund: {age_basis!r}")
    if age is not None and age < 0:
        raise ValueError("åldern kan inte vara negativ")
    if age is not None:
        category: AgeCategory = (
            "under_15" if age < HOLDING_MIN_AGE else "minor_15_17" if age < MINOR_AGE_LIMIT else "adult"
        )
        if age_basis != "verified" and category == "adult" and minor_indications:
            return AgeAssessment(
                "minor_15_17", True,
                f"Åldern {age} år är antagen och det finns tecken på att personen är under 18 år; "
                "personen behandlas som underårig.",
            )
        return AgeAssessment(category, age_basis != "verified", f"Ålder {age} år ({'fastställd' if age_basis == 'verified' else 'antagen'}).")
    if minor_indications:
        category = "minor_15_17" if assessed_at_least_15 else unknown_minor_category
        detail = (
            "bedömd vara minst 15 år" if assessed_at_least_15
            else "det kan inte uteslutas att personen är under 15 år" if category == "under_15"
            else "behandlas som 15–17 år"
        )
        return AgeAssessment(
            category, True,
            f"Åldern är okänd och det finns tecken på att personen är under 18 år; personen behandlas som "
            f"underårig ({detail}).",
        )
    return AgeAssessment("adult", True, "Åldern är inte fastställd och inget tyder på att personen är under 18 år.")


@dataclass(frozen=True)
class HoldingFacts:
    """A proposed förvar decision.

    ``ground``: the custody ground of the episode.  ``decided_by_function``: the decider's police
    function.  ``place_type``: one of :data:`PLACE_TYPES`.  ``reason``: one of :data:`HOLDING_REASONS`
    (``"other"`` needs ``reason_text``).  ``necessity``: why förvar is necessary with regard to order or
    security (17 § PL).  ``alternatives_considered``: the recorded statement that less intrusive
    alternatives were considered (last resort, 8 § PL).  Children: ``age``/``age_basis``/
    ``minor_indications``/``assessed_at_least_15``, and for 15–17 ``absolutely_necessary_justification``
    and ``child_best_interest_assessment``.
    """

    ground: str
    decided_by_function: str
    place_type: str
    reason: str
    reason_text: str = ""
    necessity: str = ""
    alternatives_considered: str = ""
    age: int | None = None
    age_basis: str = "unknown"
    minor_indications: bool = False
    assessed_at_least_15: bool = False
    absolutely_necessary_justification: str = ""
    child_best_interest_assessment: str = ""
    decided_at: datetime | None = None


@dataclass(frozen=True)
class HoldingDecision:
    allowed: bool
    checks: tuple[Check, ...]
    required_tasks: tuple[RequiredTask, ...]
    is_holding: bool
    age: AgeAssessment

    def check(self, code: str) -> Check:
        return next(c for c in self.checks if c.code == code)

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.blocking)


# Check codes of check_holding
HOLDING_GROUND = "holding_ground"
HOLDING_PLACE = "holding_place_type"
HOLDING_UNDER_15 = "holding_under_15"
HOLDING_AGE_UNCERTAIN = "holding_age_uncertain"
HOLDING_COMPETENCE = "holding_competence"
HOLDING_REASON = "holding_reason"
HOLDING_NECESSITY = "holding_necessity"
HOLDING_LAST_RESORT = "holding_last_resort"
HOLDING_CHILD_NECESSARY = "holding_child_absolutely_necessary"
HOLDING_CHILD_BEST_INTEREST = "holding_child_best_interest"
HOLDING_EXTERNAL_RULES = "holding_external_rules"

_ARBETSORDNING = "Polismyndighetens arbetsordning (PM 2024:5), bilaga 4"
_CHILD_SOURCES = (
    "Polismyndighetens handbok för arrestverksamhet (PM 2017:63), bilaga 5; beslutsstöd om barnets bästa "
    "vid placering av frihetsberövade barn (dnr A300.391/2021); barnkonventionen artikel 3"
)


def check_holding(facts: HoldingFacts, config: HoldingConfig = DEFAULT_HOLDING_CONFIG) -> HoldingDecision:
    """May the person be held in förvar?  Every check is evaluated so the decider sees all reasons.

    Förvar means placement in a police cell, remand prison or other lock-up ("insättning i arrest, häkte
    eller annan inlåsning").  A place type in ``config.non_holding_place_types`` (the activity room) is
    not förvar: no förvar decision is needed and the children's ban does not stop it.

    * ground: the episode must be a custody (extended removal under 13 c § is not);
    * age: under 15 → refused, 17 § PL, no override; 15–17 → a written "absolutely necessary"
      justification and a best-interest assessment, and a task to notify social services;
    * competence: the decider's function must be in the competence matrix (officers never);
    * reason: one of the listed reasons, "other" with a text;
    * necessity for order or security (17 § PL) and last resort (8 § PL): recorded statements.
    """
    checks: list[Check] = []
    tasks: list[RequiredTask] = []
    p17 = _cite("PL", "17")
    minimum = config.min_statement_chars

    age = classify_age(
        facts.age,
        age_basis=facts.age_basis,
        minor_indications=facts.minor_indications,
        assessed_at_least_15=facts.assessed_at_least_15,
        unknown_minor_category=config.unknown_minor_category,
    )

    ground = GROUNDS.get(facts.ground)
    if ground is None:
        checks.append(Check(HOLDING_GROUND, False, f"Okänd grund för frihetsberövandet: {facts.ground!r}.", None))
    elif not ground.is_custody:
        checks.append(
            Check(HOLDING_GROUND, False,
                  f"{ground.title} ({ground.citation}) är inte ett omhändertagande; förvar förutsätter att "
                  "personen är omhändertagen.", p17)
        )
    else:
        checks.append(Check(HOLDING_GROUND, True, f"Grund: {ground.title} ({ground.citation}).", ground.citation,
                            severity="info"))
        if ground.family == "external":
            checks.append(
                Check(HOLDING_EXTERNAL_RULES, False,
                      f"{ground.title} har egna bestämmelser om förvar ({ground.citation}); kontrollera dem.",
                      ground.citation, severity="warning")
            )

    if facts.place_type not in PLACE_TYPES:
        checks.append(Check(HOLDING_PLACE, False, f"Okänd platstyp: {facts.place_type!r}.", None))
        return HoldingDecision(False, tuple(checks), (), True, age)

    if facts.place_type in config.non_holding_place_types:
        checks.append(
            Check(HOLDING_PLACE, True,
                  f"Placering i {PLACE_TYPES[facts.place_type]} är inte förvar (ingen inlåsning); inget "
                  "förvarsbeslut behövs. Personen ska vara under uppsikt och placeringen dokumenteras.",
                  p17, severity="info", source="Plattformens läsning (HoldingConfig.non_holding_place_types)")
        )
        allowed = not any(c.blocking for c in checks)
        return HoldingDecision(allowed, tuple(checks), (), False, age)

    checks.append(Check(HOLDING_PLACE, True, f"Förvar i {PLACE_TYPES[facts.place_type]}.", p17, severity="info"))

    # --- age: the children's rules
    if age.category == "under_15":
        checks.append(
            Check(HOLDING_UNDER_15, False,
                  f"Den som är under 15 år får inte tas i förvar. {age.message} Välj en placering som inte är "
                  "förvar, t.ex. ett aktivitetsrum under uppsikt.", p17, hard=True)
        )
    else:
        checks.append(Check(HOLDING_UNDER_15, True, "Personen är inte under 15 år.", p17, severity="info"))
    if age.uncertain and age.minor:
        checks.append(Check(HOLDING_AGE_UNCERTAIN, False, age.message, p17, severity="warning"))

    if age.category == "minor_15_17":
        necessary_citation = format_citation("PL", "17", applied=Citation.of(LUL_SFS, "6 a"))
        ok = len(_text(facts.absolutely_necessary_justification)) >= minimum
        checks.append(
            Check(HOLDING_CHILD_NECESSARY, ok,
                  "Skriftlig motivering av att förvar av den unge är absolut nödvändigt finns."
                  if ok else
                  "Den som är under 18 år får tas i förvar endast om det är absolut nödvändigt. "
                  "En skriftlig motivering krävs.",
                  necessary_citation, source=_CHILD_SOURCES)
        )
        ok = len(_text(facts.child_best_interest_assessment)) >= minimum
        checks.append(
            Check(HOLDING_CHILD_BEST_INTEREST, ok,
                  "Bedömningen av barnets bästa är dokumenterad."
                  if ok else
                  "En dokumenterad bedömning av barnets bästa krävs innan den unge tas i förvar "
                  "(överväg t.ex. aktivitetsrum).",
                  p17, source=_CHILD_SOURCES)
        )

    # --- competence
    function = facts.decided_by_function
    allowed_functions = config.competence.functions(HOLDING_DECISION)
    names = ", ".join(FUNCTION_NAMES.get(f, f) for f in allowed_functions)
    if config.competence.allows(HOLDING_DECISION, function):
        checks.append(
            Check(HOLDING_COMPETENCE, True,
                  f"Beslutet fattas av {FUNCTION_NAMES.get(function, function)}, som är behörig att besluta om förvar.",
                  p17, severity="info", source=_ARBETSORDNING)
        )
    else:
        checks.append(
            Check(HOLDING_COMPETENCE, False,
                  f"{FUNCTION_NAMES.get(function, function or 'Okänd funktion').capitalize()} får inte besluta om "
                  f"förvar. Behöriga: {names}.", p17, source=_ARBETSORDNING)
        )

    # --- reason
    if facts.reason not in HOLDING_REASONS:
        checks.append(
            Check(HOLDING_REASON, False,
                  f"Ange skälet till förvaret: {', '.join(v for k, v in HOLDING_REASONS.items() if k != 'other')} "
                  "eller annat skäl med beskrivning.", p17)
        )
    elif facts.reason == "other" and len(_text(facts.reason_text)) < minimum:
        checks.append(Check(HOLDING_REASON, False, "Vid annat skäl ska skälet beskrivas.", p17))
    else:
        label = _text(facts.reason_text) if facts.reason == "other" else HOLDING_REASONS[facts.reason]
        checks.append(Check(HOLDING_REASON, True, f"Skäl: {label}.", p17, severity="info"))

    # --- necessity (17 § PL) and last resort (8 § PL)
    ok = len(_text(facts.necessity)) >= minimum
    checks.append(
        Check(HOLDING_NECESSITY, ok,
              "Det är dokumenterat varför förvar är nödvändigt med hänsyn till ordning eller säkerhet."
              if ok else
              "Förvar får användas endast om det är nödvändigt med hänsyn till ordning eller säkerhet. "
              "Beskriv varför.", p17)
    )
    ok = len(_text(facts.alternatives_considered)) >= minimum
    checks.append(
        Check(HOLDING_LAST_RESORT, ok,
              "Det är dokumenterat att mindre ingripande alternativ har övervägts."
              if ok else
              "Förvar är en sista utväg för kortast möjliga tid. Dokumentera vilka alternativ som övervägts "
              "och varför de inte räcker.", _cite("PL", "8", 1))
    )

    allowed = not any(c.blocking for c in checks)
    if allowed and age.category == "minor_15_17":
        base = _aware_utc(facts.decided_at, "beslutstiden") if facts.decided_at else None
        tasks.append(
            RequiredTask(
                "notify_social_services",
                "Underrätta socialtjänsten om att den unge har tagits i förvar",
                "decider",
                base + config.notify_social_services_sla if base else None,
                config.notify_social_services_sla,
                _cite("PL", "6", 2),
                "snarast",
                _SLA_SOURCE,
            )
        )
    return HoldingDecision(allowed, tuple(checks), tuple(tasks), True, age)


# ---------------------------------------------------------------------------------------------
# 27 § PL: the protocol of an intervention; 28 § PL: restraints and the other listed measures
# ---------------------------------------------------------------------------------------------

#: Interventions that need a 27 § protocol.  The first sentence ("avvisas, avlägsnas, omhändertas eller
#: grips") is not limited to the police act, so custody on any ground — handräckning included — needs one.
INTERVENTION_TYPES: Mapping[str, str] = MappingProxyType(
    {
        "custody": "omhändertagande",
        "removal": "avlägsnande",
        "rejection": "avvisning",
        "apprehension": "gripande",
        "body_search": "kroppsvisitation",
        "house_search": "husrannsakan eller liknande åtgärd",
        "property_custody": "omhändertagande av föremål",
    }
)


def protocol_required(intervention_type: str) -> bool:
    """Whether 27 § första stycket PL requires a protocol for the intervention."""
    return intervention_type in INTERVENTION_TYPES


@dataclass(frozen=True)
class ProtocolItem:
    number: int
    code: str
    text: str
    responsible: Literal["decider", "forman"]


PROTOCOL_ITEMS: tuple[ProtocolItem, ...] = (
    ProtocolItem(1, "decided_by", "vem som har fattat beslutet om ingripandet", "decider"),
    ProtocolItem(2, "decision_ground_and_time", "grunden för beslutet och tidpunkten när det har fattats", "decider"),
    ProtocolItem(3, "participants", "vem eller vilka som har deltagit i ingripandet", "forman"),
    ProtocolItem(4, "subjects", "vem eller vilka som ingripandet har riktat sig mot", "forman"),
    ProtocolItem(5, "intervention_time", "tiden för ingripandet", "forman"),
    ProtocolItem(6, "other_events", "vad som i övrigt har förekommit vid ingripandet", "forman"),
)
_RESPONSIBLE_NAME = {"decider": "den som har fattat beslutet", "forman": "förmannen vid ingripandet"}

MEASURE_TYPES: Mapping[str, str] = MappingProxyType(
    {
        "restraints": "fängsel",
        "firearm": "skjutvapen",
        "tear_gas": "tårgas",
        "vehicle_stop_device": "tekniskt hjälpmedel för att stoppa fordon eller annat transportmedel",
    }
)
RESTRAINT_CONTEXTS: Mapping[str, str] = MappingProxyType(
    {
        "movement_in_facility": "förflyttning inom en förvaringslokal",
        "transport": "transport",
        "outside_facility": "annan vistelse utanför förvaringslokalen",
    }
)


@dataclass(frozen=True)
class MeasureRecord:
    """One use of a measure listed in 28 § PL.  For restraints, ``restraint_ground`` is the point of
    10 a § PL (1: violent and absolutely necessary; 2: movement in a holding facility, transport or
    other stay outside it, necessary for security) with its facts."""

    measure_type: str
    decided_by: str = ""
    reasons: str = ""
    at: datetime | None = None
    restraint_ground: int | None = None
    violent: bool = False
    absolutely_necessary: bool = False
    context: str | None = None


@dataclass(frozen=True)
class ProtocolFacts:
    """The protocol of one intervention (27 § PL).

    Items 1–2 (``decided_by``, ``decision_ground``, ``decided_at``) are the decider's; items 3–6
    (``participants``, ``subjects``, ``started_at``/``ended_at``, ``narrative``) are the förman's at
    the intervention (``forman``).  ``measures`` are the 28 § PL uses recorded with the intervention.
    """

    intervention_type: str
    decided_by: str = ""
    decision_ground: str = ""
    decided_at: datetime | None = None
    participants: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    started_at: datetime | None = None
    ended_at: datetime | None = None
    narrative: str = ""
    forman: str = ""
    measures: tuple[MeasureRecord, ...] = ()


def _names(values: Sequence[str] | None) -> list[str]:
    return [v for v in (_text(x) for x in (values or ())) if v]


def check_protocol(facts: ProtocolFacts) -> list[Check]:
    """Completeness of a 27 § protocol: one check per item (``protocol_item_1`` … ``_6``), each naming
    the missing item and who is responsible for it (27 § tredje stycket PL), then the förman, the order
    of the times, and the 28 § protocol of every recorded measure."""
    if not protocol_required(facts.intervention_type):
        raise ValueError(f"{_cite('PL', '27', 1)} kräver inget protokoll för {facts.intervention_type!r}")
    missing: dict[int, str] = {}
    if not _text(facts.decided_by):
        missing[1] = "beslutsfattaren saknas"
    parts = []
    if not _text(facts.decision_ground):
        parts.append("grunden")
    if facts.decided_at is None:
        parts.append("tidpunkten för beslutet")
    if parts:
        missing[2] = " och ".join(parts) + " saknas"
    if not _names(facts.participants):
        missing[3] = "deltagarna saknas"
    if not _names(facts.subjects):
        missing[4] = "den eller de som ingripandet riktade sig mot saknas"
    times = []
    if facts.started_at is None:
        times.append("starttid")
    if facts.ended_at is None:
        times.append("sluttid")
    if times:
        missing[5] = " och ".join(times) + " saknas"
    elif _aware_utc(facts.ended_at, "sluttiden") < _aware_utc(facts.started_at, "starttiden"):
        missing[5] = "sluttiden ligger före starttiden"
    if not _text(facts.narrative):
        missing[6] = "redogörelsen saknas (skriv ”inget övrigt” om inget annat förekom)"

    checks: list[Check] = []
    for item in PROTOCOL_ITEMS:
        citation = _cite("PL", "27", 2, item.number)
        responsible = _RESPONSIBLE_NAME[item.responsible]
        if item.number in missing:
            checks.append(
                Check(f"protocol_item_{item.number}", False,
                      f"Protokollet saknar punkt {item.number}, {item.text}: {missing[item.number]}. "
                      f"Ansvarig: {responsible} ({_cite('PL', '27', 3)}).", citation)
            )
        else:
            checks.append(
                Check(f"protocol_item_{item.number}", True,
                      f"Punkt {item.number}, {item.text}, är ifylld.", citation, severity="info")
            )

    forman_ok = bool(_text(facts.forman))
    checks.append(
        Check("protocol_forman", forman_ok,
              f"Förman vid ingripandet: {_text(facts.forman)}." if forman_ok else
              "Ange vem som var förman vid ingripandet; förmannen ansvarar för punkterna 3–6.",
              _cite("PL", "27", 3), severity="info" if forman_ok else "error")
    )
    if facts.decided_at is not None and facts.started_at is not None:
        if _aware_utc(facts.decided_at, "beslutstiden") > _aware_utc(facts.started_at, "starttiden"):
            checks.append(
                Check("protocol_decision_after_start", False,
                      "Beslutet är registrerat efter att ingripandet började; kontrollera tidpunkterna.",
                      _cite("PL", "27", 2, 2), severity="warning")
            )
    for index, measure in enumerate(facts.measures, start=1):
        for check in check_measure_protocol(measure):
            checks.append(
                Check(f"{check.code}_{index}", check.ok, check.message, check.citation, check.severity,
                      check.hard, check.source)
            )
    return checks


def check_measure_protocol(measure: MeasureRecord) -> list[Check]:
    """28 § PL: a protocol for restraints (fängsel), firearms, tear gas and vehicle-stopping devices,
    with the reasons for the measure; the decider is responsible.  For restraints, the ground in
    10 a § PL must be met."""
    if measure.measure_type not in MEASURE_TYPES:
        raise ValueError(f"{_cite('PL', '28')} gäller inte åtgärden {measure.measure_type!r}")
    p28 = _cite("PL", "28")
    name = MEASURE_TYPES[measure.measure_type]
    checks = [
        Check("measure_reasons", bool(_text(measure.reasons)),
              f"Skälen för användningen av {name} är angivna." if _text(measure.reasons) else
              f"Protokollet över användning av {name} ska innehålla skälen för åtgärden.", p28,
              severity="info" if _text(measure.reasons) else "error"),
        Check("measure_decided_by", bool(_text(measure.decided_by)),
              f"Beslutsfattare: {_text(measure.decided_by)} (ansvarig för protokollet)." if _text(measure.decided_by)
              else "Ange vem som beslutade om åtgärden; den som fattat beslutet ansvarar för protokollet.", p28,
              severity="info" if _text(measure.decided_by) else "error"),
    ]
    if measure.measure_type == "restraints":
        ground = measure.restraint_ground
        if ground == 1:
            ok = measure.violent and measure.absolutely_necessary
            checks.append(
                Check("restraint_ground", ok,
                      "Fängsel: personen uppträdde våldsamt och det var absolut nödvändigt med hänsyn till säkerheten."
                      if ok else
                      "Fängsel enligt första punkten kräver att personen uppträder våldsamt och att det är absolut "
                      "nödvändigt med hänsyn till hans eller hennes egen eller någon annans säkerhet.",
                      _cite("PL", "10 a", None, 1), severity="info" if ok else "error")
            )
        elif ground == 2:
            ok = measure.context in RESTRAINT_CONTEXTS and bool(_text(measure.reasons))
            checks.append(
                Check("restraint_ground", ok,
                      f"Fängsel vid {RESTRAINT_CONTEXTS[measure.context]} av säkerhetsskäl."
                      if ok else
                      "Fängsel enligt andra punkten gäller vid förflyttning inom en förvaringslokal, vid transport "
                      "eller annan vistelse utanför lokalen, och kräver att det är nödvändigt av säkerhetsskäl.",
                      _cite("PL", "10 a", None, 2), severity="info" if ok else "error")
            )
        else:
            checks.append(
                Check("restraint_ground", False,
                      "Ange grunden för fängsel: första punkten (våldsamt, absolut nödvändigt) eller andra "
                      "punkten (förflyttning eller transport, säkerhetsskäl).", _cite("PL", "10 a"))
            )
    return checks


def failed(checks: Iterable[Check]) -> list[Check]:
    """The blocking failures among ``checks``."""
    return [c for c in checks if c.blocking]
