"""The inbox rows one member of a unit had rendered are served to the unit's other members in the same capacity
until a change stamp moves (``cases.inbox_cache``): each person's read still on record, nothing of one person
in another's answer, and never rows of one unit to another."""

from __future__ import annotations

import pytest
from django.test import Client

from bitrade.assistance.tests.bulk import open_cases
from bitrade.audit.models import AuditEvent
from bitrade.audit.services import READ
from bitrade.cases import inbox_cache
from bitrade.cases.models import Case
from bitrade.common.actor import POLICE, Actor
from bitrade.organisation.models import Person, Unit, UnitMembership

pytestmark = pytest.mark.django_db

URL = "/arenden/inkorg/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def empty_cache():
    inbox_cache.clear()
    yield
    inbox_cache.clear()


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(Person.objects.get(username=username))
    return client


@pytest.fixture
def colleague(demo):
    """A second group manager of Handräckningsgrupp Malmö: the same unit and capacity as gc.malmo."""
    person = Person.objects.create(username="gc2.malmo", first_name="Sara", last_name="Berg")
    UnitMembership.objects.create(person=person, unit=Unit.objects.get(name="Handräckningsgrupp Malmö"),
                                  function="level2_manager")
    return person


def reads_of(username: str) -> int:
    person = Person.objects.get(username=username)
    return AuditEvent.objects.filter(action=READ, actor_person_id=person.pk, reason="inkorg").count()


def rows_part(html: bytes) -> str:
    text = html.decode()
    return text[text.index("<tbody>"):text.index("</tbody>")]


def test_two_members_of_a_unit_share_the_rows_and_each_read_is_on_record(demo, colleague):
    open_cases(12)
    first = client_for("gc.malmo").get(URL, **HTMX)
    misses = inbox_cache.stats["misses"]
    hits = inbox_cache.stats["hits"]
    second = client_for("gc2.malmo").get(URL, **HTMX)
    assert first.status_code == second.status_code == 200
    assert inbox_cache.stats["misses"] == misses and inbox_cache.stats["hits"] == hits + 1  # served the kept rows
    assert rows_part(second.content) == rows_part(first.content) and rows_part(first.content).count("HR-T-") == 12
    assert reads_of("gc.malmo") == 1 and reads_of("gc2.malmo") == 1  # one read event per person served
    event = AuditEvent.objects.get(action=READ, actor_person_id=colleague.pk, reason="inkorg")
    assert event.new["count"] == 12 and set(event.new["ids"]) == {str(c.pk) for c in Case.objects.all()}


def test_the_whole_start_page_shares_the_rows_but_not_the_page(demo, colleague):
    open_cases(3)
    mine = client_for("gc.malmo").get("/")
    theirs = client_for("gc2.malmo").get("/")
    assert inbox_cache.stats["hits"] >= 1
    assert rows_part(mine.content) == rows_part(theirs.content)
    assert "Johan Ek" in mine.content.decode() and "Johan Ek" not in theirs.content.decode()
    assert "Sara Berg" in theirs.content.decode()
    assert mine.context["csrf_token"] != theirs.context["csrf_token"]
    assert reads_of("gc.malmo") == 1 and reads_of("gc2.malmo") == 1


def test_a_change_stamp_makes_the_rows_read_again(demo, colleague):
    cases = open_cases(4)
    client = client_for("gc.malmo")
    before = client.get(URL, **HTMX)
    misses = inbox_cache.stats["misses"]
    case = cases[0]
    case.assistance_request.person_name = "Ny Persson"
    case.assistance_request.save(update_fields=["person_name"])  # a row the inbox shows: its stamp moves
    after = client_for("gc2.malmo").get(URL, **HTMX, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert inbox_cache.stats["misses"] == misses + 1
    assert "Ny Persson" in after.content.decode() and "Ny Persson" not in before.content.decode()


def test_another_unit_and_another_capacity_never_get_the_kept_rows(demo):
    open_cases(5)
    client_for("gc.malmo").get(URL, **HTMX)
    misses = inbox_cache.stats["misses"]
    other_unit = client_for("sb.malmo").get(URL, **HTMX)  # the station commanders' desk of the area
    assert other_unit.status_code == 200 and "HR-T-" not in other_unit.content.decode()
    officer = client_for("polis.malmo").get(URL, **HTMX)  # the same unit, another capacity: its own rows
    assert officer.status_code == 200 and officer.content.decode().count("HR-T-") == 5
    malmo = Unit.objects.get(name="Handräckningsgrupp Malmö")
    twin = Unit.objects.create(name="Handräckningsgrupp Lund", kind=malmo.kind, region=malmo.region,
                               police_area=malmo.police_area)
    person = Person.objects.create(username="gc.lund", first_name="Per", last_name="Lund")
    UnitMembership.objects.create(person=person, unit=twin, function="level2_manager")
    lund = client_for("gc.lund").get(URL, **HTMX)  # a unit of the same kind, area and capacity
    assert lund.status_code == 200 and "HR-T-" not in lund.content.decode()
    assert inbox_cache.stats["misses"] == misses + 3


def test_a_person_with_a_part_of_their_own_is_never_served_shared_rows():
    actor = Actor(kind=POLICE, label="x", person_id=7, unit_id=3, unit_kind="rlc", region_id=1,
                  functions=frozenset({"officer"}))
    assert inbox_cache.shared_key(actor, {"u:3": 4, "g": 1, "p:7": 0}) is not None
    assert inbox_cache.shared_key(actor, {"u:3": 4, "g": 1, "p:7": 2}) is None
    other = Actor(kind=POLICE, label="y", person_id=8, unit_id=3, unit_kind="rlc", region_id=1,
                  functions=frozenset({"officer"}))
    # Two people of one unit and capacity whose own parts are empty share one key; the person is not in it.
    assert inbox_cache.shared_key(other, {"u:3": 4, "g": 1, "p:8": 0}) == inbox_cache.shared_key(
        actor, {"u:3": 4, "g": 1, "p:7": 0})
    assert inbox_cache.shared_key(actor, {"u:3": 5, "g": 1, "p:7": 0}) != inbox_cache.shared_key(
        actor, {"u:3": 4, "g": 1, "p:7": 0})
