"""Transport orders to Kriminalvården (29 a § PL) and police transports with legs and handovers."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from bitrade.cases.models import Case
from bitrade.organisation.models import Person, PoliceRegion, RequestingOrganisation


class TransportState(models.TextChoices):
    REQUESTED = "requested", _("Beställd hos NTE")
    ACCEPTED = "accepted", _("Accepterad av NTE")
    DECLINED = "declined", _("Avböjd av NTE")
    PLANNED = "planned", _("Planerad (polisen)")
    COMPLETED = "completed", _("Genomförd")
    CANCELLED = "cancelled", _("Avbeställd")


class TransportOrder(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="transports")
    episode = models.ForeignKey("custody.CustodyEpisode", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="transports")
    executor = models.CharField(max_length=16)  # nte | police
    nte_organisation = models.ForeignKey(RequestingOrganisation, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="transport_orders")
    state = models.CharField(max_length=16, choices=TransportState.choices, db_index=True)
    shared = models.JSONField(_("uppgifter till Kriminalvården"), default=dict)
    destination = models.CharField(max_length=300)
    pickup_place = models.CharField(max_length=300)
    pickup_at = models.DateTimeField(null=True, blank=True)
    ordered_at = models.DateTimeField()
    ordered_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decline_reason = models.CharField(max_length=40, blank=True)
    decline_text = models.TextField(blank=True)
    requester_dialogue = models.TextField(_("dialog med begärande myndighet om barnets bästa"), blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    #: "Destination cannot receive" (e.g. no SiS place): recorded as an exception with what happens next.
    destination_exception = models.TextField(_("mottagaren kan inte ta emot"), blank=True)
    destination_next_step = models.CharField(_("vad som händer sedan"), max_length=24, blank=True)
    destination_exception_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("transportuppdrag")
        verbose_name_plural = _("transportuppdrag")

    def __str__(self) -> str:
        return f"{self.case_id} {self.executor} {self.state}"


class TransportLeg(models.Model):
    order = models.ForeignKey(TransportOrder, on_delete=models.CASCADE, related_name="legs")
    seq = models.PositiveSmallIntegerField()
    from_region = models.ForeignKey(PoliceRegion, on_delete=models.PROTECT, related_name="+")
    to_region = models.ForeignKey(PoliceRegion, on_delete=models.PROTECT, related_name="+")
    from_place = models.CharField(max_length=200)
    to_place = models.CharField(max_length=200)
    departs_at = models.DateTimeField()
    arrives_at = models.DateTimeField()
    handed_over_at = models.DateTimeField(null=True, blank=True)
    handed_to = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["order", "seq"]
        constraints = [models.UniqueConstraint(fields=["order", "seq"], name="unique_leg_seq")]

    def __str__(self) -> str:
        return f"{self.order_id}#{self.seq}"
