"""A burst of handovers from Migrationsverket in one call (``POST /api/v1/returns/handovers/batch``).

Each item is checked on its own, exactly as a single handover is (the body's types, what the agreement
requires, the routing to a region's border police); a refused item gets its own 4xx with the fields named in
Swedish and stores nothing. The accepted items are stored set-wise in one transaction: reference numbers
taken as a range per region, then one ``bulk_create`` each of cases, return-case details, handover records,
timeline steps and lapse-warning deadlines, one audit event for the batch that lists the case ids, and one
notification per receiving unit. A case made here is the same as one made by ``services.receive_handover``
(state, priority, derived values, timeline, deadline); docs/returns.md "A burst of handovers" gives the
reasoning, ``tests/test_batch.py`` the proof.

Idempotent per Migrationsverket case id: an item whose case is already open here with the same body is
answered 200 with that case (nothing new is stored); with another body it is refused 409, as a single
handover is. The whole call is idempotent per ``Idempotency-Key`` (the API's ``run_once``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from pydantic import ValidationError

from bitrade.audit import services as audit
from bitrade.cases import kinds, references
from bitrade.cases import services as cases
from bitrade.cases.models import Case, CaseEvent
from bitrade.common.actor import Actor
from bitrade.common.errors import DomainError, swedish_validation_errors
from bitrade.deadlines.models import Deadline
from bitrade.organisation.models import Municipality, PoliceRegion, Unit
from bitrade.outbox import services as outbox

from . import rules
from .models import Handover, ReturnCase
from .schemas import HandoverIn, facts_of_handover
from .services import (
    CLOSED,
    KIND,
    OBJECT_TYPE,
    RECEIVED,
    STATE_LABELS,
    HandoverIncomplete,
    ReturnError,
    _whereabouts_text,
    build_return_case,
    handover_events,
    handover_record,
    lapse_warning,
    load_lookups,
    received_text,
    require_migration_agency,
    route,
)

MAX_BATCH = 1000
"""Items per call: about 1.5 MB of JSON at the worked example's size, well inside the 40 MB request limit."""

INVALID = "Överlämnandet innehåller fel. Rätta fälten och skicka det igen."


@dataclass
class _Accepted:
    index: int
    data: HandoverIn
    facts: rules.Facts
    region: PoliceRegion
    muni: Municipality | None
    unit: Unit


def _mv_case_id_of(raw: Any) -> str:
    value = raw.get("mv_case_id") if isinstance(raw, dict) else None
    return value.strip()[:64] if isinstance(value, str) else ""


def _refused(index: int, mv_case_id: str, status: int, detail: str, errors: list[dict]) -> dict:
    return {"index": index, "mv_case_id": mv_case_id, "status": status, "detail": detail, "errors": errors}


def _refusal(index: int, mv_case_id: str, exc: DomainError) -> dict:
    answer = exc.as_response()
    return _refused(index, mv_case_id, exc.status, answer["detail"], answer["errors"])


def _stored(index: int, status: int, case: Case, rc: ReturnCase) -> dict:
    return {"index": index, "mv_case_id": rc.source_reference, "status": status, "id": str(case.public_id),
            "reference_number": case.reference_number, "state": case.state,
            "state_label": STATE_LABELS.get(case.state, case.state), "against_agreement": rc.against_agreement,
            "lapses_on": rc.lapses_on}


def check(items: list[Any]) -> tuple[list[_Accepted], dict[int, dict]]:
    """Each item on its own: its types, what the agreement requires, its routing, and a case id that occurs
    twice in the call. Returns the accepted items and the refusals by index (nothing is written)."""
    refused: dict[int, dict] = {}
    valid: list[tuple[int, HandoverIn, rules.Facts]] = []
    for index, raw in enumerate(items):
        try:
            data = HandoverIn.model_validate(raw)
        except ValidationError as exc:
            refused[index] = _refused(index, _mv_case_id_of(raw), 422, INVALID,
                                      swedish_validation_errors(exc.errors()))
            continue
        facts = facts_of_handover(data)
        missing = rules.missing(facts)
        if missing:
            refused[index] = _refusal(index, data.mv_case_id, HandoverIncomplete(missing))
            continue
        valid.append((index, data, facts))
    lookups = load_lookups([data for _, data, _ in valid])
    accepted: list[_Accepted] = []
    first_index: dict[str, int] = {}
    for index, data, facts in valid:
        try:
            region, muni, unit = route(data, lookups)
        except ReturnError as exc:
            refused[index] = _refusal(index, data.mv_case_id, exc)
            continue
        if data.mv_case_id in first_index:
            refused[index] = _refusal(index, data.mv_case_id, ReturnError(
                f"Samma ärende-id finns redan i sändningen (post {first_index[data.mv_case_id] + 1}).",
                field="mv_case_id", status=409))
            continue
        first_index[data.mv_case_id] = index
        accepted.append(_Accepted(index, data, facts, region, muni, unit))
    return accepted, refused


def _already_open(org: int, accepted: list[_Accepted]) -> dict[str, tuple[ReturnCase, dict | None]]:
    """The open cases this organisation has handed over under these case ids, with the last body received."""
    found = {rc.source_reference: rc for rc in ReturnCase.objects.select_related("case").filter(
        origin="mv", source_organisation_id=org, source_reference__in=[a.data.mv_case_id for a in accepted],
    ).exclude(case__state=CLOSED)}
    bodies: dict[int, dict] = {}
    for rc_id, body in Handover.objects.filter(return_case__in=list(found.values())).order_by("id").values_list(
            "return_case_id", "body"):
        bodies[rc_id] = body
    return {ref: (rc, bodies.get(rc.pk)) for ref, rc in found.items()}


