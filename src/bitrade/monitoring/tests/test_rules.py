"""Every testable rule of the contact-ban regulation (1–26 §§), each as a table row: the facts that pass,
the facts that fail, whether the rule binds, and the paragraf it cites."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bitrade.monitoring import rules as r
from bitrade.monitoring.rules import guards as g

from .factories import T0, application, at, decided, dismounted, mounted, ready_to_mount, reported

P = r.Person


def _check(fn):
    return lambda facts: fn(facts)


# (rule, check function, facts that pass, facts that fail, binding, paragraf)
TABLE = [
    ("rule", g.decision_maker, decided(), replace(decided(), decided_by_type="police"), True, "1"),
    ("rule court", g.decision_maker, replace(decided(), decided_by_type="court"),
     replace(decided(), decided_by_type=""), True, "1"),
    ("rule", g.application_form, application(), replace(application(), application_form="PM 438.1"), True, "6"),
    ("rule", g.other_measures, application(), replace(application(), other_measures_bops_consulted=False), True, "7"),
    ("rule not done", g.other_measures, application(), replace(application(), other_measures_assessed_at=None),
     True, "7"),
    ("rule map", g.ban_area, application(), replace(application(), area_count=0), True, "8"),
    ("rule text", g.ban_area, application(), replace(application(), area_text=""), True, "8"),
    ("rule directives", g.directives_done, reported(),
     replace(reported(), directives=(r.Directive("Hör grannen", at(1)),)), True, "9"),
    ("rule order", g.oral_before_written, reported(),
     replace(reported(), oral_presented_at=at(2, 5), written_sent_at=at(2, 3)), True, "9"),
    ("rule", g.investigation_checklist, reported(), replace(reported(), obstacles_investigated_at=None), False, "9"),
    ("rule counsel first", g.investigation_checklist, reported(),
     replace(reported(), prohibited_interviewed_at=at(1, 2)), False, "9"),
    ("rule", g.mount_proposal, reported(), replace(reported(), proposed_mount_place=""), True, "10"),
    ("rule", g.mount_place, ready_to_mount(), replace(ready_to_mount(), mount_place="home"), True, "10"),
    ("rule reasons", g.mount_place,
     replace(ready_to_mount(), mount_place="home", mount_special_reasons="Förbudspersonen är sängliggande."),
     replace(ready_to_mount(), mount_place="home", mount_special_reasons="sjuk"), True, "10"),
    ("rule", lambda f: g.mount_within_two_days(f, at(4)), ready_to_mount(),
     replace(ready_to_mount(), decided_at=at(1)), False, "10"),
    ("rule", g.contact_persons, ready_to_mount(), replace(ready_to_mount(), contact_person_prohibited=""), True,
     "11"),
    ("rule", lambda f: g.talk_prohibited(f, at(4)), ready_to_mount(),
     replace(ready_to_mount(), talk_prohibited_at=at(4, 1)), True, "12"),
    ("rule", lambda f: g.talk_protected(f, at(4)), ready_to_mount(),
     replace(ready_to_mount(), talk_protected_at=None), True, "13"),
    ("rule prepared", g.equipment_prepared, reported(), replace(reported(), equipment_prepared_at=None), True, "14"),
    ("rule approved", g.approved_equipment, ready_to_mount(), replace(ready_to_mount(), equipment_model="X-1"),
     True, "14"),
    ("rule", g.pm438_3_sent, ready_to_mount(), replace(ready_to_mount(), pm438_3_contact_persons=("Kim KP-S",)),
     True, "15"),
    ("rule tested", lambda f: g.equipment_tested(f, at(4)), ready_to_mount(),
     replace(ready_to_mount(), equipment_tested_at=at(5)), True, "17"),
    ("rule reserve", g.reserve_equipment, ready_to_mount(), replace(ready_to_mount(), reserve_available=False),
     True, "17"),
    ("rule two", lambda f: g.fitting_team(f.mounted_by), ready_to_mount(),
     replace(ready_to_mount(), mounted_by=(P("Kim KP-S", True),)), True, "18"),
    ("rule suitable", lambda f: g.fitting_team(f.mounted_by), ready_to_mount(),
     replace(ready_to_mount(), mounted_by=(P("Kim KP-S", True), P("Okänd", False))), True, "18"),
    ("rule documented", g.start_documented, mounted(), replace(mounted(), mount_place=""), True, "18"),
    ("rule", g.obstacle_consulted, replace(ready_to_mount(), obstacle_at=at(3, 8), prosecutor_consulted_at=at(3, 9)),
     replace(ready_to_mount(), obstacle_at=at(3, 8)), True, "18"),
    ("rule", g.closing_talks, dismounted(), replace(dismounted(), needs_assessed_at=None), True, "23"),
    ("rule", g.rlc_notified_of_end, replace(dismounted(), end_decision_at=at(90), rlc_notified_of_end_at=at(90)),
     replace(dismounted(), end_decision_at=at(90)), True, "24"),
    ("rule done", lambda f: g.dismounted(f)[0], dismounted(), replace(dismounted(), uninstalled_at=None), True,
     "25"),
    ("rule two", lambda f: g.dismounted(f)[1], dismounted(),
     replace(dismounted(), dismounted_by=(P("Kim KP-S", True), P("Kim KP-S", True))), True, "25"),
    ("rule", g.summons_in_time, dismounted(), replace(dismounted(), summons_sent_at=at(110)), False, "25"),
    ("rule", g.residence_area_informed, replace(ready_to_mount(), residence_other_area=True,
                                                 residence_area_informed_at=at(3, 3)),
     replace(ready_to_mount(), residence_other_area=True), True, "5"),
]


@pytest.mark.parametrize(("rule", "fn", "good", "bad", "binding", "section"), TABLE, ids=[f"{t[5]}§-{t[1](t[3]).code}" for t in TABLE])
def test_rule_table(rule, fn, good, bad, binding, section):
    passed, failed = fn(good), fn(bad)
    assert passed.ok and not failed.ok
    assert failed.binding is binding and failed.blocking is binding and failed.warning is (not binding)
    assert r.section_of(failed.citation) == section and failed.citation.endswith("PMFS 2020:1")
    assert failed.message != passed.message and failed.message[0].isupper()


def test_ready_to_start_is_a_binding_deadline_at_the_decided_start():
    due = {d.code: d for d in r.deadlines(decided())}
    assert due["ready_to_start"].due_at == at(4) and due["ready_to_start"].binding
    assert due["ready_to_start"].citation == "16 § PMFS 2020:1"
    assert "ready_to_start" not in {d.code for d in r.deadlines(mounted())}


def test_classification_and_routing():
    imm = r.classify("zone_entry", at(10))
    assert imm.category == r.IMMEDIATE and imm.citation == "19 § PMFS 2020:1"
    opens = lambda moment: moment.replace(hour=8) + timedelta(days=1) if moment.hour >= 16 else moment  # noqa: E731
    night = at(10, 14)  # 23:00
    rl = r.route(imm, night, rlc="RLC Syd", bops="BOPS Malmö", bops_opens=opens)
    assert (rl.handled_by, rl.unit, rl.handle_from, rl.inform_contact_persons) == ("rlc", "RLC Syd", night, True)
    low = r.classify("battery_low", night)
    assert low.category == r.NOT_IMMEDIATE and low.citation == "21 § PMFS 2020:1"
    queued = r.route(low, night, rlc="RLC Syd", bops="BOPS Malmö", bops_opens=opens)
    assert queued.handled_by == "bops" and queued.queued and queued.handle_from > night
    up = r.reclassify_immediate(queued, night, rlc="RLC Syd")
    assert up.handled_by == "rlc" and up.handle_from == night
    assert r.classify("never_heard_of", night).category == r.IMMEDIATE  # unknown → immediate


def test_the_alarm_table_is_dated():
    table = (*r.DEFAULT_TABLE, r.AlarmRule("battery_low", r.IMMEDIATE, "Ny kalender", T0.date() + timedelta(days=30)))
    assert r.classify("battery_low", at(1), table).category == r.NOT_IMMEDIATE
    assert r.classify("battery_low", at(40), table).category == r.IMMEDIATE


def test_every_contact_person_on_pm438_3_is_informed():
    ok, missing = r.contact_persons_informed(["Kim KP-S", "Alex KP-F"], ["Kim KP-S"])
    assert not ok and missing == ["Alex KP-F"]
    assert r.contact_persons_informed(["Kim KP-S", "Alex KP-F"], ["Alex KP-F", "Kim KP-S"]) == (True, [])
    due = r.inform_contact_persons_due(at(10))
    assert due.binding and due.citation == "20 § PMFS 2020:1" and due.due_at > at(10)


def test_noa_reads_the_national_overview():
    assert r.national_overview_access(["noa"]) and not r.national_overview_access(["officer"], "bops")


def test_a_binding_failure_passes_only_with_a_valid_26_exception():
    facts = replace(ready_to_mount(), mount_place="home")
    assert not r.guard("mount", r.PREPARING_START, facts, at(4)).allowed
    half = r.Exception26("mount_place", "10", "", at(3), "Förbudspersonen ligger på sjukhus.")
    assert not r.guard("mount", r.PREPARING_START, replace(facts, exceptions=(half,)), at(4)).allowed
    wrong_section = r.Exception26("mount_place", "18", "Chef BOPS", at(3), "Förbudspersonen ligger på sjukhus.")
    assert not r.guard("mount", r.PREPARING_START, replace(facts, exceptions=(wrong_section,)), at(4)).allowed
    later = r.Exception26("mount_place", "10", "Chef BOPS", at(5), "Förbudspersonen ligger på sjukhus.")
    assert not r.guard("mount", r.PREPARING_START, replace(facts, exceptions=(later,)), at(4)).allowed
    good = r.Exception26("mount_place", "10", "Chef BOPS", at(3), "Förbudspersonen ligger på sjukhus.")
    result = r.guard("mount", r.PREPARING_START, replace(facts, exceptions=(good,)), at(4))
    assert result.allowed and [c.code for c in result.checks if c.excepted] == ["mount_place"]


def test_general_advice_warns_but_does_not_block():
    late = replace(ready_to_mount(), decided_at=at(1))
    result = r.guard("mount", r.PREPARING_START, late, at(4))
    assert result.allowed and [c.code for c in result.warnings] == ["mount_within_two_days"]


def test_mount_refused_outside_preparing_start():
    assert not r.guard("mount", r.AT_PROSECUTOR, ready_to_mount(), at(4)).allowed
    assert r.guard("mount", r.PREPARING_START, ready_to_mount(), at(4)).allowed


def test_every_time_requirement_is_a_deadline():
    facts = replace(
        reported(), directives=(r.Directive("Hör grannen", at(1)),), oral_presented_at=None, written_sent_at=None,
        equipment_prepared_at=None,
    )
    codes = {d.code for d in r.deadlines(facts)}
    assert {"directive_1", "oral_report", "equipment_prepared"} <= codes
    assert "written_report" in {d.code for d in r.deadlines(replace(facts, oral_presented_at=at(2)))}
    due = {d.code: d for d in r.deadlines(decided())}
    assert due["mount_within_two_days"].due_at == at(5) and not due["mount_within_two_days"].binding
    assert due["talk_prohibited"].due_at == at(4) and due["talk_protected"].due_at == at(4)
    assert due["dismount_summons"].due_at == at(106) and not due["dismount_summons"].binding
    obstacle = {d.code: d for d in r.deadlines(replace(ready_to_mount(), obstacle_at=at(3, 8)))}
    assert obstacle["consult_prosecutor"].due_at == at(3, 12)
    ended = {d.code: d for d in r.deadlines(replace(mounted(), end_decision_at=at(50)))}
    assert ended["notify_rlc_of_end"].due_at == at(50, 1) and ended["dismount"].due_at == at(51)
    assert r.settings_at(T0.date()).platform_choice


def test_dated_settings():
    later = r.TimeSettings(valid_from=T0.date() + timedelta(days=10), consult_prosecutor_hours=2)
    table = (*r.DEFAULT_SETTINGS, later)
    assert r.settings_at(T0.date(), table).consult_prosecutor_hours == 4
    assert r.settings_at(T0.date() + timedelta(days=11), table).consult_prosecutor_hours == 2


def test_derive_state_walks_the_machine():
    assert r.derive_state(application()) == r.APPLICATION_DRAFTED
    assert r.derive_state(reported()) == r.AWAITING_DECISION
    assert r.derive_state(ready_to_mount()) == r.PREPARING_START
    assert r.derive_state(mounted()) == r.ACTIVE
    assert r.derive_state(dismounted()) == r.CLOSED
    assert r.derive_state(replace(decided(), decision="rejected")) == r.CLOSED_NO_EO


def test_check_report_shape():
    report = r.check_report(replace(ready_to_mount(), reserve_available=False), at(4))
    assert report["state"] == r.PREPARING_START and report["mount_allowed"] is False
    failed = [c for c in report["checks"] if not c["ok"]]
    assert [c["code"] for c in failed] == ["reserve_equipment"] and failed[0]["binding"] is True
    assert set(report["checks"][0]) >= {"code", "ok", "binding", "message", "citation"}
    assert all(set(d) == {"code", "due_at", "binding", "citation"} for d in report["deadlines"])
