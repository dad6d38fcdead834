"""Deterministic, realistic national data for the follow-up: `bitrade generate --years N --seed S`.

Calibrated on the figures of the supervision report (section 6.1, "Uppföljning"):

* PÄR: about 32,350 handräckning cases closed in 2023, about 25,000 of them under the care laws;
  the rest (~7,350) are other handräckning registered on the same case codes;
* DAF: LPT is the largest group and grew by about 13 % from 2021 to 2023;
* PÄR: case code 614 fell by about 38 % from 2016 to 2023;
* Storm: about 4 hours of patrol time per case from assignment to completion, *excluding* the drive back;
* regional volumes proportional to the population of the municipality where the person is.

Every other assumption (shares per law and point, refusal and completion rates, holding durations, the
NTE share ...) is a named constant in ``calibration`` and is documented in ``docs/synthetic-data.md``.

The same seed, scale and end date give the same rows: each month has its own random generator seeded by
(seed, year, month, scale), and every UUID comes from it. Rows are written as bulk inserts in batches
(``bulk_insert``: what ``bulk_create`` does, without its per-value compiler overhead, which made ten years
take three times as long), month by month, one transaction per year, with a progress bar. No audit events are written for
the generated rows; the generation itself is recorded once (``followup.generated``). Generated cases
carry reference numbers starting with ``SYN-`` so that ``--replace`` can remove them again.

This package is the handräckning generator and the national run: :func:`generate` runs every kind
registered in ``bitrade.cases.synthetic`` (handräckning, registered by the follow-up's AppConfig, then
return enforcement and contact bans, registered by their apps) over the same period, seed and scale, and
:func:`delete_synthetic` removes every kind's generated cases (``--replace``).

One module per concern; this package re-exports every public name, so ``synthetic.X`` keeps working:
``calibration`` (the figures and the assumptions), ``volume`` (the pure volume model), ``dice`` (seeded
randomness), ``world`` (the organisation the cases refer to), ``simulation`` (one case), ``episodes``
(its deprivation of liberty, holdings and transports), ``writing`` (bulk inserts and removal) and
``runner`` (:func:`generate`, :func:`load_demo_data`).
"""

from __future__ import annotations

from .calibration import (
    ACK_DUE,
    ACK_MEDIAN,
    ACTIVITY_ROOM_RATE_CHILD,
    ASSIGN_DUE,
    ASSIGN_MEDIAN,
    BASE_YEAR,
    CARE_LAW_BASE_YEAR,
    CHANNELS,
    CLOSED_BASE_YEAR,
    CODE_614_2016_2023,
    CODE_614_CHANGE_AFTER_2023,
    COMPLETION_UNANSWERED,
    COURT_CITIES,
    DECISION_MEDIAN,
    DEFAULT_UNTIL,
    DEMO_CLINICS,
    EPISODE_RATE,
    EPISODE_RATE_DEFAULT,
    FAKE_SURNAMES,
    FIRST_NAMES,
    HEALTH_REGIONS,
    HOLDING_MEDIAN_HOURS,
    HOLDING_OVERNIGHT_MEDIAN_HOURS,
    HOLDING_PLACES,
    HOLDING_RATE_15_17,
    HOLDING_RATE_ADULT,
    HOLDING_REASONS,
    HOUR_WEIGHTS,
    LATE_ACK_RATE,
    LATE_ASSIGNMENT_RATE,
    LAW_SHARES,
    LPT_GROWTH_2021_2023,
    LPT_GROWTH_AFTER_2023,
    LPT_GROWTH_BEFORE_2021,
    MONTH_WEIGHTS,
    NEVER_CLOSED,
    NOT_FOUND_RATE,
    NTE_CHILD_UNDER_15_SHARE,
    NTE_DECLINE_RATE,
    NTE_DECLINE_REASONS,
    NTE_KV_POINTS_SHARE,
    NTE_OTHER_SHARE,
    OTHER_GROWTH,
    OTHER_STREAMS,
    OUTCOME_SHARES,
    OVERRULE_RATE,
    PATROL_MEAN_MINUTES,
    PATROL_MISSING,
    PATROL_SIGMA,
    POINT_SHARES,
    POLICE_COMPLETION_SHARE,
    PRIORITY_SHARES,
    RECEIVED_OVER_CLOSED,
    REFERENCE_PREFIX,
    REFUSAL_RATE,
    REGION_ORDER,
    RELAY_RATE,
    REPORT_BACK_LATE,
    REPORT_BACK_LATE_DEFAULT,
    RETURN_DRIVE_MEDIAN,
    REVIEW_OUTCOMES,
    RISK_LEVELS,
    SECOND_ESCALATION,
    TRANSPORT_CANCELLED,
    URGENCY_FOR_PRIORITY,
    WEEKDAY_WEIGHTS,
    WITHDRAWN_BEFORE_EXECUTION,
)
from .dice import (
    Dice,
)
from .runner import (
    HANDRACKNING,
    Result,
    generate,
    generate_handrackning,
    load_demo_data,
)
from .simulation import (
    Generated,
    generate_case,
)
from .volume import (
    Stream,
    expected_by_year,
    expected_volume,
    streams,
    trend_index,
)
from .world import (
    World,
    build_world,
)
from .writing import (
    delete_handrackning,
    delete_synthetic,
    synthetic_exists,
)

