"""Deterministic, realistic national data for the follow-up: `bitrade generate --years N --seed S`.

Calibrated on the figures of the supervision report (section 6.1, "Uppföljning"):

* PÄR: about 32,350 handräckning cases closed in 2023, about 25,000 of them under the care laws;
  the rest (~7,350) are other handräckning registered on the same case codes;
* DAF: LPT is the largest group and grew by about 13 % from 2021 to 2023;
* PÄR: case code 614 fell by about 38 % from 2016 to 2023;
* Storm: about 4 hours of patrol time per case from assignment to completion, *excluding* the drive back;
* regional volumes proportional to the population of the municipality where the person is.

Every other assumption (shares per law and point, refusal and completion rates, holding durations, the
NTE share ...) is a named constant below and is documented in ``docs/synthetic-data.md``.

The same seed, scale and end date give the same rows: each month has its own random generator seeded by
(seed, year, month, scale), and every UUID comes from it. Rows are written as bulk inserts in batches
(``bulk_insert``: what ``bulk_create`` does, without its per-value compiler overhead, which made ten years
take three times as long), month by month, one transaction per year, with a progress bar. No audit events are written for
the generated rows; the generation itself is recorded once (``followup.generated``). Generated cases
carry reference numbers starting with ``SYN-`` so that ``--replace`` can remove them again.
"""

from __future__ import annotations

import math
import random
import uuid
from bisect import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate

from django.db import transaction
from django.utils import timezone

from bitrade.assistance import rules as case_rules
from bitrade.custody.rules import GROUNDS
from bitrade.legal.catalogue import load_catalogue

from . import facts
from .bulk import bulk_insert
from .rules import STOCKHOLM

REFERENCE_PREFIX = "SYN-"
DEFAULT_UNTIL = date(2026, 1, 1)  # ten years back from here: 2016–2025, which holds 2016, 2021 and 2023

# --------------------------------------------------------------------------- calibration (sources)

BASE_YEAR = 2023
CLOSED_BASE_YEAR = 32_350  # closed in PÄR in 2023
CARE_LAW_BASE_YEAR = 25_000  # of which under the care laws
LPT_GROWTH_2021_2023 = 1.13  # DAF: LPT cases up by just over 13 % from 2021 to 2023
CODE_614_2016_2023 = 0.62  # case code 614: "drygt 38 procent" down
PATROL_MEAN_MINUTES = 240.0  # Storm: mean, assignment to completion, excluding the drive back

# --------------------------------------------------------------------------- assumptions (documented)

#: Received per year relative to the closed target. With 1.0 the cases carried over a year end (received in
#: late December, closed in January) and the few never closed balance: closed(2023) comes out at 32,326.
RECEIVED_OVER_CLOSED = 1.0
LAW_SHARES = {"LPT": 0.58, "LVU": 0.20, "LVM": 0.16, "LRV": 0.06}
POINT_SHARES = {
    "LPT": {"LPT-47-2-1": 0.10, "LPT-47-2-2": 0.30, "LPT-47-2-3": 0.30, "LPT-47-2-4": 0.14,
            "LPT-47-2-5": 0.05, "LPT-47-2-6": 0.10, "LPT-47-2-7": 0.01},
    "LVU": {"LVU-43-1-1": 0.08, "LVU-43-1-2": 0.62, "LVU-43-1-3": 0.30},
    "LVM": {"LVM-45-1-1": 0.10, "LVM-45-1-2": 0.55, "LVM-45-1-3": 0.05, "LVM-45-1-4": 0.30},
    "LRV": {"LRV-27-LPT-47-2-3": 0.45, "LRV-27-LPT-47-2-4": 0.25, "LRV-27-LPT-47-2-5": 0.05,
            "LRV-27-LPT-47-2-6": 0.15, "LRV-27-LRV-7-1": 0.10},
}
#: Other handräckning on the same case codes (not under the care laws): stream → (share, case code, text).
OTHER_STREAMS = {
    "OTHER-UTL": (0.45, "618", "Handräckning enligt utlänningslagen (2005:716)"),
    "OTHER-TILLSYN": (0.25, "618", "Handräckning vid kommunal tillsyn (annan lag än vårdlagarna)"),
    "OTHER-FB": (0.30, "614", "Handräckning vid verkställighet enligt 21 kap. föräldrabalken"),
}
#: Annual growth outside the calibrated years.
LPT_GROWTH_BEFORE_2021 = 0.03
LPT_GROWTH_AFTER_2023 = 0.03
CODE_614_CHANGE_AFTER_2023 = -0.03
OTHER_GROWTH = 0.01
MONTH_WEIGHTS = (1.0, 0.95, 1.0, 1.0, 1.02, 1.0, 0.92, 0.98, 1.03, 1.05, 1.03, 0.97)
WEEKDAY_WEIGHTS = (1.15, 1.15, 1.15, 1.15, 1.1, 0.7, 0.6)
HOUR_WEIGHTS = (2, 1.5, 1, 1, 1, 1.5, 3, 5, 8, 9, 9, 8, 7, 8, 8, 8, 7, 6, 5, 4, 4, 3, 3, 2.5)

REVIEW_OUTCOMES = (("admissible", 0.86), ("needs_completion", 0.11), ("inadmissible", 0.03))
POLICE_COMPLETION_SHARE = 0.02  # admissible requests where the police ask a question anyway
COMPLETION_UNANSWERED = 0.07
REFUSAL_RATE = {"admissible": 0.025, "needs_completion": 0.08, "inadmissible": 0.85}
OVERRULE_RATE = 0.012
LATE_ACK_RATE = 0.04
SECOND_ESCALATION = 0.1
LATE_ASSIGNMENT_RATE = 0.05
WITHDRAWN_BEFORE_EXECUTION = 0.03
NOT_FOUND_RATE = 0.09
OUTCOME_SHARES = ((case_rules.OUTCOME_EXECUTED, 0.83), (case_rules.OUTCOME_HEALTH_CARE, 0.10),
                  (case_rules.OUTCOME_NEED_ENDED, 0.07))
PATROL_SIGMA = 0.65
RETURN_DRIVE_MEDIAN = 35.0  # minutes; the drive back that Storm does not register (report, section 6.2)
PATROL_MISSING = 0.03
EPISODE_RATE = {"LPT-47-2-1": 0.3}  # share of executed cases with a deprivation of liberty; default below
EPISODE_RATE_DEFAULT = 0.9
HOLDING_RATE_ADULT = 0.10
HOLDING_RATE_15_17 = 0.015
ACTIVITY_ROOM_RATE_CHILD = 0.08
HOLDING_MEDIAN_HOURS = 2.5
HOLDING_OVERNIGHT_MEDIAN_HOURS = 9.0
HOLDING_REASONS = (("awaiting_transport", 0.60), ("overnight", 0.20), ("meal", 0.05), ("break", 0.10),
                   ("other", 0.05))
