"""REST endpoints of the police case."""

from ninja import Router

router = Router(tags=["Ärenden"])
