"""Return cases through the services: handover, status changes, the Police's handling, deadlines, closure."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from bitrade.audit.models import AuditEvent
from bitrade.cases import services as cases
from bitrade.cases.models import Case
from bitrade.deadlines import services as deadlines
from bitrade.deadlines.models import Deadline
from bitrade.returns import rules, services
from bitrade.returns.models import ReturnCase
from bitrade.returns.schemas import HandoverIn

pytestmark = pytest.mark.django_db


def test_handover_is_registered_at_once_in_the_regions_border_police(handed_over):
    case = handed_over.case
    assert case.kind == "return" and case.reference_number.startswith("AV-")
    assert case.unit.name == "Gränspolisen Syd" and case.state == services.RECEIVED
    assert handed_over.police_category == 1 and handed_over.lapses_on == date(2029, 3, 3)
    assert case.priority == handed_over.priority_group == 2
    assert handed_over.handovers.get().reason == "tvang"
    assert Deadline.objects.filter(kind="returns.lapse_warning", object_id=str(handed_over.pk)).exists()


def test_incomplete_handover_names_every_missing_field(mv_actor, handover_body):
    del handover_body["prior_dialogue"]
    handover_body["whereabouts"] = {}
    handover_body["decision"]["final_on"] = None
    with pytest.raises(services.HandoverIncomplete) as err:
        services.receive_handover(mv_actor, HandoverIn.model_validate(handover_body))
    assert [c.code for c in err.value.checks] == ["decision.final_on", "whereabouts", "prior_dialogue"]
    assert not ReturnCase.objects.exists()


def test_voluntary_only_case_is_flagged_against_the_agreement(mv_actor, handover_body):
    handover_body["destination"]["stance"] = "voluntary_only"
    rc = services.receive_handover(mv_actor, HandoverIn.model_validate(handover_body))
    assert rc.against_agreement and rc.police_category == 3
    assert rc.case.events.filter(action="against_agreement").exists()


def test_only_the_migration_agency_hands_over(demo, actor_of, handover_body):
    with pytest.raises(PermissionDenied):
        services.receive_handover(actor_of("soc.malmo"), HandoverIn.model_validate(handover_body))


def test_status_change_makes_the_case_inactive_with_overlapping_reasons(handed_over, mv_actor):
    rc = services.change_status(mv_actor, handed_over, "stay_granted")
    rc = services.change_status(mv_actor, rc, "impediment_application")
    codes = [r["code"] for r in rc.assessment["inactive_reasons"]]
    assert codes == ["stay", "impediment"] and not rc.assessment["enforceable_now"]
    rc = services.change_status(mv_actor, rc, "stay_lifted")
    assert [r["code"] for r in rc.assessment["inactive_reasons"]] == ["impediment"]


def test_group_manager_assigns_screens_and_the_border_police_of_the_region_sees_it(handed_over, actor_of):
    gm = actor_of("gp.syd")
    rc = services.assign(gm, handed_over, "Kemal Aydin")
    rc = services.screen(gm, rc, "return_conversation", "Kallas till samtal.")
    assert rc.case.state == services.ENFORCEMENT and rc.method == "return_conversation"
    assert cases.read_case(actor_of("handl.syd"), rc.case.public_id) == rc.case
    with pytest.raises(Exception):  # noqa: B017 — another region's police do not see it
        cases.read_case(actor_of("rlc.stockholm"), rc.case.public_id)


def test_supervision_missed_report_raises_a_task(handed_over, actor_of):
    gm = actor_of("gp.syd")
    monday = timezone.make_aware(datetime(2025, 6, 2, 9))
    sup = services.decide_supervision(gm, handed_over, (0, 3), "Polishuset Malmö", now=monday)
    assert sup.next_due_at == timezone.make_aware(datetime(2025, 6, 2, 12))
    deadlines.sweep(monday + timedelta(hours=8))
    case = Case.objects.get(pk=handed_over.case_id)
    assert case.events.filter(action="report_missed").count() == 1
    assert sup.reports.filter(missed=True).count() == 1
    # the next report (Thursday) is scheduled; reporting in time raises nothing
    services.report_in(gm, handed_over, now=timezone.make_aware(datetime(2025, 6, 5, 11)))
    deadlines.sweep(timezone.make_aware(datetime(2025, 6, 5, 20)))
    assert case.events.filter(action="report_missed").count() == 1


def test_detention_limit_extension_and_alerts(handed_over, actor_of):
    gm = actor_of("gp.syd")
    start = timezone.make_aware(datetime(2025, 6, 2, 10))
    det = services.detain(gm, handed_over, "enforcement", "Risk att personen avviker.", now=start)
    assert det.limit_at == timezone.make_aware(datetime(2025, 8, 2, 10))
    assert ReturnCase.objects.get(pk=handed_over.pk).priority_group == 1
    bad = rules.Extension(timezone.make_aware(datetime(2025, 9, 1, 10)), "Väntar på resehandling")
    with pytest.raises(cases.CaseError) as err:
        services.extend_detention(gm, handed_over, bad, now=start + timedelta(days=55))
    assert {c.code for c in err.value.checks} == {"counsel", "interpreter"}
    good = rules.Extension(bad.until, bad.exceptional_reasons, counsel="Advokat Berg", interpreter="Tolk Ali")
    det = services.extend_detention(gm, handed_over, good, now=start + timedelta(days=55))
    assert det.limit_at == good.until and det.extensions.get().counsel == "Advokat Berg"
    fired = deadlines.sweep(good.until)
    assert fired >= 2
    events = set(Case.objects.get(pk=handed_over.case_id).events.values_list("action", flat=True))
    assert {"detention_warning", "detention_limit"} <= events


def test_transport_outcome_closure_and_found_again(handed_over, actor_of):
    gm = actor_of("gp.syd")
    rc = services.assign(gm, handed_over, "Kemal Aydin")
    rc = services.screen(gm, rc, "transport", "Resehandling finns.")
    with pytest.raises(services.ReturnError):  # the passport expires before the trip
        services.order_transport(gm, rc, "escorted", date(2030, 3, 1))
    order = services.order_transport(gm, rc, "escorted", date(2025, 9, 1), escort=True)
    assert order.organisation.kind == "kriminalvarden" and order.traveller_name == "Karim Haddad"
    services.kv_milestone(actor_of("nte.syd"), order, "done")
    with pytest.raises(services.ReturnError):  # an own departure must be verified
        services.record_outcome(gm, rc, "egen_utresa", destination="IQ")
    rc = services.record_outcome(gm, rc, "eskorterad_resa", destination="IQ")
    assert rc.outcome_success is True
    case = services.close_case(gm, rc)
    assert case.state == services.CLOSED
    again = services.found_again(gm, ReturnCase.objects.get(pk=rc.pk), text="Påträffad vid trafikkontroll.")
    assert again.origin == "12_23" and again.previous_id == rc.pk and again.case.pk != case.pk


def test_departure_to_a_schengen_state_is_recorded_but_not_a_success(handed_over, actor_of):
    gm = actor_of("gp.syd")
    rc = services.record_outcome(gm, handed_over, "egen_utresa", destination="DE",
                                 verified_by="Återtagandebegäran från Tyskland")
    assert rc.outcome_success is False
    assert "annat Schengenland" in rc.case.events.get(action="outcome").text


def test_closure_refused_until_detention_ends(handed_over, actor_of):
    gm = actor_of("gp.syd")
    services.detain(gm, handed_over, "enforcement", "Risk att avvika.")
    rc = services.record_outcome(gm, handed_over, "uppehallstillstand")
    with pytest.raises(cases.CaseError):
        services.close_case(gm, rc)
    services.end_detention(gm, rc, "Uppehållstillstånd beviljat.")
    assert services.close_case(gm, rc).state == services.CLOSED


def test_wanted_notice_found_report_by_any_officer(handed_over, actor_of):
    gm = actor_of("gp.syd")
    notice = services.issue_wanted(gm, handed_over, "contact", "Ta adress och telefon.")
    officer = actor_of("polis.malmo")
    with pytest.raises(services.ReturnError):  # the instruction asks for contact details
        services.report_found(officer, notice, "Trafikkontroll, Malmö")
    services.report_found(officer, notice, "Trafikkontroll, Malmö", contact="Storgatan 1, Malmö")
    notice.refresh_from_db()
    assert notice.found_by and notice.found_contact
    assert AuditEvent.objects.filter(action="returns.found").exists()


def test_other_origins_are_registered_with_their_source(demo, actor_of):
    gm = actor_of("gp.syd")
    facts = rules.Facts(origin="court", person_name="N N", identity_status="established", nationality="AL",
                        destination_country="AL", destination_stance="accepts_forced",
                        decision_type="utvisning_brott", deciding_body="allman_domstol",
                        final_on=date(2025, 2, 1))
    from bitrade.organisation.models import Unit

    rc = services.register_case(gm, facts, unit=Unit.objects.get(name="Gränspolisen Syd"),
                                source_reference="B 1234-25")
    assert rc.lapses_on is None and rc.priority_group == 1 and rc.origin == "court"


def test_demo_cases_load_once(demo):
    from bitrade.returns.demo import load_return_demo

    assert load_return_demo() == 4
    assert load_return_demo() == 0
    states = set(ReturnCase.objects.values_list("case__state", flat=True))
    assert {"received", "assigned", "transport"} <= states
    assert ReturnCase.objects.filter(against_agreement=True).count() == 1


def test_lapse_warning_fires_before_the_lapse(handed_over):
    # final 2025-03-03 → lapses 2029-03-03 → warned 90 days before
    warn = Deadline.objects.get(kind="returns.lapse_warning", object_id=str(handed_over.pk))
    assert timezone.localtime(warn.due_at).date() == date(2028, 12, 3)
    assert deadlines.sweep(warn.due_at - timedelta(minutes=1)) == 0
    deadlines.sweep(warn.due_at)
    assert Case.objects.get(pk=handed_over.case_id).events.filter(action="lapse_warning").count() == 1


def test_a_new_final_date_reschedules_the_lapse_warning(handed_over, actor_of):
    rc = ReturnCase.objects.get(pk=handed_over.pk)
    rc.final_on = date(2025, 6, 1)
    services.refresh(rc, timezone.now())
    pending = Deadline.objects.filter(kind="returns.lapse_warning", object_id=str(rc.pk), state="pending")
    assert [timezone.localtime(d.due_at).date() for d in pending] == [date(2029, 3, 3)]
