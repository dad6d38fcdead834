"""Custody, holding, re-assessment and protocol forms on the case page; the protocol as PDF."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from bitrade.cases import services as case_services
from bitrade.cases.views import run_and_return
from bitrade.common import actor as a
from bitrade.organisation.auth import actor_required

from . import rules, selectors, services
from .selectors import episodes_for, time_limit_config


def custody_context(actor, case) -> dict:
    episodes = episodes_for(case)
    now = timezone.now()
    config = time_limit_config()
    rows = []
    for e in episodes:
        limit = rules.time_limit(e.ground, identification_of_special_importance=e.identification_special_importance,
                                 config=config)
        rows.append({
            "episode": e,
            "limit": limit,
            "duration_checks": [] if e.ended_at else rules.check_duration(
                e.ground, e.started_at, now, config,
                identification_of_special_importance=e.identification_special_importance,
                last_reassessment_at=(e.reassessments.last().at if e.reassessments.exists() else None)),
            "elapsed": rules.format_duration((e.ended_at or now) - e.started_at),
            "protocol": getattr(e, "protocol", None),
            "protocol_form": protocol_form(actor, e, now),
            "protocol_checks": services.protocol_checks(e),
            "kin": services._kin_decision(e, now),
            "tasks": services.recordable_tasks(e),
        })
    return {"episodes": rows, "grounds": rules.GROUNDS, "lvu_restrictions": rules.LVU_RESTRICTIONS, "holding_reasons": rules.HOLDING_REASONS,
            "place_types": rules.PLACE_TYPES}


def protocol_form(actor, episode, now) -> dict:
    """The 27 § protocol form's values: what is saved, and where nothing is saved yet a draft from what the
    case knows (the decider, the ground and the legal basis, the person, the times, the place and förvar).
    A draft is only the inputs' values, stored when the officer saves or signs; items already signed are
    shown as signed, never replaced."""
    from bitrade.common import labels as glossary
    from bitrade.intake.selectors import person_display

    saved = getattr(episode, "protocol", None)
    req = getattr(episode.case, "assistance_request", None)
    person = person_display(actor, req) if req else {}
    ground = rules.GROUNDS.get(episode.ground)
    decider = episode.decided_by
    draft = rules.protocol_draft(rules.ProtocolDraftFacts(
        decider_name=(decider.get_full_name() or decider.username) if decider else "",
        decider_function=rules.FUNCTION_NAMES.get(episode.decider_function, ""),
        ground_title=ground.title if ground else "", ground_citation=episode.citation,
        legal_basis_citation=(((req.review or {}).get("legal_basis") or {}).get("citation") or req.legal_basis_text)
        if req else "",
        started_at=episode.started_at, ended_at=episode.ended_at, now=now,
        subject_name=person.get("name", ""), subject_identity=person.get("identity_number", "")
        or (f"född {person['birth_date']:%Y-%m-%d}" if person.get("birth_date") else ""),
        place=episode.place,
        holdings=tuple(
            f"Förvar från {timezone.localtime(h.started_at):%H.%M}"
            + (f" till {timezone.localtime(h.ended_at):%H.%M}" if h.ended_at else "")
            + f": {glossary.label('holding_reason', h.reason)}, {glossary.label('place_type', h.place_type)}"
            for h in episode.holdings.all()),
        end_reason=episode.end_reason,
    ))
    signed = set()
    if saved is not None and saved.decider_signed_at:
        signed |= set(services.PROTOCOL_FIELDS[:2])
    if saved is not None and saved.forman_signed_at:
        signed |= set(services.PROTOCOL_FIELDS[2:])
    values, drafted = {}, []
    for name in services.PROTOCOL_FIELDS:
        stored = getattr(saved, name, "") if saved is not None else ""
        if stored or name in signed or not draft[name]:
            values[name] = stored
        else:
            values[name] = draft[name]
            drafted.append(name)
    return {**values, "drafted": drafted}


def _episode(actor, public_id, episode_id):
    case = case_services.read_case(actor, public_id, purpose="frihetsberövande")
    episode = selectors.episode_of(case, episode_id)
    if episode is None:
        raise Http404("Finns inte")
    return episode




@require_POST
@actor_required(a.POLICE)
def start(request, actor, public_id):
    case = case_services.read_case(actor, public_id, purpose="frihetsberövande")
    p = request.POST
    return run_and_return(request, public_id, lambda: services.start_episode(
        actor, case, ground=p.get("ground", ""), place=p.get("place", ""),
        identification_special_importance=p.get("special_importance") == "on"))


EPISODE_ACTIONS = {
    "forvar": lambda actor, e, p: services.decide_holding(
        actor, e, reason=p.get("reason", ""), place_type=p.get("place_type", ""), necessity=p.get("necessity", ""),
        alternatives_considered=p.get("alternatives_considered", ""), reason_text=p.get("reason_text", ""),
        absolutely_necessary_justification=p.get("child_justification", ""),
        child_best_interest_assessment=p.get("best_interest", ""),
        assessed_at_least_15=p.get("at_least_15") == "on", minor_indications=p.get("minor_indications") == "on"),
    "omprovning": lambda actor, e, p: services.reassess(actor, e, continue_custody=p.get("continue") == "yes",
                                                        reason=p.get("reason", "")),
    "forman": lambda actor, e, p: services.forman_review(actor, e, decision=p.get("decision", "")),
    "narstaende": lambda actor, e, p: services.next_of_kin(
        actor, e, notified=p.get("notified") == "yes", exception=p.get("exception", ""),
        via_social_services=p.get("via_social_services") == "on", whereabouts_withheld=p.get("whereabouts_withheld") == "on"),
    "lvu-begransning": lambda actor, e, p: services.record_lvu_restriction(
        actor, e, restriction=p.get("restriction", ""), told_by=p.get("told_by", "")),
    "uppgift": lambda actor, e, p: services.record_task(actor, e, code=p.get("code", ""), note=p.get("note", "")),
    "avsluta": lambda actor, e, p: services.end_episode(actor, e, reason=p.get("reason", "") or "Överlämnad."),
    "protokoll": lambda actor, e, p: services.save_protocol(
        actor, e, fields={k: p.get(k, "") for k in services.PROTOCOL_FIELDS}, sign_as=p.get("sign_as", "")),
    "protokoll-andring": lambda actor, e, p: services.amend_protocol(
        actor, e, fields={k: p.get(k, "") for k in services.PROTOCOL_FIELDS}, reason=p.get("amendment_reason", "")),
}


@require_POST
@actor_required(a.POLICE)
def episode_action(request, actor, public_id, episode_id, action):
    handler = EPISODE_ACTIONS.get(action)
    if handler is None:
        raise Http404("Okänd åtgärd")
    episode = _episode(actor, public_id, episode_id)
    return run_and_return(request, public_id, lambda: handler(actor, episode, request.POST))


@actor_required(a.POLICE)
def protocol_pdf(request, actor, public_id, episode_id):
    """The 27 § PL protocol printed as PDF (WeasyPrint)."""
    from weasyprint import HTML

    episode = _episode(actor, public_id, episode_id)
    html = render_to_string("custody/protocol_pdf.html", {
        "episode": episode, "case": episode.case, "protocol": getattr(episode, "protocol", None),
        "checks": services.protocol_checks(episode), "citation": rules.format_citation("PL", "27"),
        "holdings": list(episode.holdings.all()),
    })
    pdf = HTML(string=html).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="protokoll-{episode.case.reference_number}-{episode.pk}.pdf"'
    return response
