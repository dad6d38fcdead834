"""What only a handräckning case has beyond the request: its wanted notices."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from bitrade.cases.models import Case
from bitrade.organisation.models import Person, Unit


class WantedNotice(models.Model):
    """The police's decision on a wanted notice for a person not found, and its lifecycle: issued (with the
    NEPU reference and the related case under case code 444) or not issued (with the reason), cancelled
    when the person is found or the request ends, and the requester told."""

    ISSUED, NOT_ISSUED = "issued", "not_issued"
    DECISION_CHOICES = [(ISSUED, _("efterlysning utfärdad")), (NOT_ISSUED, _("ingen efterlysning"))]
    FOUND, REQUEST_ENDED = "found", "request_ended"
    CANCEL_CHOICES = [(FOUND, _("personen har påträffats")), (REQUEST_ENDED, _("begäran har upphört"))]

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="wanted_notices")
    requested_by_requester = models.BooleanField(_("begärande myndighet önskade efterlysning"), default=False)
    decision = models.CharField(_("beslut"), max_length=16, choices=DECISION_CHOICES)
    decided_at = models.DateTimeField(_("beslutad"))
    decided_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    decided_function = models.CharField(max_length=32, blank=True)
    reason = models.TextField(_("skäl"), blank=True)
    nepu_reference = models.CharField(_("NEPU-referens"), max_length=64, blank=True)
    related_case_code = models.CharField(_("saknummer för efterlysningen"), max_length=8, blank=True)
    related_reference = models.CharField(_("diarienummer för efterlysningsärendet"), max_length=32, blank=True)
    cancelled_at = models.DateTimeField(_("avlyst"), null=True, blank=True)
    cancelled_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    cancel_reason = models.CharField(_("skäl för avlysning"), max_length=16, choices=CANCEL_CHOICES, blank=True)
    requester_told_at = models.DateTimeField(_("begärande myndighet underrättad"), null=True, blank=True)

    class Meta:
        verbose_name = _("efterlysning")
        verbose_name_plural = _("efterlysningar")
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.decision} {self.nepu_reference}"

    @property
    def active(self) -> bool:
        return self.decision == self.ISSUED and self.cancelled_at is None


class Transfer(models.Model):
    """A commander moves a case to another unit (station commander ↔ RLC, area ↔ area) with a reason; a move
    to another region (a relay) waits for the receiving region to accept or decline."""

    DONE, PENDING, ACCEPTED, DECLINED = "done", "pending", "accepted", "declined"
    STATUS_CHOICES = [(DONE, _("flyttat")), (PENDING, _("väntar på mottagande region")),
                      (ACCEPTED, _("mottaget")), (DECLINED, _("avböjt"))]

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transfers")
    from_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("skäl"))
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=STATUS_CHOICES)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    answer = models.TextField(blank=True)

    class Meta:
        verbose_name = _("överföring")
        verbose_name_plural = _("överföringar")
        ordering = ["requested_at", "id"]
        indexes = [models.Index(fields=["to_unit", "status"], name="transfer_pending_idx")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_unit_id} → {self.to_unit_id} ({self.status})"
