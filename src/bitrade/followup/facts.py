"""The fact table behind the follow-up: one narrow row per case, refreshed incrementally.

``fact_for`` is the one place where a case and its request become a fact row (and where the lead-time
durations are computed, in whole seconds). ``refresh`` brings the table up to date: the cases whose
``updated_at`` is at or after the watermark (minus a margin for transactions that committed late) and the
cases that have no fact yet; only cases whose rows differ are rewritten, stamped with the next change number
(``FactState.seq``) that the analytics replica (``duck``) copies by. ``rebuild`` (``refresh(full=True)``)
recomputes everything in batches that commit one by one and resumes where an interrupted one stopped (the
worker runs it each night, ``schedule``). The follow-up selectors call ``refresh(max_age=...)`` before they
read, so the figures are at most ``BITRADE_FOLLOWUP_REFRESH_SECONDS`` old (default 60); the worker refreshes
every ``BITRADE_FOLLOWUP_SYNC_SECONDS``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from bitrade.assistance import rules as case_rules

from .bulk import bulk_insert
from .models import ActivityFact, CaseFact, FactState
from .rules import local_day_month

#: Cases changed this long before the watermark are looked at again (a transaction may commit late).
MARGIN = timedelta(minutes=5)
#: Custody and transport rows do not touch the case when they change; the cases with such activity in
#: this window (or still open) are rebuilt at every refresh. Older changes are caught by the full rebuild.
RECENT = timedelta(days=14)
OPEN_TRANSPORT_STATES = ("requested", "accepted", "planned")
BATCH = 2000
EXECUTED = (case_rules.OUTCOME_EXECUTED, case_rules.OUTCOME_HEALTH_CARE)
DECIDED = (case_rules.GRANTED, case_rules.REFUSED)

#: What ``fact_for`` reads: case fields, then the request's (through ``assistance_request``).
CASE_FIELDS = (
    "id", "updated_at", "received_at", "acknowledged_at", "decided_at", "outcome_at", "closed_at", "ack_due_at",
    "assigned_at", "assign_due_at", "requester_informed_at", "state", "region_id", "unit_id", "case_code",
    "decision", "refusal_check", "outcome", "escalation_count", "overrule_count", "wanted_notice_reference",
    "patrol_minutes",
)
REQUEST_FIELDS = {
    "organisation_id": "assistance_request__organisation_id",
    "law": "assistance_request__law",
    "point": "assistance_request__legal_basis_key",
    "age": "assistance_request__person_age",
    "police_area_id": "assistance_request__location_municipality__police_area_id",
}


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds())


def fact_for(c: Mapping, *, completion: bool) -> dict:
    """The fact row of one case. ``c`` holds ``CASE_FIELDS`` and the keys of ``REQUEST_FIELDS``."""
    days = {}
    for anchor in ("received", "acknowledged", "decided", "outcome", "closed"):
        days[f"{anchor}_day"], days[f"{anchor}_month"] = local_day_month(c[f"{anchor}_at"])
    decided = c["decision"] in DECIDED and c["decided_at"] is not None
    executed = c["outcome"] in EXECUTED and c["outcome_at"] is not None
    closed = c["state"] == case_rules.CLOSED and c["closed_at"] is not None
    return {
        "case_id": c["id"], "source_updated_at": c["updated_at"],
        "received_at": c["received_at"], "acknowledged_at": c["acknowledged_at"], "decided_at": c["decided_at"],
        "outcome_at": c["outcome_at"], "closed_at": c["closed_at"], "ack_due_at": c["ack_due_at"],
        "assigned_at": c["assigned_at"], "assign_due_at": c["assign_due_at"],
        "requester_informed_at": c["requester_informed_at"], **days, "state": c["state"],
        "region_id": c["region_id"],
        "police_area_id": c.get("police_area_id"), "unit_id": c["unit_id"],
        "organisation_id": c.get("organisation_id"), "law": c.get("law") or "", "point": c.get("point") or "",
        "case_code": c["case_code"] or "", "decision": c["decision"] or "", "refusal_check": c["refusal_check"] or "",
        "outcome": c["outcome"] or "", "age": c.get("age"), "completion": bool(completion),
        "escalation_count": c["escalation_count"] or 0, "overrule_count": c["overrule_count"] or 0,
        "not_found": bool(c["wanted_notice_reference"]), "patrol_minutes": c["patrol_minutes"],
        **_hour_and_weekday(c["received_at"]),
        "force_used": bool(c.get("force_used")), "police_not_needed": bool(c.get("police_not_needed")),
        "transferred": bool(c.get("transferred")), "override": bool(c.get("override")),
        "s_ack": _seconds(c["received_at"], c["acknowledged_at"]),
        "s_decision": _seconds(c["acknowledged_at"] or c["received_at"], c["decided_at"]) if decided else None,
        "s_received_decision": _seconds(c["received_at"], c["decided_at"]) if decided else None,
        "s_execution": _seconds(c["decided_at"], c["outcome_at"]) if executed and c["decided_at"] else None,
        "s_received_execution": _seconds(c["received_at"], c["outcome_at"]) if executed else None,
        "s_closure": _seconds(c["outcome_at"], c["closed_at"]) if executed and closed else None,
        "s_total": _seconds(c["received_at"], c["closed_at"]) if closed else None,
        "s_report_back": _seconds(c["outcome_at"], c["requester_informed_at"]) if c["outcome"] else None,
    }


CASE_DIMENSIONS = ("region_id", "police_area_id", "unit_id", "organisation_id", "law", "point", "case_code")


def _activity(case_fact: Mapping, kind: str, source_id: int, anchor: datetime, **own) -> dict:
    day, month = local_day_month(anchor)
    return {"kind": kind, "source_id": source_id, "case_id": case_fact["case_id"], "anchor_at": anchor,
            "anchor_day": day, "anchor_month": month, **{k: case_fact[k] for k in CASE_DIMENSIONS}, **own}


def activities_for(case_fact: Mapping, *, episodes: Iterable[Mapping], holdings: Iterable[Mapping],
                   orders: Iterable[Mapping]) -> list[dict]:
    """The activity fact rows of one case.

    ``episodes``: id, started_at, ended_at, ground, person_age. ``holdings``: id, episode_id, started_at,
    ended_at, place_type, reason. ``orders``: id, ordered_at, executor, state, decline_reason and ``legs``,
    a list of (seq, from_region_id, to_region_id). A police transport is a relay transport when it has at
    least two legs and one of them crosses a region boundary; each leg after the first is a handover.
    """
    rows = []
    by_episode = {}
    for e in episodes:
        by_episode[e["id"]] = e
        rows.append(_activity(case_fact, "episode", e["id"], e["started_at"], ended_at=e["ended_at"],
                              age=e["person_age"], ground=e["ground"] or ""))
    for h in holdings:
        e = by_episode.get(h["episode_id"], {})
        rows.append(_activity(case_fact, "holding", h["id"], h["started_at"], ended_at=h["ended_at"],
                              age=e.get("person_age"), ground=e.get("ground") or "", place_type=h["place_type"] or "",
                              reason=h["reason"] or "", seconds=_seconds(h["started_at"], h["ended_at"])))
    for o in orders:
        legs = o.get("legs") or []
        police = o["executor"] == "police"
        rows.append(_activity(
            case_fact, "transport", o["id"], o["ordered_at"], executor=o["executor"] or "", state=o["state"] or "",
            decline_reason=o["decline_reason"] or "",
            relay=police and len(legs) >= 2 and any(a != b for _, a, b in legs),
            handovers=sum(1 for seq, _, _ in legs if seq >= 2) if police else 0))
    return rows


def _hour_and_weekday(at: datetime | None) -> dict:
    if at is None:
        return {"received_hour": None, "received_weekday": None}
    local = timezone.localtime(at)
    return {"received_hour": local.hour, "received_weekday": local.isoweekday()}


def _police_facts() -> dict:
    """Force used, police not needed, transfers and overrides, as subqueries of the case."""
    from bitrade.cases.models import CaseEvent
    from bitrade.custody.models import PowerUse

    events = CaseEvent.objects.filter(case_id=OuterRef("pk"))
    return {
        "force_used": Exists(PowerUse.objects.filter(case_id=OuterRef("pk"), kind="force")),
        "police_not_needed": Exists(events.filter(action="record_outcome", data__police_not_needed=True)),
        "transferred": Exists(events.filter(action="transferred")),
        "override": Exists(events.filter(action__in=("grant", "overrule"), data__has_key="override")),
    }


def _completion_exists():
    from bitrade.intake.models import CompletionQuestion

    return Exists(CompletionQuestion.objects.filter(request__case_id=OuterRef("pk")))


def _normalised(model, row: Mapping) -> tuple:
    """A fact row as a tuple of every field but the id and the change number (defaults filled in)."""
    return tuple(row[f.attname] if f.attname in row else f.get_default() for f in _compared_fields(model))


def _compared_fields(model) -> list:
    return [f for f in model._meta.concrete_fields if f.attname not in ("id", "seq")]


def _build(ids: list[int], seq: int = 0) -> tuple[int, datetime | None]:
    """(Re)build the case and activity facts of these cases; rows that would not change are left as they
    are. The cases whose facts change (or go away) are rewritten whole, stamped with ``seq``. Returns the
    number of cases rewritten and the newest ``updated_at`` seen."""
    from bitrade.cases.models import Case
    from bitrade.custody.models import CustodyEpisode, Holding
    from bitrade.transport.models import TransportLeg, TransportOrder

    newest = None
    rows = []
    qs = (Case.objects.filter(pk__in=ids, kind="assistance").order_by()
          .values(*CASE_FIELDS, **{k: F(v) for k, v in REQUEST_FIELDS.items()}, completion=_completion_exists(),
                  **_police_facts()))
    for c in qs:
        rows.append(fact_for(c, completion=c["completion"]))
        if newest is None or c["updated_at"] > newest:
            newest = c["updated_at"]
    by_case: dict[int, dict] = {r["case_id"]: {"episodes": [], "holdings": [], "orders": []} for r in rows}
    for e in CustodyEpisode.objects.filter(case_id__in=by_case).values(
            "id", "case_id", "started_at", "ended_at", "ground", "person_age"):
        by_case[e["case_id"]]["episodes"].append(e)
    for h in Holding.objects.filter(episode__case_id__in=by_case).values(
            "id", "episode_id", "episode__case_id", "started_at", "ended_at", "place_type", "reason"):
        by_case[h["episode__case_id"]]["holdings"].append(h)
    orders = {o["id"]: {**o, "legs": []} for o in TransportOrder.objects.filter(case_id__in=by_case).values(
        "id", "case_id", "ordered_at", "executor", "state", "decline_reason")}
    for leg in TransportLeg.objects.filter(order_id__in=orders).values_list("order_id", "seq", "from_region_id",
                                                                             "to_region_id"):
        orders[leg[0]]["legs"].append(leg[1:])
    for o in orders.values():
        by_case[o["case_id"]]["orders"].append(o)
    new_acts: dict[int, list[dict]] = {r["case_id"]: activities_for(r, **by_case[r["case_id"]]) for r in rows}
    # What is there now, to write only what changes (the replica copies what was written).
    old_cases = {r["case_id"]: _normalised(CaseFact, r) for r in CaseFact.objects.filter(case_id__in=ids).values()}
    old_acts: dict[int, list[tuple]] = {}
    for a in ActivityFact.objects.filter(case_id__in=ids).values():
        old_acts.setdefault(a["case_id"], []).append(_normalised(ActivityFact, a))
    changed = []
    for r in rows:
        cid = r["case_id"]
        if old_cases.get(cid) != _normalised(CaseFact, r) or sorted(old_acts.get(cid, [])) != sorted(
                _normalised(ActivityFact, a) for a in new_acts[cid]):
            changed.append(cid)
    gone = [cid for cid in old_cases if cid not in new_acts]
    if not changed and not gone:
        return 0, newest
    keep = set(changed)
    _delete(changed + gone)
    bulk_insert(CaseFact, [{**r, "seq": seq} for r in rows if r["case_id"] in keep])
    bulk_insert(ActivityFact, [{**a, "seq": seq} for cid in changed for a in new_acts[cid]])
    return len(changed) + len(gone), newest


def _delete(case_ids: list[int] | None) -> None:
    """Plain DELETEs of fact rows (of these cases, or all): they are derived rows with nothing hanging on
    them but each other, and the ORM's collector would load every one of them first."""
    conn = connections[DEFAULT_DB_ALIAS]
    qn = conn.ops.quote_name
    with conn.cursor() as cur:
        for model in (ActivityFact, CaseFact):
            table = qn(model._meta.db_table)
            if case_ids is None:
                cur.execute(f"DELETE FROM {table}")
            elif case_ids:
                cur.execute(f"DELETE FROM {table} WHERE case_id IN ({', '.join(['%s'] * len(case_ids))})",
                            list(case_ids))


