"""The actions of a return case, each defined once: its input, who is offered it, the service it calls. The case
page and ``POST /api/v1/cases/{id}/actions/{name}`` both take them from here. Names carry the prefix
``return_`` so the typed API endpoints of the kinds never share a name with another schema."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, field_validator

from bitrade.cases.kinds import Action, NoInput

from . import rules, selectors, services
from .models import Note, WantedNotice


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class AssignIn(_In):
    assigned_to: str = Field(default="", max_length=200, description="Handläggare som tar ärendet.")


class ScreenIn(_In):
    method: str = Field(default="", max_length=40, description="Vald metod: " + ", ".join(services.METHODS) + ".")
    text: str = Field(default="", max_length=5000, description="Screeningens bedömning.")


class NoteIn(_In):
    kind: str = Field(default="memo", max_length=16, description="memo, identity eller embassy.")
    text: str = Field(default="", max_length=20000)
    wants_to_return: bool | None = Field(default=None, description="Vill personen resa (efter samtalet)?")
    identity_status: str = Field(default="", max_length=16, description="Ny identitetsstatus, om den ändrats.")


class DocumentIn(_In):
    kind: str = Field(default="", max_length=40, description="Pass, laissez-passer … (tomt: ingen handling).")
    valid_until: date | None = None


class SupervisionIn(_In):
    weekdays: str = Field(default="", max_length=20, description="Anmälningsdagar, t.ex. 0,3 (0 = måndag).")
    place: str = Field(default="", max_length=200)
    hour: int = Field(default=12, ge=0, le=23)

    @field_validator("weekdays")
    @classmethod
    def _days(cls, value: str) -> str:
        parts = [p.strip() for p in value.split(",") if p.strip()]
        if not parts or not all(p.isdigit() and int(p) < 7 for p in parts):
            raise ValueError("Ange anmälningsdagar som siffror 0–6, åtskilda med komma.")
        return value


class ReasonIn(_In):
    reason: str = Field(default="", max_length=2000)


class DetainIn(_In):
    kind: str = Field(default="enforcement", max_length=16, description=", ".join(rules.DETENTION_KINDS) + ".")
    grounds: str = Field(default="", max_length=5000)
    child: bool = False
    centre: str = Field(default="", max_length=100)


class ExtendIn(_In):
    until: datetime
    exceptional_reasons: str = Field(default="", max_length=5000, description="Synnerliga skäl.")
    lack_of_cooperation_or_documents: bool = False
    counsel: str = Field(default="", max_length=200, description="Offentligt biträde.")
    interpreter: str = Field(default="", max_length=200, description="Tolk (eller ”behövs inte”).")


class WantedIn(_In):
    instruction: str = Field(default="", max_length=16, description="custody (omhänderta) eller contact.")
    text: str = Field(default="", max_length=2000, description="Instruktion till polisen som påträffar personen.")
    reference: str = Field(default="", max_length=64)


class TransportIn(_In):
    trip_type: str = Field(default="", max_length=16, description=", ".join(rules.TRIP_TYPES) + ".")
    planned_on: date
    escort: bool = False
    notes_for_kv: str = Field(default="", max_length=2000)


class OutcomeIn(_In):
    code: str = Field(default="", max_length=24, description=", ".join(rules.OUTCOMES) + ".")
    destination: str = Field(default="", max_length=2)
    verified_by: str = Field(default="", max_length=300, description="Hur en egen utresa styrkts.")
    notes: str = Field(default="", max_length=5000)


class FoundAgainIn(_In):
    text: str = Field(default="", max_length=2000)


def _aware(moment: datetime) -> datetime:
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def handling_unit(actor, case) -> bool:
    return actor.is_police and actor.unit_id == case.unit_id


def _rc(case):
    return selectors.return_case_of(case)


def _open(actor, case) -> bool:
    return handling_unit(actor, case) and case.is_open


def _with(attr: str, present: bool):
    def may(actor, case) -> bool:
        rc = _rc(case)
        return _open(actor, case) and rc is not None and getattr(rc, attr) is present

    return may


ACTIONS = (
    Action("return_assign", "tilldela", "Tilldela handläggare", AssignIn, transition="assign", may=handling_unit,
           run=lambda actor, case, d: services.assign(actor, _rc(case), d.assigned_to)),
    Action("return_screen", "screening", "Screening och val av metod", ScreenIn, transition="screen",
           may=handling_unit, run=lambda actor, case, d: services.screen(actor, _rc(case), d.method, d.text)),
    Action("return_note", "anteckning", "Tjänsteanteckning eller identitetsarbete", NoteIn, may=_open,
           summary="Återvändandesamtalets tjänsteanteckning (" + Note.KINDS["memo"] + "), identitetsarbete, "
                   "ambassadkontakt.",
           run=lambda actor, case, d: services.add_note(actor, _rc(case), d.kind, d.text,
                                                        wants_to_return=d.wants_to_return,
                                                        identity_status=d.identity_status)),
    Action("return_document", "resehandling", "Registrera resehandling", DocumentIn, may=_open,
           run=lambda actor, case, d: services.update_document(actor, _rc(case), d.kind, d.valid_until)),
    Action("return_supervision", "uppsikt", "Besluta om uppsikt", SupervisionIn,
           may=_with("under_supervision", False),
           run=lambda actor, case, d: services.decide_supervision(
               actor, _rc(case), tuple(int(p) for p in d.weekdays.split(",") if p.strip()), d.place, hour=d.hour)),
    Action("return_report", "anmalan", "Personen har anmält sig", NoInput, may=_with("under_supervision", True),
           run=lambda actor, case, d: services.report_in(actor, _rc(case))),
    Action("return_supervision_end", "upphav-uppsikt", "Upphäv uppsikt", ReasonIn,
           may=_with("under_supervision", True),
           run=lambda actor, case, d: services.end_supervision(actor, _rc(case), d.reason)),
    Action("return_detain", "forvar", "Besluta om förvar", DetainIn, may=_with("detained", False),
           run=lambda actor, case, d: services.detain(actor, _rc(case), d.kind, d.grounds, child=d.child,
                                                      centre=d.centre)),
    Action("return_extend", "forlang-forvar", "Förläng förvar", ExtendIn, may=_with("detained", True),
           run=lambda actor, case, d: services.extend_detention(actor, _rc(case), rules.Extension(
               _aware(d.until), d.exceptional_reasons, d.lack_of_cooperation_or_documents, d.counsel,
               d.interpreter))),
    Action("return_detention_end", "avsluta-forvar", "Avsluta förvar", ReasonIn, may=_with("detained", True),
           run=lambda actor, case, d: services.end_detention(actor, _rc(case), d.reason)),
    Action("return_wanted", "efterlys", "Efterlys", WantedIn, may=_open,
           summary="Instruktion: " + ", ".join(WantedNotice.INSTRUCTIONS.values()) + ".",
           run=lambda actor, case, d: services.issue_wanted(actor, _rc(case), d.instruction, d.text, d.reference)),
    Action("return_wanted_cancel", "aterkalla-efterlysning", "Återkalla efterlysning", ReasonIn, may=_open,
           run=lambda actor, case, d: services.cancel_wanted(actor, _rc(case), d.reason)),
    Action("return_transport", "transport", "Beställ transport (Kriminalvården)", TransportIn,
           transition="order_transport", may=handling_unit,
           run=lambda actor, case, d: services.order_transport(actor, _rc(case), d.trip_type, d.planned_on,
                                                               escort=d.escort, notes_for_kv=d.notes_for_kv)),
    Action("return_transport_cancel", "avbryt-transport", "Avbryt transportbeställning", ReasonIn, may=_open,
           run=lambda actor, case, d: services.cancel_transport(actor, _rc(case), d.reason)),
    Action("return_outcome", "utfall", "Registrera utfall", OutcomeIn, transition="outcome", may=handling_unit,
           run=lambda actor, case, d: services.record_outcome(actor, _rc(case), d.code, destination=d.destination,
                                                              verified_by=d.verified_by, notes=d.notes)),
    Action("return_close", "avsluta", "Avsluta", transition="close", may=handling_unit,
           run=lambda actor, case, d: services.close_case(actor, _rc(case))),
    Action("return_found_again", "patraffad-igen", "Påträffad i Sverige igen (nytt ärende)", FoundAgainIn,
           may=lambda actor, case: actor.is_police and not case.is_open and case.outcome in rules.DEPARTURES,
           run=lambda actor, case, d: services.found_again(actor, _rc(case), text=d.text).case),
)
