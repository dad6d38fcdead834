"""A child's LVU request in Luleå reaches a unit where someone may decide it (through intake and the
decision), not RLC Nord, whose commanders may not."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bitrade.organisation.rules import STOCKHOLM
from bitrade.routing.rules import STATION_COMMANDER_DESK


@pytest.mark.django_db
def test_a_childs_lvu_request_in_lulea_reaches_a_unit_that_can_decide_it(demo, actor_of):
    import uuid

    from bitrade.assistance import rules as case_rules
    from bitrade.assistance import services as cases
    from bitrade.intake import services as intake
    from bitrade.intake.schemas import RequestIn
    from bitrade.intake.tests.helpers import LVU_CARE, body

    payload = body(LVU_CARE, person__birth_date="2011-05-01", location__municipality_code="2580")
    at = datetime(2026, 6, 17, 22, 0, tzinfo=STOCKHOLM)
    case = intake.submit_request(actor_of("soc.malmo"), RequestIn.model_validate(payload),
                                 idempotency_key=str(uuid.uuid4()), now=at).request.case
    assert case.unit.kind == STATION_COMMANDER_DESK and case.unit.region.code == "nord"
    case = cases.decide(actor_of("sb.nord"), case, case_rules.GRANT, now=at + timedelta(minutes=5))
    assert case.state == case_rules.GRANTED
