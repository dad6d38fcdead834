"""The follow-up's fact rows of return cases (``models.ReturnFact``), kept in step with the cases.

The follow-up registers ``refresh`` and ``rebuild`` as a feed (``followup.facts.Feed``), so its incremental
refresh, its nightly rebuild and its analytics replica carry these rows like its own. ``rows_for`` is the one
place where a return case becomes fact rows; both write only the cases whose rows differ, each case's rows
replaced whole and stamped with the change number they are given. A case that is gone leaves one row of kind
``gone`` (a tombstone), so that the replica, which copies by change number, drops its rows too.

Days are Stockholm calendar days counted from 2000-01-01 and months ``year * 12 + month - 1``: the same
numbers as the follow-up's own fact tables (a test checks it), so its periods apply unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from . import rules

STOCKHOLM = ZoneInfo("Europe/Stockholm")
EPOCH = date(2000, 1, 1)
#: Detentions and transport orders change without touching the case: those started (ordered) this recently
#: or still going are looked at on every refresh; older changes are caught by the nightly rebuild.
RECENT = timedelta(days=14)
OPEN_ORDER_STATES = ("ordered", "accepted", "booked")
BATCH = 2000
#: Cases changed this long before the watermark are looked at again (a transaction may commit late).
MARGIN = timedelta(minutes=5)
CASE, STOCK, DETENTION, TRANSPORT, GONE = "case", "stock", "detention", "transport", "gone"


def local_date(moment: datetime | None) -> date | None:
    return None if moment is None else moment.astimezone(STOCKHOLM).date()


def day_month(d: date | None) -> tuple[int | None, int | None]:
    if d is None:
        return None, None
    return (d - EPOCH).days, d.year * 12 + d.month - 1


def last_year_end(now: datetime) -> int:
    """The last year whose 31 December has passed (the newest stock that can be counted)."""
    return local_date(now).year - 1


def enforced_by(outcome: str) -> str:
    if outcome in rules.ENFORCED_BY_POLICE:
        return "police"
    return "own" if outcome == "egen_utresa" else ""


def rows_for(c: dict, detentions: Iterable[dict], orders: Iterable[dict], now: datetime) -> list[dict]:
    """The fact rows of one case. ``c``: the case's and its detail's fields as ``_cases`` reads them."""
    received, closed = local_date(c["received_at"]), local_date(c["closed_at"])
    dims = {"case_id": c["id"], "region_id": c["region_id"], "police_area_id": c["police_area_id"],
            "unit_id": c["unit_id"], "organisation_id": c["organisation_id"], "origin": c["origin"] or "",
            "reason": c["reason"] or "", "mv_category": c["mv_category"], "police_category": c["police_category"]}
    rd, rm = day_month(received)
    cd, cm = day_month(closed)
    outcome = c["outcome"] or ""
    through = last_year_end(now)
    rows = [{**dims, "kind": CASE, "source_updated_at": c["updated_at"], "received_day": rd, "received_month": rm, "closed_day": cd, "closed_month": cm,
             "final_day": day_month(c["final_on"])[0], "lapses_day": day_month(c["lapses_on"])[0], "outcome": outcome if closed else "",
             "cohort": rules.cohort_class(rules.CohortCase(received, closed, outcome)) if received else "",
             "enforced_by": enforced_by(outcome) if closed else "",
             "stock_through": through if closed is None else None}]
    if received is not None:
        # Open on 31 December of year Y: received before 1 January Y+1 and not closed before it.
        last = through if closed is None else min(through, closed.year - 1)
        for year in range(received.year, last + 1):
            ad, am = day_month(date(year, 12, 31))
            rows.append({**dims, "kind": STOCK, "source_id": year, "anchor_day": ad, "anchor_month": am})
    for d in detentions:
        ad, am = day_month(local_date(d["started_at"]))
        rows.append({**dims, "kind": DETENTION, "source_id": d["id"], "anchor_day": ad, "anchor_month": am,
                     "detention_kind": d["kind"] or "", "child": bool(d["child"]),
                     "seconds": None if d["ended_at"] is None else round(
                         (d["ended_at"] - d["started_at"]).total_seconds())})
    for o in orders:
        ad, am = day_month(local_date(o["ordered_at"]))
        rows.append({**dims, "kind": TRANSPORT, "source_id": o["id"], "anchor_day": ad, "anchor_month": am,
                     "trip_type": o["trip_type"] or "", "status": o["status"] or ""})
    return rows


def _compared_fields():
    from .models import ReturnFact

    return [f for f in ReturnFact._meta.concrete_fields if f.attname not in ("id", "seq")]


def _normalised(row: dict, fields) -> tuple:
    return tuple(row[f.attname] if f.attname in row else f.get_default() for f in fields)


def _build(ids: list[int], seq: int, now: datetime) -> int:
    """Write the rows of these cases where they differ from what is stored; a case that is gone gets a
    tombstone. Returns the number of cases rewritten."""
    from bitrade.cases.models import Case

    from .models import Detention, ReturnFact, TransportOrder

    cases = {c["id"]: c for c in Case.objects.filter(pk__in=ids, kind="return", return_case__isnull=False)
             .order_by().values("id", "updated_at", "received_at", "closed_at", "outcome", "region_id", "unit_id",
                                rc_id=F("return_case__id"), origin=F("return_case__origin"),
                                reason=F("return_case__reason"), mv_category=F("return_case__mv_category"),
                                police_category=F("return_case__police_category"),
                                final_on=F("return_case__final_on"), lapses_on=F("return_case__lapses_on"),
                                organisation_id=F("return_case__source_organisation_id"),
                                police_area_id=F("return_case__whereabouts_municipality__police_area_id"))}
    by_rc = {c["rc_id"]: cid for cid, c in cases.items()}
    detentions: dict[int, list] = {cid: [] for cid in cases}
    for d in Detention.objects.filter(return_case_id__in=by_rc).order_by("id").values(
            "id", "return_case_id", "kind", "child", "started_at", "ended_at"):
        detentions[by_rc[d["return_case_id"]]].append(d)
    orders: dict[int, list] = {cid: [] for cid in cases}
    for o in TransportOrder.objects.filter(return_case_id__in=by_rc).order_by("id").values(
            "id", "return_case_id", "trip_type", "status", "ordered_at"):
        orders[by_rc[o["return_case_id"]]].append(o)
    fields = _compared_fields()
    new = {cid: rows_for(c, detentions[cid], orders[cid], now) for cid, c in cases.items()}
    for cid in ids:
        if cid not in new:
            new[cid] = [{"case_id": cid, "kind": GONE}]
    old: dict[int, list[tuple]] = {}
    for r in ReturnFact.objects.filter(case_id__in=ids).values():
        old.setdefault(r["case_id"], []).append(_normalised(r, fields))
    changed = []
    for cid, rows in new.items():
        mine = sorted(_normalised(r, fields) for r in rows)
        if rows[0]["kind"] == GONE and cid not in old:
            continue  # never had rows: nothing to drop
        if sorted(old.get(cid, [])) != mine:
            changed.append(cid)
    if not changed:
        return 0
    ReturnFact.objects.filter(case_id__in=changed)._raw_delete(ReturnFact.objects.db)
    ReturnFact.objects.bulk_create([ReturnFact(**r, seq=seq) for cid in changed for r in new[cid]],
                                   batch_size=2000)
    return len(changed)


def _candidates(since: datetime | None, now: datetime) -> list[int]:
    from bitrade.cases.models import Case

    from .models import Detention, ReturnFact, TransportOrder

    cases = Case.objects.filter(kind="return")
    if since is None:
        return sorted(set(cases.values_list("pk", flat=True)) | _orphans())
    facts = ReturnFact.objects.filter(case_id=OuterRef("pk"), kind=CASE)
    ids = set(cases.filter(Q(updated_at__gte=since) | ~Exists(facts)).values_list("pk", flat=True))
    # Open cases whose stock has not reached the last 31 December yet (a new year has begun).
    ids |= set(ReturnFact.objects.filter(kind=CASE, closed_day__isnull=True, stock_through__lt=last_year_end(now))
               .values_list("case_id", flat=True))
    recent = now - RECENT
    ids |= set(Detention.objects.filter(Q(started_at__gte=recent) | Q(ended_at__isnull=True) | Q(
        ended_at__gte=recent)).values_list("return_case__case_id", flat=True))
    ids |= set(TransportOrder.objects.filter(Q(ordered_at__gte=recent) | Q(status__in=OPEN_ORDER_STATES))
               .values_list("return_case__case_id", flat=True))
    return sorted(ids | _orphans())


def _orphans() -> set[int]:
    """Cases with fact rows that are no longer return cases (removed, e.g. by a new synthetic generation)."""
    from bitrade.cases.models import Case

    from .models import ReturnFact

    alive = Case.objects.filter(pk=OuterRef("case_id"), kind="return")
    return set(ReturnFact.objects.filter(kind=CASE).filter(~Exists(alive)).values_list("case_id", flat=True))


def watermark() -> datetime | None:
    """Where the incremental step looks from: the newest case change the rows were made from, less the margin
    for transactions that commit late (the follow-up's own watermark follows handräckning cases only)."""
    from django.db.models import Max

    from .models import ReturnFact

    newest = ReturnFact.objects.filter(kind=CASE).aggregate(m=Max("source_updated_at"))["m"]
    return None if newest is None else newest - MARGIN


def refresh(since: datetime | None, now: datetime, seq: int) -> int:
    """The feed's incremental step (inside the follow-up's refresh transaction). It looks from its own
    watermark (``since`` follows the handräckning cases); without rows yet, at every case."""
    return _refresh(watermark(), now, seq)


def _refresh(since: datetime | None, now: datetime, seq: int) -> int:
    ids = _candidates(since, now)
    return sum(_build(ids[i:i + BATCH], seq, now) for i in range(0, len(ids), BATCH))


def rebuild(seq: int) -> int:
    """The feed's part of the nightly rebuild: every return case again, and tombstones for the gone."""
    return _refresh(None, timezone.now(), seq)
