"""A report's questions run ahead: the statements a build of a report asked are started on the pool when the
same report is built again (after a fact change), and the build takes their answers. The figures are the same
as when every question is asked in turn; only an answer to exactly the statement asked is ever taken."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.utils import timezone

from bitrade.followup import duck, facts, metrics, selectors, synthetic
from bitrade.organisation.actor import actor_for_person
from bitrade.organisation.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(monkeypatch):
    """(thread name, sql, params) of every statement the replica answered."""
    seen: list[tuple[str, str, list]] = []
    original = duck.Replica._execute

    def execute(self, sql, params):
        seen.append((threading.current_thread().name, sql, list(params)))
        return original(self, sql, params)

    monkeypatch.setattr(duck.Replica, "_execute", execute)
    return seen


@pytest.fixture
def generated(demo, settings):
    settings.BITRADE_FOLLOWUP_ENGINE = duck.DUCKDB
    synthetic.generate(years=2, scale=0.02, seed=3, until=date(2025, 1, 1))
    facts.refresh(full=True)


def _analyst():
    return actor_for_person(Person.objects.get(username="analytiker"))


def _build(data, now, view="alla"):
    metrics.RESULTS.clear()  # as after any change of the facts: every figure is counted again
    rep, _title, tables = selectors.dashboard(_analyst(), data, view=view, now=now, refresh=False)
    return [t.as_dict() if hasattr(t, "as_dict") else t for t in tables]


@pytest.mark.parametrize("data", [{"period": "2024"}, {"period": "2023..2024", "series": "year"},
                                  {"period": "2024-03", "level": "region"}])
def test_a_report_built_again_takes_the_answers_run_ahead_and_shows_the_same_figures(generated, settings,
                                                                                    answered, data):
    now = timezone.now().replace(second=30)
    settings.BITRADE_FOLLOWUP_PARALLEL = 0
    alone = _build(data, now)
    settings.BITRADE_FOLLOWUP_PARALLEL = 2
    answered.clear()
    first = _build(data, now)  # nothing recorded yet: every question asked in turn, and recorded
    asked = [(sql, params) for name, sql, params in answered if not name.startswith("followup-ahead")]
    assert first == alone
    answered.clear()
    again = _build(data, now)
    assert again == alone
    ahead = [(sql, params) for name, sql, params in answered if name.startswith("followup-ahead")]
    inline = [(sql, params) for name, sql, params in answered if not name.startswith("followup-ahead")]
    # Every statement was answered once, and most on the pool (one the build needed before the pool took it
    # up is asked by the build itself rather than waited for).
    assert sorted(map(repr, ahead + inline)) == sorted(map(repr, asked))
    assert len(ahead) >= len(asked) // 2 > 0


def test_a_question_that_reads_the_clock_is_run_ahead_for_the_new_minute(generated, settings, answered,
                                                                         monkeypatch):
    """A late assignment is counted against the report's moment: the statement asked a minute later differs
    in that one parameter, which the plan moves by the minute; nothing from the earlier minute is taken."""
    started: list[tuple[str, tuple]] = []
    original = duck._Run._start

    def start(self, rep):
        original(self, rep)
        started.extend(self.futures)

    monkeypatch.setattr(duck._Run, "_start", start)
    settings.BITRADE_FOLLOWUP_PARALLEL = 2
    now = timezone.now().replace(second=0, microsecond=0)
    _build({"period": "2024"}, now)
    assert not started  # nothing recorded before the first build
    answered.clear()
    later = _build({"period": "2024"}, now + timedelta(minutes=1))
    asked = [(sql, tuple(params)) for _name, sql, params in answered]
    settings.BITRADE_FOLLOWUP_PARALLEL = 0
    assert later == _build({"period": "2024"}, now + timedelta(minutes=1))
    moment = (now + timedelta(minutes=1)).astimezone(duck.UTC).replace(tzinfo=None)
    clocked = [(sql, params) for sql, params in asked
               if any(isinstance(v, type(moment)) and abs(v - moment) < timedelta(days=30) for v in params)]
    assert clocked, "a question of the table reads the clock"
    # The plan recorded a minute earlier was moved to this minute: every statement the build asked, the one
    # that reads the clock included, had been started ahead with exactly its parameters.
    assert set(asked) <= set(started)
    assert set(clocked) <= set(started)
    assert not set(started) - set(asked)


def test_a_build_that_fails_keeps_no_plan_and_leaves_nothing_running_for_the_next(generated, settings, monkeypatch):
    settings.BITRADE_FOLLOWUP_PARALLEL = 2
    with pytest.raises(RuntimeError):
        with duck.ahead(("a report",), timezone.now()):
            duck.replica().execute("SELECT 1", [])
            raise RuntimeError("broken build")
    assert duck.AHEAD.get(("a report",)) is None
    assert getattr(duck._LOCAL, "run", None) is None
    # Nested builds join the outer one: one plan, under the outer key.
    with duck.ahead(("outer",), None):
        with duck.ahead(("inner",), None):
            duck.replica().execute("SELECT 2", [])
    assert [sql for sql, _p, _ms, _tag in duck.AHEAD.get(("outer",))[1]] == ["SELECT 2"]
    assert duck.AHEAD.get(("inner",)) is None


def test_nothing_is_run_ahead_on_the_database_engine_or_when_turned_off(generated, settings, answered):
    settings.BITRADE_FOLLOWUP_PARALLEL = 0
    _build({"period": "2024"}, timezone.now())
    _build({"period": "2024"}, timezone.now())
    assert answered and not any(name.startswith("followup-ahead") for name, _s, _p in answered)
    settings.BITRADE_FOLLOWUP_PARALLEL = 2
    settings.BITRADE_FOLLOWUP_ENGINE = duck.ORM
    answered.clear()
    _build({"period": "2024"}, timezone.now())
    assert not answered


def test_a_report_brought_up_to_date_starts_its_questions_as_the_build_begins(generated, settings, monkeypatch):
    """``Report.ahead`` on a report whose replica was brought up to date starts the recorded statements when the
    block begins (the page reads the form's choices meanwhile), not at the first question; each table is handed
    to ``then`` as soon as it is built, and the tables come back in the order asked."""
    settings.BITRADE_FOLLOWUP_PARALLEL = 2
    now = timezone.now()
    data = {"period": "2024", "level": "region"}
    _build(data, now)  # records the report's statements
    started: list[int] = []
    original = duck._Run._start

    def start(self, rep):
        started.append(len(self.recorded))
        original(self, rep)

    monkeypatch.setattr(duck._Run, "_start", start)
    metrics.RESULTS.clear()
    rep = selectors.report(_analyst(), data, now=now, refresh=False)
    keys = rep.available()
    handed: list[str] = []
    with rep.ahead(keys):
        assert started == [0]  # before any question was asked
        tables = rep.tables(keys, then=lambda t: handed.append(t.key))
    assert started == [0]  # the tables' build joined the block's run
    assert [t.key for t in tables] == list(keys)
    assert sorted(handed) == sorted(keys) and handed[-1] == "jamforelse"
    assert [t.as_dict() for t in tables] == _build(data, now)


def _started(monkeypatch) -> list[list]:
    """The statements each run started on the pool (one list per run that started)."""
    started: list[list] = []
    original = duck._Run._start

    def start(self, rep):
        original(self, rep)
        started.append(list(self.futures))

    monkeypatch.setattr(duck._Run, "_start", start)
    return started


def test_a_repeated_view_starts_nothing_ahead_and_keeps_its_plan(generated, settings, answered, monkeypatch):
    """A view repeated between two fact syncs has every table kept built: the statements of its last build are
    not started (they would keep both cores busy past the page's end and slow the next request), and the plan
    stays whole for the build after the next fact change, which starts them all again."""
    settings.BITRADE_FOLLOWUP_PARALLEL = 2
    now = timezone.now()
    data = {"period": "2024", "level": "region"}
    first = _build(data, now)  # records the statements, each with the tables it served
    key, (_moment, plan) = next((k, v) for k, v in duck.AHEAD._data.items() if "tables" in k)
    assert plan and all(tag for _sql, _params, _ms, tag in plan)
    started = _started(monkeypatch)
    answered.clear()
    rep, _title, tables = selectors.dashboard(_analyst(), data, view="alla", now=now, refresh=False)
    assert [t.as_dict() for t in tables] == first
    assert not answered  # every table kept: nothing asked, nothing run ahead
    assert all(not futures for futures in started)
    assert duck.AHEAD.get(key)[1] == plan
    answered.clear()
    assert _build(data, now) == first  # after a fact change (the results dropped): all started again
    assert started[-1] and len(started[-1]) == len({(sql, repr(params)) for sql, params, _ms, _tag in plan})
    assert all(name.startswith("followup-ahead") or (sql, params) in [(p[0], p[1]) for p in plan]
               for name, sql, params in answered)


def test_only_the_statements_of_tables_not_kept_are_started(generated, settings, monkeypatch):
    """After the overview (comparison and series) was built for the data as it is, the page with every table
    starts only the statements that serve a table not kept; those it leaves out stay in its plan."""
    settings.BITRADE_FOLLOWUP_PARALLEL = 2
    now = timezone.now()
    data = {"period": "2024"}
    every = _build(data, now)  # the plan of the page with every table
    key, (_moment, plan) = next((k, v) for k, v in duck.AHEAD._data.items() if "tables" in k and len(k[2]) > 2)
    metrics.RESULTS.clear()  # a fact change
    rep, _title, _tables = selectors.dashboard(_analyst(), data, view="oversikt", now=now, refresh=False)
    rep = selectors.report(_analyst(), data, now=now, refresh=False)
    kept = {k for k in rep.available() if not rep._needed((k,))}
    assert kept == {"jamforelse", "serie"}
    assert rep._needed(("serie", "beslut")) and not rep._needed(("serie", "jamforelse"))
    started = _started(monkeypatch)
    rep, _title, tables = selectors.dashboard(_analyst(), data, view="alla", now=now, refresh=False)
    assert [t.as_dict() for t in tables] == every
    wanted = {(sql, repr(params)) for sql, params, _ms, tag in plan if not set(tag) <= kept}
    assert wanted and {(sql, repr(list(params))) for sql, params in started[0]} == wanted
    assert len(wanted) < len({(sql, repr(params)) for sql, params, _ms, _tag in plan})
    assert len(duck.AHEAD.get(key)[1]) == len(plan)
