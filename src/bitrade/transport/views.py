"""Transport orders on the case page and Kriminalvården's view."""

from __future__ import annotations

from .models import TransportOrder


def transport_context(actor, case) -> dict:
    return {"transports": list(TransportOrder.objects.filter(case=case).prefetch_related("legs"))}