def _recently_active(now: datetime) -> set[int]:
    """Cases with custody or transport activity that may still change without the case being saved."""
    from bitrade.custody.models import CustodyEpisode, Holding
    from bitrade.transport.models import TransportOrder

    since = now - RECENT
    ids = set(CustodyEpisode.objects.filter(Q(started_at__gte=since) | Q(ended_at__isnull=True))
              .values_list("case_id", flat=True))
    ids |= set(Holding.objects.filter(Q(started_at__gte=since) | Q(ended_at__isnull=True))
               .values_list("episode__case_id", flat=True))
    ids |= set(TransportOrder.objects.filter(Q(ordered_at__gte=since) | Q(state__in=OPEN_TRANSPORT_STATES))
               .values_list("case_id", flat=True))
    return ids


@dataclass(frozen=True)
class Feed:
    """Another kind's facts fed through the same path (the hook for return enforcement and contact bans).

    A kind keeps its own narrow fact tables (``tables``: ``"app_label.Model"``, each with a ``case_id`` and a
    ``seq`` column like ``CaseFact``) and registers a feed from its AppConfig.ready(). ``refresh`` is called
    inside every refresh's transaction with the time to look from (None: everything), now and the change
    number to stamp the rows it writes; ``rebuild`` at the end of the full rebuild with a change number.
    Both return the number of cases whose rows they rewrote (0: nothing changed, the number is not used).
    They must write only rows that differ, and replace a case's rows whole (delete, then insert), so that
    the analytics replica, which copies every registered table by change number, stays exact. Measures over
    these tables are ``metrics.Metric`` entries with a ``metrics.Source`` naming the table."""

    key: str
    tables: tuple[str, ...]
    refresh: Callable[[datetime | None, datetime, int], int]
    rebuild: Callable[[int], int]


