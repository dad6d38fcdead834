"""Kriminalvården coordination: transports the law gives to Kriminalvården go to NTE (the police drive only
when NTE declines); a daily plan shared by NTE and the police units of a region; "destination cannot
receive" recorded as an exception with what happens next. (NTE's answer deadline with its reminder and
escalation: test_transport_deadlines.)"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import Client

from bitrade.cases.services import CaseError
from bitrade.custody import services as custody
from bitrade.custody.tests.test_custody_flow import T0, executing_case
from bitrade.intake.tests.helpers import LPT_RETURN, body
from bitrade.organisation.models import Person
from bitrade.outbox.models import OutboxMessage
from bitrade.transport import services as transport
from bitrade.transport.services import order_fields as default_fields

pytestmark = pytest.mark.django_db
MOVE = body(LPT_RETURN, legal_basis="47 § andra stycket 6 LPT",
            measures="Förflytta patienten från avdelning 3 till Säter enligt beslut om överflyttning.")
LEGS = [{"region": "syd", "from_place": "Malmö", "to_place": "Säter", "start_at": T0 + timedelta(hours=1),
         "end_at": T0 + timedelta(hours=9)}]


def _held(actor_of, payload=MOVE):
    case, gc = executing_case(actor_of, payload=payload)
    episode = custody.start_episode(gc, case, ground="handrackning_lpt", place="Avdelning 3", started_at=T0)
    return case, gc, episode


def test_a_transport_the_law_gives_to_kriminalvarden_goes_to_nte_first(demo, actor_of):
    case, gc, episode = _held(actor_of)
    with pytest.raises(CaseError, match="Kriminalvården"):
        transport.plan_police_transport(gc, case, episode=episode, legs=LEGS, now=T0)
    order = transport.order_nte(gc, case, episode=episode,
                                fields=default_fields(case, episode, T0 + timedelta(hours=1)), now=T0)
    transport.nte_respond(actor_of("nte.syd"), order, accepted=False, reason="no_capacity",
                          reason_text="Inga fordon lediga i dag.", now=T0 + timedelta(minutes=20))
    planned = transport.plan_police_transport(gc, case, episode=episode, legs=LEGS, now=T0 + timedelta(minutes=30))
    assert planned.executor == "police"


def test_other_transports_may_be_driven_by_the_police(demo, actor_of):
    case, gc, episode = _held(actor_of, LPT_RETURN)
    assert transport.plan_police_transport(gc, case, episode=episode, legs=LEGS, now=T0).executor == "police"


def test_daily_plan_is_shared_by_nte_and_the_regions_police(demo, actor_of, login_client):
    case, gc, episode = _held(actor_of)
    order = transport.order_nte(gc, case, episode=episode,
                                fields=default_fields(case, episode, T0 + timedelta(hours=1)), now=T0)
    day = (T0 + timedelta(hours=1)).date().isoformat()
    for who in ("nte.syd", "sb.malmo"):
        page = login_client(who).get(f"/arenden/transport/dagsplan/?datum={day}")
        assert page.status_code == 200 and case.reference_number in page.content.decode(), who
    assert case.reference_number not in login_client("rlc.stockholm").get(
        f"/arenden/transport/dagsplan/?datum={day}").content.decode()
    assert [o.pk for o in transport.daily_plan(actor_of("nte.syd"), T0.date())] == [order.pk]


def test_destination_cannot_receive_is_an_exception_with_the_next_step(demo, actor_of):
    case, gc, episode = _held(actor_of)
    order = transport.order_nte(gc, case, episode=episode,
                                fields=default_fields(case, episode, T0 + timedelta(hours=1)), now=T0)
    c = Client()
    c.force_login(Person.objects.get(username="gc.malmo"))

    def act(payload):
        return c.post(f"/api/v1/cases/{case.public_id}/actions/destination_unavailable", payload,
                      content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))

    assert act({"order": order.pk, "reason": "kort", "next_step": "x"}).status_code == 409
    r = act({"order": order.pk, "reason": "Säter har ingen ledig plats förrän i morgon.",
             "next_step": "wait_for_place"})
    assert r.status_code == 200, r.content
    order.refresh_from_db()
    assert order.destination_next_step == "wait_for_place"
    told = set(OutboxMessage.objects.filter(event="transport.destination_exception").values_list("recipient", flat=True))
    assert {"eva@skane.example", "nte.syd@kriminalvarden.example"} <= told
