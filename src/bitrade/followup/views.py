"""The "Uppföljning" pages and downloads. Thin: every figure comes from ``selectors``."""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Callable
from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from bitrade.audit import services as audit
from bitrade.common.actor import PROCESS_OWNER, REQUESTER
from bitrade.organisation.auth import actor_required

from . import atervandande, charts, exports, rules, selectors
from .reports import ALL_VIEW, VIEWS, Report, view_tables
from .rules import COUNT, TEXT, ParamError, format_value
from .tables import Table


def _esc(text) -> str:
    return html.escape(str(text))

# The follow-up's names (measures, tables, levels, thresholds) are Swedish in Python: they are the same
# strings in the CSV/XLSX exports and the API, so they stay stable there. On the pages they are translated
# when the page is shown: an exact Swedish text is looked up in the catalogue, and the few texts with a
# figure in them are matched against their pattern. Swedish pages are left exactly as built.
_PATTERNS = tuple((re.compile(pattern), msgid) for pattern, msgid in (
    (r"^Föregående period: (?P<period>.+)\.$", "Föregående period: %(period)s."),
    (r"^(?P<n>\d+) timmar från mottagandet$", "%(n)s timmar från mottagandet"),
    (r"^(?P<n>\d+) dagar från mottagandet$", "%(n)s dagar från mottagandet"),
    (r"^(?P<n>\d+) timmar efter utfall eller avslag$", "%(n)s timmar efter utfall eller avslag"),
    (r"^(?P<n>\d+) timmar i förvar$", "%(n)s timmar i förvar"),
    (r"^Öppna avvikelser (?P<at>[\d-]+ [\d:]+), per (?P<level>.+)\.$", "Öppna avvikelser %(at)s, per %(level)s."),
    (r"^högst (?P<n>[\d,]+)$", "högst %(n)s"),
    (r"^minst (?P<n>[\d,]+)$", "minst %(n)s"),
    (r"^upp (?P<n>.+)$", "upp %(n)s"),
    (r"^ned (?P<n>.+)$", "ned %(n)s"),
    (r"^saknummer (?P<code>.+)$", "saknummer %(code)s"),
    (r"^(?P<month>jan|feb|mar|apr|maj|jun|jul|aug|sep|okt|nov|dec) (?P<year>\d{4})$", "%(month)s %(year)s"),
    (r"^(?P<month>januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december) "
     r"(?P<year>\d{4})$", "%(month)s %(year)s"),
    (r"^(?P<label>[^:]+): (?P<rest>[^:]+)\.$", "%(label)s: %(rest)s."),
))


def _t(text):
    """A follow-up text in the language of the page (unchanged in Swedish, the default)."""
    if not text or not isinstance(text, str) or (get_language() or "sv").startswith("sv"):
        return text
    translated = gettext(text)
    if translated != text:
        return translated
    for pattern, msgid in _PATTERNS:
        if m := pattern.match(text):
            return gettext(msgid) % {k: _t(v) for k, v in m.groupdict().items()}
    return text


def _translated(table: Table) -> Table:
    """A copy of a table with its names in the language of the page (the cells are shared)."""
    if (get_language() or "sv").startswith("sv"):
        return table

    def row(r):
        return None if r is None else dataclasses.replace(r, label=_t(r.label))

    return dataclasses.replace(
        table, title=_t(table.title), description=_t(table.description), row_header=_t(table.row_header),
        columns=[dataclasses.replace(c, label=_t(c.label)) for c in table.columns],
        rows=[row(r) for r in table.rows], total=row(table.total), notes=[_t(n) for n in table.notes],
        chart=table.chart and dataclasses.replace(table.chart, title=_t(table.chart.title)))


def _choices(scope, first_day: int | None = None) -> dict:
    out = selectors.choices(scope, first_day)
    for key in ("levels", "laws", "case_codes", "series"):
        out[key] = [(k, _t(v)) for k, v in out[key]]
    return out


