"""Reads of the organisation, scoped to the actor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from bitrade.common import memo

from .actor import Actor
from .models import ApiKey, Municipality, Person, RequestingOrganisation, Unit, UnitKind
from .rules import OpenStatus, WeeklyHours, is_open


def unit_for(actor: Actor) -> Unit:
    if actor.unit_id is None:
        raise PermissionDenied("Du agerar inte för någon polisenhet.")
    return Unit.objects.select_related("region", "police_area").get(pk=actor.unit_id)


@dataclass(frozen=True)
class UnitSummary:
    """What the police start page shows of the actor's unit, and its office hours (every row, with the
    dates it holds): plain values, safe to keep across requests and threads."""

    id: int
    name: str
    kind: str
    kind_label: object  # the kind's (lazily translated) name
    region_name: str
    police_area_name: str
    always_open: bool
    hours: tuple[tuple[int, time, time, date | None, date | None], ...]

    def weekly_hours(self, on: date) -> tuple[WeeklyHours, ...]:
        return tuple(WeeklyHours(day, opens, closes) for day, opens, closes, since, until in self.hours
                     if (since is None or since <= on) and (until is None or until >= on))

    def open_status(self, at: datetime) -> OpenStatus:
        return is_open(self.weekly_hours(timezone.localtime(at).date()), at, always_open=self.always_open)


def unit_summary(actor: Actor) -> UnitSummary:
    """The actor's unit as the start page shows it, with its office hours: two queries (the web shell keeps
    it per configuration version, which every change of a unit, its hours, area or region bumps)."""
    unit = unit_for(actor)
    return UnitSummary(
        id=unit.pk, name=unit.name, kind=unit.kind, kind_label=UnitKind(unit.kind).label if unit.kind in UnitKind.values
        else unit.kind, region_name=unit.region.name,
        police_area_name=unit.police_area.name if unit.police_area else "", always_open=unit.always_open,
        hours=tuple((h.weekday, h.opens, h.closes, h.valid_from, h.valid_to) for h in unit.office_hours.all()))


def organisation_for(actor: Actor) -> RequestingOrganisation:
    if actor.organisation_id is None:
        raise PermissionDenied("Du agerar inte för någon organisation.")
    pk = actor.organisation_id
    # Read once per request: an API key's authentication already loaded it (services.authenticate_api_key).
    return memo.remembered(("organisation", pk), lambda: RequestingOrganisation.objects.get(pk=pk))


def weekly_hours(unit: Unit, on=None) -> tuple[WeeklyHours, ...]:
    on = on or timezone.localdate()
    rows = [
        h for h in unit.office_hours.all()
        if (h.valid_from is None or h.valid_from <= on) and (h.valid_to is None or h.valid_to >= on)
    ]
    return tuple(WeeklyHours(h.weekday, h.opens, h.closes) for h in rows)


def open_status(unit: Unit, at: datetime) -> OpenStatus:
    return is_open(weekly_hours(unit, timezone.localtime(at).date()), at, always_open=unit.always_open)


def municipality_by_code(code: str) -> Municipality | None:
    return Municipality.objects.select_related("police_area", "police_area__region").filter(code=code).first()


def admin_counts(actor: Actor) -> dict:
    if not actor.is_administrator:
        raise PermissionDenied("Endast administratörer.")
    return {
        "units": Unit.objects.count(),
        "municipalities": Municipality.objects.count(),
        "organisations": RequestingOrganisation.objects.count(),
        "people": Person.objects.count(),
    }


def person_of(actor: Actor) -> Person:
    """The logged-in person behind the actor."""
    if actor.person_id is None:
        raise PermissionDenied("Du är inte inloggad som en person.")
    return Person.objects.get(pk=actor.person_id)


def staff_role(actor: Actor) -> str:
    """The actor's role at their requesting organisation ("" if none)."""
    from .models import StaffMembership

    staff = (StaffMembership.objects.filter(person_id=actor.person_id, organisation_id=actor.organisation_id,
                                            role=actor.role).first())
    return staff.role if staff else ""


def municipalities():
    """Every municipality, by county, for choosing where the person is."""
    return Municipality.objects.select_related("county").order_by("county__code", "name")


def active_police_units() -> list[dict]:
    """Every active police unit (id, name, region name), for choosing where a case goes."""
    return [{"id": pk, "name": name, "region": region} for pk, name, region in
            Unit.objects.filter(active=True).order_by("region__name", "name").values_list("id", "name", "region__name")]
def api_keys(actor: Actor) -> list[ApiKey]:
    """Every API key (never its secret) for the administrator's key page."""
    if not actor.is_administrator:
        raise PermissionDenied("Endast administratörer ser API-nycklarna.")
    return list(ApiKey.objects.select_related("organisation", "created_by").order_by("organisation__name", "-created_at"))


def api_key(actor: Actor, pk: int) -> ApiKey | None:
    if not actor.is_administrator:
        raise PermissionDenied("Endast administratörer ser API-nycklarna.")
    return ApiKey.objects.filter(pk=pk).first()


def requesting_organisations(*, active_only: bool = True) -> list[RequestingOrganisation]:
    qs = RequestingOrganisation.objects.order_by("name")
    return list(qs.filter(active=True) if active_only else qs)


def requesting_organisation(pk) -> RequestingOrganisation | None:
    return RequestingOrganisation.objects.filter(pk=pk, active=True).first()
