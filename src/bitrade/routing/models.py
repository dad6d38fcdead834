"""Routing rules and acknowledgement thresholds as data, editable by administrators."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from bitrade.organisation.models import PoliceArea, PoliceRegion, Unit, UnitKind


class RoutingRule(models.Model):
    SCOPE_CHOICES = [("police_area", _("polisområdet")), ("region", _("regionen"))]

    name = models.CharField(_("namn"), max_length=200)
    region = models.ForeignKey(
        PoliceRegion, on_delete=models.CASCADE, null=True, blank=True, related_name="routing_rules",
        verbose_name=_("polisregion"), help_text=_("Tomt = nationell standardregel."),
    )
    order = models.PositiveIntegerField(_("ordning"), default=100)
    laws = models.JSONField(_("lagar"), default=list, blank=True, help_text=_('T.ex. ["LPT", "LRV"]; tomt = alla.'))
    points = models.JSONField(_("lagrum"), default=list, blank=True, help_text=_('T.ex. ["LPT-47-2-3"]; tomt = alla.'))
    priorities = models.JSONField(_("prioriteter"), default=list, blank=True,
                                  help_text=_("1, 2, 3 eller null (ordinär); tomt = alla."))
    police_area = models.ForeignKey(PoliceArea, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                                    verbose_name=_("polisområde"))
    max_age = models.PositiveSmallIntegerField(_("personen yngre än"), null=True, blank=True)
    target_kind = models.CharField(_("till enhetstyp"), max_length=32, choices=UnitKind.choices, blank=True)
    target_unit = models.ForeignKey(Unit, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                                    verbose_name=_("till bestämd enhet"))
    scope = models.CharField(_("sök enhet inom"), max_length=16, choices=SCOPE_CHOICES, default="police_area")
    requires_open = models.BooleanField(_("endast när enheten har öppet"), default=True)
    valid_from = models.DateField(_("gäller från"), null=True, blank=True)
    valid_to = models.DateField(_("gäller till"), null=True, blank=True)
    active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        verbose_name = _("styrregel")
        verbose_name_plural = _("styrregler")
        ordering = ["region__name", "order", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not self.target_kind and not self.target_unit_id:
            raise ValidationError(_("Ange enhetstyp eller en bestämd enhet som regeln styr till."))
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("Slutdatum före startdatum.")})
        for p in self.priorities or []:
            if p not in (1, 2, 3, None):
                raise ValidationError({"priorities": _("Prioritet ska vara 1, 2, 3 eller null.")})


class DecisionCompetence(models.Model):
    """The arbetsordning as data: which police functions decide on handräckning under a law, nationally or
    in a region, for a period. Routing sends a case only to a unit with such a decider at that hour, and
    the decision is checked against the same row."""

    LAW_CHOICES = [("LPT", "LPT"), ("LRV", "LRV"), ("LVM", "LVM"), ("LVU", "LVU")]

    law = models.CharField(_("lag"), max_length=8, choices=LAW_CHOICES)
    region = models.ForeignKey(PoliceRegion, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="decision_competences", help_text=_("Tomt = nationellt."))
    functions = models.JSONField(_("behöriga funktioner"), default=list,
                                 help_text=_('T.ex. ["duty_officer", "station_commander", "level2_manager"].'))
    lowest_level = models.BooleanField(_("lägsta behöriga nivå"), default=True,
                                       help_text=_("Funktionerna är den lägsta nivå som får besluta."))
    valid_from = models.DateField(_("gäller från"), null=True, blank=True)
    valid_to = models.DateField(_("gäller till"), null=True, blank=True)
    source = models.CharField(_("källa"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("beslutsbehörighet")
        verbose_name_plural = _("beslutsbehörigheter")
        ordering = ["law", "region__name", "valid_from", "id"]

    def __str__(self) -> str:
        return f"{self.law} {self.region or 'nationellt'}: {', '.join(self.functions)}"

    def clean(self) -> None:
        from .rules import DECIDER_FUNCTIONS

        bad = sorted(set(self.functions or []) - DECIDER_FUNCTIONS)
        if not self.functions or bad:
            raise ValidationError({"functions": _("Ange en eller flera beslutsfunktioner: ")
                                   + ", ".join(sorted(DECIDER_FUNCTIONS)) + "."})
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("Slutdatum före startdatum.")})


class AckThreshold(models.Model):
    """How long a unit has to acknowledge a request of a priority before it escalates."""

    priority = models.PositiveSmallIntegerField(_("prioritet"), null=True, blank=True, unique=True,
                                                help_text=_("Tomt = ordinär (polisområdet)."))
    minutes = models.PositiveIntegerField(_("minuter"))

    class Meta:
        verbose_name = _("kvitteringstid")
        verbose_name_plural = _("kvitteringstider")
        ordering = ["priority"]

    def __str__(self) -> str:
        return f"Prio {self.priority or 'ordinär'}: {self.minutes} min"


class ConfigurationVersion(models.Model):
    """Bumped whenever units, office hours, police areas or routing rules change, so a process may keep
    the routing configuration it loaded until the version moves (see ``routing.selectors``)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    # A fresh random token per change: a rolled-back change can never be mistaken for a later one.
    version = models.CharField(max_length=32, default="0")

    class Meta:
        verbose_name = _("konfigurationsversion")

    def __str__(self) -> str:
        return str(self.version)
