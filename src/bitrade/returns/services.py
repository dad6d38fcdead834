"""Every change of a return case: one transaction each, with its timeline step, audit event and outbox message.

The case itself (reference number, state, unit, closure) is the kernel's (``cases.services``); this module
holds what only return enforcement has: the handover from Migrationsverket and its status changes, the
Police's screening, notes, supervision, detention, wanted notices, transport orders to Kriminalvården and
the outcome, and the deadlines that watch them (registered with ``bitrade.deadlines``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from bitrade.audit import services as audit
from bitrade.cases import services as cases
from bitrade.cases.models import Case
from bitrade.common.actor import SYSTEM_ACTOR, Actor
from bitrade.common.errors import DomainError
from bitrade.deadlines import services as deadlines
from bitrade.organisation.models import (
    Municipality,
    OrganisationKind,
    PoliceRegion,
    RequestingOrganisation,
    Unit,
    UnitKind,
)
from bitrade.outbox import services as outbox

from . import rules
from .facts import facts_of, law_settings
from .models import (
    Detention,
    DetentionExtension,
    Handover,
    Note,
    ReturnCase,
    StatusChange,
    Supervision,
    SupervisionReport,
    TransportOrder,
    WantedNotice,
)
from .schemas import HandoverIn, facts_of_handover

KIND = "return"
OBJECT_TYPE = "returns.returncase"

# States of a return case (labels in rules would do, but the kernel wants them with the kind).
RECEIVED, ASSIGNED, ENFORCEMENT, TRANSPORT, CONCLUDED, CLOSED = (
    "received", "assigned", "enforcement", "transport", "concluded", "closed")
STATE_LABELS = {
    RECEIVED: "Inkommet", ASSIGNED: "Tilldelat", ENFORCEMENT: "Verkställighet pågår",
    TRANSPORT: "Transport beställd", CONCLUDED: "Utfall registrerat", CLOSED: "Avslutat",
}
OPEN_WORK = (RECEIVED, ASSIGNED, ENFORCEMENT, TRANSPORT)
TRANSITIONS = {
    "assign": {RECEIVED: ASSIGNED, ASSIGNED: ASSIGNED, ENFORCEMENT: ENFORCEMENT, TRANSPORT: TRANSPORT},
    "screen": {ASSIGNED: ENFORCEMENT, ENFORCEMENT: ENFORCEMENT},
    "order_transport": {ENFORCEMENT: TRANSPORT, TRANSPORT: TRANSPORT},
    "outcome": {s: CONCLUDED for s in OPEN_WORK},
    "close": {CONCLUDED: CLOSED},
}


class ReturnError(DomainError):
    status = 422


class HandoverIncomplete(ReturnError):
    """A handover that lacks what the agreement requires: every missing field named."""

    def __init__(self, checks):
        super().__init__("Överlämnandet saknar uppgifter som överenskommelsen kräver: "
                         + " ".join(c.message for c in checks), field=checks[0].code, checks=tuple(checks),
                         citation=checks[0].citation)

    def errors(self) -> list[dict]:
        return [{"field": c.code, "code": "missing", "message": c.message, "citation": c.citation}
                for c in self.checks]


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


# --------------------------------------------------------------------------- facts and derived values


def _apply_facts(rc: ReturnCase, f: rules.Facts) -> None:
    for name in ("person_name", "date_of_birth", "identity_status", "nationality", "destination_country",
                 "destination_stance", "travel_document_kind", "travel_document_valid_until", "decision_type",
                 "deciding_body", "decided_on", "final_on", "voluntary_departure_deadline", "reentry_ban_until",
                 "reason", "mv_category", "whereabouts_known", "prior_dialogue", "family_with_children",
                 "temporary_permit_until", "stay_of_enforcement", "pending_impediment", "pending_permit_application",
                 "pending_family_asylum", "permit_granted"):
        setattr(rc, name, getattr(f, name))
    rc.deadline_extended_to = [d.isoformat() for d in f.deadline_extended_to]


def refresh(rc: ReturnCase, now: datetime, *, save: bool = True) -> rules.Assessment:
    """Recompute category, priority group, lapse date and the assessment; keep the lapse warning scheduled."""
    result = rules.assess(facts_of(rc), timezone.localtime(now).date(), law_settings())
    old_lapse = rc.lapses_on
    rc.police_category, rc.priority_group = result.police_category, result.priority_group
    rc.lapses_on, rc.against_agreement = result.lapses_on, result.against_agreement
    rc.assessment = result.as_json()
    if save:
        rc.save()
        rc.case.priority = result.priority_group
        rc.case.save(update_fields=["priority", "updated_at"])
        if old_lapse != rc.lapses_on:
            _schedule_lapse_warning(rc)
    return result


def lapse_warning(rc: ReturnCase) -> tuple[datetime, dict] | None:
    """When the lapse warning is due and its payload (None without a lapse date)."""
    if rc.lapses_on is None:
        return None
    warn_on = rc.lapses_on - timedelta(days=law_settings().lapse_warning_days)
    due = timezone.make_aware(datetime.combine(warn_on, datetime.min.time()).replace(hour=8))
    return due, {"lapses_on": rc.lapses_on.isoformat()}


def _schedule_lapse_warning(rc: ReturnCase, *, fresh: bool = False) -> None:
    if not fresh:
        deadlines.cancel("returns.lapse_warning", object_type=OBJECT_TYPE, object_id=rc.pk,
                         reason="ny preskriptionsdag")
    warning = lapse_warning(rc)
    if warning is None:
        return
    deadlines.schedule("returns.lapse_warning", object_type=OBJECT_TYPE, object_id=rc.pk, due_at=warning[0],
                       payload=warning[1])


# --------------------------------------------------------------------------- routing


def _no_border_police(region: PoliceRegion) -> ReturnError:
    return ReturnError(f"{region.name} har ingen gränspolisenhet som kan ta emot ärendet.", field="police_region",
                       status=422)


def border_police_unit(region: PoliceRegion) -> Unit:
    unit = Unit.objects.filter(region=region, kind=UnitKind.BORDER_POLICE, active=True).order_by("id").first()
    if unit is None:
        raise _no_border_police(region)
    return unit


@dataclass(frozen=True)
class Lookups:
    """What routing reads from the organisation register, read once for a whole batch of handovers."""

    municipalities: dict[str, Municipality]
    regions: dict[str, PoliceRegion]
    border_police: dict[int, Unit]  # region id -> the region's (first) active border-police unit


def load_lookups(handovers: list[HandoverIn]) -> Lookups:
    codes = {h.whereabouts.municipality_code for h in handovers if h.whereabouts.municipality_code}
    munis = {m.code: m for m in Municipality.objects.select_related("police_area__region").filter(code__in=codes)}
    regions = {r.code: r for r in PoliceRegion.objects.all()}
    units: dict[int, Unit] = {}
    for unit in Unit.objects.filter(kind=UnitKind.BORDER_POLICE, active=True).select_related("region").order_by("id"):
        units.setdefault(unit.region_id, unit)
    return Lookups(munis, regions, units)


def route(data: HandoverIn, lookups: Lookups) -> tuple[PoliceRegion, Municipality | None, Unit]:
    """The region and border-police unit a handover goes to: the region named, else the region of the
    municipality where the person stays (pure, given the lookups; a refusal names the field)."""
    muni = None
    if data.whereabouts.municipality_code:
        muni = lookups.municipalities.get(data.whereabouts.municipality_code)
        if muni is None:
            raise ReturnError("Okänd kommunkod.", field="whereabouts.municipality_code")
    if data.police_region:
        region = lookups.regions.get(data.police_region)
        if region is None:
            raise ReturnError("Okänd polisregion.", field="police_region")
    elif muni is not None and muni.police_area_id:
        region = muni.police_area.region
    else:
        raise ReturnError("Ange vistelsekommun eller polisregion så att ärendet kan styras till rätt region.",
                          field="police_region")
    unit = lookups.border_police.get(region.pk)
    if unit is None:
        raise _no_border_police(region)
    return region, muni, unit


# --------------------------------------------------------------------------- handover from MV


def require_migration_agency(actor: Actor) -> int:
    """The id of the actor's Migrationsverket organisation (from the key or the staff membership)."""
    if actor.organisation_kind != OrganisationKind.MIGRATION_AGENCY or not actor.organisation_id:
        raise PermissionDenied("Endast Migrationsverket kan överlämna ärenden för verkställighet.")
    return actor.organisation_id


