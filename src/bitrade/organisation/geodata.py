"""Geographic organisation of the Swedish Police: regions, police areas,
local police areas and the 290 municipalities they cover.

This module is deliberately pure: it uses only the standard library (no
Django) so that it can be imported anywhere, including in scripts and tests
that run without a configured database.

Data files (package data in ``bitrade/organisation/data``):

``police_structure.json``
    The seven police regions (``polisregioner``), each with the counties
    (``län``) it covers, its police areas (``polisområden``) and, where
    known, the local police areas (``lokalpolisområden``, LPO) of each police
    area. Codes are ASCII slugs: ``<region>``, ``<region>-<area>`` and
    ``<region>-<area>-<lpo>``.

``municipalities.csv``
    All 290 municipalities (``kommuner``) with their official four-digit
    ``kommunkod``, county, police area and, where known, local police area.
    An empty ``local_police_area_code`` means the LPO is not recorded (for
    example because the municipality is split between several LPOs, as
    Stockholm, Göteborg and Malmö are).

Population figures are APPROXIMATE: rounded estimates of the registered
population around the end of 2023, intended only for rough per-100,000
rates. They are not official statistics and should be refreshed from
Statistics Sweden (SCB) before being used for anything that needs precision.
Likewise, the police organisation is revised from time to time; the data
reflects the division as understood at the time of writing (for example
Region Syd's five police areas from September 2018).

Validation is strict: any inconsistency raises :class:`GeoDataError` with a
message (in Swedish) naming the file, the row and the problem.
"""

from __future__ import annotations

import csv
import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

__all__ = [
    "DEFAULT_DATA_DIR",
    "MUNICIPALITIES_FILE",
    "STRUCTURE_FILE",
    "GeoData",
    "GeoDataError",
    "LocalPoliceArea",
    "Municipality",
    "PoliceArea",
    "Region",
    "UnknownMunicipality",
    "load_geodata",
]

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"
STRUCTURE_FILE = "police_structure.json"
MUNICIPALITIES_FILE = "municipalities.csv"

CSV_HEADER = (
    "kommunkod",
    "name",
    "county_code",
    "county_name",
    "police_area_code",
    "local_police_area_code",
    "population",
)

_KOMMUNKOD_RE = re.compile(r"^[0-9]{4}$")
_COUNTY_CODE_RE = re.compile(r"^[0-9]{2}$")
_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_POPULATION_RE = re.compile(r"^[0-9]+$")


class GeoDataError(ValueError):
    """The geographic data files are missing, malformed or inconsistent."""


class UnknownMunicipality(KeyError):
    """Lookup of a kommunkod that is not in the data."""

    def __init__(self, kommunkod: str) -> None:
        super().__init__(kommunkod)
        self.kommunkod = kommunkod

    def __str__(self) -> str:
        return f"Okänd kommunkod: {self.kommunkod}"


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    rlc_city: str
    county_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PoliceArea:
    code: str
    name: str
    region_code: str


@dataclass(frozen=True, slots=True)
class LocalPoliceArea:
    code: str
    name: str
    police_area_code: str


@dataclass(frozen=True, slots=True)
class Municipality:
    kommunkod: str
    name: str
    county_code: str
    county_name: str
    police_area_code: str
    local_police_area_code: str | None
    population: int


