"""Table tests of the return-enforcement rules; every row names its source."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bitrade.returns import rules as r

ON = date(2025, 6, 1)
BASE = r.Facts(
    origin="mv", person_name="Test Testsson", identity_status="established", nationality="IQ",
    destination_country="IQ", destination_stance="accepts_forced", travel_document_kind="passport",
    travel_document_valid_until=date(2027, 1, 1), decision_type="avvisning", deciding_body="migrationsverket",
    decided_on=date(2024, 12, 1), final_on=date(2025, 1, 10), reason="avviken", mv_category=1,
    whereabouts_known=False, prior_dialogue=True,
)


# Polisen's categories: Statskontoret 2022:1 avsnitt 5.5.2 ----------------------------------------------------
@pytest.mark.parametrize("change, category, code", [
    ({}, 1, "document"),                                                          # valid document, accepts
    ({"travel_document_kind": ""}, 2, "no_document"),                             # as 1 without document
    ({"travel_document_valid_until": date(2025, 5, 31)}, 2, "no_document"),       # expired the day before
    ({"travel_document_valid_until": ON}, 1, "document"),                         # valid through the day
    ({"identity_status": "probable"}, 3, "identity"),                             # identity not established
    ({"identity_status": "unknown", "travel_document_kind": ""}, 3, "identity"),
    ({"destination_stance": "difficult"}, 3, "destination"),                      # difficult country
    ({"destination_stance": "voluntary_only"}, 3, "destination"),
    ({"destination_stance": ""}, 3, "destination_unknown"),                       # unknown is not easy
    ({"decision_type": "dublin", "identity_status": "unknown"}, 1, "dublin"),     # avsnitt 3.3.3
])
def test_police_category(change, category, code):
    got, reasons = r.police_category(replace(BASE, **change), ON)
    assert got == category
    assert code in [x.code for x in reasons]
    assert all(x.citation for x in reasons)


def test_category_reasons_overlap_identity_and_country():
    _, reasons = r.police_category(replace(BASE, identity_status="unknown", destination_stance="difficult"), ON)
    assert [x.code for x in reasons] == ["identity", "destination"]


# Priority groups: avsnitt 5.5.1 ------------------------------------------------------------------------------
@pytest.mark.parametrize("change, group, codes", [
    ({"detained": True}, 1, ["detained"]),
    ({"decision_type": "utvisning_brott", "deciding_body": "allman_domstol"}, 1, ["crime_expelled"]),
    ({"detained": True, "decision_type": "utvisning_brott"}, 1, ["detained", "crime_expelled"]),
    ({"under_supervision": True, "travel_document_kind": ""}, 2, ["supervision"]),
    ({}, 2, ["document"]),
    ({"travel_document_kind": ""}, 3, []),
])
def test_priority_group(change, group, codes):
    got, reasons = r.priority_group(replace(BASE, **change), ON)
    assert (got, [x.code for x in reasons]) == (group, codes)


# Voluntary-departure deadline: 8 kap. 21 § UtlL; report avsnitt 4.3.2 -------------------------------------
@pytest.mark.parametrize("change, expected", [
    ({}, date(2025, 1, 24)),                                                       # avvisning: two weeks
    ({"decision_type": "utvisning"}, date(2025, 2, 7)),                           # utvisning: four weeks
    ({"voluntary_departure_deadline": date(2025, 2, 1)}, date(2025, 2, 1)),       # as MV set it
    ({"deadline_extended_to": (date(2025, 3, 1), date(2025, 4, 1))}, date(2025, 4, 1)),  # the latest extension
    ({"decision_type": "omedelbar_avvisning"}, None),
    ({"decision_type": "utvisning_brott"}, None),
    ({"final_on": None}, None),
])
def test_voluntary_departure_deadline(change, expected):
    assert r.voluntary_departure_deadline(replace(BASE, **change)) == expected


# Lapse: 12 kap. 22 § UtlL --------------------------------------------------------------------------------
@pytest.mark.parametrize("change, expected, code", [
    ({}, date(2029, 1, 10), "lapse"),
    ({"final_on": date(2024, 2, 29)}, date(2028, 2, 29), "lapse"),
    ({"deciding_body": "migrationsdomstol"}, date(2029, 1, 10), "lapse"),
    ({"decision_type": "utvisning_brott", "deciding_body": "allman_domstol"}, None, "court"),
    ({"final_on": None}, date(2028, 12, 1), "lapse"),                              # from the decision date
    ({"final_on": None, "decided_on": None}, None, "unknown"),
])
def test_lapse_date(change, expected, code):
    got, reasons = r.lapses_on(replace(BASE, **change))
    assert got == expected
    assert reasons[0].code == code and reasons[0].citation == r.CITE_LAPSE


def test_lapse_years_are_a_setting():
    got, _ = r.lapses_on(BASE, r.LawSettings(lapse_years=5))
    assert got == date(2030, 1, 10)


def test_leap_day_falls_back_to_the_earlier_day():
    assert r.add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)


def test_lapse_warning_and_lapsed():
    warn = r.assess(BASE, date(2028, 11, 1))
    assert warn.lapse_warning and not warn.lapsed and warn.enforceable_now
    gone = r.assess(BASE, date(2029, 1, 10))
    assert gone.lapsed and not gone.enforceable_now
    assert "lapsed" in [x.code for x in gone.enforceability_reasons]


# Inactivity (overlapping reasons): avsnitt 3.2.1 tabell 1, 4.8.2 ----------------------------------------
@pytest.mark.parametrize("change, codes", [
    ({}, []),
    ({"temporary_permit_until": date(2026, 1, 1)}, ["temporary_permit"]),
    ({"temporary_permit_until": date(2025, 5, 31)}, []),                            # expired permit
    ({"stay_of_enforcement": True, "pending_impediment": True}, ["stay", "impediment"]),
    ({"temporary_permit_until": ON, "pending_permit_application": True, "pending_family_asylum": True},
     ["temporary_permit", "permit_application", "family_asylum"]),
])
def test_inactive_reasons(change, codes):
    assert [x.code for x in r.inactive_reasons(replace(BASE, **change), ON)] == codes


@pytest.mark.parametrize("at, change, enforceable, codes", [
    (ON, {}, True, []),
    (date(2025, 1, 20), {}, False, ["deadline"]),                     # within the voluntary-departure period
    (date(2025, 1, 24), {}, False, ["deadline"]),                     # last day of the period
    (date(2025, 1, 25), {}, True, []),
    (date(2025, 1, 5), {}, False, ["not_final", "deadline"]),
    (ON, {"stay_of_enforcement": True}, False, ["stay"]),
    (ON, {"permit_granted": True}, False, ["permit"]),
])
def test_enforceable_now(at, change, enforceable, codes):
    got = r.assess(replace(BASE, **change), at)
    assert got.enforceable_now is enforceable
    assert [x.code for x in got.enforceability_reasons] == codes


# The handover agreement: 12 kap. 14 § UtlL; avsnitt 6.4 and 6.4.2 ---------------------------------------
def test_complete_handover_misses_nothing():
    assert r.missing(BASE) == ()


def test_missing_fields_are_named():
    facts = replace(BASE, whereabouts_known=None, prior_dialogue=False, reason="", final_on=None)
    assert [c.code for c in r.missing(facts)] == ["decision.final_on", "reason", "whereabouts", "prior_dialogue"]
    assert all(c.message and c.citation for c in r.missing(facts))


def test_known_whereabouts_need_a_place():
    assert [c.code for c in r.missing(replace(BASE, whereabouts_known=True))] == ["whereabouts"]
    assert r.missing(replace(BASE, whereabouts_known=True, whereabouts_municipality_code="1280")) == ()


def test_court_case_needs_no_handover_fields():
    facts = replace(BASE, origin="court", reason="", mv_category=None, whereabouts_known=None, prior_dialogue=False)
    assert r.missing(facts) == ()


@pytest.mark.parametrize("change, against, codes", [
    ({}, False, []),
    ({"destination_stance": "voluntary_only"}, True, ["voluntary_only"]),
    ({"mv_category": 4}, True, ["mv_category_4"]),
    ({"destination_stance": "difficult"}, False, []),          # hard, but coercion can still work
    ({"origin": "court", "destination_stance": "voluntary_only"}, False, []),
])
def test_against_agreement(change, against, codes):
    got, reasons = r.against_agreement(replace(BASE, **change))
    assert (got, [x.code for x in reasons]) == (against, codes)


def test_assessment_json_has_the_documented_keys():
    out = r.assess(BASE, ON).as_json()
    assert {"police_category", "category_reasons", "final_on", "voluntary_departure_deadline", "lapses_on",
            "enforceable_now", "inactive_reasons", "priority_group", "missing", "against_agreement",
            "citations"} <= set(out)
    assert r.CITE_LAPSE in out["citations"] and r.CITE_CATEGORY in out["citations"]


def test_status_changes():
    f = r.with_status(BASE, "stay_granted")
    assert f.stay_of_enforcement and not r.with_status(f, "stay_lifted").stay_of_enforcement
    assert r.with_status(BASE, "temporary_permit", date(2026, 1, 1)).temporary_permit_until == date(2026, 1, 1)
    extended = r.with_status(BASE, "deadline_extended", date(2025, 5, 1))
    assert r.voluntary_departure_deadline(extended) == date(2025, 5, 1)
    with pytest.raises(ValueError):
        r.with_status(BASE, "nonsense")


# Detention: 10 kap. 4, 5 och 9 §§ UtlL; counsel 18 kap. 1 § UtlL ---------------------------------------
T0 = datetime(2025, 1, 31, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("kind, child, crime, limit, top", [
    ("investigation", False, False, T0 + timedelta(hours=48), T0 + timedelta(hours=48)),
    ("before_decision", False, False, T0 + timedelta(days=14), datetime(2025, 4, 30, 10, tzinfo=UTC)),
    ("enforcement", False, False, datetime(2025, 3, 31, 10, tzinfo=UTC),    # two calendar months
     datetime(2026, 1, 31, 10, tzinfo=UTC)),
    ("enforcement", False, True, datetime(2025, 3, 31, 10, tzinfo=UTC), None),  # crime expulsion
    ("enforcement", True, False, T0 + timedelta(hours=72), T0 + timedelta(hours=144)),
    ("investigation", True, False, T0 + timedelta(hours=6), T0 + timedelta(hours=12)),
])
def test_detention_clock(kind, child, crime, limit, top):
    clock = r.detention_clock(kind, T0, child=child, crime_expelled=crime)
    assert clock.limit_at == limit and clock.absolute_max_at == top
    assert clock.warning_at < clock.limit_at


def test_two_months_from_the_last_of_december_end_on_the_last_of_february():
    start = datetime(2024, 12, 31, 8, tzinfo=UTC)
    assert r.detention_clock("enforcement", start).limit_at == datetime(2025, 2, 28, 8, tzinfo=UTC)


def _codes(checks):
    return [c.code for c in checks if not c.ok]


@pytest.mark.parametrize("kind, child, ext, failed", [
    ("enforcement", False, r.Extension(datetime(2025, 4, 30, 10, tzinfo=UTC), "Resehandling väntas",
                                       counsel="Adv. A", interpreter="Tolk B"), []),
    ("enforcement", False, r.Extension(datetime(2025, 4, 30, 10, tzinfo=UTC), "",
                                       counsel="Adv. A", interpreter="Tolk B"), ["exceptional"]),
    ("enforcement", False, r.Extension(datetime(2025, 4, 30, 10, tzinfo=UTC), "skäl"),
     ["counsel", "interpreter"]),
    ("enforcement", False, r.Extension(datetime(2025, 6, 30, 10, tzinfo=UTC), "skäl",
                                       counsel="A", interpreter="behövs inte"), ["ceiling"]),
    ("enforcement", False, r.Extension(datetime(2025, 6, 30, 10, tzinfo=UTC), "skäl", True,
                                       counsel="A", interpreter="behövs inte"), []),
    ("enforcement", True, r.Extension(T0 + timedelta(hours=145), "skäl", counsel="A", interpreter="B"),
     ["ceiling"]),
    ("investigation", False, r.Extension(T0 + timedelta(hours=60), "skäl", counsel="A", interpreter="B"),
     ["investigation", "ceiling"]),
])
def test_check_extension(kind, child, ext, failed):
    checks = r.check_extension(kind, T0, ext, child=child)
    assert _codes(checks) == failed
    assert all(c.citation for c in checks)


def test_extension_must_be_later_than_the_current_limit():
    first = r.Extension(datetime(2025, 4, 30, 10, tzinfo=UTC), "skäl", counsel="A", interpreter="B")
    again = r.Extension(datetime(2025, 4, 15, 10, tzinfo=UTC), "skäl", counsel="A", interpreter="B")
    assert _codes(r.check_extension("enforcement", T0, again, previous=(first,))) == ["later"]


# Supervision reporting ------------------------------------------------------------------------------------
def test_next_report_due():
    mon = datetime(2025, 6, 2, 9, tzinfo=UTC)  # a Monday
    assert r.next_report_due(mon, (0, 3)) == datetime(2025, 6, 2, 12, tzinfo=UTC)
    assert r.next_report_due(mon.replace(hour=13), (0, 3)) == datetime(2025, 6, 5, 12, tzinfo=UTC)
    assert r.next_report_due(mon.replace(hour=13), (0,)) == datetime(2025, 6, 9, 12, tzinfo=UTC)


# Transport orders: avsnitt 6.6.5 --------------------------------------------------------------------------
@pytest.mark.parametrize("trip, planned, change, failed", [
    ("escorted", date(2026, 12, 31), {}, []),
    ("escorted", date(2027, 1, 2), {}, ["document"]),                      # document expires before the trip
    ("charter", date(2026, 1, 1), {"travel_document_kind": ""}, ["document"]),
    ("dublin", date(2026, 1, 1), {"travel_document_kind": "", "decision_type": "dublin"}, []),
    ("dublin", date(2026, 1, 1), {}, ["dublin"]),
    ("rowing_boat", date(2026, 1, 1), {}, ["trip_type"]),
])
def test_check_transport(trip, planned, change, failed):
    assert _codes(r.check_transport(trip, planned, replace(BASE, **change))) == failed


# Outcomes: avsnitt 3.2.4; the wrong country avsnitt 3.3.6 -------------------------------------------------
@pytest.mark.parametrize("code, change, at, dest, verified, allowed, success, wrong", [
    ("eskorterad_resa", {}, ON, "IQ", "", True, True, False),
    ("egen_utresa", {}, ON, "IQ", "", False, False, False),                   # not verified
    ("egen_utresa", {}, ON, "IQ", "Återtagandebegäran från Irak", True, True, False),
    ("egen_utresa", {}, ON, "DE", "Återtagandebegäran från Tyskland", True, False, True),  # wrong country
    ("charter", {}, ON, "", "", False, False, False),                        # no destination
    ("charter", {}, ON, "SE", "", False, False, False),
    ("preskriberat", {}, ON, "", "", False, False, False),                   # not lapsed yet
    ("preskriberat", {}, date(2029, 1, 10), "", "", True, False, False),
    ("utlopt_tidsfrist", {}, ON, "", "", False, False, False),               # only in Dublin cases
    ("utlopt_tidsfrist", {"decision_type": "dublin"}, ON, "", "", True, False, False),
    ("dublinoverforing", {"decision_type": "dublin"}, ON, "DE", "", True, True, False),
    ("uppehallstillstand", {}, ON, "", "", True, False, False),
    ("vanished", {}, ON, "", "", False, False, False),
])
def test_check_outcome(code, change, at, dest, verified, allowed, success, wrong):
    got = r.check_outcome(code, replace(BASE, **change), at, destination=dest, verified_by=verified)
    assert (got.allowed, got.success, got.wrong_country) == (allowed, success, wrong)
    assert all(c.citation for c in got.checks)


# The cohort measure: avsnitt 3.2.3 ---------------------------------------------------------------------
def test_cohort_after_four_years():
    cases = [
        r.CohortCase(date(2019, 3, 1), date(2020, 1, 1), "charter"),
        r.CohortCase(date(2019, 3, 1), date(2023, 3, 1), "preskriberat"),        # closed on the horizon: counts
        r.CohortCase(date(2019, 3, 1), date(2023, 3, 2), "egen_utresa"),         # after the horizon: still open
        r.CohortCase(date(2019, 5, 1), date(2021, 1, 1), "uppehallstillstand"),
        r.CohortCase(date(2019, 5, 1), None, ""),
        r.CohortCase(date(2020, 5, 1), date(2020, 6, 1), "charter"),             # another cohort
    ]
    row = r.cohort(cases, 2019)
    assert (row.opened, row.departed, row.lapsed, row.permit, row.open_after) == (5, 1, 1, 1, 2)
    assert row.share(row.departed) == 0.2


# Time in each stage and inactive time by reason (report avsnitt 7.3.4: how long cases are inactive) -------
def test_stage_days():
    t = datetime(2025, 1, 1, tzinfo=UTC)
    got = r.stage_days([(t, "received"), (t + timedelta(days=2), "assigned"), (t + timedelta(days=5), "received"),
                        (t + timedelta(days=6), "assigned")], t + timedelta(days=10))
    assert got == {"received": 3.0, "assigned": 7.0}


def test_inactive_days_overlap_and_run_to_the_end():
    changes = [(date(2025, 1, 1), "stay_granted", None), (date(2025, 1, 11), "impediment_application", None),
               (date(2025, 1, 21), "stay_lifted", None), (date(2025, 2, 1), "temporary_permit", date(2025, 2, 11))]
    assert r.inactive_days(changes, date(2025, 3, 1)) == {"stay": 20, "impediment": 49, "temporary_permit": 10}