FEEDS: dict[str, Feed] = {}


def register_feed(feed: Feed) -> None:
    FEEDS[feed.key] = feed


@dataclass(frozen=True)
class Refresh:
    refreshed: int
    skipped: bool
    at: datetime | None
    #: When skipped as recent enough: the state read (generation, change number, refreshed at), which the
    #: replica compares with its own without reading it again (``duck.ensure``).
    state: tuple | None = None


def _state() -> FactState:
    state = FactState.objects.filter(pk=1).first()
    if state is None:
        try:
            with transaction.atomic():
                state = FactState.objects.create(pk=1)
        except IntegrityError:
            state = FactState.objects.get(pk=1)
    return state


def max_age() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "BITRADE_FOLLOWUP_REFRESH_SECONDS", 60)))


def refresh(*, full: bool = False, max_age: timedelta | None = None, now: datetime | None = None) -> Refresh:
    """Bring the fact table up to date. With ``max_age``, do nothing if it was refreshed more recently.
    ``full``: the full rebuild (``rebuild``), run to the end.

    Runs in one transaction holding the state row (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so a
    second process that finds a refresh running serves what is there instead of waiting). The rows it writes
    carry the next change number; if the process dies the transaction is rolled back whole, and the next
    refresh does the same work again.
    """
    from bitrade.cases.models import Case

    if full:
        return rebuild(now=now)
    now = now or timezone.now()
    state = _state()
    if max_age is not None and state.refreshed_at and now - state.refreshed_at < max_age:
        return Refresh(0, True, state.refreshed_at, (state.generation, state.seq, state.refreshed_at))
    with transaction.atomic():
        locked = FactState.objects.select_for_update(skip_locked=True).filter(pk=1).first()
        if locked is None:
            return Refresh(0, True, state.refreshed_at)
        cases = Case.objects.filter(kind="assistance")
        changed = Q(followup_fact__isnull=True)
        if locked.source_watermark is not None:
            changed |= Q(updated_at__gte=locked.source_watermark - MARGIN)
        ids = sorted(set(cases.filter(changed).values_list("pk", flat=True)) | _recently_active(now))
        total, newest = 0, locked.source_watermark
        seq = locked.seq + 1
        for i in range(0, len(ids), BATCH):
            n, latest = _build(ids[i:i + BATCH], seq)
            total += n
            if latest is not None and (newest is None or latest > newest):
                newest = latest
        since = None if locked.source_watermark is None else locked.source_watermark - MARGIN
        for feed in FEEDS.values():
            total += feed.refresh(since, now, seq)
        if total:
            locked.seq = seq
        locked.refreshed_at = now
        locked.source_watermark = newest
        locked.save()
    return Refresh(total, False, now)