def receive_handovers(actor: Actor, items: list[Any], now: datetime | None = None) -> dict:
    """Register a batch of handovers (see the module's docstring). Returns the answer: counts and one result
    per item, in the order sent."""
    now = now or timezone.now()
    org = require_migration_agency(actor)
    if len(items) > MAX_BATCH:
        raise ReturnError(f"Högst {MAX_BATCH} överlämnanden per anrop.", field="handovers", status=422)
    accepted, results = check(items)
    spec = kinds.get(KIND)
    with transaction.atomic():
        existing = _already_open(org, accepted)
        new: list[_Accepted] = []
        for item in accepted:
            if item.data.mv_case_id not in existing:
                new.append(item)
                continue
            rc, body = existing[item.data.mv_case_id]
            if body == item.data.model_dump(mode="json"):
                results[item.index] = _stored(item.index, 200, rc.case, rc)
            else:
                results[item.index] = _refusal(item.index, item.data.mv_case_id, ReturnError(
                    f"Ärendet är redan överlämnat ({rc.case.reference_number}).", field="mv_case_id", status=409))
        created = _store(actor, org, new, spec.reference_prefix, now)
        for item, (case, rc) in zip(new, created, strict=True):
            results[item.index] = _stored(item.index, 201, case, rc)
        answer = [results[i] for i in range(len(items))]
        refused = [r for r in answer if r["status"] >= 400]
        audit.record(actor, "returns.handover_batch", object_type="cases.case", new={
            "cases": [case.pk for case, _ in created],
            "against_agreement": [case.pk for case, rc in created if rc.against_agreement],
            "already_registered": [r["reference_number"] for r in answer if r["status"] == 200],
            "refused": [{"index": r["index"], "mv_case_id": r["mv_case_id"],
                         "fields": sorted({e["field"] for e in r["errors"]})} for r in refused],
        })
        _notify_units(created)
    return {"received": len(items), "created": len(created),
            "already_registered": sum(1 for r in answer if r["status"] == 200), "refused": len(refused),
            "items": answer}


def _store(actor: Actor, org: int, items: list[_Accepted], prefix: str,
           now: datetime) -> list[tuple[Case, ReturnCase]]:
    """The accepted items, set-wise: a range of reference numbers per region, then one insert per table."""
    if not items:
        return []
    by_region: dict[int, list[int]] = {}
    for position, item in enumerate(items):
        by_region.setdefault(item.region.pk, []).append(position)
    numbers: list[str] = [""] * len(items)
    for positions in by_region.values():
        region = items[positions[0]].region
        for position, number in zip(positions, references.next_references(region, now, len(positions), prefix),
                                    strict=True):
            numbers[position] = number

    details = [build_return_case(None, item.facts, origin="mv", source_reference=item.data.mv_case_id,
                                 organisation=org, muni=item.muni, whereabouts_text=_whereabouts_text(item.data),
                                 sex=item.data.person.sex, now=now) for item in items]
    case_rows = [Case(kind=KIND, reference_number=number, state=RECEIVED, received_at=now, region=item.region,
                      unit=item.unit, priority=rc.priority_group)
                 for item, number, rc in zip(items, numbers, details, strict=True)]
    Case.objects.bulk_create(case_rows)
    for case, rc in zip(case_rows, details, strict=True):
        rc.case = case
    ReturnCase.objects.bulk_create(details)

    function = cases.function_of(actor)
    events: list[CaseEvent] = []
    handovers: list[Handover] = []
    warnings: list[Deadline] = []
    for item, case, rc in zip(items, case_rows, details, strict=True):
        events.append(CaseEvent(case=case, at=now, action="received", actor_label=actor.label,
                                actor_function=function, to_state=RECEIVED, text=received_text(item.data)))
        for who, step in handover_events(actor, rc, item.data):
            events.append(CaseEvent(case=case, at=now, actor_label=who.label, actor_function=cases.function_of(who),
                                    **step))
        handovers.append(handover_record(actor, rc, item.data, org, now))
        warning = lapse_warning(rc)
        if warning is not None:
            warnings.append(Deadline(kind="returns.lapse_warning", object_type=OBJECT_TYPE, object_id=str(rc.pk),
                                     due_at=warning[0], payload=warning[1]))
    CaseEvent.objects.bulk_create(events)
    Handover.objects.bulk_create(handovers)
    Deadline.objects.bulk_create(warnings)
    return list(zip(case_rows, details, strict=True))


def _notify_units(created: list[tuple[Case, ReturnCase]]) -> None:
    """One message per receiving unit for the batch (a single handover sends one per case)."""
    by_unit: dict[int, list[Case]] = {}
    units: dict[int, Unit] = {}
    for case, _ in created:
        by_unit.setdefault(case.unit_id, []).append(case)
        units[case.unit_id] = case.unit
    for unit_id, unit_cases in by_unit.items():
        count = len(unit_cases)
        text = "Nytt återvändandeärende" if count == 1 else f"{count} nya återvändandeärenden"
        listed = "\n".join(c.reference_number for c in unit_cases)
        outbox.enqueue("email", units[unit_id].email, event="returns.received", subject=f"Biträde: {text}",
                       body=f"{text}:\n{listed}\nÖppna ärendena i Biträde för uppgifter om personerna.",
                       payload={"reference_numbers": [c.reference_number for c in unit_cases]})