def receive_handover(actor: Actor, data: HandoverIn, now: datetime | None = None) -> ReturnCase:
    """Register a handover from MV at once: refused (422, every missing field named) if it lacks what the
    agreement requires; flagged if it depends only on voluntary return (registered all the same)."""
    now = _now(now)
    org = require_migration_agency(actor)
    facts = facts_of_handover(data)
    missing = rules.missing(facts)
    if missing:
        audit.record(actor, "returns.handover", object_type=OBJECT_TYPE, object_id=data.mv_case_id[:64],
                     result="refused", reason=" ".join(c.code for c in missing))
        raise HandoverIncomplete(missing)
    region, muni, unit = route(data, load_lookups([data]))
    with transaction.atomic():
        duplicate = ReturnCase.objects.filter(origin="mv", source_reference=data.mv_case_id,
                                              source_organisation_id=org).exclude(case__state=CLOSED).first()
        if duplicate is not None:
            raise ReturnError(f"Ärendet är redan överlämnat ({duplicate.case.reference_number}).", field="mv_case_id",
                              status=409)
        case = cases.open_case(actor, KIND, region=region, unit=unit, state=RECEIVED, now=now,
                               priority=rules.priority_group(facts, timezone.localtime(now).date())[0],
                               text=received_text(data))
        rc = _create(case, facts, origin="mv", source_reference=data.mv_case_id, organisation=org, muni=muni,
                     whereabouts_text=_whereabouts_text(data), sex=data.person.sex, now=now)
        handover_record(actor, rc, data, org, now).save()
        for who, step in handover_events(actor, rc, data):
            cases.event(case, who, now=now, **step)
        audit.record(actor, "returns.handover", obj=case, new={"mv_case_id": data.mv_case_id,
                                                                 "against_agreement": rc.against_agreement})
        cases.notify_unit(case, unit, "returns.received", "Nytt återvändandeärende")
    return rc


def received_text(data: HandoverIn) -> str:
    return f"Överlämnat av Migrationsverket för verkställighet ({rules.REASONS[data.reason].lower()})."


def handover_record(actor: Actor, rc: ReturnCase, data: HandoverIn, org: int, now: datetime) -> Handover:
    """The handover as received (unsaved)."""
    return Handover(return_case=rc, received_at=now, organisation_id=org, api_key_id=actor.api_key_id,
                    reason=data.reason, category_at_handover=rc.police_category,
                    against_agreement=rc.against_agreement, body=data.model_dump(mode="json"))


