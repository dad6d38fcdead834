"""Receiving a request: validate, review, route, store, audit and notify in one transaction."""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from bitrade.assistance import rules as case_rules
from bitrade.assistance import services as cases
from bitrade.audit import services as audit
from bitrade.common.actor import Actor
from bitrade.common.compiled import PreparedInsert, insert_rows
from bitrade.common.errors import DomainError
from bitrade.deadlines import duties
from bitrade.deadlines import services as deadlines
from bitrade.idempotency import services as idempotency
from bitrade.legal.catalogue import default_catalogue
from bitrade.legal.citations import CitationSyntaxError, parse_citation
from bitrade.organisation import selectors as organisation_selectors
from bitrade.organisation.models import Municipality, RequestingOrganisation
from bitrade.routing import rules as routing_rules
from bitrade.routing import selectors as routing_selectors

from . import documents
from . import rules as review_rules
from .models import (
    AssistanceRequest,
    Attachment,
    Channel,
    CompletionQuestion,
    ReviewOutcome,
    StagedUpload,
)
from .rules_identity import age_on, birth_date_of
from .schemas import (
    MAX_ATTACHMENT_BYTES,
    AttachmentIn,
    CompletionIn,
    RequestIn,
)

URGENCY_PRIORITY = {"immediate": 1, "urgent": 2, "near_term": 3, "planned": None}
ORAL_CONFIRMATION_HOURS = 24
ORAL_CONFIRMATION_DEADLINE = "intake.oral_confirmation"
REQUEST_OBJECT_TYPE = "intake.assistancerequest"


class IntakeError(DomainError):
    """Bad input found after schema validation: names the field, speaks Swedish."""

    def __init__(self, field: str, message: str, status: int = 422):
        super().__init__(message, field=field, status=status)


@dataclass
class SubmitResult:
    request: AssistanceRequest
    replayed: bool


def _body_hash(data: RequestIn) -> str:
    return idempotency.body_hash(SUBMIT_ENDPOINT, data.model_dump(mode="json"))


def _virus_check(data: bytes, field: str) -> None:
    """With BITRADE_CLAMD set, every document is scanned before it is stored; off in the demo."""
    from django.conf import settings

    address = getattr(settings, "BITRADE_CLAMD", "")
    if not address:
        return
    try:
        found = documents.clamd_scan(data, address)
    except documents.ScannerUnavailable:
        raise IntakeError(field, "Bilagan kunde inte virusskannas just nu; försök igen om en stund.", 503) from None
    if found:
        raise IntakeError(field, "Bilagan innehåller skadlig kod och har inte tagits emot.")


def check_document(data: bytes, filename: str, field: str) -> str:
    """One uploaded document's size, content and (when configured) virus scan: its content type, or an
    IntakeError naming ``field`` in plain Swedish."""
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise IntakeError(field, f"Bilagan är för stor ({len(data) // 1024} kB); högst {MAX_ATTACHMENT_BYTES // 1048576} MB.")
    verdict = documents.identify(data, filename)
    if verdict.content_type is None:
        raise IntakeError(field, verdict.message)
    _virus_check(data, field)
    return verdict.content_type


def _check_attachments(items: list[AttachmentIn], field: str = "attachments") -> list[tuple[AttachmentIn, bytes, str]]:
    out = []
    for i, item in enumerate(items):
        try:
            data = item.decoded()
        except ValueError as exc:
            raise IntakeError(f"{field}.{i}.content_base64", str(exc)) from exc
        out.append((item, data, check_document(data, item.filename, f"{field}.{i}.content_base64")))
    return out


