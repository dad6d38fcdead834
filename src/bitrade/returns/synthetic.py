"""Synthetic return cases calibrated on Statskontoret 2022:1, tabell 2 (the Police's incoming cases, MV's
handovers by reason, departures enforced by the Police and own departures, 2014–2019) and tabell 6 (the
category 3 share of handovers), so that the follow-up's stock, flow and cohort figures can be checked against
the report. Deterministic for a seed; rows are bulk-inserted with reference numbers starting ``SYN-AV-`` and no
audit events (the generation itself is recorded once).

The report's tables cover 2014–2019 only. Every other year uses the mean of the **basis years**
(``BASIS_YEARS``, default 2017–2019: the three years after the 2015–2016 peak, when the volumes had settled;
the setting ``BITRADE_RETURNS_SYNTHETIC_BASIS_YEARS``, e.g. ``2019`` to carry the last year forward) — see
docs/returns.md, "Synthetic data".

The volume model (``plan``) is pure; ``write`` writes it for the national generator (``bitrade generate``,
registered as this kind's ``SyntheticKind``), ``generate`` for ``bitrade return generate``."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from . import rules

#: Tabell 2 (Statskontoret 2022:1 avsnitt 3.2.2): per year, the Police's incoming cases, MV's handovers with
#: coercion and as absconded, departures enforced by the Police and own departures.
TABLE_2 = {
    2014: {"incoming": 11_500, "tvang": 3_760, "avviken": 7_350, "police": 2_610, "own": 1_560},
    2015: {"incoming": 10_840, "tvang": 3_340, "avviken": 7_590, "police": 1_920, "own": 1_090},
    2016: {"incoming": 8_230, "tvang": 2_280, "avviken": 5_940, "police": 2_130, "own": 1_600},
    2017: {"incoming": 8_340, "tvang": 1_890, "avviken": 6_260, "police": 1_670, "own": 2_500},
    2018: {"incoming": 10_530, "tvang": 2_050, "avviken": 6_200, "police": 1_710, "own": 2_360},
    2019: {"incoming": 10_020, "tvang": 2_060, "avviken": 5_950, "police": 1_750, "own": 2_240},
}
#: Tabell 6: the share of category 3 among incoming cases.
CATEGORY_3_SHARE = {2014: 0.31, 2015: 0.26, 2016: 0.27, 2017: 0.37, 2018: 0.47, 2019: 0.46}
#: Assumption: a year the report does not cover gets the mean of these years' figures (tabell 2 and 6).
BASIS_YEARS = (2017, 2018, 2019)
#: The reference numbers of generated return cases.
PREFIX = "SYN-AV-"


def basis_years() -> tuple[int, ...]:
    """The basis years from the setting ``BITRADE_RETURNS_SYNTHETIC_BASIS_YEARS`` (default ``BASIS_YEARS``)."""
    from django.conf import settings

    years = tuple(getattr(settings, "BITRADE_RETURNS_SYNTHETIC_BASIS_YEARS", BASIS_YEARS) or BASIS_YEARS)
    unknown = [y for y in years if y not in TABLE_2]
    if unknown:
        raise ValueError(f"Basåren för syntetiska returärenden måste ligga i 2014–2019, inte {unknown}.")
    return years


def table_row(year: int, basis: tuple[int, ...] = BASIS_YEARS) -> dict:
    """Tabell 2's row of ``year``, or the mean of the basis years' rows (rounded to whole cases) for a year
    the report does not cover."""
    if year in TABLE_2:
        return TABLE_2[year]
    return {k: round(sum(TABLE_2[y][k] for y in basis) / len(basis)) for k in TABLE_2[basis[0]]}


def category_3_share(year: int, basis: tuple[int, ...] = BASIS_YEARS) -> float:
    if year in CATEGORY_3_SHARE:
        return CATEGORY_3_SHARE[year]
    return sum(CATEGORY_3_SHARE[y] for y in basis) / len(basis)
#: Tabell 4 (2019): categories 1 and 2 split the rest 29 : 25.
CATEGORY_1_OF_REST = 29 / 54
#: Assumption (not in the report): regional shares of the Police's return cases, roughly by population.
REGION_SHARES = {"stockholm": 0.25, "vast": 0.18, "syd": 0.15, "ost": 0.10, "mitt": 0.11, "bergslagen": 0.10,
                 "nord": 0.11}
#: Assumption: enforced departures by trip type (KV escorted about one in three, avsnitt 3.2.2).
POLICE_TRIPS = {"eskorterad_resa": 0.34, "oeskorterad_resa": 0.33, "enskild_resa": 0.23, "charter": 0.10}
#: Assumption: the decision became final 30–200 days before the Police received the case.
FINAL_BEFORE_RECEIPT = (30, 200)


def mv_handovers(row: dict, scale: float) -> tuple[int, int]:
    """MV's handovers (coercion, absconded) of a year. In 2015 MV reports more handovers than the Police report
    incoming cases (the two count differently, avsnitt 3.2.3): the Police's figure wins and MV's two are
    scaled down in proportion."""
    n = round(row["incoming"] * scale)
    tvang, avviken = row["tvang"] * scale, row["avviken"] * scale
    if tvang + avviken > n:
        factor = n / (tvang + avviken)
        tvang, avviken = tvang * factor, avviken * factor
        return round(tvang), n - round(tvang)
    return round(tvang), round(avviken)


@dataclass
class Planned:
    year: int
    origin: str
    reason: str
    category: int
    region: str
    received_on: date
    final_on: date
    closed_on: date | None = None
    outcome: str = ""
    detentions: list[PlannedDetention] = field(default_factory=list)
    orders: list[PlannedOrder] = field(default_factory=list)


@dataclass
class PlannedDetention:
    kind: str
    child: bool
    started_at: datetime
    ended_at: datetime  # as planned (``custody_rows`` leaves it open when it lies after the generation's end)
    end_reason: str = ""


@dataclass
class PlannedOrder:
    trip_type: str
    ordered_at: datetime
    planned_on: date
    country: str
    done_at: datetime | None = None  # the trip made
    cancelled_at: datetime | None = None  # cancelled when the trip was booked again


def plan(years: range, *, scale: float = 1.0, seed: int = 1, lapse_years: int = 4,
         basis: tuple[int, ...] = BASIS_YEARS) -> list[Planned]:
    """The cases of ``years``: incoming per tabell 2 (MV handovers by reason, the rest court and the Police's
    own), closed each year by as many Police-enforced and own departures as tabell 2 shows, and lapsed four
    years after the decision became final if still open. A year outside the report uses the mean of
    ``basis``."""
    rnd = random.Random(seed)
    regions, weights = list(REGION_SHARES), list(REGION_SHARES.values())
    cases: list[Planned] = []
    open_cases: list[Planned] = []
    for year in years:
        row = table_row(year, basis)
        share3 = category_3_share(year, basis)
        n = round(row["incoming"] * scale)
        n_tvang, n_avviken = mv_handovers(row, scale)
        origins = ["mv"] * (n_tvang + n_avviken) + ["court", "police"] * n
        reasons = ["tvang"] * n_tvang + ["avviken"] * n_avviken
        start = date(year, 1, 1)
        new = []
        for i in range(n):
            origin = origins[i] if i < len(origins) else "police"
            received = start + timedelta(days=rnd.randrange(365))
            category = 3 if rnd.random() < share3 else (1 if rnd.random() < CATEGORY_1_OF_REST else 2)
            new.append(Planned(year, origin, reasons[i] if i < len(reasons) else "", category,
                               rnd.choices(regions, weights)[0], received,
                               received - timedelta(days=rnd.randint(*FINAL_BEFORE_RECEIPT))))
        cases.extend(new)
        open_cases.extend(new)
        end = date(year, 12, 31)
        still = []
        for c in open_cases:  # lapse first: a decision that lapsed this year cannot be enforced after it
            lapse = rules.add_years(c.final_on, lapse_years)
            if lapse <= end and c.origin != "court":
                c.closed_on, c.outcome = max(lapse, c.received_on), "preskriberat"
            else:
                still.append(c)
        open_cases = still
        rnd.shuffle(open_cases)
        for kind, count in (("police", round(row["police"] * scale)), ("own", round(row["own"] * scale))):
            chosen, open_cases = open_cases[:count], open_cases[count:]
            for c in chosen:
                first = max(c.received_on, start)
                c.closed_on = first + timedelta(days=rnd.randrange((end - first).days + 1))
                c.outcome = "egen_utresa" if kind == "own" else rnd.choices(list(POLICE_TRIPS),
                                                                             list(POLICE_TRIPS.values()))[0]
    return cases


#: Tabell 7 (avsnitt 2.5.1): stays in detention (förvar) and the average stay in days. 2020 is left out (the
#: pandemic: half the places usable); a year without a figure uses the mean of the basis years that have one.
DETENTION_STAYS = {2015: (3_959, 20.7), 2016: (3_714, 26.6), 2017: (4_379, 31.5), 2018: (3_816, 40.6),
                   2019: (4_295, 41.4)}
#: The Police's share of the stays (avsnitt 6.5.2: about 98 % in 2019); the rest are Migrationsverket's.
POLICE_SHARE_OF_STAYS = 0.98
#: Assumption: the share of the Police's enforced departures that left from detention (the rest of the stays
#: end in a release: the detention is lifted, the decision lapses, a permit is granted).
DEPARTED_FROM_DETENTION = 0.7
#: Assumption: the kinds of detention (enforcement detention is "now the main use", avsnitt 2.2.1) and the
#: share of children. A stay is drawn within its kind's limit (10 kap. 4–5 §§ UtlL, ``rules.LawSettings``); an
#: adult's enforcement detention over two months carries an extension (over three: with lack of cooperation or
#: documents that take time as the reason), up to a year.
DETENTION_KIND_SHARES = {"enforcement": 0.90, "before_decision": 0.08, "investigation": 0.02}
CHILD_SHARE = 0.02
LONGEST_STAY = timedelta(days=365)
#: Transport orders to Kriminalvården: one per departure the Police enforced, with the departure's trip type
#: (avsnitt 4.6: KV escorts about one in three); assumption: about one in eight had an earlier order that was
#: cancelled (the trip rebooked), and an order goes 10–40 days before the trip.
TRIP_OF_OUTCOME = {"eskorterad_resa": "escorted", "oeskorterad_resa": "unescorted", "enskild_resa": "individual",
                   "charter": "charter"}
REBOOKED_SHARE = 0.12
ORDERED_BEFORE_TRIP = (10, 40)
#: Assumption (not in the report): the destination countries of the orders.
DESTINATIONS = {"IQ": 0.16, "AF": 0.12, "AL": 0.12, "GE": 0.12, "UZ": 0.10, "RS": 0.10, "MA": 0.08, "UA": 0.08,
                "IR": 0.06, "NG": 0.06}
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def detention_figures(year: int, basis: tuple[int, ...] = BASIS_YEARS) -> tuple[float, float]:
    """(stays, average stay in days) of ``year``: tabell 7, or the mean of the basis years that have figures."""
    if year in DETENTION_STAYS:
        return DETENTION_STAYS[year]
    years = [y for y in basis if y in DETENTION_STAYS] or list(BASIS_YEARS)
    return (sum(DETENTION_STAYS[y][0] for y in years) / len(years),
            sum(DETENTION_STAYS[y][1] for y in years) / len(years))


def _spans(kind: str, child: bool) -> tuple[float, float]:
    """The shortest and longest stay, in hours, drawn for a detention that is not an adult's enforcement
    detention (within its base limit)."""
    if child:
        return (2, 6) if kind == "investigation" else (6, 72)
    return {"investigation": (6, 48), "before_decision": (24, 14 * 24)}[kind]


def _enforcement_mean(average_days: float) -> float:
    """The mean, in days, of an adult's enforcement detention that makes the average stay ``average_days``."""
    others = 0.0
    for kind, share in DETENTION_KIND_SHARES.items():
        for child, weight in ((True, CHILD_SHARE), (False, 1 - CHILD_SHARE)):
            if kind != "enforcement" or child:
                others += share * weight * sum(_spans(kind, child)) / 2 / 24
    adult_enforcement = DETENTION_KIND_SHARES["enforcement"] * (1 - CHILD_SHARE)
    return max(1.0, (average_days - others) / adult_enforcement)


