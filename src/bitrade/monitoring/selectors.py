"""Reads of contact-ban data, scoped to the actor: plain data, no display and no audit (the services
audit what they show: ``services.protected_person`` for whereabouts, ``console_alarms`` reads)."""

from __future__ import annotations

from datetime import datetime

from bitrade.common.actor import Actor

from . import rules
from .models import Alarm, ContactBan, Device


def contact_ban(case) -> ContactBan | None:
    return ContactBan.objects.select_related("case", "rlc", "police_area", "contact_person_protected",
                                             "contact_person_prohibited").filter(case_id=case.pk).first()


def areas(ban: ContactBan) -> list:
    return list(ban.areas.all())


def exceptions(ban: ContactBan) -> list:
    return list(ban.exceptions.order_by("decided_at"))


def case_alarms(ban: ContactBan, limit: int = 50) -> list[Alarm]:
    return list(ban.alarms.order_by("-raised_at")[:limit])


def devices(ban: ContactBan) -> list[Device]:
    return list(ban.devices.select_related("system"))


def console_alarms(actor: Actor, now: datetime, *, limit: int = 100) -> list[Alarm]:
    """The open alarms of the actor's unit: RLC alarms at once, BOPS alarms also while queued."""
    if not (actor.is_police and actor.unit_id):
        return []
    qs = (Alarm.objects.filter(unit_id=actor.unit_id).exclude(state=rules.ALARM_CLOSED)
          .select_related("contact_ban__case", "contact_ban__police_area")
          .prefetch_related("informed", "contact_ban__areas"))
    return list(qs.order_by("-category", "handle_from", "-raised_at")[:limit])


def alarm(actor: Actor, pk: int) -> Alarm | None:
    if not (actor.is_police and actor.unit_id):
        return None
    return (Alarm.objects.select_related("contact_ban__case", "contact_ban__police_area")
            .prefetch_related("informed", "contact_ban__areas").filter(pk=pk, unit_id=actor.unit_id).first())


def latest_alarm_id(unit_id: int) -> int:
    last = Alarm.objects.filter(unit_id=unit_id).order_by("-pk").values_list("pk", flat=True).first()
    return last or 0


def alarms_after(unit_id: int, after_id: int, limit: int = 50) -> list[dict]:
    return list(Alarm.objects.filter(unit_id=unit_id, pk__gt=after_id).order_by("pk")
                .values("pk", "category", "alarm_type", "raised_at", "state", "handle_from")[:limit])


def national_overview() -> list[dict]:
    """NOA's national view (22 §): ongoing cases without personal data."""
    rows = (ContactBan.objects.select_related("case", "police_area__region")
            .exclude(case__state__in=list(rules.CLOSED_STATES)).order_by("police_area__region__name"))
    return [{"reference": b.case.reference_number, "region": b.police_area.region.name, "area": b.police_area.name,
             "state": rules.STATE_LABELS.get(b.case.state, b.case.state), "eo_start_at": b.eo_start_at,
             "eo_end_at": b.eo_end_at, "alarms_open": b.alarms.exclude(state=rules.ALARM_CLOSED).count()}
            for b in rows]


def flow_figures() -> dict:
    """Analysts' figures: time from decision to mounting, alarms per category and time to close."""
    bans = list(ContactBan.objects.exclude(decided_at=None).exclude(mount_at=None).values("decided_at", "mount_at"))
    hours = sorted((b["mount_at"] - b["decided_at"]).total_seconds() / 3600 for b in bans)
    per_category = {c: Alarm.objects.filter(category=c).count() for c in rules.CATEGORY_LABELS}
    closed = list(Alarm.objects.exclude(closed_at=None).values("raised_at", "closed_at", "category"))
    minutes = {c: sorted((a["closed_at"] - a["raised_at"]).total_seconds() / 60 for a in closed if a["category"] == c)
               for c in rules.CATEGORY_LABELS}
    from .models import ExceptionDecision

    return {
        "decision_to_mount_median_hours": hours[len(hours) // 2] if hours else None,
        "alarms_per_category": per_category,
        "minutes_to_close_median": {c: (v[len(v) // 2] if v else None) for c, v in minutes.items()},
        "exceptions": ExceptionDecision.objects.count(),
    }


def police_areas_by_region() -> list[tuple[str, list]]:
    """Every police area, grouped by region: where a contact ban can apply (2 §). No personal data."""
    from bitrade.organisation.models import PoliceArea

    out: dict[str, list] = {}
    for area in PoliceArea.objects.select_related("region").order_by("region__name", "name"):
        out.setdefault(area.region.name, []).append(area)
    return list(out.items())
