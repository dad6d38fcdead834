"""The run: month by month, one transaction per year, with a progress bar; and the demo slice."""

from __future__ import annotations

from bisect import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate

from django.db import transaction
from django.utils import timezone

from .. import facts
from ..bulk import bulk_insert
from ..rules import STOCKHOLM
from .calibration import DEFAULT_UNTIL, HOUR_WEIGHTS, MONTH_WEIGHTS, REFERENCE_PREFIX, WEEKDAY_WEIGHTS
from .dice import Dice
from .simulation import Generated, generate_case
from .volume import Stream, expected_volume, streams
from .world import World, build_world
from .writing import _models, _write, delete_synthetic, synthetic_exists

#: The kind key of handräckning cases.
HANDRACKNING = "assistance"


def _month_starts(start: datetime, until: datetime) -> Iterator[tuple[datetime, datetime]]:
    local = start.astimezone(STOCKHOLM)
    d = date(local.year, local.month, 1)
    while True:
        lo = datetime.combine(d, time(0), STOCKHOLM)
        nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        hi = datetime.combine(nxt, time(0), STOCKHOLM)
        if lo >= until:
            return
        yield max(lo, start), min(hi, until)
        d = nxt


def _received_times(dice: Dice, lo: datetime, hi: datetime, n: int) -> list[datetime]:
    """``n`` arrival times in [lo, hi), weighted by weekday and hour (Stockholm time)."""
    days = []
    d = lo.astimezone(STOCKHOLM).date()
    while datetime.combine(d, time(0), STOCKHOLM) < hi:
        days.append(d)
        d += timedelta(days=1)
    weights = [WEEKDAY_WEIGHTS[x.weekday()] for x in days]
    out = []
    hours = list(range(24))
    while len(out) < n:
        day = dice.choices(days, weights)[0]
        hour = dice.choices(hours, HOUR_WEIGHTS)[0]
        at = datetime.combine(day, time(hour, dice.randint(0, 59), dice.randint(0, 59)), STOCKHOLM)
        if lo <= at < hi:
            out.append(at.astimezone(UTC))
    out.sort()
    return out


@dataclass
class Result:
    """``counts``: the handräckning rows (``"cases"`` the handräckning cases); ``by_kind``: every registered
    kind's row counts, by kind key, in the order they were generated; ``labels``: their Swedish names."""

    counts: dict[str, int]
    start: datetime
    until: datetime
    seed: int
    scale: float
    years: int
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        """The cases generated per kind, in Swedish: "32 350 handräckningsärenden, 9 340 returärenden …"."""
        return ", ".join(f"{_thousands(counts.get('cases', 0))} {self.labels.get(key, key)}"
                         for key, counts in self.by_kind.items())


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", "\N{NO-BREAK SPACE}")


def generate(*, years: int = 10, seed: int = 1, scale: float = 1.0, until: date | datetime | None = None,
             care_laws_only: bool = False, events: bool = True, replace: bool = False,
             progress: bool = False, log: Callable[[str], None] | None = None,
             kinds: tuple[str, ...] | None = None) -> Result:
    """Generate ``years`` years of national data ending at ``until`` (default 2026-01-01, Stockholm time),
    for every registered kind (``bitrade.cases.synthetic``; ``kinds`` limits it to those keys).

    ``scale`` multiplies every volume (1.0 = the whole country). Raises ``ValueError`` when generated data
    already exists and ``replace`` is false.
    """
    from bitrade.audit import services as audit
    from bitrade.cases import synthetic as registry
    from bitrade.common.actor import SYSTEM_ACTOR

    if years < 1 or years > 30:
        raise ValueError("Antalet år måste vara mellan 1 och 30.")
    if not 0 < scale <= 10:
        raise ValueError("Skalan måste vara större än 0 och högst 10.")
    start, until_dt = _period(years, until)
    if synthetic_exists():
        if not replace:
            raise ValueError("Det finns redan genererade ärenden (SYN-…). Använd --replace för att ersätta dem.")
        removed = delete_synthetic()
        if log:
            log(f"Tog bort {removed} tidigare genererade ärenden.")
    run = registry.Run(start=start, until=until_dt, seed=seed, scale=scale, insert=bulk_insert, years=years,
                       log=log, options={"care_laws_only": care_laws_only, "events": events, "progress": progress})
    by_kind: dict[str, dict[str, int]] = {}
    labels: dict[str, str] = {}
    for kind in registry.registered():
        if kinds is not None and kind.key not in kinds:
            continue
        by_kind[kind.key] = kind.generate(run)
        labels[kind.key] = kind.label
        if log and kind.key != HANDRACKNING:
            log(f"Genererade {_thousands(by_kind[kind.key].get('cases', 0))} {kind.label}.")
    facts.invalidate()  # fact rows were written outside a refresh: analytics replicas load them again
    totals = by_kind.get(HANDRACKNING, {})
    audit.record(SYSTEM_ACTOR, "followup.generated", object_type="followup.synthetic",
                 new={"years": years, "seed": seed, "scale": scale, "start": start.isoformat(),
                      "until": until_dt.isoformat(), "care_laws_only": care_laws_only, "counts": totals,
                      "kinds": by_kind})
    return Result(totals, start, until_dt, seed, scale, years, by_kind, labels)