def _stay(rnd: random.Random, average_days: float) -> tuple[str, bool, timedelta]:
    kind = rnd.choices(list(DETENTION_KIND_SHARES), list(DETENTION_KIND_SHARES.values()))[0]
    child = rnd.random() < CHILD_SHARE
    if kind == "enforcement" and not child:
        days = min(max(rnd.expovariate(1 / _enforcement_mean(average_days)), 1.0), LONGEST_STAY.days)
        return kind, child, timedelta(hours=round(days * 24))
    low, high = _spans(kind, child)
    return kind, child, timedelta(hours=rnd.randint(int(low), int(high)))


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=STOCKHOLM)


def _overlaps(c: Planned, start: datetime, end: datetime) -> bool:
    return any(d.started_at < end and start < d.ended_at for d in c.detentions)


def plan_custody(cases: list[Planned], years: range, *, scale: float = 1.0, seed: int = 1,
                 basis: tuple[int, ...] = BASIS_YEARS) -> None:
    """Detentions and transport orders of the planned ``cases`` (added to each case; deterministic for a seed).

    Per year, the Police's stays of tabell 7: first the enforced departures of the year that left from detention
    (the stay ends on the morning of the departure), then releases: a case open on a day of the year, its stay
    ending no later than the day the case closed. A case has at most one stay at a time. Every enforced
    departure has a transport order, some an earlier cancelled one."""
    rnd = random.Random(f"{seed}:custody")
    for year in years:
        stays, average = detention_figures(year, basis)
        target = round(stays * POLICE_SHARE_OF_STAYS * scale)
        departures = [c for c in cases if c.closed_on and c.closed_on.year == year and c.outcome in TRIP_OF_OUTCOME]
        made = 0
        for c in rnd.sample(departures, min(target, round(len(departures) * DEPARTED_FROM_DETENTION))):
            kind, child, length = _stay(rnd, average)
            end = _at(c.closed_on, 6)
            start = max(end - length, _at(c.received_on, 10),
                        *(d.ended_at for d in c.detentions if d.started_at < end))  # after an earlier stay
            if start < end:
                c.detentions.append(PlannedDetention(kind, child, start, end, "Verkställd: utresa"))
                made += 1
        first, last = date(year, 1, 1), date(year, 12, 31)
        open_in_year = [c for c in cases if c.received_on <= last and (c.closed_on is None or c.closed_on >= first)]
        for _ in range((target - made) * 3):  # a few tries for a case with no stay at that time
            if made >= target or not open_in_year:
                break
            c = rnd.choice(open_in_year)
            lo, hi = max(c.received_on, first), min(c.closed_on or last, last)
            kind, child, length = _stay(rnd, average)
            start = max(_at(lo + timedelta(days=rnd.randrange((hi - lo).days + 1)), rnd.randint(8, 20)),
                        _at(c.received_on, 10))
            end, reason = start + length, "Förvaret hävdes."
            if c.closed_on and end > _at(c.closed_on, 6):  # the case closed first: on an enforced trip, from here
                departs = c.outcome in TRIP_OF_OUTCOME
                end = _at(c.closed_on, 6 if departs else 10)
                reason = "Verkställd: utresa" if departs else reason
            if start < end and not _overlaps(c, start, end):
                c.detentions.append(PlannedDetention(kind, child, start, end, reason))
                made += 1
    for c in cases:
        c.detentions.sort(key=lambda d: d.started_at)
        if c.closed_on and c.outcome in TRIP_OF_OUTCOME:
            country = rnd.choices(list(DESTINATIONS), list(DESTINATIONS.values()))[0]
            ordered = max(c.closed_on - timedelta(days=rnd.randint(*ORDERED_BEFORE_TRIP)), c.received_on)
            if rnd.random() < REBOOKED_SHARE and ordered > c.received_on:
                earlier = max(ordered - timedelta(days=rnd.randint(*ORDERED_BEFORE_TRIP)), c.received_on)
                c.orders.append(PlannedOrder(TRIP_OF_OUTCOME[c.outcome], _at(earlier, 11), ordered, country,
                                             cancelled_at=_at(ordered, 9)))
            c.orders.append(PlannedOrder(TRIP_OF_OUTCOME[c.outcome], _at(ordered, 11), c.closed_on, country,
                                         done_at=_at(c.closed_on, 10)))


