"""Requester and police pages for requests: the guided form, the case page, completion, acknowledgement."""

from __future__ import annotations

import base64
import uuid

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
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

from . import rules as review_rules
from . import selectors, services
from .schemas import (
    ATTACHMENT_KIND_LABELS,
    MAX_ATTACHMENT_BYTES,
    RISK_LABELS,
    CompletionIn,
    RequestIn,
    UrgencyIn,
)

URGENCY_LABELS = dict(glossary.URGENCY)
ATTACHMENT_SLOTS = 2


def _entries_by_law():
    cat = default_catalogue().valid_on(timezone.localdate())
    groups: dict[str, list] = {}
    for e in cat:
        groups.setdefault(e.law, []).append(e)
    return cat, groups


def _competence_warning(entry, actor):
    """The review's own competence check for this requester and basis, when it says they may not ask."""
    org = org_selectors.organisation_for(actor)
    facts = review_rules.RequestFacts(
        organisation_kind=org.kind, organisation_name=org.name, requester_role=org_selectors.staff_role(actor),
        legal_basis_key=entry.key)
    check = review_rules.requester_competence(facts, default_catalogue(), timezone.localdate())
    return check if check.consequence == "inadmissible" else None


def _basis_context(key: str | None, actor=None):
    cat = default_catalogue()
    entry = cat.get(key) if key else None
    if entry is None:
        return {"entry": None}
    return {
        "not_competent": _competence_warning(entry, actor) if actor is not None else None,
        "entry": entry,
        "roles": [cat.label("roles", r) for r in entry.requester_roles],
        "deciders": [cat.label("deciders", d) for d in entry.competent_deciders],
        "conditions": [cat.conditions[c] for c in entry.conditions],
        "documents": [{"kinds": [cat.label("document_kinds", k) for k in d.any_of], "required": d.required}
                      for d in entry.documents],
        "asks_avoidance": "person_avoids_examination" in entry.conditions,
        "needs_reason": any(cat.conditions[c].field == "police_powers_reason" for c in entry.conditions),
    }


def _form_to_payload(post, staged: dict, actor, person) -> tuple[dict, dict, list[int]]:
    """The web form's fields carry the schema's own paths, so one schema validates both channels. The
    documents are those kept for this form (chosen now or before a failed submission), by slot."""
    cat = default_catalogue()
    entry = cat.get(post.get("legal_basis_key", ""))
    role = org_selectors.staff_role(actor)
    attachments, slots = [], []
    errors = {}
    for i in range(1, ATTACHMENT_SLOTS + 1):
        kept = staged.get(i)
        if kept is None:
            continue
        attachments.append({"kind": post.get(f"attachment_{i}_kind") or kept.kind, "filename": kept.filename,
                            "content_base64": base64.b64encode(services.staged_content(kept)).decode()})
        slots.append(i)
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
        "legal_basis_key": entry.key if entry else "",
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
    return payload, errors, slots


# The form's controls, in page order: a schema path (or a form key) to the id of its control. An error on
# a path not named here is listed in the summary without a link, never with a link to nothing.
FIELD_IDS = {
    "requester": "f-requester", "requester.name": "f-requester", "requester.role": "f-requester",
    "requester.phone": "f-requester-phone", "requester.email": "f-requester-email",
    "legal_basis_key": "f-legal_basis_key", "legal_basis": "f-legal_basis_key",
    "police_powers_reason": "f-police_powers_reason", "person_avoids_examination": "f-person_avoids_examination",
    "person.identity_number": "f-person-identity_number", "person": "f-person-identity_number",
    "person.name": "f-person-name", "person.birth_date": "f-person-birth_date",
    "person.protected_identity": "f-person-protected_identity",
    "location.address": "f-location-address", "location.municipality_code": "f-location-municipality_code",
    "destination": "f-destination", "measures": "f-measures", "urgency": "f-urgency",
    "window_start": "f-window_start", "window_end": "f-window_end",
    "body": "f-window_end",  # the request's own checks: only the time window is checked across fields
    "risks": "f-risks", "risk_notes": "f-risk_notes", "medication_handover": "f-medication_handover",
    "wanted_notice_requested": "f-wanted_notice_requested",
    **{f"attachment_{i}": f"f-attachment_{i}" for i in range(1, ATTACHMENT_SLOTS + 1)},
    **{f"attachment_{i}_kind": f"f-attachment_{i}_kind" for i in range(1, ATTACHMENT_SLOTS + 1)},
}
FIELD_ORDER = list(dict.fromkeys(FIELD_IDS.values()))

