"""The follow-up bench's reference: DuckDB answering, from the raw rows, the same questions the follow-up's tables
answer (imported by ``followup_bench.py``; needs Django set up for the definitions it reads from ``rules``).

The raw rows are the database's own tables exported to CSV (``EXPORTS``): the cases with their requests, the
completion questions, the municipalities and police areas (population and police area of the person's
municipality), the custody episodes, the holdings, the transport orders and their legs; and the return cases
(cases of kind "return" with their ``returns.ReturnCase``), their detentions and their transport orders to
Kriminalvården — never the follow-up's fact tables (``followup.CaseFact``, ``returns.ReturnFact``). Each question
(``QUESTIONS``) is one DuckDB query that computes what one table of ``followup.reports.Report`` shows, as
``followup.metrics`` defines each measure and ``followup.facts`` derives a fact row's columns from the case:
the anchor timestamp in the period (``[$lo, $hi)``, the period's Stockholm midnights in UTC), the condition,
lead times as whole seconds between two timestamps, the age group at the deprivation of liberty, the
report-back and holding thresholds (as stored, else their defaults), the Stockholm month or year of a series.
The comparison table has two questions (its counts and its durations), grouped by the level the view shows; the
series by month or year. A scoped view's questions (``scoped``) read only the cases of its region, unit or
requesting organisation.

The return tables (``followup.atervandande.ReturnReport``) have five questions (``kind="return"``), written from
``atervandande.METRIC_LIST`` and ``returns.followup_facts``: ret_flode (flow per Stockholm year and the stock on
each 31 December that is over), one shared by ret_niva, ret_kalla, ret_kategori, ret_overlamnade and ret_utfall
(the report builds them from one grouped scan of the cases and one of the stock; here one statement with
GROUPING SETS, its level asked per the view's level), ret_kohort (the four-year cohort to the same calendar
day, ``returns.rules.cohort_class``), ret_forvar (detention lengths as whole seconds) and ret_transporter. The
stock follows the report's rule for years that are not over (``parameters``: ``$year_ends``, ``$stock_at``).
``return_cells`` turns their rows into the cells of each return table they serve.

``cells`` turns a question's rows into the cells of its table (rounded as the dashboard rounds) so that the
bench can compare them, cell by cell, with the dashboard API's unsuppressed figures.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

EXPORTS = {
    "cases": """SELECT c.id, c.reference_number, c.received_at, c.acknowledged_at, c.ack_due_at, c.decided_at, c.assigned_at,
                       c.assign_due_at, c.outcome_at, c.requester_informed_at, c.closed_at, c.state, c.decision,
                       c.refusal_check, c.outcome, c.case_code, c.region_id, c.unit_id, c.escalation_count,
                       c.overrule_count, c.wanted_notice_reference, c.patrol_minutes, r.law,
                       r.legal_basis_key AS point, r.organisation_id, r.person_age, r.location_municipality_id
                FROM cases_case c JOIN intake_assistancerequest r ON r.case_id = c.id WHERE c.kind = 'assistance'""",
    "completions": """SELECT q.id, r.case_id FROM intake_completionquestion q
                      JOIN intake_assistancerequest r ON r.id = q.request_id""",
    "municipalities": "SELECT id, police_area_id, population FROM organisation_municipality",
    "police_areas": "SELECT id, region_id FROM organisation_policearea",
    "episodes": "SELECT id, case_id, started_at, ended_at, ground, person_age FROM custody_custodyepisode",
    "holdings": "SELECT id, episode_id, started_at, ended_at, place_type, reason FROM custody_holding",
    "transports": "SELECT id, case_id, ordered_at, executor, state, decline_reason FROM transport_transportorder",
    "legs": "SELECT id, order_id, seq, from_region_id, to_region_id FROM transport_transportleg",
    # Return enforcement: the cases of kind "return" with their detail, and the detentions and transport
    # orders of those cases (not the follow-up's own fact rows).
    "return_cases": """SELECT c.id, c.received_at, c.closed_at, c.outcome, c.region_id, c.unit_id,
                              rc.id AS return_case_id, rc.origin, rc.reason, rc.police_category,
                              rc.whereabouts_municipality_id
                       FROM cases_case c JOIN returns_returncase rc ON rc.case_id = c.id
                       WHERE c.kind = 'return'""",
    "return_detentions": "SELECT id, return_case_id, started_at, ended_at FROM returns_detention",
    "return_transports": "SELECT id, return_case_id, ordered_at, trip_type, status FROM returns_transportorder",
}
#: Column types DuckDB is told rather than guesses (a column empty in a small data set would be read as text).
TYPES = {
    "cases": {**{c: "TIMESTAMP" for c in ("received_at", "acknowledged_at", "ack_due_at", "decided_at",
                                          "assigned_at", "assign_due_at", "outcome_at", "requester_informed_at",
                                          "closed_at")},
              **{c: "VARCHAR" for c in ("reference_number", "state", "decision", "refusal_check", "outcome", "case_code",
                                        "wanted_notice_reference", "law", "point")},
              "patrol_minutes": "BIGINT", "person_age": "BIGINT", "organisation_id": "BIGINT", "unit_id": "BIGINT",
              "region_id": "BIGINT", "location_municipality_id": "BIGINT"},
    "municipalities": {"police_area_id": "BIGINT", "population": "BIGINT"},
    "episodes": {"started_at": "TIMESTAMP", "ended_at": "TIMESTAMP", "ground": "VARCHAR", "person_age": "BIGINT"},
    "holdings": {"started_at": "TIMESTAMP", "ended_at": "TIMESTAMP", "place_type": "VARCHAR", "reason": "VARCHAR"},
    "transports": {"ordered_at": "TIMESTAMP", "executor": "VARCHAR", "state": "VARCHAR", "decline_reason": "VARCHAR"},
    "legs": {"from_region_id": "BIGINT", "to_region_id": "BIGINT"},
    "return_cases": {"received_at": "TIMESTAMP", "closed_at": "TIMESTAMP", "outcome": "VARCHAR", "origin": "VARCHAR",
                     "reason": "VARCHAR", "police_category": "BIGINT", "region_id": "BIGINT", "unit_id": "BIGINT",
                     "return_case_id": "BIGINT", "whereabouts_municipality_id": "BIGINT"},
    "return_detentions": {"return_case_id": "BIGINT", "started_at": "TIMESTAMP", "ended_at": "TIMESTAMP"},
    "return_transports": {"return_case_id": "BIGINT", "ordered_at": "TIMESTAMP", "trip_type": "VARCHAR",
                          "status": "VARCHAR"},
}


def load(db, folder, names=None) -> None:
    """The exported CSV files into DuckDB tables (``names``: only these, replacing what is there)."""
    for name in names or EXPORTS:
        types = TYPES.get(name)
        opt = f", types={types!r}" if types else ""
        db.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM read_csv('{folder / name}.csv', header=true{opt})")


# --------------------------------------------------------------------------- SQL pieces


def within(col: str, lo: str = "$lo", hi: str = "$hi") -> str:
    return f"({col} >= {lo} AND {col} < {hi})"


def secs(end: str, start: str) -> str:
    """Whole seconds from ``start`` to ``end`` (``facts._seconds``)."""
    return f"round((epoch_us({end}) - epoch_us({start})) / 1e6)"


def age_group(col: str) -> str:
    """``rules.age_group`` in SQL."""
    from bitrade.followup import rules

    whens = [f"WHEN {col} IS NULL THEN '{rules.UNKNOWN_AGE.code}'"]
    for g in rules.AGE_GROUPS:
        cond = [f"{col} >= {g.low}" if g.low is not None else "", f"{col} < {g.high}" if g.high is not None else ""]
        whens.append(f"WHEN {' AND '.join(c for c in cond if c) or 'true'} THEN '{g.code}'")
    return f"CASE {' '.join(whens)} ELSE '{rules.UNKNOWN_AGE.code}' END"


def _sql_tuple(*values: str) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def executed() -> str:
    """The outcomes that count as executed (``metrics.EXECUTED_OUTCOMES``), as an SQL list."""
    from bitrade.assistance import rules as case_rules

    return _sql_tuple(case_rules.OUTCOME_EXECUTED, case_rules.OUTCOME_HEALTH_CARE)


DECIDED = "('granted', 'refused')"


def level_join(level: str) -> tuple[str, str]:
    """(the join a level needs from ``cases c``, the level's group expression): a case belongs to the region and
    unit that handle it, to the police area of the person's municipality and to the requesting organisation."""
    if level == "nation":
        return "", "''"
    if level == "police_area":
        return " LEFT JOIN municipalities m ON m.id = c.location_municipality_id", "CAST(m.police_area_id AS VARCHAR)"
    col = {"region": "region_id", "unit": "unit_id", "organisation": "organisation_id"}[level]
    return "", f"CAST(c.{col} AS VARCHAR)"


def late_report_back(prefix: str = "") -> str:
    p = prefix
    return (f"({p}requester_informed_at IS NULL OR {p}outcome_at IS NULL OR "
            f"{secs(p + 'requester_informed_at', p + 'outcome_at')} > $report_back_s)")


# --------------------------------------------------------------------------- the questions


def q_jamforelse_counts(level: str, series: str) -> str:
    join, g = level_join(level)
    pop = {"nation": "SELECT '' AS g, sum(pm.population) AS pop FROM municipalities AS pm WHERE pm.population IS NOT NULL",
           "region": """SELECT CAST(pa.region_id AS VARCHAR) AS g, sum(pm.population) AS pop FROM municipalities AS pm
                         JOIN police_areas pa ON pa.id = pm.police_area_id WHERE pm.population IS NOT NULL GROUP BY 1""",
           "police_area": """SELECT CAST(pm.police_area_id AS VARCHAR) AS g, sum(pm.population) AS pop
                              FROM municipalities AS pm WHERE pm.population IS NOT NULL GROUP BY 1"""}.get(level)
    pop_cte = f", p AS ({pop})" if pop else ""
    return f"""
WITH k AS (
  SELECT {g} AS g,
    count(*) FILTER ({within('c.received_at')}) AS received,
    count(*) FILTER ({within('c.received_at')} AND q.case_id IS NOT NULL) AS completion_requested,
    count(*) FILTER ({within('c.received_at')} AND c.escalation_count > 0) AS escalated,
    count(*) FILTER ({within('c.closed_at')} AND c.state = 'closed') AS closed,
    count(*) FILTER ({within('c.decided_at')} AND c.decision IN {DECIDED}) AS decided,
    count(*) FILTER ({within('c.decided_at')} AND c.decision = 'granted') AS granted,
    count(*) FILTER ({within('c.decided_at')} AND c.overrule_count > 0) AS overruled
  FROM cases c{join} LEFT JOIN (SELECT DISTINCT case_id FROM completions) q ON q.case_id = c.id
  WHERE {within('c.received_at')} OR {within('c.closed_at')} OR {within('c.decided_at')}
  GROUP BY 1),
e AS (SELECT {g} AS g, count(*) AS episodes FROM episodes e JOIN cases c ON c.id = e.case_id{join}
      WHERE {within('e.started_at')} GROUP BY 1),
h AS (SELECT {g} AS g, count(*) AS holdings, count(*) FILTER (e.person_age < 18) AS children_held
      FROM holdings h JOIN episodes e ON e.id = h.episode_id JOIN cases c ON c.id = e.case_id{join}
      WHERE {within('h.started_at')} AND coalesce(h.place_type, '') <> 'activity_room' GROUP BY 1),
t AS (SELECT {g} AS g, count(*) AS transports, count(*) FILTER (t.executor = 'kriminalvarden') AS transports_nte,
        count(*) FILTER (t.executor = 'kriminalvarden' AND t.state = 'declined') AS nte_declined
      FROM transports t JOIN cases c ON c.id = t.case_id{join} WHERE {within('t.ordered_at')} GROUP BY 1){pop_cte}
SELECT coalesce(g, '') AS g, coalesce(received, 0), coalesce(completion_requested, 0), coalesce(escalated, 0),
  coalesce(closed, 0), coalesce(decided, 0), coalesce(granted, 0), coalesce(overruled, 0), coalesce(episodes, 0),
  coalesce(holdings, 0), coalesce(children_held, 0), coalesce(transports, 0), coalesce(transports_nte, 0),
  coalesce(nte_declined, 0), {"pop" if pop else "NULL"}
FROM k FULL JOIN e USING (g) FULL JOIN h USING (g) FULL JOIN t USING (g){" FULL JOIN p USING (g)" if pop else ""}"""


JAMFORELSE_COUNTS = ("received", "completion_requested", "escalated", "closed", "decided", "granted", "overruled",
                     "episodes", "holdings", "children_held", "transports", "transports_nte", "nte_declined",
                     "population")


def q_jamforelse_durations(level: str, series: str) -> str:
    join, g = level_join(level)
    return f"""
SELECT metric, g, GROUPING(g) AS whole, count(*), sum(x), quantile_cont(x, [0.5, 0.9]) FROM (
  SELECT 'lt_received_decision' AS metric, {g} AS g, {secs('c.decided_at', 'c.received_at')} AS x FROM cases c{join}
    WHERE {within('c.decided_at')} AND c.decision IN {DECIDED}
  UNION ALL
  SELECT 'lt_total', {g}, {secs('c.closed_at', 'c.received_at')} FROM cases c{join}
    WHERE {within('c.closed_at')} AND c.state = 'closed'
  UNION ALL
  SELECT 'patrol', {g}, c.patrol_minutes * 60 FROM cases c{join}
    WHERE {within('c.outcome_at')} AND c.patrol_minutes IS NOT NULL)
GROUP BY GROUPING SETS ((metric, g), (metric))"""


def q_received_closed(dims: str) -> Callable[[str, str], str]:
    def sql(level: str, series: str) -> str:
        return f"""
SELECT {dims},
  count(*) FILTER ({within('received_at')}) AS received,
  count(*) FILTER ({within('closed_at')} AND state = 'closed') AS closed,
  count(*) FILTER ({within('received_at', '$plo', '$phi')}) AS previous
FROM cases WHERE {within('received_at', '$plo', '$hi')} OR {within('closed_at')}
GROUP BY ALL"""
    return sql


def q_serie(level: str, series: str) -> str:
    """Counted per UTC hour first, then each hour's Stockholm month or year: the zone's offset is whole hours, so an
    hour lies in one local month, and the time-zone conversion runs on the hours (a few thousand a year), not on
    every row (about two and a half times faster than converting each row's timestamp)."""
    fmt = "%Y" if series == "year" else "%Y-%m"
    return f"""
WITH per_hour AS (SELECT h, m, count(*) AS n FROM (
    SELECT date_trunc('hour', received_at) AS h, 'received' AS m FROM cases WHERE {within('received_at')}
    UNION ALL SELECT date_trunc('hour', closed_at), 'closed' FROM cases WHERE {within('closed_at')} AND state = 'closed'
    UNION ALL SELECT date_trunc('hour', decided_at), decision FROM cases
      WHERE {within('decided_at')} AND decision IN {DECIDED})
  GROUP BY ALL)
SELECT strftime(timezone('Europe/Stockholm', h AT TIME ZONE 'UTC'), '{fmt}') AS b,
  CAST(coalesce(sum(n) FILTER (m = 'received'), 0) AS BIGINT), CAST(coalesce(sum(n) FILTER (m = 'closed'), 0) AS BIGINT),
  CAST(coalesce(sum(n) FILTER (m = 'granted'), 0) AS BIGINT), CAST(coalesce(sum(n) FILTER (m = 'refused'), 0) AS BIGINT)
FROM per_hour GROUP BY 1"""


def q_beslut(level: str, series: str) -> str:
    dec = within("c.decided_at")
    rec = within("c.received_at")
    return f"""
SELECT coalesce(c.law, '') AS law,
  count(*) FILTER ({dec} AND c.decision IN {DECIDED}) AS decided,
  count(*) FILTER ({dec} AND c.decision = 'granted') AS granted,
  count(*) FILTER ({dec} AND c.decision = 'refused') AS refused,
  count(*) FILTER ({rec}) AS received,
  count(*) FILTER ({rec} AND q.case_id IS NOT NULL) AS completion_requested,
  count(*) FILTER ({dec} AND c.overrule_count > 0) AS overruled
FROM cases c LEFT JOIN (SELECT DISTINCT case_id FROM completions) q ON q.case_id = c.id
WHERE {dec} OR {rec} GROUP BY ALL"""


def q_avslag(level: str, series: str) -> str:
    return f"""SELECT coalesce(refusal_check, '') AS chk, count(*) FROM cases
WHERE {within('decided_at')} AND decision = 'refused' GROUP BY ALL"""


def q_ledtider(level: str, series: str) -> str:
    return f"""
SELECT m, count(*), sum(x), quantile_cont(x, [0.5, 0.9]) FROM (
  SELECT 'lt_ack' AS m, {secs('acknowledged_at', 'received_at')} AS x FROM cases WHERE {within('acknowledged_at')}
  UNION ALL SELECT 'lt_decision', {secs('decided_at', 'coalesce(acknowledged_at, received_at)')} FROM cases
    WHERE {within('decided_at')} AND decision IN {DECIDED}
  UNION ALL SELECT 'lt_received_decision', {secs('decided_at', 'received_at')} FROM cases
    WHERE {within('decided_at')} AND decision IN {DECIDED}
  UNION ALL SELECT 'lt_execution', {secs('outcome_at', 'decided_at')} FROM cases
    WHERE {within('outcome_at')} AND outcome IN {executed()} AND decided_at IS NOT NULL
  UNION ALL SELECT 'lt_closure', {secs('closed_at', 'outcome_at')} FROM cases
    WHERE {within('closed_at')} AND state = 'closed' AND outcome IN {executed()} AND outcome_at IS NOT NULL
  UNION ALL SELECT 'lt_total', {secs('closed_at', 'received_at')} FROM cases
    WHERE {within('closed_at')} AND state = 'closed'
  UNION ALL SELECT 'patrol', patrol_minutes * 60 FROM cases WHERE {within('outcome_at')} AND patrol_minutes IS NOT NULL)
GROUP BY m"""


def q_patrulltid(level: str, series: str) -> str:
    return f"""
SELECT coalesce(law, '') AS law, GROUPING(law) AS whole, count(*), sum(patrol_minutes) * 60,
  quantile_cont(patrol_minutes * 60, [0.5, 0.9])
FROM cases WHERE {within('outcome_at')} AND patrol_minutes IS NOT NULL GROUP BY GROUPING SETS ((law), ())"""


def q_utfall(level: str, series: str) -> str:
    return f"""
SELECT outcome, count(*), count(*) FILTER (coalesce(wanted_notice_reference, '') <> ''),
  count(*) FILTER (requester_informed_at IS NOT NULL), count(*) FILTER ({late_report_back()})
FROM cases WHERE {within('outcome_at')} AND coalesce(outcome, '') <> '' GROUP BY ALL"""


def q_frihetsberovanden(level: str, series: str) -> str:
    return f"""
SELECT coalesce(e.ground, '') AS ground, {age_group('e.person_age')} AS age, count(*)
FROM episodes e JOIN cases c ON c.id = e.case_id WHERE {within('e.started_at')} GROUP BY ALL"""


def q_forvar(level: str, series: str) -> str:
    return f"""
SELECT age, ground, GROUPING(age) AS no_age, GROUPING(ground) AS no_ground, count(*), count(x), sum(x),
  quantile_cont(x, [0.5, 0.9]), count(*) FILTER (x > $holding_s) FROM (
  SELECT {age_group('e.person_age')} AS age, coalesce(e.ground, '') AS ground, {secs('h.ended_at', 'h.started_at')} AS x
  FROM holdings h JOIN episodes e ON e.id = h.episode_id JOIN cases c ON c.id = e.case_id
  WHERE {within('h.started_at')} AND coalesce(h.place_type, '') <> 'activity_room')
GROUP BY GROUPING SETS ((age), (ground), ())"""


def q_barn(level: str, series: str) -> str:
    return f"""
SELECT {age_group('e.person_age')} AS age, coalesce(h.place_type, '') AS place_type, count(*)
FROM holdings h JOIN episodes e ON e.id = h.episode_id JOIN cases c ON c.id = e.case_id
WHERE {within('h.started_at')} AND e.person_age < 18 GROUP BY ALL"""


def q_transporter(level: str, series: str) -> str:
    return f"""
WITH t AS (SELECT t.id, t.executor, t.state FROM transports t JOIN cases c ON c.id = t.case_id
           WHERE {within('t.ordered_at')}),
l AS (SELECT order_id, count(*) AS n, count(*) FILTER (from_region_id IS DISTINCT FROM to_region_id) AS crossing,
        count(*) FILTER (seq >= 2) AS after_first
      FROM legs WHERE order_id IN (SELECT id FROM t WHERE executor = 'police') GROUP BY 1)
SELECT coalesce(t.executor, '') AS executor, coalesce(t.state, '') AS state, count(*),
  count(*) FILTER (t.executor = 'police' AND l.n >= 2 AND l.crossing > 0),
  coalesce(sum(l.after_first) FILTER (t.executor = 'police'), 0)
FROM t LEFT JOIN l ON l.order_id = t.id GROUP BY ALL"""


def q_nte(level: str, series: str) -> str:
    return f"""
SELECT coalesce(t.decline_reason, '') AS reason, count(*) FROM transports t JOIN cases c ON c.id = t.case_id
WHERE {within('t.ordered_at')} AND t.executor = 'kriminalvarden' AND t.state = 'declined' GROUP BY ALL"""


def q_avvikelser(level: str, series: str) -> str:
    rec, dec, out = within("received_at"), within("decided_at"), within("outcome_at")
    return f"""
WITH k AS (SELECT
  count(*) FILTER ({rec}) AS received,
  count(*) FILTER ({rec} AND (acknowledged_at > ack_due_at OR escalation_count > 0)) AS late_ack,
  count(*) FILTER ({rec} AND escalation_count > 0) AS escalated,
  count(*) FILTER ({dec} AND decision IN {DECIDED}) AS decided,
  count(*) FILTER ({dec} AND overrule_count > 0) AS overruled,
  count(*) FILTER ({dec} AND decision = 'granted') AS granted,
  count(*) FILTER ({dec} AND decision = 'granted' AND (
      CASE WHEN $grace_s = 0 THEN assigned_at > assign_due_at
           ELSE {secs('assigned_at', 'assign_due_at')} > $grace_s END
      OR (state = 'granted' AND assigned_at IS NULL AND assign_due_at < $assign_due_before))) AS late_assignment,
  count(*) FILTER ({out} AND coalesce(outcome, '') <> '') AS with_outcome,
  count(*) FILTER ({out} AND coalesce(outcome, '') <> '' AND {late_report_back()}) AS reported_back_late
  FROM cases WHERE {rec} OR {dec} OR {out}),
h AS (SELECT count(*) AS holdings, count(*) FILTER ({secs('h.ended_at', 'h.started_at')} > $holding_s) AS over,
        count(*) FILTER (e.person_age < 18) AS children, count(*) FILTER (e.person_age < 15) AS under_15
      FROM holdings h JOIN episodes e ON e.id = h.episode_id JOIN cases c ON c.id = e.case_id
      WHERE {within('h.started_at')} AND coalesce(h.place_type, '') <> 'activity_room')
SELECT * FROM k, h"""


# --------------------------------------------------------------------------- return enforcement
#
# ``atervandande.METRIC_LIST`` over ``returns.followup_facts``: a case counts as received (closed) in the period by
# its Stockholm day of reception (closing), i.e. the timestamp in ``[$lo, $hi)``; Migrationsverket's handovers are
# the received cases of origin "mv"; the stock on 31 December of a year is the cases received before the next
# 1 January and not closed before it, counted only for a year that is over (``$year_ends``: the Stockholm
# 1 January after each year of the period that has a stock, as ret_flode's ``has_end``; ``$stock_at``: the last
# 31 December of the period, as ``ReturnReport._last_stock``, or none); a detention is anchored on its start, a
# transport order on its ordering.


def local(col: str) -> str:
    """A UTC timestamp's Stockholm wall-clock time."""
    return f"timezone('Europe/Stockholm', {col} AT TIME ZONE 'UTC')"


def ret_level(level: str) -> tuple[str, str]:
    """(the join a level needs from ``return_cases r``, the level's group expression), as the return facts have
    it: the region and unit that handle the case, the police area of the person's last known municipality."""
    if level == "nation":
        return "", "''"
    if level == "police_area":
        return (" LEFT JOIN municipalities m ON m.id = r.whereabouts_municipality_id",
                "CAST(m.police_area_id AS VARCHAR)")
    col = {"region": "region_id", "unit": "unit_id"}[level]
    return "", f"CAST(r.{col} AS VARCHAR)"


def _open_at(at: str, p: str = "r.") -> str:
    """The case is in the stock at ``at`` (a Stockholm 1 January in UTC): received before, not closed before."""
    return f"({p}received_at < {at} AND ({p}closed_at IS NULL OR {p}closed_at >= {at}))"


def q_ret_flode(level: str, series: str) -> str:
    """Per Stockholm year: received, of them from Migrationsverket, closed (counted per UTC hour first, each hour
    then put in its Stockholm year, as ``q_serie``); the stock on each 31 December that is over."""
    return f"""
WITH per_hour AS (
  SELECT date_trunc('hour', received_at) AS h, count(*) AS received, count(*) FILTER (origin = 'mv') AS handovers,
    0 AS closed FROM return_cases WHERE {within('received_at')} GROUP BY 1
  UNION ALL
  SELECT date_trunc('hour', closed_at), 0, 0, count(*) FROM return_cases WHERE {within('closed_at')} GROUP BY 1),
flow AS (SELECT year({local('h')}) AS y, sum(received) AS received, sum(handovers) AS handovers,
           sum(closed) AS closed FROM per_hour GROUP BY 1),
stock AS (SELECT year({local('e')}) - 1 AS y, count(r.id) AS stock
          FROM unnest(CAST($year_ends AS TIMESTAMP[])) AS t(e) LEFT JOIN return_cases r ON {_open_at('e')}
          GROUP BY e)
SELECT CAST(y AS VARCHAR) AS y, CAST(coalesce(received, 0) AS BIGINT), CAST(coalesce(handovers, 0) AS BIGINT),
  CAST(coalesce(closed, 0) AS BIGINT), stock
FROM flow FULL JOIN stock USING (y)"""


#: The dimensions of the shared scan (``ReturnReport.SHARED`` and the level), in the order of the question's columns.
RET_SHARED = ("level", "origin", "category", "reason", "outcome")


def q_ret_grouped(level: str, series: str) -> str:
    """The tables by level, source, category, reason and outcome (the report's one grouped scan of the cases and
    one of the stock): received, handovers, closed and the stock on the period's last 31 December, per each of
    those dimensions."""
    join, g = ret_level(level)
    stock = _open_at("CAST($stock_at AS TIMESTAMP)")
    return f"""
WITH g AS (
  SELECT {g} AS level, coalesce(r.origin, '') AS origin, coalesce(CAST(r.police_category AS VARCHAR), '') AS category,
    coalesce(r.reason, '') AS reason, coalesce(r.outcome, '') AS outcome,
    count(*) FILTER ({within('r.received_at')}) AS received,
    count(*) FILTER ({within('r.received_at')} AND r.origin = 'mv') AS handovers,
    count(*) FILTER ({within('r.closed_at')}) AS closed,
    count(*) FILTER ({stock}) AS stock
  FROM return_cases r{join}
  WHERE {within('r.received_at')} OR {within('r.closed_at')} OR {stock}
  GROUP BY ALL)
SELECT level, origin, category, reason, outcome, GROUPING(level), GROUPING(origin), GROUPING(category),
  GROUPING(reason), GROUPING(outcome), sum(received), sum(handovers), sum(closed), sum(stock)
FROM g GROUP BY GROUPING SETS ((level), (origin), (category), (reason), (outcome))"""


def q_ret_kohort(level: str, series: str) -> str:
    """Per Stockholm year of reception: received, and how each case stood four years later to the same calendar
    day (``rules.cohort_class``; DuckDB's date + 4 years makes 29 February the 28th, as ``rules.add_years``)."""
    from bitrade.returns import rules as rr

    return f"""
SELECT CAST(year(rd) AS VARCHAR) AS y, count(*) AS opened,
  count(*) FILTER (NOT still_open AND outcome IN {_sql_tuple(*sorted(rr.DEPARTURES))}) AS departed,
  count(*) FILTER (NOT still_open AND outcome IN ('preskriberat', 'utlopt_tidsfrist')) AS lapsed,
  count(*) FILTER (NOT still_open AND outcome = 'uppehallstillstand') AS permit,
  count(*) FILTER (still_open) AS open
FROM (SELECT rd, outcome, cd IS NULL OR cd > CAST(rd + INTERVAL 4 YEAR AS DATE) AS still_open FROM (
  SELECT CAST({local('received_at')} AS DATE) AS rd, CAST({local('closed_at')} AS DATE) AS cd, outcome
  FROM return_cases WHERE {within('received_at')}))
GROUP BY 1"""


def q_ret_forvar(level: str, series: str) -> str:
    """Detentions started in the period per police category and in total: started, ended (with a length), the
    median and the mean length (whole seconds, ``followup_facts``)."""
    return f"""
SELECT coalesce(CAST(category AS VARCHAR), '') AS category, GROUPING(category) AS whole, count(*), count(x), sum(x),
  quantile_cont(x, 0.5)
FROM (SELECT r.police_category AS category, {secs('d.ended_at', 'd.started_at')} AS x
      FROM return_detentions d JOIN return_cases r ON r.return_case_id = d.return_case_id
      WHERE {within('d.started_at')})
GROUP BY GROUPING SETS ((category), ())"""


def q_ret_transporter(level: str, series: str) -> str:
    return f"""
SELECT coalesce(trip_type, '') AS trip_type, coalesce(status, '') AS status, count(*) FROM return_transports
WHERE {within('ordered_at')} GROUP BY ALL"""


# --------------------------------------------------------------------------- deviations now (``selectors.deviations``)

#: The deviations of open cases and open holdings (``selectors._case_specs``, ``_holding_specs``), in their order.
NOW_CASE_KINDS = ("ack_overdue", "decision_overdue", "unassigned", "open_too_long", "not_reported_back")
NOW_HOLDING_KINDS = ("holding_over", "children_held")


def _now_conditions() -> dict[str, str]:
    """Each deviation's condition on an open case (``c``) or an open holding (``h``, its episode ``e``), at
    ``$now`` with the thresholds' moments (``parameters``)."""
    from bitrade.assistance import rules as r

    return {
        "ack_overdue": f"c.state = '{r.RECEIVED}' AND c.acknowledged_at IS NULL AND c.ack_due_at < $now",
        "decision_overdue": f"c.state IN {_sql_tuple(r.RECEIVED, r.ACKNOWLEDGED)} AND coalesce(c.decision, '') = '' "
                            "AND c.received_at < $decision_before",
        "unassigned": f"c.state = '{r.GRANTED}' AND c.assigned_at IS NULL AND (c.assign_due_at < $grace_before OR "
                      "(c.assign_due_at IS NULL AND c.decided_at < $decided_grace_before))",
        "open_too_long": "c.received_at < $open_before",
        "not_reported_back": f"c.requester_informed_at IS NULL AND ((coalesce(c.outcome, '') <> '' AND "
                             f"c.outcome_at < $report_before) OR (c.state = '{r.REFUSED}' AND c.decided_at < $report_before))",
        "holding_over": "h.started_at < $holding_before",
        "children_held": "e.person_age < 18",
    }


def _open_cases() -> str:
    from bitrade.assistance import rules as r

    return f"c.state IN {_sql_tuple(*sorted(r.OPEN_STATES))}"


OPEN_HOLDINGS = "h.ended_at IS NULL AND coalesce(h.place_type, '') <> 'activity_room'"


def q_avvikelser_nu(level: str, series: str) -> str:
    join, g = level_join(level)
    cond = _now_conditions()
    cases = ", ".join(f"count(*) FILTER ({cond[k]}) AS {k}" for k in NOW_CASE_KINDS)
    held = ", ".join(f"count(*) FILTER ({cond[k]}) AS {k}" for k in NOW_HOLDING_KINDS)
    return f"""
WITH k AS (SELECT {g} AS g, {cases} FROM cases c{join} WHERE {_open_cases()} GROUP BY 1),
h AS (SELECT {g} AS g, {held} FROM holdings h JOIN episodes e ON e.id = h.episode_id JOIN cases c ON c.id = e.case_id{join}
      WHERE {OPEN_HOLDINGS} GROUP BY 1)
SELECT coalesce(g, '') AS g, {", ".join(f"coalesce({k}, 0)" for k in (*NOW_CASE_KINDS, *NOW_HOLDING_KINDS))}
FROM k FULL JOIN h USING (g)"""


def q_avvikelser_nu_lista(level: str, series: str) -> str:
    """The oldest cases of each deviation (at most ``selectors.LIST_LIMIT``), for those who may open cases."""
    from bitrade.followup.selectors import LIST_LIMIT

    cond = _now_conditions()
    parts = [f"(SELECT '{k}' AS k, c.reference_number, c.received_at AS since FROM cases c "
             f"WHERE {_open_cases()} AND {cond[k]} ORDER BY c.received_at LIMIT {LIST_LIMIT})" for k in NOW_CASE_KINDS]
    parts += [f"(SELECT '{k}' AS k, c.reference_number, h.started_at AS since FROM holdings h "
              f"JOIN episodes e ON e.id = h.episode_id JOIN cases c ON c.id = e.case_id "
              f"WHERE {OPEN_HOLDINGS} AND {cond[k]} ORDER BY h.started_at LIMIT {LIST_LIMIT})" for k in NOW_HOLDING_KINDS]
    return "\nUNION ALL ".join(parts)


@dataclass(frozen=True)
class Question:
    label: str
    table: str
    sql: Callable[[str, str], str]
    by: str = ""  # "level": asked per the view's level; "series": per its series (month or year)
    also: tuple[str, ...] = ()  # further tables the same answer serves (the return report's shared scan)
    kind: str = "assistance"  # "assistance" or "return": the kind of case read over a period; "now": deviations now

    @property
    def tables(self) -> tuple[str, ...]:
        return (self.table, *self.also)


QUESTIONS: tuple[Question, ...] = (
    Question("jamforelse: counts per level", "jamforelse", q_jamforelse_counts, "level"),
    Question("jamforelse: lead times and patrol per level", "jamforelse", q_jamforelse_durations, "level"),
    Question("lagrum: received, closed, previous per law and point", "lagrum",
             q_received_closed("coalesce(law, '') AS law, coalesce(point, '') AS point")),
    Question("saknummer: received, closed, previous per case code", "saknummer",
             q_received_closed("coalesce(case_code, '') AS case_code")),
    Question("serie: received, closed, granted, refused per month or year", "serie", q_serie, "series"),
    Question("beslut: decisions and completion per law", "beslut", q_beslut),
    Question("avslag: refusals per formal check", "avslag", q_avslag),
    Question("ledtider: six stages and patrol (n, median, p90, mean)", "ledtider", q_ledtider),
    Question("patrulltid: per law and total", "patrulltid", q_patrulltid),
    Question("utfall: outcomes, not found, reported back (late)", "utfall", q_utfall),
    Question("frihetsberovanden: episodes per ground and age group", "frihetsberovanden", q_frihetsberovanden),
    Question("forvar: holdings and time per age group, per ground, total", "forvar", q_forvar),
    Question("barn: children held per place type, activity room", "barn", q_barn),
    Question("transporter: per executor and state, relay, handovers", "transporter", q_transporter),
    Question("nte: NTE declines per reason", "nte", q_nte),
    Question("avvikelser: deviations in the period", "avvikelser", q_avvikelser),
    Question("avvikelser_nu: open deviations now per level", "avvikelser_nu", q_avvikelser_nu, "level", kind="now"),
    Question("avvikelser_nu: the oldest cases of each deviation", "avvikelser_nu_lista", q_avvikelser_nu_lista,
             kind="now"),
    Question("ret_flode: received, from MV, closed per year; stock on each 31 December", "ret_flode", q_ret_flode,
             kind="return"),
    Question("ret_niva … ret_utfall: received, from MV, closed, last stock per level, source, category, reason, "
             "outcome", "ret_niva", q_ret_grouped, "level",
             also=("ret_kalla", "ret_kategori", "ret_overlamnade", "ret_utfall"), kind="return"),
    Question("ret_kohort: received per year and their state four years on", "ret_kohort", q_ret_kohort,
             kind="return"),
    Question("ret_forvar: detentions per category, ended, median and mean length", "ret_forvar", q_ret_forvar,
             kind="return"),
    Question("ret_transporter: transport orders per trip type and status", "ret_transporter", q_ret_transporter,
             kind="return"),
)
BY_LABEL = {q.label: q for q in QUESTIONS}
#: table key → its questions' labels
TABLE_QUESTIONS: dict[str, tuple[str, ...]] = {}
for _q in QUESTIONS:
    for _t in _q.tables:
        TABLE_QUESTIONS[_t] = (*TABLE_QUESTIONS.get(_t, ()), _q.label)


def variant(label: str, level: str = "nation", series: str = "month", scope: str = "") -> str:
    """The key a question's timing is kept under: its label, with the level or series it was asked for and the
    scope (``scope_sql``) it was asked in."""
    q = BY_LABEL[label]
    key = label
    if q.by == "level" and level != "nation":
        key = f"{label} · {level}"
    if q.by == "series" and series != "month":
        key = f"{label} · per {series}"
    return f"{key} · {scope}" if scope else key


#: The case columns a scope filters on (``selectors.scope_for``: a region, a unit, a requesting organisation).
SCOPE_COLUMNS = ("region_id", "unit_id", "organisation_id")


def scope_key(case_filter: dict) -> str:
    """A scope's case filter as text (``region_id=3``; "" for the nation), the form ``ask`` takes."""
    if not case_filter:
        return ""
    (col, value), = case_filter.items()
    if col not in SCOPE_COLUMNS:
        raise ValueError(f"no reference for a scope on {col}")
    return f"{col}={int(value)}"


_CASES = re.compile(r"\b(FROM|JOIN) (cases|return_cases)\b(?: (c|r)\b)?")


def scoped(sql: str, scope: str) -> str:
    """The question within a scope: every read of the cases (and of the return cases: a region or a unit) filtered
    on the scope's column (the rows of the other tables belong to the scope through their case)."""
    if not scope:
        return sql
    col, value = scope.split("=")
    if col == "organisation_id" and "return_cases" in sql:
        raise ValueError("no reference for the return follow-up in a requesting organisation's scope")
    if col == "region_id":  # the population of a region's municipalities (``metrics.population``)
        sql = sql.replace("FROM municipalities AS pm", "FROM (SELECT * FROM municipalities WHERE police_area_id IN "
                          f"(SELECT id FROM police_areas WHERE region_id = {int(value)})) AS pm")
    return _CASES.sub(lambda m: f"{m.group(1)} (SELECT * FROM {m.group(2)} WHERE {col} = {int(value)}) AS "
                                f"{m.group(3) or m.group(2)}", sql)


def variants(label: str, level: str, series: str) -> tuple[str, str]:
    q = BY_LABEL[label]
    return (level if q.by == "level" else "nation"), (series if q.by == "series" else "month")


def parameters(period_code: str, now: datetime) -> dict:
    """The values a question is asked with: the period's bounds and the previous period's (UTC, no zone, as
    the rows are), the thresholds at their defaults, the moment a late assignment is judged at."""
    from bitrade.followup import rules
    from bitrade.followup.selectors import stored_thresholds

    stored = stored_thresholds()

    def limit(key: str):
        return rules.THRESHOLDS[key].delta(stored.get(key))

    def naive(dt: datetime) -> datetime:
        return dt.astimezone(UTC).replace(tzinfo=None)

    p = rules.parse_period(period_code)
    prev = p.previous()
    grace = limit("unassigned_grace_minutes")
    moment = now.replace(second=0, microsecond=0)
    # The return stock (``atervandande``): the 1 January after each year of the period whose 31 December is in
    # it and over (ret_flode's ``has_end``), and after the period's last 31 December if that one is over
    # (``ReturnReport._last_stock``).
    today = now.astimezone(rules.STOCKHOLM).date()
    year_ends = [naive(rules.Period(b.start, b.end).end_dt()) for b in p.buckets("year")
                 if b.end == date(int(b.code) + 1, 1, 1) and b.end <= today]
    last_day = p.end - timedelta(days=1)
    last_end = date(last_day.year if (last_day.month, last_day.day) == (12, 31) else last_day.year - 1, 12, 31)
    stock_at = (None if last_end < p.start or last_end >= today
                else naive(rules.Period(last_end, last_end + timedelta(days=1)).end_dt()))
    return {"lo": naive(p.start_dt()), "hi": naive(p.end_dt()), "plo": naive(prev.start_dt()),
            "phi": naive(prev.end_dt()), "year_ends": year_ends, "stock_at": stock_at,
            "report_back_s": int(limit("report_back_hours").total_seconds()),
            "holding_s": int(limit("holding_hours").total_seconds()),
            "grace_s": int(grace.total_seconds()), "assign_due_before": naive(moment - grace),
            # deviations now (``selectors._case_specs``): at the moment itself, not its minute
            "now": naive(now), "decision_before": naive(now - limit("decision_hours")),
            "grace_before": naive(now - grace), "decided_grace_before": naive(now - timedelta(hours=24) - grace),
            "open_before": naive(now - limit("open_days")), "report_before": naive(now - limit("report_back_hours")),
            "holding_before": naive(now - limit("holding_hours"))}


_PARAM = re.compile(r"\$([a-z_]+)")


def ask(db, label: str, level: str, series: str, params: dict, scope: str = "") -> list[tuple]:
    sql = scoped(BY_LABEL[label].sql(level, series), scope)
    used = {k: params[k] for k in set(_PARAM.findall(sql))}
    return db.execute(sql, used).fetchall()


# --------------------------------------------------------------------------- the cells the dashboard shows


def _r1(v: float | None) -> float | None:
    return None if v is None else round(v + 0.0, 1)


def _share(num: int, den: int) -> float | None:
    return _r1(100.0 * num / den) if den else None


def _change(cur: int, prev: int) -> float | None:
    return _r1(100.0 * (cur - prev) / prev) if prev else None


def _stats(n, total, q) -> dict:
    """n, total/mean/median/p90 in hours as ``metrics`` and ``reports.hours_cell`` give them (seconds snapped to
    the tenth, then minutes, then hours rounded to a tenth)."""
    if not n:
        return {"n": 0, "total": None, "mean": None, "median": None, "p90": None}
    p50, p90 = (round(float(x), 1) for x in q)
    return {"n": int(n), "total": _r1(int(total) / 60 / 60), "mean": _r1(int(total) / n / 60 / 60),
            "median": _r1(p50 / 60 / 60), "p90": _r1(p90 / 60 / 60)}


def cells(label: str, rows: list[tuple], level: str = "nation") -> dict[tuple[str, str], object]:
    """(row key, column) → value, as the table of this question shows them (national scope; the comparison at
    ``level``, with its total row below the groups when the level is not the nation)."""
    from bitrade.assistance import rules as case_rules
    from bitrade.followup import rules

    law_code = {rules.law_db_value(c): c for c in rules.LAWS}
    out: dict[tuple[str, str], object] = {}
    table = BY_LABEL[label].table
    if label.startswith("jamforelse: counts"):
        groups = [(r[0] or "nation", dict(zip(JAMFORELSE_COUNTS, r[1:], strict=True))) for r in rows]
        if level != "nation":  # the total row: the groups' counts summed (population: the nation's)
            groups = [(g, v) for g, v in groups if g != "nation"] + [
                ("total", {k: sum(v[k] or 0 for _, v in groups) for k in JAMFORELSE_COUNTS})]
            if level not in ("region", "police_area"):
                groups[-1][1]["population"] = None
        for key, v in groups:
            out.update({(key, "received"): v["received"], (key, "closed"): v["closed"],
                        (key, "granted_share"): _share(v["granted"], v["decided"]),
                        (key, "completion_share"): _share(v["completion_requested"], v["received"]),
                        (key, "nte_share"): _share(v["transports_nte"], v["transports"])})
            for k in ("episodes", "holdings", "children_held", "nte_declined", "overruled", "escalated"):
                out[(key, k)] = v[k]
            if v["population"]:
                out[(key, "received_per_100k")] = _r1(v["received"] * 100_000 / v["population"])
    elif label.startswith("jamforelse: lead"):
        for m, g, whole, n, total, q in rows:
            key = "total" if whole else (g or "nation")
            st = _stats(n, total, q)
            out[(key, m)] = st["mean"] if m == "patrol" else st["median"]
    elif table in ("lagrum", "saknummer"):
        totals = defaultdict(int)
        by_law: dict[str, dict] = defaultdict(lambda: defaultdict(int))
        for *dims, received, closed, previous in rows:
            if table == "lagrum":
                law, point = dims
                keys = [f"{law_code.get(law, law)}:{point}"]
                for k, v in (("received", received), ("closed", closed), ("previous", previous)):
                    by_law[law_code.get(law, law)][k] += v
            else:
                keys = [dims[0] or "none"]
            for key in keys:
                out.update({(key, "received"): received, (key, "closed"): closed, (key, "previous"): previous,
                            (key, "change"): _change(received, previous)})
            totals["received"] += received
            totals["closed"] += closed
            totals["previous"] += previous
        for key, v in [*by_law.items(), ("total", totals)]:
            out.update({(key, "received"): v["received"], (key, "closed"): v["closed"],
                        (key, "previous"): v["previous"], (key, "change"): _change(v["received"], v["previous"])})
    elif table == "serie":
        totals = [0, 0, 0, 0]
        for b, *v in rows:
            for i, k in enumerate(("received", "closed", "granted", "refused")):
                out[(b, k)] = v[i]
                totals[i] += v[i]
        out.update({("total", k): totals[i] for i, k in enumerate(("received", "closed", "granted", "refused"))})
    elif table == "beslut":
        names = ("decided", "granted", "refused", "received", "completion_requested", "overruled")
        total = dict.fromkeys(names, 0)
        for law, *v in rows:
            d = dict(zip(names, v, strict=True))
            for k in names:
                total[k] += d[k]
            out.update(_beslut_cells(law_code.get(law, law), d))
        out.update(_beslut_cells("total", total))
    elif table == "avslag":
        total = sum(n for _, n in rows)
        by_check = dict(rows)
        for chk in case_rules.FORMAL_CHECKS:
            n = by_check.get(chk, 0)
            out.update({(chk, "refused"): n, (chk, "share"): _share(n, total)})
        other = sum(n for chk, n in rows if chk not in case_rules.FORMAL_CHECKS)
        if other:
            out.update({("other", "refused"): other, ("other", "share"): _share(other, total)})
        out.update({("total", "refused"): total, ("total", "share"): _share(total, total)})
    elif table == "ledtider":
        for m, n, total, q in rows:
            st = _stats(n, total, q)
            out.update({(m, k): st[k] for k in ("n", "median", "p90", "mean")})
    elif table == "patrulltid":
        for law, whole, n, total, q in rows:
            st = _stats(n, total, q)
            key = "total" if whole else law_code.get(law, law)
            out.update({(key, k): st[k] for k in ("n", "total", "mean", "median", "p90")})
    elif table == "utfall":
        from bitrade.followup.reports import OUTCOME_ORDER

        all_n = sum(r[1] for r in rows)
        total = [0, 0, 0, 0]
        by_outcome = {outcome: v for outcome, *v in rows}
        for outcome in (*OUTCOME_ORDER, *(o for o in by_outcome if o not in OUTCOME_ORDER)):
            v = by_outcome.get(outcome, [0, 0, 0, 0])
            out.update(_utfall_cells(outcome, v, all_n))
            total = [a + b for a, b in zip(total, v, strict=True)]
        out.update(_utfall_cells("total", total, all_n))
    elif table == "frihetsberovanden":
        totals = defaultdict(int)
        by_ground: dict[str, dict] = defaultdict(lambda: defaultdict(int))
        for ground, age, n in rows:
            by_ground[ground][age] += n
            totals[age] += n
        for key, v in [*by_ground.items(), ("total", totals)]:
            out.update({(key, g.code): v.get(g.code, 0) for g in rules.ALL_AGE_GROUPS})
            out[(key, "total")] = sum(v.values())
    elif table == "forvar":
        for age, ground, no_age, no_ground, n, m, total, q, over in rows:
            key = "total" if no_age and no_ground else (f"ground:{ground}" if no_age else f"age:{age}")
            st = _stats(m, total, q)
            out.update({(key, "holdings"): n, (key, "median"): st["median"], (key, "p90"): st["p90"],
                        (key, "over"): over})
    elif table == "barn":
        by_age: dict[str, dict] = defaultdict(lambda: defaultdict(int))
        for age, place, n in rows:
            by_age[age][place] += n
        for age in rules.CHILD_AGE_GROUPS:
            v = by_age.get(age, {})
            held = {p: n for p, n in v.items() if p != "activity_room"}
            out.update({(age, p): n for p, n in held.items()})
            out[(age, "total")] = sum(held.values())
            out[(age, "activity_room")] = v.get("activity_room", 0)
    elif table == "transporter":
        from bitrade.followup.reports import EXECUTORS

        by_exec: dict[str, dict] = {key: defaultdict(int) for key in (*EXECUTORS, "total")}
        for executor, state, n, relay, handovers in rows:
            for key in (executor, "total"):
                e = by_exec.setdefault(key, defaultdict(int))
                e["transports"] += n
                if state in ("completed", "declined", "cancelled"):
                    e[state] += n
                e["relay"] += relay
                e["handovers"] += int(handovers)
        all_n = by_exec["total"]["transports"]
        for key, e in by_exec.items():
            out.update({(key, "transports"): e["transports"], (key, "completed"): e["completed"],
                        (key, "declined"): e["declined"], (key, "cancelled"): e["cancelled"],
                        (key, "relay"): e["relay"], (key, "handovers"): e["handovers"],
                        (key, "share"): _share(e["transports"], all_n)})
    elif table == "nte":
        from bitrade.transport.rules import NTE_DECLINE_REASONS

        total = sum(n for _, n in rows)
        by_reason = dict(rows)
        for reason in NTE_DECLINE_REASONS:
            n = by_reason.get(reason, 0)
            out.update({(reason, "declined"): n, (reason, "share"): _share(n, total)})
        out.update({("total", "declined"): total, ("total", "share"): _share(total, total)})
    elif table == "avvikelser":
        names = ("received", "late_ack", "escalated", "decided", "overruled", "granted", "late_assignment",
                 "with_outcome", "reported_back_late", "holdings", "over", "children", "under_15")
        v = dict(zip(names, rows[0], strict=True))
        for key, n, base in (("late_ack", v["late_ack"], v["received"]), ("escalated", v["escalated"], v["received"]),
                             ("overruled", v["overruled"], v["decided"]),
                             ("late_assignment", v["late_assignment"], v["granted"]),
                             ("holding_over", v["over"], v["holdings"]),
                             ("children_held", v["children"], v["holdings"]),
                             ("children_under_15", v["under_15"], v["holdings"]),
                             ("reported_back_late", v["reported_back_late"], v["with_outcome"])):
            out.update({(key, "count"): n, (key, "base"): base, (key, "share"): _share(n, base)})
    return out


def _beslut_cells(key: str, d: dict) -> dict:
    return {(key, "decided"): d["decided"], (key, "granted"): d["granted"], (key, "refused"): d["refused"],
            (key, "granted_share"): _share(d["granted"], d["decided"]),
            (key, "refused_share"): _share(d["refused"], d["decided"]), (key, "received"): d["received"],
            (key, "completion_requested"): d["completion_requested"],
            (key, "completion_share"): _share(d["completion_requested"], d["received"]),
            (key, "overruled"): d["overruled"], (key, "overruled_share"): _share(d["overruled"], d["decided"])}


def _utfall_cells(key: str, v: list, all_n: int) -> dict:
    n, not_found, reported, late = v
    return {(key, "with_outcome"): n, (key, "share"): _share(n, all_n), (key, "not_found"): not_found,
            (key, "reported_back"): reported, (key, "reported_back_late"): late}


def return_cells(label: str, rows: list[tuple]) -> dict[str, dict[tuple[str, str], object]]:
    """table key → (row key, column) → value, for each return table this question serves, as
    ``atervandande.ReturnReport`` shows them (shares as ``reports.share_cell``, days as ``atervandande._days``)."""
    from bitrade.returns import rules as rr

    q = BY_LABEL[label]
    out: dict[str, dict[tuple[str, str], object]] = {t: {} for t in q.tables}
    if q.table == "ret_flode":
        t = out["ret_flode"]
        total = dict.fromkeys(("received", "handovers", "closed"), 0)
        for y, received, handovers, closed, stock in rows:
            t.update({(y, "received"): received, (y, "handovers"): handovers, (y, "closed"): closed,
                      (y, "stock"): stock})
            for k, v in (("received", received), ("handovers", handovers), ("closed", closed)):
                total[k] += v
        t.update({("total", k): v for k, v in total.items()})
    elif q.table == "ret_niva":
        per: dict[str, dict] = {d: defaultdict(lambda: defaultdict(int)) for d in RET_SHARED}
        for row in rows:
            values, flags, (received, handovers, closed, stock) = row[:5], row[5:10], row[10:]
            d = next(i for i, f in enumerate(flags) if not f)
            slot = per[RET_SHARED[d]]["none" if values[d] in (None, "") else values[d]]
            for k, v in (("received", received), ("handovers", handovers), ("closed", closed), ("stock", stock)):
                slot[k] += int(v or 0)
        whole = {k: sum(v[k] for v in per["origin"].values()) for k in ("received", "handovers", "closed", "stock")}
        for table, dim in (("ret_niva", "level"), ("ret_kalla", "origin"), ("ret_kategori", "category")):
            for key, v in [*per[dim].items(), ("total", whole)]:
                out[table].update({(key, "received"): v["received"], (key, "closed"): v["closed"],
                                   (key, "stock"): v["stock"]})
        by_reason = {k: v["handovers"] for k, v in per["reason"].items()}
        for key in (*rr.REASONS, "none"):
            out["ret_overlamnade"].update({(key, "count"): by_reason.get(key, 0),
                                           (key, "share"): _share(by_reason.get(key, 0), whole["handovers"])})
        out["ret_overlamnade"].update({("total", "count"): whole["handovers"],
                                       ("total", "share"): _share(whole["handovers"], whole["handovers"])})
        by_outcome = {k: v["closed"] for k, v in per["outcome"].items()}
        enforced = sorted(rr.ENFORCED_BY_POLICE)
        groups = [("police", enforced), *((c, (c,)) for c in enforced),
                  *((c, (c,)) for c in ("egen_utresa", "preskriberat", "utlopt_tidsfrist", "uppehallstillstand")),
                  ("other", [c for c in by_outcome if c not in rr.OUTCOMES]), ("total", list(by_outcome))]
        for key, codes in groups:
            n = sum(by_outcome.get(c, 0) for c in codes)
            out["ret_utfall"].update({(key, "count"): n, (key, "share"): _share(n, whole["closed"])})
    elif q.table == "ret_kohort":
        t = out["ret_kohort"]
        total = [0, 0, 0, 0, 0]
        for _y, *v in rows:
            total = [a + b for a, b in zip(total, v, strict=True)]
        for y, *v in [*rows, ("total", *total)]:
            opened, departed, lapsed, permit, still_open = v
            t.update({(y, "opened"): opened, (y, "open"): still_open})
            for k, n in (("departed", departed), ("lapsed", lapsed), ("permit", permit)):
                t.update({(y, k): n, (y, f"{k}_share"): _share(n, opened)})
    elif q.table == "ret_forvar":
        t = out["ret_forvar"]
        for category, whole, n, ended, total, median in rows:
            key = "total" if whole else category
            t.update({(key, "count"): n, (key, "ended"): ended,
                      (key, "median"): None if not ended else _r1(round(float(median), 1) / 60 / 1440),
                      (key, "mean"): None if not ended else _r1(int(total) / ended / 60 / 1440)})
    elif q.table == "ret_transporter":
        t = out["ret_transporter"]
        by_trip: dict[str, dict] = defaultdict(lambda: defaultdict(int))
        for trip, status, n in rows:
            for key in (trip, "total"):
                by_trip[key]["count"] += n
                if status in ("done", "cancelled"):
                    by_trip[key][status] += n
        for key in (*rr.TRIP_TYPES, "total"):
            v = by_trip.get(key, {})
            t.update({(key, "count"): v.get("count", 0), (key, "done"): v.get("done", 0),
                      (key, "cancelled"): v.get("cancelled", 0)})
    return out


def now_cells(rows: list[tuple], level: str = "nation") -> dict[tuple[str, str], object]:
    """(row key, deviation) → count, as the summary table of the deviations now shows them: a row per group of
    the level ("nation" for the nation) and, below a level's groups, the total row."""
    kinds = (*NOW_CASE_KINDS, *NOW_HOLDING_KINDS)
    out: dict[tuple[str, str], object] = {}
    totals = dict.fromkeys(kinds, 0)
    for g, *counts in rows:
        for k, n in zip(kinds, counts, strict=True):
            out[(g or "nation", k)] = int(n)
            totals[k] += int(n)
    if level != "nation":
        out.update({("total", k): n for k, n in totals.items()})
    return out


def compare_listed(api_kinds: list[dict], rows: list[tuple]) -> dict:
    """The cases each deviation lists (reference numbers, oldest first) against the reference's."""
    mine: dict[str, list[str]] = {}
    for k, reference_number, _since in rows:
        mine.setdefault(k, []).append(reference_number)
    compared = equal = 0
    differ = []
    for kind in api_kinds:
        shown = [c["reference_number"] for c in kind["cases"]]
        ours = mine.get(kind["key"], [])
        compared += 1
        if sorted(shown) == sorted(ours):
            equal += 1
        else:
            differ.append(f"{kind['key']}: {len(set(ours) - set(shown))} listed only here, "
                          f"{len(set(shown) - set(ours))} only on the page")
    return {"compared": compared, "equal": equal, "hidden": 0, "differ": differ}


def compare(api_table: dict, ours: dict[tuple[str, str], object]) -> dict:
    """Every cell of the dashboard's table that is shown (not hidden as a small count) against the reference's
    cell. A cell the reference has no row for is 0 for a count (a row of the catalogue with nothing in it)."""
    compared = equal = hidden = 0
    differ = []
    for row in [*api_table["rows"], *([api_table["total"]] if api_table.get("total") else [])]:
        for col, value in row["values"].items():
            if col in row.get("suppressed", ()):
                hidden += 1
                continue
            mine = ours.get((row["key"], col), 0 if isinstance(value, int) and value == 0 else "missing")
            compared += 1
            if value is None and mine in (None, 0, "missing") or mine == value:
                equal += 1
            else:
                differ.append(f"{row['key']}/{col}: {mine} ≠ {value}")
    return {"compared": compared, "equal": equal, "hidden": hidden, "differ": differ}
