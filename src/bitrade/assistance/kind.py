"""Handräckning registered as a case kind: what the kernel needs to know to hold, show and close it."""

from __future__ import annotations

from django.db.models import Q

from bitrade.cases.kinds import CaseKind, Panel
from bitrade.organisation.models import UnitKind

from . import rules, services, views
from .actions import ACTIONS


def scope(actor) -> Q | None:
    """Beyond the cases routed to a unit, the region's RLC sees every handräckning case in its region, and a
    unit sees a case another region asks it to take over."""
    if not actor.is_police:
        return None
    from .models import Transfer

    # Resolved first (an indexed lookup, usually empty) so the inbox query gets no subquery.
    offered_ids = list(Transfer.objects.filter(to_unit_id=actor.unit_id, status=Transfer.PENDING)
                       .values_list("case_id", flat=True)[:500])
    offered = Q(pk__in=offered_ids) if offered_ids else None
    if actor.unit_kind == UnitKind.RLC and actor.region_id:
        return Q(region_id=actor.region_id) | offered if offered is not None else Q(region_id=actor.region_id)
    return offered

def scope_one(actor) -> Q | None:
    """``scope`` for looking one case up: the transfers offered to the unit as a subquery of that lookup."""
    if not actor.is_police:
        return None
    from .models import Transfer

    offered = Q(pk__in=Transfer.objects.filter(to_unit_id=actor.unit_id, status=Transfer.PENDING).values("case_id"))
    if actor.unit_kind == UnitKind.RLC and actor.region_id:
        return Q(region_id=actor.region_id) | offered
    return offered


def stamp_scopes(actor) -> tuple[str, ...]:
    """The RLC's region part (a transfer offered to a unit bumps the unit's own key)."""
    if actor.is_police and actor.unit_kind == UnitKind.RLC and actor.region_id:
        return (f"r:{actor.region_id}:{services.KIND}",)
    return ()



def closure_checklist(case):
    return rules.closure_checklist(services.closure_facts(case))


ASSISTANCE = CaseKind(
    key=services.KIND,
    label="Handräckning enligt vårdlagarna",
    reference_prefix="HR",
    states=rules.STATE_LABELS,
    closed_states=frozenset({rules.CLOSED}),
    transitions=rules.TRANSITIONS,
    actions=ACTIONS,
    closure_checklist=closure_checklist,
    timeline_labels=rules.ACTION_LABELS,
    panels=(
        Panel("assistance/_clock.html", views.clock_context, only_handling_unit=True),
        Panel("assistance/_request.html", views.request_context),
        Panel("assistance/_actions.html", views.actions_context, only_handling_unit=True),
        Panel("assistance/_wanted.html", views.wanted_context),
        Panel("assistance/_transfer.html", views.transfer_context),
        Panel("assistance/_powers.html", views.powers_context, only_handling_unit=True),
        Panel("custody/_section.html", views.custody_panel, only_handling_unit=True),
        Panel("transport/_section.html", views.transport_panel, only_handling_unit=True),
        Panel("assistance/_references.html", only_handling_unit=True),
    ),
    scope=scope,
    scope_one=scope_one,
    stamp_scopes=stamp_scopes,
    related=("assistance_request", "assistance_request__organisation", "assistance_request__location_municipality"),
    inbox_values=views.INBOX_VALUES,
    inbox_row=views.inbox_row,
    notify_requester=services.notify_requester,
    generic_action_forms=False,
)