def generate_handrackning(run) -> dict[str, int]:
    """The handräckning cases of ``run``: month by month, one transaction per year, with a progress bar
    (the generator the follow-up registers for the kind ``assistance``)."""
    care_laws_only = run.options.get("care_laws_only", False)
    events = run.options.get("events", True)
    world = build_world()
    world.until = run.until
    models = _models()
    all_streams = streams(care_laws_only)
    totals: dict[str, int] = {}
    counters: dict[tuple[int, int], int] = {}
    months = list(_month_starts(run.start, run.until))
    bar = None
    if run.options.get("progress"):
        from tqdm import tqdm

        bar = tqdm(total=len(months), unit="mån", desc="Genererar", dynamic_ncols=True)
    current_year = None
    atomic = None
    try:
        for lo, hi in months:
            local = lo.astimezone(STOCKHOLM)
            if local.year != current_year:
                if atomic is not None:
                    atomic.__exit__(None, None, None)
                atomic = transaction.atomic()
                atomic.__enter__()
                current_year = local.year
            dice = Dice(f"{run.seed}:{local.year}:{local.month}:{run.scale}")
            generated = _month(world, dice, all_streams, lo, hi, run.scale, counters, run.until)
            for k, v in _write(world, generated, models, dice, events).items():
                totals[k] = totals.get(k, 0) + v
            if bar is not None:
                bar.update(1)
                bar.set_postfix(ärenden=totals.get("cases", 0))
        if atomic is not None:
            atomic.__exit__(None, None, None)
            atomic = None
    except BaseException as exc:
        if atomic is not None:
            atomic.__exit__(type(exc), exc, exc.__traceback__)
        raise
    finally:
        if bar is not None:
            bar.close()
    return totals


def _period(years: int, until: date | datetime | None) -> tuple[datetime, datetime]:
    """The start and the end of the generated period (a naive ``until`` is Stockholm time)."""
    if until is None:
        until = DEFAULT_UNTIL
    if isinstance(until, datetime):
        until_dt = until if timezone.is_aware(until) else until.replace(tzinfo=STOCKHOLM)
    else:
        until_dt = datetime.combine(until, time(0), STOCKHOLM)
    local_until = until_dt.astimezone(STOCKHOLM)
    try:
        start = local_until.replace(year=local_until.year - years)
    except ValueError:  # 29 February
        start = local_until.replace(year=local_until.year - years, day=28)
    return start, until_dt


def _month(world: World, dice: Dice, all_streams: list[Stream], lo: datetime, hi: datetime, scale: float,
           counters: dict[tuple[int, int], int], until_dt: datetime) -> list[Generated]:
    """The cases received in [lo, hi): their number drawn from the expected volume, each with its
    reference number (``SYN-<region>-<year>-<serial>``)."""
    local = lo.astimezone(STOCKHOLM)
    month_start = datetime.combine(date(local.year, local.month, 1), time(0), STOCKHOLM)
    next_month = datetime.combine(date(local.year + (local.month == 12), local.month % 12 + 1, 1), time(0),
                                  STOCKHOLM)
    fraction = (hi - lo) / (next_month - month_start)
    month_weight = MONTH_WEIGHTS[local.month - 1] / sum(MONTH_WEIGHTS) * fraction
    weights = [expected_volume(s, local.year, scale) * month_weight for s in all_streams]
    expected = sum(weights)
    n = int(expected) + (1 if dice.random() < expected - int(expected) else 0)
    times = _received_times(dice, lo, hi, n)
    cum = list(accumulate(weights))
    generated = []
    for received in times:
        stream = all_streams[bisect(cum, dice.random() * cum[-1])]
        g = generate_case(world, dice, stream, received, "", until_dt)
        key = (g.case["region_id"], received.astimezone(STOCKHOLM).year)
        counters[key] = counters.get(key, 0) + 1
        g.case["reference_number"] = (f"{REFERENCE_PREFIX}{world.regions[g.case['region_id']].code.upper()}-"
                                      f"{key[1]}-{counters[key]:06d}")
        generated.append(g)
    return generated


def load_demo_data(now: datetime | None = None) -> Result | None:
    """The small slice the demo set-up loads so the dashboards have content: one year up to now, 2 % of the
    national volume of every kind (about 650 handräckning cases, 190 return cases, 13 contact bans), seed 1.
    Does nothing when generated data already exists."""
    if synthetic_exists():
        return None
    return generate(years=1, scale=0.02, seed=1, until=now or timezone.now())
