"""The geography the follow-up groups by and divides by: police regions, police areas and the municipalities'
populations, read in three queries and kept per process for one version of the routing configuration, which every
change of a region, police area or municipality bumps in the same transaction (``routing.signals``) and which a
request reads once anyway (``organisation.actor.membership_version``). Without a version (no web shell installed
it) they are read on every call. The names of units and requesting organisations (the rows of a comparison per unit
or organisation) are kept the same way, read the first time they are asked for in a version; a change of either
bumps the version too."""

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
#: version -> kind ("unit" or "organisation") -> id -> name
_NAMES: dict[str, dict[str, dict[int, str]]] = {}
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


def _version() -> str | None:
    from bitrade.organisation import actor

    return actor.membership_version() if actor.membership_version is not None else None


def current() -> Geography:
    version = _version()
    if version is None:
        return _read()
    kept = _KEPT.get(version)
    if kept is None:
        kept = _read()
        with _LOCK:
            _KEPT.clear()  # only the current version is kept
            _KEPT[version] = kept
    return kept


def _read_names(kind: str, ids: list[int] | None = None) -> dict[int, str]:
    from bitrade.organisation.models import RequestingOrganisation, Unit

    rows = (Unit if kind == "unit" else RequestingOrganisation).objects.all()
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return dict(rows.values_list("id", "name"))


def names(kind: str, ids) -> dict[str, str]:
    """The names of these units or requesting organisations (``kind`` "unit" or "organisation"), by id as text; an
    id that is not one of them is left out. An id the kept names lack (a row added without a version change, as a
    bulk load does) is read from the database."""
    wanted = [int(i) for i in ids if str(i).isdigit()]
    version = _version()
    if version is None:
        return {str(i): n for i, n in _read_names(kind, wanted).items()}
    kept = _NAMES.get(version, {}).get(kind)
    if kept is None:
        kept = _read_names(kind)
        with _LOCK:
            if version not in _NAMES:
                _NAMES.clear()  # only the current version is kept
                _NAMES[version] = {}
            _NAMES[version][kind] = kept
    out = {str(i): kept[i] for i in wanted if i in kept}
    missing = [i for i in wanted if i not in kept]
    if missing:
        out.update((str(i), n) for i, n in _read_names(kind, missing).items())
    return out


def clear() -> None:
    with _LOCK:
        _KEPT.clear()
        _NAMES.clear()
