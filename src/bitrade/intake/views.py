"""Requester and police pages for requests: the guided form, the case page, completion, acknowledgement."""

from __future__ import annotations

import base64
import uuid

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from bitrade.assistance import rules as case_rules
from bitrade.assistance import services as cases
from bitrade.common import actor as a
from bitrade.common import labels as glossary
from bitrade.common.errors import swedish_validation_errors
from bitrade.legal.catalogue import default_catalogue
from bitrade.organisation import selectors as org_selectors
from bitrade.organisation.auth import actor_required

from . import selectors, services
from .schemas import ATTACHMENT_KIND_LABELS, RISK_LABELS, CompletionIn, RequestIn, UrgencyIn

URGENCY_LABELS = dict(glossary.URGENCY)
ATTACHMENT_SLOTS = 2


def _entries_by_law():
    cat = default_catalogue().valid_on(timezone.localdate())
    groups: dict[str, list] = {}
    for e in cat:
        groups.setdefault(e.law, []).append(e)
    return cat, groups


def _basis_context(key: str | None):
    cat = default_catalogue()
    entry = cat.get(key) if key else None
    if entry is None:
        return {"entry": None}
    return {
        "entry": entry,
        "roles": [cat.label("roles", r) for r in entry.requester_roles],
        "deciders": [cat.label("deciders", d) for d in entry.competent_deciders],
        "conditions": [cat.conditions[c] for c in entry.conditions],
        "documents": [{"kinds": [cat.label("document_kinds", k) for k in d.any_of], "required": d.required}
                      for d in entry.documents],
        "asks_avoidance": "person_avoids_examination" in entry.conditions,
        "needs_reason": "police_powers_or_exceptional_reasons" in entry.conditions,
    }


def _form_to_payload(post, files, actor, person) -> tuple[dict, dict]:
    """The web form's fields carry the schema's own paths, so one schema validates both channels."""
    cat = default_catalogue()
    entry = cat.get(post.get("legal_basis_key", ""))
    role = org_selectors.staff_role(actor)
    attachments = []
    errors = {}
    for i in range(1, ATTACHMENT_SLOTS + 1):
        f = files.get(f"attachment_{i}")
        if not f:
            continue
        if f.size > 10 * 1024 * 1024:
            errors[f"attachment_{i}"] = "Filen är för stor; högst 10 MB."
            continue
        attachments.append({"kind": post.get(f"attachment_{i}_kind") or "other", "filename": f.name,
                            "content_base64": base64.b64encode(f.read()).decode()})
    avoid = post.get("person_avoids_examination")

    def dt(name):
        v = post.get(name, "").strip()
        if not v:
            return None
        try:
            return timezone.make_aware(timezone.datetime.fromisoformat(v)).isoformat()
        except ValueError:
            return v

    payload = {
        "requester": {"name": person.get_full_name() or person.username, "role": role,
                      "phone": post.get("requester.phone", ""), "email": post.get("requester.email", "")},
        "legal_basis": entry.citation if entry else post.get("legal_basis_key", ""),
        "person": {"identity_number": post.get("person.identity_number", ""), "name": post.get("person.name", ""),
                   "birth_date": post.get("person.birth_date") or None,
                   "protected_identity": post.get("person.protected_identity") == "on"},
        "location": {"address": post.get("location.address", ""),
                     "municipality_code": post.get("location.municipality_code", "")},
        "destination": post.get("destination", ""),
        "measures": post.get("measures", ""),
        "police_powers_reason": post.get("police_powers_reason", ""),
        "person_avoids_examination": {"yes": True, "no": False}.get(avoid),
        "urgency": post.get("urgency", ""),
        "window_start": dt("window_start"), "window_end": dt("window_end"),
        "risks": post.getlist("risks"),
        "risk_notes": post.get("risk_notes", ""),
        "medication_handover": post.get("medication_handover", ""),
        "wanted_notice_requested": post.get("wanted_notice_requested") == "on",
        "oral_request": False,
        "attachments": attachments,
    }
    if not entry:
        errors["legal_basis_key"] = "Välj lagrum."
    return payload, errors


def _form_context(actor, post=None, errors=None):
    cat, groups = _entries_by_law()
    person = org_selectors.person_of(actor)
    org = selectors_org(actor)
    key = (post or {}).get("legal_basis_key", "")
    return {
        "groups": groups, "laws": {e.law: e for e in cat},
        "municipalities": org_selectors.municipalities(),
        "urgencies": [(u.value, URGENCY_LABELS[u.value]) for u in UrgencyIn],
        "risks": RISK_LABELS, "attachment_kinds": ATTACHMENT_KIND_LABELS, "slots": range(1, ATTACHMENT_SLOTS + 1),
        "post": post or {}, "errors": errors or {}, "person": person, "organisation": org,
        "default_phone": org.phone_24h or person.phone, "default_email": person.email,
        "form_token": (post or {}).get("form_token") or uuid.uuid4().hex,
        "basis": _basis_context(key),
        "selected_risks": (post.getlist("risks") if post is not None else []),
    }


def selectors_org(actor):
    return org_selectors.organisation_for(actor)


