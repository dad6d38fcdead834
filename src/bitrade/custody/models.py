"""Deprivation of liberty: custody episodes, holding (förvar) decisions within them, protocols."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from bitrade.cases.models import Case
from bitrade.organisation.models import Person


class CustodyEpisode(models.Model):
    """One continuous deprivation of liberty, with its legal ground; the clock belongs to it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="custody_episodes")
    ground = models.CharField(_("grund"), max_length=48)
    citation = models.CharField(_("lagrum"), max_length=120)
    identification_special_importance = models.BooleanField(default=False)
    started_at = models.DateTimeField(_("började"))
    ended_at = models.DateTimeField(_("upphörde"), null=True, blank=True)
    place = models.CharField(_("plats"), max_length=200)
    person_age = models.PositiveSmallIntegerField(null=True, blank=True)
    decided_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    decider_function = models.CharField(max_length=32)
    forman = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("förman vid ingripandet"))
    forman_reported_at = models.DateTimeField(null=True, blank=True)
    forman_reviewed_at = models.DateTimeField(null=True, blank=True)
    forman_decision = models.CharField(max_length=16, blank=True)  # continue | release
    next_of_kin_notified_at = models.DateTimeField(null=True, blank=True)
    next_of_kin_exception = models.CharField(max_length=48, blank=True)
    #: A child in an LVU case: what the social services said about restrictions under 14 § LVU.
    lvu_restriction = models.CharField(_("begränsning enligt 14 § LVU"), max_length=24, blank=True)
    lvu_restriction_told_by = models.CharField(_("uppgift från (socialtjänsten)"), max_length=200, blank=True)
    lvu_restriction_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)
    #: 15–16 §§ PL duties recorded as done: {code: {"at": ISO time, "by": person id, "note": text}}.
    tasks_done = models.JSONField(_("utförda uppgifter"), default=dict, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        verbose_name = _("frihetsberövande")
        verbose_name_plural = _("frihetsberövanden")
        indexes = [models.Index(fields=["ended_at", "started_at"], name="custody_open_idx")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.ground} {self.started_at:%Y-%m-%d %H:%M}"


class Holding(models.Model):
    """Förvar within an episode: a decision by a competent function, with a reason, for the shortest time."""

    episode = models.ForeignKey(CustodyEpisode, on_delete=models.PROTECT, related_name="holdings")
    decided_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    decider_function = models.CharField(max_length=32)
    reason = models.CharField(max_length=32)
    reason_text = models.TextField(blank=True)
    alternatives_considered = models.TextField()
    place_type = models.CharField(max_length=32)
    child_justification = models.TextField(blank=True)
    best_interest_assessment = models.TextField(blank=True)
    social_services_notified_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    checks = models.JSONField(default=list)

    class Meta:
        verbose_name = _("förvar")
        verbose_name_plural = _("förvar")
        # The holdings going on now (the follow-up's deviations now): a few among ten years of holdings.
        indexes = [models.Index(fields=["started_at"], condition=models.Q(ended_at__isnull=True),
                                name="holding_open_idx")]

    def __str__(self) -> str:
        return f"förvar {self.started_at:%Y-%m-%d %H:%M}"


class Reassessment(models.Model):
    """A recorded re-assessment that the deprivation of liberty must continue."""

    episode = models.ForeignKey(CustodyEpisode, on_delete=models.CASCADE, related_name="reassessments")
    at = models.DateTimeField()
    by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    continue_custody = models.BooleanField()
    reason = models.TextField()

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"omprövning {self.at:%Y-%m-%d %H:%M}"


class Protocol(models.Model):
    """27 § PL protocol (six items; the decider answers for 1–2, the förman for 3–6) and 28 § PL measures."""

    episode = models.OneToOneField(CustodyEpisode, on_delete=models.CASCADE, related_name="protocol")
    decided_by_text = models.CharField(_("1. vem som fattat beslutet"), max_length=200, blank=True)
    ground_and_time = models.TextField(_("2. grunden för beslutet och tidpunkten"), blank=True)
    participants = models.TextField(_("3. vem eller vilka som deltagit"), blank=True)
    subjects = models.TextField(_("4. vem eller vilka ingripandet riktat sig mot"), blank=True)
    intervention_time = models.CharField(_("5. tiden för ingripandet"), max_length=200, blank=True)
    other_events = models.TextField(_("6. vad som i övrigt förekommit"), blank=True)
    restraints = models.JSONField(_("fängsel och andra åtgärder enligt 28 § PL"), default=list, blank=True)
    decider_signed_at = models.DateTimeField(null=True, blank=True)
    decider_signed_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    forman_signed_at = models.DateTimeField(null=True, blank=True)
    forman_signed_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    #: 1 for the first text; an amendment of a signed protocol is the next version with its own signatures.
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    amendment_reason = models.TextField(_("skäl till ändringen"), blank=True)

    class Meta:
        verbose_name = _("protokoll")
        verbose_name_plural = _("protokoll")

    def __str__(self) -> str:
        return f"protokoll {self.episode_id}"

    @property
    def complete(self) -> bool:
        return bool(self.decider_signed_at and self.forman_signed_at)


class ProtocolVersion(models.Model):
    """A signed version of a protocol, kept unchanged when an amendment replaces it."""

    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveSmallIntegerField(_("version"))
    text = models.JSONField(_("protokollets text"))  # the six items, as signed
    amendment_reason = models.TextField(blank=True)  # why this version replaced the one before it
    decider_signed_at = models.DateTimeField()
    decider_signed_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    forman_signed_at = models.DateTimeField()
    forman_signed_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    superseded_at = models.DateTimeField()
    superseded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("tidigare protokollversion")
        verbose_name_plural = _("tidigare protokollversioner")
        ordering = ["protocol", "version"]
        constraints = [models.UniqueConstraint(fields=["protocol", "version"], name="unique_protocol_version")]

    def __str__(self) -> str:
        return f"protokoll {self.protocol_id} v{self.version}"


class TimeLimitSetting(models.Model):
    """The configurable side of custody time limits (review thresholds, alert levels), as data.

    The newest row valid today is used; rows are kept as history. The statutory limits are law and
    are not configurable here. Format: see ``custody.rules.TimeLimitConfig.from_dict`` (minutes)."""

    valid_from = models.DateField(_("gäller från"))
    data = models.JSONField(_("inställningar"), default=dict)
    note = models.CharField(_("anteckning"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tidsgräns för frihetsberövande")
        verbose_name_plural = _("tidsgränser för frihetsberövande")
        ordering = ["-valid_from", "-id"]

    def __str__(self) -> str:
        return f"från {self.valid_from}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from .rules import TimeLimitConfig

        try:
            TimeLimitConfig.from_dict(self.data or {})
        except (ValueError, TypeError, AttributeError) as exc:
            raise ValidationError({"data": f"Ogiltiga inställningar: {exc}"}) from exc


class PowerUse(models.Model):
    """A police power used in the case (force, restraints, entry, body search) with its protocol (27–28 §§ PL).
    Once signed the record is immutable."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="power_uses")
    episode = models.ForeignKey(CustodyEpisode, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(_("befogenhet"), max_length=16)
    citation = models.CharField(_("lagrum"), max_length=60)
    protocol_citation = models.CharField(_("protokoll enligt"), max_length=60)
    at = models.DateTimeField(_("tidpunkt"))
    by_whom = models.CharField(_("utförd av"), max_length=300)
    necessity = models.TextField(_("varför åtgärden behövdes"))
    duration_minutes = models.PositiveIntegerField(_("varaktighet (min)"), null=True, blank=True)
    injuries = models.CharField(_("skador"), max_length=500, blank=True)
    prior_decision = models.CharField(_("beslut i förväg"), max_length=300, blank=True)
    urgent = models.BooleanField(_("brådskande"), default=False)
    night_reason = models.TextField(_("särskilda skäl nattetid"), blank=True)
    recorded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("använd befogenhet")
        verbose_name_plural = _("använda befogenheter")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"
