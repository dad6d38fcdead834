"""Every follow-up metric in one place: a name, a definition in Swedish words and the query.

A metric counts (or sums, or measures the duration of) rows of one *source* — police cases, custody
episodes, holdings (förvar) or transport orders — that fall in the period by one
*anchor* timestamp, within the actor's scope and the user's filters, grouped by *dimensions*: the
level (nation, police region, police area, police unit, requesting organisation), the month or year
of the anchor, law, legal basis (lag och punkt), case code, and what belongs to the source (decision,
outcome, age group, ground, transport executor ...).

The screen, the exports and the API call the same ``count`` and ``durations`` functions through
``reports``; there is no second definition anywhere.

The rows come from the follow-up's fact tables (``models.CaseFact``, ``models.ActivityFact``), where each
anchor is a Stockholm day and month number and each lead time whole seconds, computed once by ``facts``.

Portability: plain ORM aggregates for counts, integer comparisons for periods, integer grouping for
months and years. Medians and 90th percentiles interpolate linearly between the closest ranks: on
PostgreSQL with ``percentile_cont``, on SQLite by ranking the integers in Python with the same rank
arithmetic (``rules.rank_positions``); a third, window-function way runs on both and checks the other two
in the tests. All three give the same figures.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from operator import itemgetter
from types import MappingProxyType
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    BigIntegerField,
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.db.models.lookups import GreaterThan

from bitrade.assistance import rules as case_rules
from bitrade.common.lru import LruCache

from . import rules
from .rules import Bucket, Period

# --------------------------------------------------------------------------- SQL helpers


class Seconds(Func):
    """Whole seconds from the second expression to the first: ``Seconds(end, start)``."""

    arity = 2
    output_field = BigIntegerField()

    def as_sqlite(self, compiler, conn, **extra):
        return self.as_sql(compiler, conn, template="CAST(ROUND((julianday(%(expressions)s)) * 86400.0) AS INTEGER)",
                           arg_joiner=") - julianday(", **extra)

    def as_postgresql(self, compiler, conn, **extra):
        return self.as_sql(compiler, conn, template="CAST(ROUND(EXTRACT(EPOCH FROM (%(expressions)s))) AS BIGINT)",
                           arg_joiner=" - ", **extra)

    def as_duckdb(self, compiler, conn, **extra):
        return self.as_postgresql(compiler, conn, **extra)

    def as_sql(self, compiler, conn, **extra):
        if "template" not in extra:
            raise NotImplementedError("Uppföljningens tidsmått stöds på SQLite och PostgreSQL.")
        return super().as_sql(compiler, conn, **extra)


def age_group_case(path: str) -> Case:
    whens = [When(**{f"{path}__isnull": True}, then=Value(rules.UNKNOWN_AGE.code))]
    for g in rules.AGE_GROUPS:
        cond = Q()
        if g.low is not None:
            cond &= Q(**{f"{path}__gte": g.low})
        if g.high is not None:
            cond &= Q(**{f"{path}__lt": g.high})
        whens.append(When(cond, then=Value(g.code)))
    return Case(*whens, default=Value(rules.UNKNOWN_AGE.code), output_field=CharField())


# --------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class Source:
    """Where a metric's rows are: the fact table of cases, or the activity facts of one kind. Both carry the
    case's dimensions under the same names and their anchors as Stockholm day and month numbers."""

    key: str
    label: str
    model_path: str
    kind: str = ""  # ActivityFact.kind
    anchor_stem: str = ""  # activity facts have one anchor, stored as anchor_day / anchor_month

    @property
    def model(self):
        from django.apps import apps

        return apps.get_model(self.model_path)

    def column(self, anchor: str, suffix: str) -> str:
        return f"{self.anchor_stem or anchor.removesuffix('_at')}_{suffix}"


SOURCES: Mapping[str, Source] = MappingProxyType(_SOURCES := {s.key: s for s in (
    Source("case", "Ärenden", "followup.CaseFact"),
    Source("episode", "Frihetsberövanden", "followup.ActivityFact", "episode", "anchor"),
    Source("holding", "Förvar", "followup.ActivityFact", "holding", "anchor"),
    Source("transport", "Transportuppdrag", "followup.ActivityFact", "transport", "anchor"),
)})

# --------------------------------------------------------------------------- dimensions

#: Paths of the level dimensions on the case's fact row. A case belongs to the police region that handles
#: it, to the police area of the municipality where the person is, to the unit that handles it now and to
#: the organisation that sent the request.
LEVEL_PATHS: Mapping[str, str | None] = MappingProxyType({
    rules.NATION: None,
    rules.REGION: "region_id",
    rules.POLICE_AREA: "police_area_id",
    rules.UNIT: "unit_id",
    rules.ORGANISATION: "organisation_id",
})

#: Dimensions of the case that every source has (paths on the fact row).
CASE_DIMS: Mapping[str, str] = MappingProxyType({
    "law": "law",
    "point": "point",
    "case_code": "case_code",
})

#: Dimensions of one source (paths relative to the source model).
SOURCE_DIMS: Mapping[str, Mapping[str, str]] = MappingProxyType(_SOURCE_DIMS := {
    "case": {"decision": "decision", "outcome": "outcome", "refusal_check": "refusal_check", "age": "age",
             "hour": "received_hour", "weekday": "received_weekday"},
    "episode": {"ground": "ground", "age": "age"},
    "holding": {"ground": "ground", "age": "age", "place_type": "place_type", "reason": "reason"},
    "transport": {"executor": "executor", "state": "state", "decline_reason": "decline_reason"},
})

DIMENSION_LABELS: Mapping[str, str] = MappingProxyType(_DIMENSION_LABELS := {
    **{k: v for k, v in rules.LEVELS.items()},
    "period": "Månad eller år", "law": "Lag", "point": "Lagrum (lag och punkt)", "case_code": "Saknummer",
    "decision": "Beslut", "outcome": "Utfall", "refusal_check": "Formell brist vid avslag",
    "age": "Åldersgrupp", "ground": "Grund för frihetsberövandet", "place_type": "Typ av förvarsplats",
    "reason": "Skäl till förvar", "executor": "Transportör", "state": "Status",
    "decline_reason": "Skäl till NTE:s avböjande",
    "hour": "Timme då begäran kom in", "weekday": "Veckodag då begäran kom in (1 = måndag)",
})


def dimension_expr(source: Source, name: str, anchor: str = "", series: str = "month"):
    if name == "bucket":
        month = F(source.column(anchor, "month"))
        return month if series == "month" else ExpressionWrapper(month / 12, output_field=IntegerField())
    if name in LEVEL_PATHS:
        path = LEVEL_PATHS[name]
        return Value("") if path is None else F(path)
    if name in CASE_DIMS:
        return F(CASE_DIMS[name])
    own = SOURCE_DIMS[source.key]
    if name not in own:
        raise ValueError(f"{source.key} has no dimension {name!r}")
    if name == "age":
        return age_group_case(own[name])
    return F(own[name])


# --------------------------------------------------------------------------- metrics

COUNT, SUM, DURATION, RATIO, POPULATION = "count", "sum", "duration", "ratio", "population"
EXECUTED_OUTCOMES = (case_rules.OUTCOME_EXECUTED, case_rules.OUTCOME_HEALTH_CARE)
LEVEL_AND_CASE_DIMS = (*LEVEL_PATHS, "period", *CASE_DIMS)


def _late_report_back(ctx: Context) -> Q:
    limit = int(ctx.threshold("report_back_hours").total_seconds())
    return Q(s_report_back__isnull=True) | Q(s_report_back__gt=limit)