def _facts(data: RequestIn, organisation: RequestingOrganisation, attachment_kinds: tuple[str, ...],
           legal_basis_text: str | None = None, measures: str | None = None, police_powers_reason: str | None = None,
           person_avoids_examination: bool | None = None) -> review_rules.RequestFacts:
    return review_rules.RequestFacts(
        organisation_kind=organisation.kind,
        organisation_name=organisation.name,
        requester_name=data.requester.name,
        requester_role=data.requester.role.value,
        legal_basis_text=legal_basis_text if legal_basis_text is not None else data.legal_basis,
        legal_basis_key=getattr(data, "legal_basis_key", "") or None,
        measures=measures if measures is not None else data.measures,
        police_powers_reason=police_powers_reason if police_powers_reason is not None else data.police_powers_reason,
        person_avoids_examination=(person_avoids_examination if person_avoids_examination is not None
                                   else data.person_avoids_examination),
        attachment_kinds=attachment_kinds,
        person_identity_number=data.person.identity_number,
        person_name=data.person.name,
        person_birth_date=data.person.birth_date,
        location_municipality_code=data.location.municipality_code,
    )


def _review(facts, on):
    """Formal review. A citation that cannot be read, or that cannot mean any legal basis, is refused at
    once (the requester can correct it); everything else is stored with the review's outcome."""
    try:
        parse_citation(facts.legal_basis_text)
    except CitationSyntaxError as exc:
        raise IntakeError("legal_basis", f"Lagrummet kunde inte tolkas: {exc}") from exc
    if facts.legal_basis_key and default_catalogue().get(facts.legal_basis_key) is None:
        raise IntakeError("legal_basis_key", "Det finns ingen rättslig grund med den nyckeln i katalogen.")
    result = review_rules.review(facts, default_catalogue(), on)
    if result.resolution.status == "impossible":
        raise IntakeError("legal_basis", f"Lagrummet kan inte användas: {result.resolution.reason}")
    return result


def _route(region, police_area_code: str, entry_key: str | None, law: str, priority: int | None,
           age: int | None, now: datetime):
    competence = routing_selectors.competence(law, region.code, timezone.localtime(now).date()) if law else None
    facts = routing_rules.RoutingFacts(
        region=region.code, police_area=police_area_code, law=law, point_key=entry_key,
        requested_priority=priority, person_age=age, at=now,
        competent_functions=competence.functions if competence else frozenset(),
    )
    rules, units, names, _thresholds = routing_selectors.region_configuration(region.pk, timezone.localtime(now).date())
    return routing_rules.route(facts, rules, units, area_names=names)


def _store_questions(req: AssistanceRequest, result, now: datetime) -> int:
    """Ask what the review asks, without repeating a question that is still open."""
    if not result.questions:
        return 0
    open_now = set(req.questions.filter(answered_at__isnull=True).values_list("check_code", "field"))
    CompletionQuestion.objects.bulk_create([
        CompletionQuestion(request=req, check_code=q.check_code, field=q.field, question=q.text,
                           citation=q.citation or "", asked_at=now)
        for q in result.questions if (q.check_code, q.field) not in open_now
    ])
    return len(result.questions)


def _known_questions(req: AssistanceRequest, asked: list[CompletionQuestion]) -> None:
    """A new request's questions are exactly those just asked: its answer shows them without reading them
    back (kept as Django keeps prefetched rows; any filter on them reads the database again)."""
    known = CompletionQuestion.objects.filter(request=req)
    known._result_cache, known._prefetch_done = list(asked), True
    req._prefetched_objects_cache = {"questions": known}


@dataclass
class RoutePlan:
    municipality: Municipality
    region: object
    review: object
    decision: object
    age: int | None
    birth: object
    files: list


def plan_route(data: RequestIn, organisation_kind: str, now: datetime, *, organisation_name: str = "") -> RoutePlan:
    """Validate what the schema cannot, review formally and route: no writes."""
    municipality = routing_selectors.municipality(data.location.municipality_code)
    if municipality is None:
        raise IntakeError("location.municipality_code", f"Okänd kommunkod: {data.location.municipality_code}")
    files = _check_attachments(data.attachments)
    org = RequestingOrganisation(kind=organisation_kind, name=organisation_name)
    facts = _facts(data, org, tuple(a.kind.value for a, _, _ in files))
    today = timezone.localtime(now).date()
    result = _review(facts, today)
    birth = data.person.birth_date or (birth_date_of(data.person.identity_number) if data.person.identity_number else None)
    age = age_on(birth, today) if birth else None
    region = municipality.police_area.region
    entry = result.legal_basis
    decision = _route(region, municipality.police_area.code, entry.key if entry else None, entry.law if entry else "",
                      URGENCY_PRIORITY[data.urgency.value], age, now)
    return RoutePlan(municipality, region, result, decision, age, birth, files)


