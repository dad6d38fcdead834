"""The national follow-up as pure rules: periods, levels, filters, age groups, percentiles, thresholds
and number formatting. Standard library only, never Django.

Everything here is what the screen, the exports and the API agree on before a database is asked:
what a period means (Stockholm calendar days, end exclusive), which levels and filters exist and
what their Swedish names are, how a percentile is computed (linear interpolation between the two
nearest ranks, the same as PostgreSQL's ``percentile_cont`` and DuckDB's ``quantile_cont``), and the
documented default thresholds of the deviation list.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")

#: Cells counting fewer than this many cases are suppressed for anyone without case access.
MIN_CELL = 5

# --------------------------------------------------------------------------- levels and filters

NATION, REGION, POLICE_AREA, UNIT, ORGANISATION = "nation", "region", "police_area", "unit", "organisation"

LEVELS: Mapping[str, str] = MappingProxyType({
    NATION: "Hela landet",
    REGION: "Polisregion",
    POLICE_AREA: "Polisområde",
    UNIT: "Polisenhet",
    ORGANISATION: "Begärande organisation",
})

#: Law codes as they appear in filters; ``ANNAN`` is a request without a care-law basis (other
#: handräckning on the same case codes, or a basis the catalogue could not read).
OTHER_LAW = "ANNAN"
LAWS: Mapping[str, str] = MappingProxyType({
    "LPT": "LPT – psykiatrisk tvångsvård",
    "LRV": "LRV – rättspsykiatrisk vård",
    "LVM": "LVM – vård av missbrukare",
    "LVU": "LVU – vård av unga",
    "UtlL": "UtlL – Migrationsverkets begäran om handräckning",
    OTHER_LAW: "Annan lag eller lagrum saknas",
})
CARE_LAWS = ("LPT", "LRV", "LVM", "LVU")

CASE_CODES: Mapping[str, str] = MappingProxyType({
    "614": "614 – handräckning vid förrättning",
    "615": "615 – begärd av läkare",
    "618": "618 – begärd av annan myndighet",
    "": "Saknummer saknas",
})

SERIES = MappingProxyType({"month": "Månad", "year": "År"})


def law_db_value(code: str) -> str:
    """The value stored in ``AssistanceRequest.law`` for a filter code."""
    return "" if code == OTHER_LAW else code


def law_code(db_value: str | None) -> str:
    return db_value if db_value in CARE_LAWS else OTHER_LAW


# --------------------------------------------------------------------------- day and month numbers

EPOCH = date(2000, 1, 1)


def day_number(d: date) -> int:
    """Days since 2000-01-01: how the fact table stores the Stockholm calendar day of a timestamp."""
    return (d - EPOCH).days


def month_number(d: date) -> int:
    return d.year * 12 + d.month - 1


def local_day_month(moment: datetime | None) -> tuple[int | None, int | None]:
    if moment is None:
        return None, None
    d = moment.astimezone(STOCKHOLM).date()
    return day_number(d), month_number(d)


# --------------------------------------------------------------------------- age groups

@dataclass(frozen=True)
class AgeGroup:
    code: str
    label: str
    low: int | None  # inclusive
    high: int | None  # exclusive


AGE_GROUPS: tuple[AgeGroup, ...] = (
    AgeGroup("under_15", "Under 15 år", None, 15),
    AgeGroup("15_17", "15–17 år", 15, 18),
    AgeGroup("18_20", "18–20 år", 18, 21),
    AgeGroup("21_64", "21–64 år", 21, 65),
    AgeGroup("65_plus", "65 år och äldre", 65, None),
)
UNKNOWN_AGE = AgeGroup("unknown", "Ålder okänd", None, None)
ALL_AGE_GROUPS = (*AGE_GROUPS, UNKNOWN_AGE)
CHILD_AGE_GROUPS = ("under_15", "15_17")


def age_group(age: int | None) -> str:
    if age is None:
        return UNKNOWN_AGE.code
    for g in AGE_GROUPS:
        if (g.low is None or age >= g.low) and (g.high is None or age < g.high):
            return g.code
    return UNKNOWN_AGE.code


# --------------------------------------------------------------------------- periods


class ParamError(ValueError):
    """Bad input from a user: the field and a Swedish message that says how to put it right."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


MONTHS_SV = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
             "oktober", "november", "december")
MAX_PERIOD_YEARS = 12
EARLIEST_YEAR = 2000


