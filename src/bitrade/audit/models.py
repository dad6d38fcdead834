"""Append-only, hash-chained audit events.

There is no update or delete path: the model refuses it, and a database trigger (PostgreSQL and
SQLite alike) aborts any UPDATE or DELETE that bypasses the ORM.
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
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("granskningshändelse")
        verbose_name_plural = _("granskningslogg")
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Granskningsloggen kan inte ändras.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Granskningsloggen kan inte raderas.")


class AuditChainHead(models.Model):
    """A single row holding the newest hash: locking it serialises writers of the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("granskningskedjans huvud")

    def __str__(self) -> str:
        return f"#{self.last_seq} {self.last_hash[:12]}"