SUBMIT_ENDPOINT = "requests"


def submit_request(actor: Actor, data: RequestIn, *, idempotency_key: str = "", channel: str = Channel.API,
                   now: datetime | None = None) -> SubmitResult:
    if not actor.is_requester or actor.organisation_id is None:
        raise PermissionDenied("Endast begärande myndigheter kan skicka en begäran om handräckning.")
    now = now or timezone.now()
    if idempotency_key and len(idempotency_key) > 100:
        raise IntakeError("Idempotency-Key", "Idempotency-Key får vara högst 100 tecken.", 400)
    scope, digest = idempotency.scope_of(actor), _body_hash(data)
    organisation = organisation_selectors.organisation_for(actor)
    # Validation, the formal review and routing only read: they run before the write transaction, so
    # the write lock (SQLite) and the row locks (PostgreSQL) are held only for the inserts. The key is
    # not looked up first (one read less per request): a retry is found by the claim below, and a retry
    # whose body would now be refused (say the catalogue changed) is looked up on that refusal and replayed.
    try:
        plan = plan_route(data, organisation.kind, now, organisation_name=organisation.name)
    except DomainError:
        stored = idempotency.lookup(scope, idempotency_key, digest) if idempotency_key else None
        if stored is not None:
            return _replay(stored)
        raise
    public_id = uuid.uuid4()
    prepared = prepare(actor, organisation, plan, data, channel, now, public_id=public_id)
    committed = False
    try:
        with transaction.atomic():
            if idempotency_key:
                # Claim the key first so a concurrent twin waits on it and then replays; the answer (the new
                # request's id, chosen here) goes in with the claim and is seen only once this transaction
                # commits.
                row, won = idempotency.claim(scope, idempotency_key, SUBMIT_ENDPOINT, digest,
                                             answer=(201, {"id": str(public_id)}))
                if not won:
                    return _replay(row)
            outcome = _submit(actor, organisation, plan, data, channel, now, prepared=prepared)
        committed = True
        return prepared.done(outcome)
    finally:
        if not committed:
            _discard_files(prepared.stored_files)


def register_for_requester(actor: Actor, data: RequestIn, *, organisation_id: int, channel: str,
                           idempotency_key: str = "", now: datetime | None = None) -> SubmitResult:
    """A request that came by phone, fax or e-mail from an authority without an account, registered by the
    police on its behalf (channel recorded): reviewed and routed like any other. A phoned request gets a
    deadline for the written confirmation, with a reminder before it runs out."""
    from .models import POLICE_REGISTERED

    if not actor.is_police:
        raise PermissionDenied("Endast polisen kan registrera en begäran för en annan myndighets räkning.")
    if channel not in POLICE_REGISTERED:
        raise IntakeError("channel", "Ange hur begäran kom in: telefon, fax eller e-post.", 422)
    organisation = RequestingOrganisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise IntakeError("organisation_id", "Okänd begärande myndighet.", 422)
    now = now or timezone.now()
    data = data.model_copy(update={"oral_request": channel == Channel.PHONE})
    scope = idempotency.scope_of(actor)
    digest = hashlib.sha256(f"{_body_hash(data)}:{organisation.pk}:{channel}".encode()).hexdigest()
    if idempotency_key:
        stored = idempotency.lookup(scope, idempotency_key, digest)
        if stored is not None:
            return _replay(stored)
    plan = plan_route(data, organisation.kind, now, organisation_name=organisation.name)
    prepared = prepare(actor, organisation, plan, data, channel, now)
    label = Channel(channel).label
    committed = False
    try:
        with transaction.atomic():
            if idempotency_key:
                row, won = idempotency.claim(scope, idempotency_key, "requests/registered", digest)
                if not won:
                    return _replay(row)
            result = _submit(actor, organisation, plan, data, channel, now, prepared=prepared)
            cases._event(result.request.case, actor, "registered_by_police",
                         f"Begäran från {organisation.name} registrerad av polisen ({label}).", public=False, now=now)
            if idempotency_key:
                idempotency.store(row, 201, {"id": str(result.request.public_id)})
        committed = True
        return prepared.done(result)
    finally:
        if not committed:
            _discard_files(prepared.stored_files)


