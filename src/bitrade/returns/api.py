"""The return-enforcement API: Migrationsverket hands cases over and sends status changes; it reads the case's
status at the Police (status only). Kriminalvården reads the transport orders addressed to it and records its
milestones. Every write takes an ``Idempotency-Key``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from ninja import Header, Router, Schema
from pydantic import Field

from bitrade.common.errors import ErrorItem, ErrorOut
from bitrade.idempotency.services import run_once

from . import batch, selectors, services
from .schemas import HandoverIn, StatusChangeIn

router = Router(tags=["Återvändande"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
IDEMPOTENCY = Header(alias="Idempotency-Key", min_length=1, max_length=100, pattern=r"^[!-~]+$",
                     description="Unik nyckel per skrivning (t.ex. ett UUID); en omsändning ger samma svar.")


class StatusOut(Schema):
    id: str
    reference_number: str
    mv_case_id: str
    state: str
    state_label: str
    active: bool
    inactive_reasons: list[str]
    lapses_on: date | None = None
    against_agreement: bool
    outcome: str
    outcome_label: str
    closed: bool
    updated_at: datetime


class OrderOut(Schema):
    id: str
    ordered_at: datetime
    trip_type: str
    trip_type_label: str
    planned_on: date
    destination_country: str
    traveller_name: str
    traveller_date_of_birth: date | None = None
    travel_document_kind: str
    travel_document_valid_until: date | None = None
    document_valid_on_planned_date: bool
    escort_needed: bool
    notes_for_kv: str
    status: str
    status_label: str
    milestones: list[dict]
    deviations: list[dict]


class HandoverBatchIn(Schema):
    handovers: list[dict[str, Any]] = Field(
        min_length=1, max_length=batch.MAX_BATCH,
        description="Överlämnanden, vart och ett i samma form som POST /handovers tar. Varje post prövas för sig.")


class BatchItemOut(Schema):
    index: int = Field(description="Postens plats i sändningen (från 0).")
    mv_case_id: str = ""
    status: int = Field(description="201 registrerat, 200 redan registrerat med samma uppgifter, 4xx avvisat.")
    id: str | None = None
    reference_number: str = ""
    state: str = ""
    state_label: str = ""
    against_agreement: bool | None = None
    lapses_on: date | None = None
    detail: str = ""
    errors: list[ErrorItem] = Field(default_factory=list)


class BatchOut(Schema):
    received: int
    created: int
    already_registered: int
    refused: int
    items: list[BatchItemOut]


class MilestoneIn(Schema):
    step: Literal["accepted", "booked", "done", "deviation", "cancelled"] = Field(
        description="Mottagen, bokad, genomförd, avvikelse eller avbruten.")
    note: str = Field(default="", max_length=2000)


@router.post("/handovers", response={201: StatusOut, **ERRORS}, summary="Överlämna ett ärende för verkställighet",
             operation_id="returns_handover")
def handover(request, payload: HandoverIn, idempotency_key: str = IDEMPOTENCY):
    """Migrationsverkets system överlämnar ett ärende (12 kap. 14 § utlänningslagen). Ärendet registreras direkt.
    Saknas uppgifter som överenskommelsen kräver svarar API:t 422 och namnger varje fält. Ett ärende som bara kan
    verkställas om personen reser självmant registreras men markeras som i strid med överenskommelsen."""
    actor = request.auth
    services.require_migration_agency(actor)

    def run():
        rc = services.receive_handover(actor, payload)
        return 201, selectors.status_out(rc)

    return run_once(actor, idempotency_key, "returns/handovers", payload.model_dump(mode="json"), run)


@router.post("/handovers/batch", response={200: BatchOut, **ERRORS},
             summary="Överlämna många ärenden i ett anrop", operation_id="returns_handover_batch")
def handover_batch(request, payload: HandoverBatchIn, idempotency_key: str = IDEMPOTENCY):
    """Upp till 1 000 överlämnanden i ett anrop. Varje post prövas för sig som ett enskilt överlämnande: en
    avvisad post får egen status (4xx) med fälten namngivna och lagras inte alls; övriga registreras. En post
    vars ärende-id redan är överlämnat med samma uppgifter besvaras med 200 och det befintliga ärendet."""
    actor = request.auth
    services.require_migration_agency(actor)

    def run():
        return 200, batch.receive_handovers(actor, payload.handovers)

    return run_once(actor, idempotency_key, "returns/handovers/batch", payload.model_dump(mode="json"), run)


@router.post("/handovers/{case_id}/status", response={200: StatusOut, **ERRORS},
             summary="Statusändring från Migrationsverket", operation_id="returns_status_change")
def status_change(request, case_id: UUID, payload: StatusChangeIn, idempotency_key: str = IDEMPOTENCY):
    """Inhibition, ny ansökan om verkställighetshinder, tidsbegränsat uppehållstillstånd, beviljat tillstånd …"""
    actor = request.auth
    rc = selectors.mv_handover(actor, case_id)

    def run():
        updated = services.change_status(actor, rc, payload.kind, valid_until=payload.valid_until, text=payload.text)
        return 200, selectors.status_out(updated)

    return run_once(actor, idempotency_key, f"returns/handovers/{case_id}/status", payload.model_dump(mode="json"),
                    run)


@router.get("/handovers/{case_id}", response={200: StatusOut, **ERRORS}, summary="Ärendets status hos Polisen",
            operation_id="returns_status")
def status(request, case_id: UUID):
    """Bara status: inga polisinterna anteckningar, förvar, efterlysningar eller transporter."""
    return 200, selectors.read_status_for_mv(request.auth, case_id)


@router.get("/transport-orders", response={200: list[OrderOut], **ERRORS},
            summary="Transportbeställningar till Kriminalvården", operation_id="returns_transport_orders")
def transport_orders(request):
    """Bara det resan kräver (Kriminalvårdens transportenhet)."""
    return 200, selectors.read_orders_for_kv(request.auth)


@router.post("/transport-orders/{order_id}/milestones", response={200: OrderOut, **ERRORS},
             summary="Kriminalvårdens delmål eller avvikelse", operation_id="returns_transport_milestone")
def milestone(request, order_id: UUID, payload: MilestoneIn, idempotency_key: str = IDEMPOTENCY):
    actor = request.auth
    order = selectors.kv_order(actor, order_id)

    def run():
        return 200, selectors.order_out(services.kv_milestone(actor, order, payload.step, payload.note))

    return run_once(actor, idempotency_key, f"returns/transport-orders/{order_id}", payload.model_dump(mode="json"),
                    run)
