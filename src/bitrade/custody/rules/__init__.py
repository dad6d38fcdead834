"""Deprivation of liberty (frihetsberövande): pure rules, never Django.

Standard library and other ``rules`` modules only (``bitrade.legal.citations`` for every citation,
``bitrade.organisation.rules`` for the Stockholm clock).  Every check returns a code, whether it is
met, a Swedish message and the citation of the statute it rests on.  Time is explicit: every function
that needs "now" takes it as an argument, datetimes must be timezone-aware, durations are computed on
absolute (UTC) time and shown on the Swedish wall clock.

One module per concern; this package re-exports every public name, so ``rules.X`` keeps working:

* ``base``: the shapes every rule returns (:class:`Check`, :class:`RequiredTask`,
  :class:`PlannedDeadline`) and the small helpers they share (:func:`format_duration`, :func:`failed`).
* ``grounds``: **custody grounds as data** (:data:`GROUNDS`): the legal grounds for deprivation of
  liberty met in handräckning work, each with its citation, its statutory hard limit (or None) and
  whether the police act's duties apply to it.
* ``time_config``: the review thresholds that the law does not set (:class:`TimeLimitConfig`,
  platform defaults, not law).
* ``time_limits``: **time limits** (:func:`time_limit`, :func:`deadlines_for_episode`,
  :func:`check_duration`, :func:`next_reassessment`): 16 § andra stycket PL (6 h), 16 § tredje stycket
  PL (6 h, or 12 h when identification is of "synnerlig vikt"), 13 c § andra stycket PL (2 h), LOB
  (8 h, outside the seeds: verify) and configurable review thresholds where the law sets no hours.
* ``release``: the release duty (:func:`release_duty`).
* ``duties``: **15 § and 16 § PL** (:func:`custody_tasks`): report to the förman and the förman's
  review, and the other duties that follow from the ground (notify the authority, interview, hand over).
* ``next_of_kin``: **17 a § PL** (:func:`next_of_kin_notification`): next-of-kin notification and its
  exceptions.
* ``holding``: **holding (förvar)** (:func:`check_holding`): competence, reason, last resort, the
  children's rules (under 15 never, 17 § PL; 15–17 only when absolutely necessary) and the activity room.
* ``protocol``: **27–28 §§ PL** (:func:`check_protocol`, :func:`check_measure_protocol`): the six
  items, the split of responsibility and the protocol for restraints and the other listed measures;
  :func:`protocol_draft`, a first draft of the six items from what the case knows.

The readings chosen where the sources leave room, and why, are in ``docs/custody-rules.md``.
"""

from __future__ import annotations

from bitrade.legal.citations import format_citation

from .base import (
    DEADLINE_ALERT,
    DEADLINE_HARD_LIMIT,
    DEADLINE_KINDS,
    DEADLINE_REASSESSMENT,
    DEADLINE_REVIEW_HORIZON,
    Check,
    PlannedDeadline,
    RequiredTask,
    Severity,
    failed,
    format_duration,
)
from .duties import (
    DEFAULT_TASK_SLAS,
    CustodyFacts,
    TaskSlaConfig,
    custody_tasks,
)
from .grounds import (
    ASSISTANCE_GROUNDS,
    GROUNDS,
    LOB_SFS,
    CustodyGround,
    GroundFamily,
    GroundKind,
    get_ground,
)
from .holding import (
    AGE_BASES,
    DEFAULT_COMPETENCE,
    DEFAULT_HOLDING_CONFIG,
    FUNCTION_NAMES,
    HOLDING_AGE_UNCERTAIN,
    HOLDING_CHILD_BEST_INTEREST,
    HOLDING_CHILD_NECESSARY,
    HOLDING_COMPETENCE,
    HOLDING_DECISION,
    HOLDING_EXTERNAL_RULES,
    HOLDING_GROUND,
    HOLDING_LAST_RESORT,
    HOLDING_MIN_AGE,
    HOLDING_NECESSITY,
    HOLDING_PLACE,
    HOLDING_REASON,
    HOLDING_REASONS,
    HOLDING_UNDER_15,
    LUL_SFS,
    MINOR_AGE_LIMIT,
    NEVER_HOLDING_DECIDERS,
    PLACE_TYPES,
    POLICE_FUNCTIONS,
    AgeAssessment,
    AgeCategory,
    CompetenceMatrix,
    HoldingConfig,
    HoldingDecision,
    HoldingFacts,
    check_holding,
    classify_age,
)
from .next_of_kin import (
    LVU_RESTRICTIONS,
    NextOfKinDecision,
    NextOfKinFacts,
    NextOfKinStatus,
    next_of_kin_notification,
)
from .protocol import (
    INTERVENTION_TYPES,
    MEASURE_TYPES,
    PROTOCOL_ITEMS,
    RESTRAINT_CONTEXTS,
    MeasureRecord,
    ProtocolDraftFacts,
    ProtocolFacts,
    ProtocolItem,
    check_measure_protocol,
    check_protocol,
    protocol_draft,
    protocol_required,
)
from .release import (
    ReleaseDuty,
    release_duty,
)
from .time_config import (
    DEFAULT_REVIEW_THRESHOLDS,
    DEFAULT_TIME_LIMIT_CONFIG,
    ReviewThresholds,
    TimeLimitConfig,
)
from .time_limits import (
    DURATION_APPROACHING,
    DURATION_HARD_LIMIT,
    DURATION_REASSESSMENT,
    DURATION_REVIEW_HORIZON,
    DURATION_SPECIAL_IMPORTANCE,
    TimeLimit,
    check_duration,
    deadlines_for_episode,
    next_reassessment,
    time_limit,
)

