"""A poll after a change writes only the rows that changed (``cases.inbox_cache.rows_markup``): each row's markup
is kept per process by the row's values, the actor it is presented for, the date and the language, and a kept
row is exactly the markup the row would get now. And the self-refreshing inbox's read log after a change:
logged when what it shows changed, not when it did not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from bitrade.assistance.tests.bulk import open_cases
from bitrade.audit import services as audit
from bitrade.audit.models import AuditEvent, ReadMark
from bitrade.audit.services import READ
from bitrade.cases import inbox_cache, selectors
from bitrade.cases.models import Case
from bitrade.common.actor import POLICE, Actor
from bitrade.intake.selectors import MASK
from bitrade.organisation.models import Person, Unit

pytestmark = pytest.mark.django_db

URL = "/arenden/inkorg/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def pages_not_kept(settings):
    """Every poll misses the unit's kept page (as a poll after a change does): the rows are read each time."""
    settings.INBOX_ROWS_CACHE = 0
    settings.INBOX_ROW_MARKUP_CACHE = 1000
    inbox_cache.clear()
    yield
    inbox_cache.clear()


def police(username: str = "gc.malmo") -> Client:
    client = Client()
    client.force_login(Person.objects.get(username=username))
    return client


def rows_part(html: bytes) -> str:
    text = html.decode()
    return text[text.index("<tbody>"):text.index("</tbody>")]


def written() -> int:
    return inbox_cache.stats["rows_written"]


def kept() -> int:
    return inbox_cache.stats["rows_kept"]


def fresh_rows(client: Client) -> str:
    """The rows as they are written with nothing kept."""
    inbox_cache.clear()
    return rows_part(client.get(URL, **HTMX).content)


def unit_actor(unit: Unit, label: str = "") -> Actor:
    return Actor(kind=POLICE, label=label, unit_id=unit.pk, unit_kind=unit.kind, region_id=unit.region_id,
                 police_area_id=unit.police_area_id, functions=frozenset({"level2_manager"}))


def test_a_changed_case_is_written_again_and_the_unchanged_rows_are_kept(demo):
    cases = open_cases(8)
    client = police()
    w, k = written(), kept()
    first = rows_part(client.get(URL, **HTMX).content)
    assert (written() - w, kept() - k) == (8, 0)
    req = cases[3].assistance_request
    req.person_name = "Ny Persson"
    req.save(update_fields=["person_name"])
    w, k = written(), kept()
    second = rows_part(client.get(URL, **HTMX).content)
    assert (written() - w, kept() - k) == (1, 7)  # one row written, seven kept
    assert "Ny Persson" in second and "Ny Persson" not in first
    assert second == fresh_rows(client)  # the page is what it is with nothing kept


def test_a_case_whose_state_changes_moves_and_reads_its_new_state(demo):
    cases = open_cases(5)
    client = police()
    client.get(URL, **HTMX)
    Case.objects.filter(pk=cases[0].pk).update(state="assigned", updated_at=timezone.now(), priority=1)
    w = written()
    after = rows_part(client.get(URL, **HTMX).content)
    assert written() - w == 1
    assert after == fresh_rows(client)


