"""Transport: the order to Kriminalvården carries only whitelisted data; NTE answers in its own view;
a police relay transport for a child needs a recorded dialogue with the requester."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from bitrade.assistance import rules as case_rules
from bitrade.assistance import services as cases
from bitrade.cases.services import CaseError
from bitrade.custody import services as custody
from bitrade.custody.tests.test_custody_flow import T0, _child_case, executing_case
from bitrade.organisation.models import OrganisationKind, RequestingOrganisation
from bitrade.outbox.models import OutboxMessage
from bitrade.transport import services as transport
from bitrade.transport.models import TransportOrder
from bitrade.transport.services import order_fields as default_fields

pytestmark = pytest.mark.django_db


def _held(actor_of):
    case, gc = executing_case(actor_of)
    episode = custody.start_episode(gc, case, ground="handrackning_lpt", place="Arresten Malmö", started_at=T0)
    return case, gc, episode


def test_order_to_nte_carries_only_whitelisted_information(demo, actor_of):
    case, gc, episode = _held(actor_of)
    order = transport.order_nte(gc, case, episode=episode, fields=default_fields(case, episode, T0 + timedelta(hours=1)), now=T0)
    assert order.state == "requested" and order.nte_organisation.name.endswith("Syd")
    assert "measures" not in order.shared and "police_powers_reason" not in order.shared
    assert order.shared["reference_number"] == case.reference_number
    assert OutboxMessage.objects.filter(event="transport.ordered", recipient="nte.syd@kriminalvarden.example").exists()


def test_a_non_whitelisted_field_refuses_the_whole_order(demo, actor_of):
    case, gc, episode = _held(actor_of)
    fields = {**default_fields(case, episode, T0 + timedelta(hours=1)), "diagnosis_details": "Schizofreni, paranoid"}
    with pytest.raises(CaseError) as err:
        transport.order_nte(gc, case, episode=episode, fields=fields, now=T0)
    assert "29 a §" in (err.value.citation or "")
    assert TransportOrder.objects.count() == 0


def test_no_order_without_deprivation_of_liberty(demo, actor_of):
    case, gc = executing_case(actor_of)
    with pytest.raises(CaseError):
        transport.order_nte(gc, case, episode=None, fields=default_fields(case, None, T0 + timedelta(hours=1)), now=T0)


def test_nte_accepts_or_declines_in_its_own_view(demo, actor_of, login_client):
    case, gc, episode = _held(actor_of)
    order = transport.order_nte(gc, case, episode=episode, fields=default_fields(case, episode, T0 + timedelta(hours=1)), now=T0)
    page = login_client("nte.syd").get("/").content.decode()
    assert case.reference_number in page and "Patient Exempelsson" in page  # whitelisted identity
    assert "våldsamt motstånd" not in page  # the request's reasons are not shared
    nte = actor_of("nte.syd")
    with pytest.raises(CaseError):
        transport.nte_respond(nte, order, accepted=False, reason="")
    order = transport.nte_respond(nte, order, accepted=False, reason="no_capacity", now=T0 + timedelta(minutes=5))
    assert order.state == "declined" and order.decline_reason == "no_capacity"


def test_another_kriminalvarden_unit_cannot_answer(demo, actor_of):
    case, gc, episode = _held(actor_of)
    order = transport.order_nte(gc, case, episode=episode, fields=default_fields(case, episode, T0 + timedelta(hours=1)), now=T0)
    other = RequestingOrganisation.objects.create(name="Kriminalvården NTE Nord",
                                                  kind=OrganisationKind.KRIMINALVARDEN)
    from bitrade.common.actor import Actor

    stranger = Actor(kind="kriminalvarden", label="x", organisation_id=other.pk)
    with pytest.raises(PermissionDenied):
        transport.nte_respond(stranger, order, accepted=True)


def test_child_relay_transport_needs_a_dialogue_with_the_requester(demo, actor_of):
    case, vb = _child_case(actor_of, "2011-01-01")
    episode = custody.start_episode(vb, case, ground="handrackning_lvu", place="Malmö", started_at=T0)
    legs = [{"region": "syd", "from_place": "Malmö", "to_place": "Jönköping", "start_at": T0,
             "end_at": T0 + timedelta(hours=3)},
            {"region": "ost", "from_place": "Jönköping", "to_place": "SiS Råby", "start_at": T0 + timedelta(hours=3),
             "end_at": T0 + timedelta(hours=5)}]
    with pytest.raises(CaseError):
        transport.plan_police_transport(vb, case, episode=episode, legs=legs, now=T0)
    order = transport.plan_police_transport(
        vb, case, episode=episode, legs=legs, now=T0,
        requester_dialogue="Socialsekreteraren Persson samtycker; ingen bättre lösning med färre överlämningar.")
    assert order.legs.count() == 2 and "1 överlämningar" in case.events.get(action="transport_planned").text


def test_completed_transport_lets_the_case_close(demo, actor_of):
    case, gc, episode = _held(actor_of)
    order = transport.order_nte(gc, case, episode=episode, fields=default_fields(case, episode, T0 + timedelta(hours=1)), now=T0)
    transport.nte_respond(actor_of("nte.syd"), order, accepted=True, now=T0 + timedelta(minutes=5))
    custody.end_episode(gc, episode, reason="Överlämnad till Kriminalvården.", ended_at=T0 + timedelta(hours=1))
    custody.save_protocol(gc, episode, fields={
        "decided_by_text": "Johan Ek", "ground_and_time": "47 § andra stycket 3 LPT, 10:00",
        "participants": "Johan Ek", "subjects": "Patient Exempelsson", "intervention_time": "10:00–11:00",
        "other_events": "Överlämnad till NTE."}, sign_as="decider")
    custody.save_protocol(gc, episode, fields={}, sign_as="forman")
    case = cases.record_outcome(gc, case, outcome=case_rules.OUTCOME_EXECUTED)
    with pytest.raises(CaseError, match="[Tt]ransport"):
        cases.close(gc, case)
    transport.complete_transport(actor_of("nte.syd"), order)
    assert cases.close(gc, case).state == case_rules.CLOSED


def test_police_cancel_an_open_transport_on_the_case_page_and_the_case_can_close(demo, actor_of, login_client):
    case, gc, episode = _held(actor_of)
    order = transport.order_nte(gc, case, episode=episode, fields=default_fields(case, episode, T0 + timedelta(hours=1)), now=T0)
    transport.nte_respond(actor_of("nte.syd"), order, accepted=True, now=T0 + timedelta(minutes=5))
    client = login_client("gc.malmo")
    page = client.get(reverse("cases:detail", args=[case.public_id])).content.decode()
    assert reverse("transport:cancel", args=[case.public_id, order.pk]) in page and "Avbeställ transporten" in page

    url = reverse("transport:cancel", args=[case.public_id, order.pk])
    r = client.post(url, {"reason": "  "}, follow=True)
    assert "Ange varför transporten avbeställs." in r.content.decode()
    order.refresh_from_db()
    assert order.state == "accepted"

    client.post(url, {"reason": "Vårdinrättningen hämtar patienten själv."})
    order.refresh_from_db()
    assert order.state == "cancelled"
    assert "Vårdinrättningen hämtar patienten själv" in case.events.get(action="transport_cancelled").text
    assert OutboxMessage.objects.filter(event="transport.cancelled", recipient="nte.syd@kriminalvarden.example").exists()
    assert reverse("transport:cancel", args=[case.public_id, order.pk]) not in client.get(
        reverse("cases:detail", args=[case.public_id])).content.decode()

    custody.end_episode(gc, episode, reason="Överlämnad till vårdinrättningen.", ended_at=T0 + timedelta(hours=1))
    custody.save_protocol(gc, episode, fields={
        "decided_by_text": "Johan Ek", "ground_and_time": "47 § andra stycket 3 LPT, 10:00",
        "participants": "Johan Ek", "subjects": "Patient Exempelsson", "intervention_time": "10:00–11:00",
        "other_events": "Inget övrigt."}, sign_as="decider")
    custody.save_protocol(gc, episode, fields={}, sign_as="forman")
    case = cases.record_outcome(gc, case, outcome=case_rules.OUTCOME_EXECUTED)
    assert cases.close(gc, case).state == case_rules.CLOSED


def test_a_finished_or_declined_transport_cannot_be_cancelled(demo, actor_of):
    case, gc, episode = _held(actor_of)
    declined = transport.order_nte(gc, case, episode=episode, fields=default_fields(case, episode, T0 + timedelta(hours=1)), now=T0)
    transport.nte_respond(actor_of("nte.syd"), declined, accepted=False, reason="no_capacity", now=T0 + timedelta(minutes=5))
    with pytest.raises(CaseError, match="avböjt"):
        transport.cancel_transport(gc, declined, reason="Behövs inte längre.")
    legs = [{"region": "syd", "from_place": "Arresten Malmö", "to_place": "Vuxenpsykiatri Malmö",
             "start_at": T0 + timedelta(hours=1), "end_at": T0 + timedelta(hours=2)}]
    planned = transport.plan_police_transport(gc, case, episode=episode, legs=legs, now=T0)
    transport.complete_transport(gc, planned)
    with pytest.raises(CaseError, match="redan avslutad"):
        transport.cancel_transport(gc, planned, reason="Behövs inte längre.")
    assert not case.events.filter(action="transport_cancelled").exists()
