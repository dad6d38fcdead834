"""Contact bans with electronic monitoring: the case's detail, its ban areas, 26 § exceptions, the
monitoring systems and their devices, alarms and the contact persons' information of each alarm."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from bitrade.cases.models import Case
from bitrade.organisation.models import Person, PoliceArea, Unit

from . import rules


class ContactBan(models.Model):
    """The contact-ban case's detail (one-to-one with the kernel's case).

    ``facts`` holds what has been recorded, in the shape of ``schemas.CaseFactsIn`` (what the rules read);
    the columns beside it are the ones the lists, the overview and the alarm routing need."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="contact_ban")
    ban_type = models.CharField(_("typ av kontaktförbud"), max_length=24, choices=[
        ("extended", _("Utvidgat")), ("specially_extended", _("Särskilt utvidgat"))], default="extended")
    police_area = models.ForeignKey(PoliceArea, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("ansvarigt polisområde"))
    rlc = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("berörd RLC"))
    # The protected person (skyddsperson): sensitive, shown only to those who need it.
    protected_name = models.CharField(_("skyddsperson"), max_length=200)
    protected_phone = models.CharField(_("skyddspersonens telefon"), max_length=40, blank=True)
    protected_address = models.CharField(_("skyddspersonens vistelseadress"), max_length=300, blank=True)
    protected_identity = models.BooleanField(_("skyddad identitet"), default=False)
    prohibited_name = models.CharField(_("förbudsperson"), max_length=200)
    residence_area = models.ForeignKey(PoliceArea, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+", verbose_name=_("förbudspersonens polisområde"))
    contact_person_protected = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                                 related_name="+", verbose_name=_("kontaktperson skyddsperson"))
    contact_person_prohibited = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                                  related_name="+", verbose_name=_("kontaktperson förbudsperson"))
    facts = models.JSONField(default=dict)
    decided_at = models.DateTimeField(null=True, blank=True)
    mount_at = models.DateTimeField(null=True, blank=True)
    eo_start_at = models.DateTimeField(null=True, blank=True)
    eo_end_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("kontaktförbud med elektronisk övervakning")
        verbose_name_plural = _("kontaktförbud med elektronisk övervakning")

    def __str__(self) -> str:
        return self.case.reference_number


class BanArea(models.Model):
    """A ban area: a polygon on the map and a description in text — both required (8 §)."""

    contact_ban = models.ForeignKey(ContactBan, on_delete=models.CASCADE, related_name="areas")
    name = models.CharField(_("namn"), max_length=120)
    polygon = models.JSONField(_("område (GeoJSON Polygon)"))
    description = models.TextField(_("beskrivning i text"))

    class Meta:
        verbose_name = _("förbudsområde")
        verbose_name_plural = _("förbudsområden")

    def __str__(self) -> str:
        return self.name


class ExceptionDecision(models.Model):
    """An exception under 26 §: who decided, when, which paragraf and why."""

    contact_ban = models.ForeignKey(ContactBan, on_delete=models.CASCADE, related_name="exceptions")
    check_code = models.CharField(_("regel"), max_length=40)
    section = models.CharField(_("paragraf"), max_length=8)
    decided_by = models.CharField(_("beslutsfattare"), max_length=200)
    decided_at = models.DateTimeField(_("beslutad"))
    reasons = models.TextField(_("särskilda skäl"))
    recorded_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("undantag enligt 26 §")
        verbose_name_plural = _("undantag enligt 26 §")

    def __str__(self) -> str:
        return f"{self.section} §: {self.check_code}"

    def as_rule(self) -> rules.Exception26:
        return rules.Exception26(self.check_code, self.section, self.decided_by, self.decided_at, self.reasons)


class AlarmTypeRule(models.Model):
    """The dated, admin-editable classification table: alarm type → category → procedure."""

    alarm_type = models.CharField(_("larmtyp"), max_length=32)
    category = models.CharField(_("kategori"), max_length=16, choices=list(rules.CATEGORY_LABELS.items()))
    procedure = models.CharField(_("åtgärdskalender eller rutinbeskrivning"), max_length=200)
    valid_from = models.DateField(_("gäller från"))
    valid_to = models.DateField(_("gäller till"), null=True, blank=True)

    class Meta:
        verbose_name = _("larmtyp")
        verbose_name_plural = _("larmtyper")
        ordering = ["alarm_type", "valid_from"]

    def __str__(self) -> str:
        return f"{self.alarm_type} → {self.get_category_display()}"

    def as_rule(self) -> rules.AlarmRule:
        return rules.AlarmRule(self.alarm_type, self.category, self.procedure, self.valid_from, self.valid_to)