def rebuild(*, now: datetime | None = None, batch: int = BATCH, batches: int | None = None) -> Refresh:
    """The full rebuild: every case's facts computed again from the cases, in batches of case ids, each
    batch its own transaction that also records how far the rebuild has come (``FactState.rebuild_after``).
    A rebuild that was interrupted (the worker killed, the machine restarted) goes on from there the next
    time; only rows that differ are rewritten. At the end the facts of cases that are gone are removed.
    ``batches``: stop after that many (the worker spreads a rebuild over its ticks); ``skipped`` then tells
    that it is not finished."""
    from bitrade.cases.models import Case

    now = now or timezone.now()
    _state()
    total, done = 0, 0
    while batches is None or done < batches:
        with transaction.atomic():
            locked = FactState.objects.select_for_update().get(pk=1)
            if locked.rebuild_after is None:
                locked.rebuild_after, locked.rebuild_started_at = 0, now
            ids = list(Case.objects.filter(kind="assistance", pk__gt=locked.rebuild_after).order_by("pk")
                       .values_list("pk", flat=True)[:batch])
            if not ids:
                if _remove_orphans():
                    locked.generation = new_generation()
                if sum(feed.rebuild(locked.seq + 1) for feed in FEEDS.values()):
                    locked.seq += 1
                locked.rebuild_after = None
                locked.full_rebuild_at = locked.refreshed_at = now
                locked.save()
                return Refresh(total, False, now)
            n, latest = _build(ids, locked.seq + 1)
            if n:
                locked.seq += 1
            if latest is not None and (locked.source_watermark is None or latest > locked.source_watermark):
                locked.source_watermark = latest
            locked.rebuild_after = ids[-1]
            locked.save()
        total += n
        done += 1
    return Refresh(total, True, now)


def _remove_orphans() -> int:
    """Delete the facts of cases that no longer exist as handräckning cases; returns how many."""
    from bitrade.cases.models import Case

    # NOT EXISTS, not NOT IN: PostgreSQL plans NOT IN (subquery) as a subplan per row when the ids do not fit
    # in work_mem — quadratic over ten national years — while NOT EXISTS is an anti-join on both engines.
    alive = Case.objects.filter(pk=OuterRef("case_id"), kind="assistance")
    gone = list(CaseFact.objects.filter(~Exists(alive)).values_list("case_id", flat=True))
    for i in range(0, len(gone), BATCH):
        _delete(gone[i:i + BATCH])
    return len(gone)


def new_generation() -> str:
    from .models import _new_generation

    return _new_generation()


def invalidate() -> None:
    """Fact rows were written or removed outside ``refresh`` (the generator): replicas start again."""
    _state()
    FactState.objects.filter(pk=1).update(generation=new_generation(), seq=F("seq") + 1)


def last_refreshed() -> datetime | None:
    state = FactState.objects.filter(pk=1).first()
    return state.refreshed_at if state else None