HOLDING_PLACES = (("police_cell", 0.85), ("other_lockup", 0.10), ("remand_prison", 0.05))
NTE_KV_POINTS_SHARE = 0.70  # points where the catalogue names Kriminalvården's transport
NTE_OTHER_SHARE = 0.35
NTE_CHILD_UNDER_15_SHARE = 0.15
NTE_DECLINE_RATE = 0.28
NTE_DECLINE_REASONS = (("no_capacity", 0.40), ("short_notice", 0.35), ("no_nte_presence", 0.12), ("other", 0.13))
TRANSPORT_CANCELLED = 0.03
RELAY_RATE = 0.03
REPORT_BACK_LATE = {case_rules.OUTCOME_HEALTH_CARE: 0.30}  # report 3.3: the requester is often not told
REPORT_BACK_LATE_DEFAULT = 0.05
NEVER_CLOSED = 0.002
PRIORITY_SHARES = {
    "default": ((1, 0.05), (2, 0.20), (3, 0.30), (None, 0.45)),
    "LPT-47-2-1": ((1, 0.15), (2, 0.35), (3, 0.30), (None, 0.20)),
    "LPT-47-2-2": ((1, 0.15), (2, 0.35), (3, 0.30), (None, 0.20)),
    "LPT-47-2-6": ((2, 0.05), (3, 0.15), (None, 0.80)),
    "LRV-27-LPT-47-2-6": ((2, 0.05), (3, 0.15), (None, 0.80)),
    "LVM-45-1-4": ((3, 0.40), (None, 0.60)),
    "other": ((3, 0.10), (None, 0.90)),
}
URGENCY_FOR_PRIORITY = {1: "immediate", 2: "urgent", 3: "near_term", None: "planned"}
ACK_MEDIAN = {1: 3, 2: 8, 3: 25, None: 90}  # minutes
DECISION_MEDIAN = {1: 5, 2: 10, 3: 30, None: 180}
ASSIGN_MEDIAN = {1: 8, 2: 25, 3: 120, None: 14 * 60}
ASSIGN_DUE = {1: 15, 2: 60, 3: 240, None: 24 * 60}  # cases.services.DEFAULT_ASSIGN_THRESHOLDS
ACK_DUE = {1: 10, 2: 30, 3: 120, None: 8 * 60}  # routing.rules.DEFAULT_ACK_THRESHOLDS
CHANNELS = (("web", 0.55), ("api", 0.35), ("oral", 0.10))
RISK_LEVELS = (("low", 0.5), ("medium", 0.35), ("high", 0.15))
REGION_ORDER = ("nord", "mitt", "bergslagen", "stockholm", "ost", "vast", "syd")  # roughly north to south

HEALTH_REGIONS = {
    "01": "Region Stockholm", "03": "Region Uppsala", "04": "Region Sörmland", "05": "Region Östergötland",
    "06": "Region Jönköpings län", "07": "Region Kronoberg", "08": "Region Kalmar län", "09": "Region Gotland",
    "10": "Region Blekinge", "12": "Region Skåne", "13": "Region Halland", "14": "Västra Götalandsregionen",
    "17": "Region Värmland", "18": "Region Örebro län", "19": "Region Västmanland", "20": "Region Dalarna",
    "21": "Region Gävleborg", "22": "Region Västernorrland", "23": "Region Jämtland Härjedalen",
    "24": "Region Västerbotten", "25": "Region Norrbotten",
}
DEMO_CLINICS = {"12": "Vuxenpsykiatri Malmö, Skånes universitetssjukhus", "01": "Norra Stockholms psykiatri",
                "25": "Psykiatriska kliniken Sunderby sjukhus"}
COURT_CITIES = {"nord": ("Luleå", "2580"), "mitt": ("Uppsala", "0380"), "bergslagen": ("Karlstad", "1780"),
                "stockholm": ("Stockholm", "0180"), "ost": ("Linköping", "0580"), "vast": ("Göteborg", "1480"),
                "syd": ("Malmö", "1280")}

FIRST_NAMES = ("Alva", "Elsa", "Maja", "Saga", "Ella", "Astrid", "Vera", "Alice", "Nora", "Ebba", "Liam",
               "Noah", "William", "Hugo", "Lucas", "Oscar", "Elias", "Nils", "Axel", "Leo", "Kim", "Robin",
               "Alex", "Sam", "Charlie", "Love", "Mio", "Iris", "Tuva", "Juni")
#: Obviously invented surnames: nobody should mistake a generated person for a real one.
FAKE_SURNAMES = ("Exempelsson", "Testberg", "Påhittsdotter", "Fiktivsson", "Provström", "Låtsasgren",
                 "Demoqvist", "Syntetlund", "Modellsson", "Övningsdahl", "Exempeldotter", "Testlind")


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


# --------------------------------------------------------------------------- random helpers


class Dice(random.Random):
    def pick(self, pairs):
        values = [v for v, _ in pairs]
        weights = [w for _, w in pairs]
        return self.choices(values, weights)[0]

    def lognormal_median(self, median: float, sigma: float) -> float:
        return median * math.exp(self.gauss(0.0, sigma))

    def uid(self) -> uuid.UUID:
        return uuid.UUID(int=self.getrandbits(128), version=4)

    def chance(self, p: float) -> bool:
        return self.random() < p


def _minutes(m: float) -> timedelta:
    return timedelta(seconds=max(60, round(m * 60)))


# --------------------------------------------------------------------------- the world the cases live in


@dataclass
class World:
    """Municipalities (weighted by population), units, requesting organisations and the deciders."""

    municipalities: list
    cum_population: list[float]
    area_sb: dict
    area_groups: dict
    group_hours: dict
    rlc: dict
    regions: dict
    region_of_area: dict
    clinics: dict
    child_clinics: dict
    forensic: dict
    social: dict
    sis_youth: dict
    sis_lvm: dict
    courts: dict
    district_courts: dict
    socialstyrelsen: object
    migration: object
    deciders: dict
    catalogue: object
    review_cache: dict = field(default_factory=dict)
    until: datetime | None = None

    def municipality(self, dice: Dice):
        x = dice.random() * self.cum_population[-1]
        return self.municipalities[bisect(self.cum_population, x)]


def _org(name: str, kind: str, *, parent=None, municipality=None):
    from bitrade.organisation.models import RequestingOrganisation

    org = RequestingOrganisation.objects.filter(name=name).first()
    if org is None:
        org = RequestingOrganisation.objects.create(name=name, kind=kind, parent=parent, municipality=municipality)
    return org


