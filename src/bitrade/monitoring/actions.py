"""The actions of a contact-ban case, each defined once: input schema, who is offered it, the service.
The case page and ``POST /api/v1/cases/{id}/actions/{name}`` both take them from here."""

from __future__ import annotations

import json
from datetime import datetime

from django.utils import timezone
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, create_model, model_validator

from bitrade.cases.kinds import Action, NoInput

from . import rules, services
from .schemas import CaseFactsIn, ExceptionIn


class _In(BaseModel):
    """Web forms send local times without a zone (Stockholm) and lists of people one per line."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _from_form(cls, data):
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for name, value in data.items():
            field = cls.model_fields.get(name)
            if field is None:
                continue
            kind = str(field.annotation)
            if isinstance(value, list) and ("PersonIn" in kind or "list[str]" in kind) and all(
                    isinstance(v, str) for v in value):  # a textarea arrives as one value with one line each
                value = "\n".join(value)
            if not isinstance(value, str):
                continue
            if "dict" in kind.lower() and value.strip().startswith("{"):  # a GeoJSON object typed in a form
                try:
                    out[name] = json.loads(value)
                except ValueError:
                    pass  # the schema names the field and says what is wrong
            elif "datetime" in kind.lower() and value and "T" in value and not _has_zone(value):
                out[name] = _stockholm(value)
            elif "PersonIn" in kind:
                out[name] = [{"name": line.strip(), "suitable": True} for line in value.splitlines() if line.strip()]
            elif "list[str]" in kind:
                out[name] = [line.strip() for line in value.splitlines() if line.strip()]
            elif "bool" in kind and value in ("on", "1", "true", "ja"):
                out[name] = True
        return out


def _has_zone(value: str) -> bool:
    return value.endswith("Z") or "+" in value[10:] or "-" in value[10:]


def _stockholm(value: str) -> str:
    from zoneinfo import ZoneInfo

    try:
        return datetime.fromisoformat(value).replace(tzinfo=ZoneInfo("Europe/Stockholm")).isoformat()
    except ValueError:
        return value  # the schema names the field and says what is wrong


def _facts_schema(name: str, fields: list[str], *, reason: bool = False, doc: str = "") -> type[BaseModel]:
    """An input schema of some of the case's facts (the same fields and checks as ``CaseFactsIn``)."""
    spec = {f: (CaseFactsIn.model_fields[f].annotation, CaseFactsIn.model_fields[f]) for f in fields}
    if reason:
        spec["reason"] = (str, Field("", max_length=2000, description="skäl när ett allmänt råd inte följs"))
    model = create_model(name, __base__=_In, **spec)
    model.__doc__ = doc
    return model


def _given(data: BaseModel) -> dict:
    return data.model_dump(mode="json", exclude={"reason"}, exclude_unset=True)


ApplicationIn = _facts_schema("ApplicationIn", [
    "application_form", "eo_requested", "other_measures_assessed_at", "other_measures_bops_consulted"],
    doc="Ansökan på PM 438.2 och bedömningen av andra skyddsåtgärder (6–7 §§).")
InvestigationIn = _facts_schema("InvestigationIn", [
    "directives", "protected_asked_about_area_at", "informed_right_to_counsel_at", "prohibited_interviewed_at",
    "prohibited_asked_reason_at", "obstacles_investigated_at", "equipment_prepared_at", "oral_presented_at",
    "written_sent_at", "proposed_mount_at", "proposed_mount_place"], reason=True,
    doc="Utredningen (9–10 §§, 14 §).")
DecisionIn = _facts_schema("DecisionIn", [
    "decided_by_type", "decided_at", "eo_start_at", "eo_end_at", "served_at"],
    doc="Åklagarens eller domstolens beslut (1 §, 16 §).")
PreparationIn = _facts_schema("PreparationIn", [
    "residence_area_informed_at", "talk_prohibited_at", "talk_protected_at", "equipment_model", "equipment_tested_at",
    "reserve_available"], doc="Förberedelser före montering (5 §, 12–13 §§, 17 §).")
MountIn = _facts_schema("MountIn", ["mount_at", "mount_place", "mount_special_reasons", "mounted_by"], reason=True,
                        doc="Montering (10 §, 18 §).")
ActivationIn = _facts_schema("ActivationIn", ["itsys_activated_at", "lc_activated_at"],
                             doc="Aktivering i övervakningssystemet och ledningssystemet (3–4 §§).")
EndIn = _facts_schema("EndIn", [
    "rlc_notified_of_end_at", "summons_sent_at", "closing_talk_protected_at", "closing_talk_prohibited_at",
    "needs_assessed_at", "itsys_deactivated_at", "lc_deactivated_at", "dismount_at", "dismounted_by",
    "uninstalled_at"], doc="Avslutet (23–25 §§).")


class AtIn(_In):
    at: AwareDatetime | None = Field(None, description="när det skedde (standard: nu)")


class ObstacleIn(_In):
    at: AwareDatetime | None = None
    description: str = Field(min_length=5, max_length=2000)


class ConsultIn(_In):
    at: AwareDatetime | None = None
    outcome: str = Field(min_length=3, max_length=2000, description="utfallet av samrådet och ny planerad start")


class ContactPersonsIn(_In):
    protected: str = Field(min_length=2, max_length=150, description="användarnamn, kontaktperson för skyddspersonen")
    prohibited: str = Field(min_length=2, max_length=150, description="användarnamn, kontaktperson för förbudspersonen")


class AreaIn(_In):
    name: str = Field(min_length=2, max_length=120)
    polygon: dict = Field(description="GeoJSON Polygon (lon, lat)")
    description: str = Field(min_length=10, max_length=4000, description="områdets beskrivning i text (8 §)")

    def model_post_init(self, _):
        from .geo import polygon_problem

        problem = polygon_problem(self.polygon)
        if problem:
            raise ValueError(problem)


