"""One schema for a request, used by the API (published in OpenAPI) and by the web form."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date, datetime, timedelta
from enum import StrEnum

from django.utils import timezone
from ninja import Schema
from pydantic import Field, field_validator, model_validator

from bitrade.common import labels as glossary
from bitrade.common.errors import ErrorItem, ErrorOut  # noqa: F401 — re-exported for the intake API
from bitrade.common.validation import CheckedInput
from bitrade.organisation.models import ProfessionalRole

from .rules_identity import IdentityError, normalise_identity_number

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10


class RequesterRole(StrEnum):
    physician = "physician"
    chief_physician = "chief_physician"
    head_of_operations = "head_of_operations"
    board_chair = "board_chair"
    board_member = "board_member"
    appointed_official = "appointed_official"
    social_services_official = "social_services_official"
    court_official = "court_official"
    sis_officer = "sis_officer"
    socialstyrelsen_officer = "socialstyrelsen_officer"
    migration_officer = "migration_officer"
    prosecutor = "prosecutor"


assert {r.value for r in RequesterRole} <= set(ProfessionalRole.values)


class UrgencyIn(StrEnum):
    immediate = "immediate"
    urgent = "urgent"
    near_term = "near_term"
    planned = "planned"


class Risk(StrEnum):
    violence = "violence"
    weapons = "weapons"
    threats = "threats"
    illness = "illness"
    self_harm = "self_harm"
    medication = "medication"
    animals = "animals"
    other = "other"


RISK_LABELS = dict(glossary.RISK)


class AttachmentKind(StrEnum):
    care_certificate = "care_certificate"
    care_decision = "care_decision"
    custody_decision = "custody_decision"
    court_decision = "court_decision"
    leave_decision = "leave_decision"
    examination_decision = "examination_decision"
    repatriation_decision = "repatriation_decision"
    detention_decision = "detention_decision"
    other = "other"


ATTACHMENT_KIND_LABELS = dict(glossary.ATTACHMENT_KIND)


# How far a time window may reach back from the moment of the request, and forward.
WINDOW_PAST_MARGIN = timedelta(hours=24)
WINDOW_HORIZON = timedelta(days=366)
MAX_AGE_YEARS = 130


class In(CheckedInput, Schema):
    """An input schema: every text refuses control characters, every date lies within 1900–2100."""


_PHONE = re.compile(r"^\+?[0-9][0-9 \-()]{5,24}$")


class RequesterIn(In):
    name: str = Field(min_length=2, max_length=200, description="Den som gör begäran")
    role: RequesterRole = Field(description="Yrkesroll; prövas mot lagrummet")
    phone: str = Field(min_length=6, max_length=40, description="Telefon som nås dygnet runt")
    email: str = Field(default="", max_length=200)

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str) -> str:
        if not _PHONE.match(v.strip()):
            raise ValueError("Ange ett telefonnummer med siffror, t.ex. 040-123 45 67.")
        return v.strip()

    @field_validator("email")
    @classmethod
    def _email(cls, v: str) -> str:
        v = v.strip()
        if v and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", v):
            raise ValueError("Ange en giltig e-postadress.")
        return v


class PersonIn(In):
    identity_number: str = Field(default="", max_length=20, description="Personnummer eller samordningsnummer")
    name: str = Field(min_length=1, max_length=200)
    birth_date: date | None = Field(default=None, description="När identitetsnummer saknas")
    protected_identity: bool = Field(default=False, description="Skyddade personuppgifter")

    @field_validator("identity_number")
    @classmethod
    def _identity(cls, v: str) -> str:
        if not v.strip():
            return ""
        try:
            return normalise_identity_number(v)
        except IdentityError as exc:
            raise ValueError(str(exc)) from exc

    @field_validator("birth_date")
    @classmethod
    def _born(cls, v: date | None) -> date | None:
        if v is None:
            return v
        today = timezone.localdate()
        if v > today:
            raise ValueError("Födelsedatumet ligger i framtiden.")
        if v.year < today.year - MAX_AGE_YEARS:
            raise ValueError(f"Födelsedatumet ligger mer än {MAX_AGE_YEARS} år tillbaka.")
        return v

    @model_validator(mode="after")
    def _identified(self):
        if not self.identity_number and self.birth_date is None:
            raise ValueError("Ange personnummer/samordningsnummer, eller födelsedatum när numret inte är känt.")
        return self


class LocationIn(In):
    address: str = Field(min_length=2, max_length=300, description="Där personen finns eller kan antas finnas")
    municipality_code: str = Field(min_length=4, max_length=4, pattern=r"^[0-9]{4}$", description="Kommunkod")


class AttachmentIn(In):
    kind: AttachmentKind
    filename: str = Field(min_length=1, max_length=200)
    content_base64: str = Field(min_length=1, max_length=MAX_ATTACHMENT_BYTES * 4 // 3 + 8)

    @field_validator("filename")
    @classmethod
    def _filename(cls, v: str) -> str:
        v = v.replace("\\", "/").rsplit("/", 1)[-1].strip()
        if not v or v.startswith("."):
            raise ValueError("Ogiltigt filnamn.")
        return v

    def decoded(self) -> bytes:
        try:
            return base64.b64decode(self.content_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("Bilagan är inte giltig base64.") from exc


class RequestIn(In):
    requester: RequesterIn
    legal_basis: str = Field(min_length=1, max_length=300, description='Lagrum, t.ex. "47 § andra stycket 3 LPT"')
    legal_basis_key: str = Field(
        default="", max_length=32, pattern=r"^[A-Za-z0-9-]*$",
        description="Grunden i katalogen över rättsliga grunder, t.ex. \"UtlL-forvar-transport\". Behövs när "
                    "lagrummet omfattar flera slag av handräckning (9–12 kap. UtlL); annars räcker lagrummet.")
    person: PersonIn
    location: LocationIn
    destination: str = Field(default="", max_length=300, description="Vårdinrättning eller annan destination")
    measures: str = Field(min_length=1, max_length=5000, description="Vad polisen ska göra")
    police_powers_reason: str = Field(default="", max_length=5000,
                                      description="Varför polisens särskilda befogenheter behövs")
    person_avoids_examination: bool | None = None
    urgency: UrgencyIn
    window_start: datetime | None = None
    window_end: datetime | None = None
    risks: list[Risk] = Field(default_factory=list, max_length=len(Risk))
    risk_notes: str = Field(default="", max_length=5000)
    medication_handover: str = Field(default="", max_length=2000)
    wanted_notice_requested: bool = False
    oral_request: bool = Field(default=False, description="Begäran gjordes muntligt och bekräftas skriftligt")
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)

    @field_validator("window_start", "window_end", mode="after")
    @classmethod
    def _plausible(cls, v: datetime | None) -> datetime | None:
        """A time window lies around the request: not more than a day before it, not more than a year
        after (checked on the year first, so no far-off time is ever converted)."""
        if v is None or v.tzinfo is None:
            return v
        now = timezone.now()
        # The year first: a far-off time (year 1 at +14:00) is never converted, so nothing overflows.
        if v.year < now.year - 1 or v < now - WINDOW_PAST_MARGIN:
            raise ValueError("Tiden ligger mer än ett dygn före begäran.")
        if v.year > now.year + 1 or v > now + WINDOW_HORIZON:
            raise ValueError("Tiden ligger mer än ett år fram i tiden.")
        return v

    @model_validator(mode="after")
    def _window(self):
        if self.window_start and self.window_end and self.window_end < self.window_start:
            raise ValueError("Tidsfönstrets slut ligger före dess början.")
        for moment in (self.window_start, self.window_end):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("Ange tider med tidszon, t.ex. 2026-06-19T14:00:00+02:00.")
        return self


class CheckOut(Schema):
    code: str
    ok: bool
    message: str
    citation: str | None = None


class QuestionOut(Schema):
    id: int
    check_code: str
    field: str
    question: str
    citation: str
    asked_at: datetime
    answer: str
    answered_at: datetime | None = None


class RoutingOut(Schema):
    region: str
    unit: str
    unit_kind: str
    unit_phone: str = Field("", description="Telefon till enheten som har ärendet.")
    rule: str
    reasons: list[str]
    priority: int | None = None
    ack_due_at: datetime | None = None
    internal: list[str] | None = Field(None, description="Polisens interna anteckningar om styrningen; "
                                                          "visas aldrig för begärande myndighet.")


class RequestOut(Schema):
    id: str
    reference_number: str
    status: str
    status_label: str
    received_at: datetime
    legal_basis: str
    citation: str | None = None
    law: str | None = None
    case_code: str | None = None
    review_outcome: str
    checks: list[CheckOut]
    questions: list[QuestionOut]
    routing: RoutingOut
    person_name: str
    protected_identity: bool


class RequestListItemOut(Schema):
    """A request as a list shows it; the detail (``url``) carries the review, questions and routing."""

    id: str
    url: str
    reference_number: str
    status: str
    status_label: str
    received_at: datetime
    citation: str | None = None
    priority: int | None = None
    unit: str
    person_name: str
    protected_identity: bool


class AnswerIn(In):
    question_id: int
    answer: str = Field(min_length=1, max_length=5000)


class CompletionIn(In):
    answers: list[AnswerIn] = Field(default_factory=list, max_length=50)
    legal_basis: str | None = Field(default=None, min_length=1, max_length=300)
    measures: str | None = Field(default=None, min_length=1, max_length=5000)
    police_powers_reason: str | None = Field(default=None, min_length=1, max_length=5000)
    person_avoids_examination: bool | None = None
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)


