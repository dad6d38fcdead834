"""Reads of transports: the case's own, and Kriminalvården's view of orders (whitelisted data only)."""

from __future__ import annotations

from .models import TransportOrder, TransportState

OPEN = (TransportState.REQUESTED, TransportState.ACCEPTED, TransportState.PLANNED)


def open_transport_count(case) -> int:
    return TransportOrder.objects.filter(case=case, state__in=OPEN).count()
