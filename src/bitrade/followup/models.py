"""The follow-up's own tables: a narrow fact row per police case, its refresh state, and the deviation
thresholds an administrator may change.

``CaseFact`` is derived data (a star-schema fact table): every field is copied or computed from the case
and its request by ``facts.fact_for``; nothing here is the source of truth. It exists because the case
and request tables are wide (texts, JSON) and a national year of follow-up queries over them with joins
took seconds; over this table they take milliseconds. ``facts.refresh`` keeps it in step.
"""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from bitrade.cases.models import Case

from . import rules


class CaseFact(models.Model):
    case = models.OneToOneField(Case, on_delete=models.CASCADE, primary_key=True, related_name="followup_fact")
    source_updated_at = models.DateTimeField()

    received_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True)
    decided_at = models.DateTimeField(null=True)
    outcome_at = models.DateTimeField(null=True)
    closed_at = models.DateTimeField(null=True)
    ack_due_at = models.DateTimeField(null=True)
    assigned_at = models.DateTimeField(null=True)
    assign_due_at = models.DateTimeField(null=True)
    requester_informed_at = models.DateTimeField(null=True)

    # The Stockholm calendar day (days since 2000-01-01) and month (year * 12 + month - 1) of each anchor:
    # periods are whole days, and integers are what both databases compare and group fastest.
    received_day = models.IntegerField()
    received_month = models.IntegerField()
    acknowledged_day = models.IntegerField(null=True)
    acknowledged_month = models.IntegerField(null=True)
    decided_day = models.IntegerField(null=True)
    decided_month = models.IntegerField(null=True)
    outcome_day = models.IntegerField(null=True)
    outcome_month = models.IntegerField(null=True)
    closed_day = models.IntegerField(null=True)
    closed_month = models.IntegerField(null=True)

    state = models.CharField(max_length=32)
    region_id = models.BigIntegerField()
    police_area_id = models.BigIntegerField(null=True)
    unit_id = models.BigIntegerField()
    organisation_id = models.BigIntegerField(null=True)
    law = models.CharField(max_length=8, blank=True)
    point = models.CharField(max_length=32, blank=True)
    case_code = models.CharField(max_length=8, blank=True)
    decision = models.CharField(max_length=16, blank=True)
    refusal_check = models.CharField(max_length=40, blank=True)
    outcome = models.CharField(max_length=32, blank=True)
    age = models.PositiveSmallIntegerField(null=True)

    completion = models.BooleanField(default=False)
    escalation_count = models.PositiveSmallIntegerField(default=0)
    overrule_count = models.PositiveSmallIntegerField(default=0)
    not_found = models.BooleanField(default=False)
    patrol_minutes = models.PositiveIntegerField(null=True)
    # When the request came in (Stockholm hour 0–23, weekday 1 = Monday … 7 = Sunday), and what the police
    # did beyond the decision: force used, police not needed, moved between units, granted against the review.
    received_hour = models.PositiveSmallIntegerField(null=True)
    received_weekday = models.PositiveSmallIntegerField(null=True)
    force_used = models.BooleanField(default=False)
    police_not_needed = models.BooleanField(default=False)
    transferred = models.BooleanField(default=False)
    override = models.BooleanField(default=False)

    # Durations in whole seconds, set only where the metric's definition applies (see facts.fact_for).
    s_ack = models.BigIntegerField(null=True)
    s_decision = models.BigIntegerField(null=True)
    s_received_decision = models.BigIntegerField(null=True)
    s_execution = models.BigIntegerField(null=True)
    s_received_execution = models.BigIntegerField(null=True)
    s_closure = models.BigIntegerField(null=True)
    s_total = models.BigIntegerField(null=True)
    s_report_back = models.BigIntegerField(null=True)  # outcome → requester informed

    # The change number (``FactState.seq``) of the refresh that last wrote this case's facts: the analytics
    # replica (``duck``) copies the rows above the number it has.
    seq = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("uppföljningsfakta för ärende")
        verbose_name_plural = _("uppföljningsfakta för ärenden")
        indexes = [
            models.Index(fields=["received_day"], name="fact_received_idx"),
            models.Index(fields=["decided_day"], name="fact_decided_idx"),
            models.Index(fields=["outcome_day"], name="fact_outcome_idx"),
            models.Index(fields=["closed_day"], name="fact_closed_idx"),
            models.Index(fields=["acknowledged_day"], name="fact_ack_idx"),
            models.Index(fields=["region_id", "received_day"], name="fact_region_received_idx"),
            models.Index(fields=["unit_id", "received_day"], name="fact_unit_received_idx"),
            models.Index(fields=["organisation_id", "received_day"], name="fact_org_received_idx"),
            models.Index(fields=["seq"], name="fact_seq_idx"),
        ]

    def __str__(self) -> str:
        return f"fakta {self.case_id}"


