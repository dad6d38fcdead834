"""Follow-up of return enforcement ("Återvändande"): the measures of docs/returns.md over the return cases'
fact rows (``returns.ReturnFact``, fed through ``facts.register_feed``), as ``metrics.Metric`` entries, and the
tables of the page, the API and the CSV export.

Who sees what (``scope_for``): analysts, process owners, administrators and the national operative department
(NOA) the whole country; the Police their own region (the border police, who read the region's return cases,
unsuppressed; other units suppressed); Migrationsverket and Kriminalvården the agency-wide tables the
agreement allows them, nationally. Small counts are suppressed exactly as in the rest of the follow-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from bitrade.common import actor as a
from bitrade.common.actor import Actor
from bitrade.organisation.models import OrganisationKind
from bitrade.returns import followup_facts
from bitrade.returns import rules as rr

from . import facts, metrics, rules
from .reports import Report, Scope, share_cell
from .rules import COUNT, RATE, SHARE, ParamError, Period, parse_params, round1
from .tables import Cell, Chart, Column, Row, Table, count_cell

MODEL = "returns.ReturnFact"
SOURCES = (
    metrics.Source("return", "Återvändandeärenden", MODEL, "case"),
    metrics.Source("return_stock", "Återvändandeärenden i lager den 31 december", MODEL, "stock", "anchor"),
    metrics.Source("return_detention", "Förvar enligt utlänningslagen", MODEL, "detention", "anchor"),
    metrics.Source("return_transport", "Transportbeställningar till Kriminalvården", MODEL, "transport", "anchor"),
)
_COMMON = {"origin": "origin", "reason": "reason", "category": "police_category", "mv_category": "mv_category"}
DIMS = {
    "return": {**_COMMON, "outcome": "outcome", "cohort": "cohort", "enforced_by": "enforced_by"},
    "return_stock": _COMMON,
    "return_detention": {**_COMMON, "detention_kind": "detention_kind", "child": "child"},
    "return_transport": {**_COMMON, "trip_type": "trip_type", "status": "status"},
}
DIM_LABELS = {"origin": "Källa", "reason": "Skäl för överlämnandet", "category": "Polisens kategori (1–3)",
              "mv_category": "Migrationsverkets kategori", "cohort": "Läge efter fyra år",
              "enforced_by": "Verkställd av polisen eller egen utresa", "detention_kind": "Slag av förvar",
              "child": "Barn", "trip_type": "Resetyp"}
ANCHORS = {("return", "received_at"): "dagen då polisen tog emot ärendet",
           ("return", "closed_at"): "dagen då ärendet avslutades",
           ("return_stock", "year_end"): "den 31 december",
           ("return_detention", "started_at"): "förvarets början",
           ("return_transport", "ordered_at"): "beställningsdagen"}
_LEVELS = (rules.NATION, rules.REGION, rules.POLICE_AREA, rules.UNIT, "period")
_CASE = (*_LEVELS, "origin", "reason", "category", "mv_category")

METRIC_LIST = (
    metrics.Metric("ret_received", "Inkomna återvändandeärenden",
                   "Antal ärenden om verkställighet av ett avlägsnandebeslut som polisen tog emot under perioden, "
                   "oavsett källa (ett överlämnande räknas en gång, när det registreras).", source="return",
                   dimensions=_CASE),
    metrics.Metric("ret_handovers", "Överlämnanden från Migrationsverket",
                   "Inkomna ärenden som Migrationsverket överlämnat, per skäl (avviken eller tvång behövs). Ärenden "
                   "från domstol, polisens egna, Dublin och 12:23 räknas under sin egen källa.", source="return",
                   where=Q(origin="mv"), dimensions=_CASE),
    metrics.Metric("ret_closed", "Avslutade återvändandeärenden",
                   "Antal ärenden som avslutades under perioden, per utfallskod, räknat på avslutsdagen.",
                   source="return", anchor="closed_at", dimensions=(*_CASE, "outcome", "enforced_by")),
    metrics.Metric("ret_enforced", "Verkställda av polisen",
                   "Avslutade ärenden där polisen verkställde utresan (charter, enskild, eskorterad, oeskorterad "
                   "resa, förhandlingsresa eller Dublinöverföring).", source="return", anchor="closed_at",
                   where=Q(enforced_by="police"), dimensions=(*_CASE, "outcome")),
    metrics.Metric("ret_own", "Egen utresa", "Avslutade ärenden där personen reste ut på egen hand.",
                   source="return", anchor="closed_at", where=Q(enforced_by="own"), dimensions=_CASE),
    metrics.Metric("ret_stock", "Lager den 31 december",
                   "Ärenden som tagits emot före årsskiftet och inte avslutats då: lagret den 31 december varje år "
                   "i perioden.", source="return_stock", anchor="year_end", dimensions=_CASE),
    metrics.Metric("ret_cohort_departed", "Kohort: utrest inom fyra år",
                   "Av ärendena som togs emot under perioden: de som avslutats med en utresa (alla utresekoder) "
                   "inom fyra år till samma kalenderdag.", source="return", where=Q(cohort="departed"),
                   dimensions=_CASE),
    metrics.Metric("ret_cohort_lapsed", "Kohort: preskriberat inom fyra år",
                   "Av ärendena som togs emot under perioden: de som avslutats som preskriberade eller med utlöpt "
                   "Dublinfrist inom fyra år.", source="return", where=Q(cohort="lapsed"), dimensions=_CASE),
    metrics.Metric("ret_cohort_permit", "Kohort: uppehållstillstånd inom fyra år",
                   "Av ärendena som togs emot under perioden: de som avslutats med uppehållstillstånd inom fyra år.",
                   source="return", where=Q(cohort="permit"), dimensions=_CASE),
    metrics.Metric("ret_cohort_open", "Kohort: öppet efter fyra år",
                   "Av ärendena som togs emot under perioden: de som inte var avslutade fyra år senare (eller inte "
                   "är avslutade ännu).", source="return", where=Q(cohort="open"), dimensions=_CASE),
    metrics.Metric("ret_detentions", "Förvar enligt utlänningslagen",
                   "Förvarstagningar i återvändandeärenden som påbörjades under perioden.",
                   source="return_detention", anchor="started_at",
                   dimensions=(*_CASE, "detention_kind", "child")),
    metrics.Metric("ret_detention_time", "Tid i förvar",
                   "Tid från förvarets början till dess slut, för förvar som påbörjades under perioden och har "
                   "avslutats.", kind=metrics.DURATION, source="return_detention", anchor="started_at",
                   seconds="seconds", unit="dagar", where=Q(seconds__isnull=False), where_in_fact=True,
                   dimensions=(*_CASE, "detention_kind")),
    metrics.Metric("ret_transports", "Transportbeställningar till Kriminalvården",
                   "Beställningar av transport hos Kriminalvården under perioden, per resetyp.",
                   source="return_transport", anchor="ordered_at", dimensions=(*_CASE, "trip_type", "status")),
)


def register() -> None:
    """Called from the follow-up's AppConfig.ready(): the feed and the measures."""
    facts.register_feed(facts.Feed(key="returns", tables=(MODEL,), refresh=followup_facts.refresh,
                                   rebuild=followup_facts.rebuild))
    metrics.extend(sources=SOURCES, dims=DIMS, dim_labels=DIM_LABELS, anchor_labels=ANCHORS,
                   metric_list=METRIC_LIST)