def _replay(stored) -> SubmitResult:
    return SubmitResult(AssistanceRequest.objects.get(public_id=stored.response["id"]), replayed=True)


@dataclass
class Prepared:
    """One request's rows, built before its write transaction: inside it only the inserts run (on SQLite the
    single write lock is held for them alone; nothing is hashed, serialised, routed or written to disk there)."""

    unit: object
    state: str
    request: AssistanceRequest
    attachments: list[Attachment]
    stored_files: list[str]
    asked: list[CompletionQuestion] = dataclasses.field(default_factory=list)
    # The request's INSERT with its values converted for the database (JSON dumped, dates adapted) before the
    # transaction; only its case's key is set inside it.
    request_insert: PreparedInsert | None = None

    def done(self, result: SubmitResult) -> SubmitResult:
        """After the commit: the new request's questions are exactly those just asked, so its answer shows
        them without reading them back (set up here, not while the write lock is held)."""
        _known_questions(result.request, self.asked)
        return result


def prepare(actor, organisation, plan: RoutePlan, data: RequestIn, channel: str, now: datetime, *,
            public_id: uuid.UUID | None = None) -> Prepared:
    """The rows of a new request without its case (no writes to the database). The attachments' files are
    written to storage here; ``discard`` removes them if the transaction does not commit."""
    result, decision = plan.review, plan.decision
    unit = routing_selectors.unit(decision.unit.id) if decision.unit else None
    if unit is None:
        raise IntakeError("location.municipality_code",
                          "Ingen polisenhet kan ta emot begäran i regionen. Ring polisens regionledningscentral.", 503)
    entry = result.legal_basis
    outcome = result.outcome
    state = case_rules.COMPLETION_REQUESTED if outcome == ReviewOutcome.NEEDS_COMPLETION else case_rules.RECEIVED
    req = AssistanceRequest(
        public_id=public_id or uuid.uuid4(), channel=channel,
        organisation=organisation, submitted_by_id=actor.person_id, api_key_id=actor.api_key_id,
        requester_name=data.requester.name, requester_role=data.requester.role.value,
        requester_phone=data.requester.phone, requester_email=data.requester.email,
        legal_basis_text=data.legal_basis, legal_basis_key=entry.key if entry else "", law=entry.law if entry else "",
        person_identity_number=data.person.identity_number, person_name=data.person.name,
        person_birth_date=plan.birth, person_age=plan.age, protected_identity=data.person.protected_identity,
        location_address=data.location.address, location_municipality=plan.municipality,
        destination=data.destination, measures=data.measures, police_powers_reason=data.police_powers_reason,
        person_avoids_examination=data.person_avoids_examination, requested_urgency=data.urgency.value,
        window_start=data.window_start, window_end=data.window_end, risks=[r.value for r in data.risks],
        risk_notes=data.risk_notes, medication_handover=data.medication_handover,
        wanted_notice_requested=data.wanted_notice_requested,
        oral_confirmation_due_at=(now + timezone.timedelta(hours=ORAL_CONFIRMATION_HOURS)) if data.oral_request else None,
        review_outcome=outcome, review=review_rules.review_to_dict(result),
    )
    attachments, stored = [], []
    if plan.files:
        field = Attachment._meta.get_field("file")
        try:
            for item, content, ctype in plan.files:
                name = field.storage.save(field.generate_filename(None, item.filename), ContentFile(content),
                                          max_length=field.max_length)
                stored.append(name)
                attachments.append(Attachment(
                    kind=item.kind.value, filename=item.filename, content_type=ctype, size=len(content),
                    sha256=hashlib.sha256(content).hexdigest(), file=name, uploaded_at=now))
        except BaseException:
            _discard_files(stored)
            raise
    return Prepared(unit, state, req, attachments, stored, request_insert=PreparedInsert(req, late=("case_id",)))


