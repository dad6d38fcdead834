"""The contact-ban case page's panels, the alarm console (RLC and BOPS) with its live stream, and the
NOA overview. Reads go through selectors, writes through services."""

from __future__ import annotations

import json
import time

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bitrade.audit import services as audit
from bitrade.cases import services as cases
from bitrade.common import actor as a
from bitrade.organisation.auth import actor_required

from . import geo, rules, selectors, services

FIELD_LABELS = {
    "application_form": "Blankett", "eo_requested": "Elektronisk övervakning begärs",
    "other_measures_assessed_at": "Andra skyddsåtgärder bedömda", "other_measures_bops_consulted": "I samråd med BOPS",
    "at": "Tidpunkt", "directives": "Direktiv", "protected_asked_about_area_at": "Skyddspersonen tillfrågad om området",
    "informed_right_to_counsel_at": "Förbudspersonen informerad om offentligt biträde",
    "prohibited_interviewed_at": "Förbudspersonen hörd", "prohibited_asked_reason_at": "Förbudspersonen tillfrågad om skäl",
    "obstacles_investigated_at": "Hinder mot övervakning utredda", "equipment_prepared_at": "Utrustning förberedd",
    "oral_presented_at": "Muntlig föredragning", "written_sent_at": "Skriftlig redovisning skickad",
    "proposed_mount_at": "Föreslagen tid för montering", "proposed_mount_place": "Föreslagen plats",
    "decided_by_type": "Beslutsfattare", "decided_at": "Beslutet fattades",
    "eo_start_at": "Övervakningen ska börja", "eo_end_at": "Övervakningen upphör", "served_at": "Beslutet delgavs",
    "protected": "Kontaktperson för skyddspersonen (användarnamn)",
    "prohibited": "Kontaktperson för förbudspersonen (användarnamn)",
    "residence_area_informed_at": "Förbudspersonens polisområde informerat",
    "talk_prohibited_at": "Klargörandesamtal med förbudspersonen", "talk_protected_at": "Klargörandesamtal med skyddspersonen",
    "equipment_model": "Utrustningsmodell", "equipment_tested_at": "Utrustningen testad",
    "reserve_available": "Reservutrustning finns", "system": "Övervakningssystem", "device_id": "Enhets-id",
    "description": "Beskrivning", "outcome": "Utfall", "mount_at": "Monterades", "mount_place": "Plats",
    "mount_special_reasons": "Särskilda skäl för annan plats",
    "mounted_by": "Närvarande vid monteringen (en per rad, bara personer bedömda som lämpliga)",
    "reason": "Skäl när ett allmänt råd inte följs", "itsys_activated_at": "Aktiverad i övervakningssystemet",
    "lc_activated_at": "Aktiverad i ledningssystemet", "rlc_notified_of_end_at": "RLC underrättad om avslut",
    "summons_sent_at": "Kallelse till demontering skickad", "closing_talk_protected_at": "Avslutningssamtal med skyddspersonen",
    "closing_talk_prohibited_at": "Avslutningssamtal med förbudspersonen", "needs_assessed_at": "Behovsbedömning gjord",
    "itsys_deactivated_at": "Avaktiverad i övervakningssystemet", "lc_deactivated_at": "Avaktiverad i ledningssystemet",
    "dismount_at": "Demonterades", "dismounted_by": "Närvarande vid demonteringen (en per rad, lämpliga)",
    "uninstalled_at": "Utrustningen avinstallerad", "check": "Regel (kod)", "section": "Paragraf",
    "decided_by": "Beslutsfattare", "reasons": "Särskilda skäl", "name": "Namn", "polygon": "Område (GeoJSON)",
}


#: Fields whose stored values are codes: the form offers them as choices in plain Swedish.
FIELD_CHOICES = {
    "decided_by_type": (("prosecutor", "Åklagare"), ("court", "Domstol")),
    "mount_place": ((rules.POLICE_PREMISES, "Polisens lokaler"), ("other", "Annan plats (ange särskilda skäl)")),
}


def _input_type(annotation) -> str:
    text = str(annotation).lower()
    if "datetime" in text:
        return "datetime-local"
    if "bool" in text:
        return "checkbox"
    if "list" in text or "dict" in text:
        return "textarea"
    return "text"


