"""Facts of contact-ban cases for the tests: a case ready to mount, and one ended and dismounted."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bitrade.monitoring.rules import CaseFacts, Directive, Person

TZ = ZoneInfo("Europe/Stockholm")
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=TZ)  # a Monday


def at(days: float = 0, hours: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours)


def application() -> CaseFacts:
    return CaseFacts(
        request_received_at=at(), application_form="PM 438.2", other_measures_assessed_at=at(hours=2),
        other_measures_bops_consulted=True, area_count=1, area_text="Bostaden på Storgatan 1 med 500 meters radie.",
        approved_models=("EM-100",),
    )


def reported() -> CaseFacts:
    return replace(
        application(), sent_to_prosecutor_at=at(hours=3), investigation_opened_at=at(1),
        directives=(Directive("Hör förbudspersonen", at(1), at(1, 5)),),
        protected_asked_about_area_at=at(1, 2), informed_right_to_counsel_at=at(1, 3),
        prohibited_interviewed_at=at(1, 4), prohibited_asked_reason_at=at(1, 4), obstacles_investigated_at=at(1, 5),
        equipment_prepared_at=at(1, 6), oral_presented_at=at(2), written_sent_at=at(2, 3),
        proposed_mount_at=at(4), proposed_mount_place="police_premises",
    )


def decided() -> CaseFacts:
    return replace(reported(), decided_by_type="prosecutor", decision="granted", decided_at=at(3),
                   eo_start_at=at(4), eo_end_at=at(120), served_at=at(3, 4))


def ready_to_mount() -> CaseFacts:
    return replace(
        decided(), contact_person_protected="Kim KP-S", contact_person_prohibited="Alex KP-F",
        contact_persons_appointed_at=at(3, 1), pm438_3_sent_at=at(3, 2),
        pm438_3_contact_persons=("Kim KP-S", "Alex KP-F"), talk_prohibited_at=at(3, 4), talk_protected_at=at(3, 5),
        equipment_model="EM-100", equipment_tested_at=at(3, 6), reserve_available=True,
        mount_place="police_premises", mounted_by=(Person("Kim KP-S", True), Person("Robin Polis", True)),
    )


def mounted() -> CaseFacts:
    return replace(ready_to_mount(), mount_at=at(4), itsys_activated_at=at(4, 1), lc_activated_at=at(4, 1))


def dismounted() -> CaseFacts:
    return replace(
        mounted(), summons_sent_at=at(100), end_decision_at=None, rlc_notified_of_end_at=None,
        closing_talk_protected_at=at(120), closing_talk_prohibited_at=at(120), needs_assessed_at=at(120, 2),
        itsys_deactivated_at=at(120), lc_deactivated_at=at(120), dismount_at=at(120, 1), uninstalled_at=at(120, 2),
        dismounted_by=(Person("Kim KP-S", True), Person("Robin Polis", True)),
    )
