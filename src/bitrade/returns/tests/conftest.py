from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[4] / "docs" / "examples" / "return-handover.json"


@pytest.fixture
def handover_body():
    """The documented worked example of a handover (docs/examples/return-handover.json)."""
    return copy.deepcopy(json.loads(EXAMPLE.read_text(encoding="utf-8")))


@pytest.fixture
def mv_actor(demo):
    from bitrade.organisation.actor import actor_for_api_key
    from bitrade.organisation.models import ApiKey

    return actor_for_api_key(ApiKey.objects.get(prefix="demo0002"))


@pytest.fixture
def handed_over(demo, mv_actor, handover_body):
    """A case handed over by MV through the service, with its ReturnCase."""
    from bitrade.returns import services
    from bitrade.returns.schemas import HandoverIn

    return services.receive_handover(mv_actor, HandoverIn.model_validate(handover_body))