def _discard_files(names: list[str]) -> None:
    if not names:
        return
    storage = Attachment._meta.get_field("file").storage
    for name in names:
        storage.delete(name)


def _submit(actor, organisation, plan: RoutePlan, data: RequestIn, channel: str, now: datetime, *,
            prepared: Prepared) -> SubmitResult:
    """Inside the write transaction: the inserts of a prepared request and its case."""
    result, decision, unit, req = plan.review, plan.decision, prepared.unit, prepared.request
    outcome = result.outcome
    case = cases.open_case(
        actor, region=plan.region, unit=unit, state=prepared.state, case_code=result.case_code or "",
        priority=decision.priority, routing_rule_name=decision.rule.name if decision.rule else "",
        routing_reasons=list(decision.reasons), now=now,
    )
    req.case = case
    prepared.request_insert.run()  # as req.save(force_insert=True), its values converted in prepare()
    if prepared.attachments:
        for attachment in prepared.attachments:
            attachment.request = req
        insert_rows(prepared.attachments)
    if result.questions:
        prepared.asked = insert_rows([
            CompletionQuestion(request=req, check_code=q.check_code, field=q.field, question=q.text,
                               citation=q.citation or "", asked_at=now)
            for q in result.questions
        ])
    if req.oral_confirmation_due_at is not None:
        duties.schedule_duty(ORAL_CONFIRMATION_DEADLINE, object_type=REQUEST_OBJECT_TYPE, object_id=req.pk,
                             due_at=req.oral_confirmation_due_at,
                             title="Den muntliga begäran är inte bekräftad skriftligen")
    audit.record(actor, "request.submitted", obj=req, new={
        "reference_number": case.reference_number, "legal_basis": req.legal_basis_key or req.legal_basis_text,
        "review_outcome": outcome, "unit": unit.pk, "rule": case.routing_rule_name, "priority": case.priority,
        "channel": channel,
    })
    cases.notify_unit(case, unit, "request.routed", "Ny begäran om handräckning")
    cases.notify_requester(case, "request.received", "Begäran är mottagen")
    return SubmitResult(req, replayed=False)


