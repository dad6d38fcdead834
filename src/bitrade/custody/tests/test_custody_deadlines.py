"""15–16 §§ PL duties and the 27 § protocol as stored deadlines: a reminder to the handling unit when
due, one escalation to the region's RLC if still not done, nothing once the duty is recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bitrade.cases.services import CaseError
from bitrade.custody import services as custody
from bitrade.custody.tests.test_custody_flow import T0, executing_case
from bitrade.deadlines import services as deadlines
from bitrade.deadlines.models import Deadline
from bitrade.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db
UNIT_MAIL, RLC_MAIL = "handrackning.malmo@polisen.example", "rlc.syd@polisen.example"


def _pl11(actor_of):
    case, gc = executing_case(actor_of)
    episode = custody.start_episode(gc, case, ground="pl_11", place="Arresten Malmö", started_at=T0)
    return case, gc, episode


def _task(episode, code):
    return Deadline.objects.filter(object_id=str(episode.pk), kind=custody.TASK_DEADLINE, payload__code=code)


def test_interview_and_notice_duties_are_stored_deadlines(demo, actor_of):
    _, _, episode = _pl11(actor_of)
    codes = set(Deadline.objects.filter(object_id=str(episode.pk), kind=custody.TASK_DEADLINE)
                .values_list("payload__code", flat=True))
    assert {"inform_of_reason", "report_to_forman", "forman_review", "notify_authority", "authority_decision",
            "interview"} <= codes
    interview = _task(episode, "interview").get()
    assert interview.due_at == T0 + timedelta(hours=1) and interview.payload["citation"].startswith("16 §")


def test_an_overdue_interview_reminds_the_unit_then_escalates_once_to_the_rlc(demo, actor_of):
    case, _, episode = _pl11(actor_of)
    due = _task(episode, "interview").get().due_at
    deadlines.sweep(now=due + timedelta(minutes=1))
    reminder = case.events.get(action="custody_task_overdue", text__icontains="Förhör")
    assert reminder.public is False and reminder.citation.startswith("16 §")
    assert OutboxMessage.objects.filter(event="custody.task_overdue", recipient=UNIT_MAIL,
                                        subject__icontains="Förhör").count() == 1
    escalation = _task(episode, "interview").get(payload__stage="escalation", state="pending")
    assert escalation.due_at == due + timedelta(minutes=31)
    deadlines.sweep(now=due + timedelta(minutes=32))
    deadlines.sweep(now=due + timedelta(hours=3))
    escalated = case.events.filter(action="custody_task_overdue_escalated", text__icontains="Förhör")
    assert escalated.count() == 1 and "RLC Syd" in escalated.get().text
    assert OutboxMessage.objects.filter(event="custody.task_overdue_escalated", recipient=RLC_MAIL,
                                        subject__icontains="Förhör").count() == 1
    assert case.events.filter(action="custody_task_overdue", text__icontains="Förhör").count() == 1


def test_a_recorded_interview_cancels_its_reminder_and_only_its_own(demo, actor_of):
    case, gc, episode = _pl11(actor_of)
    due = _task(episode, "interview").get().due_at
    custody.record_task(gc, episode, code="interview", note="Förhör hållet av inspektör Ek.",
                        now=T0 + timedelta(minutes=40))
    assert set(_task(episode, "interview").values_list("state", flat=True)) == {"cancelled"}
    assert _task(episode, "notify_authority").get().state == "pending"
    episode.refresh_from_db()
    assert episode.tasks_done["interview"]["note"] == "Förhör hållet av inspektör Ek."
    assert case.events.filter(action="custody_task_done", citation__startswith="16 §").count() == 1
    deadlines.sweep(now=due + timedelta(hours=2))
    assert not case.events.filter(action="custody_task_overdue", text__icontains="Förhör").exists()
    assert case.events.filter(action="custody_task_overdue", text__icontains="Polismyndigheten").exists()


def test_a_duty_that_does_not_apply_cannot_be_recorded(demo, actor_of):
    case, gc = executing_case(actor_of)
    episode = custody.start_episode(gc, case, ground="handrackning_lpt", place="Bostaden", started_at=T0)
    with pytest.raises(CaseError) as err:
        custody.record_task(gc, episode, code="interview")
    assert err.value.status == 422 and "gäller inte" in err.value.message
    with pytest.raises(CaseError):
        custody.record_task(gc, episode, code="report_to_forman")  # recorded through the förman's review


def _ended(actor_of):
    case, gc = executing_case(actor_of)
    episode = custody.start_episode(gc, case, ground="handrackning_lpt", place="Bostaden", started_at=T0)
    custody.forman_review(gc, episode, decision="continue", now=T0 + timedelta(minutes=10))
    custody.end_episode(gc, episode, reason="Överlämnad till avdelning 3.", ended_at=T0 + timedelta(hours=2),
                        now=T0 + timedelta(hours=2))
    return case, gc, episode


def test_an_unsigned_protocol_reminds_then_escalates(demo, actor_of):
    case, _, episode = _ended(actor_of)
    d = Deadline.objects.get(kind=custody.PROTOCOL_DEADLINE, object_id=str(episode.pk))
    assert d.due_at == T0 + timedelta(hours=26) and d.payload["citation"].startswith("27 §")
    deadlines.sweep(now=d.due_at)
    assert case.events.filter(action="protocol_overdue", public=False).count() == 1
    assert OutboxMessage.objects.filter(event="custody.protocol_overdue", recipient=UNIT_MAIL).count() == 1
    deadlines.sweep(now=d.due_at + timedelta(hours=1))
    assert case.events.filter(action="protocol_overdue_escalated").count() == 1
    assert OutboxMessage.objects.filter(event="custody.protocol_overdue_escalated", recipient=RLC_MAIL).count() == 1


def test_a_signed_protocol_cancels_its_deadline(demo, actor_of):
    case, gc, episode = _ended(actor_of)
    fields = {"decided_by_text": "Gruppchef Malmö", "ground_and_time": "47 § LPT, 10.00",
              "participants": "Polis Ek, Polis Lind", "subjects": "Patient Exempelsson",
              "intervention_time": "10.00–12.00", "other_events": "Inget särskilt."}
    custody.save_protocol(gc, episode, fields=fields, sign_as="decider", now=T0 + timedelta(hours=3))
    assert Deadline.objects.get(kind=custody.PROTOCOL_DEADLINE, object_id=str(episode.pk)).state == "pending"
    custody.save_protocol(gc, episode, fields={}, sign_as="forman", now=T0 + timedelta(hours=3))
    assert Deadline.objects.get(kind=custody.PROTOCOL_DEADLINE, object_id=str(episode.pk)).state == "cancelled"
    deadlines.sweep(now=T0 + timedelta(days=2))
    assert not case.events.filter(action="protocol_overdue").exists()


def test_the_case_page_lists_the_duties_and_records_one(demo, actor_of, login_client):
    case, _, episode = _pl11(actor_of)
    client = login_client("gc.malmo")
    page = client.get(f"/arenden/{case.public_id}/").content.decode()
    assert "Uppgifter (15–16 §§ PL)" in page and "Förhör den omhändertagne" in page
    r = client.post(f"/arenden/{case.public_id}/frihetsberovande/{episode.pk}/uppgift/",
                    {"code": "interview", "note": "Förhör hållet."})
    assert r.status_code in (200, 302)
    episode.refresh_from_db()
    assert "interview" in episode.tasks_done
    assert set(_task(episode, "interview").values_list("state", flat=True)) == {"cancelled"}
    r = client.post(f"/arenden/{case.public_id}/frihetsberovande/{episode.pk}/uppgift/", {"code": "nonsense"})
    assert r.status_code < 500
