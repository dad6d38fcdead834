"""Deadlines are stored rows swept by the worker; each one fires exactly once."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeadlineState(models.TextChoices):
    PENDING = "pending", _("Väntande")
    RETRYING = "retrying", _("Misslyckad, försöks igen")
    FIRED = "fired", _("Utlöst")
    FAILED = "failed", _("Misslyckad")
    CANCELLED = "cancelled", _("Avbruten")


class Deadline(models.Model):
    kind = models.CharField(_("typ"), max_length=48)
    object_type = models.CharField(_("objekttyp"), max_length=64)
    object_id = models.CharField(_("objekt"), max_length=64)
    due_at = models.DateTimeField(_("förfaller"))
    state = models.CharField(_("läge"), max_length=16, choices=DeadlineState.choices, default=DeadlineState.PENDING)
    payload = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("skapad"), auto_now_add=True)
    fired_at = models.DateTimeField(_("utlöst"), null=True, blank=True)
    outcome = models.TextField(_("utfall"), blank=True)
    attempts = models.PositiveIntegerField(_("misslyckade försök"), default=0)
    last_error = models.TextField(_("senaste fel"), blank=True)
    next_attempt_at = models.DateTimeField(_("nästa försök"), null=True, blank=True)
    #: Set when the sweep found no handler for the kind (the row stays pending and is alarmed once).
    no_handler_at = models.DateTimeField(_("saknar hanterare sedan"), null=True, blank=True)

    class Meta:
        verbose_name = _("tidsfrist")
        verbose_name_plural = _("tidsfrister")
        indexes = [
            models.Index(fields=["state", "due_at"], name="deadline_due_idx"),
            models.Index(fields=["state", "next_attempt_at"], name="deadline_retry_idx"),
            models.Index(fields=["object_type", "object_id"], name="deadline_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_type}:{self.object_id} @ {self.due_at:%Y-%m-%d %H:%M}"
