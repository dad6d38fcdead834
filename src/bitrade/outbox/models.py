"""Notifications written in the same transaction as the change, delivered by the worker."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("E-post")
    WEBHOOK = "webhook", _("Webhook")


class MessageState(models.TextChoices):
    PENDING = "pending", _("Väntar")
    SENT = "sent", _("Skickat")
    FAILED = "failed", _("Misslyckades")


class OutboxMessage(models.Model):
    channel = models.CharField(max_length=16, choices=Channel.choices)
    recipient = models.CharField(_("mottagare"), max_length=300)
    subject = models.CharField(_("ämne"), max_length=300, blank=True)
    body = models.TextField(_("text"), blank=True)
    payload = models.JSONField(default=dict, blank=True)
    event = models.CharField(_("händelse"), max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=16, choices=MessageState.choices, default=MessageState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("utskick")
        verbose_name_plural = _("utskick")
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient}: {self.event}"
