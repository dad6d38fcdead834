"""Who is acting: a person in one of their capacities, or a machine client with an API key.

Every selector and service takes an ``Actor``. It is derived once per request from the logged-in
person (and the capacity chosen in the session) or from the API key, never from client input.
"""

from __future__ import annotations

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


def capacities(person: Person, today: date | None = None) -> list[Capacity]:
    """All capacities the person currently holds, police units first."""
    today = today or timezone.localdate()
    result: list[Capacity] = []
    for m in (
        UnitMembership.objects.filter(person=person)
        .select_related("unit", "unit__region")
        .order_by("id")
    ):
        if _valid(m, today):
            result.append(Capacity(f"unit:{m.id}", POLICE, f"{m.get_function_display()}, {m.unit.name}"))
    for s in StaffMembership.objects.filter(person=person).select_related("organisation").order_by("id"):
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


def actor_for_person(person: Person, capacity_key: str | None = None) -> Actor | None:
    """The actor for a logged-in person in the chosen capacity (default: the first one)."""
    caps = capacities(person)
    if not caps:
        return None
    chosen = next((c for c in caps if c.key == capacity_key), caps[0])
    label = person.get_full_name() or person.username
    kind, _, ident = chosen.key.partition(":")
    if kind == "unit":
        m = UnitMembership.objects.select_related("unit", "unit__region").get(pk=int(ident))
        functions = frozenset(
            UnitMembership.objects.filter(person=person, unit=m.unit).values_list("function", flat=True)
        )
        return Actor(
            kind=POLICE, label=label, person_id=person.pk, unit_id=m.unit_id, unit_kind=m.unit.kind,
            region_id=m.unit.region_id, police_area_id=m.unit.police_area_id, functions=functions,
            capacity_key=chosen.key,
        )
    if kind == "staff":
        s = StaffMembership.objects.select_related("organisation").get(pk=int(ident))
        return Actor(
            kind=chosen.kind, label=label, person_id=person.pk, organisation_id=s.organisation_id,
            organisation_kind=s.organisation.kind, role=s.role, capacity_key=chosen.key,
        )
    return Actor(kind=chosen.kind, label=label, person_id=person.pk, functions=frozenset({chosen.kind}),
                 capacity_key=chosen.key)


def actor_for_api_key(key: ApiKey) -> Actor:
    org = key.organisation
    return Actor(
        kind=API_CLIENT, label=f"{org.name} (API-nyckel {key.prefix})", organisation_id=org.pk,
        organisation_kind=org.kind, api_key_id=key.pk, capacity_key=f"apikey:{key.pk}",
    )
