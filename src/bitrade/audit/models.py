"""Append-only audit events, sealed into a hash chain by the sealer, and signed checkpoints.

A request inserts its event with a database-assigned `seq` and nothing else: no shared row is locked.
The sealer (`services.seal_pending`) later fills in `position`, `prev_hash`, `hash` and `sealed_at`, once.
There is no other update or delete path: the model refuses it, and database triggers (PostgreSQL and
SQLite alike, migration 0003) abort any UPDATE except that one sealing update, any DELETE and, on
PostgreSQL, TRUNCATE.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: ARG002
        raise AppendOnlyError("Granskningsloggen kan inte ändras.")

    def delete(self):
        raise AppendOnlyError("Granskningsloggen kan inte raderas.")

    # bulk_update goes through update(); bulk_create is allowed only via services.record.


class AuditEvent(models.Model):
    seq = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(_("tidpunkt"), db_index=True)
    actor_kind = models.CharField(_("aktörstyp"), max_length=32)
    actor_label = models.CharField(_("aktör"), max_length=200)
    actor_person_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_unit_id = models.BigIntegerField(null=True, blank=True)
    actor_organisation_id = models.BigIntegerField(null=True, blank=True)
    actor_api_key_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(_("händelse"), max_length=64, db_index=True)
    object_type = models.CharField(_("objekttyp"), max_length=64, blank=True)
    object_id = models.CharField(_("objekt-id"), max_length=64, blank=True)
    result = models.CharField(_("resultat"), max_length=16, default="ok")
    reason = models.TextField(_("skäl"), blank=True)
    old = models.JSONField(_("före"), null=True, blank=True)
    new = models.JSONField(_("efter"), null=True, blank=True)
    request_id = models.CharField(_("begäran-id"), max_length=64, blank=True)
    # Filled in once by the sealer: the place in the chain (1, 2, 3, … without holes), the link and the hash.
    position = models.BigIntegerField(null=True, blank=True, unique=True)
    prev_hash = models.CharField(max_length=64, null=True, blank=True)
    hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    sealed_at = models.DateTimeField(null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("granskningshändelse")
        verbose_name_plural = _("granskningslogg")
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["seq"], condition=models.Q(position__isnull=True), name="audit_unsealed_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Granskningsloggen kan inte ändras.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Granskningsloggen kan inte raderas.")


class AuditCheckpoint(models.Model):
    """A signed statement over one sealed batch (a copy: the authoritative one is in the checkpoint file)."""

    number = models.BigIntegerField(unique=True)
    first_position = models.BigIntegerField()
    last_position = models.BigIntegerField(unique=True)
    first_seq = models.BigIntegerField()
    last_seq = models.BigIntegerField()
    root = models.CharField(max_length=64)
    head = models.CharField(max_length=64)
    key_id = models.CharField(max_length=32)
    body = models.TextField()
    signature = models.CharField(max_length=128)
    created_at = models.DateTimeField()

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("kontrollpunkt")
        verbose_name_plural = _("kontrollpunkter")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}: {self.first_position}–{self.last_position}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Kontrollpunkter kan inte ändras.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Kontrollpunkter kan inte raderas.")


class ReadMark(models.Model):
    """What an actor last saw through one self-refreshing view: a read is logged only when it changes."""

    actor_key = models.CharField(max_length=120)
    purpose = models.CharField(max_length=120)
    fingerprint = models.CharField(max_length=64)
    logged_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["actor_key", "purpose"], name="unique_audit_read_mark")]

    def __str__(self) -> str:
        return f"{self.actor_key} {self.purpose}"
