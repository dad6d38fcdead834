"""REST endpoints of the national follow-up: the same tables as the screen and the exports.

Query parameters are those of the "Uppföljning" page: ``period`` (2023, 2023-05, 2023-01..2023-06,
2023-01-01..2023-03-31), ``level`` (nation, region, police_area, unit, organisation), ``series`` (month,
year), the filters ``region``, ``police_area``, ``unit``, ``organisation``, ``law``, ``point``,
``case_code``, and for the deviations the thresholds. Bad input gets a 422 that names the field, in Swedish.
"""

from __future__ import annotations

from typing import Literal

from django.core.exceptions import PermissionDenied
from ninja import Router, Schema

from bitrade.common.errors import ErrorOut

from . import atervandande, rules, selectors
from .reports import ALL_VIEW, VIEWS, Report
from .rules import ParamError

router = Router(tags=["Uppföljning"])

# The views and tables there are, published as enumerations (anything else is not a valid request).
ViewName = Literal[(ALL_VIEW, *VIEWS)]  # type: ignore[valid-type]
TableKey = Literal[Report.BUILDERS]  # type: ignore[valid-type]




class TablesOut(Schema):
    scope: str
    suppression: bool
    period: str
    period_label: str
    level: str
    filters: list[str]
    refreshed_at: str | None = None
    tables: list[dict]


class MetricsOut(Schema):
    metrics: list[dict]
    levels: dict[str, str]
    laws: dict[str, str]
    views: dict[str, list[str]]
    thresholds: list[dict]
    min_cell: int


ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}


def _invalid(exc: ParamError):
    return 422, {"detail": "Urvalet innehåller fel. Rätta parametern och försök igen.",
                 "errors": [{"field": exc.field, "code": "invalid", "message": exc.message}]}


def _actor(request):
    actor = request.auth
    if actor is None:
        raise PermissionDenied("Inloggning krävs.")
    return actor


def _tables_out(rep, tables) -> dict:
    refreshed = selectors.last_refreshed()
    return {"scope": rep.scope.label, "suppression": rep.scope.suppress, "period": rep.params.period.code,
            "period_label": rep.params.period.label, "level": rep.params.level, "filters": rep.filter_labels,
            "refreshed_at": refreshed.isoformat() if refreshed else None, "tables": [t.as_dict() for t in tables]}


@router.get("/comparison", response={200: dict, **ERRORS},
            summary="Den egna organisationen jämförd med alla av samma slag i landet")
def comparison(request, period: str = ""):
    """För begärande myndigheter: egna siffror bredvid riksgenomsnittet för organisationer av samma slag
    (endast summor; celler med färre än fem ärenden visas inte)."""
    from django.utils import timezone

    text = period or str(timezone.localdate().year)
    try:
        return 200, selectors.kind_comparison(_actor(request), text)
    except ParamError as exc:
        return _invalid(exc)


@router.get("/metrics", response={200: MetricsOut, **ERRORS}, summary="Måttens definitioner")
def metric_definitions(request):
    selectors.scope_for(_actor(request))
    stored = selectors.stored_thresholds()
    return 200, {
        "metrics": selectors.definitions(), "levels": dict(rules.LEVELS), "laws": dict(rules.LAWS),
        "views": {k: list(v[1]) for k, v in VIEWS.items()},
        "thresholds": [{"key": k, "label": t.label, "value": stored.get(k, t.default), "default": t.default,
                        "unit": t.unit, "basis": t.basis} for k, t in rules.THRESHOLDS.items()],
        "min_cell": rules.MIN_CELL,
    }


@router.get("/tables", response={200: TablesOut, **ERRORS}, summary="Uppföljningens tabeller för ett urval")
def tables(request, view: ViewName = ALL_VIEW):
    """Every table of a view (``oversikt``, ``volymer``, ``beslut``, ``frihet``, ``transporter``,
    ``avvikelser``, or ``alla``); a requesting organisation gets its own organisation's tables."""
    try:
        rep, _, result = selectors.dashboard(_actor(request), request.GET, view=view)
    except ParamError as exc:
        return _invalid(exc)
    return 200, _tables_out(rep, result)


@router.get("/tables/{key}", response={200: TablesOut, **ERRORS}, summary="En tabell")
def table(request, key: TableKey):
    try:
        rep = selectors.report(_actor(request), request.GET)
        if key not in rep.available():
            raise PermissionDenied("Tabellen visas inte i din roll.")
        result = [rep.table(key)]
    except ParamError as exc:
        return _invalid(exc)
    return 200, _tables_out(rep, result)


@router.get("/deviations", response={200: dict, **ERRORS}, summary="Avvikelser just nu")
def deviations(request):
    """Counts per level of what needs attention now; police also get the cases (reference numbers)."""
    try:
        dev = selectors.deviations(_actor(request), request.GET)
    except ParamError as exc:
        return _invalid(exc)
    return 200, {
        "at": dev.now.isoformat(), "scope": dev.scope.label, "thresholds": dev.thresholds,
        "summary": dev.summary.as_dict(),
        "kinds": [{"key": k.key, "label": k.label, "threshold": k.threshold, "count": None if dev.scope.suppress
                   and 0 < k.count < rules.MIN_CELL else k.count,
                   "cases": [{**i, "since": i["since"].isoformat() if i["since"] else None} for i in k.items]}
                  for k in dev.kinds],
    }


ReturnTableKey = Literal[tuple(atervandande.TITLES)]  # type: ignore[valid-type]


@router.get("/returns/tables", response={200: TablesOut, **ERRORS}, summary="Återvändande: tabellerna")
def return_tables(request):
    """Återvändandets tabeller (lager och flöde, överlämnanden, utfall, kohortmåttet, förvar, transporter) som
    rollen får se; förval: det senaste hela kalenderåret."""
    try:
        rep = atervandande.report(_actor(request), request.GET)
        result = rep.tables(rep.available())
    except ParamError as exc:
        return _invalid(exc)
    return 200, _tables_out(rep, result)


@router.get("/returns/tables/{key}", response={200: TablesOut, **ERRORS}, summary="Återvändande: en tabell")
def return_table(request, key: ReturnTableKey):
    try:
        rep = atervandande.report(_actor(request), request.GET)
        result = [rep.table(key)]
    except ParamError as exc:
        return _invalid(exc)
    return 200, _tables_out(rep, result)
