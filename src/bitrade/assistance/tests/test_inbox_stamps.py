"""The inbox ETag from the change stamps the database keeps (``cases.stamps``): it changes whenever what the
inbox shows would change — a new case, a state change, a transfer, an edit of a field the row shows, a
case offered to the unit, a deletion — whoever writes (the services or plain bulk SQL), and it does not
change for a write elsewhere. The 304 path reads no case at all."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bitrade.assistance import services as assistance
from bitrade.assistance.models import Transfer
from bitrade.assistance.tests.bulk import open_cases
from bitrade.audit.models import AuditEvent
from bitrade.cases import services as case_services
from bitrade.cases import stamps
from bitrade.cases.models import Case, ScopeStamp
from bitrade.intake.models import AssistanceRequest
from bitrade.organisation.models import Person, Unit

pytestmark = pytest.mark.django_db


def client_of(username: str) -> Client:
    c = Client()
    c.force_login(Person.objects.get(username=username))
    return c


def etag(actor) -> str:
    return case_services.inbox_etag(actor, "api")


def test_round_trip_for_every_change_an_inbox_row_shows(demo, actor_of):
    """200 → 304 (no audit event) → a change → 200, for the handling unit's API inbox and the htmx fragment."""
    cases = open_cases(3)
    gc = actor_of("gc.malmo")
    changes = {
        "a new case": lambda: open_cases(1, start=10),
        "a state change through the service": lambda: assistance.acknowledge(gc, cases[1]),
        "a state change by plain SQL": lambda: Case.objects.filter(pk=cases[2].pk).update(state="granted"),
        "the priority": lambda: Case.objects.filter(pk=cases[0].pk).update(priority=1),
        "an escalation": lambda: Case.objects.filter(pk=cases[0].pk).update(escalation_count=5),
        "the acknowledgement deadline": lambda: Case.objects.filter(pk=cases[2].pk).update(ack_due_at=None),
        "the person's name on the request": lambda: AssistanceRequest.objects.filter(case=cases[0])
        .update(person_name="Någon Annan"),
        "the legal basis on the request": lambda: AssistanceRequest.objects.filter(case=cases[1])
        .update(legal_basis_text="11 § LVU", review={}),
        "a phoned request's confirmation": lambda: AssistanceRequest.objects.filter(case=cases[2])
        .update(oral_confirmed_at=cases[2].received_at),
        "the handling unit's name": lambda: Unit.objects.filter(pk=cases[0].unit_id).update(name="HG Malmö"),
        "a case moved away": lambda: Case.objects.filter(pk=cases[1].pk).update(unit=Unit.objects.exclude(
            pk=cases[1].unit_id).filter(kind="rlc").first()),
        "a case deleted": lambda: (AssistanceRequest.objects.filter(case=cases[0]).delete(),
                                   Case.objects.filter(pk=cases[0].pk).delete()),
    }
    client = client_of("gc.malmo")
    for what, change in changes.items():
        for url in ("/api/v1/cases", "/arenden/inkorg/"):
            first = client.get(url)
            assert first.status_code == 200, what
            events = AuditEvent.objects.count()
            again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
            assert again.status_code == 304 and again.content == b"", (what, url)
            assert AuditEvent.objects.count() == events, (what, url)
        before = etag(gc)
        change()
        assert etag(gc) != before, what
        assert client.get("/api/v1/cases", HTTP_IF_NONE_MATCH=before).status_code == 200, what


def test_the_rlc_sees_changes_in_its_region_and_not_elsewhere(demo, actor_of):
    case = open_cases(2)[1]
    rlc, nord = actor_of("rlc.syd"), actor_of("rlc.nord")
    rlc_before, nord_before = etag(rlc), etag(nord)
    AssistanceRequest.objects.filter(case=case).update(person_name="Ny Person")
    assert etag(rlc) != rlc_before  # in the RLC's region part
    assert etag(nord) == nord_before  # another region's inbox keeps its 304
    rlc_before = etag(rlc)
    assistance.acknowledge(actor_of("gc.malmo"), case)
    assert etag(rlc) != rlc_before


def test_a_case_offered_by_a_transfer_changes_the_receiving_units_etag(demo, actor_of):
    """A relay to another region puts the case in the receiving unit's inbox; every change of it (and of
    its request) reaches that inbox until the offer is answered, and the answer does too."""
    case = open_cases(1)[0]
    gc = actor_of("gc.malmo")
    sthlm = actor_of("rlc.stockholm")
    before = etag(sthlm)
    offer = Transfer.objects.create(case=case, from_unit_id=case.unit_id, to_unit_id=sthlm.unit_id, reason="Flyttat.",
                                    requested_at=case.received_at, requested_by_id=gc.person_id,
                                    status=Transfer.PENDING)
    assert etag(sthlm) != before
    assert str(case.public_id) in client_of("rlc.stockholm").get("/api/v1/cases").content.decode()
    for change in (lambda: Case.objects.filter(pk=case.pk).update(priority=2),
                   lambda: AssistanceRequest.objects.filter(case=case).update(person_name="Ny Person"),
                   lambda: Transfer.objects.filter(pk=offer.pk).update(status=Transfer.DECLINED)):
        before = etag(sthlm)
        change()
        assert etag(sthlm) != before
    before = etag(sthlm)
    Case.objects.filter(pk=case.pk).update(priority=3)  # no longer offered: not in that inbox any more
    assert etag(sthlm) == before


