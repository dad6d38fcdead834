"""The police case. One row per case, whatever its kind; the kind's own details live in its apps (a
handräckning request in ``intake``, custody and transport) and the kind registers its states,
actions and labels in ``cases.kinds``. The kernel's columns are what every police case has: where it
is handled, a decision, risk and priority, a resource, an outcome and its closure."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from bitrade.organisation.models import Person, PoliceRegion, Unit

from . import kinds


class Case(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("ärendetyp"), max_length=32, db_index=True)  # a key registered in cases.kinds
    reference_number = models.CharField(_("diarienummer"), max_length=32, unique=True)
    case_code = models.CharField(_("saknummer"), max_length=8, blank=True)
    state = models.CharField(_("status"), max_length=32, db_index=True)  # one of the kind's states
    received_at = models.DateTimeField(_("mottagen"), db_index=True)
    updated_at = models.DateTimeField(_("ändrad"), auto_now=True)

    # Where it is handled
    region = models.ForeignKey(PoliceRegion, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="cases")
    routing_rule_name = models.CharField(_("styrregel"), max_length=200, blank=True)
    routing_reasons = models.JSONField(_("styrningens skäl"), default=list)  # shown to the requester
    #: Police-internal: every escalation, transfer and re-routing with its reason (never shown to a requester).
    routing_trace = models.JSONField(_("styrningens förlopp (internt)"), default=list, blank=True)
    priority = models.PositiveSmallIntegerField(_("prioritet"), null=True, blank=True)
    ack_due_at = models.DateTimeField(_("kvitteras senast"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("kvitterad"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    escalation_count = models.PositiveSmallIntegerField(default=0)

    # Decision
    decision = models.CharField(_("beslut"), max_length=16, blank=True)  # granted | refused
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_function = models.CharField(max_length=32, blank=True)
    refusal_check = models.CharField(max_length=40, blank=True)
    decision_reason = models.TextField(blank=True)
    overrule_count = models.PositiveSmallIntegerField(default=0)

    # Risk, priority, resource
    risk_level = models.CharField(_("risknivå"), max_length=16, blank=True)
    risk_assessment = models.TextField(_("hot- och riskbedömning"), blank=True)
    resource = models.CharField(_("tilldelad resurs"), max_length=200, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    assign_due_at = models.DateTimeField(null=True, blank=True)

    # Execution and closure
    outcome = models.CharField(_("utfall"), max_length=32, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_notes = models.TextField(blank=True)
    requester_informed_at = models.DateTimeField(null=True, blank=True)
    wanted_notice_reference = models.CharField(_("efterlysning (NEPU)"), max_length=64, blank=True)
    patrol_minutes = models.PositiveIntegerField(_("patrulltid inkl. återfärd (min)"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    storm_event_number = models.CharField(_("Storm-händelsenummer"), max_length=32, blank=True)
    daf_reference = models.CharField(_("DAF-referens"), max_length=32, blank=True)
    par_reference = models.CharField(_("PÄR-diarienummer"), max_length=32, blank=True)

    # The inbox's order, stored by the database so that an index serves it (no sort of the unit's cases):
    # a priority before none and the higher first, not yet acknowledged before acknowledged; then the
    # earliest acknowledgement deadline (or arrival).
    inbox_urgency = models.GeneratedField(
        expression=models.Case(models.When(priority__isnull=True, then=models.Value(1_000_000)),
                               default=models.F("priority") * 10, output_field=models.IntegerField())
        + models.Case(models.When(acknowledged_at__isnull=False, then=models.Value(1)), default=models.Value(0),
                      output_field=models.IntegerField()),
        output_field=models.IntegerField(), db_persist=True)
    inbox_due = models.GeneratedField(expression=Coalesce("ack_due_at", "received_at"),
                                      output_field=models.DateTimeField(), db_persist=True)

    class Meta:
        verbose_name = _("ärende")
        verbose_name_plural = _("ärenden")
        indexes = [
            models.Index(fields=["unit", "state", "priority", "received_at"], name="case_inbox_idx"),
            models.Index(fields=["region", "received_at"], name="case_region_received_idx"),
            models.Index(fields=["unit", "inbox_urgency", "inbox_due", "public_id"], name="case_inbox_order_idx"),
            models.Index(fields=["unit", "kind", "state", "updated_at"], name="case_inbox_version_idx"),
            # the open cases of one kind (the follow-up's deviation list), without walking other kinds' open cases
            models.Index(fields=["kind", "state"], name="case_kind_state_idx"),
        ]

    def __str__(self) -> str:
        return self.reference_number

    @property
    def kind_spec(self) -> kinds.CaseKind:
        return kinds.get(self.kind)

    @property
    def kind_label(self) -> str:
        return self.kind_spec.label

    @property
    def state_label(self) -> str:
        return self.kind_spec.state_label(self.state)

    @property
    def is_open(self) -> bool:
        return self.kind_spec.is_open(self.state)


class CaseEvent(models.Model):
    """The case's timeline: every step, visible to the police; ``public`` steps also to the requester."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=40)
    actor_label = models.CharField(max_length=200)
    actor_function = models.CharField(max_length=32, blank=True)
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32, blank=True)
    text = models.TextField(blank=True)
    citation = models.CharField(max_length=120, blank=True)
    public = models.BooleanField(default=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("händelse i ärendet")
        verbose_name_plural = _("händelser i ärenden")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"


class ReferenceCounter(models.Model):
    """Next reference number per region and year (a locked row: no twins on PostgreSQL or SQLite)."""

    region = models.ForeignKey(PoliceRegion, on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="unique_case_reference_counter")]

    def __str__(self) -> str:
        return f"{self.region_id}/{self.year}: {self.last}"


class ScopeStamp(models.Model):
    """A change stamp per part of an inbox scope, kept by the database itself (see ``cases.stamps``):
    triggers bump ``version`` whenever a row that an inbox of that part shows is inserted, changed or
    deleted, whoever writes it (services, bulk inserts, a console). The inbox's ETag reads a few of these
    rows by primary key instead of aggregating the open cases."""

    scope = models.CharField(max_length=64, primary_key=True)
    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.scope}: {self.version}"
