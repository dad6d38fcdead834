"""A page's tables are the same however they are reached: built together (the comparison's national totals
summed from what the page's other tables counted, the lead times shared, each duration metric's quantiles from
its own scan), built one at a time, or handed out again from the result cache until the data change."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from bitrade.followup import duck, facts, metrics, rules, synthetic

from . import factory

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted(monkeypatch):
    """The statements the replica runs."""
    queries: list[str] = []
    original = duck.Replica.execute

    def execute(self, sql, params):
        queries.append(sql)
        return original(self, sql, params)

    monkeypatch.setattr(duck.Replica, "execute", execute)
    return queries


def _one_by_one(client, query: str, keys: list[str]) -> list[dict]:
    out = []
    for key in keys:
        metrics.RESULTS.clear()  # each table from a report of its own, computed afresh
        out += client.get(f"/api/v1/followup/tables/{key}?{query}").json()["tables"]
    return out


@pytest.mark.parametrize("engine", [duck.DUCKDB, duck.ORM])
@pytest.mark.parametrize("user, query", [
    ("analytiker", "period=2024"),
    ("analytiker", "period=2023..2024&series=year"),
    ("analytiker", "period=2024-03&level=region"),
    ("rlc.syd", "period=2024"),
])
def test_a_page_built_together_equals_its_tables_built_one_by_one(demo, login_client, settings, engine, user,
                                                                   query):
    synthetic.generate(years=2, scale=0.02, seed=3, until=date(2025, 1, 1))
    facts.refresh(full=True)
    settings.BITRADE_FOLLOWUP_ENGINE = engine
    client = login_client(user)
    metrics.RESULTS.clear()
    together = client.get(f"/api/v1/followup/tables?{query}&view=alla").json()["tables"]
    assert len(together) > 10
    alone = _one_by_one(client, query, [t["key"] for t in together])
    assert together == alone
    comparison = next(t for t in together if t["key"] == "jamforelse")
    received = comparison["total"] or comparison["rows"][0]
    assert received["values"]["received"]  # figures, not an empty page


@pytest.fixture
def asked(demo, settings, counted):
    """The statements a report of the analyst's asks of the replica to build these tables (``period`` 2024 and the
    other parameters given), over the factory's cases."""
    from bitrade.followup import selectors
    from bitrade.organisation.actor import actor_for_person
    from bitrade.organisation.models import Person

    factory.build()
    facts.refresh(full=True)
    settings.BITRADE_FOLLOWUP_ENGINE = duck.DUCKDB
    actor = actor_for_person(Person.objects.get(username="analytiker"))

    def statements(keys, **params) -> list[str]:
        metrics.RESULTS.clear()
        counted.clear()
        assert selectors.report(actor, {"period": "2024", **params}).tables(keys)
        return list(counted)

    return statements


def test_the_comparison_reads_the_totals_of_the_other_tables_instead_of_scanning_again(asked):
    from bitrade.followup import reports

    others = [k for k in reports.Report.BUILDERS if k != "jamforelse"]
    assert len(asked(["jamforelse"])) >= 3  # case counts, activity counts, durations when asked by itself
    # With the other tables on the page, the national comparison costs no statement of its own.
    assert len(asked(reports.Report.BUILDERS)) == len(asked(others))


@pytest.mark.parametrize("level, own", [("region", 1), ("police_area", 3)])
def test_per_region_the_comparison_sums_the_counts_of_the_other_tables(asked, level, own):
    """Per region, the series and the tables that count custody, holdings and transports count per region too,
    and the comparison sums their answers: its only statement of its own is the lead times per region. Per
    police area (many more groups) it counts the cases and the activities itself."""
    from bitrade.followup import reports

    others = asked([k for k in reports.Report.BUILDERS if k != "jamforelse"], level=level)
    everything = asked(reports.Report.BUILDERS, level=level)
    assert len(everything) - len(others) == own
    per_group_counts = [q for q in everything if '_id" AS "d_0"' in q and "quantile" not in q]
    assert len(per_group_counts) == (0 if level == "region" else 2)


def test_the_deviations_table_alone_asks_totals_not_the_shared_scan(asked):
    """Built alone (its tab, its API table), the deviations table asks the nine totals it shows; beside the tables
    that read the shared scan of case counts it takes its totals from that scan (and the two agree, see above)."""

    def shared_scan(queries) -> bool:
        return any('"followup_casefact"."refusal_check" AS' in q for q in queries)

    assert not shared_scan(asked(["avvikelser"]))
    assert shared_scan(asked(["avvikelser", "utfall"]))


def test_finished_tables_are_kept_until_the_data_change(demo, login_client, settings, counted):
    from bitrade.cases.models import Case

    factory.build()
    facts.refresh(full=True)
    settings.BITRADE_FOLLOWUP_ENGINE = duck.DUCKDB
    client = login_client("analytiker")
    metrics.RESULTS.clear()
    url = "/api/v1/followup/tables?period=2024&view=alla"
    first = client.get(url).json()["tables"]
    assert counted
    counted.clear()
    # Asked again: the same tables, and nothing asked of the replica by the page, the API or the extract.
    assert client.get(url).json()["tables"] == first
    assert client.get("/uppfoljning/?period=2024&vy=alla").status_code == 200
    assert client.get("/uppfoljning/export/alla.xlsx?period=2024&vy=alla").status_code == 200
    assert counted == []

    # A case changes; after the facts' refresh the tables are built again ...
    case = Case.objects.filter(kind="assistance", patrol_minutes=240).get()
    Case.objects.filter(pk=case.pk).update(patrol_minutes=480, updated_at=timezone.now())
    facts.refresh(now=timezone.now())
    after = client.get(url).json()["tables"]
    assert counted

    # ... the same as built from nothing, on the database itself
    settings.BITRADE_FOLLOWUP_ENGINE = duck.ORM
    assert after == client.get(url).json()["tables"]


def test_on_the_database_engine_nothing_is_kept(demo, settings):
    settings.BITRADE_FOLLOWUP_ENGINE = duck.ORM
    ctx = metrics.Context(rules.parse_period("2024"), {}, engine=duck.ORM)
    made = []
    for _ in range(2):
        metrics.cached_result(ctx, ("table", "x"), lambda: made.append(object()) or made[-1])
    assert len(made) == 2


def test_a_report_reads_the_fact_state_once(demo, settings):
    """The refresh check reads the fact table's state; when the facts are recent enough the replica compares
    that same state with its own instead of reading it again — and still follows a change it has not seen."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bitrade.followup import selectors
    from bitrade.organisation.actor import actor_for_person
    from bitrade.organisation.models import Person

    settings.BITRADE_FOLLOWUP_ENGINE = duck.DUCKDB
    factory.build()
    facts.refresh(full=True)
    analyst = actor_for_person(Person.objects.get(username="analytiker"))
    selectors.report(analyst, {"period": "2024"})
    with CaptureQueriesContext(connection) as ctx:
        selectors.report(analyst, {"period": "2024"})
    assert sum("followup_factstate" in q["sql"] for q in ctx.captured_queries) == 1
    before = duck.replica().synced
    facts.refresh(full=True)  # a new change number, recent: the state the check reads is the new one
    selectors.report(analyst, {"period": "2024"})
    assert duck.replica().synced != before