# --------------------------------------------------------------------------- scope

POLICE_TABLES = ("ret_flode", "ret_niva", "ret_kalla", "ret_kategori", "ret_overlamnade", "ret_utfall",
                 "ret_kohort", "ret_forvar", "ret_transporter")
MV_TABLES = ("ret_flode", "ret_niva", "ret_kalla", "ret_kategori", "ret_overlamnade", "ret_utfall", "ret_kohort")
KV_TABLES = ("ret_utfall", "ret_transporter")
NATIONAL_LEVELS = (rules.NATION, rules.REGION)


def scope_for(actor: Actor | None) -> tuple[Scope, tuple[str, ...]]:
    """The scope of the return follow-up and the tables the actor may see."""
    from bitrade.organisation.models import PoliceRegion, UnitKind

    if actor is None:
        raise PermissionDenied("Logga in för att se uppföljningen.")
    if actor.kind in (a.ANALYST, a.PROCESS_OWNER, a.ADMINISTRATOR) or (
            actor.is_police and actor.unit_kind == UnitKind.NOA):
        return Scope("Hela landet", {}, suppress=True, levels=(*NATIONAL_LEVELS, rules.POLICE_AREA)), POLICE_TABLES
    if actor.is_police and actor.region_id:
        region = PoliceRegion.objects.get(pk=actor.region_id)
        border = actor.unit_kind == UnitKind.BORDER_POLICE
        return (Scope(region.name, {"region_id": region.pk}, suppress=not border,
                      levels=(rules.NATION, rules.REGION, rules.POLICE_AREA, rules.UNIT), case_access=border,
                      region_id=region.pk), POLICE_TABLES)
    if actor.organisation_kind == OrganisationKind.MIGRATION_AGENCY:
        return Scope("Hela landet", {}, suppress=True, levels=NATIONAL_LEVELS), MV_TABLES
    if actor.kind == a.KRIMINALVARDEN or actor.organisation_kind == OrganisationKind.KRIMINALVARDEN:
        return Scope("Hela landet", {}, suppress=True, levels=NATIONAL_LEVELS), KV_TABLES
    raise PermissionDenied("Uppföljningen av återvändande är inte tillgänglig i din roll.")


