"""The police register a request that came by phone, fax or e-mail from an authority without an account.

The page builds the same ``RequestIn`` the API takes and calls the same service
(``services.register_for_requester``) as ``POST /api/v1/requests/registered``: one path, one review, one
routing. Errors are shown next to their fields and in a summary whose links lead to them."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from pydantic import ValidationError

from bitrade.cases import selectors as case_selectors
from bitrade.cases.presenters import case_url
from bitrade.common import actor as a
from bitrade.common import labels as glossary
from bitrade.common.errors import swedish_validation_errors
from bitrade.legal.catalogue import default_catalogue
from bitrade.organisation import selectors as org_selectors
from bitrade.organisation.auth import actor_required

from . import services
from .schemas import ATTACHMENT_KIND_LABELS, RISK_LABELS, RequesterRole, RequestIn, UrgencyIn

CHANNELS = (("phone", "Telefon"), ("fax", "Fax"), ("email", "E-post"))
URGENCY_LABELS = dict(glossary.URGENCY)
ROLE_LABELS = {r.value: glossary.label("professional_role", r.value) for r in RequesterRole}

#: Every field of the page, in the order it shows them (the summary lists errors in this order).
FIELDS = (
    "channel", "organisation_id", "requester.name", "requester.role", "requester.phone", "requester.email",
    "legal_basis_key", "police_powers_reason", "person_avoids_examination",
    "person.identity_number", "person.name", "person.birth_date", "location.address", "location.municipality_code",
    "destination", "measures", "urgency", "window_start", "window_end", "risks", "risk_notes",
    "medication_handover", "attachment_1",
)
#: Where an error that belongs to no single input is shown: the schema's and the service's own names.
ERROR_HOME = {
    "person": "person.identity_number", "legal_basis": "legal_basis_key", "body": "window_start",
    "requester": "requester.name", "location": "location.address", "attachments": "attachment_1",
    "oral_request": "channel", "Idempotency-Key": "channel",
}


#: What an empty required field says (more helpful than the schema's general "too short").
REQUIRED = {
    "requester.name": "Ange kontaktpersonens namn.",
    "requester.phone": "Ange ett telefonnummer där kontaktpersonen nås dygnet runt.",
    "person.name": "Ange personens namn.",
    "location.address": "Ange var personen finns eller kan antas finnas.",
    "location.municipality_code": "Välj kommun.",
    "measures": "Beskriv vad polisen ska göra.",
}


@dataclass
class FieldState:
    """What a template needs to draw one input: its id, and its error with the attributes that tie them."""

    name: str
    error: str = ""

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-").replace("_", "-")

    @property
    def error_id(self) -> str:
        return "e-" + self.name.replace(".", "-").replace("_", "-")

    @property
    def aria(self):
        if not self.error:
            return ""
        return format_html(' aria-invalid="true" aria-describedby="{}"', self.error_id)


def _home(field: str) -> str:
    """The input an error is shown at: the field itself, its nearest listed parent, or a named home."""
    if field in FIELDS:
        return field
    if field.startswith("attachments."):
        return "attachment_1"
    if field.startswith("risks"):
        return "risks"
    if field in ERROR_HOME:
        return ERROR_HOME[field]
    head = field.split(".", 1)[0]
    return ERROR_HOME.get(head, "channel")


def _local_iso(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    try:
        return timezone.make_aware(timezone.datetime.fromisoformat(value)).isoformat()
    except ValueError:
        return value  # the schema names it


def _payload(post, files) -> tuple[dict, dict]:
    """The posted form as the API's request body, and the errors found before the schema sees it."""
    errors: dict[str, str] = {}
    entry = default_catalogue().get(post.get("legal_basis_key", ""))
    if entry is None:
        errors["legal_basis_key"] = "Välj lagrum."
    attachments = []
    upload = files.get("attachment_1")
    if upload:
        if upload.size > 10 * 1024 * 1024:
            errors["attachment_1"] = "Filen är för stor; högst 10 MB."
        else:
            attachments.append({"kind": post.get("attachment_1_kind") or "other", "filename": upload.name,
                                "content_base64": base64.b64encode(upload.read()).decode()})
    role = post.get("requester.role", "")
    if not role:
        errors["requester.role"] = "Välj kontaktpersonens yrkesroll."
    payload = {
        "requester": {"name": post.get("requester.name", "").strip(), "role": role,
                      "phone": post.get("requester.phone", ""), "email": post.get("requester.email", "")},
        "legal_basis": entry.citation if entry else "",
        "legal_basis_key": entry.key if entry else "",
        "person": {"identity_number": post.get("person.identity_number", ""),
                   "name": post.get("person.name", "").strip(),
                   "birth_date": post.get("person.birth_date") or None,
                   "protected_identity": post.get("person.protected_identity") == "on"},
        "location": {"address": post.get("location.address", "").strip(),
                     "municipality_code": post.get("location.municipality_code", "")},
        "destination": post.get("destination", "").strip(),
        "measures": post.get("measures", "").strip(),
        "police_powers_reason": post.get("police_powers_reason", "").strip(),
        "person_avoids_examination": {"yes": True, "no": False}.get(post.get("person_avoids_examination")),
        "urgency": post.get("urgency", ""),
        "window_start": _local_iso(post.get("window_start", "")),
        "window_end": _local_iso(post.get("window_end", "")),
        "risks": post.getlist("risks"),
        "risk_notes": post.get("risk_notes", "").strip(),
        "medication_handover": post.get("medication_handover", "").strip(),
        "wanted_notice_requested": post.get("wanted_notice_requested") == "on",
        "attachments": attachments,
    }
    for field, message in REQUIRED.items():
        if not post.get(field, "").strip():
            errors.setdefault(field, message)
    if not post.get("channel"):
        errors["channel"] = "Ange hur begäran kom in: telefon, fax eller e-post."
    if not post.get("organisation_id", "").isdigit():
        errors["organisation_id"] = "Välj den begärande myndigheten."
    if not payload["urgency"]:
        errors["urgency"] = "Välj hur brådskande begäran är."
    return payload, errors