def _late_assignment(ctx: Context) -> Q:
    grace = ctx.threshold("unassigned_grace_minutes")
    return Q(decision=case_rules.GRANTED) & (
        Q(assigned_at__gt=F("assign_due_at")) if not grace else
        Q(GreaterThan(Seconds(F("assigned_at"), F("assign_due_at")), int(grace.total_seconds())))
    ) | Q(decision=case_rules.GRANTED, state=case_rules.GRANTED, assigned_at__isnull=True,
          assign_due_at__lt=(ctx.moment or ctx.period.end_dt()) - grace)


@dataclass(frozen=True)
class Metric:
    key: str
    name: str
    definition: str
    source: str = "case"
    anchor: str = "received_at"
    kind: str = COUNT
    unit: str = "antal"
    where: Callable[..., Q] | Q | None = None
    field: str = ""  # SUM: the field summed; DURATION of a value: the field (minutes)
    seconds: str = ""  # DURATION precomputed on the fact row (whole seconds)
    start: str = ""  # DURATION computed in SQL: start and end timestamps
    end: str = ""
    numerator: str = ""  # RATIO
    denominator: str = ""
    dimensions: tuple[str, ...] = ()
    #: DURATION on the fact row: its value is NULL unless ``where`` holds (``facts.fact_for`` sees to it), so
    #: the value can be read without evaluating ``where`` in SQL.
    where_in_fact: bool = False
    #: ``where`` reads the moment of the report (``Context.moment``, to the minute): its figures depend on it, so
    #: a cached result is kept per minute (a test checks that no other metric's condition changes with it).
    uses_now: bool = False

    def where_q(self, ctx: Context) -> Q:
        if self.where is None:
            return Q()
        if callable(self.where):
            return self.where(ctx) if self.where.__code__.co_argcount else self.where()
        return self.where

    @property
    def anchor_label(self) -> str:
        return ANCHOR_LABELS.get((self.source, self.anchor), self.anchor)

    def as_dict(self) -> dict:
        return {"key": self.key, "name": self.name, "definition": self.definition, "kind": self.kind,
                "unit": self.unit, "source": SOURCES[self.source].label if self.source in SOURCES else "",
                "anchor": self.anchor_label if self.kind != RATIO else "",
                "numerator": self.numerator or None, "denominator": self.denominator or None,
                "dimensions": [DIMENSION_LABELS.get(d, d) for d in self.dimensions]}


ANCHOR_LABELS = {
    ("case", "received_at"): "mottagningstidpunkt", ("case", "closed_at"): "avslutstidpunkt",
    ("case", "decided_at"): "tidpunkt för senaste beslut", ("case", "outcome_at"): "tidpunkt för utfallet",
    ("case", "acknowledged_at"): "kvitteringstidpunkt", ("episode", "started_at"): "frihetsberövandets början",
    ("holding", "started_at"): "förvarets början", ("transport", "ordered_at"): "beställningstidpunkt",
}

_CASE = (*LEVEL_AND_CASE_DIMS,)
_EPISODE = (*LEVEL_AND_CASE_DIMS, "age", "ground")
_HOLDING = (*LEVEL_AND_CASE_DIMS, "age", "ground", "place_type", "reason")
_TRANSPORT = (*LEVEL_AND_CASE_DIMS, "executor", "state", "decline_reason")

