"""Office hours of police units: pure rules (standard library and ``holidays`` only, never Django).

Time is explicit: every function takes the moment to decide on as an argument. The moment must be
timezone-aware; the decision is always made on the Swedish wall clock (``Europe/Stockholm``).

Representation of office hours
------------------------------
A unit's hours are a sequence of :class:`WeeklyHours`, one entry per opening interval:

* ``weekday`` is 0 = Monday … 6 = Sunday (as ``date.weekday()``).
* ``opens`` is inclusive, ``closes`` is exclusive, both Swedish wall-clock time.
* ``closes == time(0, 0)`` means **24:00**, the end of that day (:data:`END_OF_DAY`).
  ``opens=time(0, 0), closes=time(0, 0)`` is therefore the whole day, 00:00–24:00.
* An interval never spans midnight. Hours past midnight are two entries, e.g.
  ``WeeklyHours(4, time(22), END_OF_DAY)`` and ``WeeklyHours(5, time(0), time(6))``;
  adjacent entries join without a gap. ``closes`` before ``opens`` (other than 24:00) is an error.
* ``valid_from`` / ``valid_to`` (optional, inclusive) limit an entry to a period of dates, which
  mirrors the validity columns of the office-hours table.

Wall-clock semantics on DST days: "08:00–16:00" means the hours the clock on the wall shows. On the
spring-forward night the times 02:00–02:59 do not exist; on the fall-back night 02:00–02:59 occur twice and
an interval covering them is open during both passes.

Non-working days
----------------
Unless ``closed_on_non_working_days=False``, a unit is closed on Swedish public holidays (allmänna
helgdagar) and on midsommarafton, julafton and nyårsafton, which are by law treated like Sundays in
working life (7 § semesterlagen). Ordinary Saturdays and Sundays need no special handling: a unit is
closed on them simply when it has no hours for that weekday.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

STOCKHOLM = ZoneInfo("Europe/Stockholm")

#: ``closes`` value that stands for 24:00 (end of the day).
END_OF_DAY = time(0, 0)

#: How far :func:`next_opening` looks ahead by default.
DEFAULT_SEARCH_HORIZON = timedelta(days=14)

DAY_SECONDS = 24 * 3600

WEEKDAY_NAMES = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
WEEKDAY_PLURALS = ("måndagar", "tisdagar", "onsdagar", "torsdagar", "fredagar", "lördagar", "söndagar")

# Non-working days that are not public holidays but are treated as such (7 § semesterlagen 1977:480).
_DE_FACTO_NAMES = ("Midsommarafton", "Julafton", "Nyårsafton")


class OfficeHoursError(ValueError):
    """Invalid office hours. The message is in Swedish and can be shown to an administrator."""


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def format_time(t: time, *, closing: bool = False) -> str:
    """``HH:MM`` (``HH:MM:SS`` when seconds are set); a closing time of 00:00 is shown as 24:00."""
    if closing and t == END_OF_DAY:
        return "24:00"
    return t.strftime("%H:%M:%S") if t.second else t.strftime("%H:%M")


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """One opening interval on one weekday (see the module docstring for the representation)."""

    weekday: int
    opens: time
    closes: time
    valid_from: date | None = None
    valid_to: date | None = None
    # Derived: seconds since local midnight, closes as 86400 for 24:00.
    start_second: int = field(init=False, repr=False, compare=False)
    end_second: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.weekday, bool) or not isinstance(self.weekday, int) or not 0 <= self.weekday <= 6:
            raise OfficeHoursError(f"Ogiltig veckodag: {self.weekday!r} (0 = måndag … 6 = söndag).")
        if not isinstance(self.opens, time) or not isinstance(self.closes, time):
            raise OfficeHoursError("Öppnings- och stängningstid måste vara klockslag.")
        end = DAY_SECONDS if self.closes == END_OF_DAY else _seconds(self.closes)
        object.__setattr__(self, "start_second", _seconds(self.opens))
        object.__setattr__(self, "end_second", end)

    @property
    def is_empty(self) -> bool:
        """True when the interval contains no time (closes == opens, or closes before opens)."""
        return self.end_second <= self.start_second

    def applies_on(self, day: date) -> bool:
        """True when this entry is in force on ``day`` (weekday and validity period)."""
        return (
            day.weekday() == self.weekday
            and (self.valid_from is None or day >= self.valid_from)
            and (self.valid_to is None or day <= self.valid_to)
        )

    @property
    def times_label(self) -> str:
        return f"{format_time(self.opens)}–{format_time(self.closes, closing=True)}"

    @property
    def label(self) -> str:
        """Swedish label, e.g. ``"måndag 08:00–16:00"``."""
        text = f"{WEEKDAY_NAMES[self.weekday]} {self.times_label}"
        if self.valid_from or self.valid_to:
            period = f"{self.valid_from.isoformat() if self.valid_from else ''}–"
            period += self.valid_to.isoformat() if self.valid_to else ""
            text += f" (gäller {period})"
        return text

    def __str__(self) -> str:
        return self.label


# ---------------------------------------------------------------------------------------------
# Non-working days
# ---------------------------------------------------------------------------------------------


def _midsummer_eve(year: int) -> date:
    """The Friday between 19 and 25 June."""
    first = date(year, 6, 19)
    return first + timedelta(days=(4 - first.weekday()) % 7)


@functools.lru_cache(maxsize=128)
def _non_working_days(year: int) -> Mapping[date, str]:
    public = holidays.country_holidays("SE", years=year, include_sundays=False, language="sv")
    days: dict[date, str] = dict(sorted(public.items()))
    # The default (PUBLIC) category does not contain the three eves; recent versions of the library
    # offer them in the DE_FACTO category, older ones not at all, so they are added here. setdefault
    # keeps a single entry per date whatever the library returns.
    for day, name in zip(
        (_midsummer_eve(year), date(year, 12, 24), date(year, 12, 31)), _DE_FACTO_NAMES, strict=True
    ):
        days.setdefault(day, name)
    return MappingProxyType(dict(sorted(days.items())))


def non_working_days(year: int) -> dict[date, str]:
    """Swedish non-working days of ``year``: date → Swedish name.

    Public holidays (``holidays.country_holidays("SE", include_sundays=False)``, Swedish names, e.g.
    "Kristi himmelsfärdsdag") plus midsommarafton, julafton and nyårsafton. Ordinary Sundays are not
    included. The result is computed once per year and cached; a fresh dict is returned on each call.
    """
    return dict(_non_working_days(year))


def non_working_day_name(day: date) -> str | None:
    """The Swedish name when ``day`` is a non-working day, else None."""
    return _non_working_days(day.year).get(day)


def in_sentence(name: str) -> str:
    """A holiday name as written inside a Swedish sentence: "Julafton" → "julafton" (proper names kept)."""
    if name.startswith("Kristi "):
        return name
    return name[:1].lower() + name[1:]


# ---------------------------------------------------------------------------------------------
# Open / closed
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StockholmMoment:
    """An instant seen on the Swedish wall clock. Compute once, reuse for many units."""

    instant: datetime  # aware, in Europe/Stockholm
    date: date
    weekday: int
    second: int  # seconds since local midnight
    non_working_day: str | None  # Swedish name, or None


def stockholm_moment(at: datetime) -> StockholmMoment:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("the moment must be a timezone-aware datetime")
    local = at.astimezone(STOCKHOLM)
    day = local.date()
    return StockholmMoment(
        instant=local,
        date=day,
        weekday=day.weekday(),
        second=local.hour * 3600 + local.minute * 60 + local.second,
        non_working_day=_non_working_days(day.year).get(day),
    )


@dataclass(frozen=True, slots=True)
class OpenStatus:
    """Whether a unit is open.

    ``reason`` is a full Swedish sentence ("Stängt: midsommarafton", "Öppet måndag 08:00–16:00");
    ``detail`` is the short cause for use inside other sentences ("midsommarafton", "lördag",
    "måndag 08:00–16:00"). ``standing`` is the sentence for a page that stays open ("Stängt nu: öppet
    lördagar 08:00–16:00"): it names no clock time, so it reads the same until the unit opens or closes
    (``label`` gives it, or ``reason`` where the two are the same).
    """

    open: bool
    reason: str
    detail: str
    non_working_day: str | None = None
    standing: str = ""

    @property
    def label(self) -> str:
        return self.standing or self.reason


_ALWAYS_OPEN = OpenStatus(True, "Öppet dygnet runt", "dygnet runt")


def is_open_at(
    hours: Iterable[WeeklyHours],
    moment: StockholmMoment,
    *,
    always_open: bool = False,
    closed_on_non_working_days: bool = True,
) -> OpenStatus:
    """Like :func:`is_open`, for a precomputed :class:`StockholmMoment` (fast path for routing)."""
    if always_open:
        return _ALWAYS_OPEN
    holiday = moment.non_working_day
    if closed_on_non_working_days and holiday is not None:
        name = in_sentence(holiday)
        return OpenStatus(False, f"Stängt: {name}", name, holiday)
    wd = moment.weekday
    sec = moment.second
    day_hours: list[WeeklyHours] = []
    for h in hours:
        if h.weekday != wd:
            continue
        if (h.valid_from is not None and moment.date < h.valid_from) or (
            h.valid_to is not None and moment.date > h.valid_to
        ):
            continue
        if h.start_second <= sec < h.end_second:
            return OpenStatus(True, f"Öppet {h.label}", h.label, holiday)
        if not h.is_empty:
            day_hours.append(h)
    day_name = WEEKDAY_NAMES[wd]
    if not day_hours:
        return OpenStatus(False, f"Stängt: inga öppettider på {WEEKDAY_PLURALS[wd]}", day_name, holiday)
    ranges = ", ".join(h.times_label for h in sorted(day_hours, key=lambda h: h.start_second))
    clock = moment.instant.strftime("%H:%M")
    return OpenStatus(
        False,
        f"Stängt: {day_name} {clock} är utanför öppettiderna ({ranges})",
        f"{day_name} {clock}, öppet {ranges}",
        holiday,
        f"Stängt nu: öppet {WEEKDAY_PLURALS[wd]} {ranges}",
    )


def is_open(
    hours: Sequence[WeeklyHours],
    at: datetime,
    *,
    always_open: bool = False,
    closed_on_non_working_days: bool = True,
) -> OpenStatus:
    """Is a unit with these hours open at ``at`` (timezone-aware), judged on the Swedish wall clock?

    ``always_open`` (a 24/7 unit such as an RLC) wins over everything, non-working days included.
    """
    return is_open_at(
        hours,
        stockholm_moment(at),
        always_open=always_open,
        closed_on_non_working_days=closed_on_non_working_days,
    )


# ---------------------------------------------------------------------------------------------
# Next opening
# ---------------------------------------------------------------------------------------------


def _local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0), STOCKHOLM).astimezone(UTC)


@functools.lru_cache(maxsize=1024)
def _offset_change_on(day: date) -> datetime | None:
    """The UTC instant at which the Stockholm UTC offset changes during ``day``, if it does."""
    lo = _local_midnight_utc(day)
    hi = _local_midnight_utc(day + timedelta(days=1))
    before = lo.astimezone(STOCKHOLM).utcoffset()
    if hi.astimezone(STOCKHOLM).utcoffset() == before:
        return None
    lo_s, hi_s = 0, int((hi - lo).total_seconds())
    while lo_s < hi_s:  # smallest second with the new offset
        mid = (lo_s + hi_s) // 2
        if (lo + timedelta(seconds=mid)).astimezone(STOCKHOLM).utcoffset() == before:
            lo_s = mid + 1
        else:
            hi_s = mid
    return lo + timedelta(seconds=lo_s)


def _wall_instants(day: date, second: int) -> Iterator[datetime]:
    """UTC instants for a wall-clock time; two on the fall-back night, shifted ones in the DST gap."""
    naive = datetime.combine(day, time(0)) + timedelta(seconds=second)
    for fold in (0, 1):
        yield naive.replace(tzinfo=STOCKHOLM, fold=fold).astimezone(UTC)


def next_opening(
    hours: Sequence[WeeklyHours],
    after: datetime,
    *,
    always_open: bool = False,
    closed_on_non_working_days: bool = True,
    horizon: timedelta = DEFAULT_SEARCH_HORIZON,
) -> datetime | None:
    """The earliest instant at or after ``after`` at which the unit is open.

    If the unit is open at ``after``, ``after`` itself is returned. Only ``horizon`` (default 14 days)
    is searched; None means no opening within it (or no hours at all). The result has the tzinfo of
    ``after``: pass UTC to get UTC. (Python compares and subtracts datetimes of one zoneinfo zone on the
    wall clock, and never finds a fold=1 time equal to a time in another zone, so do arithmetic in UTC.)
    """
    moment = stockholm_moment(after)
    options = {"always_open": always_open, "closed_on_non_working_days": closed_on_non_working_days}
    if is_open_at(hours, moment, **options).open:
        return after
    hours = tuple(h for h in hours if not h.is_empty)
    if not hours:
        return None
    after_utc = after.astimezone(UTC)
    limit_utc = after_utc + horizon
    last_day = limit_utc.astimezone(STOCKHOLM).date()
    day = moment.date
    while day <= last_day:
        if not (closed_on_non_working_days and non_working_day_name(day)):
            candidates: set[datetime] = set()
            for h in hours:
                if h.applies_on(day):
                    candidates.update(_wall_instants(day, h.start_second))
            if candidates:
                change = _offset_change_on(day)
                if change is not None:  # the wall clock jumps: an interval may start at the jump
                    candidates.add(change)
                for candidate in sorted(candidates):
                    if candidate <= after_utc or candidate > limit_utc:
                        continue
                    if is_open_at(hours, stockholm_moment(candidate), **options).open:
                        return candidate.astimezone(after.tzinfo)
        day += timedelta(days=1)
    return None


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


def _periods_overlap(a: WeeklyHours, b: WeeklyHours) -> bool:
    a_from, a_to = a.valid_from or date.min, a.valid_to or date.max
    b_from, b_to = b.valid_from or date.min, b.valid_to or date.max
    return a_from <= b_to and b_from <= a_to


def find_overlaps(hours: Sequence[WeeklyHours]) -> list[tuple[WeeklyHours, WeeklyHours]]:
    """Pairs of entries (in input order) on the same weekday whose times and validity periods overlap.

    Adjacent intervals (one closes 16:00, the next opens 16:00) do not overlap. Empty entries are
    ignored here; :func:`validate_hours` reports them.
    """
    items = [h for h in hours if not h.is_empty]
    pairs: list[tuple[WeeklyHours, WeeklyHours]] = []
    for i, a in enumerate(items):
        for b in items[i + 1 :]:
            if (
                a.weekday == b.weekday
                and a.start_second < b.end_second
                and b.start_second < a.end_second
                and _periods_overlap(a, b)
            ):
                pairs.append((a, b))
    return pairs


def validate_hours(hours: Sequence[WeeklyHours]) -> None:
    """Raise :class:`OfficeHoursError` (Swedish message) for empty, reversed or overlapping entries."""
    problems: list[str] = []
    for h in hours:
        if h.start_second == h.end_second:
            problems.append(f"Öppnings- och stängningstiden är samma: {h.label}")
        elif h.end_second < h.start_second:
            problems.append(
                f"Stängningstiden ligger före öppningstiden: {h.label} "
                "(öppettider över midnatt anges som två poster, t.ex. 22:00–24:00 och 00:00–06:00)"
            )
        if h.valid_from and h.valid_to and h.valid_to < h.valid_from:
            problems.append(f"Giltighetsperioden slutar före den börjar: {h.label}")
    for a, b in find_overlaps(hours):
        problems.append(f"Öppettiderna överlappar: {a.label} och {b.label}")
    if problems:
        raise OfficeHoursError("; ".join(problems))
