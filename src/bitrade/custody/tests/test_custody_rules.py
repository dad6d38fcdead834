"""Deprivation of liberty: pure rule tests, no database.  Each case names the statute it tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bitrade.custody.rules import (
    ASSISTANCE_GROUNDS,
    DEADLINE_ALERT,
    DEADLINE_HARD_LIMIT,
    DEADLINE_REASSESSMENT,
    DEADLINE_REVIEW_HORIZON,
    GROUNDS,
    HOLDING_REASONS,
    PLACE_TYPES,
    PROTOCOL_ITEMS,
    CompetenceMatrix,
    CustodyFacts,
    HoldingConfig,
    HoldingFacts,
    MeasureRecord,
    NextOfKinFacts,
    ProtocolFacts,
    ReviewThresholds,
    TaskSlaConfig,
    TimeLimitConfig,
    check_duration,
    check_holding,
    check_measure_protocol,
    check_protocol,
    classify_age,
    custody_tasks,
    deadlines_for_episode,
    format_duration,
    next_of_kin_notification,
    next_reassessment,
    protocol_required,
    release_duty,
    time_limit,
)
from bitrade.organisation.rules import STOCKHOLM

H = timedelta(hours=1)
M = timedelta(minutes=1)
START = datetime(2026, 6, 17, 10, 0, tzinfo=STOCKHOLM)  # a Wednesday


def sthlm(*args: int) -> datetime:
    return datetime(*args, tzinfo=STOCKHOLM)


def by_code(checks, code):
    matches = [c for c in checks if c.code == code]
    assert matches, f"no check {code!r} in {[c.code for c in checks]}"
    return matches[0]


def codes(checks):
    return {c.code for c in checks}


# =============================================================================================
# Grounds and citations
# =============================================================================================


@pytest.mark.parametrize(
    ("code", "citation"),
    [
        ("handrackning_lpt", "47 § andra stycket LPT"),
        ("handrackning_lrv", "27 § LRV"),
        ("handrackning_lvm", "45 § första stycket LVM"),
        ("handrackning_lvu", "43 § första stycket LVU"),
        ("lpt_temporary_custody", "47 § första stycket LPT"),
        ("pl_11", "11 § PL"),
        ("pl_12", "12 § PL"),
        ("pl_12a", "12 a § PL"),
        ("pl_13_2", "13 § andra stycket PL"),
        ("pl_13c_2", "13 c § andra stycket PL"),
        ("pl_14", "14 § PL"),
        ("lob", "1 § lagen (1976:511)"),
    ],
)
def test_every_ground_has_its_citation(code: str, citation: str) -> None:
    assert GROUNDS[code].citation == citation


def test_lob_is_external_and_marked_verify() -> None:
    assert GROUNDS["lob"].verify and GROUNDS["lob"].family == "external"


def test_unknown_ground_is_refused() -> None:
    with pytest.raises(ValueError, match="Okänd grund"):
        time_limit("pl_99")


# =============================================================================================
# Time limits (16 § PL, 13 c § PL, LOB) and handräckning review thresholds
# =============================================================================================


@pytest.mark.parametrize(
    ("statute", "code", "special", "hours", "citation"),
    [
        ("16 § andra stycket PL: 13 § andra stycket, six hours", "pl_13_2", False, 6, "16 § andra stycket PL"),
        ("16 § tredje stycket PL: identification, six hours", "pl_14", False, 6, "16 § tredje stycket PL"),
        ("16 § tredje stycket PL: synnerlig vikt, twelve hours", "pl_14", True, 12, "16 § tredje stycket PL"),
        ("13 c § andra stycket PL: extended removal, two hours", "pl_13c_2", False, 2, "13 c § andra stycket PL"),
        ("7 § LOB [EXT, verify]: eight hours", "lob", False, 8, "7 § lagen (1976:511)"),
    ],
)
def test_statutory_hard_limits(statute: str, code: str, special: bool, hours: int, citation: str) -> None:
    limit = time_limit(code, identification_of_special_importance=special)
    assert limit.hard_limit == timedelta(hours=hours), statute
    assert limit.statutory
    assert limit.citation == citation
    assert limit.span == limit.hard_limit
    assert citation in limit.message


@pytest.mark.parametrize(
    "code", sorted(ASSISTANCE_GROUNDS | {"pl_11", "pl_12", "pl_12a", "lpt_temporary_custody"})
)
def test_no_statutory_hour_limit_for_handrackning_11_12_12a_and_lpt_47_1(code: str) -> None:
    limit = time_limit(code)
    assert limit.hard_limit is None and not limit.statutory
    assert limit.citation == GROUNDS[code].citation
    assert "ingen tidsgräns" in limit.message
    assert "inte lag" in limit.message  # the thresholds are platform choices and say so


@pytest.mark.parametrize("code", sorted(ASSISTANCE_GROUNDS))
def test_handrackning_review_thresholds_default(code: str) -> None:
    """LPT 47 §, LRV 27 §, LVM 45 §, LVU 43 §: re-assessment every 2 h, alerts at 50/80/100 % of 6 h."""
    limit = time_limit(code)
    assert limit.reassessment_interval == 2 * H
    assert limit.review_horizon == 6 * H
    assert limit.alert_fractions == (0.5, 0.8, 1.0)


def test_twelve_hours_only_for_identification_under_14() -> None:
    with pytest.raises(ValueError, match="14 § PL"):
        time_limit("pl_13_2", identification_of_special_importance=True)


def test_deadlines_13_2_six_hours_with_alerts_and_hard_limit() -> None:
    """16 § andra stycket PL: alerts at 3 h and 4 h 48 min, release at 6 h."""
    deadlines = deadlines_for_episode("pl_13_2", START)
    alerts = [d for d in deadlines if d.kind == DEADLINE_ALERT]
    assert [d.due_at - START for d in alerts] == [3 * H, 4 * H + 48 * M]
    hard = [d for d in deadlines if d.kind == DEADLINE_HARD_LIMIT]
    assert len(hard) == 1 and hard[0].due_at == START + 6 * H
    assert hard[0].severity == "breach" and hard[0].citation == "16 § andra stycket PL"
    assert not [d for d in deadlines if d.kind == DEADLINE_REVIEW_HORIZON]
    assert all(d.due_at.tzinfo == UTC for d in deadlines)


def test_deadlines_14_twelve_hours() -> None:
    """16 § tredje stycket PL."""
    deadlines = deadlines_for_episode("pl_14", START, identification_of_special_importance=True)
    assert max(d.due_at for d in deadlines) == START + 12 * H
    assert deadlines[-1].kind == DEADLINE_HARD_LIMIT


def test_deadlines_13c_two_hours_reassessment_every_30_minutes() -> None:
    """13 c § andra stycket PL."""
    deadlines = deadlines_for_episode("pl_13c_2", START)
    reassess = [d.due_at - START for d in deadlines if d.kind == DEADLINE_REASSESSMENT]
    assert reassess == [30 * M, 60 * M, 90 * M]
    assert [d for d in deadlines if d.kind == DEADLINE_HARD_LIMIT][0].due_at == START + 2 * H


def test_deadlines_handrackning_lvu_review_thresholds() -> None:
    """43 § LVU: the law sets no hours; platform review thresholds alert the responsible commander."""
    deadlines = deadlines_for_episode("handrackning_lvu", START)
    plan = [(d.kind, d.due_at - START, d.severity, d.target) for d in deadlines]
    assert plan == [
        (DEADLINE_REASSESSMENT, 2 * H, "warning", "responsible_commander"),
        (DEADLINE_ALERT, 3 * H, "info", "responsible_commander"),
        (DEADLINE_REASSESSMENT, 4 * H, "warning", "responsible_commander"),
        (DEADLINE_ALERT, 4 * H + 48 * M, "warning", "responsible_commander"),
        (DEADLINE_REVIEW_HORIZON, 6 * H, "critical", "responsible_commander"),
    ]
    assert not [d for d in deadlines if d.kind == DEADLINE_HARD_LIMIT]
    assert all(d.citation == "43 § första stycket LVU" for d in deadlines)
    assert len({d.key for d in deadlines}) == len(deadlines)


def test_deadlines_are_absolute_time_across_the_dst_change() -> None:
    """16 § andra stycket PL: six real hours, also the night the clock jumps forward."""
    start = sthlm(2026, 3, 29, 0, 30)
    hard = [d for d in deadlines_for_episode("pl_13_2", start) if d.kind == DEADLINE_HARD_LIMIT][0]
    assert hard.due_at - start == 6 * H
    assert hard.due_at.astimezone(STOCKHOLM).hour == 7  # 00:30 CET + 6 h = 07:30 CEST
    assert "kl. 07:30" in deadlines_for_episode("pl_13_2", start)[2].message


def test_configured_thresholds_change_the_plan() -> None:
    config = TimeLimitConfig.from_dict(
        {"thresholds": {"handrackning_lvu": {"reassessment_minutes": 60, "review_horizon_minutes": 240}}}
    )
    limit = time_limit("handrackning_lvu", config=config)
    assert (limit.reassessment_interval, limit.review_horizon) == (H, 4 * H)
    horizon = [d for d in deadlines_for_episode("handrackning_lvu", START, config) if d.kind == DEADLINE_REVIEW_HORIZON]
    assert horizon[0].due_at == START + 4 * H
    assert time_limit("handrackning_lpt", config=config).review_horizon == 6 * H  # others keep defaults


def test_lob_limit_is_configurable_after_verification() -> None:
    config = TimeLimitConfig.from_dict({"lob_hard_limit_minutes": 360})
    assert time_limit("lob", config=config).hard_limit == 6 * H


@pytest.mark.parametrize(
    "kwargs",
    [
        {"reassessment_interval": timedelta(0)},
        {"reassessment_interval": H, "review_horizon": -H},
        {"reassessment_interval": H, "alert_fractions": (0.0, 1.0)},
        {"reassessment_interval": H, "alert_fractions": (0.5, 1.5)},
        {"reassessment_interval": H, "alert_fractions": (0.8, 0.5)},
    ],
)
def test_invalid_review_thresholds_are_refused(kwargs) -> None:
    with pytest.raises(ValueError):
        ReviewThresholds(**kwargs)


def test_thresholds_for_unknown_ground_are_refused() -> None:
    with pytest.raises(ValueError, match="okända grunder"):
        TimeLimitConfig(thresholds={"nope": ReviewThresholds(H)})


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="tidszonsmedveten"):
        deadlines_for_episode("pl_13_2", datetime(2026, 6, 17, 10, 0))


@pytest.mark.parametrize(
    ("statute", "code", "elapsed", "ok", "approaching"),
    [
        ("16 § andra stycket PL: 5 h 59 min is within six hours", "pl_13_2", 5 * H + 59 * M, True, True),
        ("16 § andra stycket PL: six hours reached", "pl_13_2", 6 * H, False, False),
        ("16 § andra stycket PL: 2 h is early", "pl_13_2", 2 * H, True, False),
        ("16 § tredje stycket PL: 6 h reached without synnerlig vikt", "pl_14", 6 * H, False, False),
        ("13 c § andra stycket PL: 1 h 59 min", "pl_13c_2", 119 * M, True, True),
        ("13 c § andra stycket PL: two hours reached", "pl_13c_2", 2 * H, False, False),
    ],
)
def test_check_duration_hard_limits(statute: str, code: str, elapsed: timedelta, ok: bool, approaching: bool) -> None:
    checks = check_duration(code, START, START + elapsed)
    hard = by_code(checks, "duration_hard_limit")
    assert hard.ok is ok, statute
    assert hard.hard is (not ok)
    assert ("duration_approaching_limit" in codes(checks)) is approaching


def test_check_duration_twelve_hours_needs_a_recorded_reason() -> None:
    """16 § tredje stycket PL: without a recorded reason for synnerlig vikt the six hours apply."""
    checks = check_duration("pl_14", START, START + 7 * H, identification_of_special_importance=True)
    assert not by_code(checks, "duration_special_importance_recorded").ok
    assert not by_code(checks, "duration_hard_limit").ok
    checks = check_duration(
        "pl_14", START, START + 7 * H, identification_of_special_importance=True,
        special_importance_reason="Efterlyst för grovt rån, identiteten avgör om gripande kan ske",
    )
    assert by_code(checks, "duration_hard_limit").ok
    checks = check_duration(
        "pl_14", START, START + 12 * H, identification_of_special_importance=True,
        special_importance_reason="Efterlyst för grovt rån, identiteten avgör om gripande kan ske",
    )
    assert not by_code(checks, "duration_hard_limit").ok


def test_check_duration_handrackning_horizon_is_a_warning_not_a_release() -> None:
    """47 § LPT: no hour limit; past the horizon the commander must record why it continues."""
    checks = check_duration("handrackning_lpt", START, START + 6 * H, last_reassessment_at=START + 5 * H)
    horizon = by_code(checks, "duration_review_horizon")
    assert not horizon.ok and horizon.severity == "warning" and not horizon.hard
    assert "8 § PL" in horizon.message
    assert "duration_hard_limit" not in codes(checks)
    assert by_code(checks, "duration_reassessment").ok


def test_check_duration_reassessment_every_two_hours() -> None:
    """45 § LVM: forced, recorded re-assessment (platform default 2 h)."""
    overdue = by_code(check_duration("handrackning_lvm", START, START + 2 * H), "duration_reassessment")
    assert not overdue.ok and overdue.severity == "warning"
    fresh = by_code(
        check_duration("handrackning_lvm", START, START + 2 * H, last_reassessment_at=START + 90 * M),
        "duration_reassessment",
    )
    assert fresh.ok


def test_check_duration_refuses_now_before_start() -> None:
    with pytest.raises(ValueError):
        check_duration("pl_13_2", START, START - M)


def test_next_reassessment_continues_past_the_horizon() -> None:
    nxt = next_reassessment("handrackning_lpt", START, START + 7 * H)
    assert nxt is not None and nxt.due_at == START + 9 * H and nxt.kind == DEADLINE_REASSESSMENT


@pytest.mark.parametrize(
    ("statute", "code", "kwargs", "elapsed", "must", "reason", "citation"),
    [
        ("16 § andra stycket PL: six hours", "pl_13_2", {}, 6 * H, True, "hard_limit_reached", "16 § andra stycket PL"),
        ("16 § andra stycket PL: release after the interview", "pl_13_2", {"interviewed_at": START + H}, 2 * H,
         True, "interviewed", "16 § andra stycket PL"),
        ("16 § andra stycket PL: a minor may be held pending handover", "pl_13_2",
         {"interviewed_at": START + H, "is_minor": True}, 2 * H, False, "none", "16 § andra stycket PL"),
        ("16 § tredje stycket PL: release once identified", "pl_14", {"identified_at": START + H}, 90 * M,
         True, "identified", "16 § tredje stycket PL"),
        ("16 § tredje stycket PL: six hours", "pl_14", {}, 6 * H, True, "hard_limit_reached", "16 § tredje stycket PL"),
        ("13 c § andra stycket PL: two hours", "pl_13c_2", {}, 2 * H, True, "hard_limit_reached",
         "13 c § andra stycket PL"),
        ("27 § LRV: no hour limit", "handrackning_lrv", {}, 10 * H, False, "none", "27 § LRV"),
    ],
)
def test_release_duty(statute, code, kwargs, elapsed, must, reason, citation) -> None:
    duty = release_duty(code, START, START + elapsed, **kwargs)
    assert (duty.must_release, duty.reason, duty.citation) == (must, reason, citation), statute
    recorded = dict(duty.record)
    assert {"ended_at", "end_reason", "intervention_time", "new_ground"} <= set(recorded)
    if kwargs.get("is_minor"):
        assert "handed_over_to" in recorded


def test_format_duration() -> None:
    assert format_duration(6 * H) == "6 timmar"
    assert format_duration(H + 30 * M) == "1 timme 30 minuter"
    assert format_duration(45 * M) == "45 minuter"


@settings(max_examples=200, deadline=None)
@given(
    code=st.sampled_from(sorted(GROUNDS)),
    start=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(STOCKHOLM)),
    interval=st.integers(min_value=5, max_value=600),
    horizon=st.integers(min_value=5, max_value=1440),
    fractions=st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=5, unique=True),
)
def test_deadlines_are_after_the_start_and_ordered(code, start, interval, horizon, fractions) -> None:
    config = TimeLimitConfig(
        thresholds={code: ReviewThresholds(interval * M, horizon * M, tuple(sorted(f / 100 for f in fractions)))}
    )
    deadlines = deadlines_for_episode(code, start, config)
    assert deadlines
    assert all(d.due_at > start for d in deadlines)
    assert [d.due_at for d in deadlines] == sorted(d.due_at for d in deadlines)
    assert len({d.key for d in deadlines}) == len(deadlines)
    limit = time_limit(code, config=config)
    if limit.hard_limit is not None:
        # absolute time: add the limit in UTC, never on the Stockholm wall clock
        assert max(d.due_at for d in deadlines) == start.astimezone(UTC) + limit.hard_limit


# =============================================================================================
# Holding (förvar): the children's rules (17 § PL), competence, reason, last resort
# =============================================================================================

ADULT_HOLDING = HoldingFacts(
    ground="handrackning_lpt",
    decided_by_function="station_commander",
    place_type="police_cell",
    reason="awaiting_transport",
    necessity="Personen har försökt avvika och hotat personal under väntan",
    alternatives_considered="Väntan i bil och i aktivitetsrum prövat; avvikningsrisken för stor",
    age=35,
    age_basis="verified",
)
CHILD_TEXTS = {
    "absolutely_necessary_justification": "Upprepat våld mot personal, ingen annan säker plats finns",
    "child_best_interest_assessment": "Barnets bästa bedömt med beslutsstödet; kort tid, uppsikt, socialtjänst på väg",
}


def test_adult_holding_allowed() -> None:
    decision = check_holding(ADULT_HOLDING)
    assert decision.allowed and decision.is_holding
    assert not decision.required_tasks
    assert "holding_child_absolutely_necessary" not in codes(decision.checks)


@pytest.mark.parametrize(
    ("statute", "age", "texts", "allowed"),
    [
        ("17 § PL: 14-year-old never in förvar", 14, CHILD_TEXTS, False),
        ("17 § PL: 0-year-old never in förvar", 0, CHILD_TEXTS, False),
        ("17 § PL jfr 6 a § LUL: 15 without justification", 15, {}, False),
        ("17 § PL jfr 6 a § LUL: 15 with justification and assessment", 15, CHILD_TEXTS, True),
        ("17 § PL jfr 6 a § LUL: 17 without justification", 17, {}, False),
        ("17 § PL jfr 6 a § LUL: 17 with justification and assessment", 17, CHILD_TEXTS, True),
        ("17 § PL: 18 is an adult", 18, {}, True),
    ],
)
def test_children_rules(statute: str, age: int, texts: dict, allowed: bool) -> None:
    decision = check_holding(replace(ADULT_HOLDING, age=age, **texts))
    assert decision.allowed is allowed, statute


def test_fourteen_year_old_refused_with_17_pl_and_no_override() -> None:
    decision = check_holding(replace(ADULT_HOLDING, age=14, **CHILD_TEXTS))
    check = decision.check("holding_under_15")
    assert not check.ok and check.hard and check.citation == "17 § PL"
    assert "under 15 år får inte tas i förvar" in check.message
    assert not decision.required_tasks


@pytest.mark.parametrize("age", [15, 17])
def test_fifteen_to_seventeen_need_justification_assessment_and_social_services(age: int) -> None:
    """17 § PL jfr 6 a § LUL (absolutely necessary); 6 § andra stycket PL (social services)."""
    refused = check_holding(replace(ADULT_HOLDING, age=age))
    necessary = refused.check("holding_child_absolutely_necessary")
    assert not necessary.ok and necessary.citation == "17 § PL jfr 6 a § lagen (1964:167)"
    assert "absolut nödvändigt" in necessary.message
    assert not refused.check("holding_child_best_interest").ok
    only_justification = check_holding(
        replace(ADULT_HOLDING, age=age, absolutely_necessary_justification=CHILD_TEXTS[
            "absolutely_necessary_justification"])
    )
    assert not only_justification.allowed

    allowed = check_holding(replace(ADULT_HOLDING, age=age, decided_at=START, **CHILD_TEXTS))
    assert allowed.allowed
    (task,) = allowed.required_tasks
    assert task.code == "notify_social_services"
    assert task.citation == "6 § andra stycket PL"
    assert task.due_at == START + 30 * M


@pytest.mark.parametrize(
    ("statute", "facts", "category", "allowed"),
    [
        ("17 § PL: unknown age, minor indications → treated as possibly under 15",
         {"age": None, "age_basis": "unknown", "minor_indications": True}, "under_15", False),
        ("17 § PL: unknown age, minor indications, assessed 15+ → 15–17 rules",
         {"age": None, "age_basis": "unknown", "minor_indications": True, "assessed_at_least_15": True},
         "minor_15_17", False),
        ("17 § PL: assessed 15+, with justification and assessment",
         {"age": None, "age_basis": "unknown", "minor_indications": True, "assessed_at_least_15": True,
          **CHILD_TEXTS}, "minor_15_17", True),
        ("17 § PL: assumed 19 with minor indications → minor",
         {"age": 19, "age_basis": "assumed", "minor_indications": True}, "minor_15_17", False),
        ("17 § PL: unknown age, no indications → adult",
         {"age": None, "age_basis": "unknown"}, "adult", True),
    ],
)
def test_unknown_age_with_indications_is_treated_as_a_minor(statute, facts, category, allowed) -> None:
    decision = check_holding(replace(ADULT_HOLDING, **facts))
    assert decision.age.category == category, statute
    assert decision.allowed is allowed, statute
    if category != "adult":
        assert decision.check("holding_age_uncertain").severity == "warning"


def test_unknown_minor_category_is_configurable() -> None:
    config = HoldingConfig(unknown_minor_category="minor_15_17")
    facts = replace(ADULT_HOLDING, age=None, age_basis="unknown", minor_indications=True, **CHILD_TEXTS)
    assert check_holding(facts, config).allowed
    assert not check_holding(facts).allowed


def test_classify_age_refuses_negative_age() -> None:
    with pytest.raises(ValueError):
        classify_age(-1)


@pytest.mark.parametrize("age", [3, 14])
def test_activity_room_is_not_holding_even_for_a_child_under_15(age: int) -> None:
    decision = check_holding(
        replace(ADULT_HOLDING, age=age, place_type="activity_room", decided_by_function="officer")
    )
    assert decision.allowed and not decision.is_holding
    assert "holding_under_15" not in codes(decision.checks)
    assert "inte förvar" in decision.check("holding_place_type").message


def test_activity_room_can_be_configured_as_holding() -> None:
    config = HoldingConfig(non_holding_place_types=frozenset())
    decision = check_holding(replace(ADULT_HOLDING, age=14, place_type="activity_room"), config)
    assert not decision.allowed and decision.is_holding


@pytest.mark.parametrize(
    ("function", "allowed"),
    [
        ("officer", False),
        ("analyst", False),
        ("administrator", False),
        ("", False),
        ("station_commander", True),
        ("level2_manager", True),
        ("duty_officer", True),
        ("rlc_commander", True),
    ],
)
def test_holding_competence(function: str, allowed: bool) -> None:
    """17 § PL, decided by a competent function (arbetsordning PM 2024:5 bilaga 4)."""
    decision = check_holding(replace(ADULT_HOLDING, decided_by_function=function))
    assert decision.allowed is allowed
    check = decision.check("holding_competence")
    assert check.ok is allowed and check.citation == "17 § PL"
    assert "arbetsordning" in (check.source or "")
    if not allowed:
        assert "stationsbefäl" in check.message


def test_competence_matrix_is_configurable_but_never_lets_an_officer_decide() -> None:
    narrow = CompetenceMatrix({"holding": frozenset({"station_commander"})})
    assert not check_holding(replace(ADULT_HOLDING, decided_by_function="duty_officer"),
                             HoldingConfig(competence=narrow)).allowed
    with pytest.raises(ValueError, match="aldrig"):
        CompetenceMatrix({"holding": frozenset({"station_commander", "officer"})})
    with pytest.raises(ValueError, match="okända"):
        CompetenceMatrix({"holding": frozenset({"sheriff"})})


@pytest.mark.parametrize("reason", [r for r in HOLDING_REASONS if r != "other"])
def test_each_listed_reason_is_accepted(reason: str) -> None:
    assert check_holding(replace(ADULT_HOLDING, reason=reason)).allowed


@pytest.mark.parametrize(
    ("reason", "text", "ok"),
    [("other", "", False), ("other", "Väntar på tolk inför överlämning", True), ("nap", "", False)],
)
def test_other_reason_needs_a_text(reason: str, text: str, ok: bool) -> None:
    decision = check_holding(replace(ADULT_HOLDING, reason=reason, reason_text=text))
    assert decision.check("holding_reason").ok is ok


def test_last_resort_statement_required_8_pl() -> None:
    decision = check_holding(replace(ADULT_HOLDING, alternatives_considered=""))
    check = decision.check("holding_last_resort")
    assert not decision.allowed and not check.ok and check.citation == "8 § första stycket PL"


def test_necessity_for_order_or_security_required_17_pl() -> None:
    check = check_holding(replace(ADULT_HOLDING, necessity="")).check("holding_necessity")
    assert not check.ok and check.citation == "17 § PL"


def test_extended_removal_cannot_lead_to_holding_13c() -> None:
    decision = check_holding(replace(ADULT_HOLDING, ground="pl_13c_2"))
    assert not decision.allowed and not decision.check("holding_ground").ok


def test_lob_holding_warns_that_lob_has_its_own_rules() -> None:
    decision = check_holding(replace(ADULT_HOLDING, ground="lob"))
    assert decision.allowed and decision.check("holding_external_rules").severity == "warning"


def test_unknown_place_type_refused() -> None:
    assert not check_holding(replace(ADULT_HOLDING, place_type="garage")).allowed


@settings(max_examples=300, deadline=None)
@given(
    age=st.one_of(st.integers(min_value=0, max_value=14), st.none()),
    basis=st.sampled_from(["verified", "assumed", "unknown"]),
    ground=st.sampled_from(sorted(GROUNDS)),
    function=st.sampled_from(["rlc_commander", "station_commander", "duty_officer", "level2_manager", "officer"]),
    place=st.sampled_from([p for p in PLACE_TYPES if p != "activity_room"]),
    reason=st.sampled_from([*HOLDING_REASONS, "unknown"]),
    text=st.text(max_size=80),
    flags=st.tuples(st.booleans(), st.booleans()),
)
def test_an_under_15_is_never_held_whatever_the_other_facts(age, basis, ground, function, place, reason, text,
                                                            flags) -> None:
    """17 § PL: "Den som är under femton år får dock inte tas i förvar." No justification overrides it."""
    facts = HoldingFacts(
        ground=ground, decided_by_function=function, place_type=place, reason=reason, reason_text=text,
        necessity=text or "x" * 40, alternatives_considered=text or "y" * 40,
        age=age, age_basis=basis, minor_indications=True if age is None else flags[0],
        assessed_at_least_15=False,
        absolutely_necessary_justification="absolut nödvändigt " * 3 if flags[1] else text,
        child_best_interest_assessment="barnets bästa bedömt " * 3,
    )
    decision = check_holding(facts)
    assert not decision.allowed
    if decision.age.category == "under_15" and GROUNDS[ground].is_custody:
        assert decision.check("holding_under_15").hard


# =============================================================================================
# 15 § PL (report to the förman, review) and the duties that follow the ground
# =============================================================================================


def _task(tasks, code):
    return next(t for t in tasks if t.code == code)


def test_15_pl_report_and_review_for_11_pl_custody() -> None:
    tasks = custody_tasks(CustodyFacts("pl_11", START))
    task_codes = [t.code for t in tasks]
    assert {"inform_of_reason", "report_to_forman", "forman_review", "notify_authority", "authority_decision",
            "interview"} <= set(task_codes)
    report = _task(tasks, "report_to_forman")
    assert report.citation == "15 § första stycket PL" and report.time_word == "så skyndsamt som möjligt"
    assert report.due_at == START + 15 * M and report.responsible == "executing_officer"
    review = _task(tasks, "forman_review")
    assert review.time_word == "omedelbart" and review.responsible == "forman"
    assert review.due_at == START + 30 * M
    assert _task(tasks, "notify_authority").citation == "15 § andra stycket PL"
    assert _task(tasks, "authority_decision").citation == "15 § tredje stycket PL"
    assert _task(tasks, "interview").citation == "16 § första stycket PL"
    assert [t.due_at for t in tasks] == sorted(t.due_at for t in tasks)


def test_15_pl_review_counts_from_the_actual_report() -> None:
    tasks = custody_tasks(CustodyFacts("pl_13_2", START, reported_to_forman_at=START + 5 * M))
    assert _task(tasks, "forman_review").due_at == START + 20 * M


def test_15_andra_stycket_no_authority_notice_when_11_custody_is_released() -> None:
    tasks = custody_tasks(CustodyFacts("pl_11", START, forman_review_outcome="release"))
    assert "notify_authority" not in {t.code for t in tasks}
    assert "authority_decision" not in {t.code for t in tasks}


def test_15_andra_stycket_authority_always_notified_for_12_pl() -> None:
    tasks = custody_tasks(CustodyFacts("pl_12", START, forman_review_outcome="release"))
    assert {"notify_authority", "handover_guardian_or_social_services"} <= {t.code for t in tasks}


def test_12a_pl_handover_to_hospital() -> None:
    task = _task(custody_tasks(CustodyFacts("pl_12a", START)), "handover_hospital")
    assert task.citation == "12 a § första stycket PL" and task.time_word == "skyndsamt"


def test_16_andra_stycket_minor_handed_over_within_six_hours() -> None:
    slas = TaskSlaConfig(handover_minor=10 * H)
    task = _task(custody_tasks(CustodyFacts("pl_13_2", START, is_minor=True), slas), "handover_minor")
    assert task.citation == "16 § andra stycket PL" and task.due_at == START + 6 * H


def test_16_tredje_stycket_identification_measures() -> None:
    assert _task(custody_tasks(CustodyFacts("pl_14", START)), "identification_measures").time_word == "skyndsamt"


def test_15_pl_applied_to_handrackning_custody_by_default_and_configurable() -> None:
    """15 § första stycket PL speaks of "ett omhändertagande": applied to handräckning (43 § LVU)."""
    tasks = {t.code for t in custody_tasks(CustodyFacts("handrackning_lvu", START))}
    assert {"report_to_forman", "forman_review"} <= tasks
    narrow = TaskSlaConfig(apply_section_15_to_all_custody=False, inform_reason_for_all_grounds=False)
    assert custody_tasks(CustodyFacts("handrackning_lvu", START), narrow) == []


def test_15_pl_no_review_once_ended_and_none_for_removal() -> None:
    tasks = {t.code for t in custody_tasks(CustodyFacts("pl_13_2", START, ended_at=START + H))}
    assert "forman_review" not in tasks and "report_to_forman" in tasks
    removal = {t.code for t in custody_tasks(CustodyFacts("pl_13c_2", START))}
    assert removal == {"inform_of_reason"}  # 15 § första stycket: told the reason for the removal


# =============================================================================================
# 17 a § PL: next of kin
# =============================================================================================


@pytest.mark.parametrize(
    ("statute", "facts", "status", "citation"),
    [
        ("17 a § första stycket PL: the person asks", {"person_requests": True}, "notify", "17 a § första stycket PL"),
        ("17 a § första stycket PL: other reason", {"other_reason": "Personen har ett barn hemma ensamt"}, "notify",
         "17 a § första stycket PL"),
        ("17 a § första stycket PL: a minor is a reason", {"is_minor": True}, "notify", "17 a § första stycket PL"),
        ("17 a § första stycket PL: no request, no reason", {}, "no_reason", "17 a § första stycket PL"),
        ("17 a § första stycket PL: deferred for the investigation",
         {"person_requests": True, "criminal_investigation_ongoing": True, "investigation_would_be_harmed": True},
         "deferred_investigation", "17 a § första stycket PL"),
        ("17 a § första stycket PL: investigation not harmed",
         {"person_requests": True, "criminal_investigation_ongoing": True}, "notify", "17 a § första stycket PL"),
        ("17 a § andra stycket PL: the person objects",
         {"person_objects": True, "is_minor": True}, "not_notified_person_objects", "17 a § andra stycket PL"),
        ("17 a § andra stycket PL: objection overridden by synnerliga skäl",
         {"person_objects": True, "exceptional_reasons": "Personen är suicidal och anhörig måste ta hand om barnen"},
         "notify", "17 a § första stycket PL"),
        ("17 a § tredje stycket PL: the measure has ended",
         {"person_requests": True, "measure_ended": True}, "not_required_measure_ended", "17 a § tredje stycket PL"),
        ("17 a § första stycket PL: already notified",
         {"person_requests": True, "notified_at": START + H}, "notified", "17 a § första stycket PL"),
    ],
)
def test_next_of_kin(statute: str, facts: dict, status: str, citation: str) -> None:
    decision = next_of_kin_notification(NextOfKinFacts("handrackning_lpt", START, **facts))
    assert decision.status == status, statute
    assert decision.checks[-1].citation == citation
    if status == "notify":
        assert decision.task is not None and decision.task.code == "notify_next_of_kin"
        assert decision.task.due_at == START + H
    else:
        assert decision.task is None


@pytest.mark.parametrize("ground", ["pl_13_2", "pl_14", "pl_11", "lpt_temporary_custody", "handrackning_lvu", "lob"])
def test_next_of_kin_scope_covers_every_custody_ground(ground: str) -> None:
    """17 a § PL: custody under PL, under the special provisions of 11 §, or otherwise obliged to remain."""
    assert next_of_kin_notification(NextOfKinFacts(ground, START, person_requests=True)).status == "notify"


def test_next_of_kin_not_in_scope_for_extended_removal() -> None:
    assert next_of_kin_notification(NextOfKinFacts("pl_13c_2", START, person_requests=True)).status == "not_in_scope"


# =============================================================================================
# 27 § PL: protocol; 28 § PL: restraints and other measures
# =============================================================================================

COMPLETE = ProtocolFacts(
    intervention_type="custody",
    decided_by="Stationsbefäl Anna Lind",
    decision_ground="43 § första stycket 2 LVU, beslut om omedelbart omhändertagande",
    decided_at=START - 30 * M,
    participants=("Polisassistent Erik Berg", "Polisassistent Sara Ek"),
    subjects=("Kim Andersson",),
    started_at=START,
    ended_at=START + 2 * H,
    narrative="Personen följde med utan motstånd. Inget övrigt.",
    forman="Polisinspektör Karin Holm",
)


def test_complete_protocol_passes() -> None:
    checks = check_protocol(COMPLETE)
    assert all(c.ok for c in checks), [c.message for c in checks if not c.ok]
    assert [by_code(checks, f"protocol_item_{n}").citation for n in range(1, 7)] == [
        f"27 § andra stycket {n} PL" for n in range(1, 7)
    ]


@pytest.mark.parametrize(
    ("item", "change", "responsible"),
    [
        (1, {"decided_by": ""}, "den som har fattat beslutet"),
        (2, {"decision_ground": ""}, "den som har fattat beslutet"),
        (2, {"decided_at": None}, "den som har fattat beslutet"),
        (3, {"participants": ()}, "förmannen vid ingripandet"),
        (4, {"subjects": ("  ",)}, "förmannen vid ingripandet"),
        (5, {"ended_at": None}, "förmannen vid ingripandet"),
        (5, {"ended_at": START - H}, "förmannen vid ingripandet"),
        (6, {"narrative": ""}, "förmannen vid ingripandet"),
    ],
)
def test_each_missing_protocol_item_is_named_27_pl(item: int, change: dict, responsible: str) -> None:
    checks = check_protocol(replace(COMPLETE, **change))
    failed = [c for c in checks if not c.ok]
    assert [c.code for c in failed] == [f"protocol_item_{item}"]
    check = failed[0]
    assert check.citation == f"27 § andra stycket {item} PL"
    assert f"punkt {item}, {PROTOCOL_ITEMS[item - 1].text}" in check.message
    assert responsible in check.message and "27 § tredje stycket PL" in check.message


def test_item_2_names_what_is_missing() -> None:
    check = by_code(check_protocol(replace(COMPLETE, decided_at=None)), "protocol_item_2")
    assert "tidpunkten för beslutet" in check.message
    check = by_code(check_protocol(replace(COMPLETE, decision_ground="", decided_at=None)), "protocol_item_2")
    assert "grunden och tidpunkten" in check.message


def test_empty_protocol_names_all_six_items() -> None:
    checks = check_protocol(ProtocolFacts("custody"))
    assert {c.code for c in checks if not c.ok} == {f"protocol_item_{n}" for n in range(1, 7)} | {"protocol_forman"}


def test_forman_must_be_named_27_tredje_stycket() -> None:
    check = by_code(check_protocol(replace(COMPLETE, forman="")), "protocol_forman")
    assert not check.ok and check.citation == "27 § tredje stycket PL"


def test_decision_after_start_is_a_warning() -> None:
    check = by_code(check_protocol(replace(COMPLETE, decided_at=START + M)), "protocol_decision_after_start")
    assert check.severity == "warning"


@pytest.mark.parametrize(
    ("kind", "required"),
    [("custody", True), ("removal", True), ("rejection", True), ("apprehension", True), ("body_search", True),
     ("house_search", True), ("property_custody", True), ("conversation", False)],
)
def test_protocol_required_27_forsta_stycket(kind: str, required: bool) -> None:
    assert protocol_required(kind) is required
    if not required:
        with pytest.raises(ValueError):
            check_protocol(ProtocolFacts(kind))


@pytest.mark.parametrize(
    ("statute", "measure", "failing"),
    [
        ("28 § PL: reasons for restraints", MeasureRecord("restraints", decided_by="Karin Holm", restraint_ground=2,
                                                          context="transport"), {"measure_reasons", "restraint_ground"}),
        ("28 § PL + 10 a § 2 PL: transport, security", MeasureRecord(
            "restraints", decided_by="Karin Holm", reasons="Avvikningsförsök vid bilen", restraint_ground=2,
            context="transport"), set()),
        ("10 a § 1 PL: violent and absolutely necessary", MeasureRecord(
            "restraints", decided_by="Karin Holm", reasons="Slog mot personal", restraint_ground=1,
            violent=True, absolutely_necessary=True), set()),
        ("10 a § 1 PL: not violent", MeasureRecord(
            "restraints", decided_by="Karin Holm", reasons="Rutin", restraint_ground=1), {"restraint_ground"}),
        ("10 a § PL: no ground", MeasureRecord("restraints", decided_by="Karin Holm", reasons="Rutin"),
         {"restraint_ground"}),
        ("28 § PL: the decider is responsible", MeasureRecord("firearm", reasons="Hot med kniv"),
         {"measure_decided_by"}),
        ("28 § PL: tear gas with reasons", MeasureRecord("tear_gas", decided_by="Karin Holm", reasons="Upplopp"), set()),
        ("28 § PL: vehicle stop device", MeasureRecord("vehicle_stop_device", decided_by="Karin Holm"),
         {"measure_reasons"}),
    ],
)
def test_measure_protocol_28_pl(statute: str, measure: MeasureRecord, failing: set) -> None:
    checks = check_measure_protocol(measure)
    assert {c.code for c in checks if not c.ok} == failing, statute
    assert by_code(checks, "measure_reasons").citation == "28 § PL"


def test_restraint_ground_cites_10a_point() -> None:
    check = by_code(check_measure_protocol(MeasureRecord("restraints", restraint_ground=1)), "restraint_ground")
    assert check.citation == "10 a § 1 PL"


def test_measures_are_checked_with_the_protocol() -> None:
    checks = check_protocol(replace(COMPLETE, measures=(MeasureRecord("restraints", restraint_ground=2,
                                                                      context="transport"),)))
    assert {c.code for c in checks if not c.ok} == {"measure_reasons_1", "measure_decided_by_1", "restraint_ground_1"}


def test_unknown_measure_is_refused() -> None:
    with pytest.raises(ValueError):
        check_measure_protocol(MeasureRecord("baton"))
