"""Demo data for contact bans: BOPS groups with working hours, contact persons, approved equipment and one
case in every state (Polisområde Malmö), built from recorded facts."""

from __future__ import annotations

from datetime import time, timedelta

from django.db import transaction
from django.utils import timezone

from bitrade.organisation.demo import _hours, _member, _person, _unit
from bitrade.organisation.models import PoliceArea, PoliceRegion

from . import rules
from .models import ApprovedEquipment, BanArea, ContactBan

WEEKDAYS = range(5)
MALMO_AREA = {"type": "Polygon", "coordinates": [[[13.00, 55.60], [13.02, 55.60], [13.02, 55.61], [13.00, 55.61],
                                                  [13.00, 55.60]]]}


def load_monitoring_demo() -> list[dict]:
    """Idempotent. Returns the personas it adds."""
    regions = {r.code: r for r in PoliceRegion.objects.all()}
    if "syd" not in regions:
        return []
    personas = []
    bops = {}
    for code in ("syd", "stockholm", "nord"):
        if code in regions:
            short = regions[code].name.removeprefix("Region ")
            bops[code] = _unit(f"BOPS-gruppen {short}", "bops", regions[code], email=f"bops.{code}@polisen.example")
            _hours(bops[code], [(d, time(8), time(16)) for d in WEEKDAYS])
    for username, first, last, what, function in (
        ("bops.syd", "Lina", "Ahl", "Handläggare, BOPS-gruppen Syd", "officer"),
        ("kp.skydd", "Kim", "Sjö", "Kontaktperson för skyddspersonen, BOPS-gruppen Syd", "officer"),
        ("kp.forbud", "Alex", "Berg", "Kontaktperson för förbudspersonen, BOPS-gruppen Syd", "officer"),
    ):
        _member(_person(username, first, last, title=what), bops["syd"], function)
        personas.append({"username": username, "name": f"{first} {last}", "persona": what})
    if "stockholm" in regions:  # NOA: the national read-only overview of contact bans (22 §)
        noa = _unit("Nationella operativa avdelningen (NOA)", "noa", regions["stockholm"], always_open=True,
                    email="noa@polisen.example")
        _member(_person("noa", "Eva", "Strand", title="Lägescentral, NOA"), noa, "officer")
        personas.append({"username": "noa", "name": "Eva Strand", "persona": "Lägescentral, NOA"})
    ApprovedEquipment.objects.get_or_create(model="EM-100")
    if not ContactBan.objects.exclude(case__reference_number__startswith="SYN-").exists():  # generated ones aside
        demo_cases()
    return personas


def _facts(state: str, now) -> dict:
    d = lambda days, hours=0: (now + timedelta(days=days, hours=hours)).isoformat()  # noqa: E731
    f = {"request_received_at": d(-20), "application_form": "PM 438.2", "other_measures_assessed_at": d(-20, 2),
         "other_measures_bops_consulted": True}
    order = [rules.REQUEST_RECEIVED, rules.APPLICATION_DRAFTED, rules.AT_PROSECUTOR, rules.INVESTIGATION,
             rules.AWAITING_DECISION, rules.PREPARING_START, rules.START_OBSTACLE, rules.MOUNTED, rules.ACTIVE,
             rules.ENDING, rules.CLOSED]
    reached = order.index(state) if state in order else 4
    if reached >= 2:
        f |= {"sent_to_prosecutor_at": d(-19)}
    if reached >= 3:
        f |= {"investigation_opened_at": d(-18), "equipment_prepared_at": d(-18, 4)}
    if reached >= 4:
        f |= {"oral_presented_at": d(-15), "written_sent_at": d(-15, 3), "proposed_mount_at": d(-12),
              "proposed_mount_place": "police_premises"}
    if state == rules.CLOSED_NO_EO:
        f |= {"decided_by_type": "prosecutor", "decision": "rejected", "decided_at": d(-13)}
    if reached >= 5:
        f |= {"decided_by_type": "prosecutor", "decision": "granted", "decided_at": d(-1 if reached < 7 else -13),
              "eo_start_at": d(1 if reached < 7 else -12), "eo_end_at": d(2 if state == rules.ENDING else 90),
              "contact_person_protected": "Kim Sjö", "contact_person_prohibited": "Alex Berg",
              "pm438_3_sent_at": d(-1 if reached < 7 else -13, 2), "pm438_3_contact_persons": ["Kim Sjö", "Alex Berg"]}
    if state == rules.START_OBSTACLE:
        f |= {"obstacle_at": d(0, -2)}
    if reached >= 7:
        f |= {"talk_prohibited_at": d(-13, 3), "talk_protected_at": d(-13, 4), "equipment_model": "EM-100",
              "equipment_tested_at": d(-13, 5), "reserve_available": True, "mount_at": d(-12),
              "mount_place": "police_premises",
              "mounted_by": [{"name": "Kim Sjö", "suitable": True}, {"name": "Alex Berg", "suitable": True}]}
    if reached >= 8:
        f |= {"itsys_activated_at": d(-12, 1), "lc_activated_at": d(-12, 1)}
    if reached >= 9:
        f |= {"summons_sent_at": d(-12, 2)}
    if reached >= 10:
        f |= {"closing_talk_protected_at": d(-1), "closing_talk_prohibited_at": d(-1), "needs_assessed_at": d(-1),
              "itsys_deactivated_at": d(-1), "lc_deactivated_at": d(-1), "dismount_at": d(-1, 1),
              "dismounted_by": [{"name": "Kim Sjö", "suitable": True}, {"name": "Alex Berg", "suitable": True}],
              "uninstalled_at": d(-1, 1)}
    return f


def demo_cases() -> None:
    from bitrade.organisation.actor import actor_for_person
    from bitrade.organisation.models import Person

    from . import deadlines, services

    actor = actor_for_person(Person.objects.get(username="bops.syd"))
    area = PoliceArea.objects.filter(code="syd-malmo").first()
    if area is None:
        return
    now = timezone.now()
    kp_s, kp_f = Person.objects.get(username="kp.skydd"), Person.objects.get(username="kp.forbud")
    for i, state in enumerate(rules.STATE_LABELS):
        with transaction.atomic():
            case = services.open_contact_ban(actor, police_area_code=area.code, protected_name=f"Skyddsperson {i + 1}",
                                             prohibited_name=f"Förbudsperson {i + 1}", protected_phone="070-000 00 00",
                                             protected_address="Storgatan 1, Malmö", protected_identity=(i == 3),
                                             now=now)
            ban = ContactBan.objects.get(case=case)
            ban.facts = _facts(state, now)
            if "contact_person_protected" in ban.facts:
                ban.contact_person_protected, ban.contact_person_prohibited = kp_s, kp_f
            services._sync_columns(ban)
            ban.save()
            BanArea.objects.create(contact_ban=ban, name="Skyddspersonens bostad", polygon=MALMO_AREA,
                                   description="Bostaden på Storgatan 1 i Malmö och gatorna runt kvarteret.")
            case.state = state
            if state in rules.CLOSED_STATES:
                case.closed_at = now
            case.save(update_fields=["state", "closed_at"])
            deadlines.reschedule(ban, now)