def _table_html(table: Table) -> SafeString:
    """The rows of a table as HTML: for large tables (hundreds of organisations) a template loop per cell
    is the slowest part of the page. Per column, the fixed parts of its cells are escaped once; a number and
    its formatted text (digits, comma, space, per cent sign) need no escaping, a text value is escaped. The
    standard library's ``html.escape`` gives the same text as Django's ``escape``, without its lazy-string
    wrapper around each of thousands of cells."""
    hidden_title = _esc(gettext("Färre än 5 ärenden"))
    cols = []
    for col in table.columns:
        key = _esc(col.key)
        cols.append((col.key, col.kind == COUNT, col.kind, f'<td class="num" data-col="{key}" data-value="',
                     f'<td class="num suppressed" data-col="{key}" data-value="" title="{hidden_title}">'
                     f'{_esc(format_value(None, col.kind, suppressed=True))}</td>',
                     f'<td class="num" data-col="{key}" data-value="">{_esc(format_value(None, col.kind))}</td>'))
    body, foot = [], []
    for row in table.all_rows:
        cells = row.cells
        out = [f'<th scope="row">{_esc(row.label)}</th>']
        for key, is_count, kind, start, hidden, empty in cols:
            cell = cells.get(key)
            if cell is None:
                out.append(empty)
                continue
            value = cell.value
            if cell.suppressed:
                out.append(hidden)
            elif value is None:
                out.append(empty)
            elif is_count and type(value) is int:  # the most common cell: ``format_value``'s count, inline
                text = f"{value:,}".replace(",", "\u00a0")
                out.append(f'{start}{value}">{text.replace("-", "−") if value < 0 else text}</td>')
            elif isinstance(value, str):
                out.append(f'{start}{_esc(value)}">{_esc(format_value(value, kind))}</td>')
            else:
                text = format_value(value, kind)
                out.append(f'{start}{value}">{text if kind != TEXT else _esc(text)}</td>')
        if row is table.total:
            foot.append(f'<tfoot><tr class="total" data-row="{_esc(row.key)}">{"".join(out)}</tr></tfoot>')
        else:
            sub = ' class="sub"' if row.depth else ""
            body.append(f'<tr data-row="{_esc(row.key)}"{sub}>{"".join(out)}</tr>')
    return mark_safe(f"<tbody>{''.join(body)}</tbody>{''.join(foot)}")


def _rendered(table: Table) -> tuple[SafeString, SafeString]:
    """The chart and the rows of a table as HTML, kept on the table: a table from the follow-up's result cache
    (``Report.table``) is the same object until the data change, so a repeated view renders it once."""
    memo = table.__dict__.setdefault("_rendered", {})
    lang = get_language() or "sv"
    if lang not in memo:
        memo[lang] = (charts.render(table, f"c-{table.key}"), _table_html(table))
    return memo[lang]


def _section_html(t: dict) -> SafeString:
    """A presented table (``_present``) as the markup of ``followup/_table.html``, written in Python: a page with
    fifteen tables spent more time in the template's include, loops and translation tags than in its rows. The
    template stays the reference; a test renders both, in Swedish and in English, and compares them."""
    table = t["table"]
    tid, title = _esc(t["id"]), _esc(table.title)
    download = _esc(gettext("Ladda ner tabellen"))
    as_csv = gettext("Ladda ner %(title)s som CSV") % {"title": title}
    as_xlsx = gettext("Ladda ner %(title)s som XLSX") % {"title": title}
    heads = "".join(f'<th scope="col" class="num">{_esc(c.label)}</th>' for c in table.columns)
    notes = (f'<ul class="fu-note">{"".join(f"<li>{_esc(n)}</li>" for n in table.notes)}</ul>'
             if table.notes else "")
    return mark_safe(
        f'<section class="fu-table" aria-labelledby="{tid}-h" data-testid="table-{_esc(table.key)}">\n'
        f'  <h2 id="{tid}-h">{title}</h2>\n'
        f'  {t["chart"]}\n'
        f'  <p class="fu-downloads">{download}:\n'
        f'    <a href="{_esc(t["csv"])}" aria-label="{as_csv}" download>CSV</a> ·\n'
        f'    <a href="{_esc(t["xlsx"])}" aria-label="{as_xlsx}" download>XLSX</a></p>\n'
        f'  <div class="fu-scroll" role="region" tabindex="0" aria-labelledby="{tid}-h">\n'
        f'  <table id="{tid}" class="keep-table">\n'
        f'    <caption>{title}<span>{_esc(table.description)}</span></caption>\n'
        f'    <thead><tr><th scope="col">{_esc(table.row_header)}</th>{heads}</tr></thead>\n'
        f'    {t["body"]}\n'
        f'  </table>\n'
        f'  </div>\n'
        f'  {notes}\n'
        f'</section>\n')


