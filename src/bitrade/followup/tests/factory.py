"""A small, hand-made set of cases whose follow-up figures are known, built row by row.

Period 2024 (Stockholm). Times are Stockholm wall-clock times.

=== ============ ========= ================= ====== ======== ======== ================= =====================
 #  legal basis  region    received          ack    decided  decision outcome           closed
=== ============ ========= ================= ====== ======== ======== ================= =====================
 1  LPT-47-2-3   Syd       2024-03-01 10:00  +10 m  11:00    granted  executed 15:00    2024-03-02 15:00
 2  LPT-47-2-3   Syd       2024-03-05 10:00  +20 m  12:00    granted  executed 20:00    2024-03-06 20:00
 3  LVU-43-1-2   Syd       2024-04-10 08:00  +30 m  12:00    refused  –                 2024-04-11 12:00
 4  LVM-45-1-2   Stockholm 2024-06-01 12:00  +40 m  15:00    granted* health care 22:00 (open, not reported)
 5  LPT-47-2-6   Stockholm 2024-12-31 23:30  –      –        –        –                 (open)
 6  LPT-47-2-3   Syd       2023-12-20 10:00  +5 m   2023     granted  executed 2023     2024-01-05 10:00
 7  (other law)  Stockholm 2025-01-01 00:30  –      –        –        –                 (open)
=== ============ ========= ================= ====== ======== ======== ================= =====================

``*`` overruled once and escalated once; a wanted notice (the person was not found at first).
Case 2 had a completion question. Patrol minutes: 1: 240, 2: 300, 4: 180 (6: 200, in 2023).
Custody: case 1 age 34, förvar 3 h (police cell); case 2 age 16, förvar 2 h (police cell); case 4 age 40,
förvar 8 h (other lock-up, overnight); case 3's person (age 12) waited 1 h in an activity room.
Transports: case 1 NTE declined (no capacity), then the police in two legs Syd → Öst → Öst (a relay, one
handover); case 4 NTE accepted and completed.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from bitrade.followup.rules import STOCKHOLM

_seq = itertools.count(1)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM)


def _refs():
    from bitrade.organisation.models import Municipality, PoliceRegion, RequestingOrganisation, Unit

    syd, sthlm = PoliceRegion.objects.get(code="syd"), PoliceRegion.objects.get(code="stockholm")
    return {
        "syd": syd, "stockholm": sthlm, "ost": PoliceRegion.objects.get(code="ost"),
        "sb_malmo": Unit.objects.get(name="Stationsbefäl Malmö"),
        "rlc_stockholm": Unit.objects.get(name="RLC Stockholm"),
        "malmo": Municipality.objects.get(code="1280"), "stockholm_muni": Municipality.objects.get(code="0180"),
        "psyk_malmo": RequestingOrganisation.objects.get(name="Vuxenpsykiatri Malmö, Skånes universitetssjukhus"),
        "soc_malmo": RequestingOrganisation.objects.get(name="Socialnämnden Malmö stad"),
        "soc_sthlm": RequestingOrganisation.objects.get(name="Socialnämnden Stockholms stad"),
        "psyk_sthlm": RequestingOrganisation.objects.get(name="Norra Stockholms psykiatri"),
        "migration": RequestingOrganisation.objects.get(name="Migrationsverket"),
    }


def make_case(*, region, unit, municipality, organisation, received, key="", law="", case_code="615",
              state="received", age=30, **case_fields):
    from bitrade.cases.models import Case
    from bitrade.intake.models import AssistanceRequest

    n = next(_seq)
    case = Case.objects.create(kind="assistance", reference_number=f"TEST-FU-{n:05d}", case_code=case_code, state=state,
                               received_at=received, region=region, unit=unit, **case_fields)
    AssistanceRequest.objects.create(
        case=case, channel="web", organisation=organisation, requester_name="Test Testsson",
        requester_role="chief_physician", requester_phone="010-000 00 00", legal_basis_text=key or "annan lag",
        legal_basis_key=key, law=law, person_name="Exempel Exempelsson", person_age=age,
        location_address="Exempelgatan 1", location_municipality=municipality, measures="Hämta personen.",
        requested_urgency="planned", review_outcome="admissible")
    return case


def build() -> dict:
    """Create the cases above; returns them by number."""
    from bitrade.custody.models import CustodyEpisode, Holding
    from bitrade.intake.models import CompletionQuestion
    from bitrade.organisation.models import Person
    from bitrade.transport.models import TransportLeg, TransportOrder

    r = _refs()
    person = Person.objects.get(username="sb.malmo")
    syd = dict(region=r["syd"], unit=r["sb_malmo"], municipality=r["malmo"])
    sthlm = dict(region=r["stockholm"], unit=r["rlc_stockholm"], municipality=r["stockholm_muni"])
    c = {}
    c[1] = make_case(**syd, organisation=r["psyk_malmo"], key="LPT-47-2-3", law="LPT", state="closed", age=34,
                     received=at("2024-03-01 10:00"), acknowledged_at=at("2024-03-01 10:10"),
                     ack_due_at=at("2024-03-01 18:00"), decision="granted", decided_at=at("2024-03-01 11:00"),
                     assigned_at=at("2024-03-01 11:30"), assign_due_at=at("2024-03-02 11:00"),
                     outcome="executed", outcome_at=at("2024-03-01 15:00"), patrol_minutes=240,
                     requester_informed_at=at("2024-03-01 15:30"), closed_at=at("2024-03-02 15:00"))
    c[2] = make_case(**syd, organisation=r["psyk_malmo"], key="LPT-47-2-3", law="LPT", state="closed", age=16,
                     received=at("2024-03-05 10:00"), acknowledged_at=at("2024-03-05 10:20"),
                     ack_due_at=at("2024-03-05 18:00"), decision="granted", decided_at=at("2024-03-05 12:00"),
                     assigned_at=at("2024-03-05 13:00"), assign_due_at=at("2024-03-06 12:00"),
                     outcome="executed", outcome_at=at("2024-03-05 20:00"), patrol_minutes=300,
                     requester_informed_at=at("2024-03-05 20:30"), closed_at=at("2024-03-06 20:00"))
    c[3] = make_case(**syd, organisation=r["soc_malmo"], key="LVU-43-1-2", law="LVU", case_code="614",
                     state="closed", age=12, received=at("2024-04-10 08:00"), acknowledged_at=at("2024-04-10 08:30"),
                     ack_due_at=at("2024-04-10 16:00"), decision="refused", refusal_check="documents_attached",
                     decided_at=at("2024-04-10 12:00"), requester_informed_at=at("2024-04-10 12:10"),
                     closed_at=at("2024-04-11 12:00"))
    c[4] = make_case(**sthlm, organisation=r["soc_sthlm"], key="LVM-45-1-2", law="LVM", case_code="614",
                     state="executed", age=40, received=at("2024-06-01 12:00"), acknowledged_at=at("2024-06-01 12:40"),
                     ack_due_at=at("2024-06-01 12:30"), escalation_count=1, decision="granted", overrule_count=1,
                     decided_at=at("2024-06-01 15:00"), assigned_at=at("2024-06-01 16:00"),
                     assign_due_at=at("2024-06-02 15:00"), outcome="handed_to_health_care",
                     outcome_at=at("2024-06-01 22:00"), patrol_minutes=180, wanted_notice_reference="NEPU-TEST-1")
    c[5] = make_case(**sthlm, organisation=r["psyk_sthlm"], key="LPT-47-2-6", law="LPT",
                     received=at("2024-12-31 23:30"), ack_due_at=at("2025-01-01 07:30"))
    c[6] = make_case(**syd, organisation=r["psyk_malmo"], key="LPT-47-2-3", law="LPT", state="closed",
                     received=at("2023-12-20 10:00"), acknowledged_at=at("2023-12-20 10:05"),
                     ack_due_at=at("2023-12-20 18:00"), decision="granted", decided_at=at("2023-12-20 11:00"),
                     assigned_at=at("2023-12-20 12:00"), outcome="executed", outcome_at=at("2023-12-20 16:00"),
                     patrol_minutes=200, requester_informed_at=at("2023-12-20 17:00"),
                     closed_at=at("2024-01-05 10:00"))
    c[7] = make_case(**sthlm, organisation=r["migration"], case_code="618", received=at("2025-01-01 00:30"),
                     ack_due_at=at("2025-01-01 08:30"))
    CompletionQuestion.objects.create(request=c[2].assistance_request, check_code="conditions_stated",
                                      question="Varför behövs polisen?", asked_at=at("2024-03-05 10:30"),
                                      answered_at=at("2024-03-05 11:00"))

    def episode(case, start, end, age):
        return CustodyEpisode.objects.create(
            case=case, ground=f"handrackning_{case.assistance_request.law.lower()}", citation="x", started_at=start,
            ended_at=end, place="Bostad", person_age=age, decided_by=person, decider_function="officer")

    def holding(ep, start, hours, place="police_cell", reason="awaiting_transport"):
        return Holding.objects.create(episode=ep, decided_by=person, decider_function="station_commander",
                                      reason=reason, alternatives_considered="-", place_type=place, started_at=start,
                                      ended_at=start + timedelta(hours=hours))

    e1 = episode(c[1], at("2024-03-01 12:00"), at("2024-03-01 15:00"), 34)
    holding(e1, at("2024-03-01 12:00"), 3)
    e2 = episode(c[2], at("2024-03-05 14:00"), at("2024-03-05 20:00"), 16)
    holding(e2, at("2024-03-05 14:00"), 2)
    e4 = episode(c[4], at("2024-06-01 13:00"), at("2024-06-01 22:00"), 40)
    holding(e4, at("2024-06-01 13:00"), 8, place="other_lockup", reason="overnight")
    e3 = episode(c[3], at("2024-04-10 09:00"), at("2024-04-10 10:00"), 12)
    holding(e3, at("2024-04-10 09:00"), 1, place="activity_room")

    def order(case, ep, executor, state, ordered, decline_reason=""):
        return TransportOrder.objects.create(case=case, episode=ep, executor=executor, state=state,
                                             destination="Vårdinrättning", pickup_place="Bostad", ordered_at=ordered,
                                             ordered_by=person, decline_reason=decline_reason)

    order(c[1], e1, "kriminalvarden", "declined", at("2024-03-01 12:10"), "no_capacity")
    police = order(c[1], e1, "police", "completed", at("2024-03-01 12:40"))
    for seq, (a, b) in enumerate(((r["syd"], r["ost"]), (r["ost"], r["ost"])), start=1):
        TransportLeg.objects.create(order=police, seq=seq, from_region=a, to_region=b, from_place="A", to_place="B",
                                    departs_at=at("2024-03-01 13:00"), arrives_at=at("2024-03-01 14:00"))
    order(c[4], e4, "kriminalvarden", "completed", at("2024-06-01 13:10"))
    return c


def build_open(now: datetime) -> dict:
    """Open cases for the deviation list at ``now``: a child held in förvar for seven hours, a granted
    case with its assignment deadline passed."""
    from bitrade.custody.models import CustodyEpisode, Holding
    from bitrade.organisation.models import Person

    r = _refs()
    person = Person.objects.get(username="sb.malmo")
    held = make_case(region=r["syd"], unit=r["sb_malmo"], municipality=r["malmo"], organisation=r["soc_malmo"],
                     key="LVU-43-1-2", law="LVU", case_code="614", state="in_execution", age=16,
                     received=now - timedelta(hours=10), acknowledged_at=now - timedelta(hours=9, minutes=50),
                     decision="granted", decided_at=now - timedelta(hours=9), assigned_at=now - timedelta(hours=8))
    ep = CustodyEpisode.objects.create(case=held, ground="handrackning_lvu", citation="x",
                                       started_at=now - timedelta(hours=7), place="Bostad", person_age=16,
                                       decided_by=person, decider_function="officer")
    Holding.objects.create(episode=ep, decided_by=person, decider_function="station_commander",
                           reason="awaiting_transport", alternatives_considered="-", place_type="police_cell",
                           started_at=now - timedelta(hours=7))
    unassigned = make_case(region=r["syd"], unit=r["sb_malmo"], municipality=r["malmo"], organisation=r["psyk_malmo"],
                           key="LPT-47-2-3", law="LPT", state="granted", received=now - timedelta(hours=5),
                           acknowledged_at=now - timedelta(hours=4), decision="granted",
                           decided_at=now - timedelta(hours=3), assign_due_at=now - timedelta(hours=2))
    return {"held": held, "unassigned": unassigned}
