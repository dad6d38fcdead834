"""The actor of a web request: the logged-in person in the capacity chosen in the session."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from bitrade.organisation.actor import (
    Actor,
    Capacity,
    actor_for_person,
    capacities,
    memberships,
    police_actor,
    unit_memberships,
)

SESSION_CAPACITY = "bitrade_capacity"


def request_actor(request) -> Actor | None:
    """The request's actor, built once per request. A person acting for a police unit needs only their unit
    memberships (one query); the staff memberships are read when the actor is something else, or when the
    page shows the capacity menu (``request_capacities``)."""
    if not hasattr(request, "_bitrade_actor"):
        user = getattr(request, "user", None)
        actor = None
        if user is not None and user.is_authenticated:
            key = request.session.get(SESSION_CAPACITY)
            units = unit_memberships(user)
            actor = police_actor(user, key, units)
            if actor is None:
                held = memberships(user, units=units)
                request._bitrade_capacities = capacities(user, held=held)
                actor = actor_for_person(user, key, held=held)
            else:
                request._bitrade_units = units
        request._bitrade_actor = actor
    return request._bitrade_actor


def request_capacities(request) -> list[Capacity]:
    """The capacities of the logged-in person, loaded once per request (with the actor, or when first asked)."""
    request_actor(request)
    if not hasattr(request, "_bitrade_capacities"):
        user = getattr(request, "user", None)
        request._bitrade_capacities = (
            capacities(user, held=memberships(user, units=getattr(request, "_bitrade_units", None)))
            if user is not None and user.is_authenticated else [])
    return request._bitrade_capacities


def actor_required(*kinds: str):
    """View decorator: a logged-in person acting in one of these kinds (any kind if none given)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect(f"/logga-in/?next={request.path}")
            actor = request_actor(request)
            if actor is None:
                raise PermissionDenied("Ditt konto saknar behörighet i Biträde. Kontakta en administratör.")
            if kinds and actor.kind not in kinds:
                raise PermissionDenied("Sidan är inte tillgänglig i din roll.")
            return view(request, actor, *args, **kwargs)

        return wrapper

    return decorator