def handover_events(actor: Actor, rc: ReturnCase, data: HandoverIn) -> list[tuple[Actor, dict]]:
    """The timeline steps a handover adds after "received": who takes each and its fields."""
    steps = []
    if rc.against_agreement:
        steps.append((actor, {"action": "against_agreement", "text": "Överlämnandet strider mot överenskommelsen: "
                              "ärendet förutsätter att personen återvänder självmant.",
                              "citation": rules.CITE_AGREEMENT, "public": False}))
    if data.whereabouts.known is False:
        steps.append((SYSTEM_ACTOR, {"action": "wanted_needed",
                                     "text": "Vistelseorten är okänd: personen ska efterlysas.",
                                     "citation": rules.CITE_HANDOVER_INFO, "public": False}))
    return steps


def _whereabouts_text(data: HandoverIn) -> str:
    w = data.whereabouts
    parts = [w.address, w.description, f"senast sedd {w.last_seen_on.isoformat()}" if w.last_seen_on else ""]
    return "; ".join(p for p in parts if p)


def _create(case: Case, facts: rules.Facts, *, origin: str, source_reference: str = "",
            organisation: int | None = None, muni: Municipality | None = None,
            whereabouts_text: str = "", sex: str = "", previous: ReturnCase | None = None,
            now: datetime) -> ReturnCase:
    rc = build_return_case(case, facts, origin=origin, source_reference=source_reference, organisation=organisation,
                           muni=muni, whereabouts_text=whereabouts_text, sex=sex, previous=previous, now=now)
    rc.save()
    if case.priority != rc.priority_group:
        case.priority = rc.priority_group
        case.save(update_fields=["priority", "updated_at"])
    _schedule_lapse_warning(rc, fresh=True)
    return rc


def build_return_case(case: Case | None, facts: rules.Facts, *, origin: str, source_reference: str = "",
                      organisation: int | None = None, muni: Municipality | None = None, whereabouts_text: str = "",
                      sex: str = "", previous: ReturnCase | None = None, now: datetime) -> ReturnCase:
    """The return case's detail with its derived values as of ``now`` (unsaved; ``case`` may be set later)."""
    rc = ReturnCase(case=case, origin=origin, source_reference=source_reference, source_organisation_id=organisation,
                    whereabouts_municipality=muni, whereabouts_text=whereabouts_text, sex=sex, previous=previous,
                    police_category=3, priority_group=3)
    _apply_facts(rc, facts)
    rc.whereabouts_known = facts.whereabouts_known
    refresh(rc, now, save=False)
    return rc


def register_case(actor: Actor, facts: rules.Facts, *, unit: Unit, source_reference: str = "",
                  now: datetime | None = None, previous: ReturnCase | None = None) -> ReturnCase:
    """The other origins: a court's expulsion, the Police's own refusal of entry, a Dublin return to Sweden, a
    person found again after departure (12:23), each with its source."""
    now = _now(now)
    if not actor.is_police:
        raise PermissionDenied("Endast polisen registrerar egna återvändandeärenden.")
    if facts.origin not in rules.ORIGINS or facts.origin == "mv":
        raise ReturnError("Okänd källa.", field="origin")
    checks = rules.missing(facts)
    if checks:
        raise HandoverIncomplete(checks)
    with transaction.atomic():
        case = cases.open_case(actor, KIND, region=unit.region, unit=unit, state=RECEIVED, now=now,
                               text=f"Registrerat: {rules.ORIGINS[facts.origin].lower()}.")
        rc = _create(case, facts, origin=facts.origin, source_reference=source_reference, previous=previous, now=now)
        audit.record(actor, "returns.registered", obj=case, new={"origin": facts.origin})
    return rc


# --------------------------------------------------------------------------- status changes from MV


def change_status(actor: Actor, rc: ReturnCase, kind: str, *, valid_until: date | None = None, text: str = "",
                  now: datetime | None = None) -> ReturnCase:
    now = _now(now)
    org = require_migration_agency(actor)
    if rc.source_organisation_id != org:
        raise PermissionDenied("Ärendet är inte överlämnat av er myndighet.")
    if kind in ("temporary_permit", "deadline_extended") and valid_until is None:
        raise ReturnError("Ange till vilken dag det gäller.", field="valid_until")
    with transaction.atomic():
        rc = ReturnCase.objects.select_for_update(of=("self",)).select_related(
            "case", "whereabouts_municipality").get(pk=rc.pk)
        _apply_facts(rc, rules.with_status(facts_of(rc), kind, valid_until))
        StatusChange.objects.create(return_case=rc, at=now, kind=kind, valid_until=valid_until, text=text,
                                    by_organisation_id=org)
        refresh(rc, now)
        label = rules.STATUS_CHANGES[kind]
        until = f" (till {valid_until.isoformat()})" if valid_until else ""
        cases.event(rc.case, actor, "status_change", f"{label}{until}. {text}".strip(), now=now,
                    data={"kind": kind})
        audit.record(actor, "returns.status_change", obj=rc.case, new={"kind": kind})
        cases.notify_unit(rc.case, rc.case.unit, "returns.status_change", label)
    return rc


# --------------------------------------------------------------------------- the Police's handling


def _locked(actor: Actor, rc: ReturnCase) -> ReturnCase:
    cases.require_handling_unit(actor, rc.case)
    return ReturnCase.objects.select_for_update(of=("self",)).select_related(
        "case", "case__unit", "whereabouts_municipality").get(pk=rc.pk)


