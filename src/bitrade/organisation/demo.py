"""The demo organisation: units in every region (rich in Syd, Stockholm and Nord), requesting
organisations, and one login per persona. Idempotent: running it twice changes nothing."""

from __future__ import annotations

from datetime import time
from typing import NamedTuple

from django.db import transaction

from bitrade.audit import services as audit

from .actor import SYSTEM_ACTOR
from .models import (
    ApiKey,
    Municipality,
    OfficeHours,
    Person,
    PoliceArea,
    PoliceRegion,
    RequestingOrganisation,
    StaffMembership,
    Unit,
    UnitMembership,
)
from .services import _hash_secret, load_police_structure

DEMO_PASSWORD = "biträde-demo"
# A fixed, public demo key so the README can show an API call. Never used outside the demo.
DEMO_API_KEY = "btr_demo0001_malmo-socialtjanst-demonyckel"

WEEKDAYS = range(5)


def _slug(code: str) -> str:
    return code.split("-", 1)[1] if "-" in code else code


def _unit(name, kind, region, area=None, *, always_open=False, email="", phone="") -> Unit:
    unit, _ = Unit.objects.update_or_create(
        name=name, region=region,
        defaults={"kind": kind, "police_area": area, "always_open": always_open, "email": email, "phone": phone},
    )
    return unit


def _hours(unit: Unit, spans: list[tuple[int, time, time]]) -> None:
    if unit.office_hours.exists():
        return
    for weekday, opens, closes in spans:
        OfficeHours.objects.create(unit=unit, weekday=weekday, opens=opens, closes=closes)


def _person(username, first, last, *, title="", national_function="", superuser=False) -> Person:
    person = Person.objects.filter(username=username).first()
    if person is None:
        person = Person(username=username)
        person.set_password(DEMO_PASSWORD)
    person.first_name, person.last_name, person.title = first, last, title
    person.national_function = national_function
    person.email = f"{username}@demo.example"
    person.is_staff = person.is_superuser = superuser
    person.save()
    return person


def _member(person, unit, function):
    UnitMembership.objects.get_or_create(person=person, unit=unit, function=function)


def _staff(person, org, role):
    StaffMembership.objects.get_or_create(person=person, organisation=org, role=role)


def _org(name, kind, *, parent=None, municipality=None, email="", phone="") -> RequestingOrganisation:
    org, _ = RequestingOrganisation.objects.update_or_create(
        name=name, defaults={"kind": kind, "parent": parent, "municipality": municipality, "email": email,
                             "phone_24h": phone},
    )
    return org


@transaction.atomic
def load_demo() -> list[dict]:
    load_police_structure()
    regions = {r.code: r for r in PoliceRegion.objects.all()}
    units = _police_units(regions)
    personas: list[dict] = []

    def persona(username, first, last, what, **kw):
        p = _person(username, first, last, **kw)
        personas.append({"username": username, "name": f"{first} {last}", "persona": what})
        return p

    _police_people(persona, regions, units)
    soc_malmo = _requesting_organisations(persona)
    persona("analytiker", "Ingrid", "Dahl", "Nationell analytiker", national_function="analyst")
    persona("processagare", "Göran", "Bäck", "Nationell processägare", national_function="process_owner")
    persona("admin", "Alva", "Rask", "Administratör", national_function="administrator", superuser=True)

    prefix, secret = DEMO_API_KEY.split("_", 2)[1:]
    ApiKey.objects.get_or_create(prefix=prefix, defaults={
        "organisation": soc_malmo, "name": "Demonyckel (offentlig)", "key_hash": _hash_secret(secret)})
    audit.record(SYSTEM_ACTOR, "demo.loaded", object_type="organisation.demo", new={"personas": len(personas)})
    return personas


class _PoliceUnits(NamedTuple):
    rlc: dict
    sb: dict
    hg_malmo: Unit
    city_area: PoliceArea | None


