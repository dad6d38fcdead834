"""Writing the generated cases as bulk inserts, and removing them again (``--replace``)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from bitrade.custody.rules import GROUNDS

from .. import facts
from ..bulk import bulk_insert
from .dice import Dice
from .simulation import Generated
from .world import World

# --------------------------------------------------------------------------- writing


def _models() -> dict:
    from bitrade.cases.models import Case, CaseEvent
    from bitrade.custody.models import CustodyEpisode, Holding, Protocol
    from bitrade.intake.models import AssistanceRequest, CompletionQuestion
    from bitrade.transport.models import TransportLeg, TransportOrder

    from ..models import ActivityFact, CaseFact

    return {"ActivityFact": ActivityFact, "CaseFact": CaseFact, "Case": Case, "CaseEvent": CaseEvent, "AssistanceRequest": AssistanceRequest,
            "CompletionQuestion": CompletionQuestion, "CustodyEpisode": CustodyEpisode, "Holding": Holding,
            "Protocol": Protocol, "TransportOrder": TransportOrder, "TransportLeg": TransportLeg}


def _write(world: World, generated: list[Generated], models: dict, dice: Dice, events: bool) -> dict[str, int]:
    """Insert one month of generated cases and everything that hangs on them, in dependency order."""
    M = models
    case_facts, n_questions = _write_cases(generated, M)
    n_events = _write_events(generated, M) if events else 0
    activity = {g.case["id"]: {"episodes": [], "holdings": [], "orders": []} for g in generated}
    episodes, owners = _write_episodes(world, generated, M)
    holdings, protocols, orders, order_legs = [], [], [], []
    until_cut = world.until
    for episode, (g, ep) in zip(episodes, owners, strict=True):
        activity[g.case["id"]]["episodes"].append(episode)
        decider = world.deciders[ep["region_id"]].pk
        for row in _holding_rows(episode, ep, decider, until_cut):
            holdings.append(row)
            activity[g.case["id"]]["holdings"].append(row)
        if g.case["closed_at"] is not None and episode["ended_at"] is not None:
            protocols.append(dict(
                episode_id=episode["id"], decided_by_text="Syntetisk beslutsfattare",
                ground_and_time=f"{GROUNDS[ep['ground']].citation}, {ep['started']:%Y-%m-%d %H:%M}",
                decider_signed_at=episode["ended_at"], forman_signed_at=episode["ended_at"] + timedelta(hours=1)))
        for o in ep["orders"]:
            if o["ordered"] > until_cut:
                continue
            order = _order_row(dice, o, g, episode, ep, decider, until_cut)
            orders.append(order)
            order_legs.append(o["legs"])
            activity[g.case["id"]]["orders"].append(order)
    bulk_insert(M["Holding"], holdings)
    bulk_insert(M["Protocol"], protocols)
    bulk_insert(M["TransportOrder"], orders)
    n_legs = _write_legs(orders, order_legs, until_cut, M)
    for order, leg_list in zip(orders, order_legs, strict=True):
        order["legs"] = [(leg["seq"], leg["from"], leg["to"]) for leg in leg_list]
    activities = []
    for fact in case_facts:
        activities.extend(facts.activities_for(fact, **activity[fact["case_id"]]))
    bulk_insert(M["ActivityFact"], activities)
    for order in orders:
        del order["legs"]
    return {"cases": len(generated), "requests": len(generated), "events": n_events, "questions": n_questions,
            "episodes": len(episodes), "holdings": len(holdings), "protocols": len(protocols),
            "transports": len(orders), "legs": n_legs}


def _write_cases(generated: list[Generated], M: dict) -> tuple[list[dict], int]:
    """Cases, their requests and completion questions, and one follow-up fact per case."""
    bulk_insert(M["Case"], [g.case for g in generated])
    for g in generated:
        g.request["case_id"] = g.case["id"]
    bulk_insert(M["AssistanceRequest"], [g.request for g in generated])
    questions = []
    for g in generated:
        for q in g.questions:
            q["request_id"] = g.request["id"]
            questions.append(q)
    bulk_insert(M["CompletionQuestion"], questions)
    case_facts = [facts.fact_for(
        {**g.case, "organisation_id": g.request["organisation_id"], "law": g.request["law"],
         "point": g.request["legal_basis_key"], "age": g.request["person_age"], "police_area_id": g.police_area_id},
        completion=bool(g.questions)) for g in generated]
    bulk_insert(M["CaseFact"], case_facts)
    return case_facts, len(questions)


def _write_events(generated: list[Generated], M: dict) -> int:
    rows = []
    for g in generated:
        for at, action, frm, to, text, actor, function, public in g.events:
            rows.append(dict(case_id=g.case["id"], at=at, action=action, actor_label=actor or "Biträde",
                             actor_function=function, from_state=frm, to_state=to, text=text, public=public))
    bulk_insert(M["CaseEvent"], rows)
    return len(rows)


def _write_episodes(world: World, generated: list[Generated], M: dict) -> tuple[list[dict], list[tuple]]:
    """The custody episodes, each with the generated case and episode it came from."""
    episodes, owners = [], []
    until_cut = world.until
    for g in generated:
        for ep in g.episodes:
            ended = ep["ended"] if ep["ended"] <= until_cut else None
            episodes.append(dict(
                case_id=g.case["id"], ground=ep["ground"], citation=GROUNDS[ep["ground"]].citation,
                started_at=ep["started"], ended_at=ended, place=ep["place"], person_age=ep["age"],
                decided_by_id=world.deciders[ep["region_id"]].pk, decider_function="officer",
                end_reason="Överlämnad till vårdinrättningen" if ended else ""))
            owners.append((g, ep))
    bulk_insert(M["CustodyEpisode"], episodes)
    return episodes, owners


def _holding_rows(episode: dict, ep: dict, decider, until_cut) -> list[dict]:
    rows = []
    for place, reason, start, end in ep["holdings"]:
        if start > until_cut:
            continue
        rows.append(dict(
            episode_id=episode["id"], decided_by_id=decider, decider_function="station_commander", reason=reason,
            alternatives_considered="Syntetiska data: alternativ övervägda.", place_type=place,
            child_justification="Syntetiska data: absolut nödvändigt." if ep["child"] and
            place != "activity_room" else "",
            best_interest_assessment="Syntetiska data: barnets bästa bedömt." if ep["child"] else "",
            started_at=start, ended_at=end if end <= until_cut else None))
    return rows


def _order_row(dice: Dice, o: dict, g: Generated, episode: dict, ep: dict, decider, until_cut) -> dict:
    """A transport order as it stands at ``until``: not yet answered, accepted or planned where the later
    steps have not happened."""
    state = o["state"]
    responded = o["responded"] if o["responded"] and o["responded"] <= until_cut else None
    completed = o["completed"] if o["completed"] and o["completed"] <= until_cut else None
    if o["executor"] == "kriminalvarden" and responded is None:
        state = "requested"
    elif state == "completed" and completed is None:
        state = "accepted" if o["executor"] == "kriminalvarden" else "planned"
    return dict(
        public_id=dice.uid(), case_id=g.case["id"], episode_id=episode["id"], executor=o["executor"], state=state,
        destination="Vårdinrättningen enligt begäran", pickup_place=ep["place"], pickup_at=o["ordered"],
        ordered_at=o["ordered"], ordered_by_id=decider, responded_at=responded,
        decline_reason=o["decline_reason"] if state == "declined" else "", completed_at=completed)


def _write_legs(orders: list[dict], order_legs: list[list], until_cut, M: dict) -> int:
    legs = []
    for order, leg_list in zip(orders, order_legs, strict=True):
        for leg in leg_list:
            legs.append(dict(
                order_id=order["id"], seq=leg["seq"], from_region_id=leg["from"], to_region_id=leg["to"],
                from_place=f"Överlämning {leg['seq']}", to_place=f"Överlämning {leg['seq'] + 1}",
                departs_at=leg["departs"], arrives_at=leg["arrives"],
                handed_over_at=leg["arrives"] if leg["arrives"] <= until_cut else None,
                handed_to="Nästa patrull" if len(leg_list) > 1 else "Vårdinrättningen"))
    bulk_insert(M["TransportLeg"], legs)
    return len(legs)


def synthetic_exists() -> bool:
    """Whether any generated case exists, of any kind."""
    from bitrade.cases.models import Case
    from bitrade.cases.synthetic import PREFIX

    return Case.objects.filter(reference_number__startswith=PREFIX).exists()


def delete_handrackning() -> int:
    """Remove what hangs on the generated handräckning cases (their requests, custody, transports …), not the
    kernel's rows (timeline events, cases): the handräckning deleter registered for ``--replace``.

    Plain DELETE statements in dependency order: the rows were bulk-loaded without signals or audit
    events, and going through the ORM's collector would load hundreds of thousands of objects."""
    from bitrade.assistance.models import Transfer, WantedNotice
    from bitrade.cases.synthetic import delete_rows
    from bitrade.custody.models import (
        CustodyEpisode,
        Holding,
        PowerUse,
        Protocol,
        ProtocolVersion,
        Reassessment,
    )
    from bitrade.intake.models import AssistanceRequest, Attachment, CompletionQuestion
    from bitrade.transport.models import TransportLeg, TransportOrder

    def ids(model, column: str = "case_id") -> str:
        return f"SELECT id FROM {model._meta.db_table} WHERE {column} IN ({{cases}})"

    protocols = f"SELECT id FROM {Protocol._meta.db_table} WHERE episode_id IN ({ids(CustodyEpisode)})"
    delete_rows([
        ("order_id", TransportLeg, ids(TransportOrder)),
        ("case_id", TransportOrder, "{cases}"),
        ("protocol_id", ProtocolVersion, protocols),
        ("episode_id", Protocol, ids(CustodyEpisode)),
        ("episode_id", Reassessment, ids(CustodyEpisode)),
        ("episode_id", Holding, ids(CustodyEpisode)),
        ("case_id", PowerUse, "{cases}"),
        ("case_id", CustodyEpisode, "{cases}"),
        ("request_id", CompletionQuestion, ids(AssistanceRequest)),
        ("request_id", Attachment, ids(AssistanceRequest)),
        ("case_id", AssistanceRequest, "{cases}"),
        ("case_id", WantedNotice, "{cases}"),
        ("case_id", Transfer, "{cases}"),
    ], "assistance")
    return 0


def delete_synthetic() -> int:
    """Remove every generated case of every kind and what hangs on it (organisations and deciders are kept):
    each registered kind's deleter in the reverse order of generation, then the follow-up's fact rows, then
    the kernel's rows. Returns the number of cases removed."""
    from django.db import DEFAULT_DB_ALIAS, connections

    from bitrade.cases.models import Case
    from bitrade.cases.synthetic import PREFIX, delete_kernel_rows, registered

    from ..models import ActivityFact, CaseFact

    with transaction.atomic():
        for kind in reversed(registered()):
            kind.delete()
        conn = connections[DEFAULT_DB_ALIAS]
        qn = conn.ops.quote_name
        cases = f"SELECT id FROM {qn(Case._meta.db_table)} WHERE reference_number LIKE %s"
        with conn.cursor() as cur:
            for model in (ActivityFact, CaseFact):
                cur.execute(f"DELETE FROM {qn(model._meta.db_table)} WHERE case_id IN ({cases})", [PREFIX + "%"])
        deleted = delete_kernel_rows()
    facts.invalidate()  # fact rows removed: analytics replicas load them again
    return deleted
