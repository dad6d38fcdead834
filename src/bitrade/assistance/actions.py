"""The actions of a handräckning case, each defined once: its input, who is offered it, the service it
calls. The case page and ``POST /api/v1/cases/{id}/actions/{name}`` both take them from here."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from bitrade.cases.kinds import Action, NoInput
from bitrade.common.validation import CheckedInput

from . import rules, services
from .rules import check_competence


class _In(CheckedInput, BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class GrantIn(_In):
    reason: str = Field(default="", max_length=5000, description="Kommentar.")
    conditions: str = Field(default="", max_length=5000,
                            description="Villkor – polisen får inte förena beslutet med villkor (JO 2014/15 s. 122).")
    phone_completion_by: str = Field(default="", max_length=200,
                                     description="Brådskande begäran som väntar på komplettering: vem hos den "
                                                 "begärande myndigheten lämnade det som saknades per telefon.")
    phone_completion_how: str = Field(default="", max_length=5000,
                                      description="Vad som lämnades per telefon, och när.")
    override_checks: list[str] = Field(default_factory=list, max_length=10,
                                       description="Avsteg: de brister i den formella granskningen som beslutet "
                                                   "går emot (t.ex. documents_attached).")
    override_reason: str = Field(default="", max_length=5000,
                                 description="Avsteg: varför granskningen är fel i det här fallet.")

    @field_validator("override_checks", mode="before")
    @classmethod
    def _one_or_many(cls, value):
        """A web form sends one value or a list; a comma-separated text is accepted too."""
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value


class RefusalIn(_In):
    refusal_check: str = Field(default="", max_length=40,
                               description="Den formella förutsättning som inte är uppfylld.")
    reason: str = Field(default="", max_length=5000)


class QuestionIn(_In):
    question: str = Field(default="", max_length=5000, validation_alias=AliasChoices("question", "reason"),
                          description="Frågan till den begärande myndigheten.")
    document: bool = Field(default=False, title="Frågan gäller en handling som ska bifogas",
                           description="Den begärande myndigheten svarar genom att bifoga en handling (t.ex. "
                                       "ett vårdintyg).")


class RiskIn(_In):
    risk_level: str = Field(default="", max_length=16, description="low, medium eller high.")
    risk_assessment: str = Field(default="", max_length=5000)
    priority: int | None = Field(default=None, ge=1, le=3)


class AssignIn(_In):
    resource: str = Field(default="", max_length=200)


class NotFoundIn(_In):
    notes: str = Field(default="", max_length=5000)


class WantedNoticeIn(_In):
    issue: bool = Field(default=False, description="Efterlys personen (true) eller inte (false).")
    nepu_reference: str = Field(default="", max_length=64, description="Efterlysningens referens i NEPU.")
    related_reference: str = Field(default="", max_length=32,
                                   description="Diarienumret för efterlysningsärendet (saknummer 444).")
    reason: str = Field(default="", max_length=5000, description="Skäl; krävs om personen inte efterlyses.")


class CancelWantedIn(_In):
    reason: str = Field(default="", max_length=16, description="found (påträffad) eller request_ended.")


class OutcomeIn(_In):
    outcome: str = Field(default="", max_length=40)
    notes: str = Field(default="", max_length=5000)
    confirmed_by: str = Field(default="", max_length=200)
    confirmed_at: datetime | None = None
    handed_to: str = Field(default="", max_length=200)
    patrol_minutes: int | None = Field(default=None, ge=0, le=10000)
    police_not_needed: bool = Field(default=False, description="Polisens befogenheter visade sig inte behövas.")


class InformIn(_In):
    channel: str = Field(default="", max_length=100)
    note: str = Field(default="", max_length=5000)


class TransferIn(_In):
    to_unit: int | None = Field(default=None, description="Id för enheten som ska ta över ärendet.")
    reason: str = Field(default="", max_length=5000, description="Skälet till överföringen.")


class TransferAnswerIn(_In):
    accept: bool = Field(default=False, description="Ta emot (true) eller avböj (false).")
    answer: str = Field(default="", max_length=5000, description="Skäl; krävs om överföringen avböjs.")


class PowerIn(_In):
    kind: str = Field(default="", max_length=16, description="force, restraints, entry eller body_search.")
    at: datetime | None = Field(default=None, description="När befogenheten användes.")
    by_whom: str = Field(default="", max_length=300, description="Vilka poliser som använde den.")
    necessity: str = Field(default="", max_length=5000, description="Varför den behövdes (8 § PL).")
    duration_minutes: int | None = Field(default=None, ge=0, le=100000)
    injuries: str = Field(default="", max_length=500, description="Skador, eller \"inga\".")
    prior_decision: str = Field(default="", max_length=300, description="Tillträde: Polismyndighetens beslut.")
    urgent: bool = False
    night_reason: str = Field(default="", max_length=5000)
    sign: bool = Field(default=False, description="Signera protokollet (det kan sedan inte ändras).")


class DestinationIn(_In):
    order: int | None = Field(default=None, description="Transportuppdraget (id).")
    reason: str = Field(default="", max_length=5000, description="Varför mottagaren inte kan ta emot personen.")
    next_step: str = Field(default="", max_length=24,
                           description="other_destination, wait_for_place, released eller request_withdrawn.")


class ReasonIn(_In):
    reason: str = Field(default="", max_length=5000)


class ReferencesIn(_In):
    storm: str = Field(default="", max_length=32)
    daf: str = Field(default="", max_length=32)
    par: str = Field(default="", max_length=32)


def _aware(moment: datetime | None) -> datetime | None:
    """A time from a form (Stockholm time without zone) made aware; API times carry their zone."""
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment)
    return moment


def _custody():
    from bitrade.custody import services as custody

    return custody


def _transport():
    from bitrade.transport import services as transport

    return transport


def handling_unit(actor, case) -> bool:
    return actor.is_police and actor.unit_id == case.unit_id


def competent(actor, case) -> bool:
    if not handling_unit(actor, case):
        return False
    entry = services._entry(case)
    return check_competence(actor.functions, services.competent_functions(case),
                            entry.citation if entry else None).ok


def _leading(actor, case) -> bool:
    """A commander or group leader of the handling unit: they receive cases and set their priority; an
    officer executes and records."""
    return handling_unit(actor, case) and bool(actor.functions & rules.COMMANDER_FUNCTIONS)


def _commander(actor, case) -> bool:
    return _leading(actor, case) and case.state != rules.CLOSED


def _receiving_unit(actor, case) -> bool:
    if not (actor.is_police and actor.unit_id):
        return False
    return services.pending_transfer_to(case) == actor.unit_id


def _open_and_handling(actor, case) -> bool:
    return handling_unit(actor, case) and case.state != rules.CLOSED


ACTIONS: tuple[Action, ...] = (
    Action(rules.ACKNOWLEDGE, "kvittera", "Kvittera", transition=rules.ACKNOWLEDGE,
           may=lambda actor, case: _leading(actor, case) and case.acknowledged_at is None,
           run=lambda actor, case, d: services.acknowledge(actor, case),
           summary="Kvittera att enheten har tagit emot ärendet."),
    Action(rules.GRANT, "bevilja", "Bevilja", GrantIn, transition=rules.GRANT, may=competent,
           run=lambda actor, case, d: services.decide(
               actor, case, rules.GRANT, reason=d.reason, conditions=d.conditions,
               phone_completion_by=d.phone_completion_by, phone_completion_how=d.phone_completion_how,
               override_checks=d.override_checks, override_reason=d.override_reason)),
    Action(rules.REFUSE, "avsla", "Avslå", RefusalIn, transition=rules.REFUSE, may=competent,
           run=lambda actor, case, d: services.decide(actor, case, rules.REFUSE, reason=d.reason,
                                                      refusal_check=d.refusal_check)),
    Action(rules.REQUEST_COMPLETION, "komplettering", "Begär komplettering", QuestionIn,
           transition=rules.REQUEST_COMPLETION, may=competent,
           run=lambda actor, case, d: services.decide(actor, case, rules.REQUEST_COMPLETION, reason=d.question,
                                                      asks_document=d.document)),
    Action(rules.OVERRULE, "andra-beslut", "Ändra beslut", RefusalIn, transition=rules.OVERRULE, may=competent,
           run=lambda actor, case, d: services.decide(actor, case, rules.OVERRULE, reason=d.reason,
                                                      refusal_check=d.refusal_check)),
    Action("assess_risk", "risk", "Hot- och riskbedömning, prioritet", RiskIn, may=_commander,
           run=lambda actor, case, d: services.assess_risk(actor, case, level=d.risk_level,
                                                           assessment=d.risk_assessment, priority=d.priority)),
    Action(rules.ASSIGN, "tilldela", "Tilldela resurs", AssignIn, transition=rules.ASSIGN, may=competent,
           run=lambda actor, case, d: services.assign(actor, case, resource=d.resource)),
    Action(rules.START_EXECUTION, "paborja", "Påbörja verkställighet", transition=rules.START_EXECUTION,
           may=handling_unit, run=lambda actor, case, d: services.start_execution(actor, case)),
    Action(rules.RECORD_NOT_FOUND, "ej-patraffad", "Personen påträffades inte", NotFoundIn,
           transition=rules.RECORD_NOT_FOUND, may=handling_unit,
           run=lambda actor, case, d: services.record_not_found(actor, case, notes=d.notes)),
    Action("wanted_notice", "efterlysning", "Efterlysning", WantedNoticeIn,
           may=lambda actor, case: handling_unit(actor, case) and case.state in rules.WANTED_STATES,
           run=lambda actor, case, d: services.decide_wanted_notice(
               actor, case, issue=d.issue, nepu_reference=d.nepu_reference, related_reference=d.related_reference,
               reason=d.reason),
           summary="Besluta om efterlysning (NEPU och ett relaterat ärende med saknummer 444) eller inte."),
    Action("cancel_wanted_notice", "avlys", "Avlys efterlysning", CancelWantedIn, may=handling_unit,
           run=lambda actor, case, d: services.cancel_wanted_notice(actor, case, reason=d.reason),
           summary="Avlys efterlysningen när personen har påträffats eller begäran har upphört."),
    Action(rules.RECORD_OUTCOME, "utfall", "Registrera utfall", OutcomeIn, transition=rules.RECORD_OUTCOME,
           may=handling_unit,
           run=lambda actor, case, d: services.record_outcome(
               actor, case, outcome=d.outcome, notes=d.notes, confirmed_by=d.confirmed_by,
               confirmed_at=_aware(d.confirmed_at), handed_to=d.handed_to, patrol_minutes=d.patrol_minutes,
               police_not_needed=d.police_not_needed)),
    Action("inform_requester", "underratta", "Underrätta begärande myndighet", InformIn, may=handling_unit,
           run=lambda actor, case, d: services.inform_requester(actor, case, channel=d.channel, note=d.note)),
    Action(rules.CLOSE, "avsluta", "Avsluta", transition=rules.CLOSE, may=handling_unit,
           run=lambda actor, case, d: services.close(actor, case)),
    Action(rules.REOPEN, "ateroppna", "Återöppna", ReasonIn, transition=rules.REOPEN, may=handling_unit,
           run=lambda actor, case, d: services.reopen(actor, case, reason=d.reason)),
    Action("transfer", "overfor", "För över ärendet", TransferIn, may=_commander,
           run=lambda actor, case, d: services.transfer(actor, case, to_unit_id=d.to_unit, reason=d.reason),
           summary="Ett befäl för över ärendet till en annan enhet; till en annan region när den tar emot det."),
    Action("answer_transfer", "overforing-svar", "Svara på överföring", TransferAnswerIn, may=_receiving_unit,
           run=lambda actor, case, d: services.answer_transfer(actor, case, accept=d.accept, answer=d.answer),
           summary="Den mottagande regionen tar emot eller avböjer ett överfört ärende."),
    Action("record_power", "befogenhet", "Registrera använd befogenhet", PowerIn,
           may=lambda actor, case: handling_unit(actor, case) and case.state in (rules.ASSIGNED, rules.IN_EXECUTION,
                                                                                 rules.EXECUTED, rules.NOT_EXECUTED),
           run=lambda actor, case, d: _custody().record_power_use(
               actor, case, kind=d.kind, at=_aware(d.at), by_whom=d.by_whom, necessity=d.necessity,
               duration_minutes=d.duration_minutes, injuries=d.injuries, prior_decision=d.prior_decision,
               urgent=d.urgent, night_reason=d.night_reason, sign=d.sign),
           summary="Våld (10 § PL), fängsel (10 a § PL), tillträde (20 § PL) eller kroppsvisitation (19 § PL), "
                   "med protokoll enligt 27–28 §§ PL."),
    Action("destination_unavailable", "mottagare-saknas", "Mottagaren kan inte ta emot", DestinationIn,
           may=lambda actor, case: handling_unit(actor, case) and case.state in (rules.ASSIGNED, rules.IN_EXECUTION),
           run=lambda actor, case, d: _transport().record_destination_exception(
               actor, case, order_id=d.order, reason=d.reason, next_step=d.next_step),
           summary="Registrera att mottagaren (t.ex. SiS) inte kan ta emot personen och vad som händer sedan."),
    Action("cross_references", "referenser", "Hänvisningar till andra register", ReferencesIn, may=handling_unit,
           run=lambda actor, case, d: services.set_cross_references(actor, case, storm=d.storm, daf=d.daf,
                                                                    par=d.par)),
)

__all__ = ["ACTIONS", "NoInput"]
