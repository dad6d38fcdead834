"""Reads of return cases, scoped to the actor. The ``read_*`` functions are the audited entry points for the
pages and the API (every read of a person is on record); the rest return plain data for them.

Boundaries: the Police's handling unit (and the region's border police) see the case through the kernel;
Migrationsverket sees the status of the cases it handed over and nothing police-internal; Kriminalvården
sees the transport orders addressed to it and nothing else of the case."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from bitrade.audit import services as audit
from bitrade.common.actor import KRIMINALVARDEN, Actor
from bitrade.organisation.models import OrganisationKind

from . import rules
from .facts import current
from .models import ReturnCase, StatusChange, TransportOrder, WantedNotice

OBJECT_TYPE = "returns.returncase"


def return_case_of(case) -> ReturnCase | None:
    """The detail of a case the actor already read through the kernel (``cases.services.read_case``)."""
    return ReturnCase.objects.select_related("case", "case__unit", "whereabouts_municipality",
                                             "source_organisation", "previous__case").filter(case=case).first()


def panel_data(rc: ReturnCase) -> dict:
    detentions = list(rc.detentions.prefetch_related("extensions").order_by("-started_at"))
    open_detention = next((d for d in detentions if d.ended_at is None), None)
    return {
        "notes": list(rc.notes.all()),
        "status_changes": list(rc.status_changes.all()),
        "handovers": list(rc.handovers.order_by("received_at")),
        "supervision": rc.supervisions.filter(ended_at__isnull=True).first(),
        "missed_reports": [r for s in rc.supervisions.all() for r in s.reports.filter(missed=True)],
        "detentions": detentions,
        "open_detention": open_detention,
        "notices": list(rc.wanted_notices.order_by("-issued_at")),
        "orders": list(rc.transport_orders.select_related("organisation").order_by("-ordered_at")),
        "reopened": list(rc.reopened.select_related("case")),
    }


def read_detail(actor: Actor, case) -> ReturnCase | None:
    """The person's data on the case page (the kernel logged the case read; this logs the person read)."""
    rc = return_case_of(case)
    if rc is not None:
        audit.record_read(actor, OBJECT_TYPE, [rc.pk], purpose="återvändandeärende")
    return rc


# --------------------------------------------------------------------------- Migrationsverket


def _mv_org(actor: Actor) -> int:
    if actor.organisation_kind != OrganisationKind.MIGRATION_AGENCY or not actor.organisation_id:
        raise PermissionDenied("Endast Migrationsverket följer överlämnade ärenden.")
    return actor.organisation_id


def mv_handover(actor: Actor, case_public_id) -> ReturnCase:
    """A case MV handed over (else 404: another agency's or another organisation's case does not exist)."""
    org = _mv_org(actor)
    rc = ReturnCase.objects.select_related("case").filter(case__public_id=case_public_id,
                                                          source_organisation_id=org).first()
    if rc is None:
        audit.record(actor, "returns.status_read_refused", object_type=OBJECT_TYPE,
                     object_id=str(case_public_id)[:64], result="refused", reason="inte överlämnat av organisationen")
        raise Http404("Finns inte")
    return rc


def read_status_for_mv(actor: Actor, case_public_id) -> dict:
    """The case's status at the Police as MV may see it: no notes, detention, wanted notice or transport."""
    rc = mv_handover(actor, case_public_id)
    audit.record_read(actor, OBJECT_TYPE, [rc.pk], purpose="status för Migrationsverket")
    return status_out(rc)


def status_out(rc: ReturnCase) -> dict:
    case = rc.case
    from bitrade.cases import kinds

    assessment = current(rc)
    return {
        "id": str(case.public_id),
        "reference_number": case.reference_number,
        "mv_case_id": rc.source_reference,
        "state": case.state,
        "state_label": kinds.kind_of(case).state_label(case.state),
        "active": not assessment.get("inactive_reasons"),
        "inactive_reasons": [r["message"] for r in assessment.get("inactive_reasons", [])],
        "lapses_on": rc.lapses_on,
        "against_agreement": rc.against_agreement,
        "outcome": case.outcome,
        "outcome_label": rules.OUTCOMES.get(case.outcome, ""),
        "closed": case.closed_at is not None,
        "updated_at": case.updated_at,
    }


# --------------------------------------------------------------------------- Kriminalvården


def _kv_org(actor: Actor) -> int:
    if actor.organisation_kind != OrganisationKind.KRIMINALVARDEN or not actor.organisation_id:
        raise PermissionDenied("Endast Kriminalvårdens transportenhet ser transportbeställningar.")
    return actor.organisation_id


def kv_orders(actor: Actor) -> QuerySet:
    return TransportOrder.objects.filter(organisation_id=_kv_org(actor)).order_by("planned_on", "id")