def _forms(actor, case) -> list[dict]:
    out = []
    for action in cases.offered_actions(actor, case):
        fields = [{"name": n, "label": FIELD_LABELS.get(n, n), "type": "select" if n in FIELD_CHOICES else
                   _input_type(f.annotation), "choices": FIELD_CHOICES.get(n, ()), "required": f.is_required()}
                  for n, f in action.schema.model_fields.items()
                  if n not in ("directives",)]
        out.append({"slug": action.slug, "label": action.label, "fields": fields, "steps": bool(action.transition)})
    return out


def case_panel(actor, case) -> dict:
    ban = selectors.contact_ban(case)
    if ban is None:
        return {"ban": None}
    facts = services.facts_of(ban)
    areas = selectors.areas(ban)
    return {
        "ban": ban, "protected": services.protected_person(actor, ban),
        "areas": areas, "area_svg": geo.svg_points([x.polygon for x in areas]),
        "checks": rules.apply_exceptions(rules.checks_for_state(case.state, facts, timezone.now()), facts.exceptions),
        "deadlines": rules.deadlines(facts), "exceptions": selectors.exceptions(ban),
        "alarms": [{"raised_at": x.raised_at, "type": rules.ALARM_TYPES.get(x.alarm_type, x.alarm_type),
                    "category": rules.CATEGORY_LABELS.get(x.category, ""),
                    "state": rules.ALARM_STATE_LABELS.get(x.state, "")} for x in selectors.case_alarms(ban, 20)],
        "devices": selectors.devices(ban),
        "category_labels": rules.CATEGORY_LABELS, "alarm_state_labels": rules.ALARM_STATE_LABELS,
    }


def actions_panel(actor, case) -> dict:
    return {"em_forms": _forms(actor, case)}


#: What a contact-ban inbox row reads of its ban (``CaseKind.inbox_values``).
INBOX_VALUES = {"cb_id": "contact_ban__pk", "cb_protected_name": "contact_ban__protected_name",
                "cb_protected_identity": "contact_ban__protected_identity"}


def inbox_row(actor, row) -> dict:
    """The contact-ban columns of an inbox row, from its values (``INBOX_VALUES``): a protected identity
    only to the handling unit."""
    if row["cb_id"] is None:
        return {}
    hidden = row["cb_protected_identity"] and actor.unit_id != row["unit_id"]
    name = "Skyddad identitet" if hidden else row["cb_protected_name"]
    return {"citation": "PMFS 2020:1", "person_name": name, "priority_label": "Kontaktförbud"}


# --------------------------------------------------------------------------- the alarm console


def _alarm_view(alarm, now) -> dict:
    ban = alarm.contact_ban
    listed = ban.facts.get("pm438_3_contact_persons", []) if ban else []
    informed = {i.contact_person for i in alarm.informed.all()}
    return {
        "pk": alarm.pk, "supplier_id": alarm.supplier_alarm_id, "type": rules.ALARM_TYPES.get(alarm.alarm_type,
                                                                                               alarm.alarm_type),
        "category": alarm.category, "category_label": rules.CATEGORY_LABELS.get(alarm.category, ""),
        "state": alarm.state, "state_label": rules.ALARM_STATE_LABELS.get(alarm.state, alarm.state),
        "raised_at": alarm.raised_at, "handle_from": alarm.handle_from, "queued": alarm.handle_from > now,
        "procedure": alarm.procedure, "citation": alarm.citation, "late": alarm.late,
        "case": ban.case if ban else None, "area": ban.police_area.name if ban else "",
        "svg": geo.svg_points([x.polygon for x in ban.areas.all()], 120) if ban else [],
        "contact_persons": [{"name": p, "informed": p in informed} for p in listed],
        "handled_by": alarm.handled_by, "measures": alarm.measures,
    }