def order_status(order: PlannedOrder, until: datetime | None) -> str:
    """Where an order stands at ``until`` (None: after everything planned): done, cancelled, or booked when the
    trip is at most a week away, else accepted."""
    if order.done_at is not None and (until is None or order.done_at < until):
        return "done"
    if order.cancelled_at is not None and (until is None or order.cancelled_at < until):
        return "cancelled"
    return "booked" if until is not None and order.planned_on <= until.date() + timedelta(days=7) else "accepted"


def _rows(planned: list[Planned], seed: int, regions: dict, units: dict, tz) -> tuple[list[dict], list[dict]]:
    """The kernel's case rows and the return cases' rows of ``planned`` (``case_id`` filled in later)."""
    rnd = random.Random(f"{seed}:uids")

    def moment(day: date) -> datetime:
        return datetime.combine(day, time(10), tzinfo=tz)

    counters: dict[tuple[str, int], int] = {}
    cases, details = [], []
    for p in planned:
        key = (p.region, p.year)
        counters[key] = counters.get(key, 0) + 1
        cases.append(dict(
            public_id=uuid.UUID(int=rnd.getrandbits(128), version=4), kind="return",
            reference_number=f"{PREFIX}{p.region.upper()}-{p.year}-{counters[key]:06d}",
            state="closed" if p.closed_on else "received", received_at=moment(p.received_on),
            region_id=regions[p.region].pk, unit_id=units[p.region].pk, outcome=p.outcome,
            outcome_at=moment(p.closed_on) if p.closed_on else None,
            closed_at=moment(p.closed_on) if p.closed_on else None, routing_rule_name="Syntetiska data",
            # last changed when it was closed (or received): the fact refresh's watermark sees history as history
            updated_at=moment(p.closed_on or p.received_on)))
        stance = "difficult" if p.category == 3 else "accepts_forced"
        details.append(dict(
            origin=p.origin, reason=p.reason, person_name="Syntetisk person",
            identity_status="established" if p.category < 3 else "unknown", destination_stance=stance,
            decision_type="utvisning_brott" if p.origin == "court" else "avvisning",
            deciding_body="allman_domstol" if p.origin == "court" else "migrationsverket",
            final_on=p.final_on, police_category=p.category, priority_group=1 if p.origin == "court" else 3,
            lapses_on=None if p.origin == "court" else rules.add_years(p.final_on, 4),
            outcome_success=True if p.outcome in rules.DEPARTURES else None))
    return cases, details