def test_rows_are_kept_for_the_actor_and_language_they_were_written_for(demo):
    """A protected identity shows its name to the handling unit only: another unit's rows never reuse it,
    nor does another capacity or language; a person's display name is not part of a row."""
    open_cases(5)  # the first of them has a protected identity
    malmo = Unit.objects.get(name="Handräckningsgrupp Malmö")
    other = Unit.objects.exclude(pk=malmo.pk).filter(region=malmo.region).first()
    mine = unit_actor(malmo, "Johan Ek")
    rows = selectors.inbox_rows(mine)
    protected = next(r for r in rows if r["ar_protected_identity"])
    own = inbox_cache.rows_markup(mine, rows)
    assert protected["ar_person_name"] in own

    w = written()
    theirs = inbox_cache.rows_markup(unit_actor(other), rows)  # the same rows presented for another unit
    assert written() - w == 5
    assert protected["ar_person_name"] not in theirs and MASK in theirs

    w = written()
    officer = Actor(**{**unit_actor(malmo).__dict__, "functions": frozenset({"officer"})})
    inbox_cache.rows_markup(officer, rows)
    assert written() - w == 5  # another capacity: written for it

    w = written()
    with translation.override("en"):
        inbox_cache.rows_markup(mine, rows)
    assert written() - w == 5  # another language: written for it

    w, k = written(), kept()
    assert inbox_cache.rows_markup(unit_actor(malmo, "Sara Berg"), rows) == own  # only the name differs
    assert (written() - w, kept() - k) == (0, 5)
    inbox_cache.clear()
    assert inbox_cache.rows_markup(mine, rows) == own  # and what was kept is what is written afresh


def test_a_deadline_says_tomorrow_then_today_when_the_date_turns(demo, monkeypatch):
    case = open_cases(1)[0]
    now = timezone.localtime()
    due = (now + timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)
    Case.objects.filter(pk=case.pk).update(ack_due_at=due, acknowledged_at=None)
    client = police()
    today = rows_part(client.get(URL, **HTMX).content)
    assert "i morgon 12" in today
    actor = unit_actor(Unit.objects.get(name="Handräckningsgrupp Malmö"))
    rows = selectors.inbox_rows(actor)
    assert "i morgon 12" in inbox_cache.rows_markup(actor, rows)
    monkeypatch.setattr(timezone, "now", lambda: due.replace(hour=8))  # the next morning, the same values
    w = written()
    next_day = inbox_cache.rows_markup(actor, rows)
    assert written() - w == 1  # the row's values did not change, the date did: written again
    assert "i dag 12" in next_day and "i morgon" not in next_day
    inbox_cache.clear()
    assert inbox_cache.rows_markup(actor, rows) == next_day


def test_nothing_kept_when_turned_off(demo, settings):
    settings.INBOX_ROW_MARKUP_CACHE = 0
    open_cases(3)
    client = police()
    first = rows_part(client.get(URL, **HTMX).content)
    k = kept()
    assert rows_part(client.get(URL, **HTMX).content) == first and kept() == k


def test_kept_rows_are_bounded(demo, settings):
    settings.INBOX_ROW_MARKUP_CACHE = 4
    open_cases(6)
    police().get(URL, **HTMX)
    assert len(inbox_cache._row_entries) == 4


# --------------------------------------------------------------------------- the read log of the polls


def reads(person: Person) -> int:
    return AuditEvent.objects.filter(action=READ, actor_person_id=person.pk, reason="inkorg").count()


def test_a_poll_after_a_change_logs_the_read_only_when_the_page_shows_something_else(demo):
    cases = open_cases(4)
    me = Person.objects.get(username="gc.malmo")
    client = police()
    client.get(URL, **HTMX)
    assert reads(me) == 1
    with CaptureQueriesContext(connection) as ctx:
        client.get(URL, **HTMX)  # nothing changed: the mark is looked up once, nothing written
    marks = [q["sql"] for q in ctx.captured_queries if "audit_readmark" in q["sql"]]
    assert len(marks) == 1 and marks[0].lstrip().upper().startswith("SELECT")
    assert reads(me) == 1
    Case.objects.filter(pk=cases[2].pk).update(updated_at=timezone.now())  # a row of the page changed
    client.get(URL, **HTMX)
    assert reads(me) == 2
    event = AuditEvent.objects.filter(action=READ, actor_person_id=me.pk, reason="inkorg").order_by("-pk")[0]
    assert set(event.new["ids"]) == {str(c.pk) for c in cases}
    client.get(URL, **HTMX)
    assert reads(me) == 2