class DeviceIn(_In):
    system: str = Field(min_length=2, max_length=100, description="övervakningssystemets namn")
    device_id: str = Field(min_length=1, max_length=64)


def _now(d) -> datetime:
    return getattr(d, "at", None) or timezone.now()


def _handling(actor, case) -> bool:
    return actor.is_police and actor.unit_id == case.unit_id


def _step(action: str, text_fields=None):
    def run(actor, case, d):
        return services.step(actor, case, action, _given(d) if not isinstance(d, NoInput) else {},
                             reason=getattr(d, "reason", ""))
    return run


def _at_step(action: str, field: str):
    return lambda actor, case, d: services.step(actor, case, action, {field: _now(d).isoformat()})


ACTIONS = (
    Action("draft_application", "ansokan", "Upprätta ansökan (PM 438.2)", ApplicationIn,
           transition="draft_application", may=_handling, run=_step("draft_application")),
    Action("add_area", "forbudsomrade", "Lägg till förbudsområde", AreaIn, may=_handling,
           run=lambda a, c, d: services.add_area(a, c, name=d.name, polygon=d.polygon, description=d.description)),
    Action("send_to_prosecutor", "skicka-till-aklagare", "Skicka ansökan till åklagaren", AtIn,
           transition="send_to_prosecutor", may=_handling, run=_at_step("send_to_prosecutor", "sent_to_prosecutor_at")),
    Action("open_investigation", "utredning-inledd", "Åklagaren har inlett utredning", AtIn,
           transition="open_investigation", may=_handling,
           run=_at_step("open_investigation", "investigation_opened_at")),
    Action("record_investigation", "utredning", "Anteckna utredningsåtgärder", InvestigationIn, may=_handling,
           run=lambda a, c, d: services.record(a, c, "Utredningsuppgifter antecknade.", _given(d))),
    Action("report", "redovisa", "Redovisa utredningen", InvestigationIn, transition="report", may=_handling,
           run=_step("report")),
    Action("decide_granted", "beslut", "Registrera beslut med elektronisk övervakning", DecisionIn,
           transition="decide_granted", may=_handling,
           run=lambda a, c, d: services.step(a, c, "decide_granted", {**_given(d), "decision": "granted"})),
    Action("decide_rejected", "avslag", "Registrera avslag eller beslut utan övervakning", DecisionIn,
           transition="decide_rejected", may=_handling,
           run=lambda a, c, d: services.step(a, c, "decide_rejected", {**_given(d), "decision": "rejected"})),
    Action("appoint_contact_persons", "kontaktpersoner", "Utse kontaktpersoner", ContactPersonsIn, may=_handling,
           run=lambda a, c, d: services.appoint_contact_persons(a, c, protected=d.protected, prohibited=d.prohibited)),
    Action("send_pm438_3", "pm-438-3", "Skicka PM 438.3 till regionledningscentralen", NoInput, may=_handling,
           run=lambda a, c, d: services.send_pm438_3(a, c)),
    Action("record_preparation", "forberedelser", "Anteckna förberedelser", PreparationIn, may=_handling,
           run=lambda a, c, d: services.record(a, c, "Förberedelser antecknade.", _given(d))),
    Action("attach_device", "enhet", "Koppla fotboja", DeviceIn, may=_handling,
           run=lambda a, c, d: services.attach_device_by_name(a, c, system=d.system, device_id=d.device_id)),
    Action("report_obstacle", "hinder", "Anmäl hinder mot start", ObstacleIn, transition="report_obstacle",
           may=_handling, run=lambda a, c, d: services.step(a, c, "report_obstacle", {
               "obstacle_at": _now(d).isoformat()}, reason=d.description)),
    Action("consult_prosecutor", "samrad", "Samråd med åklagaren genomfört", ConsultIn,
           transition="consult_prosecutor", may=_handling, run=lambda a, c, d: services.step(
               a, c, "consult_prosecutor", {"prosecutor_consulted_at": _now(d).isoformat()}, reason=d.outcome)),
    Action("mount", "montera", "Montera fotbojan", MountIn, transition="mount", may=_handling, run=_step("mount")),
    Action("activate", "aktivera", "Aktivera övervakningen", ActivationIn, transition="activate", may=_handling,
           run=_step("activate")),
    Action("end_decision", "beslut-avsluta", "Registrera beslut om att avsluta", AtIn, transition="end_decision",
           may=_handling, run=_at_step("end_decision", "end_decision_at")),
    Action("ban_expired", "forbudstid-ute", "Förbudstiden har löpt ut", NoInput, transition="ban_expired",
           may=_handling, run=_step("ban_expired")),
    Action("record_end", "avslut", "Anteckna avslut och demontering", EndIn, may=_handling,
           run=lambda a, c, d: services.record(a, c, "Avslutsuppgifter antecknade.", _given(d))),
    Action("record_exception", "undantag", "Besluta undantag (26 §)", ExceptionIn, may=_handling,
           run=lambda a, c, d: services.record_exception(a, c, check=d.check, section=d.section,
                                                         decided_by=d.decided_by, decided_at=d.decided_at,
                                                         reasons=d.reasons)),
    Action("close", "avsluta", "Avsluta ärendet", NoInput, transition="close", may=_handling,
           run=lambda a, c, d: services.close(a, c)),
    Action("withdraw", "aterkalla", "Begäran återkallad", AtIn, transition="withdraw", may=_handling,
           run=_at_step("withdraw", "request_received_at")),
)

assert {a.transition for a in ACTIONS if a.transition} <= set(rules.TRANSITIONS)