@dataclass(frozen=True)
class GeoData:
    """Validated, read-only view of the police geography.

    All mappings are keyed by code (``kommunkod`` for municipalities) and
    preserve the order of the data files.
    """

    regions: Mapping[str, Region]
    police_areas: Mapping[str, PoliceArea]
    local_police_areas: Mapping[str, LocalPoliceArea]
    municipalities: Mapping[str, Municipality]

    # -- lookups by kommunkod -------------------------------------------------

    def municipality(self, kommunkod: str | int) -> Municipality:
        key = _normalise_kommunkod(kommunkod)
        try:
            return self.municipalities[key]
        except KeyError:
            raise UnknownMunicipality(key) from None

    def police_area_of(self, kommunkod: str | int) -> PoliceArea:
        return self.police_areas[self.municipality(kommunkod).police_area_code]

    def region_of(self, kommunkod: str | int) -> Region:
        return self.regions[self.police_area_of(kommunkod).region_code]

    def local_police_area_of(self, kommunkod: str | int) -> LocalPoliceArea | None:
        code = self.municipality(kommunkod).local_police_area_code
        return self.local_police_areas[code] if code else None

    # -- lookups by organisational unit ---------------------------------------

    def police_areas_in_region(self, region_code: str) -> tuple[PoliceArea, ...]:
        self._require(self.regions, region_code, "polisregion")
        return tuple(p for p in self.police_areas.values() if p.region_code == region_code)

    def municipalities_in_police_area(self, police_area_code: str) -> tuple[Municipality, ...]:
        self._require(self.police_areas, police_area_code, "polisområde")
        return tuple(m for m in self.municipalities.values() if m.police_area_code == police_area_code)

    def municipalities_in_region(self, region_code: str) -> tuple[Municipality, ...]:
        area_codes = {p.code for p in self.police_areas_in_region(region_code)}
        return tuple(m for m in self.municipalities.values() if m.police_area_code in area_codes)

    def population_of_region(self, region_code: str) -> int:
        """Approximate population (see module docstring)."""
        return sum(m.population for m in self.municipalities_in_region(region_code))

    @staticmethod
    def _require(mapping: Mapping[str, Any], code: str, what: str) -> None:
        if code not in mapping:
            raise KeyError(f"Okänd {what}: {code}")


def _normalise_kommunkod(kommunkod: str | int) -> str:
    if isinstance(kommunkod, bool):  # bool is an int subclass; never a kommunkod
        return str(kommunkod)
    if isinstance(kommunkod, int):
        return f"{kommunkod:04d}"
    return str(kommunkod).strip()


# -- loading ------------------------------------------------------------------


def load_geodata(data_dir: Path | None = None) -> GeoData:
    """Load and validate the geographic data.

    With no argument the packaged data is used and the result is cached
    (the files are static package data and :class:`GeoData` is read-only).
    Passing ``data_dir`` always reads the files afresh from that directory.
    """
    if data_dir is None:
        return _load_default()
    return _load(Path(data_dir))


@functools.lru_cache(maxsize=1)
def _load_default() -> GeoData:
    return _load(DEFAULT_DATA_DIR)


def _load(data_dir: Path) -> GeoData:
    regions, police_areas, local_police_areas = _load_structure(data_dir / STRUCTURE_FILE)
    municipalities = _load_municipalities(
        data_dir / MUNICIPALITIES_FILE, regions, police_areas, local_police_areas
    )
    return GeoData(
        regions=MappingProxyType(regions),
        police_areas=MappingProxyType(police_areas),
        local_police_areas=MappingProxyType(local_police_areas),
        municipalities=MappingProxyType(municipalities),
    )


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GeoDataError(f"{path.name}: filen saknas ({path})") from None
    except UnicodeDecodeError as exc:
        raise GeoDataError(f"{path.name}: filen är inte giltig UTF-8 ({exc})") from None


