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