def build_world() -> World:
    """Load (and where needed create) the organisation the generated cases refer to. Idempotent."""
    from bitrade.organisation.models import Municipality, OfficeHours, Person, PoliceRegion, Unit

    if not Unit.objects.filter(kind="rlc").exists():
        from bitrade.organisation.demo import load_demo

        load_demo()
    munis = list(Municipality.objects.select_related("police_area", "police_area__region", "county")
                 .filter(population__gt=0).order_by("code"))
    if not munis:
        raise RuntimeError("Kommunerna saknar folkmängd: kör `bitrade load-organisation` först.")
    regions = {r.id: r for r in PoliceRegion.objects.all()}
    units = list(Unit.objects.filter(active=True).order_by("id"))
    area_sb = {u.police_area_id: u for u in units if u.kind == "station_commander_desk"}
    area_groups: dict = {}
    for u in units:
        if u.kind == "assistance_group" and u.police_area_id:
            area_groups.setdefault(u.police_area_id, u)
    hours: dict = {}
    for oh in OfficeHours.objects.filter(unit__in=area_groups.values()).order_by("id"):
        hours.setdefault(oh.unit_id, []).append((oh.weekday, oh.opens, oh.closes))
    rlc = {u.region_id: u for u in units if u.kind == "rlc"}
    by_county: dict = {}
    for m in munis:
        by_county.setdefault(m.county.code, []).append(m)
    biggest = {c: max(ms, key=lambda m: m.population) for c, ms in by_county.items()}
    health = {c: _org(name, "health_region") for c, name in HEALTH_REGIONS.items()}
    clinics, child_clinics = {}, {}
    for c, hr in health.items():
        seat = biggest.get(c)
        clinics[c] = _org(DEMO_CLINICS.get(c, f"Vuxenpsykiatrin, {hr.name}"), "psychiatric_clinic", parent=hr,
                          municipality=seat)
        child_clinics[c] = _org(f"Barn- och ungdomspsykiatrin, {hr.name}", "psychiatric_clinic", parent=hr,
                                municipality=seat)
    by_region: dict = {}
    for m in munis:
        by_region.setdefault(m.police_area.region_id, []).append(m)
    forensic, sis_youth, sis_lvm, courts, district_courts = {}, {}, {}, {}, {}
    sis = _org("Statens institutionsstyrelse", "sis")
    for rid, ms in by_region.items():
        ms = sorted(ms, key=lambda m: -m.population)
        county = ms[0].county.code
        forensic[rid] = _org(f"Rättspsykiatrin, {health[county].name}", "psychiatric_clinic", parent=health[county],
                             municipality=ms[0])
        home_muni = ms[min(2, len(ms) - 1)]
        code = regions[rid].code
        sis_youth[rid] = (_org("SiS ungdomshem Råby", "sis_home", parent=sis) if code == "syd" else
                          _org(f"SiS ungdomshem {home_muni.name}", "sis_home", parent=sis, municipality=home_muni))
        lvm_muni = ms[min(4, len(ms) - 1)]
        sis_lvm[rid] = _org(f"SiS LVM-hem {lvm_muni.name}", "sis_home", parent=sis, municipality=lvm_muni)
        city, muni_code = COURT_CITIES.get(code, (ms[0].name, ms[0].code))
        muni = next((m for m in ms if m.code == muni_code), ms[0])
        courts[rid] = _org(f"Förvaltningsrätten i {city}", "court", municipality=muni)
        district_courts[rid] = _org(f"{city} tingsrätt", "court", municipality=muni)
    from bitrade.organisation.models import RequestingOrganisation

    existing_social = {o.municipality_id: o for o in RequestingOrganisation.objects.filter(kind="social_services")
                       .exclude(municipality=None).order_by("id")}
    social = {}
    for m in munis:
        social[m.id] = existing_social.get(m.id) or _org(f"Socialnämnden {m.name}", "social_services", municipality=m)
    deciders = {}
    for rid, region in regions.items():
        username = f"syntetisk.{region.code}"
        person = Person.objects.filter(username=username).first()
        if person is None:
            person = Person(username=username, first_name="Syntetisk", last_name=f"beslutsfattare {region.name}",
                            is_active=False)
            person.set_unusable_password()
            person.save()
        deciders[rid] = person
    return World(
        municipalities=munis, cum_population=list(accumulate(m.population for m in munis)), area_sb=area_sb,
        area_groups=area_groups, group_hours=hours, rlc=rlc, regions=regions,
        region_of_area={m.police_area_id: m.police_area.region_id for m in munis}, clinics=clinics,
        child_clinics=child_clinics, forensic=forensic, social=social, sis_youth=sis_youth, sis_lvm=sis_lvm,
        courts=courts, district_courts=district_courts, socialstyrelsen=_org("Socialstyrelsen", "socialstyrelsen"),
        migration=_org("Migrationsverket", "migration_agency"), deciders=deciders, catalogue=load_catalogue(),
    )


# --------------------------------------------------------------------------- one case


@dataclass
class Generated:
    case: dict
    request: dict
    police_area_id: int | None = None
    questions: list = field(default_factory=list)
    events: list = field(default_factory=list)
    episodes: list = field(default_factory=list)  # (episode, [holdings], protocol or None, [orders with legs])


def _age(dice: Dice, stream: Stream) -> int:
    if stream.law == "LVU":
        if stream.key == "LVU-43-1-3":
            return dice.randint(13, 20)
        return dice.pick(((dice.randint(2, 11), 0.15), (dice.randint(12, 17), 0.70), (dice.randint(18, 20), 0.15)))
    if stream.law == "LPT":
        if dice.chance(0.05):
            return dice.randint(13, 17)
        return dice.pick(((dice.randint(18, 24), 0.18), (dice.randint(25, 44), 0.42), (dice.randint(45, 64), 0.28),
                          (dice.randint(65, 90), 0.12)))
    if stream.law in ("LRV", "LVM"):
        return dice.randint(20, 70)
    if stream.key == "OTHER-FB":
        return dice.randint(2, 15)
    return dice.randint(18, 65)


def _name(dice: Dice) -> str:
    return f"{dice.choice(FIRST_NAMES)} {dice.choice(FAKE_SURNAMES)}"


def _requester(world: World, dice: Dice, stream: Stream, muni, age: int):
    rid = muni.police_area.region_id
    county = muni.county.code
    k = stream.key
    if stream.law in ("LPT",):
        if k == "LPT-47-2-7":
            return world.socialstyrelsen, "socialstyrelsen_officer"
        clinic = world.child_clinics[county] if age < 18 else world.clinics[county]
        role = "physician" if k in ("LPT-47-2-1", "LPT-47-2-2") and dice.chance(0.6) else "chief_physician"
        return clinic, role
    if stream.law == "LRV":
        return world.forensic[rid], "chief_physician"
    if k in ("LVM-45-1-1", "LVU-43-1-1") and dice.chance(0.1):
        return world.courts[rid], "court_official"
    if k in ("LVM-45-1-1", "LVM-45-1-2", "LVU-43-1-1", "LVU-43-1-2"):
        return world.social[muni.id], dice.pick((("social_services_official", 0.8), ("appointed_official", 0.12),
                                                  ("board_chair", 0.08)))
    if k == "LVM-45-1-3":
        return world.clinics[county], "head_of_operations"
    if k == "LVM-45-1-4":
        return world.sis_lvm[rid], "sis_officer"
    if k == "LVU-43-1-3":
        return world.sis_youth[rid], "sis_officer"
    if k == "OTHER-UTL":
        return world.migration, "migration_officer"
    if k == "OTHER-TILLSYN":
        return world.social[muni.id], "appointed_official"
    return world.district_courts[rid], "court_official"


