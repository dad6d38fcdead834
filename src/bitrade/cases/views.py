"""The case page, its inbox, and taking an action from a form. Thin: the page is the kind's panels,
and an action is looked up in the kind's registry and run through ``cases.services``."""

from __future__ import annotations

from datetime import date, datetime
from typing import get_origin

from django.contrib import messages
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from bitrade.common import actor as a
from bitrade.common import conditional
from bitrade.common.errors import swedish_validation_errors
from bitrade.organisation.auth import actor_required, request_actor

from . import inbox_cache, kinds, presenters, selectors, services


def case_context(actor, case) -> dict:
    spec = kinds.kind_of(case)
    handling = actor.is_police and actor.unit_id == case.unit_id
    ctx = {"case": case, "kind": spec, "timeline": presenters.timeline(case), "is_handling_unit": handling,
           "offered": services.offered_actions(actor, case)}
    panels = [p for p in spec.panels if handling or not p.only_handling_unit]
    for panel in panels:
        if panel.context is not None:
            ctx.update(panel.context(actor, case))
    ctx["panels"] = panels
    if spec.generic_action_forms and handling:
        ctx["show_action_forms"] = True
        ctx["action_forms"] = [{"action": act, "fields": form_fields(act.schema)} for act in ctx["offered"]]
    return ctx


_INPUT_TYPES = {int: "number", bool: "checkbox", datetime: "datetime-local", date: "date"}


def form_fields(schema) -> list[dict]:
    """The inputs of a form for an action's schema: label from the field's title or description."""
    out = []
    for name, field in schema.model_fields.items():
        annotation = field.annotation
        base = next((t for t in _INPUT_TYPES if annotation is t or t in getattr(annotation, "__args__", ())), str)
        limit = next((getattr(m, "max_length", None) for m in field.metadata if getattr(m, "max_length", None)),
                     None)
        out.append({"name": name, "label": field.title or field.description or name.replace("_", " ").capitalize(),
                    "type": _INPUT_TYPES.get(base, "text"), "textarea": base is str and (limit or 0) > 200,
                    "required": field.is_required()})
    return out


@actor_required(a.POLICE)
def detail(request, actor, public_id):
    case = services.read_case(actor, public_id)
    return render(request, "cases/case.html", case_context(actor, case))


INBOX_HTML = "html"


class InboxState:
    """The change stamps of an actor's inbox scope (one lookup), and the ETag of the table built on them."""

    def __init__(self, actor):
        self.found = selectors.inbox_stamps(actor)
        self.etag = services.inbox_etag(actor, INBOX_HTML, version=selectors.version_of(self.found))


def inbox_etag(actor) -> str | None:
    """The ETag of the inbox table as the page and its polls show it (the change stamps of the scope)."""
    return services.inbox_etag(actor, INBOX_HTML)


def inbox_page_context(actor, state: InboxState | None = None) -> dict:
    """The inbox rows (their markup, shared by the unit's members: ``cases.inbox_cache``; the read on record
    for this person) and the ETag they were built under (the page hands it to its first poll)."""
    state = state or InboxState(actor)
    return {"rows_html": inbox_cache.rows_for(actor, state.found).html, "inbox_etag": state.etag or ""}


@actor_required(a.POLICE)
def inbox_fragment(request, actor):
    """The inbox table alone, polled by htmx so the inbox updates itself. Conditional: when the poll
    carries the ETag of what the page shows and nothing changed, the answer is 304 (no rows are read,
    no read is logged) and the page is left as it is (web/static/web/poll.js)."""
    state = InboxState(actor)
    etag = state.etag
    if etag and (unchanged := conditional.not_modified(request, etag)):
        return unchanged
    response = render(request, "cases/_inbox.html", {"rows_html": inbox_cache.rows_for(actor, state.found).html})
    return conditional.tag(response, etag) if etag else response


def form_input(schema, data: QueryDict) -> dict:
    """A form's fields as input for an action's schema: an empty field means "not given"."""
    out = {}
    for name in schema.model_fields:
        if get_origin(schema.model_fields[name].annotation) is list:
            values = [v for v in data.getlist(name) if v.strip()]
            if values:
                out[name] = values
            continue
        value = data.get(name)
        if value is not None and value.strip() != "":
            out[name] = value
        elif value is not None and schema.model_fields[name].annotation is str:
            out[name] = ""
    return out


@require_POST
@actor_required(a.POLICE)
def act(request, actor, public_id, action):
    case = services.read_case(actor, public_id, purpose=action)
    spec = kinds.kind_of(case)
    entry = spec.action_by_slug(action)
    if entry is None:
        raise Http404("Okänd åtgärd")
    try:
        data = entry.schema.model_validate(form_input(entry.schema, request.POST))
    except ValidationError as exc:
        problems = swedish_validation_errors(exc.errors())
        messages.error(request, " ".join(f"{p['message']}" for p in problems))
        return back_to_case(request, public_id)
    return run_and_return(request, public_id, lambda: services.take_action(actor, case, entry, data))


def run_and_return(request, public_id, fn):
    """Run a case step from a kind's own form (custody, transport …); show its refusal (with the
    citation) or "Sparat", then back to the case page."""
    try:
        fn()
    except services.CaseError as exc:
        messages.error(request, exc.message + (f" ({exc.citation})" if exc.citation else ""))
        return back_to_case(request, public_id)
    if not selectors.scope(request_actor(request)).filter(public_id=public_id).exists():
        # Transferred to a unit whose cases this person does not see: back to the inbox, not a 404.
        reference = selectors.reference_of(public_id)
        messages.success(request, _("Sparat. %(ref)s hanteras nu av en annan enhet.") % {"ref": reference})
        if request.headers.get("HX-Request") == "true":
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("web:home")
            return response
        return redirect("web:home")
    messages.success(request, _("Sparat."))
    return back_to_case(request, public_id)


def back_to_case(request, public_id):
    """After a step: a form sent from the case page's work surface (htmx) gets the updated page at once,
    of which the browser swaps in only the case region; a plain form post is redirected to the page."""
    if request.headers.get("HX-Request") == "true":
        actor = request_actor(request)
        case = services.read_case(actor, public_id)
        return render(request, "cases/case.html", case_context(actor, case))
    return redirect("cases:detail", public_id)
