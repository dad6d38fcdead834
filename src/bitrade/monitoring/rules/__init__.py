"""Pure rules of the contact ban with electronic monitoring (PMFS 2020:1): states and guards, the
26 § exception, the time requirements and the alarms. No Django here."""

from .alarms import (
    ALARM_STATE_LABELS,
    ALARM_TRANSITIONS,
    ALARM_TYPES,
    BOPS_HANDLING,
    BOPS_QUEUED,
    CATEGORY_LABELS,
    DEFAULT_TABLE,
    IMMEDIATE,
    NOT_IMMEDIATE,
    RAISED,
    RLC_HANDLING,
    AlarmRule,
    Classification,
    Route,
    alarm_target,
    classify,
    contact_persons_informed,
    national_overview_access,
    reclassify_immediate,
    route,
)
from .alarms import CLOSED as ALARM_CLOSED
from .base import EXCEPTION_CITATION, PMFS, Check, Exception26, Outcome, apply_exceptions, outcome, section_of
from .facts import APPLICATION_FORM, POLICE_PREMISES, RLC_FORM, CaseFacts, Directive, Person
from .states import (
    ACTION_LABELS,
    ACTIVE,
    APPLICATION_DRAFTED,
    AT_PROSECUTOR,
    AWAITING_DECISION,
    CLOSED,
    CLOSED_NO_EO,
    CLOSED_STATES,
    ENDING,
    GUARDS,
    INVESTIGATION,
    MOUNTED,
    PREPARING_START,
    REQUEST_RECEIVED,
    START_OBSTACLE,
    STATE_LABELS,
    TRANSITIONS,
    allowed_actions,
    check_report,
    checks_for_state,
    derive_state,
    guard,
    state_check,
    target,
)
from .timing import (
    DEFAULT_SETTINGS,
    MOUNT_WITHIN,
    SUMMONS_BEFORE,
    Due,
    TimeSettings,
    deadlines,
    inform_contact_persons_due,
    settings_at,
)

__all__ = [
    "ACTION_LABELS", "ACTIVE", "ALARM_CLOSED", "ALARM_STATE_LABELS", "ALARM_TRANSITIONS", "ALARM_TYPES",
    "APPLICATION_DRAFTED", "APPLICATION_FORM", "AT_PROSECUTOR", "AWAITING_DECISION", "AlarmRule",
    "BOPS_HANDLING", "BOPS_QUEUED", "CATEGORY_LABELS", "CLOSED", "CLOSED_NO_EO", "CLOSED_STATES", "CaseFacts",
    "Check", "Classification", "DEFAULT_SETTINGS", "DEFAULT_TABLE", "Directive", "Due", "ENDING",
    "EXCEPTION_CITATION", "Exception26", "GUARDS", "IMMEDIATE", "INVESTIGATION", "MOUNTED", "MOUNT_WITHIN",
    "NOT_IMMEDIATE", "Outcome", "PMFS", "POLICE_PREMISES", "PREPARING_START", "Person", "RAISED",
    "REQUEST_RECEIVED", "RLC_FORM", "RLC_HANDLING", "Route", "START_OBSTACLE", "STATE_LABELS",
    "SUMMONS_BEFORE", "TRANSITIONS", "TimeSettings", "alarm_target", "allowed_actions", "apply_exceptions",
    "check_report", "checks_for_state", "classify", "contact_persons_informed", "deadlines", "derive_state",
    "guard", "inform_contact_persons_due", "national_overview_access", "outcome", "reclassify_immediate",
    "route", "section_of", "settings_at", "state_check", "target",
]