# What a control asks for, said the way that control is used: a drop-down is chosen from, a text written.
CHOOSE = {
    "legal_basis_key": "Välj lagrum.", "legal_basis": "Välj lagrum.",
    "location.municipality_code": "Välj kommun.", "urgency": "Välj brådska.",
    "person_avoids_examination": "Svara ja eller nej.", "risks": "Välj bland de kända riskerna.",
    **{f"attachment_{i}_kind": "Välj typ av handling." for i in range(1, ATTACHMENT_SLOTS + 1)},
}
WRITE = {
    "requester.phone": "Ange ett telefonnummer som nås dygnet runt.",
    "requester.name": "Ditt namn saknas i ditt konto; kontakta den som administrerar kontot.",
    "requester.role": "Ditt konto saknar en yrkesroll hos organisationen; kontakta den som administrerar kontot.",
    "person.name": "Ange personens namn.",
    "location.address": "Ange var personen finns eller kan antas finnas.",
    "measures": "Beskriv vilka åtgärder polisen ska utföra.",
}
_EMPTY_CODES = {"missing", "string_too_short", "enum", "literal_error", "string_pattern_mismatch", "string_type"}


def _form_key(path: str, slots: list[int]) -> str:
    """A schema path as the form's own key: ``attachments.0.kind`` is the kind of the first kept slot."""
    parts = path.split(".")
    if parts[0] == "attachments":
        if len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(slots):
            slot = slots[int(parts[1])]
            return f"attachment_{slot}_kind" if parts[-1] == "kind" else f"attachment_{slot}"
        return "attachment_1"
    if parts[0] == "risks":
        return "risks"
    return path


def _plain_errors(exc: ValidationError, slots: list[int]) -> dict[str, str]:
    """Validation errors as the form's keys with messages that fit their controls."""
    out: dict[str, str] = {}
    for e in swedish_validation_errors(exc.errors()):
        key = _form_key(e["field"], slots)
        if key in CHOOSE:
            message = CHOOSE[key]
        elif key in WRITE and e["code"] in _EMPTY_CODES:
            message = WRITE[key]
        else:
            message = e["message"]
        out.setdefault(key, message)
    return out


def _error_display(errors: dict[str, str]) -> tuple[dict[str, str], list[dict]]:
    """Inline errors by control id, and the summary in page order (a link only where the control exists)."""
    inline: dict[str, str] = {}
    unplaced = []
    for key, message in errors.items():
        target = FIELD_IDS.get(key)
        if target is None:
            unplaced.append({"id": "", "message": message})
        elif target not in inline:
            inline[target] = message
        elif message not in inline[target]:
            inline[target] = f"{inline[target]} {message}"
    summary = [{"id": i, "message": inline[i]} for i in sorted(inline, key=FIELD_ORDER.index)]
    return inline, summary + unplaced


def _form_context(actor, post=None, errors=None, form_token="", staged=None):
    cat, groups = _entries_by_law()
    person = org_selectors.person_of(actor)
    org = selectors_org(actor)
    key = (post or {}).get("legal_basis_key", "")
    field_errors, summary = _error_display(errors or {})
    staged = staged or {}
    return {
        "groups": groups, "laws": {e.law: e for e in cat},
        "municipalities": org_selectors.municipalities(),
        "urgencies": [(u.value, URGENCY_LABELS[u.value]) for u in UrgencyIn],
        "risks": RISK_LABELS, "attachment_kinds": ATTACHMENT_KIND_LABELS,
        "attachment_rows": [{"slot": i, "staged": staged.get(i), "file_id": f"f-attachment_{i}",
                             "kind_id": f"f-attachment_{i}_kind",
                             "kind": (post or {}).get(f"attachment_{i}_kind")
                             or (staged[i].kind if i in staged else "")}
                            for i in range(1, ATTACHMENT_SLOTS + 1)],
        "post": post or {}, "errors": errors or {}, "field_errors": field_errors, "error_summary": summary,
        "person": person, "organisation": org,
        "default_phone": org.phone_24h or person.phone, "default_email": person.email,
        "form_token": form_token or uuid.uuid4().hex,
        "basis": _basis_context(key, actor),
        "selected_risks": (post.getlist("risks") if post is not None else []),
    }


def selectors_org(actor):
    return org_selectors.organisation_for(actor)