def read_orders_for_kv(actor: Actor) -> list[dict]:
    orders = list(kv_orders(actor))
    audit.record_read(actor, "returns.transportorder", [o.pk for o in orders], purpose="transportbeställningar",
                      fingerprint=True)
    return [order_out(o) for o in orders]


def kv_order(actor: Actor, public_id) -> TransportOrder:
    order = kv_orders(actor).filter(public_id=public_id).first()
    if order is None:
        raise Http404("Finns inte")
    return order


def order_out(o: TransportOrder) -> dict:
    """Only what the trip needs (no police-internal notes, no case history)."""
    return {
        "id": str(o.public_id), "ordered_at": o.ordered_at, "trip_type": o.trip_type,
        "trip_type_label": rules.TRIP_TYPES.get(o.trip_type, ""), "planned_on": o.planned_on,
        "destination_country": o.destination_country, "traveller_name": o.traveller_name,
        "traveller_date_of_birth": o.traveller_date_of_birth, "travel_document_kind": o.travel_document_kind,
        "travel_document_valid_until": o.travel_document_valid_until,
        "document_valid_on_planned_date": (o.travel_document_valid_until is None
                                           or o.travel_document_valid_until >= o.planned_on),
        "escort_needed": o.escort_needed, "notes_for_kv": o.notes_for_kv, "status": o.status,
        "status_label": o.status_label, "milestones": o.milestones, "deviations": o.deviations,
    }


def is_kv(actor: Actor) -> bool:
    return actor.kind == KRIMINALVARDEN or actor.organisation_kind == OrganisationKind.KRIMINALVARDEN


# --------------------------------------------------------------------------- officers in the field


def read_notice(actor: Actor, public_id) -> WantedNotice:
    """A wanted notice for an officer who found the person: the name, the instruction, nothing else."""
    if not actor.is_police:
        raise PermissionDenied("Endast polisen.")
    notice = WantedNotice.objects.select_related("return_case__case").filter(public_id=public_id).first()
    if notice is None:
        raise Http404("Finns inte")
    audit.record_read(actor, OBJECT_TYPE, [notice.return_case_id], purpose="efterlysning")
    return notice


def open_notices(actor: Actor) -> list[WantedNotice]:
    """The open wanted notices of the officer's region (for the phone page's list)."""
    if not actor.is_police:
        raise PermissionDenied("Endast polisen.")
    qs = WantedNotice.objects.select_related("return_case__case").filter(
        found_at__isnull=True, cancelled_at__isnull=True, return_case__case__region_id=actor.region_id)
    notices = list(qs.order_by("-issued_at")[:100])
    audit.record_read(actor, OBJECT_TYPE, [n.return_case_id for n in notices], purpose="efterlysningar",
                      fingerprint=True)
    return notices


def today():
    return timezone.localdate()


# --------------------------------------------------------------------------- follow-up (aggregates only)


def _aggregate_reader(actor: Actor) -> None:
    if not (actor.sees_aggregates_only or actor.is_police):
        raise PermissionDenied("Uppföljningen är för polisen, analytiker och processägare.")


def stock_and_flow(actor: Actor, year: int) -> dict:
    """The definitions of docs/returns.md: stock = open on 31 December; inflow = opened in the year (by source
    and, for MV handovers, by reason); outflow = closed in the year by outcome; all per category and region.
    Counts only, no person."""
    from collections import Counter

    _aggregate_reader(actor)
    end = timezone.make_aware(timezone.datetime(year + 1, 1, 1))
    start = timezone.make_aware(timezone.datetime(year, 1, 1))
    rows = ReturnCase.objects.values_list("origin", "reason", "police_category", "case__region__code",
                                          "case__received_at", "case__closed_at", "case__outcome")
    stock, inflow, reasons, outflow = Counter(), Counter(), Counter(), Counter()
    cohort_cases = []
    for origin, reason, category, region, received, closed, outcome in rows:
        if received < end and (closed is None or closed >= end):
            stock[(origin, category, region)] += 1
        if start <= received < end:
            inflow[(origin, category, region)] += 1
            if origin == "mv":
                reasons[reason] += 1
        if closed is not None and start <= closed < end:
            outflow[outcome] += 1
        cohort_cases.append(rules.CohortCase(timezone.localtime(received).date(),
                                             timezone.localtime(closed).date() if closed else None, outcome))
    c = rules.cohort(cohort_cases, year - 4)

    def flat(counter):
        return [{"origin": o, "category": k, "region": r, "count": n} for (o, k, r), n in sorted(counter.items())]

    return {
        "year": year, "stock": flat(stock), "inflow": flat(inflow),
        "mv_handovers_by_reason": dict(sorted(reasons.items())), "outflow_by_outcome": dict(sorted(outflow.items())),
        "cohort": {"opened_year": c.year, "opened": c.opened, "departed": c.departed, "lapsed": c.lapsed,
                   "permit": c.permit, "open_after_four_years": c.open_after,
                   "share_departed": c.share(c.departed), "share_lapsed": c.share(c.lapsed),
                   "share_permit": c.share(c.permit)},
    }


