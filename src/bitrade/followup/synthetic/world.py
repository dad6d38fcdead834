"""The world the cases live in: municipalities weighted by population, units, requesting organisations
and the deciders (loaded, and created where missing)."""

from __future__ import annotations

from bisect import bisect
from dataclasses import dataclass, field
from datetime import datetime
from itertools import accumulate

from bitrade.legal.catalogue import load_catalogue

from .calibration import COURT_CITIES, DEMO_CLINICS, HEALTH_REGIONS
from .dice import Dice

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