def answer_completion(actor: Actor, req: AssistanceRequest, data: CompletionIn, now: datetime | None = None) -> AssistanceRequest:
    """The requester answers the completion questions in the same case; the review runs again."""
    if not actor.is_requester or actor.organisation_id != req.organisation_id:
        raise PermissionDenied("Endast den begärande organisationen kan komplettera begäran.")
    now = now or timezone.now()
    with transaction.atomic():
        req = AssistanceRequest.objects.select_for_update().select_related("case").get(pk=req.pk)
        if req.case.state != case_rules.COMPLETION_REQUESTED:
            raise IntakeError("status", "Begäran väntar inte på komplettering.", 409)
        open_questions = {q.pk: q for q in req.questions.filter(answered_at__isnull=True)}
        for i, a in enumerate(data.answers):
            q = open_questions.get(a.question_id)
            if q is None:
                raise IntakeError(f"answers.{i}.question_id", "Frågan finns inte eller är redan besvarad.")
            q.answer, q.answered_at, q.answered_by_id = a.answer, now, actor.person_id
            q.save(update_fields=["answer", "answered_at", "answered_by"])
        old = {"legal_basis": req.legal_basis_text, "measures": req.measures,
               "police_powers_reason": req.police_powers_reason, "review_outcome": req.review_outcome}
        answered_fields = {q.field: q.answer for q in open_questions.values() if q.answered_at and q.field}
        if data.legal_basis is not None:
            req.legal_basis_text = data.legal_basis
        if data.measures is not None:
            req.measures = data.measures
        elif "measures" in answered_fields:
            req.measures = f"{req.measures}\n{answered_fields['measures']}".strip()
        if data.police_powers_reason is not None:
            req.police_powers_reason = data.police_powers_reason
        elif "police_powers_reason" in answered_fields:
            req.police_powers_reason = f"{req.police_powers_reason}\n{answered_fields['police_powers_reason']}".strip()
        if data.person_avoids_examination is not None:
            req.person_avoids_examination = data.person_avoids_examination
        files = _check_attachments(data.attachments)
        for item, content, ctype in files:
            Attachment.objects.create(
                request=req, kind=item.kind.value, filename=item.filename, content_type=ctype, size=len(content),
                sha256=hashlib.sha256(content).hexdigest(), file=ContentFile(content, name=item.filename),
            )
        result = _review(_stored_facts(req), timezone.localtime(now).date())
        req.review_outcome = result.outcome
        req.review = review_rules.review_to_dict(result)
        entry = result.legal_basis
        req.legal_basis_key = entry.key if entry else ""
        req.law = entry.law if entry else ""
        req.save()
        still_incomplete = result.outcome == ReviewOutcome.NEEDS_COMPLETION
        if still_incomplete:
            _store_questions(req, result, now)
        if result.case_code and req.case.case_code != result.case_code:
            req.case.case_code = result.case_code
            req.case.save(update_fields=["case_code"])
        cases.requester_completed(actor, req.case, now, still_incomplete)
        req.case.refresh_from_db()
        audit.record(actor, "request.completed", obj=req, old=old, new={
            "legal_basis": req.legal_basis_text, "measures": req.measures,
            "police_powers_reason": req.police_powers_reason, "review_outcome": req.review_outcome,
            "answered": sorted(a.question_id for a in data.answers)})
    return req


def _kept_key(req: AssistanceRequest) -> str | None:
    """The stored legal basis by key, kept on a new review only where the citation cannot tell the entries
    apart (9–12 kap. UtlL): elsewhere the citation as written decides, so a corrected citation is not
    overruled by the key of the one it replaced."""
    entry = default_catalogue().get(req.legal_basis_key) if req.legal_basis_key else None
    provision = default_catalogue().provision(entry.law, entry.section) if entry else None
    return entry.key if provision is not None and provision.chosen_by_key else None


def _stored_facts(req: AssistanceRequest) -> review_rules.RequestFacts:
    return review_rules.RequestFacts(
        organisation_kind=req.organisation.kind, organisation_name=req.organisation.name,
        requester_name=req.requester_name, requester_role=req.requester_role,
        legal_basis_text=req.legal_basis_text, legal_basis_key=_kept_key(req), measures=req.measures,
        police_powers_reason=req.police_powers_reason, person_avoids_examination=req.person_avoids_examination,
        attachment_kinds=tuple(req.attachments.values_list("kind", flat=True)),
        person_identity_number=req.person_identity_number, person_name=req.person_name,
        person_birth_date=req.person_birth_date, location_municipality_code=req.location_municipality.code,
    )


def confirm_oral_request(actor: Actor, req: AssistanceRequest, *, note: str = "",
                         now: datetime | None = None) -> AssistanceRequest:
    """The written confirmation of an oral request has arrived: recorded by the requesting organisation
    or by the handling police unit; the reminder is cancelled."""
    case = req.case
    if not ((actor.is_requester and actor.organisation_id == req.organisation_id)
            or (actor.is_police and actor.unit_id == case.unit_id)):
        raise PermissionDenied("Endast den begärande organisationen eller den handläggande enheten kan göra detta.")
    if req.oral_confirmation_due_at is None:
        raise IntakeError("oral_request", "Begäran gjordes inte muntligt.", 409)
    now = now or timezone.now()
    with transaction.atomic():
        req = AssistanceRequest.objects.select_for_update().select_related("case").get(pk=req.pk)
        if req.oral_confirmed_at is not None:
            return req
        req.oral_confirmed_at = now
        req.save(update_fields=["oral_confirmed_at"])
        deadlines.cancel(ORAL_CONFIRMATION_DEADLINE, object_type=REQUEST_OBJECT_TYPE, object_id=req.pk,
                         reason="bekräftad")
        cases._event(req.case, actor, "oral_confirmed", "Den muntliga begäran är bekräftad skriftligen."
                     + (f" {note.strip()}" if note.strip() else ""), public=False, now=now)
        audit.record(actor, "request.oral_confirmed", obj=req)
    return req