def _police_units(regions: dict) -> _PoliceUnits:
    """Every region: an RLC (24/7, with RLC commanders and duty officers); every police area: a station
    commander desk (24/7); two assistance groups and a few other units."""
    rlc = {}
    for code, region in regions.items():
        short = region.name.removeprefix("Region ")
        # The duty officer (vb) sits at the RLC: a person with the duty_officer function in the RLC unit.
        rlc[code] = _unit(f"RLC {short}", "rlc", region, always_open=True, email=f"rlc.{code}@polisen.example",
                          phone="114 14")
    sb = {}
    for area in PoliceArea.objects.select_related("region"):
        sb[area.code] = _unit(f"Stationsbefäl {area.name.removeprefix('Polisområde ')}", "station_commander_desk",
                              area.region, area, always_open=True, email=f"sb.{_slug(area.code)}@polisen.example")
    # Handräckningsgrupper: Malmö weekdays until 19.00 and Saturdays (model B), Stockholm City until 16.00 (model C).
    malmo_area = PoliceArea.objects.get(code="syd-malmo")
    hg_malmo = _unit("Handräckningsgrupp Malmö", "assistance_group", regions["syd"], malmo_area,
                     email="handrackning.malmo@polisen.example", phone="010-563 10 00")
    _hours(hg_malmo, [(d, time(7), time(19)) for d in WEEKDAYS] + [(5, time(9), time(15))])
    city_area = PoliceArea.objects.filter(region=regions["stockholm"], code__contains="city").first()
    if city_area:
        hg_city = _unit("Handräckningsgrupp Stockholm City", "assistance_group", regions["stockholm"], city_area,
                        email="handrackning.city@polisen.example")
        _hours(hg_city, [(d, time(7), time(16)) for d in WEEKDAYS])
    _unit("BOPS-gruppen Syd", "bops", regions["syd"], email="bops.syd@polisen.example")
    admin_syd = _unit("Administrativt stöd Syd", "admin_support", regions["syd"])
    _hours(admin_syd, [(d, time(8), time(16, 30)) for d in WEEKDAYS])
    _unit("Gränspolisen Syd", "border_police", regions["syd"], always_open=True)
    return _PoliceUnits(rlc, sb, hg_malmo, city_area)


def _police_people(persona, regions: dict, units: _PoliceUnits) -> None:
    """The police personas, each in its unit with its function."""
    rlc, sb, hg_malmo, city_area = units
    nord_first_area = Municipality.objects.get(code="2580").police_area  # Luleå
    stockholm_any_area = city_area or PoliceArea.objects.filter(region=regions["stockholm"]).first()

    _member(persona("sb.malmo", "Karin", "Lind", "Stationsbefäl, Polisområde Malmö"), sb["syd-malmo"],
            "station_commander")
    _member(persona("rlc.syd", "Anders", "Berg", "RLC-befäl, Region Syd"), rlc["syd"], "rlc_commander")
    _member(persona("vb.syd", "Sara", "Nyström", "Vakthavande befäl vid RLC Syd"), rlc["syd"], "duty_officer")
    gc = persona("gc.malmo", "Johan", "Ek", "Gruppchef (nivå två), Handräckningsgrupp Malmö")
    _member(gc, hg_malmo, "level2_manager")
    _member(persona("polis.malmo", "Elin", "Holm", "Polis, Handräckningsgrupp Malmö"), hg_malmo, "officer")
    if stockholm_any_area:
        _member(persona("sb.stockholm", "Mikael", "Sund", f"Stationsbefäl, {stockholm_any_area.name}"),
                sb[stockholm_any_area.code], "station_commander")
    _member(persona("rlc.stockholm", "Lena", "Falk", "RLC-befäl, Region Stockholm"), rlc["stockholm"],
            "rlc_commander")
    if nord_first_area:
        _member(persona("sb.nord", "Per", "Lindqvist", f"Stationsbefäl, {nord_first_area.name}"),
                sb[nord_first_area.code], "station_commander")
    _member(persona("rlc.nord", "Maria", "Öberg", "RLC-befäl, Region Nord"), rlc["nord"], "rlc_commander")