_METRIC_LIST: tuple[Metric, ...] = (
    # ---- volumes
    Metric("received", "Mottagna ärenden",
           "Antal begäranden om handräckning som togs emot under perioden (ett ärende per begäran), räknat på "
           "tidpunkten då begäran kom in till polisen.", dimensions=(*_CASE, "age")),
    Metric("closed", "Avslutade ärenden",
           "Antal ärenden som avslutades under perioden, räknat på avslutstidpunkten, oavsett när de togs emot. "
           "Ett återöppnat ärende räknas när det avslutas igen.",
           anchor="closed_at", where=Q(state=case_rules.CLOSED), dimensions=_CASE),
    Metric("population", "Folkmängd",
           "Summan av folkmängden i de kommuner som hör till polisregionen eller polisområdet (hela landet: alla "
           "kommuner), enligt kommunregistret.", kind=POPULATION, source="", anchor="", unit="invånare"),
    Metric("received_per_100k", "Mottagna per 100 000 invånare",
           "Mottagna ärenden under perioden delat med folkmängden, gånger 100 000. Ärendet hör till polisregionen "
           "som handlägger det och till polisområdet där personen befinner sig. Anges inte för enheter och "
           "organisationer, som saknar en befolkning.",
           kind=RATIO, numerator="received", denominator="population", unit="per 100 000 invånare"),
    # ---- decisions
    Metric("decided", "Beslutade ärenden",
           "Antal ärenden där polisen beslutat att bevilja eller avslå begäran, räknat på tidpunkten för det "
           "senaste beslutet (ett ändrat beslut räknas en gång, med sitt slutliga utfall).",
           anchor="decided_at",
           where=Q(decision__in=(case_rules.GRANTED, case_rules.REFUSED)), dimensions=(*_CASE, "decision")),
    Metric("granted", "Beviljade", "Beslutade ärenden där begäran beviljades.", anchor="decided_at",
           where=Q(decision=case_rules.GRANTED), dimensions=_CASE),
    Metric("refused", "Avslagna",
           "Beslutade ärenden där begäran avslogs; avslaget anger vilken formell förutsättning som inte var "
           "uppfylld.", anchor="decided_at", where=Q(decision=case_rules.REFUSED),
           dimensions=(*_CASE, "refusal_check")),
    Metric("granted_share", "Andel beviljade", "Beviljade delat med beslutade ärenden under perioden.",
           kind=RATIO, numerator="granted", denominator="decided", unit="procent"),
    Metric("refused_share", "Andel avslagna", "Avslagna delat med beslutade ärenden under perioden.",
           kind=RATIO, numerator="refused", denominator="decided", unit="procent"),
    Metric("completion_requested", "Komplettering begärd",
           "Antal av periodens mottagna ärenden där komplettering begärdes minst en gång, av den formella "
           "granskningen vid mottagandet eller av polisen.", where=Q(completion=True),
           dimensions=_CASE),
    Metric("completion_share", "Andel med begärd komplettering",
           "Mottagna ärenden med begärd komplettering delat med alla mottagna ärenden under perioden.",
           kind=RATIO, numerator="completion_requested", denominator="received", unit="procent"),
    Metric("overruled", "Ändrade beslut (överprövningar)",
           "Beslutade ärenden vars beslut ändrats minst en gång av ett annat befäl (bifall blev avslag eller "
           "tvärtom), räknat på tidpunkten för det senaste beslutet.", anchor="decided_at",
           where=Q(overrule_count__gt=0), dimensions=_CASE),
    Metric("overruled_share", "Andel ändrade beslut", "Ändrade beslut delat med beslutade ärenden.",
           kind=RATIO, numerator="overruled", denominator="decided", unit="procent"),
    # ---- acknowledgement and escalation
    Metric("escalated", "Eskalerade ärenden",
           "Antal av periodens mottagna ärenden som eskalerats till en annan enhet minst en gång för att de inte "
           "kvitterats inom fristen.", where=Q(escalation_count__gt=0), dimensions=_CASE),
    Metric("escalations", "Eskaleringar",
           "Summan av antalet eskaleringar i periodens mottagna ärenden (ett ärende kan eskaleras flera gånger).",
           kind=SUM, field="escalation_count", dimensions=_CASE),
    Metric("late_ack", "Kvitterade efter fristen",
           "Antal av periodens mottagna ärenden som kvitterades efter kvitteringsfristen eller eskalerades.",
           where=Q(acknowledged_at__gt=F("ack_due_at")) | Q(escalation_count__gt=0), dimensions=_CASE),
    Metric("late_assignment", "Beviljade men tilldelade för sent",
           "Antal ärenden beviljade under perioden där en resurs tilldelades efter tilldelningsfristen (plus "
           "eventuell marginal), eller som fortfarande saknar resurs fast fristen passerat.",
           anchor="decided_at", where=_late_assignment, dimensions=_CASE, uses_now=True),
    # ---- outcomes
    Metric("with_outcome", "Ärenden med utfall",
           "Antal ärenden där utfallet registrerades under perioden, räknat på tidpunkten för utfallet.",
           anchor="outcome_at", where=~Q(outcome=""), dimensions=(*_CASE, "outcome")),
    *(Metric(f"outcome_{code}", f"Utfall: {label}",
             f"Antal ärenden med utfallet ”{label}” registrerat under perioden.", anchor="outcome_at",
             where=Q(outcome=code), dimensions=_CASE)
      for code, label in case_rules.OUTCOME_LABELS.items()),
    Metric("not_found", "Personen påträffades inte först (efterlysning)",
           "Antal ärenden med utfall under perioden där personen först inte påträffades och en efterlysning "
           "registrerades (NEPU-referens).", anchor="outcome_at",
           where=~Q(outcome="") & Q(not_found=True), dimensions=(*_CASE, "outcome")),
    # ---- what the police did (hour and weekday of the request as dimensions)
    Metric("force_used", "Ärenden där våld användes",
           "Antal av periodens mottagna ärenden där polisen registrerade våld (10 § PL).",
           where=Q(force_used=True), dimensions=(*_CASE, "hour", "weekday")),
    Metric("police_not_needed", "Polisen behövdes inte",
           "Antal ärenden med utfall under perioden där polisens befogenheter visade sig inte behövas.",
           anchor="outcome_at", where=Q(police_not_needed=True), dimensions=(*_CASE, "outcome")),
    Metric("transferred", "Överförda ärenden",
           "Antal av periodens mottagna ärenden som ett befäl förde över till en annan enhet.",
           where=Q(transferred=True), dimensions=_CASE),
    Metric("overrides", "Beviljade trots brist i granskningen",
           "Antal ärenden beslutade under perioden som beviljades som avsteg från en brist i den formella "
           "granskningen.", anchor="decided_at", where=Q(override=True), dimensions=_CASE),
    Metric("received_by_hour", "Mottagna per timme och veckodag",
           "Antal mottagna ärenden under perioden, efter timme och veckodag då begäran kom in.",
           dimensions=(*_CASE, "hour", "weekday")),
    Metric("lt_received_execution", "Mottagen → verkställd",
           "Tid från att begäran kom in till att den verkställdes, för ärenden verkställda under perioden, per "
           "enhet som har ärendet.", anchor="outcome_at", kind=DURATION, seconds="s_received_execution",
           unit="timmar", where=Q(outcome__in=EXECUTED_OUTCOMES), dimensions=_CASE, where_in_fact=True),
    Metric("reported_back", "Återrapporterade till begärande myndighet",
           "Antal ärenden med utfall under perioden där den begärande myndigheten har underrättats.",
           anchor="outcome_at", where=~Q(outcome="") & Q(requester_informed_at__isnull=False),
           dimensions=(*_CASE, "outcome")),
    Metric("reported_back_late", "Inte återrapporterade inom fristen",
           "Antal ärenden med utfall under perioden där den begärande myndigheten inte underrättats inom "
           "fristen för återrapportering (eller inte alls).", anchor="outcome_at",
           where=lambda ctx: ~Q(outcome="") & _late_report_back(ctx), dimensions=(*_CASE, "outcome")),
    Metric("reported_back_share", "Andel återrapporterade",
           "Återrapporterade delat med ärenden med utfall under perioden.", kind=RATIO,
           numerator="reported_back", denominator="with_outcome", unit="procent"),
    # ---- lead times
    Metric("lt_ack", "Mottagen → kvitterad",
           "Tid från att begäran togs emot till att den handläggande enheten kvitterade den, för ärenden "
           "kvitterade under perioden.", kind=DURATION, anchor="acknowledged_at", seconds="s_ack", unit="timmar",
           dimensions=_CASE, where_in_fact=True),
    Metric("lt_decision", "Kvitterad → beslut",
           "Tid från kvittering (eller mottagande, om ärendet beslutades utan kvittering) till det senaste beslutet, "
           "för ärenden beslutade under perioden. Väntan på komplettering ingår.", kind=DURATION,
           anchor="decided_at", seconds="s_decision", unit="timmar",
           where=Q(decision__in=(case_rules.GRANTED, case_rules.REFUSED)), dimensions=_CASE, where_in_fact=True),
    Metric("lt_received_decision", "Mottagen → beslut",
           "Tid från att begäran togs emot till det senaste beslutet, för ärenden beslutade under perioden.",
           kind=DURATION, anchor="decided_at", seconds="s_received_decision", unit="timmar",
           where=Q(decision__in=(case_rules.GRANTED, case_rules.REFUSED)), dimensions=_CASE, where_in_fact=True),
    Metric("lt_execution", "Beslut → verkställd",
           "Tid från beslutet till att handräckningen verkställdes (personen överlämnad till vårdinrättningen "
           "eller till hälso- och sjukvården), för ärenden verkställda under perioden.", kind=DURATION,
           anchor="outcome_at", seconds="s_execution", unit="timmar",
           where=Q(outcome__in=EXECUTED_OUTCOMES), dimensions=_CASE, where_in_fact=True),
    Metric("lt_closure", "Verkställd → avslutad",
           "Tid från verkställighet till att ärendet avslutades, för verkställda ärenden avslutade under perioden.",
           kind=DURATION, anchor="closed_at", seconds="s_closure", unit="timmar",
           where=Q(state=case_rules.CLOSED, outcome__in=EXECUTED_OUTCOMES), dimensions=_CASE, where_in_fact=True),
    Metric("lt_total", "Mottagen → avslutad",
           "Hela handläggningstiden från mottagande till avslut, för ärenden avslutade under perioden.",
           kind=DURATION, anchor="closed_at", seconds="s_total", unit="timmar",
           where=Q(state=case_rules.CLOSED), dimensions=_CASE, where_in_fact=True),
    Metric("patrol", "Patrulltid inklusive återfärd",
           "Patrullens arbetstid i ärendet från tilldelning till slutförd handräckning, inklusive återfärden till "
           "tjänstestället (som Storm inte registrerar), för ärenden med utfall under perioden och registrerad "
           "patrulltid.", kind=DURATION, anchor="outcome_at", field="patrol_minutes", unit="timmar",
           where=Q(patrol_minutes__isnull=False), dimensions=_CASE, where_in_fact=True),
    # ---- deprivation of liberty and holding
    Metric("episodes", "Frihetsberövanden",
           "Antal frihetsberövanden i handräckningsärenden som påbörjades under perioden. Samma person räknas "
           "en gång per tillfälle (personer identifieras inte i statistiken).", source="episode",
           anchor="started_at", dimensions=_EPISODE),
    Metric("holdings", "Förvar",
           "Antal beslut om förvar (insättning i arrest, häkte eller annan inlåsning) som påbörjades under "
           "perioden. Väntan i aktivitetsrum under uppsikt är inte förvar och räknas för sig.", source="holding",
           anchor="started_at", where=~Q(place_type="activity_room"), dimensions=_HOLDING),
    Metric("children_held", "Barn i förvar",
           "Förvar (enligt definitionen ovan) av personer under 18 år vid frihetsberövandet.", source="holding",
           anchor="started_at", where=~Q(place_type="activity_room") & Q(age__lt=18),
           dimensions=_HOLDING),
    Metric("activity_room", "Placeringar i aktivitetsrum",
           "Antal placeringar i aktivitetsrum (övervakat väntrum, inte förvar) som påbörjades under perioden.",
           source="holding", anchor="started_at", where=Q(place_type="activity_room"), dimensions=_HOLDING),
    Metric("holding_time", "Tid i förvar",
           "Tid från förvarets början till dess slut, för förvar som påbörjades under perioden och har avslutats.",
           kind=DURATION, source="holding", anchor="started_at", seconds="seconds", unit="timmar",
           where=~Q(place_type="activity_room"), dimensions=_HOLDING),
    # ---- transports
    Metric("transports", "Transportuppdrag",
           "Antal transportuppdrag (beställda hos Kriminalvårdens NTE eller planerade av polisen) beställda "
           "under perioden.", source="transport", anchor="ordered_at", dimensions=_TRANSPORT),
    Metric("transports_nte", "Beställda hos NTE",
           "Transportuppdrag beställda hos Kriminalvårdens nationella transportenhet (29 a § PL).",
           source="transport", anchor="ordered_at", where=Q(executor="kriminalvarden"), dimensions=_TRANSPORT),
    Metric("transports_police", "Polisens egna transporter", "Transportuppdrag som polisen utför själv.",
           source="transport", anchor="ordered_at", where=Q(executor="police"), dimensions=_TRANSPORT),
    Metric("nte_declined", "Avböjda av NTE",
           "Beställningar hos NTE som NTE avböjde, med avböjandets skäl.", source="transport",
           anchor="ordered_at", where=Q(executor="kriminalvarden", state="declined"), dimensions=_TRANSPORT),
    Metric("nte_share", "Andel till NTE", "Beställda hos NTE delat med alla transportuppdrag.", kind=RATIO,
           numerator="transports_nte", denominator="transports", unit="procent"),
    Metric("nte_decline_share", "Andel avböjda av NTE", "Avböjda av NTE delat med beställda hos NTE.",
           kind=RATIO, numerator="nte_declined", denominator="transports_nte", unit="procent"),
    Metric("relay", "Stafettransporter",
           "Polisens transporter med minst två sträckor där minst en sträcka går mellan två polisregioner "
           "(stafettkörning).", source="transport", anchor="ordered_at",
           where=Q(executor="police", relay=True), dimensions=_TRANSPORT),
    Metric("handovers", "Överlämningar mellan patruller",
           "Antal sträckor nummer två eller senare i polisens transporter: varje sådan sträcka börjar med att en "
           "patrull lämnar över personen till en annan.", kind=SUM, field="handovers", source="transport",
           anchor="ordered_at", where=Q(executor="police"), dimensions=_TRANSPORT),
)

