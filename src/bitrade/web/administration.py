"""Administration pages people can use: routing rules (built-ins shown, an editor with a preview), API
keys on their own page (shown once, with a copy button) and the audit log filtered by person, case,
action and date. Reads through selectors, writes through services (each on record)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from bitrade.audit import selectors as audit_selectors
from bitrade.cases import selectors as case_selectors
from bitrade.common import actor as a
from bitrade.organisation import selectors as org_selectors
from bitrade.organisation import services as org_services
from bitrade.organisation.auth import actor_required
from bitrade.routing import forms as routing_forms
from bitrade.routing import selectors as routing_selectors
from bitrade.routing import services as routing_services


@actor_required(a.ADMINISTRATOR)
def routing_rules(request, actor):
    return render(request, "web/admin_routing_rules.html", routing_selectors.rule_listing())


@actor_required(a.ADMINISTRATOR)
def routing_rule_edit(request, actor, pk: int | None = None):
    instance = None
    if pk is not None:
        instance = routing_selectors.stored_rule(pk)
        if instance is None:
            raise Http404("Styrregeln finns inte.")
    form = routing_forms.RoutingRuleForm(request.POST or None, instance=instance)
    preview_form = routing_forms.PreviewForm(request.POST or None, prefix="preview")
    result = None
    if request.method == "POST":
        if "preview" in request.POST:
            if form.is_valid() and preview_form.is_valid():
                result = routing_selectors.preview(**preview_form.case(), draft=form.draft(),
                                                   replacing=instance.pk if instance else None)
        elif form.is_valid():
            rule = routing_services.save_rule(actor, form)
            messages.success(request, f"Styrregeln ”{rule.name}” är sparad.")
            return redirect("web:routing_rules")
    else:
        preview_form = routing_forms.PreviewForm(prefix="preview", initial={"municipality": "1280", "law": "LPT"})
    return render(request, "web/admin_routing_rule_edit.html",
                  {"form": form, "preview_form": preview_form, "result": result, "instance": instance})


@actor_required(a.ADMINISTRATOR)
def api_keys(request, actor):
    issued = None
    errors = {}
    if request.method == "POST":
        organisation = org_selectors.requesting_organisation(request.POST.get("organisation") or 0)
        name = request.POST.get("name", "").strip()
        if organisation is None:
            errors["organisation"] = "Välj den organisation som nyckeln ska höra till."
        if not name:
            errors["name"] = "Ge nyckeln ett namn, t.ex. vilket system som använder den."
        elif len(name) > 100:
            errors["name"] = "Namnet får vara högst 100 tecken."
        if not errors:
            key, plaintext = org_services.issue_api_key(actor, organisation, name)
            issued = {"key": key, "plaintext": plaintext}
    return render(request, "web/admin_api_keys.html", {
        "keys": org_selectors.api_keys(actor), "organisations": org_selectors.requesting_organisations(),
        "issued": issued, "errors": errors, "posted": request.POST if errors else {},
    }, status=400 if errors else 200)


@require_POST
@actor_required(a.ADMINISTRATOR)
def api_key_revoke(request, actor, pk: int):
    key = org_selectors.api_key(actor, pk)
    if key is None:
        raise Http404("Nyckeln finns inte.")
    org_services.revoke_api_key(actor, key, reason=request.POST.get("reason", "").strip())
    messages.success(request, f"Nyckeln {key.prefix} ({key.name}) är återkallad.")
    return redirect("web:api_keys")


def _day(value: str):
    try:
        return datetime.strptime(value, "%Y-%m-%d").date() if value else None
    except ValueError:
        return False


@actor_required(a.ADMINISTRATOR)
def audit_log(request, actor):
    g = request.GET
    filters = {k: g.get(k, "").strip() for k in ("person", "case", "action", "from", "to", "object_type")}
    errors = {}
    since, until = _day(filters["from"]), _day(filters["to"])
    if since is False:
        errors["from"] = "Ange datum som ÅÅÅÅ-MM-DD."
    if until is False:
        errors["to"] = "Ange datum som ÅÅÅÅ-MM-DD."
    objects = None
    if filters["case"]:
        case = case_selectors.case_by_reference(filters["case"])
        objects = []
        if case is None:
            errors["case"] = f"Inget ärende har referensen {filters['case']}."
        else:
            objects = [("cases.case", case.pk)]
            request_obj = getattr(case, "assistance_request", None)
            if request_obj is not None:
                objects.append(("intake.assistancerequest", request_obj.pk))
    tz = timezone.get_current_timezone()
    events = audit_selectors.audit_events(
        actor, action=filters["action"], object_type=filters["object_type"], person=filters["person"],
        objects=objects,
        since=datetime.combine(since, time.min, tz) if since else None,
        until=datetime.combine(until + timedelta(days=1), time.min, tz) if until else None,
    )[:200] if not errors else []
    return render(request, "web/audit.html", {
        "events": events, "chain": audit_selectors.verify_since_verified(), "filters": filters, "errors": errors,
        "actions": audit_selectors.audit_actions(),
    }, status=400 if errors else 200)
