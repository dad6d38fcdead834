"""Every read of the follow-up goes through here, with the actor.

- Analysts, process owners and administrators: the whole country, aggregates only; cells resting on 1–4
  cases are suppressed (they have no case access).
- Police: a regional command centre (RLC) follows up its police region, any other unit its own cases;
  they have access to those cases, so nothing is suppressed, and the deviation list names the cases.
- Requesting organisations (people and API keys): their own requests' volumes, decisions, lead times and
  outcomes, suppressed like any aggregate shown to someone without case access.
- Kriminalvården: nothing here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, F, Func, Q
from django.urls import reverse
from django.utils import timezone

from bitrade.assistance import rules as case_rules
from bitrade.audit import services as audit
from bitrade.common import actor as a
from bitrade.common import labels
from bitrade.common.actor import Actor

from . import duck, facts, metrics, rules
from .reports import Report, Scope, view_tables
from .rules import COUNT, Params, parse_params
from .tables import Column, Row, Table, count_cell

ALL_LEVELS = tuple(rules.LEVELS)


def scope_for(actor: Actor | None) -> Scope:
    if actor is None:
        raise PermissionDenied("Logga in för att se uppföljningen.")
    if actor.kind in (a.ANALYST, a.PROCESS_OWNER, a.ADMINISTRATOR):
        return Scope("Hela landet", {}, suppress=True, levels=ALL_LEVELS)
    if actor.is_police and actor.unit_id:
        from bitrade.organisation.models import PoliceRegion, Unit, UnitKind

        if actor.unit_kind == UnitKind.RLC:
            region = PoliceRegion.objects.get(pk=actor.region_id)
            return Scope(region.name, {"region_id": region.pk}, suppress=False, levels=ALL_LEVELS, case_access=True,
                         region_id=region.pk)
        unit = Unit.objects.get(pk=actor.unit_id)
        return Scope(unit.name, {"unit_id": unit.pk}, suppress=False, levels=(rules.NATION, rules.ORGANISATION),
                     case_access=True, region_id=unit.region_id, unit_id=unit.pk)
    if actor.is_requester and actor.organisation_id:
        from bitrade.organisation.models import RequestingOrganisation

        org = RequestingOrganisation.objects.get(pk=actor.organisation_id)
        return Scope(org.name, {"organisation_id": org.pk}, suppress=True, levels=(rules.NATION, rules.ORGANISATION),
                     requester=True, organisation_id=org.pk)
    raise PermissionDenied("Uppföljningen är inte tillgänglig i din roll.")


def stored_thresholds() -> dict[str, int]:
    """The thresholds set by the administrator: read once per version of the configuration (a change of one bumps
    it: ``apps.FollowupConfig.ready``) and kept per process, or on every call without a version."""
    from bitrade.organisation import actor

    from .models import ThresholdSetting

    version = actor.membership_version() if actor.membership_version is not None else None
    kept = _THRESHOLDS.get(version) if version is not None else None
    if kept is None:
        kept = dict(ThresholdSetting.objects.values_list("key", "value"))
        if version is not None:
            _THRESHOLDS.clear()  # only the current version is kept
            _THRESHOLDS[version] = kept
    return dict(kept)


_THRESHOLDS: dict[str, dict[str, int]] = {}


def thresholds(data: Mapping) -> dict[str, int]:
    return rules.parse_thresholds(data, stored_thresholds())


def report(actor: Actor, data: Mapping, *, now: datetime | None = None, refresh: bool = True) -> Report:
    """A report for the actor from query parameters (validated; ``ParamError`` on bad input)."""
    scope = scope_for(actor)
    now = now or timezone.now()
    params = parse_params(data, today=timezone.localdate(now))
    if scope.requester and params.level not in scope.levels:
        raise PermissionDenied("Begärande myndigheter ser bara sin egen organisation.")
    limits = thresholds(data)
    done = facts.refresh(max_age=facts.max_age(), now=now) if refresh else None
    synced = False
    if duck.engine() == duck.DUCKDB:
        # Once per report: the replica copies the fact rows changed since it last looked (compared with the
        # state the refresh has just read, when it found the facts recent enough).
        duck.ensure(done.state if done is not None else None)
        synced = True
    return Report(scope, params, now=now, thresholds=limits, synced=synced)


def dashboard(actor: Actor, data: Mapping, *, view: str = "oversikt", now: datetime | None = None,
              refresh: bool = True) -> tuple[Report, str, list[Table]]:
    rep = report(actor, data, now=now, refresh=refresh)
    title, keys = view_tables(view, requester=rep.scope.requester)
    return rep, title, rep.tables(keys)


def definitions() -> list[dict]:
    return [m.as_dict() for m in metrics.METRICS.values()]


def last_refreshed() -> datetime | None:
    """When the facts the figures rest on were refreshed from the cases (on DuckDB: those the replica holds)."""
    if duck.engine() == duck.DUCKDB:
        synced = duck.replica().synced
        if synced is not None:
            return synced.refreshed_at
    return facts.last_refreshed()


# --------------------------------------------------------------------------- choices for the form


def first_received_day() -> int | None:
    """The day (``rules.EPOCH`` + days) the first case in the facts was received; None without facts."""
    from .models import CaseFact

    return CaseFact.objects.order_by("received_day").values_list("received_day", flat=True).first()


def choices(scope: Scope, first: int | None = None) -> dict:
    """The filter form's choices for ``scope``; ``first``: ``first_received_day()`` if the caller has read it."""
    from bitrade.legal.catalogue import default_catalogue

    from . import geography

    geo = geography.current()
    regions = [(c, n) for i, c, n in geo.regions if scope.region_id is None or i == scope.region_id]
    areas = [(c, f"{n} ({rn})") for _i, c, n, r, rn in geo.areas if scope.region_id is None or r == scope.region_id]
    if first is None:
        first = first_received_day()
    this_year = timezone.localdate().year
    first_year = (rules.EPOCH + timedelta(days=first)).year if first is not None else this_year
    return {
        "levels": [(k, v) for k, v in rules.LEVELS.items() if k in scope.levels],
        "regions": [] if scope.unit_id or scope.requester else regions,
        "police_areas": [] if scope.unit_id or scope.requester else areas,
        "laws": list(rules.LAWS.items()),
        "points": [(e.key, e.citation) for e in default_catalogue()],
        "case_codes": [(k, v) for k, v in rules.CASE_CODES.items() if k],
        "years": list(range(this_year, max(first_year, this_year - 15) - 1, -1)),
        "year_codes": [str(y) for y in range(this_year, max(first_year, this_year - 15) - 1, -1)],
        "series": list(rules.SERIES.items()),
    }


