from __future__ import annotations

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject

from bitrade.organisation.actor import KIND_LABELS
from bitrade.organisation.auth import request_actor, request_capacities

from .navigation import NAVIGATION, UNIT_NAVIGATION


@functools.lru_cache(maxsize=64)
def _menu(kind: str, unit_kind: str | None, prefix: str, urlconf: object) -> tuple[tuple[object, str], ...]:
    """A persona's menu entries as (label, address): the addresses are worked out once per process, not by
    ``reverse`` on every page (the labels stay lazy, translated when the page prints them)."""
    entries = list(NAVIGATION.get(kind, []))
    if unit_kind is not None:
        entries[1:1] = UNIT_NAVIGATION.get(unit_kind or "", [])
    return tuple((label, reverse(name)) for label, name in entries)


def navigation(request):
    actor = request_actor(request) if hasattr(request, "user") else None
    if actor is None:
        return {"actor": None, "nav_items": [], "capacities": []}
    current = request.path
    items = [{"label": label, "url": url, "current": url == current}
             for label, url in _menu(actor.kind, actor.unit_kind if actor.is_police else None, get_script_prefix(),
                                    get_urlconf() or settings.ROOT_URLCONF)]
    return {
        "actor": actor,
        "actor_kind_label": KIND_LABELS.get(actor.kind, actor.kind),
        "nav_items": items,
        # Read when a page shows the capacity menu (a fragment that does not, reads no staff memberships).
        "capacities": SimpleLazyObject(lambda: request_capacities(request)),
    }