@dataclass(frozen=True)
class Period:
    """Calendar days in Stockholm, ``start`` inclusive and ``end`` exclusive."""

    start: date
    end: date

    @property
    def label(self) -> str:
        last = self.end - timedelta(days=1)
        if self.start.month == 1 and self.start.day == 1 and self.end.month == 1 and self.end.day == 1:
            if self.end.year == self.start.year + 1:
                return str(self.start.year)
            return f"{self.start.year}–{self.end.year - 1}"
        if self.start.day == 1 and self.end == _add_months(self.start, 1):
            return f"{MONTHS_SV[self.start.month - 1]} {self.start.year}"
        return f"{self.start.isoformat()} – {last.isoformat()}"

    @property
    def code(self) -> str:
        """The canonical ``period`` parameter for this period."""
        if self.start.month == 1 and self.start.day == 1 and self.end.month == 1 and self.end.day == 1:
            if self.end.year == self.start.year + 1:
                return str(self.start.year)
            return f"{self.start.year}..{self.end.year - 1}"
        if self.start.day == 1 and self.end.day == 1:
            last = _add_months(self.end, -1)
            if last == self.start:
                return f"{self.start:%Y-%m}"
            return f"{self.start:%Y-%m}..{last:%Y-%m}"
        return f"{self.start.isoformat()}..{(self.end - timedelta(days=1)).isoformat()}"

    def start_dt(self) -> datetime:
        return datetime.combine(self.start, time(0), STOCKHOLM)

    def end_dt(self) -> datetime:
        return datetime.combine(self.end, time(0), STOCKHOLM)

    @property
    def days(self) -> tuple[int, int]:
        return day_number(self.start), day_number(self.end)

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + (
            1 if self.end.day > 1 else 0)

    def buckets(self, series: str) -> list[Bucket]:
        """The month or year buckets covering the period (the first and last may be partial)."""
        out: list[Bucket] = []
        if series == "year":
            y = self.start.year
            while date(y, 1, 1) < self.end:
                lo, hi = max(self.start, date(y, 1, 1)), min(self.end, date(y + 1, 1, 1))
                out.append(Bucket(str(y), str(y), lo, hi))
                y += 1
            return out
        d = date(self.start.year, self.start.month, 1)
        while d < self.end:
            nxt = _add_months(d, 1)
            lo, hi = max(self.start, d), min(self.end, nxt)
            out.append(Bucket(f"{d:%Y-%m}", f"{MONTHS_SV[d.month - 1][:3]} {d.year}", lo, hi))
            d = nxt
        return out

    def previous(self) -> Period:
        """The period of the same length just before this one (whole months/years when aligned)."""
        if self.start.day == 1 and self.end.day == 1:
            n = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month
            return Period(_add_months(self.start, -n), self.start)
        return Period(self.start - (self.end - self.start), self.start)


@dataclass(frozen=True)
class Bucket:
    code: str
    label: str
    start: date
    end: date

    def start_dt(self) -> datetime:
        return datetime.combine(self.start, time(0), STOCKHOLM)

    def end_dt(self) -> datetime:
        return datetime.combine(self.end, time(0), STOCKHOLM)