def _keep_uploads(request, actor, token: str) -> dict[str, str]:
    """Documents chosen now are kept for the form at once (so a later error does not lose them); a kept
    one is removed when asked. Returns the errors of documents that could not be accepted."""
    errors = {}
    for i in range(1, ATTACHMENT_SLOTS + 1):
        if request.POST.get(f"attachment_{i}_remove") == "on":
            services.discard_staged(actor, token, [i])
        f = request.FILES.get(f"attachment_{i}")
        if not f:
            continue
        if f.size > MAX_ATTACHMENT_BYTES:
            errors[f"attachment_{i}"] = f"Filen är för stor; högst {MAX_ATTACHMENT_BYTES // 1048576} MB."
            continue
        try:
            services.stage_upload(actor, token, i, kind=request.POST.get(f"attachment_{i}_kind") or "other",
                                  filename=f.name, content=f.read())
        except services.IntakeError as exc:
            errors[f"attachment_{i}"] = exc.message
    return errors


@actor_required(a.REQUESTER)
def new_request(request, actor):
    services.purge_stale_uploads()
    if request.method != "POST":
        return render(request, "intake/new.html", _form_context(actor))
    person = org_selectors.person_of(actor)
    token = request.POST.get("form_token", "")
    if not services.valid_form_token(token):
        token = uuid.uuid4().hex
    upload_errors = _keep_uploads(request, actor, token)
    staged = services.staged_uploads(actor, token)
    payload, errors, slots = _form_to_payload(request.POST, staged, actor, person)
    errors.update(upload_errors)
    data = None
    try:
        data = RequestIn.model_validate(payload)
    except ValidationError as exc:
        for key, message in _plain_errors(exc, slots).items():
            errors.setdefault(key, message)
    if data is not None and not errors:
        try:
            result = services.submit_request(actor, data, idempotency_key=f"web-{token}",
                                             channel=services.Channel.WEB)
        except services.IntakeError as exc:
            errors[_form_key(exc.field, slots)] = exc.message
        else:
            services.discard_staged(actor, token)
            messages.success(request, _("Begäran är mottagen. Referens: %(ref)s.") % {"ref": result.request.case.reference_number})
            return redirect("intake:detail", result.request.public_id)
    return render(request, "intake/new.html", _form_context(actor, request.POST, errors, token, staged), status=422)


@actor_required(a.REQUESTER)
def basis_panel(request, actor):
    return render(request, "intake/_basis.html", {"basis": _basis_context(request.GET.get("legal_basis_key"), actor),
                                                  "post": request.GET})


# How an open completion question is answered on the request page.
LEGAL_BASIS_FIELDS = ("legal_basis", "legal_basis_text")
DOCUMENT_FIELDS = (review_rules.DOCUMENT_QUESTION_FIELD, "attachments")


def _suggested_kinds(req, questions) -> dict[int, str]:
    """The kind of document each document question most likely asks for: one its text names, else the
    next document the legal basis requires that is still missing, else "other"."""
    entry = default_catalogue().get(req.legal_basis_key) if req.legal_basis_key else None
    have = set(req.attachments.values_list("kind", flat=True))
    missing = [d.any_of[0] for d in (entry.documents if entry else ()) if d.required and not d.satisfied_by(have)]
    out = {}
    for q in questions:
        if q.field not in DOCUMENT_FIELDS:
            continue
        text = q.question.lower()
        named = next((code for code, label in ATTACHMENT_KIND_LABELS.items() if code != "other"
                      and label.lower() in text), None)
        out[q.pk] = named or (missing.pop(0) if missing else "other")
    return out


def _answer_kind(q) -> str:
    if q.field in LEGAL_BASIS_FIELDS:
        return "legal_basis"
    if q.field == "person_avoids_examination":
        return "yes_no"
    if q.field in DOCUMENT_FIELDS:
        return "document"
    return "text"