class ApprovedEquipment(models.Model):
    """Equipment and systems the Police Authority has approved (14 § andra stycket)."""

    model = models.CharField(_("modell"), max_length=64, unique=True)
    active = models.BooleanField(_("godkänd"), default=True)

    class Meta:
        verbose_name = _("godkänd utrustning")
        verbose_name_plural = _("godkänd utrustning")

    def __str__(self) -> str:
        return self.model


class MonitoringSystem(models.Model):
    """A monitoring system that posts alarms: its API key (hashed) and the secret of its signatures."""

    name = models.CharField(_("namn"), max_length=100)
    key_prefix = models.CharField(_("nyckelprefix"), max_length=16, unique=True)
    key_hash = models.CharField(max_length=128)
    # The HMAC secret must be readable to verify signatures; keep the database access-controlled.
    secret = models.CharField(_("signeringshemlighet"), max_length=128)
    active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("övervakningssystem")
        verbose_name_plural = _("övervakningssystem")

    def __str__(self) -> str:
        return self.name


class Device(models.Model):
    """An anklet or home unit of a monitoring system, fitted in a case."""

    system = models.ForeignKey(MonitoringSystem, on_delete=models.PROTECT, related_name="devices")
    device_id = models.CharField(_("enhets-id"), max_length=64)
    contact_ban = models.ForeignKey(ContactBan, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="devices")
    last_sequence = models.BigIntegerField(default=-1)

    class Meta:
        verbose_name = _("enhet")
        verbose_name_plural = _("enheter")
        constraints = [models.UniqueConstraint(fields=["system", "device_id"], name="em_device_unique")]

    def __str__(self) -> str:
        return self.device_id


class Alarm(models.Model):
    system = models.ForeignKey(MonitoringSystem, on_delete=models.PROTECT, related_name="+")
    supplier_alarm_id = models.CharField(_("leverantörens larm-id"), max_length=64)
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="alarms")
    sequence = models.BigIntegerField()
    late = models.BooleanField(_("kom i fel ordning"), default=False)
    alarm_type = models.CharField(_("larmtyp"), max_length=32)
    raised_at = models.DateTimeField(_("larmet utlöstes"))
    received_at = models.DateTimeField(_("mottaget"), db_index=True)
    contact_ban = models.ForeignKey(ContactBan, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="alarms")
    category = models.CharField(_("kategori"), max_length=16)
    procedure = models.CharField(_("rutin"), max_length=200)
    citation = models.CharField(max_length=120)
    handled_by = models.CharField(max_length=8)  # rlc | bops
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, related_name="+")
    handle_from = models.DateTimeField()
    state = models.CharField(max_length=16, default=rules.RAISED)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    measures = models.TextField(_("vidtagna åtgärder"), blank=True)
    outcome = models.TextField(_("utfall"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reclassified_at = models.DateTimeField(null=True, blank=True)
    payload = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("larm")
        verbose_name_plural = _("larm")
        constraints = [models.UniqueConstraint(fields=["system", "supplier_alarm_id"], name="em_alarm_unique")]
        indexes = [
            models.Index(fields=["unit", "state", "handle_from"], name="em_alarm_console_idx"),
            models.Index(fields=["device", "sequence"], name="em_alarm_device_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.alarm_type} {self.supplier_alarm_id}"

    @property
    def is_open(self) -> bool:
        return self.state != rules.ALARM_CLOSED


class AlarmInformed(models.Model):
    """That a contact person on PM 438.3 was informed of an alarm (20 §)."""

    alarm = models.ForeignKey(Alarm, on_delete=models.CASCADE, related_name="informed")
    contact_person = models.CharField(_("kontaktperson"), max_length=200)
    informed_at = models.DateTimeField(_("informerad"))
    informed_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alarm", "contact_person"], name="em_alarm_informed_unique")]

    def __str__(self) -> str:
        return self.contact_person
