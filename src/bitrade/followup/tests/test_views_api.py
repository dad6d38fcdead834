"""The screen, the CSV/XLSX exports and the API show the same numbers; suppression; scoping; bad input;
the deviation list."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from bitrade.followup import facts, reports
from bitrade.followup.exports import SHEET_NAMES
from bitrade.followup.models import ThresholdSetting

from . import factory

pytestmark = pytest.mark.django_db

NOW = factory.at("2025-01-10 12:00")
CELL = re.compile(r'<t([dh]) [^>]*data-col="([^"]+)" data-value="([^"]*)"[^>]*>([^<]*)<', re.S)


@pytest.fixture
def cases(demo):
    built = factory.build()
    facts.refresh(full=True)
    return built


def screen_table(html: str, key: str) -> dict[str, dict[str, str]]:
    """{row key: {column key: raw value}} of one table on the page."""
    section = html.split(f'data-testid="table-{key}"', 1)[1].split("</section>", 1)[0]
    out = {}
    for row in re.findall(r'<tr[^>]*data-row="([^"]+)"[^>]*>(.*?)</tr>', section, re.S):
        out[row[0]] = {m[1]: m[2] for m in CELL.findall(row[1])}
    return out


def api_values(payload: dict, key: str) -> dict[str, dict]:
    table = next(t for t in payload["tables"] if t["key"] == key)
    rows = [*table["rows"], *([table["total"]] if table["total"] else [])]
    return {r["key"]: r["values"] for r in rows}


def csv_rows(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def _num(text: str):
    if text in ("", "x"):
        return None if text == "" else "x"
    return float(text.replace(",", "."))


@pytest.mark.parametrize("user, level", [("sb.malmo", "nation"), ("analytiker", "region"), ("rlc.syd", "unit")])
def test_screen_export_and_api_agree(cases, login_client, user, level):
    client = login_client(user)
    query = f"period=2024&level={level}&vy=alla"
    html = client.get(f"/uppfoljning/?{query}").content.decode()
    payload = client.get(f"/api/v1/followup/tables?{query.replace('vy=', 'view=')}").json()
    keys = [t["key"] for t in payload["tables"]]
    assert set(keys) == set(reports.Report.BUILDERS)
    workbook = load_workbook(io.BytesIO(client.get(f"/uppfoljning/export/alla.xlsx?{query}").content))
    for key in keys:
        screen = screen_table(html, key)
        api = api_values(payload, key)
        assert set(screen) == set(api), key
        for row_key, values in api.items():
            for col, value in values.items():
                shown = screen[row_key][col]
                assert (shown == "" if value is None else float(shown) == pytest.approx(value)), (key, row_key, col)
        exported = csv_rows(client.get(f"/uppfoljning/export/{key}.csv?{query}").content)
        table = next(t for t in payload["tables"] if t["key"] == key)
        assert exported[0] == [table["row_header"], *(c["label"] for c in table["columns"])]
        rows = [*table["rows"], *([table["total"]] if table["total"] else [])]
        for line, row in zip(exported[1:], rows, strict=True):
            assert line[0] == row["label"]
            for c, text in zip(table["columns"], line[1:], strict=True):
                value = row["values"][c["key"]]
                if c["key"] in row["suppressed"]:
                    assert text == "x"
                elif value is None:
                    assert text == ""
                else:
                    assert _num(text) == pytest.approx(value), (key, row["key"], c["key"])
        sheet = workbook[SHEET_NAMES[key]]
        values = [[cell.value for cell in r] for r in sheet.iter_rows(min_row=5, max_row=4 + len(rows))]
        for line, row in zip(values, rows, strict=True):
            for c, got in zip(table["columns"], line[1:], strict=False):
                value = row["values"][c["key"]]
                assert got == ("x" if c["key"] in row["suppressed"] else value), (key, row["key"], c["key"])


def test_the_known_figures_reach_the_screen(cases, login_client):
    html = login_client("sb.malmo").get("/uppfoljning/?period=2024&vy=alla").content.decode()
    overview = screen_table(html, "jamforelse")["nation"]
    assert overview["received"] == "3" and overview["closed"] == "4"  # the Malmö desk's cases 1–3 and 6
    lead = screen_table(html, "ledtider")
    assert lead["lt_ack"]["median"] == "0.3" and lead["patrol"]["n"] == "2"
    assert "Uppföljning – Stationsbefäl Malmö" in html and 'role="img"' in html


def test_small_cells_are_suppressed_for_analysts_and_requesters(cases, login_client):
    payload = login_client("analytiker").get("/api/v1/followup/tables?period=2024&view=alla").json()
    comparison = api_values(payload, "jamforelse")["nation"]
    assert comparison["received"] == 5  # five cases may be shown
    assert comparison["closed"] is None  # four may not
    assert payload["suppression"] is True
    html = login_client("analytiker").get("/uppfoljning/?period=2024&vy=alla").content.decode()
    assert ">x<" in html and "färre än 5 ärenden" in html
    police = login_client("sb.malmo").get("/api/v1/followup/tables?period=2024&view=alla").json()
    assert police["suppression"] is False
    assert api_values(police, "jamforelse")["nation"]["closed"] == 4


def test_scoping_requester_sees_its_own_organisation_only(cases, login_client):
    r = factory._refs()
    for i in range(5):  # five more requests from the social services of Malmö: six in all
        factory.make_case(region=r["syd"], unit=r["sb_malmo"], municipality=r["malmo"], organisation=r["soc_malmo"],
                          key="LVU-43-1-2", law="LVU", case_code="614", received=factory.at(f"2024-09-0{i + 1} 09:00"))
    facts.refresh(full=True)
    client = login_client("soc.malmo")
    payload = client.get("/api/v1/followup/tables?period=2024").json()
    assert payload["scope"] == "Socialnämnden Malmö stad"
    assert {t["key"] for t in payload["tables"]} == set(reports.REQUESTER_TABLES)
    assert api_values(payload, "lagrum")["total"]["received"] == 6  # not the hospital's or Stockholm's cases
    assert client.get(f"/api/v1/followup/tables?period=2024&organisation={r['psyk_malmo'].pk}").status_code == 403
    assert client.get("/api/v1/followup/tables?period=2024&level=region").status_code == 403
    assert client.get("/api/v1/followup/tables/jamforelse?period=2024").status_code == 403
    assert client.get("/uppfoljning/avvikelser/").status_code == 403
    page = client.get("/uppfoljning/?period=2024").content.decode()
    assert "Uppföljning – Socialnämnden Malmö stad" in page and "Exempelsson" not in page


def test_scoping_police_region_and_unit(cases, login_client):
    rlc = login_client("rlc.syd")
    payload = rlc.get("/api/v1/followup/tables?period=2024&level=region&view=oversikt").json()
    regions = api_values(payload, "jamforelse")
    assert list(regions) == [str(factory._refs()["syd"].pk), "total"]  # only its own region
    assert regions["total"]["received"] == 3
    assert rlc.get("/api/v1/followup/tables?period=2024&region=stockholm").status_code == 403
    assert rlc.get("/api/v1/followup/tables?period=2024&region=syd").status_code == 200
    unit = login_client("sb.malmo")
    assert unit.get("/api/v1/followup/tables?period=2024&level=region").status_code == 403
    assert login_client("nte.syd").get("/uppfoljning/").status_code == 403


def test_analysts_never_see_names(cases, login_client):
    client = login_client("analytiker")
    for url in ("/uppfoljning/?period=2024&vy=alla&level=organisation", "/uppfoljning/avvikelser/",
                "/api/v1/followup/deviations"):
        body = client.get(url).content.decode()
        assert "Exempelsson" not in body and "TEST-FU-" not in body


@pytest.mark.parametrize("query, field", [
    ("level=galaxy", "level"), ("period=2024-13", "period"), ("period=2024-02-30..2024-03-01", "period"),
    ("series=week", "series"), ("unit=abc", "unit"), ("region=atlantis", "region"), ("point=LPT-99-9-9", "point"),
    ("law=XYZ", "law"), ("fran=2024-01", "till"), ("vy=okand", "vy"), ("open_days=-1", "open_days"),
])
def test_bad_input_is_a_4xx_with_a_swedish_message(cases, login_client, query, field):
    client = login_client("analytiker")
    page = client.get(f"/uppfoljning/?{query}")
    assert page.status_code == 400 and "Urvalet kunde inte visas" in page.content.decode()
    if field not in ("vy", "open_days"):
        api = client.get(f"/api/v1/followup/tables?{query}")
        assert api.status_code == 422
        assert api.json()["errors"][0]["field"] == field
    assert client.get(f"/uppfoljning/export/lagrum.csv?{query}").status_code in (200, 400)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["period", "level", "series", "region", "police_area", "unit",
                                        "organisation", "law", "point", "case_code", "fran", "till"]),
                       st.text(max_size=30), max_size=4))
def test_no_query_string_makes_a_500(demo, client, data):
    from bitrade.organisation.models import Person

    client.force_login(Person.objects.get(username="analytiker"))
    response = client.get("/api/v1/followup/tables", {**data, "view": "volymer"})
    assert response.status_code in (200, 403, 422)


def test_exports_are_audited(cases, login_client):
    from bitrade.audit.models import AuditEvent

    login_client("processagare").get("/uppfoljning/export/saknummer.xlsx?period=2024")
    event = AuditEvent.objects.filter(action="followup.exported").latest("seq")
    assert event.object_id == "saknummer" and event.new["format"] == "xlsx"


def test_definitions_page_and_api(cases, login_client):
    client = login_client("analytiker")
    page = client.get("/uppfoljning/definitioner/").content.decode()
    assert "Patrulltid inklusive återfärd" in page and "återfärden" in page
    data = client.get("/api/v1/followup/metrics").json()
    assert {m["key"] for m in data["metrics"]} >= {"received", "closed", "lt_total", "patrol", "relay"}
    assert data["min_cell"] == 5


def test_deviations_now(cases, login_client):
    from django.utils import timezone

    now = timezone.now()
    opened = factory.build_open(now)
    rlc = login_client("rlc.syd").get("/api/v1/followup/deviations").json()
    kinds = {k["key"]: k for k in rlc["kinds"]}
    assert kinds["holding_over"]["count"] == 1 and kinds["children_held"]["count"] == 1
    assert kinds["unassigned"]["cases"][0]["reference_number"] == opened["unassigned"].reference_number
    assert kinds["holding_over"]["cases"][0]["reference_number"] == opened["held"].reference_number
    assert kinds["ack_overdue"]["count"] == 0  # the overdue ones are in Stockholm
    national = login_client("analytiker").get("/api/v1/followup/deviations?level=region").json()
    by_kind = {k["key"]: k for k in national["kinds"]}
    assert by_kind["ack_overdue"]["count"] is None and by_kind["ack_overdue"]["cases"] == []  # 2: suppressed
    page = login_client("rlc.syd").get("/uppfoljning/avvikelser/").content.decode()
    assert opened["held"].reference_number in page and "Barn i förvar" in page


def test_deviation_thresholds_are_configurable(cases, login_client):
    from bitrade.followup import selectors
    from bitrade.organisation.actor import actor_for_person
    from bitrade.organisation.models import Person

    actor = actor_for_person(Person.objects.get(username="analytiker"))
    count = {k.key: k.count for k in selectors.deviations(actor, {}, now=NOW).kinds}
    assert count == {"ack_overdue": 2, "decision_overdue": 2, "unassigned": 0, "open_too_long": 1,
                     "not_reported_back": 1, "holding_over": 0, "children_held": 0}
    ThresholdSetting.objects.create(key="open_days", value=5)
    assert {k.key: k.count for k in selectors.deviations(actor, {}, now=NOW).kinds}["open_too_long"] == 3
    shorter = selectors.deviations(actor, {"open_days": "40"}, now=NOW + timedelta(days=0))
    assert {k.key: k.count for k in shorter.kinds}["open_too_long"] == 1


def test_the_process_owner_steers_by_trends_targets_and_deviations_per_unit(cases, login_client):
    page = login_client("processagare").get("/uppfoljning/", {"period": "2024"}).content.decode()
    assert 'data-testid="steering"' in page
    assert "2024 jämfört med 2023" in page and "Utveckling mot föregående period" in page
    assert "Mottagen → beslut, median (h)" in page and "högst 2" in page
    assert "Barn i förvar" in page and ("uppnått" in page or "inga ärenden" in page)
    assert "Polisenhet" in page or "enhet" in page
    analyst = login_client("analytiker").get("/uppfoljning/", {"period": "2024"}).content.decode()
    assert 'data-testid="steering"' not in analyst


def test_trend_and_targets_are_plain_rules():
    from bitrade.followup import rules

    assert rules.trend(110, 100) == "upp 10,0\u00a0%" and rules.trend(90, 100) == "ned 10,0\u00a0%"
    assert rules.trend(5, 5) == "oförändrat" and rules.trend(None, 3) == "–" and rules.trend(2, 0) == "upp 2,0"
    target = rules.Target("children_held", "Barn i förvar", at_most=0)
    assert target.met(0) is True and target.met(1) is False and target.met(None) is None and target.text == "högst 0"


def test_deviation_list_reads_a_fixed_number_of_queries_however_many_cases_it_lists(cases):
    """The listed cases come with what their rows show (unit, the kind whose state label is shown): the list
    costs the same queries with four listed cases as with two (no query per listed case)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bitrade.followup import selectors
    from bitrade.organisation.actor import actor_for_person
    from bitrade.organisation.models import Person

    actor = actor_for_person(Person.objects.get(username="rlc.syd"))
    now = timezone.now()

    queries_after = []

    def run() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            listed = sum(len(k.items) for k in selectors.deviations(actor, {}, now=now).kinds)
        queries_after[:] = queries.captured_queries
        # the audit record of the listed cases is a write, not a read of them
        return listed, sum(1 for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT"))

    factory.build_open(now)
    before_listed, before = run()
    factory.build_open(now - timedelta(hours=1))
    after_listed, after = run()
    assert after_listed >= before_listed + 2
    assert after == before, "\n".join(q["sql"][:150] for q in queries_after)


def test_the_deviations_are_counted_in_one_statement_for_cases_and_one_for_holdings(cases):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bitrade.followup import selectors
    from bitrade.organisation.actor import actor_for_person
    from bitrade.organisation.models import Person

    actor = actor_for_person(Person.objects.get(username="analytiker"))
    for level in ("nation", "region"):
        with CaptureQueriesContext(connection) as queries:
            result = selectors.deviations(actor, {"level": level}, now=NOW)
        counted = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
        assert len(counted) == 2, counted
        assert {k.key: k.count for k in result.kinds} == {
            "ack_overdue": 2, "decision_overdue": 2, "unassigned": 0, "open_too_long": 1, "not_reported_back": 1,
            "holding_over": 0, "children_held": 0}


def test_the_deviation_lists_rows_are_the_markup_of_the_template_loop_they_replace(cases):
    """``views._deviation_rows`` writes each listed case's row in Python; the template loop it replaced renders
    the same markup (escaping, the local time of "since", the case page's address)."""
    from django.template import engines
    from django.utils import timezone

    from bitrade.followup import selectors, views
    from bitrade.organisation.actor import actor_for_person
    from bitrade.organisation.models import Person

    now = timezone.now()
    factory.build_open(now)
    actor = actor_for_person(Person.objects.get(username="rlc.syd"))
    dev = selectors.deviations(actor, {}, now=now)
    loop = engines["django"].from_string(
        '{% for i in items %}<tr><th scope="row"><a href="{{ i.url }}">{{ i.reference_number }}</a></th>'
        '<td>{{ i.unit }}</td><td>{{ i.state }}</td><td>{{ i.since|date:"Y-m-d H:i" }}</td><td>{{ i.age }}</td>'
        "</tr>{% endfor %}")
    listed = [k for k in dev.kinds if k.items]
    assert len(listed) >= 2
    for kind in listed:
        assert views._deviation_rows(kind.items) == loop.render({"items": kind.items})
    odd = [{"url": "/arenden/x/?a=1&b=2", "reference_number": "<b>", "unit": 'Enhet "A" & B', "state": "ö",
            "since": None, "age": "3 h"}]
    assert views._deviation_rows(odd) == loop.render({"items": odd})
    from django.urls import resolve

    from bitrade.cases.models import Case

    for kind in listed:
        for item in kind.items:  # the case page of that case, by its public id
            match = resolve(item["url"])
            assert match.view_name == "cases:detail"
            assert Case.objects.get(public_id=match.kwargs["public_id"]).reference_number == item["reference_number"]
