"""The monitoring system's API: alarms in, answered 202 at once.

Each monitoring system has its own API key (``X-API-Key``) and signing secret: the body is signed with
HMAC-SHA256 and the signature sent as ``X-Bitrade-Signature: sha256=<hex>``. An alarm is stored once per
supplier alarm id (a repeat is answered ``duplicate``), in order per device (``sequence``)."""

from __future__ import annotations

from ninja import Router, Schema
from ninja.security import APIKeyHeader

from bitrade.common.errors import ErrorOut

from . import services
from .schemas import AlarmBatchIn, AlarmIn


class SystemKey(APIKeyHeader):
    """A monitoring system's key, and the HMAC signature of the body by its secret."""

    param_name = "X-API-Key"
    openapi_description = "Övervakningssystemets API-nyckel; kroppen signeras i X-Bitrade-Signature."

    def authenticate(self, request, key):
        system = services.system_for_key(key or "")
        if system is None or not services.signature_ok(system, request.body,
                                                       request.headers.get("X-Bitrade-Signature", "")):
            return None
        request.em_system = system
        return system


router = Router(tags=["Elektronisk övervakning"], auth=SystemKey())
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 413: ErrorOut, 422: ErrorOut}


class AlarmOut(Schema):
    alarm_id: str
    status: str  # accepted | duplicate | rejected
    category: str | None = None
    handled_by: str | None = None
    late: bool | None = None
    code: int | None = None  # a rejected alarm: the 4xx it would have been answered alone
    field: str | None = None  # a rejected alarm: the field at fault (alarms.<n>.<field>)
    detail: str | None = None


class BatchOut(Schema):
    accepted: int
    duplicates: int
    rejected: int
    results: list[AlarmOut]


@router.post("/alarms", response={202: AlarmOut, **ERRORS}, summary="Ta emot ett larm")
def post_alarm(request, payload: AlarmIn):
    """Store, classify and route one alarm (immediate → the RLC at once; not immediate → BOPS in its working
    hours). Answered 202 as soon as the alarm is stored."""
    return 202, services.ingest(request.auth, payload)


@router.post("/alarms/batch", response={202: BatchOut, **ERRORS}, summary="Ta emot en kö av larm (återuppspelning)")
def post_alarms(request, payload: AlarmBatchIn):
    """Replay a backlog (at most 1 000 alarms per request), stored set-wise: exactly once per supplier alarm
    id, in order per device, the immediate alarms committed first. Each alarm is answered in ``results`` in
    the order sent; a bad alarm is ``rejected`` with its 4xx ``code``, ``field`` and a Swedish ``detail``,
    nothing of it stored, without stopping the rest."""
    results = services.ingest_batch(request.auth, payload.alarms)
    services.record_rejected(request.auth, results)
    counts = {s: sum(1 for r in results if r["status"] == s) for s in ("accepted", "duplicate", "rejected")}
    return 202, {"accepted": counts["accepted"], "duplicates": counts["duplicate"], "rejected": counts["rejected"],
                 "results": results}
