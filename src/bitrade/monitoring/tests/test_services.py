"""The contact-ban kind through its services and actions: from the request to closure, guards refusing,
the 26 § exception, deadlines stored, scope and the protected person's whereabouts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from bitrade.cases import kinds
from bitrade.cases import services as cases
from bitrade.deadlines.models import Deadline
from bitrade.monitoring import rules, services
from bitrade.monitoring.demo import MALMO_AREA
from bitrade.monitoring.models import ContactBan

pytestmark = pytest.mark.django_db


def _act(actor, case, name, data=None):
    action = kinds.kind_of(case).action(name)
    return cases.take_action(actor, case, action, action.schema.model_validate(data or {}))


def _iso(dt):
    return dt.isoformat()


def test_the_kind_is_registered():
    spec = kinds.get("contact_ban")
    assert spec.reference_prefix == "KF" and "mounted" in spec.states and spec.action("mount").transition == "mount"


def test_request_to_closure(em_demo, actor_of):
    bops, now = actor_of("bops.syd"), timezone.now()
    case = services.open_contact_ban(bops, police_area_code="syd-malmo", protected_name="Sara Skydd",
                                     prohibited_name="Fredrik Förbud", protected_address="Storgatan 1")
    assert case.reference_number.startswith("KF") and case.state == rules.REQUEST_RECEIVED
    case = _act(bops, case, "draft_application", {"application_form": "PM 438.2",
                                                  "other_measures_assessed_at": _iso(now),
                                                  "other_measures_bops_consulted": True})
    with pytest.raises(services.MonitoringError) as refused:  # 8 §: no area yet
        _act(bops, case, "send_to_prosecutor")
    assert "8 § PMFS 2020:1" in {c.citation for c in refused.value.checks}
    _act(bops, case, "add_area", {"name": "Bostaden", "polygon": MALMO_AREA,
                                  "description": "Bostaden på Storgatan 1 och kvarteret runt."})
    case = _act(bops, case, "send_to_prosecutor")
    case = _act(bops, case, "decide_granted", {"decided_by_type": "prosecutor", "decided_at": _iso(now),
                                               "eo_start_at": _iso(now + timedelta(days=1)),
                                               "eo_end_at": _iso(now + timedelta(days=60))})
    assert case.state == rules.PREPARING_START
    ban = ContactBan.objects.get(case=case)
    assert Deadline.objects.filter(object_id=str(ban.pk), kind="em.due", state="pending").count() >= 5
    _act(bops, case, "appoint_contact_persons", {"protected": "kp.skydd", "prohibited": "kp.forbud"})
    _act(bops, case, "send_pm438_3")
    mount = {"mount_at": _iso(now + timedelta(hours=20)), "mount_place": "police_premises",
             "mounted_by": [{"name": "Kim Sjö", "suitable": True}, {"name": "Alex Berg", "suitable": True}]}
    with pytest.raises(services.MonitoringError) as refused:  # talks, equipment, reserve missing
        _act(bops, case, "mount", mount)
    assert {"talk_prohibited", "talk_protected", "equipment_tested", "reserve_equipment"} <= {
        c.code for c in refused.value.checks}
    assert ContactBan.objects.get(case=case).facts.get("mount_at") is None  # the refused step left nothing
    _act(bops, case, "record_preparation", {"talk_prohibited_at": _iso(now), "talk_protected_at": _iso(now),
                                            "equipment_model": "EM-100", "equipment_tested_at": _iso(now),
                                            "reserve_available": True})
    with pytest.raises(services.MonitoringError):  # 10 §: at home without special reasons
        _act(bops, case, "mount", {**mount, "mount_place": "home"})
    _act(bops, case, "record_exception", {"check": "mount_place", "section": "10", "decided_by": "Chef BOPS Syd",
                                          "decided_at": _iso(now), "reasons": "Förbudspersonen är sängliggande."})
    case = _act(bops, case, "mount", {**mount, "mount_place": "home"})
    assert case.state == rules.MOUNTED
    assert case.events.filter(action="mount").get().citation == "10 § PMFS 2020:1"
    case = _act(bops, case, "activate", {"itsys_activated_at": _iso(now), "lc_activated_at": _iso(now)})
    case = _act(bops, case, "end_decision", {"at": _iso(now + timedelta(days=30))})
    assert case.state == rules.ENDING
    with pytest.raises(cases.CaseError):
        _act(bops, case, "close")
    people = [{"name": "Kim Sjö", "suitable": True}, {"name": "Alex Berg", "suitable": True}]
    later = _iso(now + timedelta(days=30, hours=2))
    _act(bops, case, "record_end", {
        "rlc_notified_of_end_at": later, "summons_sent_at": _iso(now), "closing_talk_protected_at": later,
        "closing_talk_prohibited_at": later, "needs_assessed_at": later, "itsys_deactivated_at": later,
        "lc_deactivated_at": later, "dismount_at": later, "dismounted_by": people, "uninstalled_at": later})
    case = _act(bops, case, "close")
    assert case.state == rules.CLOSED and not Deadline.objects.filter(
        object_id=str(ban.pk), kind="em.due", state="pending").exists()


def test_general_advice_needs_a_reason(em_demo, actor_of):
    from bitrade.monitoring.demo import demo_cases  # noqa: F401 - demo cases exist already

    bops = actor_of("bops.syd")
    ban = ContactBan.objects.filter(case__state=rules.AWAITING_DECISION).first()
    case = ban.case
    case.state = rules.INVESTIGATION
    case.save()
    with pytest.raises(services.MonitoringError) as refused:
        _act(bops, case, "report", {})
    assert "Ange skälet" in refused.value.message
    case = _act(bops, case, "report", {"reason": "Förbudspersonen gick inte att nå för frågan."})
    assert case.state == rules.AWAITING_DECISION


def test_scope_and_whereabouts(em_demo, actor_of):
    ban = ContactBan.objects.select_related("case").filter(case__state=rules.ACTIVE).first()
    bops, kp, rlc, sb = actor_of("bops.syd"), actor_of("kp.skydd"), actor_of("rlc.syd"), actor_of("sb.malmo")
    assert services.protected_person(bops, ban)["visible"]
    assert services.protected_person(kp, ban)["visible"]
    assert not services.protected_person(rlc, ban)["visible"]  # no alarm being handled
    assert cases.read_case(rlc, ban.case.public_id)
    with pytest.raises(Exception):  # noqa: B017 - Http404
        cases.read_case(sb, ban.case.public_id)
    hidden = ContactBan.objects.get(protected_identity=True)
    assert services.protected_person(rlc, hidden)["name"] == "Skyddad identitet"
    with pytest.raises(PermissionDenied):
        services.open_contact_ban(actor_of("analytiker"), police_area_code="syd-malmo", protected_name="x",
                                  prohibited_name="y")


def test_demo_has_every_state(em_demo):
    assert set(ContactBan.objects.values_list("case__state", flat=True)) == set(rules.STATE_LABELS)


def test_deadline_handlers_escalate_once(em_demo):
    from bitrade.deadlines import services as deadlines
    from bitrade.outbox.models import OutboxMessage

    ban = ContactBan.objects.get(case__state=rules.START_OBSTACLE)
    before = OutboxMessage.objects.count()
    fired = deadlines.sweep(timezone.now() + timedelta(days=3))
    assert fired >= 1
    assert ban.case.events.filter(action="em_overdue").exists()
    assert OutboxMessage.objects.count() > before
    assert deadlines.sweep(timezone.now() + timedelta(days=3)) == 0


def test_a_coupled_anklet_is_on_the_timeline_and_the_case_page(em_system, actor_of, login_client):
    from bitrade.monitoring.models import Device

    bops = actor_of("bops.syd")
    case = services.open_contact_ban(bops, police_area_code="syd-malmo", protected_name="Sara Skydd",
                                     prohibited_name="Fredrik Förbud")
    system = em_system[0]
    _act(bops, case, "attach_device", {"system": system.name, "device_id": "FB-4242"})
    assert Device.objects.get(device_id="FB-4242").contact_ban.case_id == case.pk
    step = case.events.get(action="em_device")
    assert "FB-4242" in step.text and kinds.kind_of(case).timeline_labels["em_device"] == "Enhet kopplad"
    page = login_client("bops.syd").get(f"/arenden/{case.public_id}/").content.decode()
    assert f"FB-4242 ({system.name})" in page
