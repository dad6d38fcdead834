"""Time-limit configuration: review thresholds per ground (platform defaults, not law)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType
from typing import Any

from .grounds import GROUNDS, CustodyGround, get_ground

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
