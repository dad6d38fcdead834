"""The follow-up's tables: which metrics, in which rows and columns. Built once per request and then
rendered by the screen, the CSV/XLSX exports and the API alike.

A ``Report`` holds the scope (what the actor may see), the validated parameters and a memo of metric
queries, so tables that share a query (received cases by law, point and case code feed three tables)
ask the database once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from django.core.exceptions import PermissionDenied

from bitrade.assistance import rules as case_rules
from bitrade.custody.rules import GROUNDS, PLACE_TYPES
from bitrade.transport.rules import NTE_DECLINE_REASONS

from . import duck, geography, metrics, rules
from .rules import COUNT, HOURS, RATE, SHARE, ParamError, Params, Period, round1
from .tables import Cell, Chart, Column, Row, Table, count_cell

# --------------------------------------------------------------------------- scope


@dataclass(frozen=True)
class Scope:
    """What an actor may see: the cases (as filters on the fact row), the levels, and whether small cells
    are suppressed (everyone without case access to all of the cases in scope)."""

    label: str
    case_filter: Mapping[str, object]
    suppress: bool
    levels: tuple[str, ...]
    requester: bool = False
    case_access: bool = False
    region_id: int | None = None
    unit_id: int | None = None
    organisation_id: int | None = None


# --------------------------------------------------------------------------- labels


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


EXECUTORS = {"kriminalvarden": "Kriminalvården (NTE)", "police": "Polisen"}
AGE_LABELS = {g.code: g.label for g in rules.ALL_AGE_GROUPS}
OUTCOME_ORDER = (case_rules.OUTCOME_EXECUTED, case_rules.OUTCOME_HEALTH_CARE, case_rules.OUTCOME_NEED_ENDED,
                 case_rules.OUTCOME_WITHDRAWN)
OUTCOME_SHORT = {
    case_rules.OUTCOME_EXECUTED: "Verkställd (överlämnad till vårdinrättningen)",
    case_rules.OUTCOME_HEALTH_CARE: "Överlämnad till hälso- och sjukvården",
    case_rules.OUTCOME_NEED_ENDED: "Behovet har upphört",
    case_rules.OUTCOME_WITHDRAWN: "Återkallad av begärande myndighet",
}


class Labels:
    """Names of the things figures are grouped by, read once per report."""

    @cached_property
    def regions(self) -> dict[str, str]:
        return {str(i): n for i, _c, n in geography.current().regions}

    @cached_property
    def region_codes(self) -> dict[str, int]:
        return {c: i for i, c, _n in geography.current().regions}

    @cached_property
    def police_areas(self) -> dict[str, tuple[str, int]]:
        return {str(i): (n, r) for i, _c, n, r, _rn in geography.current().areas}

    @cached_property
    def police_area_codes(self) -> dict[str, tuple[int, int]]:
        return {c: (i, r) for i, c, _n, r, _rn in geography.current().areas}

    def units(self, ids: Iterable[str]) -> dict[str, str]:
        return geography.names("unit", ids)

    def organisations(self, ids: Iterable[str]) -> dict[str, str]:
        return geography.names("organisation", ids)

    @cached_property
    def points(self) -> dict[str, str]:
        from bitrade.legal.catalogue import default_catalogue

        out = {e.key: f"{e.citation} – {e.title}" for e in default_catalogue()}
        out[""] = "Lagrum saknas eller annan lag än vårdlagarna"
        return out

    @cached_property
    def point_law(self) -> dict[str, str]:
        from bitrade.legal.catalogue import default_catalogue

        return {e.key: e.law for e in default_catalogue()}


# --------------------------------------------------------------------------- cells


def share_cell(num: int, den: int) -> Cell:
    if not den:
        return Cell(None, (num, den))
    return Cell(round1(100.0 * num / den), (num, den - num))


def rate_cell(count: int, population: int | None) -> Cell:
    if not population:
        return Cell(None, (count,))
    return Cell(round1(count * 100_000 / population), (count,))


def hours_cell(minutes: float | None, n: int) -> Cell:
    return Cell(None if minutes is None else round1(minutes / 60), (n,))


def change_cell(current: int, previous: int) -> Cell:
    if not previous:
        return Cell(None, (current, previous))
    return Cell(round1(100.0 * (current - previous) / previous), (current, previous))


# --------------------------------------------------------------------------- the report


TABLE_TITLES: dict[str, str] = {
    "jamforelse": "Jämförelse",
    "lagrum": "Mottagna och avslutade ärenden per lag och lagrum",
    "saknummer": "Mottagna och avslutade ärenden per saknummer",
    "serie": "Ärenden över tid",
    "beslut": "Beslut och komplettering per lag",
    "avslag": "Avslag per formell brist",
    "ledtider": "Ledtider",
    "patrulltid": "Patrulltid inklusive återfärd per lag",
    "utfall": "Utfall och återrapportering",
    "frihetsberovanden": "Frihetsberövanden per grund och åldersgrupp",
    "forvar": "Förvar: antal och tid per åldersgrupp och grund",
    "barn": "Barn i förvar och i aktivitetsrum",
    "transporter": "Transporter: NTE och polisen",
    "nte": "NTE:s avböjanden per skäl",
    "avvikelser": "Avvikelser under perioden",
}

#: The dashboard's views (sections), each a set of tables; "alla" shows everything at once.
VIEWS: dict[str, tuple[str, tuple[str, ...]]] = {
    "oversikt": ("Översikt och jämförelse", ("jamforelse", "serie")),
    "volymer": ("Volymer", ("lagrum", "saknummer", "serie")),
    "beslut": ("Beslut, ledtider och utfall", ("beslut", "avslag", "ledtider", "patrulltid", "utfall")),
    "frihet": ("Frihetsberövanden och förvar", ("frihetsberovanden", "forvar", "barn")),
    "transporter": ("Transporter", ("transporter", "nte")),
    "avvikelser": ("Avvikelser under perioden", ("avvikelser",)),
}
ALL_VIEW = "alla"
REQUESTER_TABLES = ("lagrum", "serie", "beslut", "ledtider", "utfall")

RECEIVED_METRICS = ("received", "completion_requested", "escalated", "escalations", "late_ack")
DECIDED_METRICS = ("decided", "granted", "refused", "overruled", "late_assignment")
OUTCOME_METRICS = ("with_outcome", "not_found", "reported_back", "reported_back_late")
#: Every count of cases the tables need, in one scan of the fact table grouped by these dimensions.
CASE_COUNTS = (*RECEIVED_METRICS, "closed", *DECIDED_METRICS, *OUTCOME_METRICS)
CASE_COUNT_DIMS = ("law", "point", "case_code", "refusal_check", "outcome")
#: The tables that read the shared scan (``Report.case_counts``), and the counts of cases the deviations table needs.
CASE_COUNT_TABLES = ("lagrum", "saknummer", "beslut", "avslag", "utfall")
DEVIATION_CASE_COUNTS = ("late_ack", "received", "escalated", "overruled", "decided", "late_assignment", "granted",
                         "reported_back_late", "with_outcome")
STAGES = ("lt_ack", "lt_decision", "lt_received_decision", "lt_execution", "lt_closure", "lt_total")
TOTAL = metrics.TOTAL


#: The comparison's counts of cases, which the series asks per month or year in the same statements (the same
#: anchors) when the comparison is per region (``Report.carry_level``).
COMPARISON_CASE_COUNTS = ("received", "completion_requested", "escalated", "closed", "decided", "granted",
                          "overruled")

#: The lead times the comparison shows per group (and in total: the lead-time and patrol tables' figures).
COMPARISON_LEAD_TIMES = ("lt_received_decision", "lt_total", "patrol")


class Report:
    def __init__(self, scope: Scope, params: Params, *, now: datetime, thresholds: Mapping[str, int],
                 synced: bool = False):
        self.scope = scope
        self.params = params
        self.now = now
        self.labels = Labels()
        if params.level not in scope.levels:
            raise PermissionDenied(f"Nivån {rules.LEVELS[params.level].lower()} är inte tillgänglig i din roll. "
                                   f"Välj {', '.join(rules.LEVELS[x].lower() for x in scope.levels)}.")
        self.filter_labels: list[str] = []
        case_filter = dict(scope.case_filter)
        case_filter.update(self._filters())
        self.ctx = metrics.Context(params.period, case_filter, params.series, now, dict(thresholds), synced=synced)
        self._memo: dict = {}
        self._carry = False
        #: The tables being built together (``tables``; ``table``: the one).
        self._building: tuple[str, ...] = ()

    # ------------------------------------------------------------------ parameters → filters

    def _filters(self) -> dict:
        p, s, out = self.params, self.scope, {}
        if p.region:
            rid = self.labels.region_codes.get(p.region)
            if rid is None:
                raise ParamError("region", f"Polisregionen '{p.region}' finns inte. Välj en av: "
                                           f"{', '.join(sorted(self.labels.region_codes))}.")
            if s.region_id is not None and rid != s.region_id:
                raise PermissionDenied("Du kan bara följa upp din egen polisregion.")
            out["region_id"] = rid
            self.filter_labels.append(self.labels.regions[str(rid)])
        if p.police_area:
            found = self.labels.police_area_codes.get(p.police_area)
            if found is None:
                raise ParamError("police_area", f"Polisområdet '{p.police_area}' finns inte.")
            if s.region_id is not None and found[1] != s.region_id:
                raise PermissionDenied("Polisområdet ligger utanför din polisregion.")
            out["police_area_id"] = found[0]
            self.filter_labels.append(self.labels.police_areas[str(found[0])][0])
        if p.unit is not None:
            from bitrade.organisation.models import Unit

            unit = Unit.objects.filter(pk=p.unit).values("id", "name", "region_id").first()
            if unit is None:
                raise ParamError("unit", f"Enheten med id {p.unit} finns inte.")
            if (s.region_id is not None and unit["region_id"] != s.region_id) or (
                    s.unit_id is not None and unit["id"] != s.unit_id):
                raise PermissionDenied("Enheten ligger utanför det du får följa upp.")
            out["unit_id"] = unit["id"]
            self.filter_labels.append(unit["name"])
        if p.organisation is not None:
            name = self.labels.organisations([str(p.organisation)]).get(str(p.organisation))
            if name is None:
                raise ParamError("organisation", f"Organisationen med id {p.organisation} finns inte.")
            if s.organisation_id is not None and p.organisation != s.organisation_id:
                raise PermissionDenied("Begärande myndigheter ser bara sin egen organisation.")
            out["organisation_id"] = p.organisation
            self.filter_labels.append(name)
        if p.law:
            out["law"] = rules.law_db_value(p.law)
            self.filter_labels.append(rules.LAWS[p.law])
        if p.point:
            if p.point not in self.labels.points:
                raise ParamError("point", f"Lagrummet '{p.point}' finns inte i katalogen.")
            out["point"] = p.point
            self.filter_labels.append(self.labels.points[p.point].split(" – ")[0])
        if p.case_code:
            out["case_code"] = p.case_code
            self.filter_labels.append(f"saknummer {p.case_code}")
        return out

    # ------------------------------------------------------------------ memoised queries

    def count(self, keys: Iterable[str], dims: Iterable[str] = (), *, period: Period | None = None,
              carry: bool = False):
        """Counts of the metrics by ``dims`` (memoised). With ``carry`` (a table whose counts the comparison per
        group can use) and ``carry_level`` called, they are asked per group of the level too and summed over
        it here; the comparison then sums the same answers over the table's own dimensions
        (``_count_or_sum``) instead of scanning the facts once more."""
        keys, dims = tuple(keys), tuple(dims)
        memo_key = ("c", keys, dims, period)
        if memo_key not in self._memo:
            if carry and self._carry and period is None and self.level not in dims:
                self._memo[memo_key] = self.summed(self.count(keys, (*dims, self.level)), range(len(dims)))
            else:
                self._memo[memo_key] = self._count_or_sum(keys, dims, period)
        return self._memo[memo_key]

    def carry_level(self) -> None:
        """Before building the comparison per region with other tables: the tables that count what the
        comparison counts (the series: cases; the custody, holdings and transport tables: activities) count it
        per region too (``count(carry=True)``), so the comparison adds up their answers instead of scanning the
        facts once more. Only for a level of few groups (the regions): per police area, unit or organisation
        those tables' answers would grow by as many times as there are groups."""
        self._carry = self.level == rules.REGION

    def _count_or_sum(self, keys: tuple[str, ...], dims: tuple[str, ...], period: Period | None) -> dict:
        """Counts add up: a total (no dimension but the nation) of a metric this report has already counted by
        other dimensions, for the same period, is the sum of those groups, not another query; so is a count per
        group of the level of a metric already counted by other dimensions and the level (``carry_level``). The
        rest is asked of ``metrics.count``."""
        found: dict[str, tuple[Mapping, tuple[int, ...]]] = {}
        nation = all(d == rules.NATION for d in dims)
        if nation or dims == (self.level,):
            for memo_key, res in list(self._memo.items()):
                if memo_key[0] != "c" or memo_key[3] != period:
                    continue
                if nation:
                    index: tuple[int, ...] = ()
                elif memo_key[2] and memo_key[2][-1] == self.level and len(memo_key[2]) > 1:
                    index = (len(memo_key[2]) - 1,)
                else:
                    continue
                for k in memo_key[1]:
                    if k in keys and k not in found:
                        found[k] = (res, index)
        missing = [k for k in keys if k not in found]
        out = metrics.count(self.ctx, missing, dims, period=period) if missing else {}
        for k, (res, index) in found.items():
            if not index:
                slot = out.setdefault(("",) * len(dims), {})
                slot[k] = slot.get(k, 0) + sum(v.get(k, 0) for v in res.values())
                continue
            for group, values in res.items():
                slot = out.setdefault((group[index[0]],), {})
                slot[k] = slot.get(k, 0) + values.get(k, 0)
        return out

    def durations(self, keys: Iterable[str], dims: Iterable[str] = (), over=None, total: bool = False):
        """Duration statistics, memoised per metric and grouping, so tables share what they can (the totals of
        one table are the ungrouped figures of another). With ``total`` the ungrouped figures are added under
        the dimension values ``TOTAL``."""
        keys, dims = tuple(keys), tuple(dims)
        out = dict(self._durations(keys, dims, over, with_total=total and bool(dims)))
        if total and dims:
            for key, st in self._durations(keys, (), over).items():
                out[(key[0], *(TOTAL,) * len(dims))] = st
        return out

    def _durations(self, keys: tuple[str, ...], dims: tuple[str, ...], over, with_total: bool = False) -> dict:
        limits = tuple(sorted((over or {}).items()))
        missing = [k for k in keys if ("d", k, dims, limits) not in self._memo]
        if missing:
            # Reading the values (SQLite) gives the ungrouped figures of the same scan for free; on the replica
            # the same statement returns them (GROUPING SETS).
            both = with_total and (metrics.default_method(self.ctx) == "fetch" or (
                self.ctx.on_duckdb and any(("d", k, (), limits) not in self._memo for k in missing)))
            result = metrics.durations(self.ctx, missing, dims, over=over, total=both)
            whole = (metrics.TOTAL,) * len(dims)
            for k in missing:
                self._memo[("d", k, dims, limits)] = {key: st for key, st in result.items()
                                                      if key[0] == k and not (both and key[1:] == whole)}
                if both:
                    totals = [st for key, st in result.items() if key[0] == k and key[1:] == whole]
                    self._memo[("d", k, (), limits)] = {(k,): totals[0]} if totals else {}
        out = {}
        for k in keys:
            out.update(self._memo[("d", k, dims, limits)])
        return out

    def case_counts(self, index: Iterable[int] = ()) -> dict:
        """The shared scan of case counts, summed to the dimensions at ``index`` of ``CASE_COUNT_DIMS``."""
        index = tuple(index)
        memo_key = ("s", index)
        if memo_key not in self._memo:  # several tables sum the same scan the same way
            # From the smallest sum already made that keeps these dimensions (fewer groups to add up), else
            # from the scan itself.
            base, at = None, index
            for key, res in self._memo.items():
                if key[0] == "s" and set(index) <= set(key[1]) and (base is None or len(res) < len(base)):
                    base, at = res, tuple(key[1].index(i) for i in index)
            if base is None:
                base = self.count(CASE_COUNTS, CASE_COUNT_DIMS)
            self._memo[memo_key] = self.summed(base, at)
        return self._memo[memo_key]

    def lead_times(self):
        """Every lead time and the patrol time, in total (shared by the lead-time and patrol tables)."""
        return self.durations((*STAGES, "patrol"))

    @staticmethod
    def summed(result: Mapping[tuple, Mapping[str, int]], index: Iterable[int] = ()) -> dict:
        """Counts summed to the dimensions at ``index`` (none: the grand total)."""
        index = tuple(index)
        out: dict = defaultdict(lambda: defaultdict(int))
        get = out.get
        for key, values in result.items():
            k = tuple([key[i] for i in index])
            slot = get(k)
            if slot is None:  # the first group of this key: a copy of its counts (no per-count loop)
                out[k] = defaultdict(int, values)
                continue
            for m, v in values.items():
                slot[m] += v
        return out

    # ------------------------------------------------------------------ helpers

    @property
    def level(self) -> str:
        return self.params.level

    def group_labels(self, seen: Iterable[str]) -> list[tuple[str, str]]:
        """The rows of the level: every region or police area in scope, the units and organisations that
        appear in the figures."""
        level, ctx = self.level, self.ctx.case_filter
        if level == rules.NATION:
            return [("", self.scope.label if not self.filter_labels else ", ".join(self.filter_labels))]
        if level == rules.REGION:
            ids = [k for k in self.labels.regions if "region_id" not in ctx or k == str(ctx["region_id"])]
            return [(k, self.labels.regions[k]) for k in ids]
        if level == rules.POLICE_AREA:
            out = []
            for k, (name, region) in self.labels.police_areas.items():
                if "region_id" in ctx and region != ctx["region_id"]:
                    continue
                if "police_area_id" in ctx and k != str(ctx["police_area_id"]):
                    continue
                out.append((k, name))
            extra = [k for k in seen if k and k not in dict(out)]
            return out + [(k, self.labels.police_areas.get(k, (k, 0))[0]) for k in extra]
        names = self.labels.units(seen) if level == rules.UNIT else self.labels.organisations(seen)
        return sorted(((k, names.get(k, "Okänd")) for k in seen if k), key=lambda kv: kv[1])

    def _table(self, key: str, description: str, row_header: str, columns: list[Column], rows: list[Row],
               total: Row | None = None, notes: Iterable[str] = (), chart: Chart | None = None) -> Table:
        t = Table(key=key, title=TABLE_TITLES[key], description=description, row_header=row_header,
                  columns=columns, rows=rows, total=total, notes=list(notes), chart=chart)
        return t.suppress() if self.scope.suppress else t

    # ------------------------------------------------------------------ tables

    def jamforelse(self) -> Table:
        lv = self.level
        keys = ("received", "completion_requested", "escalated", "closed", "decided", "granted", "overruled",
                "episodes", "holdings", "children_held", "transports", "transports_nte", "nte_declined")
        by_group = self.count(keys, (lv,))
        dur_keys = COMPARISON_LEAD_TIMES
        if lv == rules.NATION:  # the ungrouped figures, which the lead-time table shares
            dur = {(key[0], ""): st for key, st in self.durations(dur_keys).items()}
        else:
            dur = self.durations(dur_keys, (lv,), total=True)
        pop, pop_total = self.populations()
        with_pop = bool(pop)
        cols = [Column("received", "Mottagna", COUNT, "received", additive=True)]
        if with_pop:
            cols.append(Column("received_per_100k", "Mottagna per 100 000 inv.", RATE, "received_per_100k"))
        cols += [
            Column("closed", "Avslutade", COUNT, "closed", additive=True),
            Column("granted_share", "Andel beviljade (%)", SHARE, "granted_share"),
            Column("completion_share", "Andel med komplettering (%)", SHARE, "completion_share"),
            Column("lt_received_decision", "Mottagen → beslut, median (h)", HOURS, "lt_received_decision"),
            Column("lt_total", "Mottagen → avslutad, median (h)", HOURS, "lt_total"),
            Column("patrol", "Patrulltid per ärende, medel (h)", HOURS, "patrol"),
            Column("episodes", "Frihetsberövanden", COUNT, "episodes", additive=True),
            Column("holdings", "Förvar", COUNT, "holdings", additive=True),
            Column("children_held", "Barn i förvar", COUNT, "children_held", additive=True),
            Column("nte_share", "Andel transporter till NTE (%)", SHARE, "nte_share"),
            Column("nte_declined", "Avböjda av NTE", COUNT, "nte_declined", additive=True),
            Column("overruled", "Ändrade beslut", COUNT, "overruled", additive=True),
            Column("escalated", "Eskalerade", COUNT, "escalated", additive=True),
        ]

        def cells(v: Mapping[str, int], d: Callable[[str], metrics.Stats | None], population: int | None) -> dict:
            out = {"received": count_cell(v.get("received")), "closed": count_cell(v.get("closed")),
                   "granted_share": share_cell(v.get("granted", 0), v.get("decided", 0)),
                   "completion_share": share_cell(v.get("completion_requested", 0), v.get("received", 0))}
            if with_pop:
                out["received_per_100k"] = rate_cell(v.get("received", 0), population)
            for k in ("lt_received_decision", "lt_total"):
                st = d(k)
                out[k] = hours_cell(st.median if st else None, st.n if st else 0)
            st = d("patrol")
            out["patrol"] = hours_cell(st.mean if st else None, st.n if st else 0)
            for k in ("episodes", "holdings", "children_held", "nte_declined", "overruled", "escalated"):
                out[k] = count_cell(v.get(k))
            out["nte_share"] = share_cell(v.get("transports_nte", 0), v.get("transports", 0))
            return out

        seen = {k[0] for k in by_group} | {k[1] for k in dur if k[1] != TOTAL}
        rows = []
        for gk, label in self.group_labels(seen):
            v = by_group.get((gk,), {})
            rows.append(Row(gk or "nation", label, cells(v, lambda m, gk=gk: dur.get((m, gk)), pop.get(gk))))
        total = None
        if lv != rules.NATION:
            totals = self.summed(by_group)[()]
            total = Row("total", "Totalt", cells(totals, lambda m: dur.get((m, TOTAL)),
                                                 pop_total.get("") if pop_total else None))
        chart_col = "received_per_100k" if with_pop and lv != rules.NATION else "received"
        return self._table(
            "jamforelse",
            f"Nyckeltal per {rules.LEVELS[lv].lower()} för perioden, sida vid sida."
            if lv != rules.NATION else "Nyckeltal för perioden.",
            rules.LEVELS[lv], cols, rows, total,
            notes=["Andelar och tider beräknas på ärenden där händelsen inträffade under perioden "
                   "(se definitionerna)."],
            chart=Chart("bars", (chart_col,), next(c.label for c in cols if c.key == chart_col))
            if lv != rules.NATION else None)

    def _received_closed(self, previous: bool = True):
        """(law, point, case code) → counts this period, and received in the period before."""
        current = self.case_counts((0, 1, 2))
        before = self.count(("received",), ("law", "point", "case_code"),
                            period=self.params.period.previous()) if previous else {}
        return current, current, before

    def lagrum(self) -> Table:
        show_prev = not self.scope.requester
        received, closed, previous = self._received_closed(show_prev)
        r_lp, c_lp, p_lp = (self.summed(x, (0, 1)) for x in (received, closed, previous))
        cols = [Column("received", "Mottagna", COUNT, "received", additive=True),
                Column("closed", "Avslutade", COUNT, "closed", additive=True)]
        if show_prev:
            cols += [Column("previous", "Mottagna föregående period", COUNT, "received", additive=True),
                     Column("change", "Förändring (%)", SHARE, "received")]

        def cells(key: tuple) -> dict:
            r, c, p = r_lp.get(key, {}), c_lp.get(key, {}), p_lp.get(key, {})
            out = {"received": count_cell(r.get("received")), "closed": count_cell(c.get("closed"))}
            if show_prev:
                out["previous"] = count_cell(p.get("received"))
                out["change"] = change_cell(r.get("received", 0), p.get("received", 0))
            return out

        def law_cells(law_db: str) -> dict:
            r = sum(v.get("received", 0) for k, v in r_lp.items() if k[0] == law_db)
            c = sum(v.get("closed", 0) for k, v in c_lp.items() if k[0] == law_db)
            p = sum(v.get("received", 0) for k, v in p_lp.items() if k[0] == law_db)
            out = {"received": count_cell(r), "closed": count_cell(c)}
            if show_prev:
                out["previous"] = count_cell(p)
                out["change"] = change_cell(r, p)
            return out

        rows: list[Row] = []
        for code, label in rules.LAWS.items():
            db = rules.law_db_value(code)
            points = sorted({k[1] for k in (*r_lp, *c_lp, *p_lp) if k[0] == db})
            if code in rules.CARE_LAWS:
                points = sorted(set(points) | {k for k, law in self.labels.point_law.items() if law == code})
            if not points and code == rules.OTHER_LAW:
                continue
            rows.append(Row(code, label, law_cells(db)))
            for pt in points:
                rows.append(Row(f"{code}:{pt}", self.labels.points.get(pt, pt), cells((db, pt)), parent=code,
                                depth=1))
        if self.params.law:
            rows = [r for r in rows if r.key == self.params.law or r.parent == self.params.law]
        tr = sum(v.get("received", 0) for v in r_lp.values())
        tc = sum(v.get("closed", 0) for v in c_lp.values())
        tp = sum(v.get("received", 0) for v in p_lp.values())
        total_cells = {"received": count_cell(tr), "closed": count_cell(tc)}
        if show_prev:
            total_cells["previous"] = count_cell(tp)
            total_cells["change"] = change_cell(tr, tp)
        notes = ["Mottagna räknas på mottagningstidpunkten och avslutade på avslutstidpunkten, så ett ärende kan "
                 "vara mottaget en period och avslutat en annan."]
        if show_prev:
            notes.append(f"Föregående period: {self.params.period.previous().label}.")
        return self._table("lagrum", "Ärenden per lag och lagrum (lag, paragraf, stycke och punkt).",
                           "Lag och lagrum", cols, rows, Row("total", "Totalt", total_cells), notes,
                           Chart("bars", ("received", "closed"), "Mottagna och avslutade per lag"))

    def saknummer(self) -> Table:
        received, closed, previous = self._received_closed()
        r, c, p = (self.summed(x, (2,)) for x in (received, closed, previous))
        cols = [Column("received", "Mottagna", COUNT, "received", additive=True),
                Column("closed", "Avslutade", COUNT, "closed", additive=True),
                Column("previous", "Mottagna föregående period", COUNT, "received", additive=True),
                Column("change", "Förändring (%)", SHARE, "received")]
        rows = []
        for code, label in rules.CASE_CODES.items():
            rv, cv, pv = r.get((code,), {}), c.get((code,), {}), p.get((code,), {})
            if code == "" and not (rv or cv or pv):
                continue
            rows.append(Row(code or "none", label, {
                "received": count_cell(rv.get("received")), "closed": count_cell(cv.get("closed")),
                "previous": count_cell(pv.get("received")),
                "change": change_cell(rv.get("received", 0), pv.get("received", 0))}))
        tr, tc, tp = (sum(v.get(m, 0) for v in x.values()) for x, m in ((r, "received"), (c, "closed"),
                                                                         (p, "received")))
        total = Row("total", "Totalt", {"received": count_cell(tr), "closed": count_cell(tc),
                                        "previous": count_cell(tp), "change": change_cell(tr, tp)})
        return self._table("saknummer", "Ärenden per saknummer i diariet (614, 615, 618).", "Saknummer", cols,
                           rows, total, [f"Föregående period: {self.params.period.previous().label}."],
                           Chart("bars", ("received",), "Mottagna per saknummer"))

    def serie(self) -> Table:
        keys = ("received", "closed") if self.scope.requester else ("received", "closed", "granted", "refused")
        if self._carry:  # the comparison's counts of cases, in the same statements (per anchor) per region
            keys += tuple(k for k in COMPARISON_CASE_COUNTS if k not in keys)
        res = self.summed(self.count(keys, ("bucket",), carry=True), (0,))
        cols = [Column("received", "Mottagna", COUNT, "received", additive=True),
                Column("closed", "Avslutade", COUNT, "closed", additive=True)]
        if not self.scope.requester:
            cols += [Column("granted", "Beviljade", COUNT, "granted", additive=True),
                     Column("refused", "Avslagna", COUNT, "refused", additive=True)]
        rows = []
        for b in self.ctx.buckets:
            v = res.get((b.code,), {})
            rows.append(Row(b.code, b.label, {c.key: count_cell(v.get(c.key)) for c in cols}))
        total = Row("total", "Totalt", {c.key: count_cell(sum(r.cells[c.key].value for r in rows)) for c in cols})
        unit = "månad" if self.params.series == "month" else "år"
        return self._table("serie", f"Ärenden per {unit} under perioden.", rules.SERIES[self.params.series],
                           cols, rows, total, chart=Chart("columns", ("received", "closed"),
                                                          f"Mottagna och avslutade per {unit}"))

    def beslut(self) -> Table:
        dec = rec = self.case_counts((0,))
        cols = [Column("decided", "Beslutade", COUNT, "decided", additive=True),
                Column("granted", "Beviljade", COUNT, "granted", additive=True),
                Column("refused", "Avslagna", COUNT, "refused", additive=True),
                Column("granted_share", "Andel beviljade (%)", SHARE, "granted_share"),
                Column("refused_share", "Andel avslagna (%)", SHARE, "refused_share"),
                Column("received", "Mottagna", COUNT, "received", additive=True),
                Column("completion_requested", "Komplettering begärd", COUNT, "completion_requested", additive=True),
                Column("completion_share", "Andel med komplettering (%)", SHARE, "completion_share")]
        if not self.scope.requester:
            cols += [Column("overruled", "Ändrade beslut", COUNT, "overruled", additive=True),
                     Column("overruled_share", "Andel ändrade beslut (%)", SHARE, "overruled_share")]

        def cells(d: Mapping[str, int], r: Mapping[str, int]) -> dict:
            out = {"decided": count_cell(d.get("decided")), "granted": count_cell(d.get("granted")),
                   "refused": count_cell(d.get("refused")),
                   "granted_share": share_cell(d.get("granted", 0), d.get("decided", 0)),
                   "refused_share": share_cell(d.get("refused", 0), d.get("decided", 0)),
                   "received": count_cell(r.get("received")),
                   "completion_requested": count_cell(r.get("completion_requested")),
                   "completion_share": share_cell(r.get("completion_requested", 0), r.get("received", 0))}
            if not self.scope.requester:
                out["overruled"] = count_cell(d.get("overruled"))
                out["overruled_share"] = share_cell(d.get("overruled", 0), d.get("decided", 0))
            return out

        rows = []
        for code, label in rules.LAWS.items():
            db = rules.law_db_value(code)
            d, r = dec.get((db,), {}), rec.get((db,), {})
            if code == rules.OTHER_LAW and not (any(d.values()) or any(r.values())):
                continue
            rows.append(Row(code, label, cells(d, r)))
        td = tr = self.case_counts()[()]
        return self._table(
            "beslut", "Polisens beslut om bifall eller avslag och begärda kompletteringar, per lag.", "Lag", cols,
            rows, Row("total", "Totalt", cells(td, tr)),
            ["Beslut räknas på tidpunkten för det senaste beslutet; kompletteringar på de ärenden som togs emot "
             "under perioden."],
            Chart("bars", ("granted_share",), "Andel beviljade per lag (%)"))

    def avslag(self) -> Table:
        dec = self.case_counts((3,))
        total_refused = sum(v.get("refused", 0) for v in dec.values())
        cols = [Column("refused", "Avslag", COUNT, "refused", additive=True),
                Column("share", "Andel av avslagen (%)", SHARE, "refused")]
        rows = []
        for code, text in case_rules.FORMAL_CHECKS.items():
            n = dec.get((code,), {}).get("refused", 0)
            rows.append(Row(code, _cap(text), {"refused": count_cell(n), "share": share_cell(n, total_refused)}))
        other = sum(v.get("refused", 0) for k, v in dec.items() if k[0] not in case_rules.FORMAL_CHECKS)
        if other:
            rows.append(Row("other", "Brist inte angiven", {"refused": count_cell(other),
                                                            "share": share_cell(other, total_refused)}))
        return self._table("avslag", "Vilken formell förutsättning som inte var uppfylld när begäran avslogs "
                                     "(polisen prövar inte behovet, JO 2014/15 s. 122).", "Formell brist", cols,
                           rows, Row("total", "Totalt", {"refused": count_cell(total_refused),
                                                         "share": share_cell(total_refused, total_refused)}))

    def ledtider(self) -> Table:
        stages = (("lt_received_decision", "lt_execution", "lt_total") if self.scope.requester else
                  (*STAGES, "patrol"))
        res = self.lead_times()
        cols = [Column("n", "Antal ärenden", COUNT),
                Column("median", "Median (h)", HOURS), Column("p90", "90:e percentilen (h)", HOURS),
                Column("mean", "Medelvärde (h)", HOURS)]
        rows = []
        for key in stages:
            st = res.get((key,))
            n = st.n if st else 0
            rows.append(Row(key, metrics.METRICS[key].name, {
                "n": count_cell(n), "median": hours_cell(st.median if st else None, n),
                "p90": hours_cell(st.p90 if st else None, n), "mean": hours_cell(st.mean if st else None, n)}))
        return self._table("ledtider", "Tid mellan stegen i handläggningen: median och 90:e percentil "
                                       "(linjär interpolation), i timmar.", "Steg", cols, rows,
                           notes=["Varje steg räknas för ärenden där steget avslutades under perioden."],
                           chart=Chart("bars", ("median", "p90"), "Ledtider, median och 90:e percentil (h)"))

    def patrulltid(self) -> Table:
        by_law = self.durations(("patrol",), ("law",))
        total = self.lead_times()
        cols = [Column("n", "Ärenden med patrulltid", COUNT, "patrol", additive=True),
                Column("total", "Patrulltid totalt (h)", HOURS, "patrol"),
                Column("mean", "Medel per ärende (h)", HOURS, "patrol"),
                Column("median", "Median (h)", HOURS, "patrol"), Column("p90", "90:e percentilen (h)", HOURS, "patrol")]

        def cells(st: metrics.Stats | None) -> dict:
            n = st.n if st else 0
            return {"n": count_cell(n), "total": hours_cell(st.total if st else None, n),
                    "mean": hours_cell(st.mean if st else None, n), "median": hours_cell(st.median if st else None, n),
                    "p90": hours_cell(st.p90 if st else None, n)}

        rows = []
        for code, label in rules.LAWS.items():
            st = by_law.get(("patrol", rules.law_db_value(code)))
            if code == rules.OTHER_LAW and st is None:
                continue
            rows.append(Row(code, label, cells(st)))
        return self._table("patrulltid", "Patrullens arbetstid från tilldelning till slutförd handräckning, "
                                         "inklusive återfärden till tjänstestället.", "Lag", cols, rows,
                           Row("total", "Totalt", cells(total.get(("patrol",)))),
                           ["Storm registrerar inte återfärden; här ingår den (tillsynsrapporten, avsnitt 6.2)."],
                           Chart("bars", ("mean",), "Patrulltid per ärende, medel (h)"))

    def utfall(self) -> Table:
        res = self.case_counts((4,))
        total = sum(v.get("with_outcome", 0) for v in res.values())
        cols = [Column("with_outcome", "Ärenden", COUNT, "with_outcome", additive=True),
                Column("share", "Andel (%)", SHARE, "with_outcome"),
                Column("not_found", "Varav ej påträffade först (efterlysta)", COUNT, "not_found", additive=True),
                Column("reported_back", "Återrapporterade", COUNT, "reported_back", additive=True),
                Column("reported_back_late", "Inte återrapporterade inom fristen", COUNT, "reported_back_late",
                       additive=True)]

        def cells(v: Mapping[str, int]) -> dict:
            return {"with_outcome": count_cell(v.get("with_outcome")),
                    "share": share_cell(v.get("with_outcome", 0), total),
                    "not_found": count_cell(v.get("not_found")), "reported_back": count_cell(v.get("reported_back")),
                    "reported_back_late": count_cell(v.get("reported_back_late"))}

        rows = [Row(code, OUTCOME_SHORT[code], cells(res.get((code,), {}))) for code in OUTCOME_ORDER]
        limit = self.ctx.thresholds.get("report_back_hours", rules.THRESHOLDS["report_back_hours"].default)
        return self._table("utfall", "Hur handräckningarna slutade och om den begärande myndigheten underrättades.",
                           "Utfall", cols, rows, Row("total", "Totalt", cells(self.summed(res)[()])),
                           [f"Fristen för återrapportering är {limit} timmar efter utfallet."],
                           Chart("bars", ("with_outcome",), "Utfall"))

    def frihetsberovanden(self) -> Table:
        res = self.count(("episodes",), ("ground", "age"), carry=True)
        grounds = sorted({k[0] for k in res}, key=lambda g: (g not in GROUNDS, g))
        cols = [Column(g.code, g.label, COUNT, "episodes", additive=True) for g in rules.ALL_AGE_GROUPS]
        cols.append(Column("total", "Totalt", COUNT, "episodes", total_of="row", additive=True))

        def cells(values: Mapping[str, int]) -> dict:
            out = {g.code: count_cell(values.get(g.code, 0)) for g in rules.ALL_AGE_GROUPS}
            out["total"] = count_cell(sum(values.values()))
            return out

        rows = []
        for g in grounds:
            values = {k[1]: v["episodes"] for k, v in res.items() if k[0] == g}
            rows.append(Row(g, GROUNDS[g].title if g in GROUNDS else g, cells(values)))
        totals = defaultdict(int)
        for k, v in res.items():
            totals[k[1]] += v["episodes"]
        return self._table("frihetsberovanden", "Frihetsberövanden i handräckningsärenden per grund och ålder vid "
                                                "frihetsberövandet.", "Grund", cols, rows,
                           Row("total", "Totalt", cells(totals)),
                           ["En person som frihetsberövas flera gånger räknas en gång per tillfälle."],
                           Chart("bars", ("total",), "Frihetsberövanden per grund"))

    def _holdings(self):
        # ``children_held`` only for the comparison's total, which sums it from here (``_count_or_sum``)
        return self.count(("holdings", "activity_room", "children_held"), ("age", "ground", "place_type"), carry=True)

    def forvar(self) -> Table:
        counts = self._holdings()
        over_limit = self.ctx.threshold("holding_hours")
        over = {"holding_time": over_limit}
        by_age = self.durations(("holding_time",), ("age",), over, total=True)  # the total in the same statement
        by_ground = self.durations(("holding_time",), ("ground",), over)
        total = self.durations(("holding_time",), (), over)
        cols = [Column("holdings", "Förvar", COUNT, "holdings", additive=True),
                Column("median", "Median (h)", HOURS, "holding_time"),
                Column("p90", "90:e percentilen (h)", HOURS, "holding_time"),
                Column("over", f"Längre än {int(over_limit.total_seconds() // 3600)} h", COUNT, "holding_time",
                       additive=True)]

        def cells(n: int, st: metrics.Stats | None) -> dict:
            m = st.n if st else 0
            return {"holdings": count_cell(n), "median": hours_cell(st.median if st else None, m),
                    "p90": hours_cell(st.p90 if st else None, m), "over": count_cell(st.over if st else 0)}

        by_age_n = self.summed(counts, (0,))
        by_ground_n = self.summed(counts, (1,))
        rows = [Row(f"age:{g.code}", g.label, cells(by_age_n.get((g.code,), {}).get("holdings", 0),
                                                    by_age.get(("holding_time", g.code))), group="age")
                for g in rules.ALL_AGE_GROUPS]
        grounds = sorted({k[0] for k in by_ground_n if by_ground_n[k].get("holdings")})
        rows += [Row(f"ground:{g}", GROUNDS[g].title if g in GROUNDS else g,
                     cells(by_ground_n[(g,)].get("holdings", 0), by_ground.get(("holding_time", g))), group="ground")
                 for g in grounds]
        n_total = sum(v.get("holdings", 0) for v in counts.values())
        return self._table("forvar", "Förvar (arrest, häkte eller annan inlåsning) som påbörjades under perioden, "
                                     "per åldersgrupp och per grund; tiden för avslutade förvar.",
                           "Åldersgrupp eller grund", cols, rows, Row("total", "Totalt", cells(n_total,
                                                                                               total.get(("holding_time",)))),
                           ["Raderna per åldersgrupp och per grund summerar var för sig till totalen.",
                            "Aktivitetsrum räknas inte som förvar."],
                           Chart("bars", ("median", "p90"), "Tid i förvar per åldersgrupp och grund (h)"))

    def barn(self) -> Table:
        counts = self._holdings()
        places = [p for p in PLACE_TYPES if p != "activity_room"]
        cols = [Column(p, _cap(PLACE_TYPES[p]), COUNT, "holdings", additive=True) for p in places]
        cols += [Column("total", "Förvar totalt", COUNT, "children_held", total_of="row", additive=True),
                 Column("activity_room", "Aktivitetsrum (inte förvar)", COUNT, "activity_room")]
        rows = []
        for code in rules.CHILD_AGE_GROUPS:
            by_place = defaultdict(int)
            room = 0
            for k, v in counts.items():
                if k[0] == code:
                    by_place[k[2]] += v.get("holdings", 0)
                    room += v.get("activity_room", 0)
            cells = {p: count_cell(by_place.get(p, 0)) for p in places}
            cells["total"] = count_cell(sum(by_place[p] for p in places))
            cells["activity_room"] = count_cell(room)
            rows.append(Row(code, AGE_LABELS[code], cells))
        return self._table("barn", "Barn (under 18 år) i förvar per typ av plats, och barn som fått vänta i "
                                   "aktivitetsrum under uppsikt. Barn under 15 år får aldrig tas i förvar (17 § PL).",
                           "Ålder", cols, rows, notes=["Ett förvar av ett barn under 15 år är alltid en avvikelse."])

    def _transports(self):
        # ``transports_nte`` only for the comparison's total, which sums it from here (``_count_or_sum``), and
        # ``handovers`` for the transport table's total, summed from here too instead of a scan of its own
        return self.count(("transports", "nte_declined", "relay", "transports_nte", "handovers"),
                          ("executor", "state", "decline_reason"), carry=True)

    def transporter(self) -> Table:
        res = self._transports()
        handovers = self.summed(self.count(("handovers",)))[()].get("handovers", 0)
        cols = [Column("transports", "Beställda", COUNT, "transports", additive=True),
                Column("completed", "Genomförda", COUNT, "transports", additive=True),
                Column("declined", "Avböjda", COUNT, "nte_declined", additive=True),
                Column("cancelled", "Avbeställda", COUNT, "transports", additive=True),
                Column("relay", "Stafettransporter", COUNT, "relay", additive=True),
                Column("handovers", "Överlämningar mellan patruller", COUNT, "handovers", additive=True),
                Column("share", "Andel av transporterna (%)", SHARE, "nte_share")]
        all_n = sum(v.get("transports", 0) for v in res.values())

        def cells(executor: str | None) -> dict:
            sel = {k: v for k, v in res.items() if executor is None or k[0] == executor}
            n = sum(v.get("transports", 0) for v in sel.values())
            return {
                "transports": count_cell(n),
                "completed": count_cell(sum(v.get("transports", 0) for k, v in sel.items() if k[1] == "completed")),
                "declined": count_cell(sum(v.get("transports", 0) for k, v in sel.items() if k[1] == "declined")),
                "cancelled": count_cell(sum(v.get("transports", 0) for k, v in sel.items() if k[1] == "cancelled")),
                "relay": count_cell(sum(v.get("relay", 0) for v in sel.values())),
                "handovers": count_cell(handovers if executor in (None, "police") else 0),
                "share": share_cell(n, all_n),
            }

        rows = [Row(code, label, cells(code)) for code, label in EXECUTORS.items()]
        return self._table("transporter", "Transportuppdrag beställda under perioden: hos Kriminalvårdens "
                                          "nationella transportenhet (NTE, 29 a § PL) eller utförda av polisen.",
                           "Transportör", cols, rows, Row("total", "Totalt", cells(None)),
                           ["En beställning som NTE avböjer följs oftast av en polistransport; båda räknas.",
                            "Stafettransport: minst två sträckor varav minst en mellan två polisregioner."],
                           Chart("bars", ("transports",), "Transportuppdrag per transportör"))

    def nte(self) -> Table:
        res = self._transports()
        declined = defaultdict(int)
        for k, v in res.items():
            if k[0] == "kriminalvarden":
                declined[k[2]] += v.get("nte_declined", 0)
        total = sum(declined.values())
        cols = [Column("declined", "Avböjda", COUNT, "nte_declined", additive=True),
                Column("share", "Andel av avböjandena (%)", SHARE, "nte_declined")]
        rows = [Row(code, _cap(label), {"declined": count_cell(declined.get(code, 0)),
                                        "share": share_cell(declined.get(code, 0), total)})
                for code, label in NTE_DECLINE_REASONS.items()]
        return self._table("nte", "Skälen när Kriminalvårdens NTE avböjde en beställd transport.", "Skäl", cols, rows,
                           Row("total", "Totalt", {"declined": count_cell(total), "share": share_cell(total, total)}),
                           chart=Chart("bars", ("declined",), "NTE:s avböjanden per skäl"))

    def avvikelser(self) -> Table:
        if any(k in self._building for k in CASE_COUNT_TABLES):
            rec = self.case_counts()[()]  # the shared scan's total: those tables ask it anyway
        else:  # alone (the deviations' tab, its API table): the nine totals, not the scan by five dimensions
            rec = self.summed(self.count(DEVIATION_CASE_COUNTS))[()]
        dec = out = rec
        holdings = self._holdings()
        n_holdings = sum(v.get("holdings", 0) for v in holdings.values())
        children = sum(v.get("holdings", 0) for k, v in holdings.items() if k[0] in rules.CHILD_AGE_GROUPS)
        under_15 = sum(v.get("holdings", 0) for k, v in holdings.items() if k[0] == "under_15")
        over_limit = self.ctx.threshold("holding_hours")
        long = self.durations(("holding_time",), (), {"holding_time": over_limit}).get(("holding_time",))
        cols = [Column("count", "Antal", COUNT), Column("base", "Av", COUNT), Column("share", "Andel (%)", SHARE)]

        def row(key: str, label: str, n: int, base: int) -> Row:
            return Row(key, label, {"count": count_cell(n), "base": count_cell(base), "share": share_cell(n, base)})

        hours = int(over_limit.total_seconds() // 3600)
        rows = [
            row("late_ack", "Mottagna ärenden kvitterade efter fristen eller eskalerade", rec.get("late_ack", 0),
                rec.get("received", 0)),
            row("escalated", "Mottagna ärenden som eskalerats", rec.get("escalated", 0), rec.get("received", 0)),
            row("overruled", "Beslut som ändrats av ett annat befäl", dec.get("overruled", 0), dec.get("decided", 0)),
            row("late_assignment", "Beviljade ärenden där resurs tilldelades för sent", dec.get("late_assignment", 0),
                dec.get("granted", 0)),
            row("holding_over", f"Förvar längre än {hours} timmar", long.over if long else 0, n_holdings),
            row("children_held", "Förvar av barn under 18 år", children, n_holdings),
            row("children_under_15", "Förvar av barn under 15 år (förbjudet, 17 § PL)", under_15, n_holdings),
            row("reported_back_late", "Utfall som inte återrapporterats inom fristen", out.get("reported_back_late", 0),
                out.get("with_outcome", 0)),
        ]
        return self._table("avvikelser", "Avvikelser som inträffade under perioden, med de trösklar som gäller "
                                         "(se Avvikelser för det som behöver åtgärdas nu).", "Avvikelse", cols, rows)

    # ------------------------------------------------------------------ entry points

    BUILDERS = ("jamforelse", "lagrum", "saknummer", "serie", "beslut", "avslag", "ledtider", "patrulltid", "utfall",
                "frihetsberovanden", "forvar", "barn", "transporter", "nte", "avvikelser")

    def available(self) -> tuple[str, ...]:
        return REQUESTER_TABLES if self.scope.requester else self.BUILDERS

    def table(self, key: str) -> Table:
        if key not in self.available():
            raise ParamError("table", f"Okänd tabell '{key[:40]}'. Välj en av: {', '.join(self.available())}.")
        outer = self._building
        self._building = outer or (key,)
        try:
            with self.ahead((key,)), duck.serving((key,)):
                return metrics.cached_result(self.ctx, ("table", key, *self._table_key()),
                                             lambda: getattr(self, key)())
        finally:
            self._building = outer

    def _table_key(self) -> tuple:
        """What a finished table depends on besides the context's period, filters, series, thresholds and data
        (which ``metrics.cached_result`` adds): who sees it, the level and the names in it. The names of units
        and organisations are read from the database, so a table is kept for the minute of the report only."""
        s = self.scope
        return (s.label, s.suppress, s.requester, s.levels, self.params, tuple(self.filter_labels), self.ctx.moment)

    def tables(self, keys: Iterable[str] | None = None, then: Callable[[Table], Any] | None = None) -> list[Table]:
        """The tables of ``keys`` in that order; ``then`` is called with each as soon as it is built (a page
        writes a table's markup while the replica still answers the next tables' questions)."""
        keys = tuple(keys or self.available())
        # The comparison is built last: its national totals are sums of what the other tables of the page have
        # counted (``_count_or_sum``) and its lead times theirs (``durations`` is memoised per metric).
        built = {}
        self._building = keys
        with self.ahead(keys), duck.serving(keys):
            if "jamforelse" in keys:
                self.populations()  # read from the database while the replica answers the first questions
                if len(keys) > 1:
                    self.carry_level()
                if self.level != rules.NATION:
                    # The comparison's lead times per group, with their totals in the same statement: the totals
                    # are also the lead-time and patrol tables' figures, which then are not asked again.
                    self.durations(COMPARISON_LEAD_TIMES, (self.level,), total=True)
            for k in sorted(keys, key=lambda k: k == "jamforelse"):
                built[k] = self.table(k)
                if then is not None:
                    then(built[k])
        self._building = ()
        return [built[k] for k in keys]

    def ahead(self, keys: tuple[str, ...]):
        """Around the build of these tables: the replica's questions of their last build in this process run
        ahead on both cores (``duck.ahead``; the same figures, sooner), from the start of the block when the
        replica has been brought up to date for this report."""
        return duck.ahead(metrics.plan_key(self.ctx, ("tables", keys, *self._table_key()[:-1])), self.ctx.moment,
                          now=self.ctx.synced, needed=self._needed)

    def _needed(self, tag: tuple) -> bool:
        """Whether a statement that served the tables of ``tag`` is needed: not when each of them is kept built
        (``metrics.cached_result``) for the replica's data as it is now."""
        table_key = self._table_key()
        return not all(metrics.is_cached(self.ctx, ("table", k, *table_key)) for k in tag)

    def populations(self) -> tuple[dict[str, int], dict[str, int]]:
        """Inhabitants per group of the report's level, and in total (for a region or police area: the nation
        within the filters), read once per report."""
        if ("p",) not in self._memo:
            lv = self.level
            pop = metrics.population(lv, self.ctx.case_filter)
            total = metrics.population(rules.NATION, self.ctx.case_filter) if lv in (
                rules.REGION, rules.POLICE_AREA) else pop
            self._memo[("p",)] = (pop, total)
        return self._memo[("p",)]


def view_tables(view: str, *, requester: bool) -> tuple[str, tuple[str, ...]]:
    if requester:
        return "Vår uppföljning", REQUESTER_TABLES
    if view == ALL_VIEW:
        return "Allt", Report.BUILDERS
    if view not in VIEWS:
        raise ParamError("vy", f"Okänd vy '{view[:40]}'. Välj en av: {', '.join([*VIEWS, ALL_VIEW])}.")
    return VIEWS[view]

