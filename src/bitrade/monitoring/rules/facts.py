"""The facts of a contact-ban case as the rules read them (plain data; the services and the
``bitrade em check`` command build them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .base import Exception26

DECISION_MAKERS = ("prosecutor", "court")  # åklagare, domstol (1 §)
APPLICATION_FORM = "PM 438.2"
RLC_FORM = "PM 438.3"
POLICE_PREMISES = "police_premises"


@dataclass(frozen=True)
class Directive:
    """A measure the prosecutor directs in the investigation (9 §)."""

    measure: str
    received_at: datetime
    done_at: datetime | None = None


@dataclass(frozen=True)
class Person:
    """Someone at a mounting or dismounting, and whether they have been assessed suitable (18 §, 25 §)."""

    name: str
    suitable: bool = False


@dataclass(frozen=True)
class CaseFacts:
    # the request and the application (6–8 §§)
    request_received_at: datetime | None = None
    application_form: str = ""
    eo_requested: bool = True
    other_measures_assessed_at: datetime | None = None
    other_measures_bops_consulted: bool = False
    area_count: int = 0  # ban areas marked on the map
    area_text: str = ""  # the areas described in text
    sent_to_prosecutor_at: datetime | None = None
    # the investigation (9–10 §§, 14 §)
    investigation_opened_at: datetime | None = None
    directives: tuple[Directive, ...] = ()
    protected_asked_about_area_at: datetime | None = None
    informed_right_to_counsel_at: datetime | None = None
    prohibited_interviewed_at: datetime | None = None
    prohibited_asked_reason_at: datetime | None = None
    obstacles_investigated_at: datetime | None = None
    equipment_prepared_at: datetime | None = None
    oral_presented_at: datetime | None = None
    written_sent_at: datetime | None = None
    proposed_mount_at: datetime | None = None
    proposed_mount_place: str = ""
    # the decision (1 §, 11 §, 15–16 §§)
    decided_by_type: str = ""  # prosecutor | court
    decision: str = ""  # granted | rejected | without_eo
    decided_at: datetime | None = None
    eo_start_at: datetime | None = None
    eo_end_at: datetime | None = None
    served_at: datetime | None = None
    contact_person_protected: str = ""
    contact_person_prohibited: str = ""
    contact_persons_appointed_at: datetime | None = None
    pm438_3_sent_at: datetime | None = None
    pm438_3_contact_persons: tuple[str, ...] = ()
    residence_other_area: bool = False
    residence_area_informed_at: datetime | None = None
    # preparing the start (12–13 §§, 17 §)
    talk_prohibited_at: datetime | None = None
    talk_protected_at: datetime | None = None
    equipment_model: str = ""
    equipment_tested_at: datetime | None = None
    reserve_available: bool = False
    obstacle_at: datetime | None = None
    prosecutor_consulted_at: datetime | None = None
    # mounting (10 §, 18 §)
    mount_at: datetime | None = None
    mount_place: str = ""
    mount_special_reasons: str = ""
    mounted_by: tuple[Person, ...] = ()
    itsys_activated_at: datetime | None = None
    lc_activated_at: datetime | None = None
    # the end (23–25 §§)
    end_decision_at: datetime | None = None
    rlc_notified_of_end_at: datetime | None = None
    summons_sent_at: datetime | None = None
    closing_talk_protected_at: datetime | None = None
    closing_talk_prohibited_at: datetime | None = None
    needs_assessed_at: datetime | None = None
    itsys_deactivated_at: datetime | None = None
    lc_deactivated_at: datetime | None = None
    dismount_at: datetime | None = None
    dismounted_by: tuple[Person, ...] = ()
    uninstalled_at: datetime | None = None
    exceptions: tuple[Exception26, ...] = field(default_factory=tuple)
    approved_models: tuple[str, ...] = ()