def _str_field(obj: Mapping[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise GeoDataError(f"{where}: fältet '{key}' saknas eller är tomt")
    return value


def _list_field(obj: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = obj.get(key)
    if not isinstance(value, list):
        raise GeoDataError(f"{where}: fältet '{key}' måste vara en lista")
    return value


def _check_slug(code: str, prefix: str | None, where: str) -> None:
    if not _SLUG_RE.match(code):
        raise GeoDataError(f"{where}: ogiltig kod '{code}' (endast a-z, 0-9 och bindestreck)")
    if prefix is not None and not code.startswith(prefix + "-"):
        raise GeoDataError(f"{where}: koden '{code}' måste börja med '{prefix}-'")


def _load_structure(
    path: Path,
) -> tuple[dict[str, Region], dict[str, PoliceArea], dict[str, LocalPoliceArea]]:
    fname = path.name
    try:
        raw = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise GeoDataError(f"{fname}: ogiltig JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise GeoDataError(f"{fname}: toppnivån måste vara ett objekt")

    regions: dict[str, Region] = {}
    police_areas: dict[str, PoliceArea] = {}
    local_police_areas: dict[str, LocalPoliceArea] = {}
    county_owner: dict[str, str] = {}

    raw_regions = _list_field(raw, "regions", fname)
    if not raw_regions:
        raise GeoDataError(f"{fname}: inga polisregioner")

    for r_index, r in enumerate(raw_regions):
        where = f"{fname}: regions[{r_index}]"
        if not isinstance(r, dict):
            raise GeoDataError(f"{where}: måste vara ett objekt")
        r_code = _str_field(r, "code", where)
        where = f"{fname}: polisregion '{r_code}'"
        _check_slug(r_code, None, where)
        if r_code in regions:
            raise GeoDataError(f"{where}: regionkoden förekommer flera gånger")

        counties = _list_field(r, "counties", where)
        if not counties:
            raise GeoDataError(f"{where}: inga län angivna")
        for county in counties:
            if not isinstance(county, str) or not _COUNTY_CODE_RE.match(county):
                raise GeoDataError(f"{where}: ogiltig länskod {county!r} (två siffror krävs)")
            if county in county_owner:
                raise GeoDataError(
                    f"{where}: län {county} tillhör redan polisregion '{county_owner[county]}'"
                )
            county_owner[county] = r_code

        raw_areas = _list_field(r, "police_areas", where)
        if not raw_areas:
            raise GeoDataError(f"{where}: regionen saknar polisområden")

        regions[r_code] = Region(
            code=r_code,
            name=_str_field(r, "name", where),
            rlc_city=_str_field(r, "rlc_city", where),
            county_codes=tuple(counties),
        )

        for p_index, p in enumerate(raw_areas):
            p_where = f"{where}: police_areas[{p_index}]"
            if not isinstance(p, dict):
                raise GeoDataError(f"{p_where}: måste vara ett objekt")
            p_code = _str_field(p, "code", p_where)
            p_where = f"{fname}: polisområde '{p_code}'"
            _check_slug(p_code, r_code, p_where)
            if p_code in police_areas:
                raise GeoDataError(f"{p_where}: polisområdeskoden förekommer flera gånger")
            police_areas[p_code] = PoliceArea(
                code=p_code, name=_str_field(p, "name", p_where), region_code=r_code
            )

            for l_index, lpo in enumerate(_list_field(p, "local_police_areas", p_where)):
                l_where = f"{p_where}: local_police_areas[{l_index}]"
                if not isinstance(lpo, dict):
                    raise GeoDataError(f"{l_where}: måste vara ett objekt")
                l_code = _str_field(lpo, "code", l_where)
                l_where = f"{fname}: lokalpolisområde '{l_code}'"
                _check_slug(l_code, p_code, l_where)
                if l_code in local_police_areas:
                    raise GeoDataError(f"{l_where}: LPO-koden förekommer flera gånger")
                local_police_areas[l_code] = LocalPoliceArea(
                    code=l_code, name=_str_field(lpo, "name", l_where), police_area_code=p_code
                )

    return regions, police_areas, local_police_areas


def _load_municipalities(
    path: Path,
    regions: Mapping[str, Region],
    police_areas: Mapping[str, PoliceArea],
    local_police_areas: Mapping[str, LocalPoliceArea],
) -> dict[str, Municipality]:
    fname = path.name
    reader = csv.reader(_read_text(path).splitlines())
    header = next(reader, None)
    if header is None:
        raise GeoDataError(f"{fname}: filen är tom")
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    if tuple(header) != CSV_HEADER:
        raise GeoDataError(
            f"{fname}: fel rubrikrad {','.join(header)!r}, förväntade {','.join(CSV_HEADER)!r}"
        )

    county_region = {county: r.code for r in regions.values() for county in r.county_codes}
    county_names: dict[str, str] = {}
    municipalities: dict[str, Municipality] = {}

    for line_no, row in enumerate(reader, start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        where = f"{fname} rad {line_no}"
        if len(row) != len(CSV_HEADER):
            raise GeoDataError(f"{where}: {len(row)} kolumner, förväntade {len(CSV_HEADER)}")
        kommunkod, name, county_code, county_name, area_code, lpo_code, population = (
            cell.strip() for cell in row
        )

        if not _KOMMUNKOD_RE.match(kommunkod):
            raise GeoDataError(f"{where}: kommunkoden '{kommunkod}' måste vara fyra siffror")
        if kommunkod in municipalities:
            raise GeoDataError(f"{where}: kommunkoden {kommunkod} förekommer flera gånger")
        where = f"{where} (kommun {kommunkod})"
        if not name:
            raise GeoDataError(f"{where}: kommunnamn saknas")
        if not _COUNTY_CODE_RE.match(county_code):
            raise GeoDataError(f"{where}: ogiltig länskod '{county_code}'")
        if not kommunkod.startswith(county_code):
            raise GeoDataError(f"{where}: kommunkoden stämmer inte med länskoden {county_code}")
        if county_code not in county_region:
            raise GeoDataError(f"{where}: län {county_code} tillhör ingen polisregion")
        if not county_name:
            raise GeoDataError(f"{where}: länsnamn saknas")
        previous_name = county_names.setdefault(county_code, county_name)
        if previous_name != county_name:
            raise GeoDataError(f"{where}: län {county_code} heter både '{previous_name}' och '{county_name}'")

        area = police_areas.get(area_code)
        if area is None:
            raise GeoDataError(f"{where}: okänd polisområdeskod '{area_code}'")
        if area.region_code != county_region[county_code]:
            raise GeoDataError(
                f"{where}: polisområde '{area_code}' hör till polisregion "
                f"'{area.region_code}', men län {county_code} hör till polisregion "
                f"'{county_region[county_code]}'"
            )

        if lpo_code:
            lpo = local_police_areas.get(lpo_code)
            if lpo is None:
                raise GeoDataError(f"{where}: okänd lokalpolisområdeskod '{lpo_code}'")
            if lpo.police_area_code != area_code:
                raise GeoDataError(
                    f"{where}: lokalpolisområde '{lpo_code}' hör till polisområde "
                    f"'{lpo.police_area_code}', inte '{area_code}'"
                )

        if not _POPULATION_RE.match(population) or int(population) <= 0:
            raise GeoDataError(f"{where}: folkmängden '{population}' måste vara ett positivt heltal")

        municipalities[kommunkod] = Municipality(
            kommunkod=kommunkod,
            name=name,
            county_code=county_code,
            county_name=county_name,
            police_area_code=area_code,
            local_police_area_code=lpo_code or None,
            population=int(population),
        )

    if not municipalities:
        raise GeoDataError(f"{fname}: inga kommuner")

    _check_coverage(fname, regions, police_areas, municipalities.values())
    return municipalities


def _check_coverage(
    fname: str,
    regions: Mapping[str, Region],
    police_areas: Mapping[str, PoliceArea],
    municipalities: Iterable[Municipality],
) -> None:
    """Every police area and every county of every region must be populated."""
    used_areas: set[str] = set()
    used_counties: set[str] = set()
    for m in municipalities:
        used_areas.add(m.police_area_code)
        used_counties.add(m.county_code)
    empty_areas = [code for code in police_areas if code not in used_areas]
    if empty_areas:
        raise GeoDataError(f"{fname}: polisområden utan kommuner: {', '.join(empty_areas)}")
    empty_counties = [
        county for r in regions.values() for county in r.county_codes if county not in used_counties
    ]
    if empty_counties:
        raise GeoDataError(f"{fname}: län utan kommuner: {', '.join(empty_counties)}")