def _add_months(d: date, n: int) -> date:
    m = d.year * 12 + d.month - 1 + n
    return date(m // 12, m % 12 + 1, 1)


_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")

PERIOD_HELP = ("Ange perioden som ett år (2023), en månad (2023-05) eller ett intervall av år (2016..2025), "
               "månader (2023-01..2023-06) eller dagar (2023-01-01..2023-03-31).")


def _month(text: str, field_name: str) -> date:
    m = _MONTH.match(text)
    if not m:
        raise ParamError(field_name, f"'{text}' är inte en månad (ÅÅÅÅ-MM). {PERIOD_HELP}")
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        raise ParamError(field_name, f"Månaden {month} finns inte. {PERIOD_HELP}")
    return date(year, month, 1)


def _day(text: str, field_name: str) -> date:
    m = _DAY.match(text)
    if not m:
        raise ParamError(field_name, f"'{text}' är inte ett datum (ÅÅÅÅ-MM-DD). {PERIOD_HELP}")
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise ParamError(field_name, f"Datumet {text} finns inte. {PERIOD_HELP}") from None


def _checked(period: Period, field_name: str) -> Period:
    if period.end <= period.start:
        raise ParamError(field_name, "Periodens slut ligger före dess början. " + PERIOD_HELP)
    if period.start.year < EARLIEST_YEAR or period.end.year > 2100:
        raise ParamError(field_name, f"Perioden måste ligga mellan år {EARLIEST_YEAR} och 2100.")
    if period.end > _add_months(period.start, MAX_PERIOD_YEARS * 12):
        raise ParamError(field_name, f"Perioden får vara högst {MAX_PERIOD_YEARS} år lång.")
    return period


def parse_period(text: str, field_name: str = "period") -> Period:
    """``2023``, ``2023-05``, ``2016..2025``, ``2023-01..2023-06`` or ``2023-01-01..2023-03-31``."""
    try:
        return _parse_period(text, field_name)
    except ParamError:
        raise
    except (ValueError, OverflowError):  # a year at the end of the calendar (9999-12 + one month)
        raise ParamError(field_name, f"Perioden måste ligga mellan år {EARLIEST_YEAR} och 2100.") from None


def _parse_period(text: str, field_name: str) -> Period:
    text = (text or "").strip()
    if not text:
        raise ParamError(field_name, "Ange en period. " + PERIOD_HELP)
    if ".." in text:
        first, _, last = text.partition("..")
        first, last = first.strip(), last.strip()
        if _YEAR.match(first) and _YEAR.match(last):
            return _checked(Period(date(int(first), 1, 1), date(int(last) + 1, 1, 1)), field_name)
        if _MONTH.match(first) and _MONTH.match(last):
            return _checked(Period(_month(first, field_name), _add_months(_month(last, field_name), 1)), field_name)
        return _checked(Period(_day(first, field_name), _day(last, field_name) + timedelta(days=1)), field_name)
    if m := _YEAR.match(text):
        year = int(m.group(1))
        return _checked(Period(date(year, 1, 1), date(year + 1, 1, 1)), field_name)
    if _MONTH.match(text):
        start = _month(text, field_name)
        return _checked(Period(start, _add_months(start, 1)), field_name)
    if _DAY.match(text):
        day = _day(text, field_name)
        return _checked(Period(day, day + timedelta(days=1)), field_name)
    raise ParamError(field_name, f"'{text}' är ingen period. {PERIOD_HELP}")


def default_period(today: date) -> Period:
    """The latest complete calendar month before ``today`` (what a follow-up meeting looks at first;
    a whole year is one choice away)."""
    this_month = date(today.year, today.month, 1)
    return Period(_add_months(this_month, -1), this_month)


# --------------------------------------------------------------------------- parameters

@dataclass(frozen=True)
class Params:
    """What a user asked for. Codes are validated here; that they exist is checked by the selector."""

    period: Period
    level: str = NATION
    series: str = "month"
    region: str = ""
    police_area: str = ""
    unit: int | None = None
    organisation: int | None = None
    law: str = ""
    point: str = ""
    case_code: str = ""

    def query(self, **changes) -> dict[str, str]:
        """The query-string parameters that reproduce these params (for links and downloads)."""
        p = replace(self, **changes) if changes else self
        out = {"period": p.period.code, "level": p.level, "series": p.series}
        for key in ("region", "police_area", "law", "point", "case_code"):
            if getattr(p, key):
                out[key] = getattr(p, key)
        for key in ("unit", "organisation"):
            if getattr(p, key) is not None:
                out[key] = str(getattr(p, key))
        return out


_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_POINT = re.compile(r"^[A-Z]{3}(-[0-9A-Za-z]{1,8}){1,6}$")
KNOWN_PARAMS = frozenset({"period", "fran", "till", "level", "series", "region", "police_area", "unit",
                          "organisation", "law", "point", "case_code"})


def _one(data: Mapping, key: str) -> str:
    value = data.get(key, "")
    if isinstance(value, list | tuple):
        value = value[-1] if value else ""
    return str(value or "").strip()


def _positive_int(text: str, field_name: str, what: str) -> int | None:
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 12 or int(text) == 0:
        raise ParamError(field_name, f"Ange {what} som ett positivt heltal (id), inte '{text[:40]}'.")
    return int(text)


def parse_params(data: Mapping, *, today: date) -> Params:
    """Validate query parameters. ``fran``/``till`` (months, as from a month picker) win over ``period``."""
    fran, till = _one(data, "fran"), _one(data, "till")
    if fran or till:
        if not (fran and till):
            raise ParamError("fran" if not fran else "till", "Ange både från och till (ÅÅÅÅ-MM).")
        period = _checked(Period(_month(fran, "fran"), _add_months(_month(till, "till"), 1)), "till")
    elif _one(data, "period"):
        period = parse_period(_one(data, "period"))
    else:
        period = default_period(today)

    level = _one(data, "level") or NATION
    if level not in LEVELS:
        raise ParamError("level", f"Okänd nivå '{level[:40]}'. Välj en av: {', '.join(LEVELS)} "
                                  f"({', '.join(v.lower() for v in LEVELS.values())}).")
    series = _one(data, "series") or ("month" if period.months <= 24 else "year")
    if series not in SERIES:
        raise ParamError("series", f"Okänd tidsserie '{series[:40]}'. Välj month (månad) eller year (år).")
    if series == "month" and period.months > 60:
        raise ParamError("series", "Månadsserier kan visas för högst fem år; välj year (år) för längre perioder.")
    region = _one(data, "region")
    if region and not _CODE.match(region):
        raise ParamError("region", f"Okänd polisregion '{region[:40]}'. Ange regionens kod, t.ex. syd.")
    police_area = _one(data, "police_area")
    if police_area and not _CODE.match(police_area):
        raise ParamError("police_area", f"Okänt polisområde '{police_area[:40]}'. Ange områdets kod, "
                                        "t.ex. syd-malmo.")
    law = _one(data, "law").upper()
    if law and law not in LAWS:
        raise ParamError("law", f"Okänd lag '{law[:40]}'. Välj en av: {', '.join(LAWS)}.")
    point = _one(data, "point")
    if point and not _POINT.match(point):
        raise ParamError("point", f"Okänt lagrum '{point[:40]}'. Ange katalogens nyckel, t.ex. LPT-47-2-3.")
    case_code = _one(data, "case_code")
    if case_code and case_code not in CASE_CODES:
        raise ParamError("case_code", f"Okänt saknummer '{case_code[:40]}'. Välj 614, 615 eller 618.")
    return Params(
        period=period, level=level, series=series, region=region, police_area=police_area,
        unit=_positive_int(_one(data, "unit"), "unit", "enheten"),
        organisation=_positive_int(_one(data, "organisation"), "organisation", "organisationen"),
        law=law, point=point, case_code=case_code,
    )


# --------------------------------------------------------------------------- percentiles

#: The percentiles every duration metric reports, as exact fractions (numerator, denominator).
MEDIAN = (1, 2)
P90 = (9, 10)


def rank_positions(count: int, q: tuple[int, int]) -> tuple[int, int, float]:
    """1-based ranks ``lo``, ``hi`` and the weight of ``hi`` for the q-quantile of ``count`` values.

    Linear interpolation between closest ranks (percentile_cont): position ``q·(n−1)`` (0-based).
    Integer arithmetic, so the SQL that picks the two ranks and this function always agree.
    """
    num, den = q
    scaled = num * (count - 1)
    lo = scaled // den
    frac = (scaled % den) / den
    return lo + 1, min(lo + 2, count), frac


def percentile(values: Sequence[float], q: tuple[int, int]) -> float | None:
    """The q-quantile of ``values`` by linear interpolation (None when there are none)."""
    if not values:
        return None
    xs = sorted(values)
    lo, hi, frac = rank_positions(len(xs), q)
    return xs[lo - 1] + (xs[hi - 1] - xs[lo - 1]) * frac


def interpolate(ranked: Mapping[int, float], count: int, q: tuple[int, int]) -> float | None:
    """The q-quantile from only the ranks the database returned (``{rank: value}``)."""
    if count <= 0:
        return None
    lo, hi, frac = rank_positions(count, q)
    a, b = ranked.get(lo), ranked.get(hi, ranked.get(lo))
    if a is None or b is None:
        return None
    return a + (b - a) * frac


def wanted_ranks(count: int, quantiles: Sequence[tuple[int, int]] = (MEDIAN, P90)) -> set[int]:
    out: set[int] = set()
    for q in quantiles:
        lo, hi, _ = rank_positions(count, q)
        out |= {lo, hi}
    return out


# --------------------------------------------------------------------------- deviation thresholds

@dataclass(frozen=True)
class Threshold:
    key: str
    label: str
    default: int
    unit: str  # "minuter" | "timmar" | "dagar"
    basis: str

    def delta(self, value: int | None = None) -> timedelta:
        v = self.default if value is None else value
        return {"minuter": timedelta(minutes=v), "timmar": timedelta(hours=v), "dagar": timedelta(days=v)}[self.unit]


THRESHOLDS: Mapping[str, Threshold] = MappingProxyType({t.key: t for t in (
    Threshold("decision_hours", "Beslut dröjer: timmar från mottagen utan beslut", 24, "timmar",
              "Plattformens standardvärde. Källorna anger ingen tidsgräns; JO har uttalat att handräckning ska "
              "handläggas med förtur."),
    Threshold("holding_hours", "Förvar: timmar innan förvaret visas som avvikelse", 6, "timmar",
              "Samma sex timmar som granskningshorisonten för handräckningsgrunderna i custody.rules "
              "(plattformens val, inte lag)."),
    Threshold("open_days", "Öppet ärende: dagar från mottagen utan att ärendet avslutats", 30, "dagar",
              "Plattformens standardvärde för ärenden som blivit liggande."),
    Threshold("report_back_hours", "Återrapportering: timmar efter utfall eller avslag utan att "
              "begärande myndighet underrättats", 24, "timmar",
              "Plattformens standardvärde; tillsynen (avsnitt 3.3) fann att begärande myndighet inte kontaktas."),
    Threshold("unassigned_grace_minutes", "Beviljat men inte tilldelat: minuter efter tilldelningsfristen", 0,
              "minuter", "Fristen sätts vid beviljandet per prioritet (cases.services.DEFAULT_ASSIGN_THRESHOLDS); "
              "0 betyder att fristen själv gäller."),
)})
THRESHOLD_LIMITS = {"minuter": 60 * 24 * 30, "timmar": 24 * 365, "dagar": 3650}


def parse_thresholds(data: Mapping, stored: Mapping[str, int]) -> dict[str, int]:
    """The thresholds in force: stored configuration, overridden per request by query parameters."""
    out = {k: stored.get(k, t.default) for k, t in THRESHOLDS.items()}
    for key, t in THRESHOLDS.items():
        text = _one(data, key)
        if not text:
            continue
        if not text.isdigit() or int(text) > THRESHOLD_LIMITS[t.unit]:
            raise ParamError(key, f"Ange {t.label.lower()} som ett heltal mellan 0 och {THRESHOLD_LIMITS[t.unit]}.")
        out[key] = int(text)
    return out


# --------------------------------------------------------------------------- formatting

COUNT, SHARE, RATE, HOURS, TEXT = "count", "share", "rate", "hours", "text"
SUPPRESSED_MARK = "x"
NO_DATA_MARK = "–"


def _decimal(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}".replace(".", ",").replace("-", "−")


def _grouped(value: int) -> str:
    return f"{value:,}".replace(",", "\u00a0").replace("-", "−")


def format_value(value, kind: str, *, suppressed: bool = False) -> str:
    """A cell as shown on screen (Swedish: decimal comma, non-breaking space between thousands)."""
    if suppressed:
        return SUPPRESSED_MARK
    if value is None:
        return NO_DATA_MARK
    if kind == TEXT:
        return str(value)
    if kind == COUNT:
        return _grouped(int(value))
    if kind == SHARE:
        return _decimal(value, 1) + "\u00a0%"
    return _decimal(value, 1)


def csv_value(value, kind: str, *, suppressed: bool = False) -> str:
    """A cell in the CSV export: the same number as on screen, without thousands separators."""
    if suppressed:
        return SUPPRESSED_MARK
    if value is None:
        return ""
    if kind == TEXT:
        return str(value)
    if kind == COUNT:
        return str(int(value))
    return f"{value:.1f}".replace(".", ",")


def round1(value: float | None) -> float | None:
    return None if value is None else round(value + 0.0, 1)



# --------------------------------------------------------------------------- the process owner's targets

@dataclass(frozen=True)
class Target:
    """A figure the process owner steers by and the level it should stay on (``at_most`` or ``at_least``).

    The defaults below are the platform's starting points, not law and not decided by the Police: the
    law gives no numbers for these. A deployment sets its own in ``BITRADE_FOLLOWUP_TARGETS``."""

    key: str  # a column of the comparison table
    label: str
    at_most: float | None = None
    at_least: float | None = None

    def met(self, value: float | None) -> bool | None:
        if value is None:
            return None
        if self.at_most is not None and value > self.at_most:
            return False
        return not (self.at_least is not None and value < self.at_least)

    @property
    def text(self) -> str:
        if self.at_most is not None:
            return f"högst {_decimal(self.at_most, 1) if self.at_most % 1 else int(self.at_most)}"
        return f"minst {_decimal(self.at_least, 1) if self.at_least % 1 else int(self.at_least)}"


DEFAULT_TARGETS: tuple[Target, ...] = (
    Target("lt_received_decision", "Mottagen → beslut, median (h)", at_most=2),
    Target("children_held", "Barn i förvar", at_most=0),
)


def trend(current: float | None, previous: float | None) -> str:
    """'upp 12,0 %', 'ned 3', 'oförändrat', or '–' when either is missing."""
    if current is None or previous is None:
        return NO_DATA_MARK
    if current == previous:
        return "oförändrat"
    word = "upp" if current > previous else "ned"
    if previous:
        return f"{word} {_decimal(abs(current - previous) / abs(previous) * 100, 1)}\u00a0%"
    return f"{word} {_decimal(abs(current - previous), 1)}"