def _step(actor: Actor, rc: ReturnCase, action: str, text: str, now: datetime, *, transition: str | None = None,
          citation: str = "", data: dict | None = None) -> None:
    """Move along the table if the step is a transition, then the timeline and the audit trail."""
    case = rc.case
    old = case.state
    if transition is not None:
        row = TRANSITIONS[transition]
        if case.state not in row:
            raise cases.CaseError(f"Det går inte i status ”{STATE_LABELS.get(case.state, case.state)}”.")
        case.state = row[case.state]
        case.save(update_fields=["state", "updated_at"])
    cases.event(case, actor, action, text, from_state=old if old != case.state else "",
                to_state=case.state if old != case.state else "", citation=citation, public=False, now=now,
                data=data)
    audit.record(actor, f"returns.{action}", obj=case, new=data or {})


def assign(actor: Actor, rc: ReturnCase, assigned_to: str, now: datetime | None = None) -> ReturnCase:
    now = _now(now)
    if not assigned_to.strip():
        raise ReturnError("Ange handläggare.", field="assigned_to")
    with transaction.atomic():
        rc = _locked(actor, rc)
        rc.assigned_to = assigned_to.strip()
        rc.save(update_fields=["assigned_to"])
        Case.objects.filter(pk=rc.case_id).update(resource=rc.assigned_to, assigned_at=now)
        _step(actor, rc, "assign", f"Tilldelat {rc.assigned_to}.", now, transition="assign")
    return rc


METHODS = {
    "return_conversation": "Återvändandesamtal",
    "identity": "Identitetsutredning",
    "wanted": "Efterlysning",
    "supervision": "Uppsikt",
    "detention": "Förvar",
    "transport": "Transport",
    "await": "Avvakta (inaktivt)",
}


def screen(actor: Actor, rc: ReturnCase, method: str, text: str, now: datetime | None = None) -> ReturnCase:
    now = _now(now)
    if method not in METHODS:
        raise ReturnError("Välj en metod.", field="method")
    with transaction.atomic():
        rc = _locked(actor, rc)
        rc.method, rc.screening = method, text
        rc.save(update_fields=["method", "screening"])
        Note.objects.create(return_case=rc, at=now, kind="screening", text=text or METHODS[method],
                            author=actor.label)
        _step(actor, rc, "screen", f"Screenat; vald metod: {METHODS[method].lower()}.", now, transition="screen",
              data={"method": method})
    return rc


def add_note(actor: Actor, rc: ReturnCase, kind: str, text: str, now: datetime | None = None,
             *, wants_to_return: bool | None = None, identity_status: str = "") -> ReturnCase:
    """The return conversation's official memo (RPSFS 2014:8 kap. 4), identity work and embassy contacts."""
    now = _now(now)
    if kind not in Note.KINDS:
        raise ReturnError("Okänd anteckningstyp.", field="kind")
    if not text.strip():
        raise ReturnError("Skriv anteckningen.", field="text")
    if identity_status and identity_status not in rules.IDENTITY:
        raise ReturnError("Okänd identitetsstatus.", field="identity_status")
    with transaction.atomic():
        rc = _locked(actor, rc)
        Note.objects.create(return_case=rc, at=now, kind=kind, text=text, author=actor.label)
        if wants_to_return is not None:
            rc.wants_to_return = wants_to_return
        if identity_status:
            rc.identity_status = identity_status
        refresh(rc, now)
        _step(actor, rc, f"note_{kind}", Note.KINDS[kind] + " registrerad.", now)
    return rc


def update_document(actor: Actor, rc: ReturnCase, kind: str, valid_until: date | None,
                    now: datetime | None = None) -> ReturnCase:
    now = _now(now)
    with transaction.atomic():
        rc = _locked(actor, rc)
        rc.travel_document_kind, rc.travel_document_valid_until = kind.strip(), valid_until
        refresh(rc, now)
        _step(actor, rc, "document", "Resehandling registrerad." if kind else "Resehandling borttagen.", now)
    return rc


# Supervision --------------------------------------------------------------------------------------------


def decide_supervision(actor: Actor, rc: ReturnCase, weekdays: tuple[int, ...], place: str, *, hour: int = 12,
                       now: datetime | None = None) -> Supervision:
    now = _now(now)
    if not weekdays or any(d not in range(7) for d in weekdays):
        raise ReturnError("Ange minst en anmälningsdag (0 = måndag … 6 = söndag).", field="weekdays")
    if not place.strip():
        raise ReturnError("Ange var personen ska anmäla sig.", field="place")
    with transaction.atomic():
        rc = _locked(actor, rc)
        if rc.supervisions.filter(ended_at__isnull=True).exists():
            raise ReturnError("Personen står redan under uppsikt.", field="weekdays", status=409)
        due = rules.next_report_due(timezone.localtime(now), tuple(sorted(set(weekdays))), hour)
        sup = Supervision.objects.create(return_case=rc, decided_at=now, weekdays=sorted(set(weekdays)),
                                         report_hour=hour, place=place, next_due_at=due)
        _schedule_report(sup, due)
        rc.under_supervision = True
        refresh(rc, now)
        _step(actor, rc, "supervision", f"Uppsikt: anmälan {_days(sup.weekdays)} kl. {hour} hos {place}.", now,
              citation=rules.CITE_SUPERVISION)
    return sup


DAY_NAMES = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")


def _days(days) -> str:
    return ", ".join(DAY_NAMES[d] for d in days)


#: How long after the reporting time a report still counts before it is missed.
REPORT_GRACE = timedelta(hours=4)


def _schedule_report(sup: Supervision, due: datetime) -> None:
    SupervisionReport.objects.create(supervision=sup, due_at=due)
    deadlines.schedule("returns.supervision_report", object_type="returns.supervision", object_id=sup.pk,
                       due_at=due + REPORT_GRACE, payload={"due_at": due.isoformat()})


