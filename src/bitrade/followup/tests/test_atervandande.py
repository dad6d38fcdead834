"""Return enforcement in the follow-up: the fact rows and measures equal a plain recomputation from the cases
(``returns.selectors.stock_and_flow``) on generated data, on both engines; scope and suppression."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from bitrade.common import actor as a
from bitrade.common.actor import Actor
from bitrade.followup import atervandande, duck, facts, metrics
from bitrade.followup import rules as frules
from bitrade.followup.rules import Period
from bitrade.organisation.models import PoliceRegion
from bitrade.returns import followup_facts, selectors, synthetic
from bitrade.returns.models import ReturnFact

pytestmark = pytest.mark.django_db

YEARS = range(2014, 2020)
NOW = timezone.make_aware(datetime(2025, 6, 1, 12))


@pytest.fixture
def generated(demo):
    synthetic.generate(YEARS, scale=0.02, seed=11)
    facts.refresh(now=NOW)
    return True


def _year(y: int) -> Period:
    return Period(date(y, 1, 1), date(y + 1, 1, 1))


def _metric(engine: str, keys, dims, year: int) -> dict:
    ctx = metrics.Context(_year(year), {}, "year", NOW, engine=engine)
    return metrics.count(ctx, keys, dims)


def test_day_numbers_are_the_follow_ups():
    for d in (date(2000, 1, 1), date(2019, 12, 31), date(2024, 2, 29)):
        assert followup_facts.day_month(d) == (frules.day_number(d), frules.month_number(d))


@pytest.mark.parametrize("engine", [duck.ORM, duck.DUCKDB])
def test_measures_equal_the_plain_recomputation(generated, actor_of, engine):
    codes = dict(PoliceRegion.objects.values_list("pk", "code"))
    analyst = actor_of("analytiker")
    for year in (2016, 2018, 2019):
        plain = selectors.stock_and_flow(analyst, year)
        dims = ("region", "origin", "category")

        def by_region(result, key):
            return Counter({(k[1], int(k[2]), codes[int(k[0])]): v[key] for k, v in result.items() if v.get(key)})

        stock = _metric(engine, ("ret_stock",), dims, year)
        assert by_region(stock, "ret_stock") == Counter(
            {(r["origin"], r["category"], r["region"]): r["count"] for r in plain["stock"]})
        flow = _metric(engine, ("ret_received", "ret_handovers", "ret_closed"), dims, year)
        assert by_region(flow, "ret_received") == Counter(
            {(r["origin"], r["category"], r["region"]): r["count"] for r in plain["inflow"]})
        reasons = _metric(engine, ("ret_handovers",), ("reason",), year)
        assert {k[0]: v["ret_handovers"] for k, v in reasons.items() if v["ret_handovers"]} == \
            plain["mv_handovers_by_reason"]
        outcomes = _metric(engine, ("ret_closed",), ("outcome",), year)
        assert {k[0]: v["ret_closed"] for k, v in outcomes.items() if v["ret_closed"]} == plain["outflow_by_outcome"]
        cohort = _metric(engine, ("ret_received", *atervandande.COHORT), (), year - 4)[()]
        c = plain["cohort"]
        assert (cohort["ret_received"], cohort["ret_cohort_departed"], cohort["ret_cohort_lapsed"],
                cohort["ret_cohort_permit"], cohort["ret_cohort_open"]) == (
            c["opened"], c["departed"], c["lapsed"], c["permit"], c["open_after_four_years"])
    assert sum(plain["outflow_by_outcome"].values()) > 0 and plain["stock"]


def test_page_tables_equal_the_plain_recomputation(generated, actor_of):
    analyst = actor_of("analytiker")
    rep = atervandande.report(analyst, {"period": "2016..2019"}, now=NOW)
    flode = rep.table("ret_flode")
    for y in (2016, 2019):
        plain = selectors.stock_and_flow(analyst, y)
        assert flode.value(str(y), "stock") == sum(r["count"] for r in plain["stock"])
        assert flode.value(str(y), "received") == sum(r["count"] for r in plain["inflow"])
        assert flode.value(str(y), "closed") == sum(plain["outflow_by_outcome"].values())
    plain = selectors.stock_and_flow(analyst, 2019)
    kalla = rep.table("ret_kalla")  # the stock at the period's last year end
    assert kalla.value("total", "stock") == sum(r["count"] for r in plain["stock"])
    one = atervandande.report(analyst, {"period": "2019"}, now=NOW)
    for reason, n in plain["mv_handovers_by_reason"].items():
        assert one.table("ret_overlamnade").value(reason, "count") == n
    utfall = one.table("ret_utfall")
    assert utfall.value("police", "count") == sum(
        n for code, n in plain["outflow_by_outcome"].items() if code in atervandande.rr.ENFORCED_BY_POLICE)
    assert utfall.value("egen_utresa", "count") == plain["outflow_by_outcome"].get("egen_utresa", 0)
    kategori = one.table("ret_kategori")
    for k in (1, 2, 3):
        assert kategori.value(str(k), "received") == sum(r["count"] for r in plain["inflow"] if r["category"] == k)
        assert kategori.value(str(k), "stock") == sum(r["count"] for r in plain["stock"] if r["category"] == k)
    kohort = atervandande.report(analyst, {"period": "2015"}, now=NOW).table("ret_kohort")
    assert kohort.value("2015", "opened") == plain["cohort"]["opened"]
    assert kohort.value("2015", "departed") == plain["cohort"]["departed"]


def test_refresh_follows_changes_and_removals(generated):
    from bitrade.cases.models import Case

    case = Case.objects.filter(kind="return", closed_at__isnull=True).first()
    before = ReturnFact.objects.filter(case_id=case.pk, kind="stock").count()
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.make_aware(datetime(2019, 6, 1)), state="closed",
                                           outcome="egen_utresa", updated_at=timezone.now())
    facts.refresh(now=NOW + timedelta(minutes=2))
    row = ReturnFact.objects.get(case_id=case.pk, kind="case")
    assert row.enforced_by == "own" and row.closed_day == frules.day_number(date(2019, 6, 1))
    assert ReturnFact.objects.filter(case_id=case.pk, kind="stock").count() < before
    synthetic.generate(YEARS, scale=0.01, seed=12)  # removes the earlier generation's cases
    facts.refresh(now=NOW + timedelta(minutes=3))
    alive = set(Case.objects.filter(kind="return").values_list("pk", flat=True))
    assert set(ReturnFact.objects.filter(kind="case").values_list("case_id", flat=True)) == alive
    assert ReturnFact.objects.filter(kind="gone", case_id=case.pk).exists()
    # Nothing changed: nothing rewritten.
    assert followup_facts._refresh(None, NOW + timedelta(minutes=4), 999) == 0
    assert followup_facts.refresh(None, NOW + timedelta(minutes=4), 999) == 0
    assert followup_facts.watermark() is not None


def test_detention_and_transport_rows(demo, actor_of):
    import json
    from pathlib import Path

    from bitrade.organisation.actor import actor_for_api_key
    from bitrade.organisation.models import ApiKey
    from bitrade.returns import services
    from bitrade.returns.schemas import HandoverIn

    body = json.loads((Path(__file__).resolve().parents[4] / "docs" / "examples" / "return-handover.json")
                      .read_text(encoding="utf-8"))
    handed_over = services.receive_handover(actor_for_api_key(ApiKey.objects.get(prefix="demo0002")),
                                            HandoverIn.model_validate(body))

    gm = actor_of("gp.syd")
    t0 = timezone.now() - timedelta(days=3)
    services.detain(gm, handed_over, "enforcement", "Risk att personen håller sig undan.", started_at=t0, now=t0)
    services.end_detention(gm, handed_over, "Verkställt", now=t0 + timedelta(days=2))
    facts.refresh()
    det = ReturnFact.objects.get(case_id=handed_over.case_id, kind="detention")
    assert det.seconds == 2 * 86400 and det.detention_kind == "enforcement"
    services.assign(gm, handed_over, "Kemal Aydin")
    services.screen(gm, handed_over, "return_conversation", "Samtal hålls.")
    services.order_transport(gm, handed_over, "escorted", timezone.localdate() + timedelta(days=10), escort=True)
    facts.refresh(max_age=None, now=timezone.now() + timedelta(seconds=1))
    assert ReturnFact.objects.get(case_id=handed_over.case_id, kind="transport").trip_type == "escorted"
    rep = atervandande.report(gm, {"period": str(timezone.localdate().year)})
    forvar = rep.table("ret_forvar")
    assert forvar.value("total", "count") == 1 and forvar.value("total", "mean") == 2.0
    transports = rep.table("ret_transporter")
    assert transports.value("escorted", "count") == 1 and transports.value("total", "count") == 1
    # The analyst sees the same detention, hidden (one case).
    national = atervandande.report(actor_of("analytiker"), {"period": str(timezone.localdate().year)})
    assert national.table("ret_forvar").row_cell("total", "count").suppressed


def test_scope_and_suppression(generated, actor_of):
    from bitrade.organisation.models import Unit

    analyst = atervandande.report(actor_of("analytiker"), {"period": "2019", "level": "region"}, now=NOW)
    assert analyst.scope.suppress
    border = atervandande.report(actor_of("gp.syd"), {"period": "2019", "level": "region"}, now=NOW)
    syd = PoliceRegion.objects.get(code="syd")
    assert not border.scope.suppress and border.ctx.case_filter == {"region_id": syd.pk}
    niva = border.table("ret_niva")
    assert [r.key for r in niva.rows] == [str(syd.pk)]
    assert niva.value(str(syd.pk), "received") == sum(
        r["count"] for r in selectors.stock_and_flow(actor_of("analytiker"), 2019)["inflow"] if r["region"] == "syd")
    with pytest.raises(PermissionDenied):
        atervandande.report(actor_of("gp.syd"), {"period": "2019", "region": "stockholm"}, now=NOW)
    # A police unit that does not handle return cases sees its region, suppressed.
    station = atervandande.report(actor_of("sb.malmo"), {"period": "2019"}, now=NOW)
    assert station.scope.suppress and station.ctx.case_filter == {"region_id": syd.pk}
    # Small cells are hidden for the analyst exactly as elsewhere: 1–4 shown as hidden, 0 shown.
    table = analyst.table("ret_niva")
    for row in table.rows:
        cell = row.cells["received"]
        raw = atervandande.metrics.count(analyst.ctx, ("ret_received",), ("region",)).get((row.key,), {}).get(
            "ret_received", 0)
        if 0 < raw < frules.MIN_CELL:
            assert cell.suppressed
        if raw == 0:
            assert cell.value == 0
    # Migrationsverket: national, no detention or transport tables; Kriminalvården: transports and outcomes.
    mv_scope, mv_tables = atervandande.scope_for(actor_of("mv.syd"))
    assert mv_scope.suppress and "ret_forvar" not in mv_tables and "ret_transporter" not in mv_tables
    kv_scope, kv_tables = atervandande.scope_for(actor_of("nte.syd"))
    assert kv_tables == atervandande.KV_TABLES
    mv = atervandande.report(actor_of("mv.syd"), {"period": "2019"}, now=NOW)
    with pytest.raises(PermissionDenied):
        mv.table("ret_forvar")
    with pytest.raises(PermissionDenied):
        atervandande.scope_for(actor_of("soc.malmo"))
    noa = Actor(kind=a.POLICE, label="NOA", unit_id=Unit.objects.first().pk, unit_kind="noa", region_id=syd.pk)
    scope, tables = atervandande.scope_for(noa)
    assert scope.case_filter == {} and scope.suppress and tables == atervandande.POLICE_TABLES


def test_page_api_and_csv_show_the_same_figures(generated, login_client, actor_of):
    import csv
    import io

    client = login_client("analytiker")
    page = client.get("/uppfoljning/atervandande/?period=2016..2019")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="table-ret_flode"' in html and "Kohortmåttet" in html
    api = client.get("/api/v1/followup/returns/tables?period=2016..2019").json()
    flode = next(t for t in api["tables"] if t["key"] == "ret_flode")
    plain = selectors.stock_and_flow(actor_of("analytiker"), 2019)
    stock_2019 = sum(r["count"] for r in plain["stock"])
    row = next(r for r in flode["rows"] if r["key"] == "2019")
    assert row["values"]["stock"] == stock_2019
    assert f'data-value="{stock_2019}"' in html
    one = client.get("/api/v1/followup/returns/tables/ret_kohort?period=2015").json()
    assert [t["key"] for t in one["tables"]] == ["ret_kohort"]
    got = client.get("/uppfoljning/export/ret_flode.csv?period=2016..2019")
    assert got.status_code == 200
    lines = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig")), delimiter=";"))
    assert any(line[0] == "2019" and str(stock_2019) in line for line in lines)
    # The navigation links the page; bad input is a 400/422 naming the field; a requester gets 403.
    assert "/uppfoljning/atervandande/" in client.get("/uppfoljning/").content.decode()
    assert client.get("/uppfoljning/atervandande/?period=abc").status_code == 400
    bad = client.get("/api/v1/followup/returns/tables?period=abc")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "period"
    assert login_client("soc.malmo").get("/api/v1/followup/returns/tables").status_code == 403
    assert login_client("soc.malmo").get("/uppfoljning/atervandande/").status_code == 403