def _present(tables: list[Table], query: str) -> list[dict]:
    present = _presenter(query)
    return [present(t) for t in tables]


def _presenter(query: str) -> Callable[[Table], dict]:
    """A function presenting one table (translated, its chart and rows as HTML, its section's markup)."""
    csv_url, xlsx_url = (reverse("followup:export", args=["KEY", fmt]) for fmt in ("csv", "xlsx"))

    def present(table: Table) -> dict:
        t = _translated(table)
        chart, body = _rendered(t)
        item = {"table": t, "id": f"t-{t.key}", "chart": chart, "body": body,
                "csv": f"{csv_url.replace('KEY', t.key)}?{query}",
                "xlsx": f"{xlsx_url.replace('KEY', t.key)}?{query}"}
        item["html"] = _section_html(item)
        return item

    return present


def _query(rep: Report, **extra) -> str:
    return urlencode({**rep.params.query(), **{k: v for k, v in extra.items() if v}})


def _bad_request(request, actor, exc: ParamError, template: str = "followup/error.html"):
    scope = selectors.scope_for(actor)
    return render(request, template, {"error": exc, "scope": scope, "scope_label": _t(scope.label),
                                      "choices": _choices(scope)},
                  status=400)


def _kpis(tables: list[Table]) -> list[tuple[str, str]]:
    comparison = next((t for t in tables if t.key == "jamforelse"), None)
    if comparison is None:
        return []
    row = comparison.total or (comparison.rows[0] if comparison.rows else None)
    if row is None:
        return []
    keys = ("received", "closed", "granted_share", "lt_received_decision", "patrol", "episodes", "children_held")
    out = []
    for key in keys:
        if key in row.cells:
            col = comparison.column(key)
            cell = row.cells[key]
            out.append((_t(col.label), format_value(None if cell.suppressed else cell.value, col.kind,
                                                suppressed=cell.suppressed)))
    return out


@actor_required()
def dashboard(request, actor):
    view = request.GET.get("vy", "oversikt") or "oversikt"
    try:
        rep = selectors.report(actor, request.GET)
        title, keys = view_tables(view, requester=rep.scope.requester)
    except ParamError as exc:
        return _bad_request(request, actor, exc)
    # The form's first year is read from the database first: once the replica's questions keep both cores busy, a
    # database read waits for a core (the server's process and this thread) several times as long as it takes.
    # The replica's questions then start at once (``Report.ahead``): the form is written and each table's
    # markup while the replica answers the next tables' questions.
    present, presented = _presenter(_query(rep, vy=view)), {}
    first_day = selectors.first_received_day()
    with rep.ahead(keys):
        choices, refreshed_at = _choices(rep.scope, first_day), selectors.last_refreshed()
        filters_form = render_to_string("followup/_filters.html", {
            "choices": choices, "params": rep.params, "scope": rep.scope, "view": view})
        tables = rep.tables(keys, then=lambda t: presented.__setitem__(t.key, present(t)))
    query = _query(rep)
    steering = None
    if actor.kind == PROCESS_OWNER and view == "oversikt":
        steering = selectors.steering(actor, request.GET)
        steering["per_unit_present"] = _present([steering["per_unit"]], query)[0]
        for item in (*steering["trends"], *steering["targets"]):
            for key in ("label", "trend", "target"):
                if key in item:
                    item[key] = _t(item[key])
        steering["period_label"] = _t(steering["period"].label)
        steering["previous_label"] = _t(steering["previous"].label)
    return render(request, "followup/dashboard.html", {
        "steering": steering,
        "rep": rep, "scope": rep.scope, "scope_label": _t(rep.scope.label), "params": rep.params, "view": view,
        "view_title": _t(title),
        "views": [(k, _t(v[0])) for k, v in VIEWS.items()] + [(ALL_VIEW, gettext("Allt på en sida"))],
        "tables": [presented[t.key] for t in tables], "query": query, "kpis": _kpis(tables),
        "choices": choices, "filters_form": filters_form, "refreshed_at": refreshed_at,
        "period_label": _t(rep.params.period.label), "filters": [_t(f) for f in rep.filter_labels],
        "level_label": _t(rules.LEVELS[rep.params.level]).lower(),
        "xlsx_all": f"{reverse('followup:export', args=['alla', 'xlsx'])}?{_query(rep, vy=view)}",
    })