CENTRES = ("Förvaret i Märsta", "Förvaret i Gävle", "Förvaret i Flen", "Förvaret i Kållered", "Förvaret i Åstorp",
           "Förvaret i Ljungbyhed", "Förvaret i Mölndal")
SYNTHETIC = "Syntetiska data"


def _custody_rows(planned: list[Planned], details: list[dict], until: datetime | None, kv_id: int | None,
                  seed: int) -> tuple[list[dict], list[dict | None], list[dict]]:
    """The rows of the planned detentions (and the extension each needs, or None, in the same order) and
    transport orders of cases whose return-case rows (``details``) have their ids. What starts on or after
    ``until`` has not happened; a stay that ends after it is still going, an order not yet made is where
    ``order_status`` puts it. No orders without a transport unit at Kriminalvården (``kv_id``)."""
    rnd = random.Random(f"{seed}:custody-rows")
    detentions: list[dict] = []
    extensions: list[dict | None] = []
    orders: list[dict] = []
    for p, detail in zip(planned, details, strict=True):
        for d in p.detentions:
            if until is not None and d.started_at >= until:
                continue
            base = rules.detention_clock(d.kind, d.started_at, child=d.child,
                                         crime_expelled=p.origin == "court").limit_at
            extension = None
            if d.ended_at > base and (until is None or base - timedelta(days=2) < until):
                over_three = d.ended_at > rules.DEFAULT.enforcement_adult_exceptional.end(d.started_at)
                extension = dict(decided_at=base - timedelta(days=2), until=d.ended_at,
                                 exceptional_reasons="Resehandling från mottagarlandet väntas.",
                                 lack_of_cooperation_or_documents=over_three,
                                 counsel=f"Offentligt biträde ({SYNTHETIC.lower()})",
                                 interpreter=f"Tolk ({SYNTHETIC.lower()})")
            ended = d.ended_at if until is None or d.ended_at < until else None
            detentions.append(dict(
                return_case_id=detail["id"], kind=d.kind, child=d.child, started_at=d.started_at,
                limit_at=extension["until"] if extension else base, centre=rnd.choice(CENTRES),
                grounds=f"{SYNTHETIC}: risk att personen håller sig undan.", ended_at=ended,
                end_reason=d.end_reason if ended else ""))
            extensions.append(extension)
        for o in p.orders if kv_id is not None else ():
            if until is not None and o.ordered_at >= until:
                continue
            status = order_status(o, until)
            steps = [(o.ordered_at, "ordered"), (o.ordered_at + timedelta(days=1), "accepted")]
            booked = _at(o.planned_on, 9) - timedelta(days=7)
            if status in ("booked", "done") or (status == "cancelled" and booked < o.cancelled_at):
                steps.append((max(booked, o.ordered_at + timedelta(days=2)), "booked"))
            if status == "done":
                steps.append((o.done_at, "done"))
            if status == "cancelled":
                steps.append((o.cancelled_at, "cancelled"))
            orders.append(dict(
                return_case_id=detail["id"], public_id=uuid.UUID(int=rnd.getrandbits(128), version=4),
                ordered_at=o.ordered_at, organisation_id=kv_id, trip_type=o.trip_type, planned_on=o.planned_on,
                destination_country=o.country, traveller_name="Syntetisk person", escort_needed=o.trip_type == "escorted",
                status=status, milestones=[{"at": at.isoformat(), "step": step, "by": SYNTHETIC} for at, step in steps
                                           if until is None or at < until],
                deviations=[]))
    return detentions, extensions, orders