@actor_required(a.POLICE)
def console(request, actor):
    if actor.unit_kind not in ("rlc", "bops"):
        raise PermissionDenied("Larmkonsolen är till för regionledningscentralen och BOPS.")
    now = timezone.now()
    alarms = selectors.console_alarms(actor, now)
    audit.record_read(actor, "monitoring.alarm", [x.pk for x in alarms], purpose="larmkonsol", fingerprint=True)
    return render(request, "monitoring/console.html", {
        "alarms": [_alarm_view(x, now) for x in alarms], "last_id": selectors.latest_alarm_id(actor.unit_id),
        "is_rlc": actor.unit_kind == "rlc",
    })


@actor_required(a.POLICE)
def console_fragment(request, actor):
    now = timezone.now()
    alarms = selectors.console_alarms(actor, now)
    audit.record_read(actor, "monitoring.alarm", [x.pk for x in alarms], purpose="larmkonsol", fingerprint=True)
    return render(request, "monitoring/_alarms.html", {"alarms": [_alarm_view(x, now) for x in alarms],
                                                       "is_rlc": actor.unit_kind == "rlc"})


STREAM_SECONDS = 25.0  # one response lasts this long; EventSource reconnects by itself
POLL_SECONDS = 0.5
STREAM_BATCH = 50  # rows per read of the stream (selectors.alarms_after's limit)


def _events(unit_id: int, after: int, seconds: float):
    """New alarms of the unit as server-sent events: LISTEN/NOTIFY on PostgreSQL, polling on SQLite."""
    deadline = time.monotonic() + seconds
    yield "retry: 1000\n\n"
    last = after
    listening = False
    if connection.vendor == "postgresql":
        try:
            with connection.cursor() as cursor:
                cursor.execute("LISTEN em_alarms")
            listening = True
        except Exception:  # noqa: BLE001 - fall back to polling
            listening = False
    try:
        while time.monotonic() < deadline:
            rows = selectors.alarms_after(unit_id, last)
            while rows:  # drain a burst (a replayed backlog) before waiting again
                for row in rows:
                    last = row["pk"]
                    data = {"id": row["pk"], "category": row["category"], "type": row["alarm_type"],
                            "label": rules.ALARM_TYPES.get(row["alarm_type"], row["alarm_type"]),
                            "immediate": row["category"] == rules.IMMEDIATE}
                    yield f"id: {row['pk']}\nevent: alarm\ndata: {json.dumps(data)}\n\n"
                rows = selectors.alarms_after(unit_id, last) if len(rows) >= STREAM_BATCH else []
            if listening:
                _wait_notify(min(POLL_SECONDS * 2, max(deadline - time.monotonic(), 0)))
            else:
                time.sleep(POLL_SECONDS)
            yield ": ping\n\n"
    except GeneratorExit:
        # Closed early (the client left, or the generator was collected at some later moment): touch no
        # connection here, since it may be in the middle of another query. A LISTEN left on the connection
        # only receives notifications nobody reads; the connection is closed or reused as usual.
        listening = False
        raise
    finally:
        if listening:
            with connection.cursor() as cursor:
                cursor.execute("UNLISTEN em_alarms")


def _wait_notify(timeout: float) -> None:
    import select

    raw = connection.connection
    if hasattr(raw, "notifies") and callable(getattr(raw, "notifies", None)):  # psycopg 3
        for _notice in raw.notifies(timeout=timeout, stop_after=1):
            break
        return
    select.select([raw], [], [], timeout)  # psycopg 2
    raw.poll()
    raw.notifies.clear()