def test_the_mark_is_the_database_s(demo, settings):
    """The read mark is the database's: another process's write (here: the mark changed under us) decides."""
    open_cases(2)
    me = Person.objects.get(username="gc.malmo")
    client = police()
    client.get(URL, **HTMX)
    mark = ReadMark.objects.get(purpose="cases.case:inkorg", actor_key__contains=f":{me.pk}:")
    ReadMark.objects.filter(pk=mark.pk).update(fingerprint="0" * 64)  # another page served elsewhere since
    client.get(URL, **HTMX)
    assert reads(me) == 2
    ReadMark.objects.filter(pk=mark.pk).update(logged_at=timezone.now() - timedelta(
        seconds=settings.BITRADE_AUDIT_READ_REPEAT_SECONDS + 1))  # logged too long ago: logged again
    client.get(URL, **HTMX)
    assert reads(me) == 3
    ReadMark.objects.filter(pk=mark.pk).delete()  # no mark at all: logged, and the mark made again
    client.get(URL, **HTMX)
    assert reads(me) == 4 and ReadMark.objects.filter(purpose="cases.case:inkorg").count() == 1


def test_record_read_keeps_the_mark_s_time_on_an_unchanged_read(demo):
    actor = Actor(kind=POLICE, label="x", person_id=Person.objects.get(username="gc.malmo").pk, unit_id=1)
    assert audit.record_read(actor, "cases.case", [1], purpose="inkorg", fingerprint="a") is not None
    first = ReadMark.objects.get(purpose="cases.case:inkorg").logged_at
    assert audit.record_read(actor, "cases.case", [1], purpose="inkorg", fingerprint="a") is None
    assert ReadMark.objects.get(purpose="cases.case:inkorg").logged_at == first
    assert audit.record_read(actor, "cases.case", [1], purpose="inkorg", fingerprint="b") is not None
    assert ReadMark.objects.get(purpose="cases.case:inkorg").fingerprint == "b"


# --------------------------------------------------------------------------- the first page's compiled queries


def test_the_first_page_read_with_kept_queries_is_what_values_reads(demo):
    cases = open_cases(7)
    actor = unit_actor(Unit.objects.get(name="Handräckningsgrupp Malmö"))

    def by_values() -> list[dict]:
        seen: dict[int, dict] = {}
        for qs in selectors.inbox_page_querysets(actor):
            for row in qs:
                seen.setdefault(row["pk"], row)
        return sorted(seen.values(), key=selectors._order_key)

    first = selectors.inbox_rows(actor)
    assert first == by_values() and len(first) == 7
    Case.objects.filter(pk=cases[1].pk).update(priority=1, updated_at=timezone.now())
    req = cases[4].assistance_request
    req.person_name = "Ny Persson"
    req.save(update_fields=["person_name"])
    with CaptureQueriesContext(connection) as ctx:
        again = selectors.inbox_rows(actor)  # the kept queries, run again: today's values
    assert again == by_values() and again != first
    assert any(r["ar_person_name"] == "Ny Persson" for r in again)
    parts = len(selectors.inbox_page_querysets(actor))
    assert len([q for q in ctx.captured_queries if '"cases_case"' in q["sql"]]) == parts  # one per part
    assert selectors.inbox_rows(actor, limit=3) == by_values()[:3]


def test_a_read_event_that_fails_leaves_the_mark_so_the_next_poll_logs_it(demo, monkeypatch):
    """The mark and the read event are written together: no mark says "logged" for a read not on record."""
    actor = Actor(kind=POLICE, label="x", person_id=Person.objects.get(username="gc.malmo").pk, unit_id=1)
    assert audit.record_read(actor, "cases.case", [1], purpose="inkorg", fingerprint="a") is not None

    def broken(*args, **kwargs):
        raise RuntimeError("insert failed")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        audit.record_read(actor, "cases.case", [1, 2], purpose="inkorg", fingerprint="b")
    assert ReadMark.objects.get(purpose="cases.case:inkorg").fingerprint == "a"
    monkeypatch.undo()
    assert audit.record_read(actor, "cases.case", [1, 2], purpose="inkorg", fingerprint="b") is not None
