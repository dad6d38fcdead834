"""Stored answers to API writes, so that a retried write with the same Idempotency-Key is answered
the same way instead of being carried out twice. One store for every API write."""

from __future__ import annotations

from django.db import models


class IdempotentResponse(models.Model):
    scope = models.CharField(max_length=80)  # who wrote: an organisation, an API key or a person
    key = models.CharField(max_length=100)
    endpoint = models.CharField(max_length=200)
    body_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True)  # null while the write is in flight
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "lagrat svar på skrivning"
        verbose_name_plural = "lagrade svar på skrivningar"
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="unique_idempotency_scope_key")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