METRICS: Mapping[str, Metric] = MappingProxyType(_METRICS := {m.key: m for m in _METRIC_LIST})


def extend(*, sources: Iterable[Source] = (), dims: Mapping[str, Mapping[str, str]] | None = None,
           dim_labels: Mapping[str, str] | None = None, anchor_labels: Mapping[tuple[str, str], str] | None = None,
           metric_list: Iterable[Metric] = ()) -> None:
    """Another kind's sources, dimensions and metrics (its facts come through a ``facts.Feed``), added from the
    follow-up's AppConfig.ready(): the same ``count`` and ``durations`` then answer them on both engines."""
    _SOURCES.update({s.key: s for s in sources})
    _SOURCE_DIMS.update(dims or {})
    _DIMENSION_LABELS.update(dim_labels or {})
    ANCHOR_LABELS.update(anchor_labels or {})
    _METRICS.update({m.key: m for m in metric_list})

# --------------------------------------------------------------------------- the query context


@dataclass(frozen=True)
class Context:
    """Where the queries look: the period, the case-relative filters (scope and user filters)."""

    period: Period
    case_filter: Mapping[str, Any] = field(default_factory=dict)
    series: str = "month"
    now: datetime | None = None
    thresholds: Mapping[str, int] = field(default_factory=dict)
    #: Where the queries run: ``duck.DUCKDB`` (the analytics replica) or ``duck.ORM`` (the database);
    #: "" is the setting ``BITRADE_FOLLOWUP_ENGINE``. The queries are the same either way.
    engine: str = ""
    #: The replica was brought up to date for this context already (a report does it once).
    synced: bool = False

    @property
    def moment(self) -> datetime | None:
        """The report's moment to the whole minute: what a measure that reads the clock uses (``uses_now``),
        so its figure holds for that minute and can be cached (the facts themselves are up to a minute old)."""
        return None if self.now is None else self.now.replace(second=0, microsecond=0)

    @property
    def on_duckdb(self) -> bool:
        from . import duck

        return (self.engine or duck.engine()) == duck.DUCKDB

    def q(self, source: Source) -> Q:
        return (Q(kind=source.kind) if source.kind else Q()) & Q(**self.case_filter)

    def threshold(self, key: str) -> timedelta:
        return rules.THRESHOLDS[key].delta(self.thresholds.get(key))

    @property
    def buckets(self) -> list[Bucket]:
        return self.period.buckets(self.series)


def _in_period(source: Source, anchor: str, period: Period) -> Q:
    lo, hi = period.days
    column = source.column(anchor, "day")
    return Q(**{f"{column}__gte": lo, f"{column}__lt": hi})


def _base(ctx: Context, metric: Metric, period: Period | None = None):
    source = SOURCES[metric.source]
    return source.model.objects.filter(ctx.q(source), _in_period(source, metric.anchor, period or ctx.period))


def _rows(ctx: Context, queryset) -> list[dict]:
    """The rows of a ``values()`` query, from the analytics replica or from the database (same SQL)."""
    if not ctx.on_duckdb:
        return list(queryset)
    from . import duck

    rep = duck.replica()
    if not ctx.synced:
        rep.ensure()
    names, rows = rep.rows(queryset)
    return [dict(zip(names, r, strict=True)) for r in rows]


def _tuples(ctx: Context, queryset) -> list[tuple]:
    """The rows of a ``values_list()`` query, from the replica or from the database."""
    if not ctx.on_duckdb:
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()
    from . import duck

    rep = duck.replica()
    if not ctx.synced:
        rep.ensure()
    return rep.rows(queryset)[1]


def _compile(ctx: Context, queryset) -> tuple[str, list]:
    """The SQL of a query for the engine it runs on."""
    if ctx.on_duckdb:
        from . import duck

        return duck.compile_query(queryset)
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def _key(value) -> str:
    return "" if value is None else str(value)


# --------------------------------------------------------------------------- result cache (DuckDB path)


class ResultCache(LruCache):
    """Results of ``count`` and ``durations`` on the analytics replica, per process, so repeated views between
    two fact syncs cost little. The key is everything the query is built from — the function and its
    arguments, the period, the scope and filters (``case_filter``), the series, the thresholds, the moment
    where a metric reads it — and the replica's data version (``duck.Replica.version``), which goes up with
    every change the replica applies: any fact change empties the cache in effect. Least recently used
    entries go first. Not used on the database engine (``duck.ORM``), which has no such version."""


#: Bounded: a result grouped by organisation or by five case dimensions holds a few hundred rows.
RESULTS = ResultCache(512)
#: The compiled SQL of each question on the replica (no data in it: kept across fact changes), so a request
#: after a change runs the queries without building them with the ORM again. Same key as ``RESULTS`` without
#: the data version.
PLANS = ResultCache()


def _planned(ctx: Context, cache_key: tuple | None, build: Callable[[], list[tuple]]) -> list[tuple]:
    """The compiled queries of a question on the replica: ``build`` returns (query set, *extra) tuples, kept
    as (sql, params, *extra)."""
    from . import duck

    plan_key = cache_key[:-2] if cache_key is not None else None
    plan = PLANS.get(plan_key) if plan_key is not None else None
    if plan is None:
        plan = [(*duck.compile_query(qs), *extra) for qs, *extra in build()]
        if plan_key is not None:
            PLANS.put(plan_key, plan)
    return plan


