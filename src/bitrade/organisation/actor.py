"""Who is acting: a person in one of their capacities, or a machine client with an API key.

Every selector and service takes an ``Actor``. It is derived once per request from the logged-in
person (and the capacity chosen in the session) or from the API key, never from client input.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.utils import timezone

from bitrade.common.actor import (  # noqa: F401 — the pure type lives in common; re-exported here
    ADMINISTRATOR,
    ANALYST,
    API_CLIENT,
    KIND_LABELS,
    KRIMINALVARDEN,
    POLICE,
    PROCESS_OWNER,
    REQUESTER,
    SYSTEM,
    SYSTEM_ACTOR,
    Actor,
    Capacity,
)

from .models import (
    ApiKey,
    OrganisationKind,
    Person,
    StaffMembership,
    UnitMembership,
)


def _valid(m, today: date) -> bool:
    return (m.valid_from is None or m.valid_from <= today) and (m.valid_to is None or m.valid_to >= today)


Memberships = tuple[list[UnitMembership], list[StaffMembership]]


#: A version of the organisation that every change of a unit or staff membership, unit, region or requesting
#: organisation changes (the routing configuration's, installed by the web shell at start: ``web.apps``), with
#: which ``unit_memberships`` and ``staff_memberships`` are kept per process; None: read on every call.
membership_version: Callable[[], str] | None = None
_kept: dict[tuple, tuple[UnitMembership, ...]] = {}


def unit_memberships(person: Person) -> list[UnitMembership]:
    """The person's unit memberships (valid or not) with their unit and region: one query, or none when they
    are kept for the current ``membership_version`` (one cheap read, shared with the rest of the request). The
    rows handed out are shared by the process's requests: read them, never change them."""
    return _per_version(_kept, person, _read_unit_memberships)


def _per_version(kept: dict, person: Person, read: Callable[[Person], list]) -> list:
    """``read(person)``, kept in ``kept`` for the current ``membership_version`` (read every time without one)."""
    version = membership_version() if membership_version is not None else None
    if version is None:
        return read(person)
    key = (person.pk, version)
    hit = kept.get(key)
    if hit is None:
        hit = tuple(read(person))
        if len(kept) > 4096 or any(k[1] != version for k in list(kept)[:1]):
            kept.clear()  # another version (or too many people): start again
        kept[key] = hit
    return list(hit)


def _read_unit_memberships(person: Person) -> list[UnitMembership]:
    return list(UnitMembership.objects.filter(person=person).select_related("unit", "unit__region").order_by("id"))


def staff_memberships(person: Person) -> list[StaffMembership]:
    """The person's staff memberships (valid or not) with their organisation: one query, or none when they are
    kept for the current ``membership_version`` (which every change of a staff membership or an organisation
    changes too). The rows handed out are shared by the process's requests: read them, never change them."""
    return _per_version(_kept_staff, person, _read_staff_memberships)


_kept_staff: dict[tuple, tuple[StaffMembership, ...]] = {}


def _read_staff_memberships(person: Person) -> list[StaffMembership]:
    return list(StaffMembership.objects.filter(person=person).select_related("organisation").order_by("id"))


def memberships(person: Person, *, units: list[UnitMembership] | None = None) -> Memberships:
    """The person's unit and staff memberships (valid or not) with their unit / organisation: at most two queries,
    none when both are kept for the current ``membership_version``. A request loads them once for its actor and
    its capacity menu (``organisation.auth``)."""
    return (units if units is not None else unit_memberships(person)), staff_memberships(person)


def capacities(person: Person, today: date | None = None, *, held: Memberships | None = None) -> list[Capacity]:
    """All capacities the person currently holds, police units first (``held``: their memberships, if
    already loaded)."""
    today = today or timezone.localdate()
    result: list[Capacity] = []
    units, staff = held if held is not None else memberships(person)
    for m in units:
        if _valid(m, today):
            result.append(Capacity(f"unit:{m.id}", POLICE, f"{m.get_function_display()}, {m.unit.name}"))
    for s in staff:
        if _valid(s, today):
            kind = KRIMINALVARDEN if s.organisation.kind == OrganisationKind.KRIMINALVARDEN else REQUESTER
            result.append(Capacity(f"staff:{s.id}", kind, f"{s.get_role_display()}, {s.organisation.name}"))
    if person.national_function:
        result.append(
            Capacity(f"national:{person.national_function}", person.national_function,
                     KIND_LABELS.get(person.national_function, person.national_function))
        )
    if person.is_superuser and not person.national_function == ADMINISTRATOR:
        result.append(Capacity(f"national:{ADMINISTRATOR}", ADMINISTRATOR, KIND_LABELS[ADMINISTRATOR]))
    return result


def actor_for_person(person: Person, capacity_key: str | None = None, *,
                     held: Memberships | None = None) -> Actor | None:
    """The actor for a logged-in person in the chosen capacity (default: the first one), from the person's
    memberships (``held``, or two queries)."""
    held = held if held is not None else memberships(person)
    caps = capacities(person, held=held)
    if not caps:
        return None
    chosen = next((c for c in caps if c.key == capacity_key), caps[0])
    label = person.get_full_name() or person.username
    kind, _, ident = chosen.key.partition(":")
    if kind == "unit":
        units = held[0]
        return _unit_actor(person, next(u for u in units if u.pk == int(ident)), units)
    if kind == "staff":
        s = next(x for x in held[1] if x.pk == int(ident))
        return Actor(
            kind=chosen.kind, label=label, person_id=person.pk, organisation_id=s.organisation_id,
            organisation_kind=s.organisation.kind, role=s.role, capacity_key=chosen.key,
        )
    return Actor(kind=chosen.kind, label=label, person_id=person.pk, functions=frozenset({chosen.kind}),
                 capacity_key=chosen.key)


def _unit_actor(person: Person, m: UnitMembership, units: list[UnitMembership]) -> Actor:
    functions = frozenset(u.function for u in units if u.unit_id == m.unit_id)
    return Actor(
        kind=POLICE, label=person.get_full_name() or person.username, person_id=person.pk, unit_id=m.unit_id,
        unit_kind=m.unit.kind, region_id=m.unit.region_id, police_area_id=m.unit.police_area_id,
        functions=functions, capacity_key=f"unit:{m.id}",
    )


def police_actor(person: Person, capacity_key: str | None, units: list[UnitMembership],
                 today: date | None = None) -> Actor | None:
    """The actor ``actor_for_person`` gives when the chosen capacity is a police unit, from the unit
    memberships alone (no staff query): the valid membership named by ``capacity_key``, or with no
    capacity chosen the first valid one (police units come first among the capacities). None when the
    choice is not a valid unit membership (``actor_for_person`` then decides, from every membership)."""
    today = today or timezone.localdate()
    kind, _, ident = (capacity_key or "").partition(":")
    if capacity_key and kind != "unit":
        return None
    for m in units:
        if (not capacity_key or str(m.pk) == ident) and _valid(m, today):
            return _unit_actor(person, m, units)
    return None


def actor_for_api_key(key: ApiKey) -> Actor:
    org = key.organisation
    return Actor(
        kind=API_CLIENT, label=f"{org.name} (API-nyckel {key.prefix})", organisation_id=org.pk,
        organisation_kind=org.kind, api_key_id=key.pk, capacity_key=f"apikey:{key.pk}",
    )
