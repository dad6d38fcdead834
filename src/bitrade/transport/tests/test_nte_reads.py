"""Kriminalvården's orders page at scale: a fixed number of queries for 1 or 100 orders, and a conditional
page (200 → 304 → an answer changes an order → 200) that shows and writes nothing on a 304."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bitrade.assistance.tests.bulk import open_cases
from bitrade.audit.models import AuditEvent
from bitrade.organisation.models import Person, RequestingOrganisation
from bitrade.transport.models import TransportOrder

pytestmark = pytest.mark.django_db
NTE = "Kriminalvården, nationella transportenheten Syd"


def orders(n: int, start: int = 0) -> list[TransportOrder]:
    nte = RequestingOrganisation.objects.get(name=NTE)
    gc = Person.objects.get(username="gc.malmo")
    now = timezone.now()
    return TransportOrder.objects.bulk_create([
        TransportOrder(case=c, executor="nte", nte_organisation=nte, state="requested",
                       shared={"reference_number": c.reference_number, "destination": "Vårdavdelning 3"},
                       destination="Vårdavdelning 3", pickup_place="Arresten", ordered_at=now - timedelta(minutes=i),
                       ordered_by=gc)
        for i, c in enumerate(open_cases(n, start=start))])


def count(client):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get("/")
    assert r.status_code == 200
    return len(ctx.captured_queries), r.content.decode()


def test_nte_page_runs_the_same_queries_for_1_and_100_orders(demo, login_client):
    nte = login_client("nte.syd")
    orders(1)
    nte.get("/")
    few, page_few = count(nte)
    orders(99, start=1)
    many, page_many = count(nte)
    assert page_few.count('data-testid="nte-order"') == 1 and page_many.count('data-testid="nte-order"') == 100
    assert few == many


def test_nte_page_etag_round_trip(demo, login_client, actor_of):
    from bitrade.transport import services as transport

    nte = login_client("nte.syd")
    order = orders(2)[0]
    first = nte.get("/")
    assert first.status_code == 200 and first["ETag"].startswith('W/"') and "no-cache" in first["Cache-Control"]
    events = AuditEvent.objects.count()
    again = nte.get("/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and AuditEvent.objects.count() == events
    transport.nte_respond(actor_of("nte.syd"), order, accepted=True)
    after = nte.get("/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200 and after["ETag"] != first["ETag"]


def test_a_page_with_a_message_is_never_answered_304_nor_kept(demo, login_client):
    nte = login_client("nte.syd")
    order = orders(1)[0]
    first = nte.get("/")
    r = nte.post(f"/arenden/transportuppdrag/{order.public_id}/svar/", {"answer": "accept"})
    assert r.status_code == 302
    shown = nte.get("/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert shown.status_code == 200 and "Svaret är registrerat." in shown.content.decode()
    assert "ETag" not in shown
