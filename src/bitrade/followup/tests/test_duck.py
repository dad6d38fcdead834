"""The analytics path: the DuckDB replica answers every metric as the database does, agrees with a plain SQL
recomputation from the cases on a generated data set, and keeps in step with the fact table (change
numbers, snapshots, generations). Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import UTC, date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from bitrade.followup import duck, facts, metrics, rules, synthetic
from bitrade.followup.metrics import COUNT, DURATION, METRICS, SUM, Context
from bitrade.followup.models import ActivityFact, CaseFact, FactState

from . import factory

pytestmark = pytest.mark.django_db

P2024 = rules.parse_period("2024")


def _ctx(period, engine: str, **case_filter) -> Context:
    return Context(period, case_filter, "month", factory.at("2025-01-10 12:00"), {}, engine=engine)


def _dims(metric) -> list[tuple[str, ...]]:
    dims = [d for d in metric.dimensions if d != "period"]
    return [(), *((d,) for d in dims), ("bucket",), *itertools.islice(itertools.combinations(dims, 2), 6)]


def _rounded(stats: dict) -> dict:
    return {k: (v.n, round(v.median, 6), round(v.p90, 6), round(v.mean, 6), round(v.total, 6), v.over)
            for k, v in stats.items()}


def _assert_engines_agree(period, **case_filter) -> int:
    """Every count, sum and duration metric, by each of its dimensions (and a few pairs), on both engines."""
    compared = 0
    orm, fast = _ctx(period, duck.ORM, **case_filter), _ctx(period, duck.DUCKDB, **case_filter)
    for key, metric in METRICS.items():
        for dims in _dims(metric):
            if metric.kind in (COUNT, SUM):
                a, b = metrics.count(orm, [key], dims), metrics.count(fast, [key], dims)
            elif metric.kind == DURATION:
                over = {key: timedelta(hours=2)}
                a = _rounded(metrics.durations(orm, [key], dims, over=over, method="fetch", total=bool(dims)))
                b = _rounded(metrics.durations(fast, [key], dims, over=over, total=bool(dims)))
            else:
                continue
            assert a == b, (key, dims)
            compared += 1
    return compared


def test_every_metric_agrees_between_duckdb_and_the_database_on_the_hand_made_cases(demo):
    factory.build()
    facts.refresh(full=True)
    assert _assert_engines_agree(P2024) > 150
    syd = factory._refs()["syd"].pk
    _assert_engines_agree(P2024, region_id=syd, law="LPT")
    assert duck.replica().count(CaseFact) == CaseFact.objects.count() == 7


# --------------------------------------------------------------------------- a generated data set


def _utc_bounds(period):
    return period.start_dt().astimezone(UTC), period.end_dt().astimezone(UTC)


def _plain(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _interpolate(xs: list[int], q: float) -> float | None:
    """Linear interpolation between the closest ranks (PostgreSQL's percentile_cont), written out plainly."""
    if not xs:
        return None
    xs = sorted(xs)
    k = (len(xs) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


@pytest.fixture
def generated(demo):
    synthetic.generate(years=2, scale=0.01, seed=5, until=date(2025, 1, 1))
    facts.refresh()
    return rules.parse_period("2024")


def test_fast_path_equals_a_plain_sql_recomputation_from_the_cases(generated):
    """The dashboards' figures on DuckDB, against SQL written directly on the case, request, custody and
    transport tables with the period's UTC bounds (no fact table, no metrics module)."""
    period = generated
    lo, hi = _utc_bounds(period)
    ctx = _ctx(period, duck.DUCKDB)
    assert ctx.on_duckdb
    got = metrics.count(ctx, ["received", "closed", "decided", "granted", "refused", "escalated", "escalations",
                              "completion_requested", "with_outcome"], ["law"])
    by_law = {}
    for (law,), v in got.items():
        by_law[law] = v
    received = dict(_plain(
        "SELECT COALESCE(r.law, ''), COUNT(*) FROM cases_case c JOIN intake_assistancerequest r ON r.case_id = c.id "
        "WHERE c.kind = 'assistance' AND c.received_at >= %s AND c.received_at < %s GROUP BY 1", [lo, hi]))
    assert received and {k: v.get("received", 0) for k, v in by_law.items() if v.get("received")} == received
    closed = dict(_plain(
        "SELECT COALESCE(r.law, ''), COUNT(*) FROM cases_case c JOIN intake_assistancerequest r ON r.case_id = c.id "
        "WHERE c.kind = 'assistance' AND c.state = 'closed' AND c.closed_at >= %s AND c.closed_at < %s GROUP BY 1",
        [lo, hi]))
    assert {k: v.get("closed", 0) for k, v in by_law.items() if v.get("closed")} == closed
    (decided, granted, refused), = _plain(
        "SELECT COUNT(*), SUM(CASE WHEN decision = 'granted' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN decision = 'refused' THEN 1 ELSE 0 END) FROM cases_case WHERE kind = 'assistance' "
        "AND decision IN ('granted', 'refused') AND decided_at >= %s AND decided_at < %s", [lo, hi])
    total = {m: sum(v.get(m, 0) for v in by_law.values()) for m in next(iter(got.values()))}
    assert (total["decided"], total["granted"], total["refused"]) == (decided, granted, refused)
    (escalated, escalations, completion), = _plain(
        "SELECT SUM(CASE WHEN c.escalation_count > 0 THEN 1 ELSE 0 END), SUM(c.escalation_count), "
        "SUM(CASE WHEN EXISTS (SELECT 1 FROM intake_completionquestion q WHERE q.request_id = r.id) "
        "THEN 1 ELSE 0 END) FROM cases_case c JOIN intake_assistancerequest r ON r.case_id = c.id "
        "WHERE c.kind = 'assistance' AND c.received_at >= %s AND c.received_at < %s", [lo, hi])
    assert (total["escalated"], total["escalations"], total["completion_requested"]) == (
        escalated, escalations, completion)
    outcomes = dict(_plain(
        "SELECT outcome, COUNT(*) FROM cases_case WHERE kind = 'assistance' AND outcome <> '' "
        "AND outcome_at >= %s AND outcome_at < %s GROUP BY 1", [lo, hi]))
    by_outcome = metrics.count(ctx, ["with_outcome"], ["outcome"])
    assert {k[0]: v["with_outcome"] for k, v in by_outcome.items() if v["with_outcome"]} == outcomes

    # Holdings, children held, transports and handovers from the custody and transport tables.
    holdings = metrics.count(ctx, ["holdings", "children_held", "activity_room"])[()]
    (n_hold, n_children, n_room), = _plain(
        "SELECT SUM(CASE WHEN h.place_type <> 'activity_room' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN h.place_type <> 'activity_room' AND e.person_age < 18 THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN h.place_type = 'activity_room' THEN 1 ELSE 0 END) "
        "FROM custody_holding h JOIN custody_custodyepisode e ON e.id = h.episode_id "
        "JOIN cases_case c ON c.id = e.case_id WHERE c.kind = 'assistance' "
        "AND h.started_at >= %s AND h.started_at < %s", [lo, hi])
    assert n_hold and holdings == {"holdings": n_hold, "children_held": n_children or 0,
                                   "activity_room": n_room or 0}
    transports = metrics.count(ctx, ["transports", "transports_nte", "nte_declined", "handovers"])[()]
    (n_tr, n_nte, n_declined), = _plain(
        "SELECT COUNT(*), SUM(CASE WHEN executor = 'kriminalvarden' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN executor = 'kriminalvarden' AND state = 'declined' THEN 1 ELSE 0 END) "
        "FROM transport_transportorder WHERE ordered_at >= %s AND ordered_at < %s", [lo, hi])
    (handovers,), = _plain(
        "SELECT COUNT(*) FROM transport_transportleg l JOIN transport_transportorder o ON o.id = l.order_id "
        "WHERE o.executor = 'police' AND l.seq >= 2 AND o.ordered_at >= %s AND o.ordered_at < %s", [lo, hi])
    assert n_tr and transports == {"transports": n_tr, "transports_nte": n_nte or 0,
                                   "nte_declined": n_declined or 0, "handovers": handovers}

    # Lead times and patrol time: medians and 90th percentiles from raw timestamps.
    stats = metrics.durations(ctx, ["lt_total", "lt_received_decision", "patrol", "holding_time"])
    pairs = _plain("SELECT received_at, closed_at FROM cases_case WHERE kind = 'assistance' AND state = 'closed' "
                   "AND closed_at >= %s AND closed_at < %s", [lo, hi])
    xs = [round((_aware(b) - _aware(a)).total_seconds()) for a, b in pairs]
    assert stats[("lt_total",)].n == len(xs) > 20
    assert stats[("lt_total",)].median == pytest.approx(_interpolate(xs, 0.5) / 60)
    assert stats[("lt_total",)].p90 == pytest.approx(_interpolate(xs, 0.9) / 60)
    pairs = _plain("SELECT received_at, decided_at FROM cases_case WHERE kind = 'assistance' "
                   "AND decision IN ('granted', 'refused') AND decided_at >= %s AND decided_at < %s", [lo, hi])
    xs = [round((_aware(b) - _aware(a)).total_seconds()) for a, b in pairs]
    assert stats[("lt_received_decision",)].p90 == pytest.approx(_interpolate(xs, 0.9) / 60)
    patrol = [m * 60 for (m,) in _plain(
        "SELECT patrol_minutes FROM cases_case WHERE kind = 'assistance' AND patrol_minutes IS NOT NULL "
        "AND outcome_at >= %s AND outcome_at < %s", [lo, hi])]
    assert stats[("patrol",)].n == len(patrol)
    assert stats[("patrol",)].mean == pytest.approx(sum(patrol) / len(patrol) / 60)
    assert stats[("patrol",)].median == pytest.approx(_interpolate(patrol, 0.5) / 60)
    spans = _plain("SELECT h.started_at, h.ended_at FROM custody_holding h JOIN custody_custodyepisode e "
                   "ON e.id = h.episode_id WHERE h.place_type <> 'activity_room' AND h.ended_at IS NOT NULL "
                   "AND h.started_at >= %s AND h.started_at < %s", [lo, hi])
    xs = [round((_aware(b) - _aware(a)).total_seconds()) for a, b in spans]
    assert stats[("holding_time",)].median == pytest.approx(_interpolate(xs, 0.5) / 60)


def _aware(value):
    if isinstance(value, str):  # SQLite hands raw SQL timestamps back as text
        from datetime import datetime

        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def test_every_metric_agrees_between_engines_on_a_generated_data_set(generated):
    assert _assert_engines_agree(generated) > 150
    assert _assert_engines_agree(rules.parse_period("2023..2024")) > 150


def test_screen_api_and_exports_show_the_duckdb_figures(generated, login_client, settings):
    client = login_client("analytiker")
    settings.BITRADE_FOLLOWUP_ENGINE = duck.DUCKDB
    fast = client.get("/api/v1/followup/tables?period=2024&view=alla").json()["tables"]
    settings.BITRADE_FOLLOWUP_ENGINE = duck.ORM
    slow = client.get("/api/v1/followup/tables?period=2024&view=alla").json()["tables"]
    assert fast == slow and len(fast) > 10


# --------------------------------------------------------------------------- keeping in step


def test_replica_follows_changes_snapshots_and_generations(demo, settings, tmp_path):
    settings.BITRADE_FOLLOWUP_SNAPSHOT_DIR = tmp_path
    from bitrade.cases.models import Case

    factory.build()
    facts.refresh(full=True)
    rep = duck.Replica()
    first = rep.ensure()
    assert rep.count(CaseFact) == 7 and rep.count(ActivityFact) == ActivityFact.objects.count()
    assert rep.ensure() == first  # nothing changed: nothing copied

    # A refresh that finds nothing changed writes nothing and takes no change number.
    assert facts.refresh(now=timezone.now()).refreshed == 0
    assert FactState.objects.get().seq == first.seq

    # A change to one case: only that case's rows get the next change number, and the replica copies them.
    case = Case.objects.filter(kind="assistance", patrol_minutes=240).get()
    Case.objects.filter(pk=case.pk).update(patrol_minutes=480, updated_at=timezone.now())
    assert facts.refresh(now=timezone.now()).refreshed == 1
    assert set(CaseFact.objects.filter(seq__gt=first.seq).values_list("case_id", flat=True)) == {case.pk}
    second = rep.ensure()
    assert second.seq == first.seq + 1
    ctx = _ctx(P2024, duck.DUCKDB, case_id=case.pk)
    assert metrics.durations(ctx, ["patrol"])[("patrol",)].total == 480
    assert rep.count(CaseFact) == 7  # replaced, not added

    # Applying the same changes again leaves the same table (no double counting).
    rep._apply_changes(first.seq, second.seq)
    assert rep.count(CaseFact) == 7 and rep.count(ActivityFact) == ActivityFact.objects.count()

    # A snapshot; a new process starts from it and copies only what changed since.
    manifest = duck.write_snapshot()
    assert manifest["seq"] == second.seq and (tmp_path / "current.json").exists()
    Case.objects.filter(pk=case.pk).update(patrol_minutes=120, updated_at=timezone.now())
    facts.refresh(now=timezone.now())
    fresh = duck.Replica()
    fresh.ensure()
    assert fresh.count(CaseFact) == 7
    assert fresh.cursor().execute("SELECT patrol_minutes FROM followup_casefact WHERE case_id = ?",
                                  [case.pk]).fetchone() == (120,)

    # Rows removed outside a refresh: a new generation, and the replicas start again.
    CaseFact.objects.filter(pk=case.pk).delete()
    facts.invalidate()
    assert fresh.ensure().generation != second.generation
    assert fresh.count(CaseFact) == 6


def test_rebuild_is_resumable_and_rewrites_only_what_differs(demo):
    from bitrade.cases.models import Case

    factory.build()
    facts.refresh(full=True)
    before = {f["case_id"]: f for f in CaseFact.objects.values()}
    seq = FactState.objects.get().seq
    # Stop a rebuild after one batch of two cases: it remembers where it was.
    Case.objects.filter(pk=max(before)).update(patrol_minutes=999)  # a change the incremental refresh misses
    part = facts.rebuild(batch=2, batches=1)
    state = FactState.objects.get()
    assert part.skipped and state.rebuild_after == sorted(before)[1]
    done = facts.rebuild(batch=2)
    assert not done.skipped and done.refreshed == 1  # only the changed case was rewritten
    state = FactState.objects.get()
    assert state.rebuild_after is None and state.full_rebuild_at is not None and state.seq == seq + 1
    assert CaseFact.objects.get(pk=max(before)).patrol_minutes == 999


def test_other_kinds_feed_through_the_same_refresh_and_rebuild(demo):
    """The hook for return enforcement and contact bans: a registered feed is called inside each refresh
    with the change number, and at the end of the full rebuild."""
    calls = []

    def refresh(since, now, seq):
        calls.append(("refresh", since is None, seq))
        return 1  # rewrote one case: the refresh takes the change number

    def rebuild(seq):
        calls.append(("rebuild", seq))
        return 0

    facts.register_feed(facts.Feed("test", (), refresh, rebuild))
    try:
        factory.build()
        facts.refresh(full=True)
        seq = FactState.objects.get().seq
        facts.refresh(now=timezone.now())
    finally:
        del facts.FEEDS["test"]
    assert calls == [("rebuild", seq + 1), ("refresh", False, seq + 1)]
    assert FactState.objects.get().seq == seq + 1


def test_worker_tick_refreshes_snapshots_and_rebuilds_each_night(demo, settings, tmp_path):
    from bitrade.followup import schedule

    settings.BITRADE_FOLLOWUP_SNAPSHOT_DIR = tmp_path
    settings.BITRADE_FOLLOWUP_REBUILD_HOUR = 3
    factory.build()
    night = factory.at("2025-02-01 03:30")
    assert schedule.rebuild_due(None, night) is False
    first = schedule.tick(now=night)  # a new system: the refresh builds everything
    assert first.refreshed == 7 and first.snapshot and first.rebuilt == 0
    state = FactState.objects.get()
    assert state.full_rebuild_at is None and schedule.rebuild_due(state, night)
    second = schedule.tick(now=night)  # never rebuilt: due; nothing differs
    state = FactState.objects.get()
    assert second.rebuilt == 0 and state.full_rebuild_at == night and state.rebuild_after is None
    assert duck.read_manifest()["seq"] == state.seq == first.seq
    assert not schedule.rebuild_due(state, factory.at("2025-02-01 23:00"))
    assert not schedule.rebuild_due(state, factory.at("2025-02-02 02:59"))
    assert schedule.rebuild_due(state, factory.at("2025-02-02 03:00"))
    state.rebuild_after = 0  # an interrupted rebuild is due at once
    assert schedule.rebuild_due(state, factory.at("2025-02-01 12:00"))
    again = schedule.tick(now=factory.at("2025-02-01 12:00"))
    assert (again.rebuilt, again.refreshed, again.snapshot) == (0, 0, False)


# --------------------------------------------------------------------------- the result cache


def test_result_cache_answers_repeated_questions_and_any_fact_change_invalidates_it(demo, monkeypatch):
    from bitrade.cases.models import Case

    factory.build()
    facts.refresh(full=True)
    metrics.RESULTS.clear()
    queries = []
    original = duck.Replica.execute

    def counted(self, sql, params):
        queries.append(sql)
        return original(self, sql, params)

    monkeypatch.setattr(duck.Replica, "execute", counted)
    ctx = _ctx(P2024, duck.DUCKDB)
    first = metrics.count(ctx, ["received", "closed"], ("law",))
    patrol = metrics.durations(ctx, ["patrol"])[("patrol",)]
    asked = len(queries)
    assert asked == 2
    # The same questions of the same data: answered from the cache, the same figures.
    assert metrics.count(ctx, ["received", "closed"], ("law",)) == first
    assert metrics.durations(ctx, ["patrol"])[("patrol",)] == patrol
    assert len(queries) == asked
    # Another scope is another question.
    syd = factory._refs()["syd"].pk
    metrics.count(_ctx(P2024, duck.DUCKDB, region_id=syd), ["received", "closed"], ("law",))
    assert len(queries) == asked + 1
    # A result handed out may be changed by its reader without changing the cache.
    first[next(iter(first))]["received"] = -1
    assert metrics.count(ctx, ["received", "closed"], ("law",)) != first

    # A case changes; after the facts' refresh the cached figures are not used any more.
    case = Case.objects.filter(kind="assistance", patrol_minutes=240).get()
    Case.objects.filter(pk=case.pk).update(patrol_minutes=480, updated_at=timezone.now())
    facts.refresh(now=timezone.now())
    asked = len(queries)
    after = metrics.durations(ctx, ["patrol"])[("patrol",)]
    assert len(queries) == asked + 1
    assert after.total == patrol.total + 240
    # Rows removed outside a refresh (a new generation): the cache is not used either.
    CaseFact.objects.filter(case_id=case.pk).delete()
    facts.invalidate()
    asked = len(queries)
    assert metrics.durations(ctx, ["patrol"])[("patrol",)].total == after.total - 480
    assert len(queries) == asked + 1


def test_the_result_cache_keys_on_the_moment_only_where_a_metric_reads_it():
    """A metric's condition that depends on the report's moment must say so (``uses_now``), or a cached
    figure from an earlier moment would be shown."""
    a = Context(P2024, {}, "month", factory.at("2025-01-10 12:00"), {})
    b = Context(P2024, {}, "month", factory.at("2025-03-01 08:00"), {})
    same_minute = Context(P2024, {}, "month", factory.at("2025-01-10 12:00") + timedelta(seconds=59), {})
    for key, metric in METRICS.items():
        if metric.where is None:
            continue
        assert (metric.where_q(a) != metric.where_q(b)) == metric.uses_now, key
        assert metric.where_q(a) == metric.where_q(same_minute), key  # to the minute: cached within it


def _column_type(rep, table: str, column: str) -> str:
    return rep.cursor().execute("SELECT data_type FROM information_schema.columns WHERE table_name = ? "
                                "AND column_name = ?", [table, column]).fetchone()[0]


def test_text_columns_are_dictionary_encoded_and_a_new_value_is_taken_in(demo):
    """Law, outcome, state ... are held as ENUMs of their values; a change that brings a value the encoding
    lacks turns the column back to text, and it is encoded again with the new value; the figures equal the
    database's throughout."""
    from bitrade.cases.models import Case

    factory.build()
    facts.refresh(full=True)
    rep = duck.Replica()
    rep.ensure()
    for column in ("law", "point", "case_code", "outcome", "state", "decision"):
        assert _column_type(rep, "followup_casefact", column).startswith("ENUM("), column
    held = set(rep.cursor().execute("SELECT DISTINCT outcome FROM followup_casefact").fetchall())
    new = next(o for o in ("withdrawn", "need_ended", "handed_to_health_care", "executed") if (o,) not in held)
    case = Case.objects.filter(kind="assistance").exclude(outcome="").order_by("pk").first()
    Case.objects.filter(pk=case.pk).update(outcome=new, updated_at=timezone.now())
    facts.refresh(now=timezone.now())
    rep.ensure()
    kind = _column_type(rep, "followup_casefact", "outcome")
    assert kind.startswith("ENUM(") and f"'{new}'" in kind
    assert rep.count(CaseFact) == CaseFact.objects.count()
    got = dict(rep.cursor().execute("SELECT outcome, count(*) FROM followup_casefact GROUP BY 1").fetchall())
    want = {}
    for o in CaseFact.objects.values_list("outcome", flat=True):
        want[o] = want.get(o, 0) + 1
    assert got == want and got[new] >= 1
    # The metrics on the replica still equal the database's (filters and groups on encoded columns).
    metrics.RESULTS.clear()
    orm, fast = _ctx(P2024, duck.ORM), _ctx(P2024, duck.DUCKDB)
    for keys, dims in ((["with_outcome", "received", "closed"], ["outcome"]), (["received"], ["law", "point"])):
        assert metrics.count(orm, keys, dims) == metrics.count(fast, keys, dims)


def test_grouped_durations_and_their_total_come_from_one_statement_on_the_replica(demo, monkeypatch):
    """On the replica a duration metric grouped by a dimension and its total over all groups are one scan
    (GROUPING SETS): one statement, the same figures as the groups and the total asked separately; for every
    duration metric, each of its dimensions and a few pairs."""
    factory.build()
    facts.refresh(full=True)
    statements = []
    original = duck.Replica.execute

    def counted(self, sql, params):
        statements.append(sql)
        return original(self, sql, params)

    monkeypatch.setattr(duck.Replica, "execute", counted)
    ctx = _ctx(P2024, duck.DUCKDB)
    compared = 0
    for key, metric in METRICS.items():
        if metric.kind != DURATION:
            continue
        for dims in _dims(metric)[1:]:
            if rules.NATION in dims:  # a constant: not grouped by (the groups are the total)
                continue
            over = {key: timedelta(hours=1)}
            metrics.RESULTS.clear()
            before = len(statements)
            both = metrics.durations(ctx, [key], dims, over=over, total=True)
            assert len(statements) == before + 1, (key, dims)
            assert "GROUPING SETS" in statements[-1]
            metrics.RESULTS.clear()
            grouped = metrics.durations(ctx, [key], dims, over=over)
            whole = metrics.durations(ctx, [key], (), over=over)
            separate = {**grouped, **{(k[0], *(metrics.TOTAL,) * len(dims)): v for k, v in whole.items()}}
            assert _rounded(both) == _rounded(separate), (key, dims)
            compared += bool(whole)
    assert compared > 20
