"""REST endpoints of the national follow-up."""

from ninja import Router

router = Router(tags=["Uppföljning"])
