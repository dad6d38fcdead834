"""Transport rules: 29 a § PL whitelist, NTE answers, relay transports.  Pure tests, no database."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bitrade.organisation.rules import STOCKHOLM
from bitrade.transport.rules import (
    DEFAULT_WHITELIST,
    DENIED_FIELDS,
    NATIONAL_ROUTINE_LONG_TRANSPORTS,
    NTE_DECLINE_REASONS,
    NteResponse,
    TransportCategory,
    TransportLeg,
    TransportOrderFacts,
    TransportPlanConfig,
    TransportWhitelist,
    check_nte_response,
    check_transport_plan,
    count_declines,
    count_handovers,
    filter_transport_order,
    transport_information_citation,
    validate_transport_order,
)

H = timedelta(hours=1)
M = timedelta(minutes=1)
NOW = datetime(2026, 6, 17, 9, 0, tzinfo=STOCKHOLM)
P29A_2 = "29 a § andra stycket PL"


def by_code(checks, code):
    matches = [c for c in checks if c.code == code]
    assert matches, f"no check {code!r} in {[c.code for c in checks]}"
    return matches[0]


def codes(checks):
    return {c.code for c in checks}


# =============================================================================================
# 29 a § andra stycket PL: the whitelist
# =============================================================================================

ALL_ALLOWED = sorted(name for category in DEFAULT_WHITELIST.categories for name in category.fields)


@pytest.mark.parametrize("name", ALL_ALLOWED)
def test_each_whitelisted_field_passes_29a(name: str) -> None:
    allowed, refused = filter_transport_order({name: "x"})
    assert allowed == {name: "x"} and refused == []


@pytest.mark.parametrize(
    "category",
    ["identity", "destination", "pickup", "transport_risk", "medical_handover", "restraints", "contact_person"],
)
def test_the_required_categories_exist(category: str) -> None:
    assert category in {c.code for c in DEFAULT_WHITELIST.categories}


@pytest.mark.parametrize(
    "name",
    [*sorted(DENIED_FIELDS), "diagnosis_details", "full_request_text", "favourite_colour", "PERSON_NAME"],
)
def test_non_whitelisted_fields_are_refused_with_the_citation_29a(name: str) -> None:
    allowed, refused = filter_transport_order({"person_name": "Kim Andersson", name: "hemligt"})
    assert allowed == {"person_name": "Kim Andersson"}
    (check,) = refused
    assert check.code == "transport_field_not_whitelisted" and not check.ok and check.severity == "error"
    assert check.field == name
    assert check.citation == P29A_2
    assert f"”{name}”" in check.message and "Kriminalvården" in check.message


def test_denied_fields_get_their_own_reason() -> None:
    _, refused = filter_transport_order({"diagnosis_details": "F20.0"})
    assert "diagnosuppgifter" in refused[0].message
    _, refused = filter_transport_order({"third_party_identity_number": "19121212-1212"})
    assert "andra personer" in refused[0].message


def test_non_string_keys_are_refused() -> None:
    allowed, refused = filter_transport_order({42: "x"})
    assert allowed == {} and refused[0].field == "42"


@pytest.mark.parametrize(
    ("law", "citation"),
    [
        ("LVM", "29 a § andra stycket PL jfr 45 b § LVM"),
        ("LVU", "29 a § andra stycket PL jfr 43 b § LVU"),
        ("LPT", "29 a § andra stycket PL jfr 47 b § LPT"),
        ("LRV", "29 a § andra stycket PL jfr 27 § LRV"),
        (None, P29A_2),
    ],
)
def test_citation_names_the_care_laws_section(law, citation) -> None:
    assert transport_information_citation(law) == citation
    _, refused = filter_transport_order({"social_history": "…"}, law=law)
    assert refused[0].citation == citation


def test_unknown_care_law_is_refused() -> None:
    with pytest.raises(ValueError):
        transport_information_citation("LOB")


def test_whitelist_can_never_open_a_denied_field() -> None:
    with pytest.raises(ValueError, match="aldrig"):
        TransportWhitelist((TransportCategory("x", "X", "", frozenset({"diagnosis_details"})),))
    with pytest.raises(ValueError, match="både"):
        TransportWhitelist((TransportCategory("a", "A", "", frozenset({"f"})),
                            TransportCategory("b", "B", "", frozenset({"f"}))))


def test_whitelist_is_configurable() -> None:
    narrow = TransportWhitelist((TransportCategory("identity", "Identitet", "", frozenset({"person_name"})),))
    allowed, refused = filter_transport_order({"person_name": "A", "pickup_place": "B"}, whitelist=narrow)
    assert allowed == {"person_name": "A"} and [c.field for c in refused] == ["pickup_place"]


# =============================================================================================
# 29 a § första stycket PL: the order
# =============================================================================================

ORDER = TransportOrderFacts(
    deprived_of_liberty=True,
    custody_ground="handrackning_lpt",
    destination="Psykiatriska kliniken, Lund",
    pickup_place="Polisstationen Malmö",
    pickup_at=NOW + 2 * H,
    requested_destination="Psykiatriska kliniken, Lund",
    law="LPT",
    fields={"person_name": "Kim Andersson", "destination_facility": "Psykiatriska kliniken, Lund",
            "risk_escape": True, "medication_to_hand_over": "Olanzapin 10 mg kl. 20"},
)


def _with(**kwargs) -> TransportOrderFacts:
    from dataclasses import replace

    return replace(ORDER, **kwargs)


def test_valid_order_passes() -> None:
    checks = validate_transport_order(ORDER, now=NOW)
    assert all(c.ok for c in checks), [c.message for c in checks if not c.ok]
    assert by_code(checks, "transport_fields_whitelisted").citation == "29 a § andra stycket PL jfr 47 b § LPT"


@pytest.mark.parametrize(
    ("statute", "change", "failing"),
    [
        ("29 a § första stycket PL: not deprived of liberty", {"deprived_of_liberty": False},
         "transport_deprived_of_liberty"),
        ("29 a § första stycket PL: no ground", {"custody_ground": None}, "transport_deprived_of_liberty"),
        ("29 a § första stycket PL: extended removal is not a deprivation to transport",
         {"custody_ground": "pl_13c_2"}, "transport_deprived_of_liberty"),
        ("29 a § första stycket PL: no destination", {"destination": "  "}, "transport_destination"),
        ("29 a § första stycket PL: the request's facility",
         {"destination": "Sjukhuset i Ystad"}, "transport_destination_matches_request"),
        ("29 a § andra stycket PL: pick-up place", {"pickup_place": ""}, "transport_pickup"),
        ("29 a § andra stycket PL: pick-up time", {"pickup_at": None}, "transport_pickup"),
        ("29 a § andra stycket PL: non-whitelisted field",
         {"fields": {"person_name": "Kim", "full_request_text": "…"}}, "transport_field_not_whitelisted"),
    ],
)
def test_invalid_orders(statute: str, change: dict, failing: str) -> None:
    checks = validate_transport_order(_with(**change), now=NOW)
    blocking = [c for c in checks if c.blocking]
    assert [c.code for c in blocking] == [failing], statute
    assert blocking[0].citation.startswith("29 a §")


def test_pickup_in_the_past_is_a_warning() -> None:
    check = by_code(validate_transport_order(_with(pickup_at=NOW - H), now=NOW), "transport_pickup_passed")
    assert check.severity == "warning"


def test_destination_comparison_ignores_case_and_spaces() -> None:
    checks = validate_transport_order(_with(destination="psykiatriska  kliniken, lund"), now=NOW)
    assert "transport_destination_matches_request" not in codes(checks)


# =============================================================================================
# NTE's answer
# =============================================================================================


@pytest.mark.parametrize("reason", sorted(r for r in NTE_DECLINE_REASONS if r != "other"))
def test_each_decline_reason_is_accepted(reason: str) -> None:
    checks = check_nte_response(NteResponse(False, reason), person_age=14)
    assert by_code(checks, "nte_decline_reason").ok
    planned = by_code(checks, "nte_declined_police_transport")
    assert planned.severity == "warning" and planned.source == NATIONAL_ROUTINE_LONG_TRANSPORTS


@pytest.mark.parametrize(
    ("response", "age", "ok"),
    [
        (NteResponse(True), None, True),
        (NteResponse(True, "no_capacity"), None, False),
        (NteResponse(False), None, False),
        (NteResponse(False, "weather"), None, False),
        (NteResponse(False, "other"), None, False),
        (NteResponse(False, "other", "Fordonet trasigt"), None, True),
        (NteResponse(False, "child_under_15_short_notice"), 14, True),
        (NteResponse(False, "child_under_15_short_notice"), None, True),
        (NteResponse(False, "child_under_15_short_notice"), 15, False),
    ],
)
def test_nte_response_validation_29a(response: NteResponse, age, ok: bool) -> None:
    checks = check_nte_response(response, person_age=age)
    assert checks[0].ok is ok
    assert checks[0].citation == "29 a § första stycket PL"


def test_declines_are_counted_per_code() -> None:
    responses = [
        NteResponse(False, "no_capacity"), NteResponse(False, "no_capacity"), NteResponse(False, "short_notice"),
        NteResponse(True), NteResponse(False, "weather"), NteResponse(False, "child_under_15_short_notice"),
    ]
    counts = count_declines(responses)
    assert counts == {"no_capacity": 2, "short_notice": 1, "child_under_15_short_notice": 1,
                      "no_nte_presence": 0, "other": 0}


# =============================================================================================
# Relay transports (Nationell rutin – långa transporter, 2015-10-20, quoted in the report)
# =============================================================================================


def leg(executor: str, region: str, start_h: float, end_h: float, **kwargs) -> TransportLeg:
    return TransportLeg(executor, region, NOW + start_h * H, NOW + end_h * H, **kwargs)


SINGLE = [leg("police", "syd", 1, 3)]
RELAY = [leg("police", "syd", 1, 2.5), leg("police", "vast", 2.6, 3.5)]
DIALOGUE = "Samtal med socialjouren 09:10 om barnets bästa; en patrull hela vägen prövades"


def test_single_patrol_is_not_a_relay() -> None:
    checks = check_transport_plan(SINGLE, 30, NOW)
    assert by_code(checks, "transport_handovers").message.startswith("Planen har 0 överlämningar")
    assert "relay_transport" not in codes(checks)
    assert all(c.ok for c in checks)


def test_relay_between_regions_is_flagged_for_an_adult() -> None:
    checks = check_transport_plan(RELAY, 30, NOW)
    relay = by_code(checks, "relay_transport")
    assert not relay.ok and relay.severity == "warning" and relay.source == NATIONAL_ROUTINE_LONG_TRANSPORTS
    assert relay.citation is None  # a national routine, not a statute
    assert "1 överlämningar mellan polisregioner" in relay.message
    dialogue = by_code(checks, "transport_requester_dialogue")
    assert not dialogue.ok and dialogue.severity == "warning"
    assert "relay_transport_child" not in codes(checks)
    assert not any(c.blocking for c in checks)


@pytest.mark.parametrize(
    ("label", "age", "indications", "child"),
    [
        ("14-year-old", 14, False, True),
        ("17-year-old", 17, False, True),
        ("unknown age with indications of a minor", None, True, True),
        ("18-year-old", 18, False, False),
        ("unknown age, no indications", None, False, False),
    ],
)
def test_relay_for_a_child_is_discouraged_and_needs_a_recorded_dialogue(label, age, indications, child) -> None:
    checks = check_transport_plan(RELAY, age, NOW, minor_indications=indications)
    assert ("relay_transport_child" in codes(checks)) is child, label
    dialogue = by_code(checks, "transport_requester_dialogue")
    assert dialogue.blocking is child, label
    with_dialogue = check_transport_plan(RELAY, age, NOW, minor_indications=indications, requester_dialogue=DIALOGUE)
    assert by_code(with_dialogue, "transport_requester_dialogue").ok
    assert not any(c.blocking for c in with_dialogue)
    if child:
        assert "barnets bästa" in by_code(with_dialogue, "transport_requester_dialogue").message


def test_handovers_are_counted() -> None:
    legs = [leg("police", "syd", 1, 2), leg("nte", "nte-malmo", 2.2, 4), leg("police", "vast", 4.2, 5),
            leg("police", "stockholm", 5.2, 6)]
    assert count_handovers(legs) == (3, 1)
    checks = check_transport_plan(legs, 30, NOW)
    assert "Planen har 3 överlämningar, varav 1 mellan polisregioner" in by_code(checks, "transport_handovers").message


def test_long_transport_is_flagged_and_needs_a_dialogue() -> None:
    checks = check_transport_plan([leg("police", "syd", 1, 6)], 16, NOW)
    assert by_code(checks, "transport_long").severity == "warning"
    assert by_code(checks, "transport_requester_dialogue").blocking
    config = TransportPlanConfig(long_transport=6 * H)
    assert "transport_long" not in codes(check_transport_plan([leg("police", "syd", 1, 6)], 16, NOW, config=config))


def test_overnight_holding_must_be_linked_to_the_custody_episode() -> None:
    unlinked = [leg("police", "syd", 1, 5, overnight_stop=True, overnight_place_type="police_cell"),
                leg("police", "syd", 24, 28)]
    check = by_code(check_transport_plan(unlinked, 30, NOW, requester_dialogue=DIALOGUE),
                    "transport_overnight_holding")
    assert check.blocking and check.citation == "17 § PL"
    linked = [leg("police", "syd", 1, 5, overnight_stop=True, custody_episode_ref="ep-42",
                  overnight_place_type="police_cell"), leg("police", "syd", 24, 28)]
    checks = check_transport_plan(linked, 30, NOW, requester_dialogue=DIALOGUE)
    assert by_code(checks, "transport_overnight_holding").ok
    assert "transport_handover_wait" not in codes(checks)  # the overnight stop is not a handover wait


@pytest.mark.parametrize(("place", "blocked"), [("police_cell", True), (None, True), ("activity_room", False)])
def test_overnight_for_a_child_under_15_is_never_in_holding_17_pl(place, blocked) -> None:
    legs = [leg("police", "syd", 1, 5, overnight_stop=True, custody_episode_ref="ep-7", overnight_place_type=place),
            leg("police", "syd", 24, 28)]
    check = by_code(check_transport_plan(legs, 13, NOW, requester_dialogue=DIALOGUE), "transport_overnight_under_15")
    assert check.blocking is blocked and check.hard is blocked and check.citation == "17 § PL"


def test_long_wait_between_legs_is_flagged() -> None:
    legs = [leg("police", "syd", 1, 2), leg("police", "vast", 3, 4)]
    assert by_code(check_transport_plan(legs, 30, NOW), "transport_handover_wait").severity == "warning"


def test_night_driving_is_flagged_more_strongly_for_a_child() -> None:
    legs = [TransportLeg("police", "syd", NOW.replace(hour=21), NOW.replace(hour=23))]
    assert by_code(check_transport_plan(legs, 30, NOW), "transport_at_night").severity == "info"
    assert by_code(check_transport_plan(legs, 12, NOW), "transport_at_night").severity == "warning"
    day = [TransportLeg("police", "syd", NOW.replace(hour=10), NOW.replace(hour=12))]
    assert "transport_at_night" not in codes(check_transport_plan(day, 12, NOW))


@pytest.mark.parametrize(
    "legs",
    [
        [],
        [leg("police", "syd", 2, 1)],
        [leg("police", "syd", 1, 3), leg("police", "vast", 2, 4)],
        [leg("bus", "syd", 1, 2)],
    ],
)
def test_invalid_plans_are_refused(legs) -> None:
    checks = check_transport_plan(legs, 30, NOW)
    assert by_code(checks, "transport_legs").blocking


def test_start_already_passed_is_a_warning() -> None:
    checks = check_transport_plan([leg("police", "syd", -1, 1)], 30, NOW)
    assert by_code(checks, "transport_start_passed").severity == "warning"


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        check_transport_plan(SINGLE, 30, datetime(2026, 6, 17, 9, 0))


@settings(max_examples=200, deadline=None)
@given(
    plan=st.lists(
        st.tuples(st.sampled_from(["police", "nte"]), st.sampled_from(["syd", "vast", "stockholm"]),
                  st.integers(min_value=1, max_value=180)),
        min_size=1, max_size=8,
    ),
    age=st.one_of(st.none(), st.integers(min_value=0, max_value=17)),
)
def test_a_child_relay_is_never_accepted_without_a_dialogue(plan, age) -> None:
    legs, at = [], NOW + H
    for executor, region, minutes in plan:
        legs.append(TransportLeg(executor, region, at, at + minutes * M))
        at += (minutes + 5) * M
    total, relay = count_handovers(legs)
    assert 0 <= relay <= total <= len(legs) - 1
    checks = check_transport_plan(legs, age, NOW, minor_indications=True)
    if relay:
        assert by_code(checks, "transport_requester_dialogue").blocking
        assert "relay_transport_child" in codes(checks)
