"""Reads of transports: the case's own, and Kriminalvården's view of orders (whitelisted data only)."""

from __future__ import annotations

from .models import TransportOrder, TransportState

OPEN = (TransportState.REQUESTED, TransportState.ACCEPTED, TransportState.PLANNED)
FINISHED = (TransportState.COMPLETED, TransportState.DECLINED, TransportState.CANCELLED)


def open_transport_count(case) -> int:
    return TransportOrder.objects.filter(case=case, state__in=OPEN).count()


def orders_for_case(case) -> list[TransportOrder]:
    return list(TransportOrder.objects.filter(case=case).prefetch_related("legs").select_related("nte_organisation"))


def order_of(case, order_id) -> TransportOrder | None:
    return TransportOrder.objects.filter(pk=order_id, case=case).first()


def orders_version(orders) -> str:
    """A cheap fingerprint of a list of orders as Kriminalvården's page shows them (the state and answer
    columns only; the whitelisted data is fixed when the order is made)."""
    rows = orders.values_list("pk", "state", "responded_at", "completed_at")
    return ";".join(f"{pk}:{state}:{r}:{c}" for pk, state, r, c in rows)