def _threshold(t):
    """A threshold's names in the language of the page (a plain dict for the template)."""
    return {"key": t.key, "label": _t(t.label), "unit": _t(t.unit), "basis": _t(t.basis)}


@actor_required()
def definitions(request, actor):
    scope = selectors.scope_for(actor)
    stored = selectors.stored_thresholds()
    metrics = [{**m, **{k: _t(m.get(k)) for k in ("name", "definition", "unit", "anchor")}}
               for m in selectors.definitions()]
    return render(request, "followup/definitions.html", {
        "scope": scope, "metrics": metrics, "levels": [(k, _t(v)) for k, v in rules.LEVELS.items()],
        "thresholds": [(_threshold(t), stored.get(k, t.default)) for k, t in rules.THRESHOLDS.items()],
        "min_cell": rules.MIN_CELL,
    })


@actor_required()
def deviations(request, actor):
    try:
        dev = selectors.deviations(actor, request.GET)
    except ParamError as exc:
        return _bad_request(request, actor, exc)
    params = {k: v for k, v in request.GET.items() if k in rules.KNOWN_PARAMS or k in rules.THRESHOLDS}
    query = urlencode(params)
    for kind in dev.kinds:
        kind.label, kind.threshold, kind.since_label = _t(kind.label), _t(kind.threshold), _t(kind.since_label)
        kind.rows_html = _deviation_rows(kind.items)
    return render(request, "followup/deviations.html", {
        "dev": dev, "scope": dev.scope, "scope_label": _t(dev.scope.label),
        "summary": _present([dev.summary], query)[0],
        "thresholds": [(_threshold(t), dev.thresholds[k]) for k, t in rules.THRESHOLDS.items()],
        "choices": _choices(dev.scope), "level": request.GET.get("level", rules.NATION),
        "now": timezone.localtime(dev.now),
    })


def _deviation_rows(items) -> str:
    """The rows of one deviation's list of cases, written here rather than by a template loop (up to a hundred
    rows per deviation, seven deviations): the same markup as the loop it replaces, which
    ``tests/test_views_api.py`` renders beside it and compares."""
    out = []
    for i in items:
        since = timezone.localtime(i["since"]).strftime("%Y-%m-%d %H:%M") if i["since"] else ""
        out.append(f'<tr><th scope="row"><a href="{_esc(i["url"])}">{_esc(i["reference_number"])}</a></th>'
                   f'<td>{_esc(i["unit"])}</td><td>{_esc(i["state"])}</td><td>{since}</td>'
                   f'<td>{_esc(i["age"])}</td></tr>')
    return mark_safe("".join(out))  # noqa: S308 - every value escaped above


