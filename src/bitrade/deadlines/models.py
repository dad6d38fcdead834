"""Deadlines are stored rows swept by the worker; each one fires exactly once."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeadlineState(models.TextChoices):
    PENDING = "pending", _("Väntande")
    FIRED = "fired", _("Utlöst")
    CANCELLED = "cancelled", _("Avbruten")


class Deadline(models.Model):
    kind = models.CharField(_("typ"), max_length=48)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    due_at = models.DateTimeField(_("förfaller"))
    state = models.CharField(max_length=16, choices=DeadlineState.choices, default=DeadlineState.PENDING)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    fired_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)

    class Meta:
        verbose_name = _("tidsfrist")
        verbose_name_plural = _("tidsfrister")
        indexes = [
            models.Index(fields=["state", "due_at"], name="deadline_due_idx"),
            models.Index(fields=["object_type", "object_id"], name="deadline_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_type}:{self.object_id} @ {self.due_at:%Y-%m-%d %H:%M}"