def report_in(actor: Actor, rc: ReturnCase, now: datetime | None = None) -> SupervisionReport:
    """The person reported as required."""
    now = _now(now)
    with transaction.atomic():
        rc = _locked(actor, rc)
        sup = rc.supervisions.filter(ended_at__isnull=True).first()
        if sup is None:
            raise ReturnError("Personen står inte under uppsikt.", field="supervision", status=409)
        report = sup.reports.filter(reported_at__isnull=True, missed=False).order_by("due_at").first()
        if report is None:
            raise ReturnError("Ingen anmälan väntas nu.", field="supervision", status=409)
        report.reported_at = now
        report.save(update_fields=["reported_at"])
        _step(actor, rc, "reported", "Personen har anmält sig enligt uppsiktsbeslutet.", now)
    return report


@deadlines.register("returns.supervision_report")
def _on_report_due(deadline, now: datetime) -> str:
    sup = Supervision.objects.select_related("return_case__case__unit").filter(pk=deadline.object_id).first()
    if sup is None or sup.ended_at is not None:
        return "uppsikten har upphört"
    due = datetime.fromisoformat(deadline.payload["due_at"])
    report = sup.reports.filter(due_at=due).first()
    case = sup.return_case.case
    outcome = "anmälan gjord"
    if report is not None and report.reported_at is None:
        report.missed = True
        report.save(update_fields=["missed"])
        cases.event(case, SYSTEM_ACTOR, "report_missed", f"Uteblen anmälan {timezone.localtime(due):%Y-%m-%d %H:%M}: "
                    "bedöm om personen ska efterlysas eller tas i förvar.", citation=rules.CITE_SUPERVISION,
                    public=False, now=now)
        audit.record(SYSTEM_ACTOR, "returns.report_missed", obj=case)
        cases.notify_unit(case, case.unit, "returns.report_missed", "Uteblen anmälan vid uppsikt")
        outcome = "anmälan uteblev"
    following = rules.next_report_due(timezone.localtime(due), tuple(sup.weekdays), sup.report_hour)
    sup.next_due_at = following
    sup.save(update_fields=["next_due_at"])
    _schedule_report(sup, following)
    return outcome


def end_supervision(actor: Actor, rc: ReturnCase, reason: str, now: datetime | None = None) -> ReturnCase:
    now = _now(now)
    with transaction.atomic():
        rc = _locked(actor, rc)
        sup = rc.supervisions.filter(ended_at__isnull=True).first()
        if sup is None:
            raise ReturnError("Personen står inte under uppsikt.", field="supervision", status=409)
        sup.ended_at = now
        sup.save(update_fields=["ended_at"])
        deadlines.cancel("returns.supervision_report", object_type="returns.supervision", object_id=sup.pk,
                         reason="uppsikten upphörde")
        rc.under_supervision = False
        refresh(rc, now)
        _step(actor, rc, "supervision_ended", f"Uppsikten upphör. {reason}".strip(), now)
    return rc


# Detention ----------------------------------------------------------------------------------------------