def _open_group(world: World, area_id, local: datetime):
    group = world.area_groups.get(area_id)
    if group is None:
        return None
    for weekday, opens, closes in world.group_hours.get(group.id, ()):
        if local.weekday() == weekday and opens <= local.time() < closes:
            return group
    return None


def _review(world: World, stream: Stream, outcome: str) -> dict:
    key = (stream.key, outcome)
    if key not in world.review_cache:
        entry = world.catalogue.get(stream.key) if stream.law else None
        world.review_cache[key] = {
            "outcome": outcome,
            "legal_basis": None if entry is None else {
                "key": entry.key, "law": entry.law, "sfs": entry.sfs, "section": entry.section,
                "paragraph": entry.paragraph, "point": entry.point, "citation": entry.citation},
            "checks": [], "questions": [], "competent_deciders": list(entry.competent_deciders) if entry else [],
            "kriminalvarden_transport": entry.kriminalvarden_transport if entry else None,
            "case_code": stream.case_code, "synthetic": True,
        }
    return world.review_cache[key]


def _decider_function(unit, law: str) -> str:
    if unit.kind == "rlc":
        return "rlc_commander" if law in ("LPT", "LRV", "") else "duty_officer"
    if unit.kind == "assistance_group":
        return "level2_manager"
    return "station_commander"


@dataclass
class _Timeline:
    events: list = field(default_factory=list)
    state: str = ""

    def add(self, at: datetime, action: str, to_state: str | None = None, text: str = "", *, actor: str = "",
            function: str = "", public: bool = True):
        frm = self.state
        if to_state is not None:
            self.state = to_state
        self.events.append((at, action, frm if to_state is not None else "", to_state or "", text, actor, function,
                            public))