# --------------------------------------------------------------------------- the tables

TITLES = {
    "ret_flode": "Lager och flöde per år",
    "ret_niva": "Inkomna, avslutade och lager per nivå",
    "ret_kalla": "Per källa",
    "ret_kategori": "Per polisens kategori",
    "ret_overlamnade": "Överlämnanden från Migrationsverket per skäl",
    "ret_utfall": "Avslutade ärenden per utfall: verkställda av polisen och egen utresa",
    "ret_kohort": "Kohortmåttet: läget fyra år efter att ärendet kom in",
    "ret_forvar": "Förvar per kategori och längd",
    "ret_transporter": "Transportbeställningar per resetyp",
}
FLOW = ("ret_received", "ret_handovers", "ret_closed", "ret_enforced", "ret_own")
COHORT = ("ret_cohort_departed", "ret_cohort_lapsed", "ret_cohort_permit", "ret_cohort_open")
STOCK_NOTE = ("Lagret räknas den 31 december varje år i perioden (för en period kortare än ett år: om den "
              "innehåller den 31 december). Ett år som inte är slut har ännu inget lager.")


def _days(st: metrics.Stats | None, attr: str) -> Cell:
    if st is None or not st.n:
        return Cell(None, (0,))
    value = getattr(st, attr)
    return Cell(None if value is None else round1(value / 1440), (st.n,))


