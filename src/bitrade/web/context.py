from __future__ import annotations

from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from bitrade.organisation.actor import KIND_LABELS
from bitrade.organisation.auth import request_actor, request_capacities

from .navigation import NAVIGATION, UNIT_NAVIGATION


def navigation(request):
    actor = request_actor(request) if hasattr(request, "user") else None
    if actor is None:
        return {"actor": None, "nav_items": [], "capacities": []}
    entries = list(NAVIGATION.get(actor.kind, []))
    if actor.is_police:
        entries[1:1] = UNIT_NAVIGATION.get(actor.unit_kind or "", [])
    items = [{"label": label, "url": reverse(name)} for label, name in entries]
    current = request.path
    for item in items:
        item["current"] = item["url"] == current
    return {
        "actor": actor,
        "actor_kind_label": KIND_LABELS.get(actor.kind, actor.kind),
        "nav_items": items,
        # Read when a page shows the capacity menu (a fragment that does not, reads no staff memberships).
        "capacities": SimpleLazyObject(lambda: request_capacities(request)),
    }