def _kv_id() -> int | None:
    from bitrade.organisation.models import OrganisationKind, RequestingOrganisation

    return RequestingOrganisation.objects.filter(kind=OrganisationKind.KRIMINALVARDEN, active=True).order_by(
        "id").values_list("id", flat=True).first()


def _write_custody(insert, planned, details, until, seed) -> dict[str, int]:
    from .models import Detention, DetentionExtension, TransportOrder

    detentions, extensions, orders = _custody_rows(planned, details, until, _kv_id(), seed)
    insert(Detention, detentions)
    insert(DetentionExtension, [{**e, "detention_id": d["id"]} for d, e in zip(detentions, extensions, strict=True)
                                if e is not None])
    insert(TransportOrder, orders)
    return {"detentions": len(detentions), "transport_orders": len(orders)}


def _places() -> tuple[dict, dict]:
    from bitrade.organisation.models import PoliceRegion, Unit, UnitKind

    units = {u.region.code: u for u in Unit.objects.filter(kind=UnitKind.BORDER_POLICE).select_related("region")
             .order_by("pk")}
    return {r.code: r for r in PoliceRegion.objects.all()}, units


def write(run) -> dict[str, int]:
    """The return cases of a national generation (``bitrade generate``): every calendar year the period
    [run.start, run.until) touches is planned, then only the cases received inside it are kept, and what
    would happen on or after ``run.until`` has not happened yet (such a case is still open)."""
    from django.db import transaction

    from bitrade.cases.models import Case

    from .models import ReturnCase

    regions, units = _places()
    tz = run.start.tzinfo
    first, last = run.start.date(), run.until.date()
    years = range(first.year, (last - timedelta(days=1)).year + 1)
    planned = []
    everything = plan(years, scale=run.scale, seed=run.seed, basis=basis_years())
    plan_custody(everything, years, scale=run.scale, seed=run.seed, basis=basis_years())
    for p in everything:
        if p.region not in units or not first <= p.received_on < last:
            continue
        if p.closed_on and p.closed_on >= last:
            p.closed_on, p.outcome = None, ""
        planned.append(p)
    cases, details = _rows(planned, run.seed, regions, units, tz)
    with transaction.atomic():
        run.insert(Case, cases)
        for case, detail in zip(cases, details, strict=True):
            detail["case_id"] = case["id"]
        run.insert(ReturnCase, details)
        custody = _write_custody(run.insert, planned, details, run.until, run.seed)
    return {"cases": len(cases), "closed": sum(1 for c in cases if c["closed_at"]), **custody}