def _requesting_organisations(persona) -> RequestingOrganisation:
    """Requesting organisations and their staff, SiS, courts and Kriminalvården; returns the social services
    of Malmö (the owner of the demo API key)."""
    def muni(code):
        return Municipality.objects.get(code=code)

    region_skane = _org("Region Skåne", "health_region", email="registrator@skane.example")
    psyk_malmo = _org("Vuxenpsykiatri Malmö, Skånes universitetssjukhus", "psychiatric_clinic", parent=region_skane,
                      municipality=muni("1280"), email="psykiatri.malmo@skane.example", phone="040-33 10 00")
    _staff(persona("overlakare.malmo", "Eva", "Sandberg", "Chefsöverläkare, Vuxenpsykiatri Malmö"), psyk_malmo,
           "chief_physician")
    _staff(persona("lakare.malmo", "Ali", "Haddad", "Läkare, Vuxenpsykiatri Malmö"), psyk_malmo, "physician")
    soc_malmo = _org("Socialnämnden Malmö stad", "social_services", municipality=muni("1280"),
                     email="socialtjanst@malmo.example", phone="040-34 10 00")
    _staff(persona("soc.malmo", "Lina", "Persson", "Socialsekreterare med delegation, Malmö stad"), soc_malmo,
           "social_services_official")
    _staff(persona("ordf.malmo", "Bengt", "Olsson", "Socialnämndens ordförande, Malmö stad"), soc_malmo, "board_chair")

    region_sthlm = _org("Region Stockholm", "health_region", email="registrator@regionstockholm.example")
    psyk_sthlm = _org("Norra Stockholms psykiatri", "psychiatric_clinic", parent=region_sthlm,
                      municipality=muni("0180"), email="nsp@regionstockholm.example", phone="08-123 400 00")
    _staff(persona("overlakare.stockholm", "Johanna", "Wik", "Chefsöverläkare, Norra Stockholms psykiatri"),
           psyk_sthlm, "chief_physician")
    soc_sthlm = _org("Socialnämnden Stockholms stad", "social_services", municipality=muni("0180"),
                     email="socialjour@stockholm.example", phone="08-508 40 000")
    _staff(persona("soc.stockholm", "Omar", "Said", "Socialsekreterare, Stockholms stad"), soc_sthlm,
           "social_services_official")

    region_nb = _org("Region Norrbotten", "health_region")
    psyk_nb = _org("Psykiatriska kliniken Sunderby sjukhus", "psychiatric_clinic", parent=region_nb,
                   municipality=muni("2580"), email="psykiatri@norrbotten.example", phone="0920-28 20 00")
    _staff(persona("overlakare.nord", "Henrik", "Nilsson", "Chefsöverläkare, Sunderby sjukhus"), psyk_nb,
           "chief_physician")
    soc_lulea = _org("Socialnämnden Luleå kommun", "social_services", municipality=muni("2580"))
    _staff(persona("soc.lulea", "Anna", "Lund", "Socialsekreterare, Luleå kommun"), soc_lulea,
           "social_services_official")

    sis = _org("Statens institutionsstyrelse", "sis", email="sis@sis.example")
    sis_home = _org("SiS ungdomshem Råby", "sis_home", parent=sis, municipality=muni("1282"),
                    email="raby@sis.example", phone="046-00 00 00")
    _staff(persona("sis.raby", "Nils", "Åberg", "SiS-handläggare, ungdomshem Råby"), sis_home, "sis_officer")
    _org("Socialstyrelsen", "socialstyrelsen")
    _org("Migrationsverket", "migration_agency")
    _org("Åklagarmyndigheten", "prosecution")
    _org("Malmö tingsrätt", "court", municipality=muni("1280"))
    _org("Förvaltningsrätten i Malmö", "court", municipality=muni("1280"))
    nte = _org("Kriminalvården, nationella transportenheten Syd", "kriminalvarden",
               email="nte.syd@kriminalvarden.example", phone="010-000 00 00")
    _staff(persona("nte.syd", "Fredrik", "Hall", "Transportplanerare, NTE Syd"), nte, "nte_planner")
    return soc_malmo
