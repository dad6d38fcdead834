"""Stored answers to API writes, so that a retried write with the same Idempotency-Key is answered
the same way instead of being carried out twice."""

from __future__ import annotations

from django.db import models


class IdempotentResponse(models.Model):
    scope = models.CharField(max_length=80)  # who wrote: person or API key
    key = models.CharField(max_length=100)
    endpoint = models.CharField(max_length=200)
    body_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="unique_idempotent_response")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