def generate_case(world: World, dice: Dice, stream: Stream, received: datetime, seq_ref: str,
                  until: datetime) -> Generated:
    """One case with its request, questions, timeline, custody and transports, consistent up to ``until``."""
    muni = world.municipality(dice)
    area_id = muni.police_area_id
    region_id = muni.police_area.region_id
    region = world.regions[region_id]
    age = _age(dice, stream)
    org, role = _requester(world, dice, stream, muni, age)
    priority = dice.pick(PRIORITY_SHARES.get(stream.key) or PRIORITY_SHARES["other" if not stream.law else "default"])
    local = received.astimezone(STOCKHOLM)
    if priority in (1, 2):
        unit = world.rlc[region_id]
    else:
        unit = _open_group(world, area_id, local) or world.area_sb.get(area_id) or world.rlc[region_id]
    review_outcome = dice.pick(REVIEW_OUTCOMES)
    tl = _Timeline()
    t = received
    initial = case_rules.COMPLETION_REQUESTED if review_outcome == "needs_completion" else case_rules.RECEIVED
    tl.add(t, "received", initial, f"Begäran mottagen och styrd till {unit.name}.", actor="Biträde (automatiskt)")
    questions = []
    ack_due = received + timedelta(minutes=ACK_DUE[priority])
    acknowledged_at = None
    escalations = 0
    # completion asked by the formal review at receipt
    answered_at = None
    if review_outcome == "needs_completion":
        if dice.chance(1 - COMPLETION_UNANSWERED):
            answered_at = t + _minutes(dice.lognormal_median(90, 0.9))
        questions.append((t, answered_at))
        if answered_at is not None:
            tl.add(answered_at, case_rules.COMPLETE, case_rules.RECEIVED, "Begärande myndighet har kompletterat.",
                   actor=org.name)
            t = answered_at
            ack_due = t + timedelta(minutes=ACK_DUE[priority])
    unit_function = _decider_function(unit, stream.law)
    decision_text_actor = f"{unit.name}"
    withdrawn = False
    if review_outcome == "needs_completion" and answered_at is None:
        # Never answered: refused for lack of the completion, or withdrawn by the requester.
        if dice.chance(0.6):
            acknowledged_at = None
            decided_at = t + _minutes(dice.lognormal_median(48 * 60, 0.5))
            decision = case_rules.REFUSED
            refusal_check = dice.choice(("conditions_stated", "documents_attached", "measures_described"))
        else:
            withdrawn = True
            decided_at = None
            decision = ""
            refusal_check = ""
    else:
        late = dice.chance(LATE_ACK_RATE)
        if late and unit.kind != "rlc":
            escalations = 2 if dice.chance(SECOND_ESCALATION) else 1
            at = ack_due
            for _ in range(escalations):
                new_unit = (world.area_sb.get(area_id) if unit.kind == "assistance_group" else None) or \
                    world.rlc[region_id]
                if new_unit.id == unit.id:
                    break
                tl.add(at, "escalated", None, f"Inte kvitterad i tid: eskalerad från {unit.name} till {new_unit.name}.",
                       actor="Biträde (automatiskt)", public=False)
                unit = new_unit
                ack_due = at + timedelta(minutes=ACK_DUE[priority])
                at = ack_due
            acknowledged_at = ack_due - timedelta(minutes=ACK_DUE[priority]) + _minutes(
                min(dice.lognormal_median(ACK_MEDIAN[priority], 0.6), ACK_DUE[priority] * 0.9))
            unit_function = _decider_function(unit, stream.law)
        elif late:
            acknowledged_at = ack_due + _minutes(dice.lognormal_median(10, 0.8))
        else:
            acknowledged_at = t + _minutes(min(dice.lognormal_median(ACK_MEDIAN[priority], 0.8),
                                               ACK_DUE[priority] * 0.95))
        tl.add(acknowledged_at, case_rules.ACKNOWLEDGE, case_rules.ACKNOWLEDGED, f"Kvitterad av {unit.name}.",
               actor=decision_text_actor, function=unit_function)
        t = acknowledged_at
        if review_outcome == "admissible" and dice.chance(POLICE_COMPLETION_SHARE):
            asked = t + _minutes(dice.lognormal_median(10, 0.5))
            tl.add(asked, case_rules.REQUEST_COMPLETION, case_rules.COMPLETION_REQUESTED,
                   "Polisen behöver veta mer om var personen kan antas finnas.", actor=decision_text_actor,
                   function=unit_function)
            answered = asked + _minutes(dice.lognormal_median(60, 0.8))
            questions.append((asked, answered))
            tl.add(answered, case_rules.COMPLETE, case_rules.ACKNOWLEDGED, "Begärande myndighet har kompletterat.",
                   actor=org.name)
            t = answered
        decided_at = t + _minutes(dice.lognormal_median(DECISION_MEDIAN[priority], 0.9))
        decision = case_rules.REFUSED if dice.chance(REFUSAL_RATE[review_outcome]) else case_rules.GRANTED
        refusal_check = ""
        if decision == case_rules.REFUSED:
            refusal_check = ("legal_basis_valid" if not stream.law else dice.pick((
                ("requester_competent", 0.25), ("legal_basis_valid", 0.2), ("measures_described", 0.2),
                ("conditions_stated", 0.2), ("documents_attached", 0.1), ("person_identified", 0.05))))
    if decided_at is not None:
        if dice.chance(OVERRULE_RATE):
            first = case_rules.REFUSED if decision == case_rules.GRANTED else case_rules.GRANTED
            tl.add(decided_at, case_rules.GRANT if first == case_rules.GRANTED else case_rules.REFUSE, first,
                   "Beviljad." if first == case_rules.GRANTED else "Avslag.", actor=decision_text_actor,
                   function=unit_function)
            decided_at = decided_at + _minutes(dice.uniform(30, 180))
            tl.add(decided_at, case_rules.OVERRULE, decision, "Beslutet ändrat av vakthavande befäl.",
                   actor=f"Vakthavande befäl {region.name.removeprefix('Region ')}", function="duty_officer")
        else:
            tl.add(decided_at, case_rules.GRANT if decision == case_rules.GRANTED else case_rules.REFUSE, decision,
                   "Beviljad." if decision == case_rules.GRANTED else
                   f"Avslag: {case_rules.FORMAL_CHECKS.get(refusal_check, '')}.", actor=decision_text_actor,
                   function=unit_function)
    assign_due = assigned_at = started = outcome_at = informed_at = closed_at = None
    risk_level = dice.pick(RISK_LEVELS)
    resource = ""
    outcome = ""
    patrol = None
    wanted = ""
    episodes = []
    if withdrawn:
        outcome_at = t + _minutes(dice.lognormal_median(24 * 60, 0.8))
        outcome, informed_at = case_rules.OUTCOME_WITHDRAWN, outcome_at
        tl.add(outcome_at, case_rules.WITHDRAW, case_rules.NOT_EXECUTED, "Begäran återkallad av begärande myndighet.",
               actor=org.name)
    elif decision == case_rules.GRANTED:
        assign_due = decided_at + timedelta(minutes=ASSIGN_DUE[priority])
        if dice.chance(WITHDRAWN_BEFORE_EXECUTION):
            outcome_at = decided_at + _minutes(dice.lognormal_median(6 * 60, 1.0))
            outcome, informed_at = case_rules.OUTCOME_WITHDRAWN, outcome_at
            tl.add(outcome_at, case_rules.WITHDRAW, case_rules.NOT_EXECUTED,
                   "Begäran återkallad av begärande myndighet.", actor=org.name)
        else:
            if dice.chance(LATE_ASSIGNMENT_RATE):
                assigned_at = assign_due + _minutes(dice.lognormal_median(ASSIGN_DUE[priority] * 0.5, 0.8))
            else:
                assigned_at = decided_at + _minutes(min(dice.lognormal_median(ASSIGN_MEDIAN[priority], 0.7),
                                                        ASSIGN_DUE[priority] * 0.95))
            resource = (unit.name if unit.kind == "assistance_group" else
                        f"Patrull {muni.police_area.name.removeprefix('Polisområde ')} {dice.randint(1100, 9899)}")
            tl.add(assigned_at, case_rules.ASSIGN, case_rules.ASSIGNED, f"Resurs tilldelad: {resource}.",
                   actor=decision_text_actor, function=unit_function)
            active = dice.lognormal_median(PATROL_MEAN_MINUTES * math.exp(-PATROL_SIGMA ** 2 / 2), PATROL_SIGMA)
            started = assigned_at + _minutes(min(active * 0.25, dice.lognormal_median(20, 0.6)))
            tl.add(started, case_rules.START_EXECUTION, case_rules.IN_EXECUTION, "Verkställigheten påbörjad.",
                   actor=decision_text_actor, function="officer")
            finish = assigned_at + _minutes(active)
            if dice.chance(NOT_FOUND_RATE):
                wanted = f"NEPU-SYN-{dice.randint(100000, 999999)}"
                tl.add(started + _minutes(45), case_rules.RECORD_NOT_FOUND, case_rules.IN_EXECUTION,
                       f"Personen påträffades inte. Efterlyst ({wanted}).", actor=decision_text_actor,
                       function="officer")
                finish = finish + _minutes(dice.lognormal_median(2 * 24 * 60, 0.8))
            outcome = dice.pick(OUTCOME_SHARES)
            outcome_at = finish
            if outcome == case_rules.OUTCOME_NEED_ENDED:
                outcome_at = started + (finish - started) * 0.5
            returning = dice.lognormal_median(RETURN_DRIVE_MEDIAN, 0.5)
            patrol_active = (outcome_at - assigned_at).total_seconds() / 60
            if wanted:
                patrol_active = min(patrol_active, active * 1.3)
            patrol = None if dice.chance(PATROL_MISSING) else max(1, round(patrol_active + returning))
            if outcome in (case_rules.OUTCOME_EXECUTED, case_rules.OUTCOME_HEALTH_CARE) and stream.law and \
                    dice.chance(EPISODE_RATE.get(stream.key, EPISODE_RATE_DEFAULT)):
                ep_start = max(started, outcome_at - _minutes(dice.uniform(30, 150)))
                episodes.append(_custody(world, dice, stream, region_id, ep_start, outcome_at, age, muni))
                outcome_at = max(outcome_at, episodes[-1]["ended"])
            tl.add(outcome_at, case_rules.RECORD_OUTCOME, case_rules.OUTCOME_STATE[outcome],
                   case_rules.OUTCOME_LABELS[outcome] + ".", actor=decision_text_actor, function="officer")
            late = dice.chance(REPORT_BACK_LATE.get(outcome, REPORT_BACK_LATE_DEFAULT))
            informed_at = outcome_at + _minutes(dice.lognormal_median(3 * 24 * 60, 0.7) if late else
                                                min(dice.lognormal_median(40, 0.8), 20 * 60))
            tl.add(informed_at, "requester_informed", None, "Begärande myndighet underrättad om utfallet.",
                   actor=decision_text_actor, function=unit_function)
    elif decision == case_rules.REFUSED:
        informed_at = decided_at + _minutes(min(dice.lognormal_median(20, 0.8), 20 * 60))
        tl.add(informed_at, "requester_informed", None, "Begärande myndighet underrättad om avslaget.",
               actor=decision_text_actor, function=unit_function)
    final_at = max(x for x in (informed_at, outcome_at, decided_at) if x is not None) if (
        informed_at or outcome_at or decided_at) else None
    if final_at is not None and tl.state in (case_rules.EXECUTED, case_rules.NOT_EXECUTED, case_rules.REFUSED) and \
            not dice.chance(NEVER_CLOSED):
        closed_at = final_at + _minutes(dice.lognormal_median(20 * 60, 0.9))
        tl.add(closed_at, case_rules.CLOSE, case_rules.CLOSED, "Ärendet är avslutat.", actor=decision_text_actor,
               function=unit_function)

    # ---- cut at ``until``: nothing after it has happened yet
    state = initial
    for ev in tl.events:
        if ev[0] <= until and ev[3]:
            state = ev[3]

    def upto(x):
        return x if x is not None and x <= until else None

    events = [ev for ev in tl.events if ev[0] <= until]
    esc_count = sum(1 for ev in events if ev[1] == "escalated")
    overrule_count = sum(1 for ev in events if ev[1] == case_rules.OVERRULE)
    decided_at_cut = max((ev[0] for ev in events if ev[1] in (case_rules.GRANT, case_rules.REFUSE,
                                                               case_rules.OVERRULE)), default=None)
    decision_cut = ""
    for ev in events:
        if ev[1] in (case_rules.GRANT, case_rules.REFUSE, case_rules.OVERRULE):
            decision_cut = ev[3]
    outcome_cut = outcome if upto(outcome_at) else ""
    case = dict(
        public_id=dice.uid(), kind="assistance", reference_number=seq_ref, case_code=stream.case_code, state=state, received_at=received,
        region_id=region_id, unit_id=unit.id, routing_rule_name="Syntetiska data",
        routing_reasons=["Genererat ärende (syntetiska data)."], priority=priority, ack_due_at=ack_due,
        acknowledged_at=upto(acknowledged_at), escalation_count=esc_count, decision=decision_cut,
        decided_at=decided_at_cut, decided_function=unit_function if decision_cut else "",
        refusal_check=refusal_check if decision_cut == case_rules.REFUSED else "",
        overrule_count=overrule_count, risk_level=risk_level if upto(decided_at) else "",
        assigned_at=upto(assigned_at), assign_due_at=assign_due if decision_cut == case_rules.GRANTED else None,
        resource=resource if upto(assigned_at) else "",
        outcome=outcome_cut, outcome_at=upto(outcome_at) if outcome_cut else None,
        requester_informed_at=upto(informed_at), wanted_notice_reference=wanted if started and upto(
            started + _minutes(45)) else "", patrol_minutes=patrol if outcome_cut else None,
        closed_at=upto(closed_at), updated_at=max(ev[0] for ev in events),
    )
    first, last = dice.choice(FIRST_NAMES), dice.choice(FAKE_SURNAMES)
    birth = (received.astimezone(STOCKHOLM).date() - timedelta(days=int(age * 365.25 + dice.randint(1, 360))))
    entry_text = (world.catalogue.get(stream.key).citation if stream.law else OTHER_STREAMS[stream.key][2])
    request = dict(
        public_id=dice.uid(), channel=dice.pick(CHANNELS), organisation_id=org.id, requester_name=_name(dice),
        requester_role=role, requester_phone="010-000 00 00", legal_basis_text=entry_text,
        legal_basis_key=stream.key if stream.law else "", law=stream.law, person_identity_number="",
        person_name=f"{first} {last}", person_birth_date=birth, person_age=age,
        protected_identity=dice.chance(0.01), location_address=f"Exempelgatan {dice.randint(1, 99)}, {muni.name}",
        location_municipality_id=muni.id, destination="Vårdinrättningen enligt begäran",
        measures="Syntetiskt ärende: hämta personen och föra hen till vårdinrättningen.",
        police_powers_reason="Syntetiskt ärende: personen väntas göra motstånd.",
        requested_urgency=URGENCY_FOR_PRIORITY[priority], review_outcome=review_outcome,
        review=_review(world, stream, review_outcome),
    )
    gen = Generated(case=case, request=request, police_area_id=area_id, events=events)
    for asked, answered in questions:
        if asked <= until:
            gen.questions.append(dict(
                check_code="conditions_stated", field="police_powers_reason",
                question="Ange varför polisens särskilda befogenheter behövs.", asked_at=asked,
                answer="Personen har tidigare gjort motstånd." if upto(answered) else "",
                answered_at=upto(answered)))
    for ep in episodes:
        if ep["started"] <= until:
            gen.episodes.append(ep)
    return gen


