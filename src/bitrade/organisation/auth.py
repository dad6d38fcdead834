"""The actor of a web request: the logged-in person in the capacity chosen in the session."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import middleware as auth_middleware
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import connections, router
from django.db.models.expressions import RawSQL
from django.shortcuts import redirect
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from bitrade.common.compiled import CompiledRead
from bitrade.organisation.actor import (
    Actor,
    Capacity,
    actor_for_person,
    capacities,
    memberships,
    police_actor,
    unit_memberships,
)
from bitrade.organisation.models import Person
from bitrade.organisation.services import read_with_authentication

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


MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
_PERSONS: dict[tuple, CompiledRead] = {}


def _person_read() -> tuple[CompiledRead, tuple]:
    """The person by key, with the values every authenticated request reads (``read_with_api_key``: e.g. the
    routing configuration's version) as columns of the same statement, compiled once per thread."""
    riders = read_with_authentication()
    read = _PERSONS.get(riders)
    if read is None:
        def build(pk):
            conn = connections[router.db_for_read(Person)]
            return Person._default_manager.filter(pk=pk).annotate(
                **{f"_bitrade_rider_{i}": RawSQL(sql_for(conn), ()) for i, (_, sql_for, _) in enumerate(riders)})

        read = _PERSONS[riders] = CompiledRead(
            f"organisation.session_person:{','.join(name for name, _, _ in riders)}", build, (Person._meta.pk,),
            (-0xB17,))
    return read, riders


def session_user(request):
    """The person the session names, as ``django.contrib.auth.get_user`` finds them (the backend, the session's
    hash checked against the person's password hash, the fallback keys, a session that fails the check
    flushed), read afresh on every request; for a session of the model backend the person's row is read by
    SQL compiled once per thread (``common.compiled``) instead of the ORM's ``get`` built anew each time, with
    the values registered to be read with every authentication (``organisation.services.read_with_api_key``:
    the routing configuration's version, kept for the rest of the request) in the same statement."""
    from django.contrib.auth.models import AnonymousUser

    try:
        backend_path = request.session[auth.BACKEND_SESSION_KEY]
        if backend_path != MODEL_BACKEND:
            return auth.get_user(request)
        user_id = auth._get_user_session_key(request)
    except KeyError:
        return AnonymousUser()
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return AnonymousUser()
    read, riders = _person_read()
    user = read.first(user_id)
    if user is not None:
        for i, (_, _, use) in enumerate(riders):
            use(getattr(user, f"_bitrade_rider_{i}"))
    if user is not None and not ModelBackend().user_can_authenticate(user):
        user = None
    if user is not None:
        session_hash = request.session.get(auth.HASH_SESSION_KEY)
        session_auth_hash = user.get_session_auth_hash()
        if not (session_hash and constant_time_compare(session_hash, session_auth_hash)):
            if session_hash and any(constant_time_compare(session_hash, fallback)
                                    for fallback in user.get_session_auth_fallback_hash()):
                request.session.cycle_key()
                request.session[auth.HASH_SESSION_KEY] = session_auth_hash
            else:
                request.session.flush()
                user = None
    return user or AnonymousUser()


def _cached_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = session_user(request)
    return request._cached_user


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's authentication middleware, the session's person read by ``session_user``."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _cached_user(request))