# --------------------------------------------------------------------------- deviations now

#: Fact-row filter names → the same filter on the live case (the deviation list reads live rows).
LIVE_FILTER = {
    "region_id": "region_id", "unit_id": "unit_id", "organisation_id": "assistance_request__organisation_id",
    "police_area_id": "assistance_request__location_municipality__police_area_id",
    "law": "assistance_request__law", "point": "assistance_request__legal_basis_key", "case_code": "case_code",
}
OPEN = sorted(case_rules.OPEN_STATES)
LIST_LIMIT = 100
#: The scope columns of the case row itself (``deviations`` filters the open cases on them as it reads them).
_CASE_COLUMNS = ("region_id", "unit_id")


@dataclass
class DeviationKind:
    key: str
    label: str
    threshold: str  # the threshold in words
    since_label: str
    items: list[dict] = field(default_factory=list)
    count: int = 0


@dataclass
class Deviations:
    now: datetime
    scope: Scope
    kinds: list[DeviationKind]
    summary: Table
    thresholds: dict[str, int]
    lists: bool


def _fmt(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min"


class _IdIn(Func):
    """``<column> IN (<ids>)`` with the ids as one parameter (a JSON array read by ``json_each`` on SQLite, an array
    on PostgreSQL). The deviation list sends the ids of all open cases with each deviation's count and list
    (a dozen statements); as hundreds of separate parameters they cost more to compile than the query takes."""

    output_field = BooleanField()

    def __init__(self, expression, ids):
        super().__init__(expression)
        self.ids = [int(i) for i in ids]

    def as_sqlite(self, compiler, connection, **extra):
        lhs, params = compiler.compile(self.source_expressions[0])
        return f"{lhs} IN (SELECT value FROM json_each(%s))", [*params, json.dumps(self.ids)]

    def as_postgresql(self, compiler, connection, **extra):
        lhs, params = compiler.compile(self.source_expressions[0])
        return f"{lhs} = ANY(%s::bigint[])", [*params, self.ids]

    def as_sql(self, compiler, connection, **extra):
        lhs, params = compiler.compile(self.source_expressions[0])
        if not self.ids:
            return "1 = 0", list(params)
        return f"{lhs} IN ({', '.join(['%s'] * len(self.ids))})", [*params, *self.ids]


def deviations(actor: Actor, data: Mapping, *, now: datetime | None = None) -> Deviations:
    """What needs attention now: overdue acknowledgements and decisions, holdings over the threshold,
    children held, granted cases without a resource, cases open too long, outcomes not reported back."""
    from bitrade.cases.models import Case
    from bitrade.custody.models import Holding

    scope = scope_for(actor)
    if scope.requester:
        raise PermissionDenied("Avvikelselistan är polisens och analytikernas.")
    now = now or timezone.now()
    params: Params = parse_params(data, today=timezone.localdate(now))
    limits = thresholds(data)
    rep = Report(scope, params, now=now, thresholds=limits)  # validates level and filters against the scope
    live = Q(kind="assistance") & Q(**{LIVE_FILTER[k]: v for k, v in rep.ctx.case_filter.items()})

    # Open cases and open holdings are few; find them first by themselves (the kind and state index, a small
    # scan), so the planner does not walk a whole region's history to find them. Only handräckning's: other
    # kinds share state names and stay open for years (on PostgreSQL the planner knows it from the kind and
    # state statistics, ``cases`` migration 0009). The scope's columns on the case row are applied to the rows
    # read (in the statement, PostgreSQL combined a region's whole index with it); a scope through another
    # table is applied by ``live`` below.
    direct = {LIVE_FILTER[k]: str(v) for k, v in rep.ctx.case_filter.items() if LIVE_FILTER[k] in _CASE_COLUMNS}
    open_ids = [row["pk"] for row in Case.objects.filter(kind="assistance", state__in=OPEN)
                .values("pk", *_CASE_COLUMNS) if all(str(row[col]) == v for col, v in direct.items())]
    cases = Case.objects.filter(live, _IdIn(F("pk"), open_ids))
    specs = _case_specs(limits, now)
    open_holdings = list(Holding.objects.filter(ended_at__isnull=True).exclude(place_type="activity_room")
                         .values_list("pk", flat=True))
    holdings = Holding.objects.filter(
        Q(episode__case__kind="assistance"),
        Q(**{f"episode__case__{LIVE_FILTER[k]}": v for k, v in rep.ctx.case_filter.items()}),
        _IdIn(F("pk"), open_holdings))
    hold_specs = _holding_specs(limits, now)
    level = params.level
    group_path = {rules.NATION: None, rules.REGION: "region_id", rules.POLICE_AREA: LIVE_FILTER["police_area_id"],
                  rules.UNIT: "unit_id", rules.ORGANISATION: LIVE_FILTER["organisation_id"]}[level]
    kinds: list[DeviationKind] = []
    counts: dict[str, dict[str, int]] = {}
    listed_ids: list[int] = []
    # Every deviation's count per group in one statement for the cases and one for the holdings.
    counts.update(_grouped_counts(cases, {spec[0]: spec[4] for spec in specs}, group_path))
    counts.update(_grouped_counts(holdings, {spec[0]: spec[4] for spec in hold_specs},
                                  f"episode__case__{group_path}" if group_path else None))
    for key, label, threshold, since_label, cond, since_field in specs:
        kind = DeviationKind(key, label, threshold, since_label)
        kind.count = sum(counts[key].values())
        if scope.case_access:
            listed_ids.extend(_list_cases(kind, cases.filter(cond), since_field, now))
        kinds.append(kind)
    for key, label, threshold, since_label, cond in hold_specs:
        kind = DeviationKind(key, label, threshold, since_label)
        kind.count = sum(counts[key].values())
        if scope.case_access:
            listed_ids.extend(_list_holdings(kind, holdings.filter(cond), now))
        kinds.append(kind)
    if listed_ids:
        audit.record_read(actor, "cases.case", sorted(set(listed_ids)), purpose="uppföljning: avvikelser")
    summary = _deviation_summary(rep, kinds, counts, level, now)
    if scope.suppress:
        summary.suppress()
    return Deviations(now, scope, kinds, summary, limits, scope.case_access)


def _limit(limits: Mapping, key: str) -> timedelta:
    return rules.THRESHOLDS[key].delta(limits[key])


def _case_specs(limits: Mapping, now: datetime) -> list[tuple]:
    """(key, label, threshold, since label, the condition an open case past it meets, the field the age is
    counted from)."""
    decision_limit, open_limit = _limit(limits, "decision_hours"), _limit(limits, "open_days")
    report_limit, grace = _limit(limits, "report_back_hours"), _limit(limits, "unassigned_grace_minutes")
    return [
        ("ack_overdue", "Inte kvitterade i tid", "kvitteringsfristen enligt prioritet (styrningens trösklar)",
         "Kvitteras senast", Q(state=case_rules.RECEIVED, acknowledged_at__isnull=True, ack_due_at__lt=now),
         "ack_due_at"),
        ("decision_overdue", "Beslut dröjer", f"{limits['decision_hours']} timmar från mottagandet", "Mottagen",
         Q(state__in=(case_rules.RECEIVED, case_rules.ACKNOWLEDGED), decision="",
           received_at__lt=now - decision_limit), "received_at"),
        ("unassigned", "Beviljade utan tilldelad resurs", "tilldelningsfristen enligt prioritet"
         + (f" plus {limits['unassigned_grace_minutes']} minuter" if limits["unassigned_grace_minutes"] else ""),
         "Tilldelas senast", Q(state=case_rules.GRANTED, assigned_at__isnull=True) & (
             Q(assign_due_at__lt=now - grace) | Q(assign_due_at__isnull=True,
                                                   decided_at__lt=now - timedelta(hours=24) - grace)),
         "assign_due_at"),
        ("open_too_long", "Öppna för länge", f"{limits['open_days']} dagar från mottagandet", "Mottagen",
         Q(received_at__lt=now - open_limit), "received_at"),
        ("not_reported_back", "Inte återrapporterade", f"{limits['report_back_hours']} timmar efter utfall eller avslag",
         "Utfall eller beslut", Q(requester_informed_at__isnull=True) & (
             Q(outcome__gt="", outcome_at__lt=now - report_limit)
             | Q(state=case_rules.REFUSED, decided_at__lt=now - report_limit)), "outcome_or_decided"),
    ]


def _holding_specs(limits: Mapping, now: datetime) -> list[tuple]:
    """(key, label, threshold, since label, the condition an open holding past it meets)."""
    return [
        ("holding_over", "Förvar över tröskeln", f"{limits['holding_hours']} timmar i förvar", "Förvar sedan",
         Q(started_at__lt=now - _limit(limits, "holding_hours"))),
        ("children_held", "Barn i förvar", "varje pågående förvar av någon under 18 år", "Förvar sedan",
         Q(episode__person_age__lt=18)),
    ]


def _grouped_counts(qs, conditions: Mapping[str, Q], path: str | None) -> dict[str, dict[str, int]]:
    """Per condition, the counts per group of the chosen level (one count for the nation) of the rows that
    meet it, all in one statement; a group appears only where its count is above zero."""
    from django.db.models import Count

    aggregates = {f"n_{i}": Count("pk", filter=cond) for i, cond in enumerate(conditions.values())}
    out: dict[str, dict[str, int]] = {key: {} for key in conditions}
    if path is None:
        row = qs.aggregate(**aggregates)
        return {key: {"": row[f"n_{i}"]} for i, key in enumerate(conditions)}
    for group, *ns in qs.values_list(path).annotate(**aggregates).order_by():
        for key, n in zip(conditions, ns, strict=True):
            if n:
                out[key][str(group)] = n
    return out


def _case_url():
    """The case page's address of a public id: ``reverse`` once, the id put in its place (a list of deviations
    has up to a hundred cases per kind)."""
    import uuid

    blank = uuid.UUID(int=0)
    head, tail = reverse("cases:detail", args=[blank]).split(str(blank))
    return lambda public_id: f"{head}{public_id}{tail}"


def _list_cases(kind: DeviationKind, qs, since_field: str, now: datetime) -> list[int]:
    """The oldest cases of a deviation, listed for those who may open cases; returns their ids. Read as values
    (a model instance per listed case cost more than the rest of the list)."""
    from bitrade.cases import kinds as case_kinds

    listed = []
    url = _case_url()
    columns = ("pk", "kind", "public_id", "reference_number", "state", "unit__name", "received_at", "ack_due_at",
               "assign_due_at", "outcome_at", "decided_at")
    at = {name: i for i, name in enumerate(columns)}
    for row in qs.order_by("received_at").values_list(*columns)[:LIST_LIMIT]:
        if since_field == "outcome_or_decided":
            since = row[at["outcome_at"]] or row[at["decided_at"]]
        else:
            since = row[at[since_field]]
        kind.items.append({"reference_number": row[at["reference_number"]], "url": url(row[at["public_id"]]),
                           "unit": row[at["unit__name"]],
                           "state": case_kinds.get(row[at["kind"]]).state_label(row[at["state"]]), "since": since,
                           "age": _fmt(now - since) if since else ""})
        listed.append(row[0])
    return listed


def _list_holdings(kind: DeviationKind, qs, now: datetime) -> list[int]:
    """The oldest holdings of a deviation, with their cases; returns the case ids."""
    listed = []
    url = _case_url()
    for h in (qs.select_related("episode__case__unit")
              .only("pk", "started_at", "place_type", "episode__case__public_id",
                    "episode__case__reference_number", "episode__case__unit__name")
              .annotate(age=F("episode__person_age")).order_by("started_at")[:LIST_LIMIT]):
        c = h.episode.case
        kind.items.append({"reference_number": c.reference_number,
                           "url": url(c.public_id), "unit": c.unit.name,
                           "state": f"{labels.label('place_type', h.place_type)}, "
                                    f"{h.age if h.age is not None else '?'} år",
                           "since": h.started_at, "age": _fmt(now - h.started_at)})
        listed.append(c.pk)
    return listed


def _deviation_summary(rep: Report, kinds: list[DeviationKind], counts: dict[str, dict[str, int]], level: str,
                       now: datetime) -> Table:
    """One row per group of the level, one column per deviation."""
    seen = set()
    for v in counts.values():
        seen |= set(v)
    cols = [Column(k.key, k.label, COUNT, additive=True) for k in kinds]
    rows = [Row(gk or "nation", label, {k.key: count_cell(counts[k.key].get(gk, 0)) for k in kinds})
            for gk, label in rep.group_labels(seen)]
    total = Row("total", "Totalt", {k.key: count_cell(k.count) for k in kinds}) if level != rules.NATION else None
    return Table("avvikelser_nu", "Avvikelser just nu",
                 f"Öppna avvikelser {timezone.localtime(now):%Y-%m-%d %H:%M}, per {rules.LEVELS[level].lower()}.",
                 rules.LEVELS[level], cols, rows, total,
                 notes=[f"{k.label}: {k.threshold}." for k in kinds])


COMPARISON_METRICS = ("received", "granted", "decided", "overrides", "force_used", "police_not_needed")


def kind_comparison(actor: Actor, period_text: str, *, now: datetime | None = None) -> dict:
    """A requesting organisation's own figures beside the national figures for every organisation of its kind
    (aggregates only; a cell under ``rules.MIN_CELL`` cases is suppressed)."""
    from bitrade.organisation.models import RequestingOrganisation

    from . import metrics

    scope = scope_for(actor)
    if not scope.requester:
        raise PermissionDenied("Jämförelsen är för begärande myndigheter.")
    org = RequestingOrganisation.objects.get(pk=scope.organisation_id)
    period = rules.parse_period(period_text)
    facts.refresh(max_age=facts.max_age(), now=now or timezone.now())
    same_kind = list(RequestingOrganisation.objects.filter(kind=org.kind).values_list("pk", flat=True))

    def figures(case_filter: dict) -> dict:
        ctx = metrics.Context(period, case_filter, "month", now, {})
        counts = metrics.count(ctx, COMPARISON_METRICS).get((), {})
        lead = metrics.durations(ctx, ["lt_received_execution"]).get(("lt_received_execution",))
        out = {k: (v if v >= rules.MIN_CELL else None) for k, v in counts.items()}
        out["median_hours_to_execution"] = round(lead.median / 60, 1) if lead and lead.n >= rules.MIN_CELL and \
            lead.median is not None else None
        return out

    audit.record(actor, "followup.kind_comparison", reason=period_text)
    return {"organisation": org.name, "kind": org.get_kind_display(), "period": period_text,
            "own": figures({"organisation_id": org.pk}),
            "national_same_kind": figures({"organisation_id__in": same_kind}),
            "organisations_of_kind": len(same_kind)}
# --------------------------------------------------------------------------- the process owner's steering


def _targets() -> tuple[rules.Target, ...]:
    from django.conf import settings

    configured = getattr(settings, "BITRADE_FOLLOWUP_TARGETS", None)
    if not configured:
        return rules.DEFAULT_TARGETS
    return tuple(rules.Target(**t) for t in configured)


def steering(actor: Actor, data: Mapping, *, now: datetime | None = None) -> dict:
    """What a process owner steers by, for the chosen period: the key figures against the previous
    period (trend) and against targets, and today's deviations per police unit."""
    if actor.kind != a.PROCESS_OWNER:
        raise PermissionDenied("Styrningsvyn är processägarens.")
    now = now or timezone.now()
    rep = report(actor, data, now=now)
    previous_period = rep.params.period.previous()
    before = report(actor, {**rep.params.query(), "period": previous_period.code}, now=now, refresh=False)
    current_t, before_t = rep.table("jamforelse"), before.table("jamforelse")

    def total(table, key):
        row = table.total or (table.rows[0] if table.rows else None)
        cell = row.cells.get(key) if row else None
        return None if cell is None or cell.suppressed else cell.value

    keys = ("received", "closed", "granted_share", "lt_received_decision", "patrol", "episodes", "children_held")
    trends = []
    for key in keys:
        if not any(c.key == key for c in current_t.columns):
            continue
        col = current_t.column(key)
        now_v, before_v = total(current_t, key), total(before_t, key)
        trends.append({"label": col.label, "now": rules.format_value(now_v, col.kind),
                       "before": rules.format_value(before_v, col.kind), "trend": rules.trend(now_v, before_v)})
    targets = []
    for t in _targets():
        value = total(current_t, t.key)
        kind = current_t.column(t.key).kind if any(c.key == t.key for c in current_t.columns) else rules.COUNT
        targets.append({"label": t.label, "target": t.text, "value": rules.format_value(value, kind),
                        "met": t.met(value)})
    per_unit = deviations(actor, {**{k: v for k, v in data.items() if k in rules.KNOWN_PARAMS}, "level": rules.UNIT},
                          now=now)
    return {"period": rep.params.period, "previous": previous_period, "trends": trends, "targets": targets,
            "per_unit": per_unit.summary}