# --------------------------------------------------------------------------- the group manager's overview


def region_cases(actor: Actor, *, category: int | None = None, only: str = "") -> list[dict]:
    """The open return cases the actor's unit handles — for the region's border police, every one in the
    region — most urgent first (priority group, then the lapse date), as rows for the overview. ``only``:
    ``inactive``, ``enforceable``, ``lapse_soon``, ``detained`` or ``against_agreement``. The read is on record."""
    from datetime import timedelta

    from bitrade.cases import kinds
    from bitrade.cases.selectors import scope

    if not actor.is_police:
        raise PermissionDenied("Endast polisen.")
    qs = ReturnCase.objects.filter(case__in=scope(actor).filter(kind="return").exclude(state="closed")) \
        .select_related("case", "case__unit").order_by("priority_group", "lapses_on", "case__received_at")
    if category in (1, 2, 3):
        qs = qs.filter(police_category=category)
    today = timezone.localdate()
    soon = today + timedelta(days=90)
    if only == "lapse_soon":
        qs = qs.filter(lapses_on__lte=soon)
    elif only == "detained":
        qs = qs.filter(detained=True)
    elif only == "against_agreement":
        qs = qs.filter(against_agreement=True)
    rows = []
    for rc in qs.select_related("whereabouts_municipality")[:500]:
        a = current(rc, today)
        inactive = [r["message"] for r in a.get("inactive_reasons", [])]
        if only == "inactive" and not inactive:
            continue
        if only == "enforceable" and not a.get("enforceable_now"):
            continue
        rows.append({
            "id": rc.case.public_id, "reference_number": rc.case.reference_number, "person_name": rc.person_name,
            "origin": rules.ORIGINS.get(rc.origin, ""), "category": rc.police_category,
            "priority_group": rc.priority_group, "state_label": kinds.kind_of(rc.case).state_label(rc.case.state),
            "inactive_reasons": inactive, "enforceable_now": a.get("enforceable_now", False),
            "voluntary_departure_deadline": a.get("voluntary_departure_deadline"), "lapses_on": rc.lapses_on,
            "lapse_soon": bool(rc.lapses_on and rc.lapses_on <= soon), "detained": rc.detained,
            "against_agreement": rc.against_agreement, "assigned_to": rc.assigned_to, "unit": rc.case.unit.name,
        })
    audit.record_read(actor, OBJECT_TYPE, [r["reference_number"] for r in rows], purpose="återvändande översikt",
                      fingerprint=True)
    return rows


def stage_and_inactive_times(actor: Actor, year: int) -> dict:
    """For the cases received in ``year``: the mean days in each state (to closure, or to the end of the year
    if still open), and the mean days inactive per reason among the cases that had that reason. Counts only."""
    from collections import defaultdict

    from bitrade.cases.models import CaseEvent

    _aggregate_reader(actor)
    start = timezone.make_aware(timezone.datetime(year, 1, 1))
    end = timezone.make_aware(timezone.datetime(year + 1, 1, 1))
    cases = {rc.case_id: rc for rc in ReturnCase.objects.select_related("case").filter(
        case__received_at__gte=start, case__received_at__lt=end)}
    steps = defaultdict(list)
    for case_id, at, to_state in CaseEvent.objects.filter(case_id__in=cases).exclude(to_state="") \
            .order_by("at", "id").values_list("case_id", "at", "to_state"):
        steps[case_id].append((at, to_state))
    changes = defaultdict(list)
    for rc_id, at, kind, valid_until in StatusChange.objects.filter(
            return_case__case_id__in=cases).order_by("at", "id").values_list("return_case_id", "at", "kind",
                                                                             "valid_until"):
        changes[rc_id].append((timezone.localtime(at).date(), kind, valid_until))
    stage_total, stage_n = defaultdict(float), defaultdict(int)
    inactive_total, inactive_n = defaultdict(int), defaultdict(int)
    for case_id, rc in cases.items():
        until = rc.case.closed_at or min(end, timezone.now())
        for state, days in rules.stage_days(steps[case_id], until).items():
            stage_total[state] += days
            stage_n[state] += 1
        for reason, days in rules.inactive_days(changes[rc.pk], timezone.localtime(until).date()).items():
            inactive_total[reason] += days
            inactive_n[reason] += 1
    return {
        "year": year, "cases": len(cases),
        "mean_days_in_state": {s: round(stage_total[s] / stage_n[s], 1) for s in sorted(stage_total)},
        "mean_days_inactive_by_reason": {r: round(inactive_total[r] / inactive_n[r], 1) for r in sorted(inactive_total)},
        "cases_inactive_by_reason": dict(sorted(inactive_n.items())),
    }
