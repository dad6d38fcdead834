"""REST endpoints of the legal knowledge base."""

from ninja import Router

router = Router(tags=["Rättskällor"])
