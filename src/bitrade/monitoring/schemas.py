"""The input shapes of the contact-ban kind, shared by the API, the web forms and the command line.

``CaseFactsIn`` is the FILE of ``bitrade em check``; ``AlarmIn`` is the alarm the monitoring system posts
(and, with ``region`` or ``police_area``, the FILE of ``bitrade em route-alarm``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from . import rules


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DirectiveIn(_In):
    measure: str = Field(min_length=2, max_length=300)
    received_at: AwareDatetime
    done_at: AwareDatetime | None = None


class PersonIn(_In):
    name: str = Field(min_length=2, max_length=200)
    suitable: bool = False


class ExceptionIn(_In):
    check: str = Field(min_length=2, max_length=40, description="koden för regeln som undantaget avser")
    section: str = Field(min_length=1, max_length=8, description="paragrafen, t.ex. \"10\"")
    decided_by: str = Field(min_length=2, max_length=200)
    decided_at: AwareDatetime
    reasons: str = Field(min_length=10, max_length=4000)


class CaseFactsIn(_In):
    """A case's facts (every time with its time zone; a missing time means "not done")."""

    state: Literal[tuple(rules.STATE_LABELS)] | None = Field(  # type: ignore[valid-type]
        None, description="the case's state; derived from the facts when left out")
    request_received_at: AwareDatetime | None = None
    application_form: str = ""
    eo_requested: bool = True
    other_measures_assessed_at: AwareDatetime | None = None
    other_measures_bops_consulted: bool = False
    area_count: int = Field(0, ge=0, le=20)
    area_text: str = Field("", max_length=4000)
    sent_to_prosecutor_at: AwareDatetime | None = None
    investigation_opened_at: AwareDatetime | None = None
    directives: list[DirectiveIn] = Field(default_factory=list, max_length=50)
    protected_asked_about_area_at: AwareDatetime | None = None
    informed_right_to_counsel_at: AwareDatetime | None = None
    prohibited_interviewed_at: AwareDatetime | None = None
    prohibited_asked_reason_at: AwareDatetime | None = None
    obstacles_investigated_at: AwareDatetime | None = None
    equipment_prepared_at: AwareDatetime | None = None
    oral_presented_at: AwareDatetime | None = None
    written_sent_at: AwareDatetime | None = None
    proposed_mount_at: AwareDatetime | None = None
    proposed_mount_place: str = ""
    decided_by_type: str = ""
    decision: Literal["", "granted", "rejected", "without_eo"] = ""
    decided_at: AwareDatetime | None = None
    eo_start_at: AwareDatetime | None = None
    eo_end_at: AwareDatetime | None = None
    served_at: AwareDatetime | None = None
    contact_person_protected: str = ""
    contact_person_prohibited: str = ""
    contact_persons_appointed_at: AwareDatetime | None = None
    pm438_3_sent_at: AwareDatetime | None = None
    pm438_3_contact_persons: list[str] = Field(default_factory=list, max_length=10)
    residence_other_area: bool = False
    residence_area_informed_at: AwareDatetime | None = None
    talk_prohibited_at: AwareDatetime | None = None
    talk_protected_at: AwareDatetime | None = None
    equipment_model: str = ""
    equipment_tested_at: AwareDatetime | None = None
    reserve_available: bool = False
    obstacle_at: AwareDatetime | None = None
    prosecutor_consulted_at: AwareDatetime | None = None
    mount_at: AwareDatetime | None = None
    mount_place: str = ""
    mount_special_reasons: str = ""
    mounted_by: list[PersonIn] = Field(default_factory=list, max_length=10)
    itsys_activated_at: AwareDatetime | None = None
    lc_activated_at: AwareDatetime | None = None
    end_decision_at: AwareDatetime | None = None
    rlc_notified_of_end_at: AwareDatetime | None = None
    summons_sent_at: AwareDatetime | None = None
    closing_talk_protected_at: AwareDatetime | None = None
    closing_talk_prohibited_at: AwareDatetime | None = None
    needs_assessed_at: AwareDatetime | None = None
    itsys_deactivated_at: AwareDatetime | None = None
    lc_deactivated_at: AwareDatetime | None = None
    dismount_at: AwareDatetime | None = None
    dismounted_by: list[PersonIn] = Field(default_factory=list, max_length=10)
    uninstalled_at: AwareDatetime | None = None
    exceptions: list[ExceptionIn] = Field(default_factory=list, max_length=20)
    approved_models: list[str] | None = Field(None, description="default: the approved models in Biträde")

    def to_facts(self, approved_models: tuple[str, ...] = ()) -> rules.CaseFacts:
        data = self.model_dump(exclude={"state", "directives", "mounted_by", "dismounted_by", "exceptions",
                                        "approved_models", "pm438_3_contact_persons"})
        return rules.CaseFacts(
            **data,
            directives=tuple(rules.Directive(**d.model_dump()) for d in self.directives),
            mounted_by=tuple(rules.Person(**p.model_dump()) for p in self.mounted_by),
            dismounted_by=tuple(rules.Person(**p.model_dump()) for p in self.dismounted_by),
            exceptions=tuple(rules.Exception26(**e.model_dump()) for e in self.exceptions),
            pm438_3_contact_persons=tuple(self.pm438_3_contact_persons),
            approved_models=tuple(self.approved_models) if self.approved_models is not None else approved_models,
        )


class Position(_In):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class AlarmIn(_In):
    """One alarm as the monitoring system sends it."""

    alarm_id: str = Field(min_length=1, max_length=64, description="the supplier's id of the alarm (idempotency)")
    device_id: str = Field(min_length=1, max_length=64, description="the anklet or home unit")
    sequence: int = Field(ge=0, description="the device's own running number (order per device)")
    type: str = Field(min_length=2, max_length=32, description="zone_entry, tamper, strap, battery_low, …")
    raised_at: AwareDatetime
    case: str = Field("", max_length=32, description="the case's reference number, if the system knows it")
    position: Position | None = None
    details: dict = Field(default_factory=dict)

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if not value.replace("_", "").isalnum():
            raise ValueError("Larmtypen får bara innehålla bokstäver, siffror och understreck.")
        return value


class AlarmBatchIn(_In):
    """A backlog: each item is an ``AlarmIn``; an item that is not valid is kept as it came (a plain object)
    and answered ``rejected`` on its own, so one bad alarm does not refuse the batch."""

    alarms: list[Annotated[AlarmIn | dict, Field(union_mode="left_to_right")]] = Field(min_length=1,
                                                                                     max_length=1000)


class RouteAlarmIn(AlarmIn):
    """``bitrade em route-alarm``: the alarm plus the case's region or police area."""

    region: str = ""
    police_area: str = ""


def when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
