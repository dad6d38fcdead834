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
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

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
    for p in plan(years, scale=run.scale, seed=run.seed, basis=basis_years()):
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
    return {"cases": len(cases), "closed": sum(1 for c in cases if c["closed_at"])}


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
    planned = [p for p in plan(years, scale=scale, seed=seed, basis=basis_years()) if p.region in units]
    with transaction.atomic():
        delete_generated()
        delete_kernel_rows(kind="return")
        cases, details = _rows(planned, seed, regions, units, timezone.get_current_timezone())
        _orm_insert(Case, cases)
        for case, detail in zip(cases, details, strict=True):
            detail["case_id"] = case["id"]
        _orm_insert(ReturnCase, details)
        audit.record(SYSTEM_ACTOR, "returns.generated", object_type="returns.synthetic",
                     new={"years": [years.start, years.stop - 1], "scale": scale, "seed": seed,
                          "cases": len(cases)})
    return len(cases)
