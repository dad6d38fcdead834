"""The return case's panels (the kernel's case page includes them), its inbox row, and the officers' phone
page for wanted notices ("found" reports)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone

from bitrade.common import actor as a
from bitrade.common.errors import DomainError
from bitrade.organisation.auth import actor_required

from . import rules, selectors, services
from .facts import current


def overview_context(actor, case) -> dict:
    rc = selectors.read_detail(actor, case)
    if rc is None:
        return {"rc": None}
    assessment = current(rc)
    return {
        "rc": rc, "assessment": assessment, "origin_label": rules.ORIGINS.get(rc.origin, ""),
        "decision_label": rules.DECISION_TYPES.get(rc.decision_type, ""),
        "body_label": rules.DECIDING_BODIES.get(rc.deciding_body, ""),
        "identity_label": rules.IDENTITY.get(rc.identity_status, ""),
        "stance_label": rules.STANCES.get(rc.destination_stance, "okänd"),
        "priority_label": rules.PRIORITY_LABELS.get(rc.priority_group, ""),
        "outcome_label": rules.OUTCOMES.get(case.outcome, ""),
        "lapse_soon": bool(rc.lapses_on and (rc.lapses_on - timezone.localdate()).days
                           <= services.law_settings().lapse_warning_days),
    }


def work_context(actor, case) -> dict:
    rc = selectors.return_case_of(case)
    if rc is None:
        return {}
    return {**selectors.panel_data(rc), "methods": services.METHODS, "note_kinds": rc.notes.model.KINDS,
            "detention_kinds": rules.DETENTION_KINDS, "trip_types": rules.TRIP_TYPES, "outcomes": rules.OUTCOMES,
            "instructions": rc.wanted_notices.model.INSTRUCTIONS, "offered_names": {
                x.name for x in services.cases.offered_actions(actor, case)},
            "checklist": services.closure_checklist(case) if case.state == services.CONCLUDED else []}


#: What a return-case inbox row reads of its return case (``CaseKind.inbox_values``).
INBOX_VALUES = {f"rc_{name}": f"return_case__{name}" for name in (
    "id", "person_name", "police_category", "priority_group", "lapses_on", "temporary_permit_until",
    "stay_of_enforcement", "pending_impediment", "pending_permit_application", "pending_family_asylum")}


def inbox_row(actor, row) -> dict:
    """The return-case columns of an inbox row, from its values (``INBOX_VALUES``): inactive by today's
    date when an impediment holds."""
    if row["rc_id"] is None:
        return {}
    inactive = rules.inactive_reasons(rules.Facts(
        temporary_permit_until=row["rc_temporary_permit_until"], stay_of_enforcement=row["rc_stay_of_enforcement"],
        pending_impediment=row["rc_pending_impediment"], pending_permit_application=row["rc_pending_permit_application"],
        pending_family_asylum=row["rc_pending_family_asylum"]), timezone.localdate())
    label = f"Kategori {row['rc_police_category']} · {rules.PRIORITY_LABELS.get(row['rc_priority_group'], '')}"
    if inactive:
        label += " · inaktivt"
    lapses_on = row["rc_lapses_on"]
    return {"person_name": row["rc_person_name"], "priority_label": label,
            "citation": f"Preskriberas {lapses_on.isoformat()}" if lapses_on else ""}


@actor_required(a.POLICE)
def notices(request, actor):
    """The open wanted notices of the officer's region (phone-sized list)."""
    return render(request, "returns/notices.html", {"notices": selectors.open_notices(actor)})


@actor_required(a.POLICE)
def found(request, actor, public_id):
    """Report a find from the field: context, what was done, contact details as the instruction says."""
    notice = selectors.read_notice(actor, public_id)
    if request.method == "POST":
        try:
            services.report_found(actor, notice, request.POST.get("context", ""), request.POST.get("report", ""),
                                  request.POST.get("contact", ""))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Rapporten är skickad till handläggaren.")
            return redirect("returns:notices")
    return render(request, "returns/found.html", {"notice": notice,
                                                  "instruction": notice.INSTRUCTIONS[notice.instruction]})


@actor_required(a.KRIMINALVARDEN)
def kv_orders(request, actor):
    """Kriminalvården's transport unit: the return transport orders addressed to it, and their milestones."""
    if request.method == "POST":
        try:
            order = selectors.kv_order(actor, request.POST.get("order", ""))
            services.kv_milestone(actor, order, request.POST.get("step", ""), request.POST.get("note", ""))
        except DomainError as exc:
            messages.error(request, exc.message)
        except ValidationError:
            messages.error(request, "Okänd beställning.")
        else:
            messages.success(request, "Sparat.")
        return redirect("returns:kv_orders")
    return render(request, "returns/kv_orders.html", {"orders": selectors.read_orders_for_kv(actor),
                                                      "steps": services.KV_STEPS})


FILTERS = {"": "Alla öppna", "enforceable": "Kan verkställas nu", "inactive": "Inaktiva", "lapse_soon":
           "Preskriberas inom 90 dagar", "detained": "I förvar", "against_agreement": "I strid med överenskommelsen"}


@actor_required(a.POLICE)
def overview(request, actor):
    """The group manager's overview of the region's return cases: category, priority group, active or inactive
    with the reasons, the voluntary-departure deadline and the lapse date, with filters."""
    only = request.GET.get("visa", "")
    category = request.GET.get("kategori", "")
    rows = selectors.region_cases(actor, category=int(category) if category in ("1", "2", "3") else None,
                                  only=only if only in FILTERS else "")
    return render(request, "returns/overview.html", {"rows": rows, "filters": FILTERS, "only": only,
                                                     "category": category})
