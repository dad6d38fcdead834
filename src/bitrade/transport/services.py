"""Transport: orders to Kriminalvården NTE (29 a § PL, whitelisted data only), NTE's answer, police
transports with legs and relay handovers."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone

from bitrade.audit import services as audit
from bitrade.cases.services import (
    CaseError,
    _event,
    notify_unit,
    refusal,
    refusals_audited,
    require_handling_unit,
)
from bitrade.common.actor import Actor
from bitrade.deadlines import duties
from bitrade.deadlines import services as deadlines
from bitrade.organisation.models import OrganisationKind, PoliceRegion, RequestingOrganisation
from bitrade.outbox import services as outbox

from . import rules
from .models import TransportLeg, TransportOrder, TransportState

OBJECT_TYPE = "transport.transportorder"
NTE_ANSWER_DEADLINE = "transport.nte_answer"


def nte_for(region) -> RequestingOrganisation | None:
    """The NTE unit serving the region (by name), or any NTE unit."""
    qs = RequestingOrganisation.objects.filter(kind=OrganisationKind.KRIMINALVARDEN, active=True)
    short = region.name.removeprefix("Region ")
    return qs.filter(name__icontains=short).first() or qs.order_by("id").first()


@refusals_audited("transport_ordered")
def order_nte(actor: Actor, case, *, episode, fields: dict, now: datetime | None = None) -> TransportOrder:
    """Hand the transport to Kriminalvården. Only whitelisted information is sent; anything else refuses
    the whole order (nothing is stored or sent)."""
    require_handling_unit(actor, case)
    now = now or timezone.now()
    req = getattr(case, "assistance_request", None)
    law = req.law if req else None
    allowed, refused = rules.filter_transport_order(fields, law=law)
    if refused:
        raise refusal(refused)
    checks = rules.validate_transport_order(rules.TransportOrderFacts(
        deprived_of_liberty=episode is not None and episode.ended_at is None,
        custody_ground=episode.ground if episode else None,
        destination=str(allowed.get("destination_facility", "")), pickup_place=str(allowed.get("pickup_place", "")),
        pickup_at=_parse_time(allowed.get("pickup_at")), requested_destination=req.destination if req else "", law=law, fields=allowed), now=now)
    if any(getattr(c, "blocking", not c.ok) for c in checks):
        raise refusal(checks)
    nte = nte_for(case.region)
    if nte is None:
        raise CaseError("Ingen transportenhet hos Kriminalvården är registrerad.", status=422)
    with transaction.atomic():
        order = TransportOrder.objects.create(
            case=case, episode=episode, executor="nte", nte_organisation=nte, state=TransportState.REQUESTED,
            shared=_jsonable(allowed), destination=str(allowed.get("destination_facility", "")),
            pickup_place=str(allowed.get("pickup_place", "")), pickup_at=_parse_time(allowed.get("pickup_at")),
            ordered_at=now, ordered_by_id=actor.person_id,
        )
        _event(case, actor, "transport_ordered", f"Transport beställd hos {nte.name} (29 a § PL).",
               citation=rules.transport_information_citation(law), public=False, now=now)
        audit.record(actor, "transport.ordered", obj=order, new={"fields": sorted(allowed)})
        outbox.enqueue("email", nte.email, event="transport.ordered", obj=order,
                       subject=f"Biträde: nytt transportuppdrag {case.reference_number}",
                       body="Ett nytt transportuppdrag väntar på svar i Biträde.")
        duties.schedule_duty(NTE_ANSWER_DEADLINE, object_type=OBJECT_TYPE, object_id=order.pk,
                             due_at=rules.nte_answer_due(now, order.pickup_at),
                             title=f"{nte.name} har inte svarat på transportuppdraget",
                             citation=rules.format_citation("PL", "29 a", 1))
    return order


def _parse_time(value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        moment = datetime.fromisoformat(str(value or ""))
    except ValueError:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _jsonable(values: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in values.items()}


def orders_for_kriminalvarden(actor: Actor):
    if actor.kind != "kriminalvarden" or actor.organisation_id is None:
        raise PermissionDenied("Transportuppdragen är Kriminalvårdens.")
    return TransportOrder.objects.filter(nte_organisation_id=actor.organisation_id).select_related("case")


@refusals_audited("nte_response")
def nte_respond(actor: Actor, order: TransportOrder, *, accepted: bool, reason: str = "", reason_text: str = "",
                now: datetime | None = None) -> TransportOrder:
    if actor.kind != "kriminalvarden" or actor.organisation_id != order.nte_organisation_id:
        raise PermissionDenied("Endast den transportenhet som fått uppdraget kan svara.")
    now = now or timezone.now()
    if order.state != TransportState.REQUESTED:
        raise CaseError("Uppdraget är redan besvarat.")
    req = getattr(order.case, "assistance_request", None)
    checks = rules.check_nte_response(rules.NteResponse(accepted=accepted, reason=reason or None,
                                                        reason_text=reason_text, responded_at=now),
                                      person_age=req.person_age if req else None)
    if any(getattr(c, "blocking", not c.ok) for c in checks):
        raise refusal(checks)
    with transaction.atomic():
        order.state = TransportState.ACCEPTED if accepted else TransportState.DECLINED
        order.responded_at, order.responded_by_id = now, actor.person_id
        order.decline_reason, order.decline_text = ("", "") if accepted else (reason, reason_text)
        order.save()
        deadlines.cancel(NTE_ANSWER_DEADLINE, object_type=OBJECT_TYPE, object_id=order.pk, reason="besvarat")
        text = "NTE har accepterat transporten." if accepted else (
            f"NTE avböjde transporten: {rules.NTE_DECLINE_REASONS.get(reason, reason)}"
            f"{'. ' + reason_text if reason_text else ''}. Polisen planerar transporten.")
        _event(order.case, actor, "transport_answered", text, public=False, now=now)
        audit.record(actor, "transport.answered", obj=order, new={"accepted": accepted, "reason": reason})
        notify_unit(order.case, order.case.unit, "transport.answered", text)
    return order


@refusals_audited("transport_planned")
def plan_police_transport(actor: Actor, case, *, episode, legs: list[dict], requester_dialogue: str = "",
                          now: datetime | None = None) -> TransportOrder:
    """A police transport, in legs; handovers between regions are relay transports."""
    require_handling_unit(actor, case)
    now = now or timezone.now()
    if not legs:
        raise CaseError("Ange minst en sträcka.", status=422)
    regions = {r.code: r for r in PoliceRegion.objects.all()}
    try:
        rule_legs = [rules.TransportLeg(executor="police", region=leg["region"], start_at=leg["start_at"],
                                        end_at=leg["end_at"], from_place=leg.get("from_place", ""),
                                        to_place=leg.get("to_place", "")) for leg in legs]
    except (KeyError, TypeError, ValueError) as exc:
        raise CaseError(f"Ofullständig sträcka: {exc}", status=422) from exc
    if any(leg["region"] not in regions for leg in legs):
        raise CaseError("Okänd polisregion i en sträcka.", status=422)
    req = getattr(case, "assistance_request", None)
    direct = rules.check_police_transport_allowed(
        _kriminalvarden_transport(req),
        TransportOrder.objects.filter(case=case, executor="nte", state=TransportState.DECLINED).exists())
    if not direct.ok:
        raise refusal([direct])
    checks = rules.check_transport_plan(rule_legs, req.person_age if req else None, now,
                                        requester_dialogue=requester_dialogue)
    if any(getattr(c, "blocking", not c.ok) for c in checks):
        raise refusal(checks)
    warnings = [c.message for c in checks if not c.ok]
    with transaction.atomic():
        order = TransportOrder.objects.create(
            case=case, episode=episode, executor="police", state=TransportState.PLANNED,
            destination=legs[-1].get("to_place", ""), pickup_place=legs[0].get("from_place", ""),
            ordered_at=now, ordered_by_id=actor.person_id, requester_dialogue=requester_dialogue,
        )
        prev = None
        for i, leg in enumerate(legs, start=1):
            region = regions[leg["region"]]
            TransportLeg.objects.create(order=order, seq=i, from_region=prev or region, to_region=region,
                                        from_place=leg.get("from_place", ""), to_place=leg.get("to_place", ""),
                                        departs_at=leg["start_at"], arrives_at=leg["end_at"])
            prev = region
        total, relay = rules.count_handovers(rule_legs)
        _event(case, actor, "transport_planned",
               f"Polistransport planerad i {len(legs)} sträckor ({relay} överlämningar mellan regioner)."
               + (" " + " ".join(warnings) if warnings else ""), public=False, now=now)
        audit.record(actor, "transport.planned", obj=order, new={"legs": len(legs), "relay_handovers": relay})
    return order


def _kriminalvarden_transport(req) -> bool:
    """Whether the legal basis gives the transport to Kriminalvården (the catalogue's entry)."""
    from bitrade.legal.catalogue import default_catalogue

    entry = default_catalogue().get(req.legal_basis_key) if req is not None and req.legal_basis_key else None
    return bool(entry and entry.kriminalvarden_transport)


@refusals_audited("destination_exception")
def record_destination_exception(actor: Actor, case, *, order_id: int | None, reason: str, next_step: str,
                                 now: datetime | None = None) -> TransportOrder:
    """The destination cannot receive the person (e.g. no SiS place): an exception on the transport with what
    happens next; the requester and, for an NTE order, Kriminalvården are told."""
    require_handling_unit(actor, case)
    now = now or timezone.now()
    order = TransportOrder.objects.filter(case=case, pk=order_id).first() if order_id else None
    if order is None:
        raise CaseError("Välj transportuppdraget.", status=422)
    failed = rules.check_destination_exception(reason, next_step)
    if failed:
        raise refusal(failed)
    with transaction.atomic():
        order.destination_exception, order.destination_next_step = reason.strip(), next_step
        order.destination_exception_at = now
        order.save(update_fields=["destination_exception", "destination_next_step", "destination_exception_at"])
        text = (f"{order.destination or 'Mottagaren'} kan inte ta emot personen: {order.destination_exception}. "
                f"Sedan: {rules.DESTINATION_NEXT_STEPS[next_step]}.")
        _event(case, actor, "destination_exception", text, public=False, now=now)
        audit.record(actor, "transport.destination_exception", obj=order, new={"next_step": next_step})
        from bitrade.cases.services import notify_requester

        notify_requester(case, "transport.destination_exception",
                         "Mottagaren kan inte ta emot personen; polisen behöver besked om vad som ska ske")
        if order.executor == "nte" and order.nte_organisation and order.nte_organisation.email:
            outbox.enqueue("email", order.nte_organisation.email, event="transport.destination_exception",
                           obj=order, subject=f"Biträde: mottagaren kan inte ta emot ({case.reference_number})",
                           body="Mottagaren kan inte ta emot personen. Se transportuppdraget i Biträde.")
    return order


def daily_plan(actor: Actor, day) -> list[TransportOrder]:
    """The transports of a day, shared by NTE and the police units of a region: for a police unit the
    region's transports (its own cases and those handed to NTE), for Kriminalvården the orders given to it."""
    from datetime import timedelta as _td

    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    end = start + _td(days=1)
    on_day = (models.Q(pickup_at__gte=start, pickup_at__lt=end)
              | models.Q(legs__departs_at__gte=start, legs__departs_at__lt=end))
    qs = TransportOrder.objects.filter(on_day).exclude(state=TransportState.CANCELLED)
    if actor.kind == "kriminalvarden" and actor.organisation_id:
        qs = qs.filter(nte_organisation_id=actor.organisation_id)
    elif actor.is_police and actor.region_id:
        qs = qs.filter(case__region_id=actor.region_id)
    else:
        raise PermissionDenied("Dagsplanen är polisens och Kriminalvårdens.")
    orders = list(qs.select_related("case", "nte_organisation").distinct().order_by("pickup_at", "id"))
    audit.record_read(actor, "transport.transportorder", [o.pk for o in orders], purpose="dagsplan",
                      fingerprint=True)
    return orders


def complete_transport(actor: Actor, order: TransportOrder, now: datetime | None = None) -> TransportOrder:
    if not ((actor.is_police and actor.unit_id == order.case.unit_id) or
            (actor.kind == "kriminalvarden" and actor.organisation_id == order.nte_organisation_id)):
        raise PermissionDenied("Endast den som utför transporten kan markera den som genomförd.")
    if order.state not in (TransportState.ACCEPTED, TransportState.PLANNED):
        raise CaseError("Transporten kan inte markeras som genomförd i sitt nuvarande läge.")
    now = now or timezone.now()
    with transaction.atomic():
        order.state, order.completed_at = TransportState.COMPLETED, now
        order.save(update_fields=["state", "completed_at"])
        _event(order.case, actor, "transport_completed", "Transporten är genomförd; personen är överlämnad.",
               public=False, now=now)
        audit.record(actor, "transport.completed", obj=order)
    return order


def cancel_transport(actor: Actor, order: TransportOrder, *, reason: str, now: datetime | None = None) -> TransportOrder:
    """The handling unit cancels a transport that has not been carried out (the person was released, the
    care facility came for the person ...).  Kriminalvården is told when the order was theirs."""
    require_handling_unit(actor, order.case)
    if order.state in (TransportState.COMPLETED, TransportState.CANCELLED):
        raise CaseError("Transporten är redan avslutad.")
    if order.state == TransportState.DECLINED:
        raise CaseError("Kriminalvården har redan avböjt transporten; den behöver inte avbeställas.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise CaseError("Ange varför transporten avbeställs.", status=422)
    now = now or timezone.now()
    with transaction.atomic():
        order.state = TransportState.CANCELLED
        order.save(update_fields=["state"])
        deadlines.cancel(NTE_ANSWER_DEADLINE, object_type=OBJECT_TYPE, object_id=order.pk, reason="avbeställt")
        _event(order.case, actor, "transport_cancelled", f"Transporten avbeställd: {reason}", public=False, now=now)
        audit.record(actor, "transport.cancelled", obj=order, reason=reason)
        if order.executor == "nte" and order.nte_organisation is not None:
            outbox.enqueue("email", order.nte_organisation.email, event="transport.cancelled", obj=order,
                           subject=f"Biträde: transportuppdrag {order.case.reference_number} avbeställt",
                           body="Polisen har avbeställt ett transportuppdrag. Se Biträde.")
    return order


def order_fields(case, episode, pickup_at: datetime | None = None) -> dict:
    """What the order to Kriminalvården is built from: whitelisted categories only."""
    req = getattr(case, "assistance_request", None)
    fields = {"reference_number": case.reference_number, "ordering_unit": case.unit.name,
              "pickup_at": pickup_at.isoformat() if pickup_at else ""}
    if req is not None:
        fields.update({
            "person_name": req.person_name, "person_birth_date": req.person_birth_date.isoformat()
            if req.person_birth_date else "", "legal_basis": (req.review.get("legal_basis") or {}).get("citation", ""),
            "destination_facility": req.destination, "pickup_place": episode.place if episode else "",
            "risk_notes": req.risk_notes, "medication_to_hand_over": req.medication_handover,
        })
        if req.person_identity_number:
            fields["person_identity_number"] = req.person_identity_number
    return {k: v for k, v in fields.items() if v not in ("", None)}
