"""Requests the police register themselves: a phone, fax or e-mail request from an authority without an
account, registered on its behalf (channel recorded), reviewed and routed the same way; a phoned request
has a deadline for the written confirmation and a reminder before it runs out."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import Client

from bitrade.deadlines.models import Deadline
from bitrade.intake.models import AssistanceRequest
from bitrade.intake.tests.helpers import LVU_CARE
from bitrade.organisation.models import Person, RequestingOrganisation

pytestmark = pytest.mark.django_db


def _police(username="sb.malmo"):
    c = Client()
    c.force_login(Person.objects.get(username=username))
    return c


def _post(client, payload):
    return client.post("/api/v1/requests/registered", payload, content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))


def test_a_phoned_request_is_registered_reviewed_routed_and_awaits_written_confirmation(demo):
    org = RequestingOrganisation.objects.get(name="Socialnämnden Malmö stad")
    r = _post(_police(), {"organisation_id": org.pk, "channel": "phone", "request": LVU_CARE})
    assert r.status_code == 201, r.content
    req = AssistanceRequest.objects.get(public_id=r.json()["id"])
    assert req.channel == "phone" and req.organisation == org and req.review_outcome == "admissible"
    # Routed as any request (the group while it is open, else the station commander desk).
    assert req.case.unit.name in ("Handräckningsgrupp Malmö", "Stationsbefäl Malmö")
    assert req.case.routing_reasons
    assert req.oral_confirmation_due_at is not None
    deadline = Deadline.objects.get(object_id=str(req.pk), kind="intake.oral_confirmation")
    assert deadline.due_at <= req.oral_confirmation_due_at  # the reminder comes before it runs out
    assert req.case.events.filter(action="registered_by_police").exists()


def test_fax_and_e_mail_are_written_already(demo):
    org = RequestingOrganisation.objects.get(name="Socialnämnden Malmö stad")
    r = _post(_police(), {"organisation_id": org.pk, "channel": "fax", "request": LVU_CARE})
    assert r.status_code == 201
    assert AssistanceRequest.objects.get(public_id=r.json()["id"]).oral_confirmation_due_at is None


@pytest.mark.parametrize("payload, status, field", [
    ({"channel": "pigeon"}, 422, "channel"),
    ({"organisation_id": 999999}, 422, "organisation_id"),
])
def test_bad_registrations_are_refused_with_the_field(demo, payload, status, field):
    org = RequestingOrganisation.objects.get(name="Socialnämnden Malmö stad")
    body = {"organisation_id": org.pk, "channel": "phone", "request": LVU_CARE, **payload}
    r = _post(_police(), body)
    assert r.status_code == status and field in str(r.json())


def test_requesters_cannot_register_for_someone_else(demo, api_key_for):
    org = RequestingOrganisation.objects.get(name="Socialnämnden Malmö stad")
    r = Client().post("/api/v1/requests/registered", {"organisation_id": org.pk, "channel": "phone",
                                                      "request": LVU_CARE}, content_type="application/json",
                      HTTP_IDEMPOTENCY_KEY="x", HTTP_AUTHORIZATION=f"Bearer {api_key_for(org.name)}")
    assert r.status_code == 403


def test_the_reminder_fires_before_the_deadline(demo):
    from bitrade.deadlines import services as deadlines

    org = RequestingOrganisation.objects.get(name="Socialnämnden Malmö stad")
    r = _post(_police(), {"organisation_id": org.pk, "channel": "phone", "request": LVU_CARE})
    req = AssistanceRequest.objects.get(public_id=r.json()["id"])
    deadline = Deadline.objects.get(object_id=str(req.pk), kind="intake.oral_confirmation")
    assert deadlines.sweep(now=deadline.due_at + timedelta(seconds=1)) >= 1
    assert req.case.events.filter(action__startswith="oral_unconfirmed").exists()
