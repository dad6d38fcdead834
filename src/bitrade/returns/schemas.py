"""The handover body from Migrationsverket's case system (the API, ``bitrade return assess`` and the demo take
the same shape), and its reading into the rules' facts. Types are checked here (a malformed body is a 422 per
field); what the agreement requires is checked by ``rules.missing`` so the answer can name it all at once."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from . import rules


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


Country = Field(default="", pattern=r"^([A-Za-z]{2})?$", description="Landskod, ISO 3166-1 alfa-2 (t.ex. IQ).")


class PersonIn(_In):
    name: str = Field(default="", max_length=200)
    date_of_birth: date | None = None
    sex: Literal["man", "kvinna", "okänt", ""] = ""
    identity_status: Literal["established", "probable", "unknown", ""] = Field(
        default="", description="Fastställd, sannolik eller okänd identitet.")
    nationality: str = Country
    aliases: list[str] = Field(default_factory=list, max_length=20)


class DestinationIn(_In):
    country: str = Country
    stance: Literal["accepts_forced", "difficult", "voluntary_only", ""] = Field(
        default="", description="Tar emot vid tvång, svårt att verkställa till, eller bara självmant återvändande.")


class TravelDocumentIn(_In):
    kind: str = Field(default="", max_length=40, description="Pass, laissez-passer …")
    number: str = Field(default="", max_length=40)
    valid_until: date | None = None


class ExtensionIn(_In):
    until: date
    reason: str = Field(default="", max_length=500)


class DecisionIn(_In):
    type: Literal["avvisning", "omedelbar_avvisning", "utvisning", "utvisning_brott", "dublin", ""] = ""
    deciding_body: Literal["migrationsverket", "migrationsdomstol", "migrationsoverdomstolen", "polisen",
                           "allman_domstol", ""] = ""
    decided_on: date | None = None
    final_on: date | None = Field(default=None, description="Dagen då beslutet vann laga kraft.")
    voluntary_departure_deadline: date | None = None
    extensions: list[ExtensionIn] = Field(default_factory=list, max_length=20)
    reentry_ban_until: date | None = None


class WhereaboutsIn(_In):
    known: bool | None = Field(default=None, description="Om Migrationsverket vet var personen vistas.")
    municipality_code: str = Field(default="", pattern=r"^(\d{4})?$", description="Kommunkod, fyra siffror.")
    address: str = Field(default="", max_length=300)
    last_seen_on: date | None = None
    description: str = Field(default="", max_length=2000)


class ContactIn(_In):
    kind: str = Field(max_length=40)
    value: str = Field(max_length=200)


class ChildIn(_In):
    name: str = Field(default="", max_length=200)
    date_of_birth: date | None = None


class FamilyIn(_In):
    with_children: bool = False
    unaccompanied_minor: bool = False
    children: list[ChildIn] = Field(default_factory=list, max_length=20)


class DialogueIn(_In):
    held_on: date | None = None
    summary: str = Field(default="", max_length=5000)


class DocumentIn(_In):
    title: str = Field(max_length=200)
    kind: str = Field(default="", max_length=40)
    reference: str = Field(default="", max_length=100)


class StatusIn(_In):
    temporary_permit_until: date | None = None
    stay_of_enforcement: bool = False
    pending_impediment: bool = False
    pending_permit_application: bool = False
    pending_family_asylum: bool = False


class HandoverIn(_In):
    """A handover for enforcement (12 kap. 14 § UtlL) as Migrationsverket's system sends it."""

    mv_case_id: str = Field(min_length=1, max_length=64, description="Migrationsverkets ärende-id.")
    police_region: str = Field(default="", max_length=32,
                               description="Polisregion (kod), om vistelsekommunen inte är känd.")
    reason: Literal["avviken", "tvang", ""] = Field(default="", description="Avviken eller tvång behövs.")
    mv_category: int | None = Field(default=None, ge=1, le=4, description="Migrationsverkets kategori 1–4.")
    person: PersonIn = Field(default_factory=PersonIn)
    destination: DestinationIn = Field(default_factory=DestinationIn)
    travel_document: TravelDocumentIn | None = None
    decision: DecisionIn = Field(default_factory=DecisionIn)
    whereabouts: WhereaboutsIn = Field(default_factory=WhereaboutsIn)
    contacts: list[ContactIn] = Field(default_factory=list, max_length=20)
    family: FamilyIn = Field(default_factory=FamilyIn)
    prior_dialogue: DialogueIn | None = None
    documents: list[DocumentIn] = Field(default_factory=list, max_length=50)
    status: StatusIn = Field(default_factory=StatusIn)


class StatusChangeIn(_In):
    kind: Literal[tuple(rules.STATUS_CHANGES)] = Field(description="Vilken ändring (se dokumentationen).")  # type: ignore[valid-type]
    valid_until: date | None = Field(default=None, description="Giltigt till (tidsbegränsat tillstånd).")
    text: str = Field(default="", max_length=2000)


def facts_of_handover(data: HandoverIn, origin: str = "mv") -> rules.Facts:
    doc = data.travel_document
    dialogue = data.prior_dialogue
    return rules.Facts(
        origin=origin, person_name=data.person.name, date_of_birth=data.person.date_of_birth,
        identity_status=data.person.identity_status, nationality=data.person.nationality.upper(),
        destination_country=data.destination.country.upper(), destination_stance=data.destination.stance,
        travel_document_kind=doc.kind if doc else "", travel_document_valid_until=doc.valid_until if doc else None,
        decision_type=data.decision.type, deciding_body=data.decision.deciding_body,
        decided_on=data.decision.decided_on, final_on=data.decision.final_on,
        voluntary_departure_deadline=data.decision.voluntary_departure_deadline,
        deadline_extended_to=tuple(e.until for e in data.decision.extensions),
        reentry_ban_until=data.decision.reentry_ban_until, reason=data.reason, mv_category=data.mv_category,
        whereabouts_known=data.whereabouts.known, whereabouts_municipality_code=data.whereabouts.municipality_code,
        last_seen_on=data.whereabouts.last_seen_on,
        prior_dialogue=bool(dialogue and (dialogue.held_on or dialogue.summary)),
        family_with_children=data.family.with_children or bool(data.family.children),
        temporary_permit_until=data.status.temporary_permit_until,
        stay_of_enforcement=data.status.stay_of_enforcement, pending_impediment=data.status.pending_impediment,
        pending_permit_application=data.status.pending_permit_application,
        pending_family_asylum=data.status.pending_family_asylum,
    )
