"""The replica prepares each statement once per reading cursor and executes it with its values as literals
(``duck._execute``): the same answers, the same types, as the statement asked with parameters."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bitrade.followup import duck, facts

from . import factory


def _plain(rep: duck.Replica, sql: str, params: list):
    cur = rep._db.cursor()
    cur.execute("SET integer_division = true")
    cur.execute(sql, params)
    return [d[0] for d in cur.description], cur.fetchall(), [str(d[1]) for d in cur.description]


def _prepared(rep: duck.Replica, sql: str, params: list):
    names, rows = rep._execute(sql, params)
    return names, rows, [str(d[1]) for d in rep.cursor().description]


def test_placeholders_are_numbered_outside_quoted_text_and_names():
    sql = """SELECT '?' AS "a?", x FROM t WHERE y = ? AND z = 'it''s ?' AND w IN (?, ?)"""
    assert duck._numbered(sql) == """SELECT '?' AS "a?", x FROM t WHERE y = $1 AND z = 'it''s ?' AND w IN ($2, $3)"""


def test_values_without_an_exact_literal_are_sent_as_parameters():
    assert duck._literal(Decimal("1.5")) is None
    assert duck._literal(float("inf")) is None
    assert duck._literal([]) is None
    assert duck._literal([1, "a"]) is None
    assert duck._literal(timezone.now()) is None  # an aware moment
    assert duck._literals([1, Decimal("2")]) is None


_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2 ** 63), max_value=2 ** 63 - 1),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
    st.lists(st.integers(min_value=-1000, max_value=1000), min_size=1, max_size=4),
    st.lists(st.text(max_size=5), min_size=1, max_size=3),
)


@settings(max_examples=150, deadline=None)
@given(value=_VALUES)
@example("it's; DROP TABLE followup_casefact; --")
@example(["a'b", "'"])
@example(1.5)
@example(2 ** 40)
def test_a_literal_is_the_value_and_the_type_a_parameter_would_have_been(value):
    rep = _replica()
    sql = "SELECT ? AS v, typeof(?) AS t"
    assert _prepared(rep, sql, [value, value]) == _plain(rep, sql, [value, value])


_REPLICA: list = []


def _replica() -> duck.Replica:
    if not _REPLICA:
        _REPLICA.append(duck.Replica())
    return _REPLICA[0]


@pytest.mark.django_db
def test_statements_are_prepared_once_evicted_when_many_and_prepared_again_after_a_type_change(monkeypatch):
    """The figures on the replica do not depend on whether a statement was prepared before, was pushed out
    by others (``PREPARED_MAX``), or was prepared before an encoded column was turned back to text."""
    from bitrade.cases.models import Case

    factory.build()
    facts.refresh(full=True)
    rep = duck.Replica()
    rep.ensure()
    monkeypatch.setattr(duck, "PREPARED_MAX", 3)
    sql = ('SELECT "outcome", count(*) AS n FROM "followup_casefact" WHERE "received_day" >= ? AND "outcome" <> ? '
           'GROUP BY 1 ORDER BY 1')
    params = [0, "no such outcome"]
    first = rep._execute(sql, params)
    assert first[0] == ["outcome", "n"] and first[1] == _plain(rep, sql, params)[1]
    names = rep._local.prepared[1]
    assert list(names) == [sql]
    rep._execute(sql, [1, "x"])
    assert list(names) == [sql]  # the same statement, other values: prepared once
    for i in range(4):  # others push it out
        rep._execute(f"SELECT {i} + ? AS n", [i])
    assert sql not in names and len(names) == 3
    assert rep._execute(sql, params) == first
    # A value the ENUM lacks turns the column back to text: the statements are prepared again.
    schema = rep.schema
    case = Case.objects.filter(kind="assistance").exclude(outcome="").order_by("pk").first()
    held = {o for (o,) in rep.cursor().execute("SELECT DISTINCT outcome FROM followup_casefact").fetchall()}
    new = next(o for o in ("withdrawn", "need_ended", "handed_to_health_care", "executed") if o not in held)
    Case.objects.filter(pk=case.pk).update(outcome=new, updated_at=timezone.now())
    facts.refresh(now=timezone.now())
    rep.ensure()
    assert rep.schema > schema
    again = rep._execute(sql, params)
    assert again[1] == _plain(rep, sql, params)[1] and new in {row[0] for row in again[1]}
    assert rep._local.prepared[0] == rep.schema