def _run_rows(ctx: Context, sql: str, params: list) -> tuple[dict[str, int], list[tuple]]:
    """A query on the replica: (column name → position, rows as tuples). Read by position (``_fields``) rather
    than as a dict per row: a grouped result per organisation has thousands of rows."""
    from . import duck

    rep = duck.replica()
    if not ctx.synced:
        rep.ensure()
    names, rows = rep.execute(sql, params)
    return {n: i for i, n in enumerate(names)}, rows


def _fields(at: Mapping[str, Any] | None, names: Iterable[str]) -> Callable[[Any], tuple]:
    """A function giving a row's values of ``names`` as a tuple: by position (``at``: name → position, rows
    from ``_run_rows``) or, without ``at``, by name (rows as dicts from the database's query sets)."""
    keys = [at[n] for n in names] if at is not None else list(names)
    if not keys:
        return lambda row: ()
    if len(keys) == 1:
        one = itemgetter(keys[0])
        return lambda row: (one(row),)
    return itemgetter(*keys)


def _cache_key(ctx: Context, name: str, keys: Iterable[str], *args, sync: bool = True) -> tuple | None:
    """The result cache's key for a query on the replica (None: not cached). Brings the replica up to date
    first (unless ``sync`` is false), so the key names the data the query will read."""
    if not ctx.on_duckdb:
        return None
    from . import duck

    rep = duck.replica()
    if sync and not ctx.synced:
        rep.ensure()
    if rep.synced is None:
        return None
    keys = tuple(keys)
    try:
        case_filter = tuple(sorted((k, _plain_value(v)) for k, v in ctx.case_filter.items()))
    except TypeError:  # a filter value that is not plain data (a query set ...): not cached
        return None
    now = ctx.moment if any(METRICS[k].uses_now for k in keys) else None
    return (name, keys, *args, ctx.period.start, ctx.period.end, case_filter, ctx.series,
            tuple(sorted(ctx.thresholds.items())), now, id(rep), rep.version)


def plan_key(ctx: Context, parts: tuple) -> tuple | None:
    """What names a report's questions apart from the data they read and the report's moment (the key of
    ``duck.ahead``): ``_cache_key`` without the replica's data version. None: not on the replica, or parts that
    are not plain data."""
    key = _cache_key(ctx, "ahead", (), *parts)
    if key is None:
        return None
    try:
        hash(key)
    except TypeError:
        return None
    return key[:-2]


def cached_result(ctx: Context, parts: tuple, compute: Callable[[], Any]) -> Any:
    """A finished result built from metrics (a report's table), kept in ``RESULTS`` for the replica's data
    version like the figures it rests on, so a repeated view between two fact syncs is neither counted nor
    built again. The value is shared between requests: its readers must not change it. Without the replica
    (the database engine), or for parts that are not plain data, it is computed every time."""
    key = _cache_key(ctx, "result", (), *parts)
    if key is None:
        return compute()
    try:
        hash(key)
    except TypeError:
        return compute()
    value = RESULTS.get(key)
    if value is None:
        value = compute()
        RESULTS.put(key, value)
    return value


def is_cached(ctx: Context, parts: tuple) -> bool:
    """Whether ``cached_result`` holds the result of ``parts`` for the replica's data as it is now (without
    bringing the replica up to date: a question asked next does that)."""
    key = _cache_key(ctx, "result", (), *parts, sync=False)
    try:
        return key is not None and RESULTS.peek(key) is not None
    except TypeError:  # parts that are not plain data: never kept
        return False


def _plain_value(value):
    """A filter value as a hashable key part (lists of ids become tuples); TypeError for anything else."""
    if value is None or isinstance(value, str | int | float | bool | date | datetime):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain_value(v) for v in value]
        return tuple(sorted(items, key=repr)) if isinstance(value, set | frozenset) else tuple(items)
    raise TypeError(type(value).__name__)


def _copy_counts(result: Mapping[tuple, Mapping[str, int]]) -> dict:
    return {k: dict(v) for k, v in result.items()}


def _keyer(source: Source, dims: tuple[str, ...], series: str) -> Callable[[tuple], tuple[str, ...]]:
    """Turns a row's dimension values into the result key (a month number becomes ``2023-05``)."""
    at = dims.index("bucket") if "bucket" in dims else -1

    if at < 0:
        return lambda raw: tuple(["" if v is None else str(v) for v in raw])

    def key(raw: tuple) -> tuple[str, ...]:
        out = [_key(v) for v in raw]
        if raw[at] is not None:
            v = int(raw[at])
            out[at] = f"{v // 12:04d}-{v % 12 + 1:02d}" if series == "month" else str(v)
        return tuple(out)

    return key


def count(ctx: Context, keys: Iterable[str], dims: Iterable[str] = (), *,
          period: Period | None = None) -> dict[tuple[str, ...], dict[str, int]]:
    """Counts (and sums) of the metrics, grouped by ``dims`` (see ``_count``); on the replica, from the result
    cache when the same question was asked of the same data."""
    keys, dims = tuple(keys), tuple(dims)
    cache_key = _cache_key(ctx, "count", keys, dims, period.start if period else None, period.end if period else None)
    if cache_key is not None:
        cached = RESULTS.get(cache_key)
        if cached is not None:
            return _copy_counts(cached)
    result = _count(ctx, keys, dims, period=period, cache_key=cache_key)
    if cache_key is not None:
        RESULTS.put(cache_key, _copy_counts(result))
    return result


def _count(ctx: Context, keys: Iterable[str], dims: Iterable[str] = (), *, period: Period | None = None,
           cache_key: tuple | None = None) -> dict[tuple[str, ...], dict[str, int]]:
    """Counts (and sums) of the metrics, grouped by ``dims``.

    One query per fact table: the rows whose anchor (any of the metrics' anchors) falls in the period, each
    aggregate counting only the rows of its own source and anchor. Sources that share a fact table (custody
    episodes, holdings and transport orders are kinds of activity facts) are counted in one scan when the
    grouping is by dimensions they all have (levels, period, case dimensions); otherwise one query per
    source. With ``"bucket"`` among ``dims`` (the month or year of the anchor) one query per anchor column.
    Keys of the result are tuples of the dimension values as strings ("" for none).
    """
    dims = tuple(dims)
    period = period or ctx.period
    shared = all(d == "bucket" or d in LEVEL_PATHS or d in CASE_DIMS for d in dims)
    groups: dict[tuple[str, str], list[Metric]] = {}
    for key in keys:
        m = METRICS[key]
        if m.kind not in (COUNT, SUM):
            raise ValueError(f"{key} is not a count")
        source = SOURCES[m.source]
        groups.setdefault((source.model_path if shared else m.source,
                           source.column(m.anchor, "month") if "bucket" in dims else ""), []).append(m)
    names = [f"d_{i}" for i in range(len(dims))]

    def build() -> list[tuple]:
        """(query set, aggregates, metric keys) per group."""
        out = []
        for group in groups.values():
            out.append((*_count_query(ctx, group, dims, period), [m.key for m in group]))
        return out

    if ctx.on_duckdb:
        def shaped() -> list[tuple]:
            return [(qs.order_by().values(*names).annotate(**aggs) if dims else
                     qs.order_by().values(_all=Value("")).annotate(**aggs), mkeys) for qs, aggs, mkeys in build()]

        runs = [(*_run_rows(ctx, sql, params)[::-1], mkeys) for sql, params, mkeys in _planned(ctx, cache_key, shaped)]
    else:
        runs = [(list(qs.order_by().values(*names).annotate(**aggs)) if dims else [qs.aggregate(**aggs)], None,
                 mkeys) for qs, aggs, mkeys in build()]
    keyer = _keyer(None, dims, ctx.series)
    result: dict[tuple[str, ...], dict[str, int]] = {}
    for rows, at, mkeys in runs:
        dims_of, counts_of = _fields(at, names), _fields(at, mkeys)
        for row in rows:
            key = keyer(dims_of(row))
            counts = [int(v) if v else 0 for v in counts_of(row)]
            slot = result.get(key)
            if slot is None:  # the common case: each group once per query
                result[key] = dict(zip(mkeys, counts, strict=True))
                continue
            for k, v in zip(mkeys, counts, strict=True):
                slot[k] = slot.get(k, 0) + v
    return result