class ActivityFact(models.Model):
    """A fact row per deprivation of liberty (``episode``), holding (``holding``, including waits in an
    activity room) and transport order (``transport``), with the case's dimensions copied onto it."""

    EPISODE, HOLDING, TRANSPORT = "episode", "holding", "transport"

    kind = models.CharField(max_length=16)
    source_id = models.BigIntegerField()
    case = models.ForeignKey(CaseFact, on_delete=models.CASCADE, related_name="activities")
    anchor_at = models.DateTimeField()  # episode and holding: start; transport: ordered
    anchor_day = models.IntegerField()
    anchor_month = models.IntegerField()
    ended_at = models.DateTimeField(null=True)

    region_id = models.BigIntegerField()
    police_area_id = models.BigIntegerField(null=True)
    unit_id = models.BigIntegerField()
    organisation_id = models.BigIntegerField(null=True)
    law = models.CharField(max_length=8, blank=True)
    point = models.CharField(max_length=32, blank=True)
    case_code = models.CharField(max_length=8, blank=True)

    age = models.PositiveSmallIntegerField(null=True)
    ground = models.CharField(max_length=48, blank=True)
    place_type = models.CharField(max_length=32, blank=True)
    reason = models.CharField(max_length=32, blank=True)
    executor = models.CharField(max_length=16, blank=True)
    state = models.CharField(max_length=16, blank=True)
    decline_reason = models.CharField(max_length=40, blank=True)
    relay = models.BooleanField(default=False)
    handovers = models.PositiveSmallIntegerField(default=0)
    seconds = models.BigIntegerField(null=True)  # holding: start → end
    seq = models.BigIntegerField(default=0)  # as CaseFact.seq: written together with the case's fact row

    class Meta:
        verbose_name = _("uppföljningsfakta för frihetsberövande eller transport")
        verbose_name_plural = _("uppföljningsfakta för frihetsberövanden och transporter")
        constraints = [models.UniqueConstraint(fields=["kind", "source_id"], name="unique_activity_fact")]
        indexes = [models.Index(fields=["kind", "anchor_day"], name="activity_kind_day_idx"),
                   models.Index(fields=["seq"], name="activity_seq_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.source_id}"


def _new_generation() -> str:
    return uuid.uuid4().hex


class FactState(models.Model):
    """One row: how far the fact table has been brought up to date."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    refreshed_at = models.DateTimeField(null=True)
    source_watermark = models.DateTimeField(null=True)  # the latest Case.updated_at already reflected
    full_rebuild_at = models.DateTimeField(null=True)
    #: The last change number given to fact rows; every refresh that writes rows takes the next one.
    seq = models.BigIntegerField(default=0)
    #: Changes when fact rows were removed or written outside ``refresh`` (the generator): a replica that
    #: holds another generation loads everything again.
    generation = models.CharField(max_length=32, default=_new_generation)
    #: A full rebuild in progress: the last case id done (batches commit one by one, so a rebuild that was
    #: interrupted goes on from here) and when it began.
    rebuild_after = models.BigIntegerField(null=True)
    rebuild_started_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("uppföljningens uppdateringsläge")

    def __str__(self) -> str:
        return f"uppdaterad {self.refreshed_at}"


class ThresholdSetting(models.Model):
    """An administrator's value for one of the deviation list's thresholds (defaults in ``rules.THRESHOLDS``)."""

    key = models.CharField(_("tröskel"), max_length=40, unique=True,
                           choices=[(k, t.label) for k, t in rules.THRESHOLDS.items()])
    value = models.PositiveIntegerField(_("värde"), validators=[MaxValueValidator(24 * 365 * 60)])
    note = models.CharField(_("motivering"), max_length=300, blank=True)
    changed_at = models.DateTimeField(_("ändrad"), auto_now=True)

    class Meta:
        verbose_name = _("tröskel för avvikelser")
        verbose_name_plural = _("trösklar för avvikelser")
        ordering = ["key"]

    def __str__(self) -> str:
        t = rules.THRESHOLDS.get(self.key)
        return f"{t.label if t else self.key}: {self.value} {t.unit if t else ''}"