class ReturnReport(Report):
    """The tables of the "Återvändande" page; the same objects go to the page, the API and the CSV."""

    def __init__(self, scope: Scope, params, tables: tuple[str, ...], **kw):
        super().__init__(scope, params, **kw)
        self.allowed = tables

    def available(self) -> tuple[str, ...]:
        return self.allowed

    def table(self, key: str) -> Table:
        if key not in TITLES:
            raise ParamError("table", f"Okänd tabell '{key[:40]}'. Välj en av: {', '.join(self.allowed)}.")
        if key not in self.allowed:
            raise PermissionDenied("Tabellen visas inte i din roll.")
        return getattr(self, key)()

    def _table(self, key, description, row_header, columns, rows, total=None, notes=(), chart=None) -> Table:
        t = Table(key=key, title=TITLES[key], description=description, row_header=row_header, columns=columns,
                  rows=rows, total=total, notes=list(notes), chart=chart)
        return t.suppress() if self.scope.suppress else t

    def _by(self, keys, dims, *, year: bool = False):
        """Counts of the metrics by these dimensions (per year when ``year``: the "bucket" is a year)."""
        memo = ("r", tuple(keys), tuple(dims), year)
        if memo not in self._memo:
            ctx = replace(self.ctx, series="year") if year else self.ctx
            self._memo[memo] = metrics.count(ctx, keys, dims)
        return self._memo[memo]

    def _last_stock(self, dims) -> dict:
        """The stock on the last 31 December in the period, by ``dims``."""
        period = self.params.period
        last_day = period.end - timedelta(days=1)
        year_end = date(last_day.year if (last_day.month, last_day.day) == (12, 31) else last_day.year - 1, 12, 31)
        if year_end < period.start or year_end >= timezone.localdate(self.now):
            return {}
        return metrics.count(self.ctx, ("ret_stock",), dims, period=Period(year_end, date(year_end.year + 1, 1, 1)))

    # ------------------------------------------------------------------ tables

    def ret_flode(self) -> Table:
        flow = self._by(FLOW, ("bucket",), year=True)
        stock = self._by(("ret_stock",), ("bucket",), year=True)
        cols = [Column("received", "Inkomna", COUNT, "ret_received", additive=True),
                Column("handovers", "varav från Migrationsverket", COUNT, "ret_handovers", additive=True),
                Column("closed", "Avslutade", COUNT, "ret_closed", additive=True),
                Column("stock", "Lager 31 december", COUNT, "ret_stock")]

        def cells(f: Mapping, s: int | None) -> dict:
            return {"received": count_cell(f.get("ret_received", 0)),
                    "handovers": count_cell(f.get("ret_handovers", 0)),
                    "closed": count_cell(f.get("ret_closed", 0)),
                    "stock": count_cell(s) if s is not None else Cell(None, ())}

        rows = []
        for b in self.params.period.buckets("year"):
            f = flow.get((b.code,), {})
            has_end = b.end == date(int(b.code) + 1, 1, 1) and b.end <= timezone.localdate(self.now)
            rows.append(Row(b.code, b.label, cells(f, stock.get((b.code,), {}).get("ret_stock", 0) if has_end else None)))
        total = self.summed(flow)[()]
        return self._table("ret_flode", "Inkomna och avslutade ärenden per år och lagret den 31 december.", "År",
                           cols, rows, Row("total", "Hela perioden", cells(total, None)), [STOCK_NOTE],
                           Chart("columns", ("received", "closed"), "Inkomna och avslutade per år"))

    #: One grouped scan of the case rows and one of the stock rows serve the tables by level, source,
    #: category, reason and outcome (summed in Python).
    SHARED = ("origin", "category", "reason", "outcome")

    def _shared(self, dim: str) -> dict:
        dims = (self.level, *self.SHARED)
        return self.summed(self._by(FLOW, dims), (dims.index(dim),))

    def _shared_stock(self, dim: str) -> dict:
        dims = (self.level, "origin", "category")
        memo = ("stock", dims)
        if memo not in self._memo:
            self._memo[memo] = self._last_stock(dims)
        return self.summed(self._memo[memo], (dims.index(dim),))

    def _grouped(self, key: str, dim: str, labels: list[tuple[str, str]], header: str, description: str,
                 notes=()) -> Table:
        flow = self._shared(dim)
        stock = self._shared_stock(dim)
        cols = [Column("received", "Inkomna", COUNT, "ret_received", additive=True),
                Column("closed", "Avslutade", COUNT, "ret_closed", additive=True),
                Column("stock", "Lager vid periodens sista årsskifte", COUNT, "ret_stock", additive=True)]

        def cells(f: Mapping, s: Mapping) -> dict:
            return {"received": count_cell(f.get("ret_received", 0)), "closed": count_cell(f.get("ret_closed", 0)),
                    "stock": count_cell(s.get("ret_stock", 0))}

        rows = [Row(code or "none", label, cells(flow.get((code,), {}), stock.get((code,), {})))
                for code, label in labels]
        total = Row("total", "Totalt", cells(self.summed(flow)[()], self.summed(stock)[()]))
        return self._table(key, description, header, cols, rows, total, [STOCK_NOTE, *notes],
                           Chart("bars", ("received",), f"Inkomna per {header.lower()}"))

    def ret_niva(self) -> Table:
        flow = self._shared(self.level)
        labels = self.group_labels(k[0] for k in flow)
        return self._grouped("ret_niva", self.level, labels, rules.LEVELS[self.level],
                             "Inkomna och avslutade ärenden under perioden och lagret, per vald nivå. Ärendet hör "
                             "till polisregionen som handlägger det och polisområdet där personen senast vistades.")

    def ret_kalla(self) -> Table:
        return self._grouped("ret_kalla", "origin", list(rr.ORIGINS.items()), "Källa",
                             "Ärenden per källa: Migrationsverkets överlämnanden, domstolarnas utvisningar, polisens "
                             "egna avvisningar, Dublinöverföringar till Sverige och 12:23-ärenden.")

    def ret_kategori(self) -> Table:
        return self._grouped("ret_kategori", "category", [(str(k), f"Kategori {k}") for k in (1, 2, 3)],
                             "Kategori", "Ärenden per polisens kategori (1: kan verkställas, 2: hinder som går att "
                             "undanröja, 3: svårt eller omöjligt att verkställa), som den är nu.")

    def ret_overlamnade(self) -> Table:
        res = self._shared("reason")
        total = self.summed(res)[()].get("ret_handovers", 0)
        cols = [Column("count", "Överlämnade", COUNT, "ret_handovers", additive=True),
                Column("share", "Andel (%)", SHARE, "ret_handovers")]
        labels = [*rr.REASONS.items(), ("", "Skäl saknas")]
        rows = [Row(code or "none", label, {"count": count_cell(n), "share": share_cell(n, total)})
                for code, label in labels for n in [res.get((code,), {}).get("ret_handovers", 0)]]
        return self._table("ret_overlamnade", "Migrationsverkets överlämnanden till polisen under perioden, per skäl.",
                           "Skäl", cols, rows, Row("total", "Totalt", {"count": count_cell(total),
                                                                      "share": share_cell(total, total)}))

    def ret_utfall(self) -> Table:
        res = self._shared("outcome")
        total = self.summed(res)[()].get("ret_closed", 0)
        cols = [Column("count", "Avslutade", COUNT, "ret_closed", additive=True),
                Column("share", "Andel (%)", SHARE, "ret_closed")]

        def n(codes) -> int:
            return sum(res.get((c,), {}).get("ret_closed", 0) for c in codes)

        def row(key, label, codes, depth=0, parent="") -> Row:
            return Row(key, label, {"count": count_cell(n(codes)), "share": share_cell(n(codes), total)},
                       parent=parent, depth=depth)

        enforced = sorted(rr.ENFORCED_BY_POLICE)
        rows = [row("police", "Verkställda av polisen", enforced),
                *(row(c, rr.OUTCOMES[c], (c,), 1, "police") for c in enforced),
                row("egen_utresa", "Egen utresa", ("egen_utresa",)),
                row("preskriberat", rr.OUTCOMES["preskriberat"], ("preskriberat",)),
                row("utlopt_tidsfrist", rr.OUTCOMES["utlopt_tidsfrist"], ("utlopt_tidsfrist",)),
                row("uppehallstillstand", rr.OUTCOMES["uppehallstillstand"], ("uppehallstillstand",))]
        known = set(rr.OUTCOMES)
        other = sum(v.get("ret_closed", 0) for k, v in res.items() if k[0] not in known)
        rows.append(Row("other", "Annan eller ingen utfallskod", {"count": count_cell(other),
                                                                   "share": share_cell(other, total)}))
        return self._table("ret_utfall", "Ärenden avslutade under perioden per utfallskod. Verkställda av polisen "
                                         "delas upp per resetyp (utfallskoden anger hur personen reste).",
                           "Utfall", cols, rows, Row("total", "Totalt", {"count": count_cell(total),
                                                                        "share": share_cell(total, total)}),
                           ["En utresa till ett annat Schengenland räknas som utresa men inte som lyckad."])

    def ret_kohort(self) -> Table:
        res = self._by(("ret_received", *COHORT), ("bucket",), year=True)
        cols = [Column("opened", "Inkomna", COUNT, "ret_received"),
                Column("departed", "Utresta inom fyra år", COUNT, "ret_cohort_departed"),
                Column("departed_share", "Andel utresta (%)", SHARE, "ret_cohort_departed"),
                Column("lapsed", "Preskriberade", COUNT, "ret_cohort_lapsed"),
                Column("lapsed_share", "Andel preskriberade (%)", SHARE, "ret_cohort_lapsed"),
                Column("permit", "Uppehållstillstånd", COUNT, "ret_cohort_permit"),
                Column("permit_share", "Andel med tillstånd (%)", SHARE, "ret_cohort_permit"),
                Column("open", "Öppna efter fyra år", COUNT, "ret_cohort_open")]

        def cells(v: Mapping) -> dict:
            opened = v.get("ret_received", 0)
            out = {"opened": count_cell(opened), "open": count_cell(v.get("ret_cohort_open", 0))}
            for c in ("departed", "lapsed", "permit"):
                x = v.get(f"ret_cohort_{c}", 0)
                out[c], out[f"{c}_share"] = count_cell(x), share_cell(x, opened)
            return out

        today = timezone.localdate(self.now)
        rows = [Row(b.code, b.label + ("" if date(int(b.code) + 4, 12, 31) < today else " (ej fyra år än)"),
                    cells(res.get((b.code,), {}))) for b in self.params.period.buckets("year")]
        return self._table("ret_kohort", "Rapportens huvudmått: av ärendena som kom in ett år, andelen som avslutats "
                                         "inom fyra år (till samma kalenderdag) genom utresa, preskription eller "
                                         "uppehållstillstånd.", "Inkommen år", cols, rows,
                           Row("total", "Hela perioden", cells(self.summed(res)[()])),
                           ["För ett år som kom in för mindre än fyra år sedan är kohorten inte färdig: ärenden "
                            "som fortfarande är öppna räknas som öppna."])

    def ret_forvar(self) -> Table:
        res = self._by(("ret_detentions",), ("category",))
        stats = self.durations(("ret_detention_time",), ("category",), total=True)
        cols = [Column("count", "Påbörjade förvar", COUNT, "ret_detentions", additive=True),
                Column("ended", "Avslutade", COUNT, "ret_detention_time"),
                Column("median", "Median (dagar)", RATE, "ret_detention_time"),
                Column("mean", "Medel (dagar)", RATE, "ret_detention_time")]

        def cells(v: Mapping, st) -> dict:
            return {"count": count_cell(v.get("ret_detentions", 0)), "ended": count_cell(st.n if st else 0),
                    "median": _days(st, "median"), "mean": _days(st, "mean")}

        rows = [Row(str(k), f"Kategori {k}", cells(res.get((str(k),), {}), stats.get(("ret_detention_time", str(k)))))
                for k in (1, 2, 3)]
        total = Row("total", "Totalt", cells(self.summed(res)[()],
                                             stats.get(("ret_detention_time", metrics.TOTAL))))
        return self._table("ret_forvar", "Förvar enligt utlänningslagen som påbörjades under perioden, per polisens "
                                         "kategori, och förvarstidens längd för de avslutade.", "Kategori", cols,
                           rows, total, ["Beläggningen på förvaren (platser) finns inte i systemet och visas inte: "
                                         "den registreras hos Migrationsverket."])

    def ret_transporter(self) -> Table:
        res = self._by(("ret_transports",), ("trip_type", "status"))
        cols = [Column("count", "Beställda", COUNT, "ret_transports", additive=True),
                Column("done", "Genomförda", COUNT, "ret_transports", additive=True),
                Column("cancelled", "Avbeställda", COUNT, "ret_transports", additive=True)]

        def cells(trip: str | None) -> dict:
            sel = {k: v.get("ret_transports", 0) for k, v in res.items() if trip is None or k[0] == trip}
            return {"count": count_cell(sum(sel.values())),
                    "done": count_cell(sum(v for k, v in sel.items() if k[1] == "done")),
                    "cancelled": count_cell(sum(v for k, v in sel.items() if k[1] == "cancelled"))}

        rows = [Row(code, label, cells(code)) for code, label in rr.TRIP_TYPES.items()]
        return self._table("ret_transporter", "Transporter som polisen beställt hos Kriminalvården under perioden, per "
                                              "resetyp.", "Resetyp", cols, rows, Row("total", "Totalt", cells(None)),
                           ["Verkställda utresor per resetyp finns också i tabellen över utfall (utfallskoden)."],
                           Chart("bars", ("count",), "Beställningar per resetyp"))


