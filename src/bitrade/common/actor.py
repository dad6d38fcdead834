"""Who is acting: a person in one of their capacities, or a machine client with an API key.

A pure type: every selector and service takes an ``Actor``. It is derived once per request from the
logged-in person (``bitrade.organisation.actor``) or from the API key, never from client input.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import labels

POLICE = "police"
REQUESTER = "requester"
KRIMINALVARDEN = "kriminalvarden"
ANALYST = "analyst"
PROCESS_OWNER = "process_owner"
ADMINISTRATOR = "administrator"
API_CLIENT = "api_client"
SYSTEM = "system"

KIND_LABELS = dict(labels.ACTOR_KIND)


@dataclass(frozen=True)
class Capacity:
    """One way a person can act: a unit membership, a staff membership or a national function."""

    key: str
    kind: str
    label: str


@dataclass(frozen=True)
class Actor:
    kind: str
    label: str
    person_id: int | None = None
    unit_id: int | None = None
    unit_kind: str | None = None
    region_id: int | None = None
    police_area_id: int | None = None
    organisation_id: int | None = None
    organisation_kind: str | None = None
    role: str | None = None
    functions: frozenset[str] = field(default_factory=frozenset)
    api_key_id: int | None = None
    capacity_key: str = ""

    @property
    def is_police(self) -> bool:
        return self.kind == POLICE

    @property
    def is_requester(self) -> bool:
        return self.kind in (REQUESTER, API_CLIENT)

    @property
    def sees_aggregates_only(self) -> bool:
        return self.kind in (ANALYST, PROCESS_OWNER)

    @property
    def is_administrator(self) -> bool:
        return self.kind == ADMINISTRATOR

    def audit_fields(self) -> dict:
        return {
            "actor_kind": self.kind,
            "actor_label": self.label,
            "actor_person_id": self.person_id,
            "actor_unit_id": self.unit_id,
            "actor_organisation_id": self.organisation_id,
            "actor_api_key_id": self.api_key_id,
        }


SYSTEM_ACTOR = Actor(kind=SYSTEM, label="Biträde (automatiskt)")