def _custody(world: World, dice: Dice, stream: Stream, region_id, start: datetime, end: datetime, age: int,
             muni) -> dict:
    """A deprivation of liberty from ``start``; a holding (förvar) and transports may lengthen it."""
    ground = f"handrackning_{stream.law.lower()}"
    child = age < 18
    holdings = []
    t = start + _minutes(dice.uniform(10, 40))
    held = False
    if age < 15:
        if dice.chance(ACTIVITY_ROOM_RATE_CHILD):
            hours = dice.lognormal_median(1.5, 0.6)
            holdings.append(("activity_room", "awaiting_transport", t, t + _minutes(hours * 60)))
    elif child:
        if dice.chance(HOLDING_RATE_15_17):
            holdings.append((dice.pick(HOLDING_PLACES), "awaiting_transport", t,
                             t + _minutes(dice.lognormal_median(HOLDING_MEDIAN_HOURS * 0.6, 0.6) * 60)))
            held = True
        elif dice.chance(ACTIVITY_ROOM_RATE_CHILD):
            holdings.append(("activity_room", "awaiting_transport", t, t + _minutes(dice.lognormal_median(1.5, 0.6) * 60)))
    elif dice.chance(HOLDING_RATE_ADULT):
        reason = dice.pick(HOLDING_REASONS)
        median = HOLDING_OVERNIGHT_MEDIAN_HOURS if reason == "overnight" else HOLDING_MEDIAN_HOURS
        holdings.append((dice.pick(HOLDING_PLACES), reason, t, t + _minutes(dice.lognormal_median(median, 0.7) * 60)))
        held = True
    ended = max([end, *[h[3] + _minutes(dice.uniform(20, 90)) for h in holdings]])
    orders = []
    kv_point = bool(world.catalogue.get(stream.key).kriminalvarden_transport)
    p_nte = NTE_CHILD_UNDER_15_SHARE if age < 15 else (NTE_KV_POINTS_SHARE if kv_point else NTE_OTHER_SHARE)
    ordered = start + _minutes(dice.uniform(5, 30))
    police_needed = True
    if dice.chance(p_nte):
        responded = ordered + _minutes(dice.lognormal_median(20, 0.7))
        if dice.chance(NTE_DECLINE_RATE):
            reason = "child_under_15_short_notice" if age < 15 else dice.pick(NTE_DECLINE_REASONS)
            orders.append({"executor": "kriminalvarden", "state": "declined", "ordered": ordered,
                           "responded": responded, "decline_reason": reason, "completed": None, "legs": []})
            ordered = responded + _minutes(5)
        else:
            cancelled = dice.chance(TRANSPORT_CANCELLED)
            orders.append({"executor": "kriminalvarden", "state": "cancelled" if cancelled else "completed",
                           "ordered": ordered, "responded": responded, "decline_reason": "",
                           "completed": None if cancelled else ended, "legs": []})
            police_needed = cancelled
            if cancelled:
                ordered = responded + _minutes(30)
    if police_needed:
        region_code = world.regions[region_id].code
        legs = []
        if dice.chance(RELAY_RATE * (2 if held else 1)):
            idx = REGION_ORDER.index(region_code) if region_code in REGION_ORDER else 0
            target = dice.choice([i for i in range(len(REGION_ORDER)) if 1 <= abs(i - idx) <= 3])
            step = 1 if target > idx else -1
            chain = [REGION_ORDER[i] for i in range(idx, target + step, step)]
            by_code = {r.code: r for r in world.regions.values()}
            at = ordered + _minutes(30)
            hops = [*zip(chain, chain[1:], strict=False), (chain[-1], chain[-1])]
            for seq, (a, b) in enumerate(hops, start=1):
                dur = _minutes(dice.uniform(90, 240) if a != b else dice.uniform(20, 90))
                legs.append({"seq": seq, "from": by_code[a].id, "to": by_code[b].id, "departs": at,
                             "arrives": at + dur})
                at = at + dur + _minutes(dice.uniform(10, 40))
            ended = max(ended, at)
        else:
            dur = _minutes(dice.uniform(20, 120))
            legs.append({"seq": 1, "from": region_id, "to": region_id, "departs": ordered + _minutes(15),
                         "arrives": ordered + _minutes(15) + dur})
            ended = max(ended, legs[-1]["arrives"])
        orders.append({"executor": "police", "state": "completed", "ordered": ordered, "responded": None,
                       "decline_reason": "", "completed": ended, "legs": legs})
    return {"ground": ground, "started": start, "ended": ended, "age": age, "child": child, "holdings": holdings,
            "orders": orders, "region_id": region_id, "place": f"Bostad, {muni.name}"}


