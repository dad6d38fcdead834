"""The geography the follow-up groups by and divides by: police regions, police areas and the municipalities'
populations, read in three queries and kept per process for one version of the routing configuration, which every
change of a region, police area or municipality bumps in the same transaction (``routing.signals``) and which a
request reads once anyway (``organisation.actor.membership_version``). Without a version (no web shell installed
it) they are read on every call."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Geography:
    #: (id, code, name) of every police region, by name (the database's order).
    regions: tuple[tuple[int, str, str], ...]
    #: (id, code, name, region id, region name) of every police area, by region name and name.
    areas: tuple[tuple[int, str, str, int, str], ...]
    #: (police area id, region id, population) of every municipality with a population.
    municipalities: tuple[tuple[int, int, int], ...]


_KEPT: dict[str, Geography] = {}
_LOCK = threading.Lock()


def _read() -> Geography:
    from bitrade.organisation.models import Municipality, PoliceArea, PoliceRegion

    return Geography(
        regions=tuple(PoliceRegion.objects.order_by("name").values_list("id", "code", "name")),
        areas=tuple(PoliceArea.objects.order_by("region__name", "name").values_list(
            "id", "code", "name", "region_id", "region__name")),
        municipalities=tuple(Municipality.objects.filter(population__isnull=False).order_by("pk").values_list(
            "police_area_id", "police_area__region_id", "population")),
    )


def current() -> Geography:
    from bitrade.organisation import actor

    version = actor.membership_version() if actor.membership_version is not None else None
    if version is None:
        return _read()
    kept = _KEPT.get(version)
    if kept is None:
        kept = _read()
        with _LOCK:
            _KEPT.clear()  # only the current version is kept
            _KEPT[version] = kept
    return kept


def clear() -> None:
    with _LOCK:
        _KEPT.clear()
