"""The deprivation of liberty of one executed case: holdings (förvar) and transports."""

from __future__ import annotations

from datetime import datetime

from .calibration import (
    ACTIVITY_ROOM_RATE_CHILD,
    HOLDING_MEDIAN_HOURS,
    HOLDING_OVERNIGHT_MEDIAN_HOURS,
    HOLDING_PLACES,
    HOLDING_RATE_15_17,
    HOLDING_RATE_ADULT,
    HOLDING_REASONS,
    NTE_CHILD_UNDER_15_SHARE,
    NTE_DECLINE_RATE,
    NTE_DECLINE_REASONS,
    NTE_KV_POINTS_SHARE,
    NTE_OTHER_SHARE,
    REGION_ORDER,
    RELAY_RATE,
    TRANSPORT_CANCELLED,
)
from .dice import Dice, _minutes
from .volume import Stream
from .world import World


def _custody(world: World, dice: Dice, stream: Stream, region_id, start: datetime, end: datetime, age: int,
             muni) -> dict:
    """A deprivation of liberty from ``start``; a holding (förvar) and transports may lengthen it."""
    ground = f"handrackning_{stream.law.lower()}"
    child = age < 18
    holdings = []
    t = start + _minutes(dice.uniform(10, 40))
    held = False
    if age < 15:
        if dice.chance(ACTIVITY_ROOM_RATE_CHILD):
            hours = dice.lognormal_median(1.5, 0.6)
            holdings.append(("activity_room", "awaiting_transport", t, t + _minutes(hours * 60)))
    elif child:
        if dice.chance(HOLDING_RATE_15_17):
            holdings.append((dice.pick(HOLDING_PLACES), "awaiting_transport", t,
                             t + _minutes(dice.lognormal_median(HOLDING_MEDIAN_HOURS * 0.6, 0.6) * 60)))
            held = True
        elif dice.chance(ACTIVITY_ROOM_RATE_CHILD):
            holdings.append(("activity_room", "awaiting_transport", t, t + _minutes(dice.lognormal_median(1.5, 0.6) * 60)))
    elif dice.chance(HOLDING_RATE_ADULT):
        reason = dice.pick(HOLDING_REASONS)
        median = HOLDING_OVERNIGHT_MEDIAN_HOURS if reason == "overnight" else HOLDING_MEDIAN_HOURS
        holdings.append((dice.pick(HOLDING_PLACES), reason, t, t + _minutes(dice.lognormal_median(median, 0.7) * 60)))
        held = True
    ended = max([end, *[h[3] + _minutes(dice.uniform(20, 90)) for h in holdings]])
    orders = []
    kv_point = bool(world.catalogue.get(stream.key).kriminalvarden_transport)
    p_nte = NTE_CHILD_UNDER_15_SHARE if age < 15 else (NTE_KV_POINTS_SHARE if kv_point else NTE_OTHER_SHARE)
    ordered = start + _minutes(dice.uniform(5, 30))
    police_needed = True
    if dice.chance(p_nte):
        responded = ordered + _minutes(dice.lognormal_median(20, 0.7))
        if dice.chance(NTE_DECLINE_RATE):
            reason = "child_under_15_short_notice" if age < 15 else dice.pick(NTE_DECLINE_REASONS)
            orders.append({"executor": "kriminalvarden", "state": "declined", "ordered": ordered,
                           "responded": responded, "decline_reason": reason, "completed": None, "legs": []})
            ordered = responded + _minutes(5)
        else:
            cancelled = dice.chance(TRANSPORT_CANCELLED)
            orders.append({"executor": "kriminalvarden", "state": "cancelled" if cancelled else "completed",
                           "ordered": ordered, "responded": responded, "decline_reason": "",
                           "completed": None if cancelled else ended, "legs": []})
            police_needed = cancelled
            if cancelled:
                ordered = responded + _minutes(30)
    if police_needed:
        region_code = world.regions[region_id].code
        legs = []
        if dice.chance(RELAY_RATE * (2 if held else 1)):
            idx = REGION_ORDER.index(region_code) if region_code in REGION_ORDER else 0
            target = dice.choice([i for i in range(len(REGION_ORDER)) if 1 <= abs(i - idx) <= 3])
            step = 1 if target > idx else -1
            chain = [REGION_ORDER[i] for i in range(idx, target + step, step)]
            by_code = {r.code: r for r in world.regions.values()}
            at = ordered + _minutes(30)
            hops = [*zip(chain, chain[1:], strict=False), (chain[-1], chain[-1])]
            for seq, (a, b) in enumerate(hops, start=1):
                dur = _minutes(dice.uniform(90, 240) if a != b else dice.uniform(20, 90))
                legs.append({"seq": seq, "from": by_code[a].id, "to": by_code[b].id, "departs": at,
                             "arrives": at + dur})
                at = at + dur + _minutes(dice.uniform(10, 40))
            ended = max(ended, at)
        else:
            dur = _minutes(dice.uniform(20, 120))
            legs.append({"seq": 1, "from": region_id, "to": region_id, "departs": ordered + _minutes(15),
                         "arrives": ordered + _minutes(15) + dur})
            ended = max(ended, legs[-1]["arrives"])
        orders.append({"executor": "police", "state": "completed", "ordered": ordered, "responded": None,
                       "decline_reason": "", "completed": ended, "legs": legs})
    return {"ground": ground, "started": start, "ended": ended, "age": age, "child": child, "holdings": holdings,
            "orders": orders, "region_id": region_id, "place": f"Bostad, {muni.name}"}