# --------------------------------------------------------------------------- writing


def _models() -> dict:
    from bitrade.cases.models import Case, CaseEvent
    from bitrade.custody.models import CustodyEpisode, Holding, Protocol
    from bitrade.intake.models import AssistanceRequest, CompletionQuestion
    from bitrade.transport.models import TransportLeg, TransportOrder

    from .models import ActivityFact, CaseFact

    return {"ActivityFact": ActivityFact, "CaseFact": CaseFact, "Case": Case, "CaseEvent": CaseEvent, "AssistanceRequest": AssistanceRequest,
            "CompletionQuestion": CompletionQuestion, "CustodyEpisode": CustodyEpisode, "Holding": Holding,
            "Protocol": Protocol, "TransportOrder": TransportOrder, "TransportLeg": TransportLeg}


def _write(world: World, generated: list[Generated], models: dict, dice: Dice, events: bool) -> dict[str, int]:
    M = models
    bulk_insert(M["Case"], [g.case for g in generated])
    for g in generated:
        g.request["case_id"] = g.case["id"]
    bulk_insert(M["AssistanceRequest"], [g.request for g in generated])
    questions = []
    for g in generated:
        for q in g.questions:
            q["request_id"] = g.request["id"]
            questions.append(q)
    bulk_insert(M["CompletionQuestion"], questions)
    case_facts = [facts.fact_for(
        {**g.case, "organisation_id": g.request["organisation_id"], "law": g.request["law"],
         "point": g.request["legal_basis_key"], "age": g.request["person_age"], "police_area_id": g.police_area_id},
        completion=bool(g.questions)) for g in generated]
    bulk_insert(M["CaseFact"], case_facts)
    n_events = 0
    if events:
        rows = []
        for g in generated:
            for at, action, frm, to, text, actor, function, public in g.events:
                rows.append(dict(case_id=g.case["id"], at=at, action=action, actor_label=actor or "Biträde",
                                           actor_function=function, from_state=frm, to_state=to, text=text,
                                           public=public))
        bulk_insert(M["CaseEvent"], rows)
        n_events = len(rows)
    activity = {g.case["id"]: {"episodes": [], "holdings": [], "orders": []} for g in generated}
    episodes, owners = [], []
    until_cut = world.until
    for g in generated:
        for ep in g.episodes:
            ended = ep["ended"] if ep["ended"] <= until_cut else None
            episodes.append(dict(
                case_id=g.case["id"], ground=ep["ground"], citation=GROUNDS[ep["ground"]].citation,
                started_at=ep["started"], ended_at=ended, place=ep["place"], person_age=ep["age"],
                decided_by_id=world.deciders[ep["region_id"]].pk, decider_function="officer",
                end_reason="Överlämnad till vårdinrättningen" if ended else ""))
            owners.append((g, ep))
    bulk_insert(M["CustodyEpisode"], episodes)
    holdings, protocols, orders, order_legs = [], [], [], []
    for episode, (g, ep) in zip(episodes, owners, strict=True):
        activity[g.case["id"]]["episodes"].append(episode)
        decider = world.deciders[ep["region_id"]].pk
        for place, reason, start, end in ep["holdings"]:
            if start > until_cut:
                continue
            holdings.append(dict(
                episode_id=episode["id"], decided_by_id=decider, decider_function="station_commander", reason=reason,
                alternatives_considered="Syntetiska data: alternativ övervägda.", place_type=place,
                child_justification="Syntetiska data: absolut nödvändigt." if ep["child"] and
                place != "activity_room" else "",
                best_interest_assessment="Syntetiska data: barnets bästa bedömt." if ep["child"] else "",
                started_at=start, ended_at=end if end <= until_cut else None))
            activity[g.case["id"]]["holdings"].append(holdings[-1])
        if g.case["closed_at"] is not None and episode["ended_at"] is not None:
            protocols.append(dict(
                episode_id=episode["id"], decided_by_text="Syntetisk beslutsfattare",
                ground_and_time=f"{GROUNDS[ep['ground']].citation}, {ep['started']:%Y-%m-%d %H:%M}",
                decider_signed_at=episode["ended_at"], forman_signed_at=episode["ended_at"] + timedelta(hours=1)))
        for o in ep["orders"]:
            if o["ordered"] > until_cut:
                continue
            state = o["state"]
            responded = o["responded"] if o["responded"] and o["responded"] <= until_cut else None
            completed = o["completed"] if o["completed"] and o["completed"] <= until_cut else None
            if o["executor"] == "kriminalvarden" and responded is None:
                state = "requested"
            elif state == "completed" and completed is None:
                state = "accepted" if o["executor"] == "kriminalvarden" else "planned"
            order = dict(
                public_id=dice.uid(), case_id=g.case["id"], episode_id=episode["id"], executor=o["executor"], state=state,
                destination="Vårdinrättningen enligt begäran", pickup_place=ep["place"], pickup_at=o["ordered"],
                ordered_at=o["ordered"], ordered_by_id=decider, responded_at=responded,
                decline_reason=o["decline_reason"] if state == "declined" else "", completed_at=completed)
            orders.append(order)
            order_legs.append(o["legs"])
            activity[g.case["id"]]["orders"].append(order)
    bulk_insert(M["Holding"], holdings)
    bulk_insert(M["Protocol"], protocols)
    bulk_insert(M["TransportOrder"], orders)
    legs = []
    for order, leg_list in zip(orders, order_legs, strict=True):
        for leg in leg_list:
            legs.append(dict(
                order_id=order["id"], seq=leg["seq"], from_region_id=leg["from"], to_region_id=leg["to"],
                from_place=f"Överlämning {leg['seq']}", to_place=f"Överlämning {leg['seq'] + 1}",
                departs_at=leg["departs"], arrives_at=leg["arrives"],
                handed_over_at=leg["arrives"] if leg["arrives"] <= until_cut else None,
                handed_to="Nästa patrull" if len(leg_list) > 1 else "Vårdinrättningen"))
    bulk_insert(M["TransportLeg"], legs)
    for order, leg_list in zip(orders, order_legs, strict=True):
        order["legs"] = [(leg["seq"], leg["from"], leg["to"]) for leg in leg_list]
    activities = []
    for fact in case_facts:
        activities.extend(facts.activities_for(fact, **activity[fact["case_id"]]))
    bulk_insert(M["ActivityFact"], activities)
    for order in orders:
        del order["legs"]
    return {"cases": len(generated), "requests": len(generated), "events": n_events, "questions": len(questions),
            "episodes": len(episodes), "holdings": len(holdings), "protocols": len(protocols),
            "transports": len(orders), "legs": len(legs)}