# --------------------------------------------------------------------------- files kept across a failed form

STAGED_UPLOAD_HOURS = 24
FORM_TOKEN_CHARS = 32


def valid_form_token(token: str) -> bool:
    return len(token or "") == FORM_TOKEN_CHARS and all(c in "0123456789abcdef" for c in token)


def _staged_scope(actor: Actor, form_token: str):
    if not actor.is_requester or actor.person_id is None or actor.organisation_id is None:
        raise PermissionDenied("Endast begärande myndigheter kan bifoga handlingar här.")
    if not valid_form_token(form_token):
        return StagedUpload.objects.none()
    return StagedUpload.objects.filter(form_token=form_token, person_id=actor.person_id,
                                       organisation_id=actor.organisation_id)


def stage_upload(actor: Actor, form_token: str, slot: int, *, kind: str, filename: str, content: bytes,
                 now: datetime | None = None) -> StagedUpload:
    """Keep a document chosen in the new-request form under the form's token, for this person only, so it
    is sent with the request even if the form has to be corrected first. A new file replaces the slot's."""
    field = f"attachment_{slot}"
    scope = _staged_scope(actor, form_token)
    if not valid_form_token(form_token):
        raise IntakeError(field, "Formuläret har gått ut; ladda om sidan och välj filen igen.")
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]
    if not name or name.startswith("."):
        raise IntakeError(field, "Filen har ett ogiltigt namn; byt namn på den och välj den igen.")
    ctype = check_document(content, name, field)
    now = now or timezone.now()
    with transaction.atomic():
        for old in scope.filter(slot=slot):
            old.file.delete(save=False)
            old.delete()
        staged = StagedUpload.objects.create(
            form_token=form_token, person_id=actor.person_id, organisation_id=actor.organisation_id, slot=slot,
            kind=kind, filename=name, content_type=ctype, size=len(content),
            sha256=hashlib.sha256(content).hexdigest(), file=ContentFile(content, name=name), created_at=now)
        audit.record(actor, "request.upload_staged", obj=staged, new={"slot": slot, "filename": name,
                                                                     "size": len(content)})
    return staged


def staged_uploads(actor: Actor, form_token: str, now: datetime | None = None) -> dict[int, StagedUpload]:
    """This person's kept documents for this form, by slot (those older than a day are gone)."""
    since = (now or timezone.now()) - timezone.timedelta(hours=STAGED_UPLOAD_HOURS)
    return {s.slot: s for s in _staged_scope(actor, form_token).filter(created_at__gte=since)}


def staged_content(staged: StagedUpload) -> bytes:
    with staged.file.open("rb") as f:
        return f.read()


def discard_staged(actor: Actor, form_token: str, slots=None) -> int:
    """Remove kept documents of this form (all, or those of ``slots``): after the request is sent, or when
    the person removes one."""
    scope = _staged_scope(actor, form_token)
    if slots is not None:
        scope = scope.filter(slot__in=list(slots))
    removed = 0
    with transaction.atomic():
        for staged in scope:
            staged.file.delete(save=False)
            staged.delete()
            removed += 1
        if removed:
            audit.record(actor, "request.upload_discarded", object_type="intake.stagedupload",
                         object_id=form_token, new={"removed": removed})
    return removed


def purge_stale_uploads(now: datetime | None = None) -> int:
    """Documents kept for a form that was never sent are removed after a day."""
    cutoff = (now or timezone.now()) - timezone.timedelta(hours=STAGED_UPLOAD_HOURS)
    removed = 0
    for staged in StagedUpload.objects.filter(created_at__lt=cutoff):
        staged.file.delete(save=False)
        staged.delete()
        removed += 1
    return removed