def delete_generated() -> int:
    """Remove what hangs on the generated return cases (the return kind's deleter for ``--replace``)."""
    from bitrade.cases.synthetic import delete_rows

    from .models import (
        Detention,
        DetentionExtension,
        Handover,
        Note,
        ReturnCase,
        StatusChange,
        Supervision,
        SupervisionReport,
        TransportOrder,
        WantedNotice,
    )

    rc = f"SELECT id FROM {ReturnCase._meta.db_table} WHERE case_id IN ({{cases}})"
    delete_rows([
        ("supervision_id", SupervisionReport, f"SELECT id FROM {Supervision._meta.db_table} WHERE return_case_id IN ({rc})"),
        ("detention_id", DetentionExtension, f"SELECT id FROM {Detention._meta.db_table} WHERE return_case_id IN ({rc})"),
        *[("return_case_id", m, rc) for m in (Handover, StatusChange, Note, Supervision, Detention, WantedNotice,
                                               TransportOrder)],
        ("case_id", ReturnCase, "{cases}"),
    ], "return")
    return 0


def _orm_insert(model, rows: list[dict]) -> None:
    objs = model.objects.bulk_create([model(**r) for r in rows], batch_size=2000)
    for row, obj in zip(rows, objs, strict=True):
        row["id"] = obj.pk