__all__ = [
    "AGE_BASES",
    "ASSISTANCE_GROUNDS",
    "DEADLINE_ALERT",
    "DEADLINE_HARD_LIMIT",
    "DEADLINE_KINDS",
    "DEADLINE_REASSESSMENT",
    "DEADLINE_REVIEW_HORIZON",
    "DEFAULT_COMPETENCE",
    "DEFAULT_HOLDING_CONFIG",
    "DEFAULT_REVIEW_THRESHOLDS",
    "DEFAULT_TASK_SLAS",
    "DEFAULT_TIME_LIMIT_CONFIG",
    "DURATION_APPROACHING",
    "DURATION_HARD_LIMIT",
    "DURATION_REASSESSMENT",
    "DURATION_REVIEW_HORIZON",
    "DURATION_SPECIAL_IMPORTANCE",
    "FUNCTION_NAMES",
    "GROUNDS",
    "HOLDING_AGE_UNCERTAIN",
    "HOLDING_CHILD_BEST_INTEREST",
    "HOLDING_CHILD_NECESSARY",
    "HOLDING_COMPETENCE",
    "HOLDING_DECISION",
    "HOLDING_EXTERNAL_RULES",
    "HOLDING_GROUND",
    "HOLDING_LAST_RESORT",
    "HOLDING_MIN_AGE",
    "HOLDING_NECESSITY",
    "HOLDING_PLACE",
    "HOLDING_REASON",
    "HOLDING_REASONS",
    "HOLDING_UNDER_15",
    "INTERVENTION_TYPES",
    "LOB_SFS",
    "LUL_SFS",
    "MEASURE_TYPES",
    "MINOR_AGE_LIMIT",
    "NEVER_HOLDING_DECIDERS",
    "PLACE_TYPES",
    "POLICE_FUNCTIONS",
    "PROTOCOL_ITEMS",
    "RESTRAINT_CONTEXTS",
    "AgeAssessment",
    "AgeCategory",
    "Check",
    "CompetenceMatrix",
    "CustodyFacts",
    "CustodyGround",
    "GroundFamily",
    "GroundKind",
    "HoldingConfig",
    "HoldingDecision",
    "HoldingFacts",
    "MeasureRecord",
    "NextOfKinDecision",
    "NextOfKinFacts",
    "NextOfKinStatus",
    "PlannedDeadline",
    "ProtocolDraftFacts",
    "ProtocolFacts",
    "ProtocolItem",
    "ReleaseDuty",
    "RequiredTask",
    "ReviewThresholds",
    "Severity",
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
    "format_citation",
    "format_duration",
    "get_ground",
    "next_of_kin_notification",
    "LVU_RESTRICTIONS",
    "next_reassessment",
    "protocol_draft",
    "protocol_required",
    "release_duty",
    "time_limit",
]