def _count_query(ctx: Context, group: list[Metric], dims: tuple[str, ...], period: Period) -> tuple:
    """The query set (dimensions annotated as ``d_0``, ``d_1`` ...) and the aggregates of one group of counts."""
    source = SOURCES[group[0].source]
    anchors = sorted({m.anchor for m in group})
    kinds = sorted({(SOURCES[m.source].kind, m.anchor) for m in group})
    several = len({m.source for m in group}) > 1
    where_any = Q()
    for kind, a in kinds:
        where_any |= (Q(kind=kind) & _in_period(source, a, period)) if several else _in_period(source, a, period)
    base = Q(**ctx.case_filter) if several else ctx.q(source)
    qs = source.model.objects.filter(base).filter(where_any)
    qs = qs.annotate(**{f"d_{i}": dimension_expr(source, d, anchors[0], ctx.series) for i, d in enumerate(dims)})
    aggs = {}
    for m in group:
        where = m.where_q(ctx)
        if len(kinds) > 1:
            where = _in_period(source, m.anchor, period) & where
        if several:
            where = Q(kind=SOURCES[m.source].kind) & where
        if m.kind == COUNT:
            aggs[m.key] = Count("pk", filter=where) if where else Count("pk")
        else:
            aggs[m.key] = Coalesce(Sum(m.field, filter=where) if where else Sum(m.field), 0)
    return qs, aggs


@dataclass(frozen=True)
class Stats:
    """Summary of a duration metric for one group (values in minutes; ``over``: above the threshold)."""

    n: int
    median: float | None
    p90: float | None
    mean: float | None
    total: float
    over: int = 0


def _value_expr(metric: Metric):
    if metric.seconds:
        return F(metric.seconds)
    if metric.field:
        return Cast(F(metric.field), BigIntegerField()) * 60
    return Seconds(F(metric.end), F(metric.start))


def _exact(seconds: float | None) -> float | None:
    """A percentile of whole seconds interpolated at a tenth (the median at a half) is a multiple of 0.1 s;
    the engines compute it with floating-point formulas that may differ in the last bit, which could tip a
    rounding on the screen. Snapped to the tenth, every engine and method gives the same number."""
    return None if seconds is None else round(seconds, 1)


def _stats(n: int, total: int, over: int, ranked: Mapping[int, int]) -> Stats:
    med = _exact(rules.interpolate(ranked, n, rules.MEDIAN))
    p90 = _exact(rules.interpolate(ranked, n, rules.P90))
    return Stats(n=n, median=None if med is None else med / 60, p90=None if p90 is None else p90 / 60,
                 mean=total / n / 60 if n else None, total=total / 60, over=over)


def _bucket_text(expr, series: str):
    """``2023-05`` (or ``2023``) from a month (or year) number, in SQL both databases understand."""
    if series != "month":
        return Cast(expr, CharField())
    year = Cast(ExpressionWrapper(expr / 12, output_field=IntegerField()), CharField())
    month = ExpressionWrapper(expr - (expr / 12) * 12 + 1, output_field=IntegerField())
    two = Case(When(GreaterThan(month, 9), then=Cast(month, CharField())),
               default=Concat(Value("0"), Cast(month, CharField())), output_field=CharField())
    return Concat(year, Value("-"), two, output_field=CharField())


def _duration_parts(ctx: Context, keys: Iterable[str], dims: tuple[str, ...],
                    over: Mapping[str, timedelta]) -> tuple[list[str], list, list[str]]:
    parts, params = [], []
    columns = ["m", *[f"d_{i}" for i in range(len(dims))], "x", "thr"]
    for key in keys:
        metric = METRICS[key]
        if metric.kind != DURATION:
            raise ValueError(f"{key} is not a duration")
        source = SOURCES[metric.source]
        qs = _base(ctx, metric).filter(metric.where_q(ctx))
        qs = qs.filter(**{f"{metric.seconds or metric.field or metric.end}__isnull": False})
        annotations = {"m": Value(key, output_field=CharField())}
        for i, d in enumerate(dims):
            expr = dimension_expr(source, d, metric.anchor, ctx.series)
            if d == "bucket":  # the same key as the fetch path and the counts
                expr = _bucket_text(expr, ctx.series)
            annotations[f"d_{i}"] = Cast(expr, CharField()) if not isinstance(expr, Case) else expr
        annotations["x"] = _value_expr(metric)
        limit = over.get(key)
        annotations["thr"] = Value(int(limit.total_seconds()) if limit else -1, output_field=IntegerField())
        sql, p = _compile(ctx, qs.annotate(**annotations).order_by().values(*columns))
        parts.append(f"SELECT * FROM ({sql}) AS part_{len(parts)}")
        params.extend(p)
    return parts, params, columns


TOTAL = "*"  # the dimension value of a total over all groups (``durations(..., total=True)``)


def _durations_fetch(ctx: Context, keys: list[str], dims: tuple[str, ...],
                     over: Mapping[str, timedelta], total: bool = False) -> dict[tuple[str, ...], Stats]:
    """One scan per source: the rows where any of the metrics' anchors falls in the period, one column per
    metric holding its value where that metric applies (else NULL); ranked in Python."""
    by_source: dict[str, list[Metric]] = {}
    for key in keys:
        metric = METRICS[key]
        if metric.kind != DURATION:
            raise ValueError(f"{key} is not a duration")
        by_source.setdefault(metric.source, []).append(metric)
    out: dict[tuple[str, ...], Stats] = {}
    for source_key, group in by_source.items():
        source = SOURCES[source_key]
        where_any = Q()
        for a in sorted({m.anchor for m in group}):
            where_any |= _in_period(source, a, ctx.period)
        qs = source.model.objects.filter(ctx.q(source)).filter(where_any)
        names = [f"d_{i}" for i in range(len(dims))]
        annotations = {}
        for name, d in zip(names, dims, strict=True):
            annotations[name] = dimension_expr(source, d, group[0].anchor, ctx.series)
        keyer = _keyer(source, dims, ctx.series)
        # A value whose condition is kept in the fact row is read as it is, with its anchor's day number, and
        # placed in the period in Python; any other value is masked by its anchor and condition in SQL.
        lo, hi = ctx.period.days
        columns: list[str] = [*names]
        readers = []
        for i, m in enumerate(group):
            if m.where_in_fact and (m.seconds or m.field):
                day = source.column(m.anchor, "day")
                if day not in columns:
                    columns.append(day)
                value = m.seconds or m.field
                if value not in columns:
                    columns.append(value)
                readers.append((columns.index(day), columns.index(value), 60 if m.field else 1))
            else:
                cond = _in_period(source, m.anchor, ctx.period) & m.where_q(ctx) & Q(
                    **{f"{m.seconds or m.field or m.end}__isnull": False})
                annotations[f"v_{i}"] = Case(When(cond, then=_value_expr(m)), default=None,
                                             output_field=BigIntegerField())
                columns.append(f"v_{i}")
                readers.append((None, len(columns) - 1, 1))
        fetched = _tuples(ctx, qs.annotate(**annotations).order_by().values_list(*columns))
        nd = len(dims)
        grouped: list[dict[tuple, list[int]]] = [defaultdict(list) for _ in group]
        for row in fetched:
            key = row[:nd]
            for i, (day_at, value_at, factor) in enumerate(readers):
                x = row[value_at]
                if x is None:
                    continue
                if day_at is not None:
                    day = row[day_at]
                    if day is None or not lo <= day < hi:
                        continue
                grouped[i][key].append(x * factor)
        for i, m in enumerate(group):
            limit = over.get(m.key)
            lists = {keyer(raw): xs for raw, xs in grouped[i].items()}
            if total and dims and grouped[i]:
                lists[(TOTAL,) * len(dims)] = [x for xs in grouped[i].values() for x in xs]
            for key, xs in lists.items():
                xs.sort()
                n = len(xs)
                over_n = n - bisect_right(xs, int(limit.total_seconds())) if limit else 0
                out[(m.key, *key)] = _stats(n, sum(xs), over_n, {r: xs[r - 1] for r in rules.wanted_ranks(n)})
    return out