__all__ = [
    "ACK_DUE",
    "ACK_MEDIAN",
    "ACTIVITY_ROOM_RATE_CHILD",
    "ASSIGN_DUE",
    "ASSIGN_MEDIAN",
    "BASE_YEAR",
    "CARE_LAW_BASE_YEAR",
    "CHANNELS",
    "CLOSED_BASE_YEAR",
    "CODE_614_2016_2023",
    "CODE_614_CHANGE_AFTER_2023",
    "COMPLETION_UNANSWERED",
    "COURT_CITIES",
    "DECISION_MEDIAN",
    "DEFAULT_UNTIL",
    "DEMO_CLINICS",
    "EPISODE_RATE",
    "EPISODE_RATE_DEFAULT",
    "FAKE_SURNAMES",
    "FIRST_NAMES",
    "HEALTH_REGIONS",
    "HOLDING_MEDIAN_HOURS",
    "HOLDING_OVERNIGHT_MEDIAN_HOURS",
    "HOLDING_PLACES",
    "HOLDING_RATE_15_17",
    "HOLDING_RATE_ADULT",
    "HOLDING_REASONS",
    "HOUR_WEIGHTS",
    "LATE_ACK_RATE",
    "LATE_ASSIGNMENT_RATE",
    "LAW_SHARES",
    "LPT_GROWTH_2021_2023",
    "LPT_GROWTH_AFTER_2023",
    "LPT_GROWTH_BEFORE_2021",
    "MONTH_WEIGHTS",
    "NEVER_CLOSED",
    "NOT_FOUND_RATE",
    "NTE_CHILD_UNDER_15_SHARE",
    "NTE_DECLINE_RATE",
    "NTE_DECLINE_REASONS",
    "NTE_KV_POINTS_SHARE",
    "NTE_OTHER_SHARE",
    "OTHER_GROWTH",
    "OTHER_STREAMS",
    "OUTCOME_SHARES",
    "OVERRULE_RATE",
    "PATROL_MEAN_MINUTES",
    "PATROL_MISSING",
    "PATROL_SIGMA",
    "POINT_SHARES",
    "POLICE_COMPLETION_SHARE",
    "PRIORITY_SHARES",
    "RECEIVED_OVER_CLOSED",
    "REFERENCE_PREFIX",
    "REFUSAL_RATE",
    "REGION_ORDER",
    "RELAY_RATE",
    "REPORT_BACK_LATE",
    "REPORT_BACK_LATE_DEFAULT",
    "RETURN_DRIVE_MEDIAN",
    "REVIEW_OUTCOMES",
    "RISK_LEVELS",
    "SECOND_ESCALATION",
    "TRANSPORT_CANCELLED",
    "URGENCY_FOR_PRIORITY",
    "WEEKDAY_WEIGHTS",
    "WITHDRAWN_BEFORE_EXECUTION",
    "HANDRACKNING",
    "Dice",
    "Generated",
    "Result",
    "Stream",
    "World",
    "build_world",
    "delete_handrackning",
    "delete_synthetic",
    "expected_by_year",
    "expected_volume",
    "generate",
    "generate_case",
    "generate_handrackning",
    "load_demo_data",
    "streams",
    "synthetic_exists",
    "trend_index",
]