def _stamp(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _clock(det: Detention) -> rules.DetentionClock:
    exts = tuple(rules.Extension(e.until, e.exceptional_reasons, e.lack_of_cooperation_or_documents, e.counsel,
                                 e.interpreter) for e in det.extensions.order_by("decided_at"))
    return rules.detention_clock(det.kind, det.started_at, child=det.child,
                                 crime_expelled=det.return_case.decision_type == "utvisning_brott", extensions=exts)


def _schedule_detention(det: Detention, clock: rules.DetentionClock) -> None:
    for kind in ("returns.detention_warning", "returns.detention_limit", "returns.detention_review"):
        deadlines.cancel(kind, object_type="returns.detention", object_id=det.pk, reason="ny tidsgräns")
    deadlines.schedule("returns.detention_warning", object_type="returns.detention", object_id=det.pk,
                       due_at=clock.warning_at, payload={"limit_at": clock.limit_at.isoformat()})
    deadlines.schedule("returns.detention_limit", object_type="returns.detention", object_id=det.pk,
                       due_at=clock.limit_at, payload={"limit_at": clock.limit_at.isoformat()})
    if clock.review_due_at is not None and clock.review_due_at < clock.limit_at:
        deadlines.schedule("returns.detention_review", object_type="returns.detention", object_id=det.pk,
                           due_at=clock.review_due_at - timedelta(days=1),
                           payload={"review_at": clock.review_due_at.isoformat()})


def detain(actor: Actor, rc: ReturnCase, kind: str, grounds: str, *, child: bool = False, centre: str = "",
           started_at: datetime | None = None, now: datetime | None = None) -> Detention:
    """Detention decided by the Police (10 kap. 1 och 12–13 §§ UtlL) with its time limit as stored deadlines."""
    now = _now(now)
    if kind not in rules.DETENTION_KINDS:
        raise ReturnError("Välj typ av förvar.", field="kind")
    if not grounds.strip():
        raise ReturnError("Ange skälen för förvar.", field="grounds")
    with transaction.atomic():
        rc = _locked(actor, rc)
        if rc.detentions.filter(ended_at__isnull=True).exists():
            raise ReturnError("Personen är redan i förvar.", field="kind", status=409)
        det = Detention(return_case=rc, kind=kind, child=child, started_at=started_at or now, centre=centre,
                        grounds=grounds, limit_at=now)
        clock = rules.detention_clock(kind, det.started_at, child=child,
                                      crime_expelled=rc.decision_type == "utvisning_brott")
        det.limit_at = clock.limit_at
        det.save()
        _schedule_detention(det, clock)
        rc.detained = True
        refresh(rc, now)
        start, limit = _stamp(det.started_at), _stamp(det.limit_at)
        _step(actor, rc, "detention", f"{rules.DETENTION_KINDS[kind]} från {start}; tidsgräns {limit}.", now,
              citation=clock.reasons[0].citation)
    return det


def extend_detention(actor: Actor, rc: ReturnCase, ext: rules.Extension, now: datetime | None = None) -> Detention:
    now = _now(now)
    with transaction.atomic():
        rc = _locked(actor, rc)
        det = rc.detentions.filter(ended_at__isnull=True).first()
        if det is None:
            raise ReturnError("Personen är inte i förvar.", field="until", status=409)
        previous = tuple(rules.Extension(e.until, e.exceptional_reasons, e.lack_of_cooperation_or_documents,
                                         e.counsel, e.interpreter) for e in det.extensions.all())
        checks = rules.check_extension(det.kind, det.started_at, ext, child=det.child,
                                       crime_expelled=rc.decision_type == "utvisning_brott", previous=previous)
        failed = [c for c in checks if not c.ok]
        if failed:
            err = cases.CaseError(" ".join(c.message for c in failed), failed[0].citation, status=422)
            err.checks, err.field = tuple(failed), failed[0].code
            audit.record(actor, "returns.detention_extended", obj=rc.case, result="refused",
                         reason=err.message[:500])
            raise err
        DetentionExtension.objects.create(detention=det, decided_at=now, until=ext.until,
                                          exceptional_reasons=ext.exceptional_reasons,
                                          lack_of_cooperation_or_documents=ext.lack_of_cooperation_or_documents,
                                          counsel=ext.counsel, interpreter=ext.interpreter)
        det.limit_at = ext.until
        det.save(update_fields=["limit_at"])
        _schedule_detention(det, _clock(det))
        _step(actor, rc, "detention_extended", f"Förvaret förlängt till {timezone.localtime(ext.until):%Y-%m-%d %H:%M}"
              f" (offentligt biträde: {ext.counsel}; tolk: {ext.interpreter}).", now, citation=rules.CITE_COUNSEL)
    return det


def end_detention(actor: Actor, rc: ReturnCase, reason: str, now: datetime | None = None) -> ReturnCase:
    now = _now(now)
    if not reason.strip():
        raise ReturnError("Ange varför förvaret upphör.", field="reason")
    with transaction.atomic():
        rc = _locked(actor, rc)
        det = rc.detentions.filter(ended_at__isnull=True).first()
        if det is None:
            raise ReturnError("Personen är inte i förvar.", field="reason", status=409)
        det.ended_at, det.end_reason = now, reason
        det.save(update_fields=["ended_at", "end_reason"])
        for kind in ("returns.detention_warning", "returns.detention_limit", "returns.detention_review"):
            deadlines.cancel(kind, object_type="returns.detention", object_id=det.pk, reason="förvaret upphörde")
        rc.detained = False
        refresh(rc, now)
        _step(actor, rc, "detention_ended", f"Förvaret upphör: {reason}", now)
    return rc


def _detention_alert(deadline, now: datetime, text: str, event: str) -> str:
    det = Detention.objects.select_related("return_case__case__unit").filter(pk=deadline.object_id).first()
    if det is None or det.ended_at is not None:
        return "förvaret har upphört"
    case = det.return_case.case
    cases.event(case, SYSTEM_ACTOR, event, text.format(limit=timezone.localtime(det.limit_at)),
                citation=rules.CITE_DETENTION_ADULT if not det.child else rules.CITE_DETENTION_CHILD, public=False,
                now=now)
    audit.record(SYSTEM_ACTOR, f"returns.{event}", obj=case)
    cases.notify_unit(case, case.unit, f"returns.{event}", text.split(":")[0])
    return "larm skickat"


@deadlines.register("returns.detention_warning")
def _on_detention_warning(deadline, now):
    return _detention_alert(deadline, now, "Förvarets tidsgräns närmar sig: {limit:%Y-%m-%d %H:%M}. Förläng med "
                            "offentligt biträde och tolk, eller frige.", "detention_warning")


@deadlines.register("returns.detention_limit")
def _on_detention_limit(deadline, now):
    return _detention_alert(deadline, now, "Förvarets tidsgräns är nådd: personen ska friges om förvaret inte har "
                            "förlängts ({limit:%Y-%m-%d %H:%M}).", "detention_limit")


@deadlines.register("returns.detention_review")
def _on_detention_review(deadline, now):
    return _detention_alert(deadline, now, "Förvarsbeslutet ska prövas på nytt: tidsgräns {limit:%Y-%m-%d %H:%M}.",
                            "detention_review")


@deadlines.register("returns.lapse_warning")
def _on_lapse_warning(deadline, now):
    rc = ReturnCase.objects.select_related("case__unit").filter(pk=deadline.object_id).first()
    if rc is None or rc.case.state == CLOSED or rc.lapses_on is None:
        return "ärendet är avslutat"
    if rc.lapses_on.isoformat() != deadline.payload.get("lapses_on"):
        return "preskriptionsdagen har ändrats"
    cases.event(rc.case, SYSTEM_ACTOR, "lapse_warning", f"Beslutet preskriberas {rc.lapses_on.isoformat()}.",
                citation=rules.CITE_LAPSE, public=False, now=now)
    cases.notify_unit(rc.case, rc.case.unit, "returns.lapse_warning", "Beslut preskriberas snart")
    return "varning skickad"


# Wanted notice ------------------------------------------------------------------------------------------


def issue_wanted(actor: Actor, rc: ReturnCase, instruction: str, text: str = "", reference: str = "",
                 now: datetime | None = None) -> WantedNotice:
    now = _now(now)
    if instruction not in WantedNotice.INSTRUCTIONS:
        raise ReturnError("Välj instruktion: omhänderta, eller ta kontaktuppgifter och rapportera.",
                          field="instruction")
    with transaction.atomic():
        rc = _locked(actor, rc)
        if rc.wanted_notices.filter(found_at__isnull=True, cancelled_at__isnull=True).exists():
            raise ReturnError("Personen är redan efterlyst.", field="instruction", status=409)
        notice = WantedNotice.objects.create(return_case=rc, public_id=uuid.uuid4(), issued_at=now,
                                             instruction=instruction, instruction_text=text, reference=reference)
        if reference:
            Case.objects.filter(pk=rc.case_id).update(wanted_notice_reference=reference)
        _step(actor, rc, "wanted", f"Efterlyst: {WantedNotice.INSTRUCTIONS[instruction].lower()}.", now,
              citation=f"{rules.SK} avsnitt 5.5.3")
    return notice


def report_found(actor: Actor, notice: WantedNotice, context: str, report: str = "", contact: str = "",
                 now: datetime | None = None) -> WantedNotice:
    """An officer found the person (any police officer, from the phone page)."""
    now = _now(now)
    if not actor.is_police:
        raise PermissionDenied("Endast polisen rapporterar påträffanden.")
    if not context.strip():
        raise ReturnError("Ange var eller hur personen påträffades.", field="context")
    if notice.instruction == "contact" and not contact.strip():
        raise ReturnError("Instruktionen är att ta kontaktuppgifter: ange dem.", field="contact")
    with transaction.atomic():
        notice = WantedNotice.objects.select_for_update().select_related("return_case__case__unit").get(pk=notice.pk)
        if notice.found_at is not None or notice.cancelled_at is not None:
            raise ReturnError("Efterlysningen gäller inte längre.", field="notice", status=409)
        notice.found_at, notice.found_context, notice.found_report = now, context, report
        notice.found_contact, notice.found_by = contact, actor.label
        notice.save()
        case = notice.return_case.case
        cases.event(case, actor, "found", f"Påträffad ({context}) av {actor.label}.", public=False, now=now)
        audit.record(actor, "returns.found", obj=case)
        cases.notify_unit(case, case.unit, "returns.found", "Efterlyst person påträffad")
    return notice


# Transport order to KV ------------------------------------------------------------------------------------


def order_transport(actor: Actor, rc: ReturnCase, trip_type: str, planned_on: date, *, escort: bool = False,
                    notes_for_kv: str = "", organisation: RequestingOrganisation | None = None,
                    now: datetime | None = None) -> TransportOrder:
    now = _now(now)
    with transaction.atomic():
        rc = _locked(actor, rc)
        checks = rules.check_transport(trip_type, planned_on, facts_of(rc))
        failed = [c for c in checks if not c.ok]
        if failed:
            raise ReturnError(" ".join(c.message for c in failed), field=failed[0].code, checks=tuple(failed),
                              citation=failed[0].citation)
        kv = organisation or RequestingOrganisation.objects.filter(
            kind=OrganisationKind.KRIMINALVARDEN, active=True).order_by("id").first()
        if kv is None:
            raise ReturnError("Ingen transportenhet vid Kriminalvården finns registrerad.", field="organisation")
        order = TransportOrder.objects.create(
            return_case=rc, public_id=uuid.uuid4(), ordered_at=now, organisation=kv, trip_type=trip_type,
            planned_on=planned_on, destination_country=rc.destination_country, traveller_name=rc.person_name,
            traveller_date_of_birth=rc.date_of_birth, travel_document_kind=rc.travel_document_kind,
            travel_document_valid_until=rc.travel_document_valid_until, escort_needed=escort,
            notes_for_kv=notes_for_kv, milestones=[{"at": now.isoformat(), "step": "ordered", "by": actor.label}])
        _step(actor, rc, "transport_ordered", f"Transport beställd hos {kv.name}: {rules.TRIP_TYPES[trip_type].lower()}"
              f", planerad {planned_on.isoformat()}.", now, transition="order_transport",
              citation=rules.CITE_TRANSPORT)
        outbox.enqueue("email", kv.email, event="returns.transport_ordered", obj=order,
                       subject="Biträde: ny transportbeställning", body="En ny transportbeställning finns i Biträde.")
    return order


KV_STEPS = {"accepted": "Mottagen", "booked": "Bokad", "done": "Genomförd", "deviation": "Avvikelse",
            "cancelled": "Avbruten"}


def kv_milestone(actor: Actor, order: TransportOrder, step: str, note: str = "",
                 now: datetime | None = None) -> TransportOrder:
    """Kriminalvården records a milestone or a deviation on an order addressed to it (nothing else)."""
    now = _now(now)
    if actor.organisation_id != order.organisation_id:
        raise PermissionDenied("Beställningen är inte ställd till er enhet.")
    if step not in KV_STEPS:
        raise ReturnError("Okänt steg.", field="step")
    if step == "deviation" and not note.strip():
        raise ReturnError("Beskriv avvikelsen.", field="note")
    with transaction.atomic():
        order = TransportOrder.objects.select_for_update().select_related("return_case__case__unit").get(pk=order.pk)
        if order.status in ("done", "cancelled"):
            raise ReturnError("Beställningen är avslutad.", field="step", status=409)
        entry = {"at": now.isoformat(), "step": step, "note": note, "by": actor.label}
        if step == "deviation":
            order.deviations = [*order.deviations, entry]
        else:
            order.status = step
            order.milestones = [*order.milestones, entry]
        order.save(update_fields=["status", "milestones", "deviations"])
        case = order.return_case.case
        cases.event(case, actor, "transport_step", f"Kriminalvården: {KV_STEPS[step].lower()}. {note}".strip(),
                    public=False, now=now)
        audit.record(actor, "returns.transport_step", obj=order, new={"step": step})
        cases.notify_unit(case, case.unit, "returns.transport_step", f"Transport: {KV_STEPS[step].lower()}")
    return order


def cancel_transport(actor: Actor, rc: ReturnCase, reason: str, now: datetime | None = None) -> ReturnCase:
    now = _now(now)
    with transaction.atomic():
        rc = _locked(actor, rc)
        n = rc.transport_orders.exclude(status__in=("done", "cancelled")).update(status="cancelled")
        if not n:
            raise ReturnError("Det finns ingen öppen transportbeställning.", field="reason", status=409)
        _step(actor, rc, "transport_cancelled", f"Transportbeställningen avbruten: {reason}", now)
    return rc


# Outcome, closure, found again ---------------------------------------------------------------------------


def record_outcome(actor: Actor, rc: ReturnCase, code: str, *, destination: str = "", verified_by: str = "",
                   notes: str = "", now: datetime | None = None) -> ReturnCase:
    now = _now(now)
    with transaction.atomic():
        rc = _locked(actor, rc)
        result = rules.check_outcome(code, facts_of(rc), timezone.localtime(now).date(), destination=destination,
                                     verified_by=verified_by, settings=law_settings())
        if not result.allowed:
            failed = [c for c in result.checks if not c.ok]
            raise ReturnError(" ".join(c.message for c in failed), field=failed[0].code, checks=tuple(failed),
                              citation=failed[0].citation)
        rc.outcome_destination = destination.strip().upper()
        rc.outcome_verified_by = verified_by
        rc.outcome_success = result.success if result.departure else None
        rc.save(update_fields=["outcome_destination", "outcome_verified_by", "outcome_success"])
        Case.objects.filter(pk=rc.case_id).update(outcome=code, outcome_at=now, outcome_notes=notes)
        rc.case.outcome = code
        text = f"Utfall: {rules.OUTCOMES[code]}" + (f" till {rc.outcome_destination}" if destination else "") + "."
        if result.wrong_country:
            text += " Utresan gick till ett annat Schengenland och räknas inte som ett återvändande."
        _step(actor, rc, "outcome", text, now, transition="outcome", citation=rules.CITE_OUTCOMES,
              data={"code": code, "wrong_country": result.wrong_country})
    return rc


def closure_checklist(case: Case):
    from bitrade.cases.rules import ChecklistItem

    rc = getattr(case, "return_case", None)
    if rc is None:
        return []
    return [
        ChecklistItem("outcome", bool(case.outcome), "Utfall registrerat", rules.CITE_OUTCOMES),
        ChecklistItem("detention", not rc.detentions.filter(ended_at__isnull=True).exists(), "Förvaret avslutat",
                      rules.CITE_DETENTION_ADULT),
        ChecklistItem("supervision", not rc.supervisions.filter(ended_at__isnull=True).exists(),
                      "Uppsikten avslutad", rules.CITE_SUPERVISION),
        ChecklistItem("wanted", not rc.wanted_notices.filter(found_at__isnull=True, cancelled_at__isnull=True)
                      .exists(), "Efterlysningen återkallad eller personen påträffad", f"{rules.SK} avsnitt 5.5.3"),
        ChecklistItem("transport", not rc.transport_orders.exclude(status__in=("done", "cancelled")).exists(),
                      "Transportbeställningar genomförda eller avbrutna", rules.CITE_TRANSPORT),
    ]


def cancel_wanted(actor: Actor, rc: ReturnCase, reason: str, now: datetime | None = None) -> ReturnCase:
    now = _now(now)
    with transaction.atomic():
        rc = _locked(actor, rc)
        n = rc.wanted_notices.filter(found_at__isnull=True, cancelled_at__isnull=True).update(cancelled_at=now)
        if not n:
            raise ReturnError("Det finns ingen gällande efterlysning.", field="reason", status=409)
        _step(actor, rc, "wanted_cancelled", f"Efterlysningen återkallad: {reason}", now)
    return rc


def close_case(actor: Actor, rc: ReturnCase, now: datetime | None = None) -> Case:
    return cases.close(actor, rc.case, now)


def found_again(actor: Actor, rc: ReturnCase, *, unit: Unit | None = None, text: str = "",
                now: datetime | None = None) -> ReturnCase:
    """A person found in Sweden again after a recorded departure: a new case (12:23), linked to the old one."""
    now = _now(now)
    old_case = rc.case
    if old_case.outcome not in rules.DEPARTURES:
        raise ReturnError("Ärendet har ingen registrerad utresa.", field="case", status=409)
    facts = replace(facts_of(rc), origin="12_23", detained=False, under_supervision=False)
    new = register_case(actor, facts, unit=unit or old_case.unit, source_reference=old_case.reference_number,
                        now=now, previous=rc)
    cases.event(new.case, actor, "linked", f"Påträffad på nytt efter utresa i {old_case.reference_number}. {text}"
                .strip(), public=False, now=now)
    cases.event(old_case, actor, "found_again", f"Påträffad i Sverige igen: nytt ärende {new.case.reference_number}.",
                public=False, now=now)
    return new