class _Percentiles(Aggregate):
    """PostgreSQL's ``percentile_cont`` for the median and the 90th percentile (an array; read as text)."""

    function = "percentile_cont"
    template = "%(function)s(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def as_duckdb(self, compiler, conn, **extra):
        # DuckDB's ``quantile_cont`` interpolates the same way; a list of both.
        clone = self.copy()
        clone.function, clone.template = "quantile_cont", "%(function)s(%(expressions)s, [0.5, 0.9])"
        return super(_Percentiles, clone).as_sql(compiler, conn, **extra)


_GROUP_BY_INDEX = re.compile(r" GROUP BY ([0-9]+(?:, [0-9]+)*)$")
#: The column that tells the groups of a ``GROUPING SETS`` query (1) from its total over all groups (NULL).
_GROUPED = "g_grouped"


def _with_total(sql: str, dims: int) -> str | None:
    """A grouped query on the replica (``SELECT <dims>, <aggregates> ... GROUP BY 1, 2 ...``) that also returns
    the total over all groups in the same scan: a constant first column grouped with the dimensions, and
    ``GROUPING SETS ((<it and the dimensions>), ())``, so the total's row is the one where that column is NULL
    (a dimension itself may be NULL). None when the SQL is not of that shape (then two queries are run)."""
    found = _GROUP_BY_INDEX.search(sql)
    if not sql.startswith("SELECT ") or found is None or found.group(1) != ", ".join(
            str(i) for i in range(1, dims + 1)):
        return None
    grouped = ", ".join(str(i) for i in range(1, dims + 2))
    return (f'SELECT 1 AS "{_GROUPED}", ' + sql[len("SELECT "):found.start()]
            + f" GROUP BY GROUPING SETS (({grouped}), ())")


def _duration_cond(ctx: Context, source: Source, m: Metric) -> Q:
    """The rows a duration metric summarises: its anchor in the period, a value, and its condition — unless the
    fact row keeps the condition in the value (``where_in_fact``: NULL unless the condition holds), where the
    test for a value says the same and the condition is not evaluated again on every row."""
    has_value = Q(**{f"{m.seconds or m.field or m.end}__isnull": False})
    if m.where_in_fact and (m.seconds or m.field):
        return _in_period(source, m.anchor, ctx.period) & has_value
    return _in_period(source, m.anchor, ctx.period) & m.where_q(ctx) & has_value


def _durations_aggregate(ctx: Context, keys: list[str], dims: tuple[str, ...],
                         over: Mapping[str, timedelta], cache_key: tuple | None = None,
                         total: bool = False) -> dict[tuple[str, ...], Stats] | None:
    """PostgreSQL: one GROUP BY per source with an ordered-set aggregate per metric (FILTER by its anchor and
    condition); DuckDB: a grouped query per metric, all in one statement (``build_each``). ``percentile_cont``
    and ``quantile_cont`` interpolate linearly between the closest ranks, as ``rules`` does.

    With ``total`` (DuckDB and dimensions only) each metric's query also returns its total over all groups
    (``_with_total``), under the dimension values ``TOTAL``: one scan instead of a second statement. Returns
    None if a query cannot be written so (the caller then asks for the groups and the total separately)."""
    by_source: dict[str, list[Metric]] = {}
    for key in keys:
        by_source.setdefault(METRICS[key].source, []).append(METRICS[key])
    names = [f"d_{i}" for i in range(len(dims))]

    def build() -> list[tuple]:
        """(query set, metric keys) per source, shaped for the engine (no dimensions on the database: an
        ``aggregate`` dict)."""
        out = []
        for source_key, group in by_source.items():
            source = SOURCES[source_key]
            where_any = Q()
            for a in sorted({m.anchor for m in group}):
                where_any |= _in_period(source, a, ctx.period)
            qs = source.model.objects.filter(ctx.q(source)).filter(where_any)
            annotations = {f"d_{i}": dimension_expr(source, d, group[0].anchor, ctx.series)
                           for i, d in enumerate(dims)}
            aggs = {}
            for i, m in enumerate(group):
                cond = _duration_cond(ctx, source, m)
                value = _value_expr(m)
                aggs[f"p_{i}"] = Cast(_Percentiles(value, filter=cond), CharField())
                aggs[f"n_{i}"] = Count("pk", filter=cond)
                aggs[f"s_{i}"] = Sum(value, filter=cond)
                limit = over.get(m.key)
                if limit:
                    aggs[f"o_{i}"] = Count("pk", filter=cond & Q(GreaterThan(value, int(limit.total_seconds()))))
            if dims:
                q = qs.annotate(**annotations).order_by().values(*names).annotate(**aggs)
            elif ctx.on_duckdb:
                q = qs.order_by().values(_all=Value("")).annotate(**aggs)
            else:
                q = (qs, aggs)
            out.append((q, [m.key for m in group]))
        return out

    def build_each() -> list[tuple]:
        """DuckDB: one grouped query per metric over only its own rows (its anchor in the period, its condition,
        a value), with the same column names (``p_0``, ``n_0``, ``s_0``, ``o_0``), run as one UNION ALL. DuckDB
        computes a quantile over a filtered scan about twice as fast as the same quantile under a FILTER clause
        beside others in one aggregate."""
        out = []
        for m in (METRICS[k] for k in keys):
            source = SOURCES[m.source]
            cond = _duration_cond(ctx, source, m)
            qs = source.model.objects.filter(ctx.q(source)).filter(cond)
            value = _value_expr(m)
            limit = over.get(m.key)
            # The median and the 90th percentile as DuckDB's list (two floats to Python, nothing to parse).
            aggs = {"p_0": _Percentiles(value), "n_0": Count("pk"), "s_0": Sum(value),
                    "o_0": Count("pk", filter=Q(GreaterThan(value, int(limit.total_seconds())))) if limit else
                    Value(0, output_field=IntegerField())}
            if dims:
                annotations = {f"d_{i}": dimension_expr(source, d, m.anchor, ctx.series) for i, d in enumerate(dims)}
                q = qs.annotate(**annotations).order_by().values(*names).annotate(**aggs)
            else:
                q = qs.order_by().values(_all=Value("")).annotate(**aggs)
            out.append((q, [m.key]))
        return out

    if ctx.on_duckdb:
        plan = _planned(ctx, cache_key, build_each)
        if total:
            sqls = [_with_total(sql, len(dims)) for sql, _, _ in plan]
            if any(sql is None for sql in sqls):
                return None
            plan = [(sql, params, mkeys) for sql, (_, params, mkeys) in zip(sqls, plan, strict=True)]
        union = " UNION ALL ".join(f"SELECT {i} AS m_at, * FROM ({sql}) AS part_{i}" for i, (sql, _, _) in
                                   enumerate(plan))
        at, rows = _run_rows(ctx, union, [p for _, params, _ in plan for p in params])
        parts: list[list[tuple]] = [[] for _ in plan]
        m_at = at["m_at"]
        for row in rows:
            parts[row[m_at]].append(row)
        runs = [(part, at, mkeys) for part, (_, _, mkeys) in zip(parts, plan, strict=True)]
    else:
        runs = [(list(q) if dims else [q[0].aggregate(**q[1])], None, mkeys) for q, mkeys in build()]
    keyer = _keyer(None, dims, ctx.series)
    with_total, whole = total, (TOTAL,) * len(dims)  # (``total`` is a sum further down)
    out: dict[tuple[str, ...], Stats] = {}
    for rows, at, mkeys in runs:
        dims_of = _fields(at, names)
        grouped = (_GROUPED if at is None else at[_GROUPED]) if with_total else None
        columns = []
        for i, mkey in enumerate(mkeys):
            n_at, p_at, s_at, o_at = f"n_{i}", f"p_{i}", f"s_{i}", f"o_{i}"
            if at is not None:  # the replica's union always has the four columns (``build_each``)
                n_at, p_at, s_at, o_at = at[n_at], at[p_at], at[s_at], at[o_at]
            columns.append((mkey, n_at, p_at, s_at, o_at))
        for row in rows:
            key = whole if with_total and row[grouped] is None else keyer(dims_of(row))
            for mkey, n_at, p_at, s_at, o_at in columns:
                n = int(row[n_at] or 0)
                if not n:
                    continue
                p = row[p_at]  # a list from the replica, the array as text from PostgreSQL
                p50, p90 = (_exact(float(x)) for x in (p if isinstance(p, list) else p.strip("{}[]").split(",")))
                total = int(row[s_at] or 0)
                over = (row.get(o_at) if at is None else row[o_at]) or 0
                out[(mkey, *key)] = Stats(n=n, median=p50 / 60, p90=p90 / 60, mean=total / n / 60, total=total / 60,
                                          over=int(over))
    return out


