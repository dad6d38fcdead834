"""Transport on the case page (order from NTE, plan a police transport) and Kriminalvården's view."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bitrade.audit import services as audit
from bitrade.cases import services as case_services
from bitrade.cases.services import CaseError
from bitrade.cases.views import back_to_case, run_and_return
from bitrade.common import actor as a
from bitrade.common import conditional
from bitrade.common.forms import parse_local_datetime
from bitrade.custody import selectors as custody_selectors
from bitrade.organisation.auth import actor_required

from . import rules, selectors, services


def transport_context(actor, case) -> dict:
    return {"transports": selectors.orders_for_case(case),
            "decline_reasons": rules.NTE_DECLINE_REASONS}






@require_POST
@actor_required(a.POLICE)
def order(request, actor, public_id):
    case = case_services.read_case(actor, public_id, purpose="transport")
    episode = custody_selectors.latest_episode(case, open_only=True)
    fields = services.order_fields(case, episode, parse_local_datetime(request.POST.get("pickup_at", "")))
    extra = request.POST.get("extra_field", "").strip()
    if extra:  # a field someone tries to add by hand is checked against the whitelist too
        fields[extra] = request.POST.get("extra_value", "")
    return run_and_return(request, public_id, lambda: services.order_nte(actor, case, episode=episode, fields=fields))


@require_POST
@actor_required(a.POLICE)
def plan(request, actor, public_id):
    case = case_services.read_case(actor, public_id, purpose="transport")
    episode = custody_selectors.latest_episode(case)
    p = request.POST
    legs = []
    for i in range(1, 4):
        if not p.get(f"leg{i}_region"):
            continue
        legs.append({"region": p[f"leg{i}_region"], "from_place": p.get(f"leg{i}_from", ""),
                     "to_place": p.get(f"leg{i}_to", ""), "start_at": parse_local_datetime(p.get(f"leg{i}_start", "")),
                     "end_at": parse_local_datetime(p.get(f"leg{i}_end", ""))})
    if any(leg["start_at"] is None or leg["end_at"] is None for leg in legs):
        messages.error(request, _("Ange start- och sluttid för varje sträcka."))
        return back_to_case(request, public_id)
    return run_and_return(request, public_id, lambda: services.plan_police_transport(
        actor, case, episode=episode, legs=legs, requester_dialogue=p.get("requester_dialogue", "")))


@require_POST
@actor_required(a.POLICE)
def complete(request, actor, public_id, order_id):
    case = case_services.read_case(actor, public_id, purpose="transport")
    order = selectors.order_of(case, order_id)
    if order is None:
        raise Http404("Finns inte")
    return run_and_return(request, public_id, lambda: services.complete_transport(actor, order))


@require_POST
@actor_required(a.POLICE)
def cancel(request, actor, public_id, order_id):
    case = case_services.read_case(actor, public_id, purpose="transport")
    order = selectors.order_of(case, order_id)
    if order is None:
        raise Http404("Finns inte")
    return run_and_return(request, public_id, lambda: services.cancel_transport(
        actor, order, reason=request.POST.get("reason", "")))


NTE_PAGE = 200


def _nte_rows(orders, now) -> list[dict]:
    """Each order as NTE reads it: fields with Swedish names, personal data only as long as needed."""
    keep = timedelta(hours=settings.BITRADE_NTE_PERSONAL_DATA_HOURS)
    rows = []
    for o in orders:
        finished_at = (o.completed_at or o.responded_at or o.ordered_at) if o.state in selectors.FINISHED else None
        shared, hidden = rules.nte_visible_fields(o.shared or {}, finished_at=finished_at, now=now, keep=keep)
        rows.append({"order": o, "reference_number": shared.get("reference_number") or o.case.reference_number,
                     "fields": [(key, value) for key, value in shared.items() if key != "reference_number"],
                     "personal_data_hidden": hidden})
    return rows


def _nte_context(actor) -> dict:
    orders = list(services.orders_for_kriminalvarden(actor).order_by("-ordered_at")[:200])
    audit.record_read(actor, "transport.transportorder", [o.pk for o in orders], purpose="NTE-vy",
                      fingerprint=True)
    return {"rows": _nte_rows(orders, timezone.now()), "decline_reasons": rules.NTE_DECLINE_REASONS,
            "personal_data_hours": settings.BITRADE_NTE_PERSONAL_DATA_HOURS,
            "poll_seconds": settings.BITRADE_NTE_POLL_SECONDS}


@actor_required(a.KRIMINALVARDEN)
def nte_orders(request, actor):
    """Kriminalvården's orders (its start page). Conditional: a browser revalidating the page gets 304 when
    no order on it has changed (nothing read, nothing logged), unless a message waits to be shown."""
    page = services.orders_for_kriminalvarden(actor).order_by("-ordered_at", "-pk")[:NTE_PAGE]
    etag = conditional.weak_etag("nte", conditional.actor_scope(actor), conditional.page_scope(request),
                                 selectors.orders_version(page))
    flash = len(messages.get_messages(request)) > 0  # a page with a message is shown once, never kept
    if not flash and (unchanged := conditional.not_modified(request, etag, conditional.REVALIDATE)):
        return unchanged
    orders = list(page)
    audit.record_read(actor, "transport.transportorder", [o.pk for o in orders], purpose="NTE-vy")
    from bitrade.organisation.selectors import organisation_for

    response = render(request, "transport/nte.html", {
        "rows": _nte_rows(orders, timezone.now()), "decline_reasons": rules.NTE_DECLINE_REASONS,
        "personal_data_hours": settings.BITRADE_NTE_PERSONAL_DATA_HOURS,
        "poll_seconds": settings.BITRADE_NTE_POLL_SECONDS, "organisation": organisation_for(actor)})
    return response if flash else conditional.tag(response, etag, conditional.REVALIDATE)


@actor_required(a.KRIMINALVARDEN)
def nte_orders_fragment(request, actor):
    """The list alone, polled by htmx so NTE's view refreshes itself."""
    return render(request, "transport/_nte_orders.html", _nte_context(actor))


@require_POST
@actor_required(a.KRIMINALVARDEN)
def nte_respond(request, actor, order_id):
    order = get_object_or_404(services.orders_for_kriminalvarden(actor), public_id=order_id)
    p = request.POST
    try:
        if p.get("answer") == "complete":
            services.complete_transport(actor, order)
        else:
            services.nte_respond(actor, order, accepted=p.get("answer") == "accept", reason=p.get("reason", ""),
                                 reason_text=p.get("reason_text", ""))
    except CaseError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Svaret är registrerat."))
    return redirect("web:home")


@actor_required(a.POLICE, a.KRIMINALVARDEN)
def daily_plan(request, actor):
    """The day's transports, shared by NTE and the police units of a region."""
    from datetime import date

    from django.utils import timezone

    try:
        day = date.fromisoformat(request.GET.get("datum", "")) if request.GET.get("datum") else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    orders = services.daily_plan(actor, day)
    return render(request, "transport/daily_plan.html", {
        "day": day, "orders": orders, "for_kriminalvarden": actor.kind == a.KRIMINALVARDEN,
        "next_steps": rules.DESTINATION_NEXT_STEPS})