@actor_required()
def export(request, actor, key, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404("Okänt format")
    try:
        if key == "avvikelser_nu":
            dev = selectors.deviations(actor, request.GET)
            tables, scope, period = [dev.summary], dev.scope, f"{timezone.localtime(dev.now):%Y-%m-%d}"
            about_params = {k: v for k, v in request.GET.items()}
        elif key == "alla":
            rep, _, tables = selectors.dashboard(actor, request.GET, view=request.GET.get("vy", ALL_VIEW) or ALL_VIEW)
            scope, period, about_params = rep.scope, rep.params.period.code, rep.params.query()
        elif key.startswith("ret_"):  # the return follow-up's tables (``atervandande``)
            rep = atervandande.report(actor, request.GET)
            tables, scope, period, about_params = [rep.table(key)], rep.scope, rep.params.period.code, rep.params.query()
        else:
            rep = selectors.report(actor, request.GET)
            tables, scope, period, about_params = [rep.table(key)], rep.scope, rep.params.period.code, rep.params.query()
    except ParamError as exc:
        return HttpResponse(f"{exc.message} (fält: {exc.field})", status=400, content_type="text/plain; charset=utf-8")
    if fmt == "csv" and len(tables) != 1:
        return HttpResponse("CSV finns per tabell. Välj XLSX för alla tabeller i ett uttag.", status=400,
                            content_type="text/plain; charset=utf-8")
    audit.record(actor, "followup.exported", object_type="followup.table", object_id=key,
                 new={"format": fmt, "params": about_params, "scope": scope.label})
    filename = f"uppfoljning-{key}-{period}.{fmt}"
    if fmt == "csv":
        body, content_type = exports.to_csv(tables[0]), exports.CSV_TYPE
    else:
        about = [("Omfattning", scope.label), ("Period", period),
                 ("Urval", ", ".join(f"{k}={v}" for k, v in about_params.items()) or "–")]
        body, content_type = exports.to_xlsx(tables, about=about), exports.XLSX_TYPE
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


COMPARISON_ROWS = (("received", "Mottagna begäranden"), ("decided", "Beslutade"), ("granted", "Beviljade"),
                   ("overrides", "Beviljade trots brist i den formella granskningen"),
                   ("force_used", "Ärenden där polisen använde våld"),
                   ("police_not_needed", "Ärenden där polisen visade sig inte behövas"),
                   ("median_hours_to_execution", "Mediantid från mottagen begäran till verkställighet, timmar"))


@actor_required(REQUESTER)
def comparison(request, actor):
    """A requesting organisation's own figures beside the national figures for all organisations of its
    kind: sums only, a figure under five cases is not shown (``selectors.kind_comparison``)."""
    period = (request.GET.get("period") or str(timezone.localdate().year)).strip()
    try:
        data = selectors.kind_comparison(actor, period)
    except ParamError as exc:
        return render(request, "followup/comparison.html", {"error": exc, "period": period}, status=400)

    def text(value, key):
        if value is None:
            return gettext("färre än 5")
        return f"{value:.1f}".replace(".", ",") if key == "median_hours_to_execution" else str(value)

    rows = [{"key": key, "label": gettext(label), "own": text(data["own"].get(key), key),
             "nation": text(data["national_same_kind"].get(key), key)} for key, label in COMPARISON_ROWS]
    return render(request, "followup/comparison.html", {"data": data, "rows": rows, "period": period})


@actor_required()
def returns(request, actor):
    """Återvändande: stock and flow, handovers, outcomes, the cohort measure, detention and transports
    (``atervandande``), scoped like the rest of the follow-up."""
    try:
        rep = atervandande.report(actor, request.GET)
    except ParamError as exc:
        return render(request, "followup/atervandande.html", {"error": exc}, status=400)
    query = _query(rep)
    tables = rep.tables(rep.available())
    regions = [] if rep.scope.region_id else list(rep.labels.region_codes.items())
    this_year = timezone.localdate().year
    return render(request, "followup/atervandande.html", {
        "rep": rep, "scope": rep.scope, "scope_label": _t(rep.scope.label), "params": rep.params,
        "tables": _present(tables, query), "refreshed_at": selectors.last_refreshed(),
        "period_label": _t(rep.params.period.label), "filters": [_t(f) for f in rep.filter_labels],
        "levels": [(k, _t(rules.LEVELS[k])) for k in rep.scope.levels],
        "regions": sorted((code, rep.labels.regions[str(pk)]) for code, pk in regions),
        "years": [str(y) for y in range(this_year - 1, this_year - 13, -1)],
    })
