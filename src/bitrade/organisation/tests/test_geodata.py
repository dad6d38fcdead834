"""Tests for the police geography data and its loader (no database needed)."""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from bitrade.organisation.geodata import (
    DEFAULT_DATA_DIR,
    MUNICIPALITIES_FILE,
    STRUCTURE_FILE,
    GeoData,
    GeoDataError,
    UnknownMunicipality,
    load_geodata,
)

EXPECTED_COUNTY_COUNTS = {
    "01": 26,  # Stockholm
    "03": 8,  # Uppsala
    "04": 9,  # Södermanland
    "05": 13,  # Östergötland
    "06": 13,  # Jönköping
    "07": 8,  # Kronoberg
    "08": 12,  # Kalmar
    "09": 1,  # Gotland
    "10": 5,  # Blekinge
    "12": 33,  # Skåne
    "13": 6,  # Halland
    "14": 49,  # Västra Götaland
    "17": 16,  # Värmland
    "18": 12,  # Örebro
    "19": 10,  # Västmanland
    "20": 15,  # Dalarna
    "21": 10,  # Gävleborg
    "22": 7,  # Västernorrland
    "23": 8,  # Jämtland
    "24": 15,  # Västerbotten
    "25": 14,  # Norrbotten
}

EXPECTED_REGIONS = {
    "nord": ("Region Nord", {"25", "24", "23", "22"}),
    "mitt": ("Region Mitt", {"03", "21", "19"}),
    "stockholm": ("Region Stockholm", {"01", "09"}),
    "ost": ("Region Öst", {"05", "06", "04"}),
    "vast": ("Region Väst", {"14", "13"}),
    "syd": ("Region Syd", {"12", "10", "07", "08"}),
    "bergslagen": ("Region Bergslagen", {"18", "17", "20"}),
}

# kommunkod -> (name, police area, region); at least two per region.
SAMPLES = {
    "2584": ("Kiruna", "nord-norrbotten", "nord"),
    "2480": ("Umeå", "nord-vasterbotten", "nord"),
    "2380": ("Östersund", "nord-jamtland", "nord"),
    "2281": ("Sundsvall", "nord-vasternorrland", "nord"),
    "0380": ("Uppsala", "mitt-uppsala", "mitt"),
    "2180": ("Gävle", "mitt-gavleborg", "mitt"),
    "1980": ("Västerås", "mitt-vastmanland", "mitt"),
    "0180": ("Stockholm", "stockholm-city", "stockholm"),
    "0184": ("Solna", "stockholm-nord", "stockholm"),
    "0127": ("Botkyrka", "stockholm-syd", "stockholm"),
    "0980": ("Gotland", "stockholm-gotland", "stockholm"),
    "0580": ("Linköping", "ost-ostergotland", "ost"),
    "0680": ("Jönköping", "ost-jonkoping", "ost"),
    "0484": ("Eskilstuna", "ost-sormland", "ost"),
    "1480": ("Göteborg", "vast-storgoteborg", "vast"),
    "1490": ("Borås", "vast-alvsborg", "vast"),
    "1488": ("Trollhättan", "vast-fyrbodal", "vast"),
    "1496": ("Skövde", "vast-skaraborg", "vast"),
    "1380": ("Halmstad", "vast-halland", "vast"),
    "1280": ("Malmö", "syd-malmo", "syd"),
    "1281": ("Lund", "syd-sodra-skane", "syd"),
    "1283": ("Helsingborg", "syd-nordvastra-skane", "syd"),
    "1080": ("Karlskrona", "syd-blekinge-nordostra-skane", "syd"),
    "0780": ("Växjö", "syd-kalmar-kronoberg", "syd"),
    "0880": ("Kalmar", "syd-kalmar-kronoberg", "syd"),
    "1880": ("Örebro", "bergslagen-orebro", "bergslagen"),
    "1780": ("Karlstad", "bergslagen-varmland", "bergslagen"),
    "2080": ("Falun", "bergslagen-dalarna", "bergslagen"),
}


@pytest.fixture(scope="module")
def geo() -> GeoData:
    return load_geodata()


# -- the packaged data ---------------------------------------------------------


def test_exactly_290_municipalities(geo: GeoData) -> None:
    assert len(geo.municipalities) == 290


def test_csv_has_290_unique_codes() -> None:
    # Read the raw file so that a duplicate cannot hide behind the dict.
    with (DEFAULT_DATA_DIR / MUNICIPALITIES_FILE).open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    codes = [row["kommunkod"] for row in rows]
    assert len(codes) == 290
    assert len(set(codes)) == 290
    names = [row["name"] for row in rows]
    assert len(set(names)) == 290