def report(actor: Actor, data: Mapping, *, now: datetime | None = None, refresh: bool = True) -> ReturnReport:
    """The return follow-up for the actor (validated parameters; ``ParamError`` on bad input). Without a
    period it shows the last complete calendar year (stock and cohorts are yearly measures)."""
    from . import duck

    scope, tables = scope_for(actor)
    now = now or timezone.now()
    data = dict(data.items()) if hasattr(data, "items") else dict(data)
    data = {k: (v[-1] if isinstance(v, list) else v) for k, v in data.items()}
    if not data.get("period") and not data.get("fran"):
        data["period"] = str(timezone.localdate(now).year - 1)
    data.setdefault("series", "year")
    for key in ("law", "point", "case_code", "organisation"):
        if data.get(key):
            raise ParamError(key, "Återvändandets uppföljning kan inte filtreras på det här fältet.")
    params = parse_params(data, today=timezone.localdate(now))
    if params.level not in scope.levels:
        raise PermissionDenied(f"Nivån {rules.LEVELS[params.level].lower()} är inte tillgänglig i din roll.")
    if refresh:
        facts.refresh(max_age=facts.max_age(), now=now)
    synced = False
    if duck.engine() == duck.DUCKDB:
        duck.ensure()
        synced = True
    return ReturnReport(scope, params, tables, now=now, thresholds={}, synced=synced)