@actor_required(a.POLICE)
def console_stream(request, actor):
    if actor.unit_kind not in ("rlc", "bops"):
        raise PermissionDenied("Larmkonsolen är till för regionledningscentralen och BOPS.")
    try:
        after = int(request.headers.get("Last-Event-ID") or request.GET.get("after") or 0)
    except ValueError:
        after = 0
    try:
        seconds = min(float(request.GET.get("seconds") or STREAM_SECONDS), STREAM_SECONDS)
    except ValueError:
        seconds = STREAM_SECONDS
    # Events must leave at once: the compression middleware leaves text/event-stream alone (a compressor
    # would hold the bytes until the response ends, up to STREAM_SECONDS, and no alarm would show live).
    response = StreamingHttpResponse(_events(actor.unit_id, after, seconds), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


def _alarm_action(request, actor, pk, fn, ok: str):
    try:
        fn()
    except services.MonitoringError as exc:
        messages.error(request, exc.message + (f" ({exc.citation})" if exc.citation else ""))
    else:
        messages.success(request, ok)
    return redirect("monitoring:console")


@require_POST
@actor_required(a.POLICE)
def alarm_acknowledge(request, actor, pk):
    return _alarm_action(request, actor, pk, lambda: services.acknowledge_alarm(actor, pk), "Larmet är kvitterat.")


@require_POST
@actor_required(a.POLICE)
def alarm_close(request, actor, pk):
    return _alarm_action(request, actor, pk, lambda: services.close_alarm(
        actor, pk, measures=request.POST.get("measures", ""), outcome=request.POST.get("outcome", "")),
        "Larmet är avslutat.")


@require_POST
@actor_required(a.POLICE)
def alarm_reclassify(request, actor, pk):
    return _alarm_action(request, actor, pk, lambda: services.reclassify_alarm(actor, pk),
                         "Larmet är omklassat och skickat till regionledningscentralen.")


@require_POST
@actor_required(a.POLICE)
def alarm_inform(request, actor, pk):
    return _alarm_action(request, actor, pk, lambda: services.inform_contact_person(
        actor, pk, contact_person=request.POST.get("contact_person", "")), "Kontaktpersonen är markerad som informerad.")


@actor_required(a.POLICE, a.ANALYST, a.PROCESS_OWNER, a.ADMINISTRATOR)
def overview(request, actor):
    """NOA's national read-only overview (22 §) and the analysts' flow figures (no personal data)."""
    if not (actor.sees_aggregates_only or actor.is_administrator or "noa" in actor.functions
            or actor.unit_kind == "noa"):
        raise PermissionDenied("Den nationella översikten är till för NOA och analytiker.")
    rows = selectors.national_overview()
    audit.record_read(actor, "monitoring.overview", [r["reference"] for r in rows], purpose="nationell översikt",
                      fingerprint=True)
    return render(request, "monitoring/overview.html", {"rows": rows, "figures": selectors.flow_figures()})


def not_found(*_):
    raise Http404


BAN_TYPES = {"extended": gettext_lazy("Utvidgat kontaktförbud"),
             "specially_extended": gettext_lazy("Särskilt utvidgat kontaktförbud")}
_NEW_FIELDS = ("police_area_code", "protected_name", "prohibited_name", "protected_phone", "protected_address",
               "ban_type", "residence_area_code")


@actor_required(a.POLICE)
def new_case(request, actor):
    """BOPS registers the protected person's request for a contact ban with electronic monitoring (6 §):
    the police area where the ban is to apply decides the BOPS group and the RLC (2 §)."""
    if actor.unit_kind != "bops":
        raise PermissionDenied(_("Ett ärende om kontaktförbud öppnas av BOPS-gruppen."))
    posted, errors = {}, {}
    if request.method == "POST":
        posted = {k: request.POST.get(k, "").strip() for k in _NEW_FIELDS}
        posted["protected_identity"] = request.POST.get("protected_identity") == "on"
        if not posted["police_area_code"]:
            errors["police_area_code"] = _("Välj polisområdet där förbudet ska gälla.")
        if len(posted["protected_name"]) < 2:
            errors["protected_name"] = _("Ange skyddspersonens namn.")
        if len(posted["prohibited_name"]) < 2:
            errors["prohibited_name"] = _("Ange förbudspersonens namn.")
        if posted["ban_type"] not in BAN_TYPES:
            errors["ban_type"] = _("Välj typ av kontaktförbud.")
        if not errors:
            try:
                case = services.open_contact_ban(actor, **posted)
            except services.MonitoringError as exc:
                errors["residence_area_code" if "Förbudspersonens" in exc.message else "police_area_code"] = exc.message
            else:
                messages.success(request, _("Ärendet %(ref)s är registrerat.") % {"ref": case.reference_number})
                return redirect("cases:detail", case.public_id)
    return render(request, "monitoring/new_case.html", {
        "areas": selectors.police_areas_by_region(), "ban_types": BAN_TYPES, "posted": posted, "errors": errors,
    }, status=422 if errors else 200)