def test_municipality_count_per_county(geo: GeoData) -> None:
    counts = Counter(m.county_code for m in geo.municipalities.values())
    assert dict(counts) == EXPECTED_COUNTY_COUNTS


def test_kommunkod_matches_county(geo: GeoData) -> None:
    for code, m in geo.municipalities.items():
        assert len(code) == 4 and code.isdigit()
        assert code[:2] == m.county_code


def test_seven_regions_with_expected_counties(geo: GeoData) -> None:
    assert set(geo.regions) == set(EXPECTED_REGIONS)
    for code, (name, counties) in EXPECTED_REGIONS.items():
        region = geo.regions[code]
        assert region.name == name
        assert set(region.county_codes) == counties
        assert region.rlc_city


def test_every_region_has_a_police_area(geo: GeoData) -> None:
    for code in geo.regions:
        assert geo.police_areas_in_region(code), code


def test_every_police_area_has_a_municipality(geo: GeoData) -> None:
    for code in geo.police_areas:
        assert geo.municipalities_in_police_area(code), code


def test_municipality_county_belongs_to_region_of_its_police_area(geo: GeoData) -> None:
    for m in geo.municipalities.values():
        assert m.county_code in geo.region_of(m.kommunkod).county_codes


def test_local_police_areas_belong_to_the_municipalitys_police_area(geo: GeoData) -> None:
    for m in geo.municipalities.values():
        lpo = geo.local_police_area_of(m.kommunkod)
        if lpo is not None:
            assert lpo.police_area_code == m.police_area_code


def test_every_municipality_has_a_plausible_population(geo: GeoData) -> None:
    for m in geo.municipalities.values():
        assert 2_000 <= m.population <= 1_100_000, m
    total = sum(m.population for m in geo.municipalities.values())
    assert 10_000_000 < total < 11_000_000
    assert sum(geo.population_of_region(code) for code in geo.regions) == total


@pytest.mark.parametrize(("kommunkod", "expected"), sorted(SAMPLES.items()))
def test_sample_municipality_mapping(geo: GeoData, kommunkod: str, expected: tuple[str, str, str]) -> None:
    name, area_code, region_code = expected
    assert geo.municipality(kommunkod).name == name
    assert geo.police_area_of(kommunkod).code == area_code
    assert geo.region_of(kommunkod).code == region_code


def test_samples_cover_every_region_twice() -> None:
    per_region = Counter(region for _, _, region in SAMPLES.values())
    assert set(per_region) == set(EXPECTED_REGIONS)
    assert min(per_region.values()) >= 2


def test_malmo_police_area_and_local_police_areas(geo: GeoData) -> None:
    area = geo.police_areas["syd-malmo"]
    assert area.name == "Polisområde Malmö"
    assert {"syd-malmo-norr", "syd-malmo-soder"} <= set(geo.local_police_areas)
    assert [m.kommunkod for m in geo.municipalities_in_police_area("syd-malmo")] == ["1280"]


def test_known_local_police_area(geo: GeoData) -> None:
    lpo = geo.local_police_area_of("0182")  # Nacka
    assert lpo is not None
    assert lpo.code == "stockholm-syd-nacka"
    assert geo.local_police_area_of("0180") is None  # Stockholm spans several LPOs


def test_integer_kommunkod_is_accepted(geo: GeoData) -> None:
    assert geo.municipality(180).name == "Stockholm"


def test_default_load_is_cached_and_read_only(geo: GeoData) -> None:
    assert load_geodata() is geo
    with pytest.raises(TypeError):
        geo.municipalities["9999"] = geo.municipalities["0180"]  # type: ignore[index]


# -- unknown codes ---------------------------------------------------------------


@pytest.mark.parametrize("lookup", ["municipality", "police_area_of", "region_of"])
def test_unknown_kommunkod_raises_swedish_message(geo: GeoData, lookup: str) -> None:
    with pytest.raises(UnknownMunicipality) as excinfo:
        getattr(geo, lookup)("9999")
    assert str(excinfo.value) == "Okänd kommunkod: 9999"
    assert excinfo.value.kommunkod == "9999"
    assert isinstance(excinfo.value, KeyError)


# -- validation against corrupted copies ----------------------------------------


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    for name in (STRUCTURE_FILE, MUNICIPALITIES_FILE):
        shutil.copy(DEFAULT_DATA_DIR / name, tmp_path / name)
    return tmp_path


def _rewrite_csv(data_dir: Path, edit) -> None:
    path = data_dir / MUNICIPALITIES_FILE
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    rows = edit(rows)
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def _set_field(rows: list[list[str]], kommunkod: str, field: str, value: str) -> list[list[str]]:
    index = rows[0].index(field)
    for row in rows[1:]:
        if row[0] == kommunkod:
            row[index] = value
            return rows
    raise AssertionError(f"{kommunkod} not found")