def _organisations_by_kind() -> list[tuple[str, list]]:
    groups: dict[str, list] = {}
    for org in org_selectors.requesting_organisations():
        if org.kind == "kriminalvarden":
            continue  # Kriminalvården carries out transports; it does not ask for handräckning
        groups.setdefault(glossary.label("organisation_kind", org.kind), []).append(org)
    return sorted(groups.items())


def _context(post=None, errors: dict | None = None) -> dict:
    errors = errors or {}  # one message per field, keyed by the field it is shown at
    states = {name: FieldState(name, errors.get(name, "")) for name in FIELDS}
    cat = default_catalogue().valid_on(timezone.localdate())
    groups: dict[str, list] = {}
    for e in cat:
        groups.setdefault(e.law, []).append(e)
    return {
        "f": {name.replace(".", "_"): state for name, state in states.items()},
        "summary": [states[name] for name in FIELDS if states[name].error],
        "post": post or {}, "channels": CHANNELS, "organisations": _organisations_by_kind(),
        "roles": ROLE_LABELS, "groups": groups, "municipalities": org_selectors.municipalities(),
        "urgencies": [(u.value, URGENCY_LABELS[u.value]) for u in UrgencyIn],
        "risks": RISK_LABELS, "attachment_kinds": ATTACHMENT_KIND_LABELS,
        "selected_risks": post.getlist("risks") if post is not None else [],
        "form_token": (post or {}).get("form_token") or uuid.uuid4().hex,
    }


@actor_required(a.POLICE)
def register(request, actor):
    """GET: the empty form. POST: validate with the API's schema, register through the API's service, and
    go to the case page; if the case went to a unit whose cases this person does not see, back to an empty
    form with a receipt that names the unit (422 with the form and its errors otherwise)."""
    if request.method != "POST":
        return render(request, "intake/registered_new.html", _context())
    payload, errors = _payload(request.POST, request.FILES)
    data = None
    try:
        data = RequestIn.model_validate(payload)
    except ValidationError as exc:
        for e in swedish_validation_errors(exc.errors()):
            errors.setdefault(_home(e["field"]), e["message"])
    if data is not None and not errors:
        try:
            result = services.register_for_requester(
                actor, data, organisation_id=int(request.POST["organisation_id"]),
                channel=request.POST.get("channel", ""),
                idempotency_key=f"web-registered-{request.POST.get('form_token', '')}")
        except services.IntakeError as exc:
            errors[_home(exc.field or "channel")] = exc.message
        else:
            req = result.request
            case = req.case
            text = _("Begäran från %(organisation)s är registrerad: %(ref)s.") % {"organisation": req.organisation.name, "ref": case.reference_number}
            if req.oral_confirmation_due_at:
                due = timezone.localtime(req.oral_confirmation_due_at)
                text += " " + _("Den skriftliga bekräftelsen ska komma in senast %(day)s kl. %(time)s; "
                                "en påminnelse kommer innan tiden går ut.") % {"day": f"{due:%Y-%m-%d}", "time": f"{due:%H.%M}"}
            if case_selectors.scope(actor).filter(pk=case.pk).exists():
                messages.success(request, text)
                return redirect(case_url(case.public_id))
            # Routed to a unit whose cases this person does not see: the receipt says where it went.
            unit = case.unit
            routed = (_("Ärendet styrdes till %(unit)s, tel. %(phone)s.") if unit.phone
                      else _("Ärendet styrdes till %(unit)s.")) % {"unit": unit.name, "phone": unit.phone}
            messages.success(request, f"{text} {routed}")
            return redirect("intake:register")
    return render(request, "intake/registered_new.html", _context(request.POST, errors), status=422)