def test_a_transfer_through_the_service_changes_both_units_etags(demo, actor_of):
    case = open_cases(1)[0]
    rlc = actor_of("rlc.syd")
    gc = actor_of("gc.malmo")
    gc_before, rlc_before = etag(gc), etag(rlc)
    assistance.transfer(gc, case, to_unit_id=rlc.unit_id, reason="RLC tar över ärendet i natt.")
    assert Case.objects.get(pk=case.pk).unit_id == rlc.unit_id
    assert etag(gc) != gc_before and etag(rlc) != rlc_before


def test_bulk_writes_bump_each_stamp(demo, actor_of):
    """Bulk inserts bypass signals; the triggers still see every row (one stamp per part, not per case)."""
    gc = actor_of("gc.malmo")
    before = etag(gc)
    open_cases(50)
    assert etag(gc) != before
    unit, region = f"u:{gc.unit_id}", f"r:{gc.region_id}:assistance"
    found = stamps.versions([unit, region])
    assert found[unit] >= 1 and found[region] >= 1
    assert ScopeStamp.objects.filter(scope__in=stamps.rows_of(unit, connection.vendor),
                                     changed_at__isnull=False).exists()


def test_the_304_reads_no_case(demo, actor_of):
    open_cases(5)
    client = client_of("rlc.syd")
    first = client.get("/api/v1/cases")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/v1/cases", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "cases_scopestamp" in sql and '"cases_case"' not in sql


def test_the_whole_start_page_round_trip(demo, actor_of):
    """The police start page: 200 → 304 on revalidation (no audit event) → a new case → 200."""
    open_cases(2)
    client = client_of("gc.malmo")
    first = client.get("/")
    assert first.status_code == 200 and first["Cache-Control"] == "private, no-cache"
    events = AuditEvent.objects.count()
    again = client.get("/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and AuditEvent.objects.count() == events
    open_cases(1, start=20)
    after = client.get("/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200 and after["ETag"] != first["ETag"] and after.content.decode().count("HR-T-") == 3


def test_the_start_page_is_kept_from_one_minute_to_the_next(demo, actor_of, monkeypatch):
    """A closed unit's start page names no clock time, so a revalidation a minute later is still 304; it is
    served again when the unit opens."""
    from datetime import datetime

    from django.utils import timezone

    from bitrade.organisation.models import OfficeHours
    from bitrade.organisation.rules import STOCKHOLM
    from bitrade.web import views as web_views

    unit = Unit.objects.get(pk=actor_of("gc.malmo").unit_id)
    unit.always_open = False
    unit.save()
    OfficeHours.objects.filter(unit=unit).delete()
    for day in range(5):
        OfficeHours.objects.create(unit=unit, weekday=day, opens="08:00", closes="16:00")
    client = client_of("gc.malmo")
    clock = {"now": datetime(2026, 6, 10, 7, 20, tzinfo=STOCKHOLM)}
    monkeypatch.setattr(web_views, "timezone", type("Clock", (), {"now": staticmethod(lambda: clock["now"]),
                                                                  "localdate": staticmethod(timezone.localdate)}))
    first = client.get("/")
    assert first.status_code == 200 and "Stängt nu: öppet" in first.content.decode()
    clock["now"] = datetime(2026, 6, 10, 7, 21, tzinfo=STOCKHOLM)
    assert client.get("/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    clock["now"] = datetime(2026, 6, 10, 8, 0, tzinfo=STOCKHOLM)
    opened = client.get("/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert opened.status_code == 200 and "Öppet onsdag 08:00–16:00" in opened.content.decode()


def test_the_start_page_is_served_again_after_a_rename_or_with_a_message(demo, actor_of):
    client = client_of("gc.malmo")
    first = client.get("/")
    Unit.objects.filter(pk=actor_of("gc.malmo").unit_id).update(name="Handräckningsgruppen i Malmö")
    renamed = client.get("/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert renamed.status_code == 200 and "Handräckningsgruppen i Malmö" in renamed.content.decode()
    assert client.get("/", HTTP_IF_NONE_MATCH=renamed["ETag"]).status_code == 304
    client.post("/roll/", {"capacity": actor_of("gc.malmo").capacity_key})  # leaves "Du har bytt roll."
    shown = client.get("/", HTTP_IF_NONE_MATCH=renamed["ETag"])
    assert shown.status_code == 200 and "Du har bytt roll" in shown.content.decode() and "ETag" not in shown


def test_the_fragment_in_another_language_is_served_again(demo):
    open_cases(1)
    client = client_of("gc.malmo")
    swedish = client.get("/arenden/inkorg/", HTTP_ACCEPT_LANGUAGE="sv")
    assert client.get("/arenden/inkorg/", HTTP_ACCEPT_LANGUAGE="sv",
                      HTTP_IF_NONE_MATCH=swedish["ETag"]).status_code == 304
    english = client.get("/arenden/inkorg/", HTTP_ACCEPT_LANGUAGE="en", HTTP_IF_NONE_MATCH=swedish["ETag"])
    assert english.status_code == 200 and "Reference" in english.content.decode()