@actor_required(a.REQUESTER)
def new_request(request, actor):
    if request.method == "POST":
        person = org_selectors.person_of(actor)
        payload, errors = _form_to_payload(request.POST, request.FILES, actor, person)
        data = None
        try:
            data = RequestIn.model_validate(payload)
        except ValidationError as exc:
            for e in swedish_validation_errors(exc.errors()):
                errors.setdefault(e["field"], e["message"])
        if data is not None and not errors:
            try:
                result = services.submit_request(actor, data, idempotency_key=f"web-{request.POST.get('form_token', '')}",
                                                 channel=services.Channel.WEB)
            except services.IntakeError as exc:
                errors[exc.field] = exc.message
            else:
                messages.success(request, f"Begäran är mottagen. Referens: {result.request.case.reference_number}.")
                return redirect("intake:detail", result.request.public_id)
        return render(request, "intake/new.html", _form_context(actor, request.POST, errors), status=422)
    return render(request, "intake/new.html", _form_context(actor))


@actor_required(a.REQUESTER)
def basis_panel(request, actor):
    return render(request, "intake/_basis.html", {"basis": _basis_context(request.GET.get("legal_basis_key")),
                                                  "post": request.GET})


@actor_required(a.REQUESTER, a.POLICE)
def detail(request, actor, public_id):
    req = selectors.get_request(actor, public_id)
    return render(request, "intake/detail.html", {
        "req": req, "person": selectors.person_display(actor, req),
        "review": req.review or {}, "questions": list(req.questions.all()),
        "open_questions": [q for q in req.questions.all() if q.answered_at is None],
        "attachments": list(req.attachments.all()),
        "case": req.case,
        # Police-internal notes (escalations, transfers) never reach a requester's page.
        "routing_internal": req.case.routing_trace if actor.is_police else [],
        "timeline": [e for e in req.case.events.all() if e.public or actor.is_police],
        "can_answer": actor.is_requester and req.case.state == case_rules.COMPLETION_REQUESTED,
        "can_withdraw": actor.is_requester and case_rules.WITHDRAW in case_rules.allowed_actions(req.case.state),
        "can_acknowledge": actor.is_police and actor.unit_id == req.case.unit_id and req.case.acknowledged_at is None,
        "risk_labels": RISK_LABELS, "urgency_labels": URGENCY_LABELS, "attachment_kinds": ATTACHMENT_KIND_LABELS,
    })


@actor_required(a.REQUESTER, a.POLICE)
def attachment(request, actor, public_id, attachment_id, inline=False):
    """A stored document, only through here: scoped and audited ("bilaga visad" or "bilaga hämtad"),
    shown in the browser (``inline``, PDF and images only) or downloaded, with nosniff and a sandboxing
    Content-Security-Policy that Chromium's PDF viewer still shows (docs/security.md). The files live
    outside the web root."""
    att = selectors.get_attachment(actor, public_id, attachment_id,
                                   purpose="bilaga visad" if inline else "bilaga hämtad")
    from .documents import LABELS as VIEWABLE

    # The type was decided from the content at upload; anything else is only ever downloaded, as bytes.
    viewable = att.content_type in VIEWABLE
    response = FileResponse(att.file.open("rb"), as_attachment=not (inline and viewable), filename=att.filename,
                            content_type=att.content_type if viewable else "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    # The document is its own sandboxed, script-less origin: it loads nothing, runs nothing, is never framed.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox; frame-ancestors 'none'"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@actor_required(a.REQUESTER)
def complete(request, actor, public_id):
    req = selectors.get_request(actor, public_id, purpose="komplettering")
    answers = []
    for q in req.questions.filter(answered_at__isnull=True):
        text = request.POST.get(f"answer_{q.pk}", "").strip()
        if text:
            answers.append({"question_id": q.pk, "answer": text})
    payload = {"answers": answers}
    if request.POST.get("legal_basis", "").strip():
        payload["legal_basis"] = request.POST["legal_basis"].strip()
    if request.POST.get("person_avoids_examination") in ("yes", "no"):
        payload["person_avoids_examination"] = request.POST["person_avoids_examination"] == "yes"
    f = request.FILES.get("attachment_1")
    if f:
        payload["attachments"] = [{"kind": request.POST.get("attachment_1_kind") or "other", "filename": f.name,
                                   "content_base64": base64.b64encode(f.read()).decode()}]
    try:
        data = CompletionIn.model_validate(payload)
        if not (data.answers or data.legal_basis or data.attachments or data.person_avoids_examination is not None):
            raise services.IntakeError("answers", "Besvara minst en fråga.")
        services.answer_completion(actor, req, data)
    except ValidationError as exc:
        for e in swedish_validation_errors(exc.errors()):
            messages.error(request, f"{e['field']}: {e['message']}")
    except services.IntakeError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Kompletteringen är skickad.")
    return redirect("intake:detail", public_id)


@require_POST
@actor_required(a.POLICE)
def acknowledge(request, actor, public_id):
    req = selectors.get_request(actor, public_id, purpose="kvittering")
    cases.acknowledge(actor, req.case)
    messages.success(request, f"{req.case.reference_number} är kvitterad.")
    return redirect("intake:detail", public_id)


@require_POST
@actor_required(a.REQUESTER)
def withdraw(request, actor, public_id):
    req = selectors.get_request(actor, public_id, purpose="återkallelse")
    reason = request.POST.get("reason", "").strip()
    if len(reason) < 5:
        messages.error(request, "Ange varför begäran återkallas.")
        return redirect("intake:detail", public_id)
    try:
        cases.withdraw(actor, req.case, reason=reason)
    except cases.CaseError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Begäran är återkallad.")
    return redirect("intake:detail", public_id)
