"""The volume model (pure): received cases per stream and year from the calibrated trends."""

from __future__ import annotations

from dataclasses import dataclass

from bitrade.legal.catalogue import load_catalogue

from .calibration import (
    BASE_YEAR,
    CARE_LAW_BASE_YEAR,
    CLOSED_BASE_YEAR,
    CODE_614_2016_2023,
    CODE_614_CHANGE_AFTER_2023,
    LAW_SHARES,
    LPT_GROWTH_2021_2023,
    LPT_GROWTH_AFTER_2023,
    LPT_GROWTH_BEFORE_2021,
    OTHER_GROWTH,
    OTHER_STREAMS,
    POINT_SHARES,
    RECEIVED_OVER_CLOSED,
)

# --------------------------------------------------------------------------- the volume model (pure)


def _chain(rates: dict[int, float], year: int, base: int = BASE_YEAR) -> float:
    """Index relative to ``base`` from annual growth rates: rates[y] is the growth from y-1 to y."""
    index = 1.0
    if year >= base:
        for y in range(base + 1, year + 1):
            index *= 1 + rates.get(y, 0.0)
    else:
        for y in range(year + 1, base + 1):
            index /= 1 + rates.get(y, 0.0)
    return index


def _lpt_rate(y: int) -> float:
    if y <= 2021:
        return LPT_GROWTH_BEFORE_2021
    if y <= 2023:
        return LPT_GROWTH_2021_2023 ** 0.5 - 1
    return LPT_GROWTH_AFTER_2023


def _614_rate(y: int) -> float:
    if y <= 2023:
        return CODE_614_2016_2023 ** (1 / 7) - 1
    return CODE_614_CHANGE_AFTER_2023


def trend_index(law: str, case_code: str, year: int) -> float:
    """Volume of a stream in ``year`` relative to 2023. 614 streams follow the 614 decline, LPT its growth."""
    years = range(min(year, BASE_YEAR) - 1, max(year, BASE_YEAR) + 2)
    if case_code == "614":
        return _chain({y: _614_rate(y) for y in years}, year)
    if law == "LPT":
        return _chain({y: _lpt_rate(y) for y in years}, year)
    return _chain({y: OTHER_GROWTH for y in years}, year)


@dataclass(frozen=True)
class Stream:
    key: str  # catalogue key, or OTHER-*
    law: str  # "" for other handräckning
    case_code: str
    base_volume: float  # received in 2023 at scale 1


def streams(care_laws_only: bool = False) -> list[Stream]:
    catalogue = load_catalogue()
    care_total = CARE_LAW_BASE_YEAR * RECEIVED_OVER_CLOSED
    other_total = (CLOSED_BASE_YEAR - CARE_LAW_BASE_YEAR) * RECEIVED_OVER_CLOSED
    out = []
    for law, share in LAW_SHARES.items():
        for key, point_share in POINT_SHARES[law].items():
            entry = catalogue.get(key)
            out.append(Stream(key, law, entry.case_code, care_total * share * point_share))
    if not care_laws_only:
        for key, (share, code, _text) in OTHER_STREAMS.items():
            out.append(Stream(key, "", code, other_total * share))
    return out


def expected_volume(stream: Stream, year: int, scale: float = 1.0) -> float:
    return stream.base_volume * trend_index(stream.law, stream.case_code, year) * scale


def expected_by_year(years: range, scale: float = 1.0, care_laws_only: bool = False) -> dict[int, dict[str, float]]:
    """Expected received cases per year: total, per law and per case code (used by tests and the docs)."""
    out = {}
    for year in years:
        row: dict[str, float] = {"total": 0.0}
        for s in streams(care_laws_only):
            v = expected_volume(s, year, scale)
            row["total"] += v
            row[s.law or "ANNAN"] = row.get(s.law or "ANNAN", 0.0) + v
            row[s.case_code] = row.get(s.case_code, 0.0) + v
        out[year] = row
    return out
