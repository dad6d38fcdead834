"""The organisation of the Police and of the requesting authorities.

Persistence only: decisions (office hours, routing) live in ``rules.py`` of each app.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class PoliceRegion(models.Model):
    code = models.SlugField(_("kod"), max_length=32, unique=True)
    name = models.CharField(_("namn"), max_length=100)

    class Meta:
        verbose_name = _("polisregion")
        verbose_name_plural = _("polisregioner")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PoliceArea(models.Model):
    """Polisområde."""

    code = models.SlugField(_("kod"), max_length=64, unique=True)
    name = models.CharField(_("namn"), max_length=100)
    region = models.ForeignKey(PoliceRegion, on_delete=models.PROTECT, related_name="police_areas",
                               verbose_name=_("polisregion"))

    class Meta:
        verbose_name = _("polisområde")
        verbose_name_plural = _("polisområden")
        ordering = ["region__name", "name"]

    def __str__(self) -> str:
        return self.name


class LocalPoliceArea(models.Model):
    """Lokalpolisområde."""

    code = models.SlugField(_("kod"), max_length=96, unique=True)
    name = models.CharField(_("namn"), max_length=100)
    police_area = models.ForeignKey(PoliceArea, on_delete=models.PROTECT, related_name="local_police_areas",
                                    verbose_name=_("polisområde"))

    class Meta:
        verbose_name = _("lokalpolisområde")
        verbose_name_plural = _("lokalpolisområden")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class County(models.Model):
    code = models.CharField(_("länskod"), max_length=2, unique=True)
    name = models.CharField(_("namn"), max_length=100)
    region = models.ForeignKey(PoliceRegion, on_delete=models.PROTECT, related_name="counties",
                               verbose_name=_("polisregion"))

    class Meta:
        verbose_name = _("län")
        verbose_name_plural = _("län")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    code = models.CharField(_("kommunkod"), max_length=4, unique=True)
    name = models.CharField(_("namn"), max_length=100)
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="municipalities", verbose_name=_("län"))
    police_area = models.ForeignKey(PoliceArea, on_delete=models.PROTECT, related_name="municipalities",
                                    verbose_name=_("polisområde"))
    local_police_area = models.ForeignKey(
        LocalPoliceArea, on_delete=models.PROTECT, related_name="municipalities", null=True, blank=True,
        verbose_name=_("lokalpolisområde"),
    )
    population = models.PositiveIntegerField(_("folkmängd"), null=True, blank=True)

    class Meta:
        verbose_name = _("kommun")
        verbose_name_plural = _("kommuner")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        if not (self.code.isdigit() and len(self.code) == 4):
            raise ValidationError({"code": _("Kommunkoden ska vara fyra siffror.")})
        if self.county_id and self.police_area_id and self.county.region_id != self.police_area.region_id:
            raise ValidationError({"police_area": _("Polisområdet hör inte till länets polisregion.")})


class UnitKind(models.TextChoices):
    RLC = "rlc", _("Regionledningscentral (RLC)")
    STATION_COMMANDER_DESK = "station_commander_desk", _("Stationsbefäl")
    DUTY_OFFICER_DESK = "duty_officer_desk", _("Vakthavande befäl")
    ASSISTANCE_GROUP = "assistance_group", _("Handräckningsgrupp")
    BORDER_POLICE = "border_police", _("Gränspolis")
    BOPS = "bops", _("BOPS-grupp (brottsoffer- och personsäkerhet)")
    ADMIN_SUPPORT = "admin_support", _("Administrativt stöd")
    NOA = "noa", _("Nationella operativa avdelningen (NOA)")


class Unit(models.Model):
    name = models.CharField(_("namn"), max_length=150)
    kind = models.CharField(_("typ"), max_length=32, choices=UnitKind.choices)
    region = models.ForeignKey(PoliceRegion, on_delete=models.PROTECT, related_name="units",
                               verbose_name=_("polisregion"))
    police_area = models.ForeignKey(
        PoliceArea, on_delete=models.PROTECT, related_name="units", null=True, blank=True,
        verbose_name=_("polisområde"),
    )
    always_open = models.BooleanField(_("öppen dygnet runt"), default=False)
    email = models.EmailField(_("funktionsbrevlåda"), blank=True)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        verbose_name = _("enhet")
        verbose_name_plural = _("enheter")
        ordering = ["region__name", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not self.region_id:
            raise ValidationError({"region": _("En enhet måste höra till en polisregion.")})
        if self.police_area_id and self.police_area.region_id != self.region_id:
            raise ValidationError({"police_area": _("Polisområdet ligger inte i enhetens region.")})
        if self.kind in {UnitKind.STATION_COMMANDER_DESK, UnitKind.ASSISTANCE_GROUP} and not self.police_area_id:
            raise ValidationError({"police_area": _("Stationsbefäl och handräckningsgrupp hör till ett polisområde.")})


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("måndag")
    TUESDAY = 1, _("tisdag")
    WEDNESDAY = 2, _("onsdag")
    THURSDAY = 3, _("torsdag")
    FRIDAY = 4, _("fredag")
    SATURDAY = 5, _("lördag")
    SUNDAY = 6, _("söndag")


class OfficeHours(models.Model):
    """One opening interval of a unit in the weekly calendar, valid for a period."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="office_hours")
    weekday = models.PositiveSmallIntegerField(_("veckodag"), choices=Weekday.choices)
    opens = models.TimeField(_("öppnar"))
    closes = models.TimeField(_("stänger"))
    valid_from = models.DateField(_("gäller från"), null=True, blank=True)
    valid_to = models.DateField(_("gäller till"), null=True, blank=True)

    class Meta:
        verbose_name = _("öppettid")
        verbose_name_plural = _("öppettider")
        ordering = ["unit", "weekday", "opens"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class PoliceFunction(models.TextChoices):
    RLC_COMMANDER = "rlc_commander", _("RLC-befäl")
    STATION_COMMANDER = "station_commander", _("Stationsbefäl")
    DUTY_OFFICER = "duty_officer", _("Vakthavande befäl")
    LEVEL2_MANAGER = "level2_manager", _("Chef på nivå två (gruppchef)")
    OFFICER = "officer", _("Polis")
    ANALYST = "analyst", _("Analytiker")
    ADMINISTRATOR = "administrator", _("Administratör")
    PROCESS_OWNER = "process_owner", _("Processägare")


class OrganisationKind(models.TextChoices):
    HEALTH_REGION = "health_region", _("Region (hälso- och sjukvård)")
    PSYCHIATRIC_CLINIC = "psychiatric_clinic", _("Psykiatrisk klinik")
    SOCIAL_SERVICES = "social_services", _("Socialnämnd/socialtjänst")
    SIS = "sis", _("Statens institutionsstyrelse (SiS)")
    SIS_HOME = "sis_home", _("SiS-hem")
    MIGRATION_AGENCY = "migration_agency", _("Migrationsverket")
    KRIMINALVARDEN = "kriminalvarden", _("Kriminalvården, nationella transportenheten")
    PROSECUTION = "prosecution", _("Åklagarmyndigheten")
    COURT = "court", _("Domstol")
    SOCIALSTYRELSEN = "socialstyrelsen", _("Socialstyrelsen")


class ProfessionalRole(models.TextChoices):
    PHYSICIAN = "physician", _("Läkare")
    CHIEF_PHYSICIAN = "chief_physician", _("Chefsöverläkare")
    HEAD_OF_OPERATIONS = "head_of_operations", _("Verksamhetschef")
    BOARD_CHAIR = "board_chair", _("Socialnämndens ordförande")
    BOARD_MEMBER = "board_member", _("Ledamot förordnad av nämnden")
    APPOINTED_OFFICIAL = "appointed_official", _("Tjänsteman förordnad av nämnden")
    SOCIAL_SERVICES_OFFICIAL = "social_services_official", _("Socialsekreterare med delegation")
    COURT_OFFICIAL = "court_official", _("Domstolstjänsteman")
    SIS_OFFICER = "sis_officer", _("SiS-handläggare")
    SOCIALSTYRELSEN_OFFICER = "socialstyrelsen_officer", _("Handläggare vid Socialstyrelsen")
    MIGRATION_OFFICER = "migration_officer", _("Handläggare vid Migrationsverket")
    PROSECUTOR = "prosecutor", _("Åklagare")
    NTE_PLANNER = "nte_planner", _("Transportplanerare (NTE)")


class RequestingOrganisation(models.Model):
    name = models.CharField(_("namn"), max_length=200)
    kind = models.CharField(_("typ"), max_length=32, choices=OrganisationKind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, related_name="children", null=True, blank=True,
        verbose_name=_("överordnad organisation"),
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, null=True, blank=True, related_name="organisations",
        verbose_name=_("kommun"),
    )
    org_number = models.CharField(_("organisationsnummer"), max_length=11, blank=True)
    email = models.EmailField(_("e-post"), blank=True)
    phone_24h = models.CharField(_("telefon dygnet runt"), max_length=40, blank=True)
    webhook_url = models.URLField(_("webhook-adress"), blank=True)
    active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        verbose_name = _("begärande organisation")
        verbose_name_plural = _("begärande organisationer")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(AbstractUser):
    """Everyone who logs in: police staff, requesters, Kriminalvården staff, analysts, administrators."""

    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    title = models.CharField(_("titel"), max_length=100, blank=True)
    national_function = models.CharField(
        _("nationell funktion"), max_length=32, blank=True,
        choices=[(c, label) for c, label in PoliceFunction.choices
                 if c in ("analyst", "process_owner", "administrator")],
        help_text=_("Analytiker, processägare och administratörer arbetar nationellt, utan enhet."),
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("personer")
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class UnitMembership(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="unit_memberships")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="memberships")
    function = models.CharField(_("funktion"), max_length=32, choices=PoliceFunction.choices)
    valid_from = models.DateField(_("gäller från"), null=True, blank=True)
    valid_to = models.DateField(_("gäller till"), null=True, blank=True)

    class Meta:
        verbose_name = _("tjänstgöring vid enhet")
        verbose_name_plural = _("tjänstgöringar vid enheter")
        constraints = [
            models.UniqueConstraint(fields=["person", "unit", "function"], name="unique_unit_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.get_function_display()}, {self.unit}"


class StaffMembership(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="staff_memberships")
    organisation = models.ForeignKey(RequestingOrganisation, on_delete=models.PROTECT, related_name="staff")
    role = models.CharField(_("yrkesroll"), max_length=32, choices=ProfessionalRole.choices)
    valid_from = models.DateField(_("gäller från"), null=True, blank=True)
    valid_to = models.DateField(_("gäller till"), null=True, blank=True)

    class Meta:
        verbose_name = _("anställning vid begärande organisation")
        verbose_name_plural = _("anställningar vid begärande organisationer")
        constraints = [
            models.UniqueConstraint(fields=["person", "organisation", "role"], name="unique_staff_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.get_role_display()}, {self.organisation}"


class ApiKey(models.Model):
    """A machine client's key. Only a hash is stored; the key itself is shown once."""

    organisation = models.ForeignKey(RequestingOrganisation, on_delete=models.CASCADE, related_name="api_keys",
                                     verbose_name=_("organisation"))
    name = models.CharField(_("namn"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    key_hash = models.CharField(_("hash"), max_length=128)
    created_at = models.DateTimeField(_("skapad"), auto_now_add=True)
    created_by = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name=_("skapad av"))
    revoked_at = models.DateTimeField(_("återkallad"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("senast använd"), null=True, blank=True)

    class Meta:
        verbose_name = _("API-nyckel")
        verbose_name_plural = _("API-nycklar")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