def generate(years: range, *, scale: float = 1.0, seed: int = 1) -> int:
    """Write the planned cases of ``years`` (``bitrade return generate``; ``SYN-AV-`` reference numbers; an
    earlier generation of return cases is replaced)."""
    from django.db import transaction
    from django.utils import timezone

    from bitrade.audit import services as audit
    from bitrade.cases.models import Case
    from bitrade.cases.synthetic import delete_kernel_rows
    from bitrade.common.actor import SYSTEM_ACTOR

    from .models import ReturnCase

    regions, units = _places()
    everything = plan(years, scale=scale, seed=seed, basis=basis_years())
    plan_custody(everything, years, scale=scale, seed=seed, basis=basis_years())
    planned = [p for p in everything if p.region in units]
    with transaction.atomic():
        delete_generated()
        delete_kernel_rows(kind="return")
        cases, details = _rows(planned, seed, regions, units, timezone.get_current_timezone())
        _orm_insert(Case, cases)
        for case, detail in zip(cases, details, strict=True):
            detail["case_id"] = case["id"]
        _orm_insert(ReturnCase, details)
        custody = _write_custody(_orm_insert, planned, details, None, seed)
        audit.record(SYSTEM_ACTOR, "returns.generated", object_type="returns.synthetic",
                     new={"years": [years.start, years.stop - 1], "scale": scale, "seed": seed,
                          "cases": len(cases), **custody})
    return len(cases)