@actor_required(a.REQUESTER, a.POLICE)
def detail(request, actor, public_id):
    req = selectors.get_request(actor, public_id)
    open_questions = [q for q in req.questions.all() if q.answered_at is None]
    kinds = _suggested_kinds(req, open_questions)
    return render(request, "intake/detail.html", {
        "req": req, "person": selectors.person_display(actor, req),
        "review": req.review or {}, "questions": list(req.questions.all()),
        "open_questions": [{"q": q, "answer": _answer_kind(q), "kind": kinds.get(q.pk, "other"),
                            "police": q.check_code == "police_question"} for q in open_questions],
        "attachments": list(req.attachments.all()),
        "case": req.case,
        # Police-internal notes (escalations, transfers) never reach a requester's page.
        "routing_internal": req.case.routing_trace if actor.is_police else [],
        "timeline": [e for e in req.case.events.all() if e.public or actor.is_police],
        "can_answer": actor.is_requester and req.case.state == case_rules.COMPLETION_REQUESTED,
        "can_withdraw": actor.is_requester and case_rules.WITHDRAW in case_rules.allowed_actions(req.case.state),
        "can_acknowledge": (actor.is_police and actor.unit_id == req.case.unit_id and req.case.acknowledged_at is None
                            and bool(actor.functions & case_rules.COMMANDER_FUNCTIONS)),
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


def _completion_payload(post, files, questions) -> tuple[dict, list, list, list[str]]:
    """The answers of the request page as the completion schema: each question answered in the way it
    asks (a text, a legal basis, yes or no, a document). Returns the payload, the question behind each
    answer and each attachment (for plain error messages), and errors found before validation."""
    answers, answer_qs, attachments, attachment_qs, errors = [], [], [], [], []
    payload: dict = {}
    for q in questions:
        how = _answer_kind(q)
        text = post.get(f"answer_{q.pk}", "").strip()
        f = files.get(f"file_{q.pk}")
        if how == "legal_basis" and text:
            payload["legal_basis"] = text
        elif how == "yes_no":
            text = {"yes": "Ja", "no": "Nej"}.get(text, "")
            if text:
                payload["person_avoids_examination"] = text == "Ja"
        if f:
            if f.size > MAX_ATTACHMENT_BYTES:
                errors.append(f"Bilagan till frågan ”{q.question[:80]}” är för stor; högst "
                              f"{MAX_ATTACHMENT_BYTES // 1048576} MB.")
                continue
            attachments.append({"kind": post.get(f"file_{q.pk}_kind") or "other", "filename": f.name,
                                "content_base64": base64.b64encode(f.read()).decode()})
            attachment_qs.append(q)
            text = f"{text} (bifogad handling: {f.name})".strip() if text else f"Bifogad handling: {f.name}."
        if text:
            answers.append({"question_id": q.pk, "answer": text})
            answer_qs.append(q)
    payload["answers"] = answers
    if attachments:
        payload["attachments"] = attachments
    return payload, answer_qs, attachment_qs, errors


def _completion_message(path: str, message: str, answer_qs, attachment_qs) -> str:
    """A completion error in plain Swedish: which question or document it is about, never a field path."""
    parts = path.split(".")
    index = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    if parts[0] == "answers" and index is not None and index < len(answer_qs):
        return f"Svaret på frågan ”{answer_qs[index].question[:80]}”: {message}"
    if parts[0] == "attachments" and index is not None and index < len(attachment_qs):
        return f"Bilagan till frågan ”{attachment_qs[index].question[:80]}”: {message}"
    what = {"legal_basis": "Lagrummet", "attachments": "Bilagan", "answers": "Svaret"}.get(parts[0])
    return f"{what}: {message}" if what else message


@require_POST
@actor_required(a.REQUESTER)
def complete(request, actor, public_id):
    req = selectors.get_request(actor, public_id, purpose="komplettering")
    questions = list(req.questions.filter(answered_at__isnull=True))
    payload, answer_qs, attachment_qs, errors = _completion_payload(request.POST, request.FILES, questions)
    for message in errors:
        messages.error(request, message)
    if errors:
        return redirect("intake:detail", public_id)
    try:
        data = CompletionIn.model_validate(payload)
        if not (data.answers or data.legal_basis or data.attachments or data.person_avoids_examination is not None):
            raise services.IntakeError("answers", "Besvara minst en fråga.")
        services.answer_completion(actor, req, data)
    except ValidationError as exc:
        for e in swedish_validation_errors(exc.errors()):
            messages.error(request, _completion_message(e["field"], e["message"], answer_qs, attachment_qs))
    except services.IntakeError as exc:
        text = exc.message if exc.field in ("answers", "status") else _completion_message(
            exc.field, exc.message, answer_qs, attachment_qs)
        messages.error(request, text)
    else:
        messages.success(request, _("Kompletteringen är skickad."))
    return redirect("intake:detail", public_id)


@require_POST
@actor_required(a.POLICE)
def acknowledge(request, actor, public_id):
    req = selectors.get_request(actor, public_id, purpose="kvittering")
    try:
        cases.acknowledge(actor, req.case)
    except cases.CaseError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(ref)s är kvitterad.") % {"ref": req.case.reference_number})
    return redirect("intake:detail", public_id)


@require_POST
@actor_required(a.REQUESTER)
def withdraw(request, actor, public_id):
    req = selectors.get_request(actor, public_id, purpose="återkallelse")
    reason = request.POST.get("reason", "").strip()
    if len(reason) < 5:
        messages.error(request, _("Ange varför begäran återkallas."))
        return redirect("intake:detail", public_id)
    try:
        cases.withdraw(actor, req.case, reason=reason)
    except cases.CaseError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Begäran är återkallad."))
    return redirect("intake:detail", public_id)