def default_method(ctx: Context | None = None) -> str:
    if ctx is not None and ctx.on_duckdb:
        return "aggregate"  # DuckDB's quantile_cont
    return "aggregate" if connection.vendor == "postgresql" else "fetch"


def durations(ctx: Context, keys: Iterable[str], dims: Iterable[str] = (), *,
              over: Mapping[str, timedelta] | None = None, method: str | None = None,
              total: bool = False) -> dict[tuple[str, ...], Stats]:
    """Median, 90th percentile, mean and sum of each duration metric per group, in one SQL statement.

    The key of the result is ``(metric key, *dimension values)``. ``over`` counts values above a threshold
    per metric (e.g. holdings longer than six hours). With ``total`` the result also holds the statistics over
    all groups, under the dimension values ``TOTAL`` ("*").

    Three ways to the same numbers (``method``, default by database): on PostgreSQL an ordered-set aggregate,
    ``percentile_cont``, per metric in one GROUP BY (``"aggregate"``); on SQLite, which has none, the
    integers are read and ranked in Python (``"fetch"``, which also works on PostgreSQL). ``"window"`` ranks
    with window functions on either database and returns only the two ranks each percentile needs; the
    tests use it to check the others. ``fetch`` and ``window`` interpolate with ``rules.rank_positions``.
    """
    dims = tuple(dims)
    keys = list(keys)
    over = over or {}
    method = method or default_method(ctx)
    cache_key = _cache_key(ctx, "durations", keys, dims, tuple(sorted(over.items())), method, total)
    if cache_key is not None:
        cached = RESULTS.get(cache_key)
        if cached is not None:
            return dict(cached)
    result = _durations(ctx, keys, dims, over, method, total, cache_key)
    if cache_key is not None:
        RESULTS.put(cache_key, dict(result))
    return result


def _durations(ctx: Context, keys: list[str], dims: tuple[str, ...], over: Mapping[str, timedelta], method: str,
               total: bool, cache_key: tuple | None = None) -> dict[tuple[str, ...], Stats]:
    if method == "fetch":
        return _durations_fetch(ctx, keys, dims, over, total)
    if total and dims and method == "aggregate" and ctx.on_duckdb:
        both = _durations_aggregate(ctx, keys, dims, over, cache_key, total=True)
        if both is not None:
            return both
    if total and dims:
        whole = durations(ctx, keys, (), over=over, method=method)
        grouped = durations(ctx, keys, dims, over=over, method=method)
        grouped.update({(k[0], *(TOTAL,) * len(dims)): v for k, v in whole.items()})
        return grouped
    if method == "aggregate":
        return _durations_aggregate(ctx, keys, dims, over, cache_key)
    parts, params, columns = _duration_parts(ctx, keys, dims, over)
    if not parts:
        return {}
    union = " UNION ALL ".join(parts)
    qn = connection.ops.quote_name
    part_by = ", ".join(qn(c) for c in columns[:-2])
    ranks = " OR ".join(
        f"rn = ((cnt - 1) * {num}) / {den} + {k}" for num, den in (rules.MEDIAN, rules.P90) for k in (1, 2))
    sql = (
        f"SELECT {part_by}, x, rn, cnt, sm, ov FROM ("
        f"SELECT {part_by}, {qn('x')} AS x, "
        f"ROW_NUMBER() OVER (PARTITION BY {part_by} ORDER BY {qn('x')}) AS rn, "
        f"COUNT(*) OVER (PARTITION BY {part_by}) AS cnt, "
        f"SUM({qn('x')}) OVER (PARTITION BY {part_by}) AS sm, "
        f"SUM(CASE WHEN {qn('thr')} >= 0 AND {qn('x')} > {qn('thr')} THEN 1 ELSE 0 END) "
        f"OVER (PARTITION BY {part_by}) AS ov "
        f"FROM ({union}) AS t) AS w WHERE rn = 1 OR {ranks}"
    )
    groups: dict[tuple[str, ...], dict] = {}
    if ctx.on_duckdb:
        from . import duck

        rep = duck.replica()
        if not ctx.synced:
            rep.ensure()
        fetched = rep.execute(sql, params)[1]
    else:
        with connection.cursor() as cur:
            cur.execute(sql, params)
            fetched = cur.fetchall()
    for row in fetched:
        *key, x, rn, cnt, sm, ov = row
        key = tuple(_key(k) for k in key)
        g = groups.setdefault(key, {"cnt": int(cnt), "sm": int(sm), "ov": int(ov), "ranks": {}})
        g["ranks"][int(rn)] = int(x)
    return {key: _stats(g["cnt"], g["sm"], g["ov"], g["ranks"]) for key, g in groups.items()}


def population(level: str, case_filter: Mapping[str, Any]) -> dict[str, int]:
    """Inhabitants per group of ``level`` (nation, region, police area), within the filters that bear on
    geography. Empty for levels without a population (unit, organisation) or where no population is loaded.
    Summed from the municipalities' populations the process keeps per configuration version (``geography``)."""
    from . import geography

    if level not in (rules.NATION, rules.REGION, rules.POLICE_AREA):
        return {}
    region, area = case_filter.get("region_id"), case_filter.get("police_area_id")
    region, area = (None if v is None else int(v) for v in (region, area))
    sums: dict[str, int] = {}
    for area_id, region_id, people in geography.current().municipalities:
        if ("region_id" in case_filter and region_id != region) or (
                "police_area_id" in case_filter and area_id != area):
            continue
        key = "" if level == rules.NATION else str(region_id if level == rules.REGION else area_id)
        sums[key] = sums.get(key, 0) + people
    return {k: v for k, v in sums.items() if v}