def _rewrite_structure(data_dir: Path, edit) -> None:
    path = data_dir / STRUCTURE_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_unmodified_copy_loads(data_copy: Path) -> None:
    geo = load_geodata(data_copy)
    assert len(geo.municipalities) == 290
    assert geo is not load_geodata()


def test_police_area_in_another_region_is_rejected(data_copy: Path) -> None:
    # Kiruna (Norrbotten, Region Nord) pointed at Polisområde Malmö (Region Syd).
    _rewrite_csv(data_copy, lambda rows: _set_field(rows, "2584", "police_area_code", "syd-malmo"))
    with pytest.raises(GeoDataError, match=r"2584.*syd-malmo.*polisregion 'syd'.*län 25.*'nord'"):
        load_geodata(data_copy)


def test_unknown_police_area_is_rejected(data_copy: Path) -> None:
    _rewrite_csv(data_copy, lambda rows: _set_field(rows, "0114", "police_area_code", "nowhere"))
    with pytest.raises(GeoDataError, match="okänd polisområdeskod 'nowhere'"):
        load_geodata(data_copy)


def test_duplicate_kommunkod_is_rejected(data_copy: Path) -> None:
    _rewrite_csv(data_copy, lambda rows: rows + [list(rows[1])])
    with pytest.raises(GeoDataError, match="kommunkoden 0114 förekommer flera gånger"):
        load_geodata(data_copy)


@pytest.mark.parametrize("bad_code", ["114", "01144", "01a4", ""])
def test_kommunkod_must_be_four_digits(data_copy: Path, bad_code: str) -> None:
    _rewrite_csv(data_copy, lambda rows: _set_field(rows, "0114", "kommunkod", bad_code))
    with pytest.raises(GeoDataError, match="måste vara fyra siffror"):
        load_geodata(data_copy)


def test_kommunkod_must_match_county(data_copy: Path) -> None:
    _rewrite_csv(data_copy, lambda rows: _set_field(rows, "0114", "county_code", "03"))
    with pytest.raises(GeoDataError, match="stämmer inte med länskoden 03"):
        load_geodata(data_copy)


def test_local_police_area_of_another_police_area_is_rejected(data_copy: Path) -> None:
    _rewrite_csv(
        data_copy,
        lambda rows: _set_field(rows, "0184", "local_police_area_code", "stockholm-syd-nacka"),
    )
    with pytest.raises(GeoDataError, match="hör till polisområde 'stockholm-syd'"):
        load_geodata(data_copy)


def test_population_must_be_a_positive_integer(data_copy: Path) -> None:
    _rewrite_csv(data_copy, lambda rows: _set_field(rows, "0114", "population", "-5"))
    with pytest.raises(GeoDataError, match="folkmängden"):
        load_geodata(data_copy)


def test_police_area_without_municipalities_is_rejected(data_copy: Path) -> None:
    def add_area(data: dict) -> None:
        data["regions"][0]["police_areas"].append(
            {"code": "nord-tom", "name": "Polisområde Tom", "local_police_areas": []}
        )

    _rewrite_structure(data_copy, add_area)
    with pytest.raises(GeoDataError, match="polisområden utan kommuner: nord-tom"):
        load_geodata(data_copy)


def test_county_in_two_regions_is_rejected(data_copy: Path) -> None:
    _rewrite_structure(data_copy, lambda data: data["regions"][1]["counties"].append("25"))
    with pytest.raises(GeoDataError, match="län 25 tillhör redan polisregion 'nord'"):
        load_geodata(data_copy)


def test_duplicate_police_area_code_is_rejected(data_copy: Path) -> None:
    def duplicate(data: dict) -> None:
        areas = data["regions"][0]["police_areas"]
        areas.append(dict(areas[0]))

    _rewrite_structure(data_copy, duplicate)
    with pytest.raises(GeoDataError, match="förekommer flera gånger"):
        load_geodata(data_copy)


def test_region_without_police_areas_is_rejected(data_copy: Path) -> None:
    _rewrite_structure(data_copy, lambda data: data["regions"][0].update(police_areas=[]))
    with pytest.raises(GeoDataError, match="saknar polisområden"):
        load_geodata(data_copy)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(GeoDataError, match="filen saknas"):
        load_geodata(tmp_path)


def test_invalid_json_is_reported(data_copy: Path) -> None:
    (data_copy / STRUCTURE_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(GeoDataError, match="ogiltig JSON"):
        load_geodata(data_copy)


def test_wrong_csv_header_is_reported(data_copy: Path) -> None:
    _rewrite_csv(data_copy, lambda rows: [["kod", *rows[0][1:]], *rows[1:]])
    with pytest.raises(GeoDataError, match="fel rubrikrad"):
        load_geodata(data_copy)