def synthetic_exists() -> bool:
    from bitrade.cases.models import Case

    return Case.objects.filter(reference_number__startswith=REFERENCE_PREFIX).exists()


def delete_synthetic() -> int:
    """Remove every generated case and what hangs on it (organisations and deciders are kept).

    Plain DELETE statements in dependency order: the rows were bulk-loaded without signals or audit
    events, and going through the ORM's collector would load hundreds of thousands of objects."""
    from django.db import DEFAULT_DB_ALIAS, connections

    from bitrade.cases.models import Case, CaseEvent
    from bitrade.custody.models import CustodyEpisode, Holding, Protocol, Reassessment
    from bitrade.intake.models import AssistanceRequest, Attachment, CompletionQuestion
    from bitrade.transport.models import TransportLeg, TransportOrder

    from .models import ActivityFact, CaseFact

    conn = connections[DEFAULT_DB_ALIAS]
    qn = conn.ops.quote_name

    def t(model) -> str:
        return qn(model._meta.db_table)

    cases = f"SELECT id FROM {t(Case)} WHERE reference_number LIKE %s"
    orders = f"SELECT id FROM {t(TransportOrder)} WHERE case_id IN ({cases})"
    episodes = f"SELECT id FROM {t(CustodyEpisode)} WHERE case_id IN ({cases})"
    requests = f"SELECT id FROM {t(AssistanceRequest)} WHERE case_id IN ({cases})"
    statements = [
        f"DELETE FROM {t(TransportLeg)} WHERE order_id IN ({orders})",
        f"DELETE FROM {t(TransportOrder)} WHERE case_id IN ({cases})",
        f"DELETE FROM {t(Protocol)} WHERE episode_id IN ({episodes})",
        f"DELETE FROM {t(Reassessment)} WHERE episode_id IN ({episodes})",
        f"DELETE FROM {t(Holding)} WHERE episode_id IN ({episodes})",
        f"DELETE FROM {t(CustodyEpisode)} WHERE case_id IN ({cases})",
        f"DELETE FROM {t(CompletionQuestion)} WHERE request_id IN ({requests})",
        f"DELETE FROM {t(Attachment)} WHERE request_id IN ({requests})",
        f"DELETE FROM {t(AssistanceRequest)} WHERE case_id IN ({cases})",
        f"DELETE FROM {t(CaseEvent)} WHERE case_id IN ({cases})",
        f"DELETE FROM {t(ActivityFact)} WHERE case_id IN ({cases})",
        f"DELETE FROM {t(CaseFact)} WHERE case_id IN ({cases})",
        f"DELETE FROM {t(Case)} WHERE reference_number LIKE %s",
    ]
    pattern = REFERENCE_PREFIX + "%"
    with transaction.atomic(), conn.cursor() as cur:
        for sql in statements:
            cur.execute(sql, [pattern])
            if sql.startswith(f"DELETE FROM {t(Case)} "):
                return cur.rowcount
    return 0


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
    counts: dict[str, int]
    start: datetime
    until: datetime
    seed: int
    scale: float
    years: int


def generate(*, years: int = 10, seed: int = 1, scale: float = 1.0, until: date | datetime | None = None,
             care_laws_only: bool = False, events: bool = True, replace: bool = False,
             progress: bool = False, log: Callable[[str], None] | None = None) -> Result:
    """Generate ``years`` years of national data ending at ``until`` (default 2026-01-01, Stockholm time).

    ``scale`` multiplies every volume (1.0 = the whole country). Raises ``ValueError`` when generated data
    already exists and ``replace`` is false.
    """
    from bitrade.audit import services as audit
    from bitrade.common.actor import SYSTEM_ACTOR

    if years < 1 or years > 30:
        raise ValueError("Antalet år måste vara mellan 1 och 30.")
    if not 0 < scale <= 10:
        raise ValueError("Skalan måste vara större än 0 och högst 10.")
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
    if synthetic_exists():
        if not replace:
            raise ValueError("Det finns redan genererade ärenden (SYN-…). Använd --replace för att ersätta dem.")
        removed = delete_synthetic()
        if log:
            log(f"Tog bort {removed} tidigare genererade ärenden.")
    world = build_world()
    world.until = until_dt
    models = _models()
    all_streams = streams(care_laws_only)
    totals: dict[str, int] = {}
    counters: dict[tuple[int, int], int] = {}
    months = list(_month_starts(start, until_dt))
    bar = None
    if progress:
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
            dice = Dice(f"{seed}:{local.year}:{local.month}:{scale}")
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
    audit.record(SYSTEM_ACTOR, "followup.generated", object_type="followup.synthetic",
                 new={"years": years, "seed": seed, "scale": scale, "start": start.isoformat(),
                      "until": until_dt.isoformat(), "care_laws_only": care_laws_only, "counts": totals})
    return Result(totals, start, until_dt, seed, scale, years)


def load_demo_data(now: datetime | None = None) -> Result | None:
    """The small slice the demo set-up loads so the dashboards have content: one year up to now, 2 % of the
    national volume (about 650 cases), seed 1. Does nothing when generated data already exists."""
    if synthetic_exists():
        return None
    return generate(years=1, scale=0.02, seed=1, until=now or timezone.now())
