"""The contact-ban kind's stored deadlines: every time requirement of the rules becomes a
reminder (at 80 % of the time) and a due deadline that escalates; every alarm the RLC handles gets a
deadline for informing the contact persons (20 §)."""

from __future__ import annotations

from datetime import datetime

from bitrade.audit import services as audit
from bitrade.cases import services as cases
from bitrade.common.actor import SYSTEM_ACTOR
from bitrade.deadlines import services as deadlines
from bitrade.deadlines.models import Deadline, DeadlineState

from . import rules
from .models import Alarm, ContactBan

OBJECT = "monitoring.contactban"
REMIND, DUE, ALARM_INFORM = "em.remind", "em.due", "em.alarm_inform"


def reschedule(ban: ContactBan, now: datetime) -> None:
    """Replace the case's pending deadlines by the ones its facts give now (none once it is closed)."""
    from .services import facts_of

    for kind in (REMIND, DUE):
        deadlines.cancel(kind, object_type=OBJECT, object_id=ban.pk, reason="ersatt av ny beräkning")
    if ban.case.state in rules.CLOSED_STATES:
        return
    settings = rules.settings_at(now.date())
    for due in rules.deadlines(facts_of(ban), settings):
        payload = {"code": due.code, "label": due.label, "binding": due.binding, "citation": due.citation,
                   "due_at": due.due_at.isoformat()}
        deadlines.schedule(DUE, object_type=OBJECT, object_id=ban.pk, due_at=due.due_at, payload=payload)
        remind = due.remind_at(settings.remind_before)
        if remind is not None and remind > now:
            deadlines.schedule(REMIND, object_type=OBJECT, object_id=ban.pk, due_at=remind, payload=payload)


def _still_open(ban: ContactBan, code: str) -> bool:
    from .services import facts_of

    return any(d.code == code for d in rules.deadlines(facts_of(ban)))


@deadlines.register(REMIND)
def remind(deadline: Deadline, now: datetime) -> str:
    ban = ContactBan.objects.select_related("case", "case__unit").filter(pk=deadline.object_id).first()
    code = deadline.payload.get("code", "")
    if ban is None or not _still_open(ban, code):
        return "redan gjort"
    text = f"Påminnelse: {deadline.payload.get('label', '')} senast {deadline.payload.get('due_at', '')[:16]}"
    cases.event(ban.case, SYSTEM_ACTOR, "em_reminder", text, citation=deadline.payload.get("citation", ""), now=now)
    cases.notify_unit(ban.case, ban.case.unit, "contact_ban.reminder", text)
    return "påminnelse skickad"


@deadlines.register(DUE)
def escalate(deadline: Deadline, now: datetime) -> str:
    ban = ContactBan.objects.select_related("case", "case__unit", "rlc").filter(pk=deadline.object_id).first()
    code = deadline.payload.get("code", "")
    if ban is None or not _still_open(ban, code):
        return "redan gjort"
    strength = "föreskrift" if deadline.payload.get("binding") else "allmänt råd"
    text = f"Tiden har gått ut ({strength}): {deadline.payload.get('label', '')}"
    cases.event(ban.case, SYSTEM_ACTOR, "em_overdue", text, citation=deadline.payload.get("citation", ""), now=now)
    cases.notify_unit(ban.case, ban.case.unit, "contact_ban.overdue", text)
    if code in ("notify_rlc_of_end", "ready_to_start", "dismount"):
        cases.notify_unit(ban.case, ban.rlc, "contact_ban.overdue", text)
    audit.record(SYSTEM_ACTOR, "contact_ban.overdue", obj=ban.case, reason=code)
    return "eskalerad"


def schedule_alarm_inform(alarm: Alarm) -> None:
    due = rules.inform_contact_persons_due(alarm.raised_at, rules.settings_at(alarm.raised_at.date()))
    deadlines.schedule(ALARM_INFORM, object_type="monitoring.alarm", object_id=alarm.pk, due_at=due.due_at,
                       payload={"citation": due.citation})


def schedule_alarm_inform_many(alarms) -> None:
    """The 20 § deadline of every alarm in a batch, in one ``bulk_create`` (the alarms have their pks)."""
    settings: dict = {}
    rows = []
    for alarm in alarms:
        day = alarm.raised_at.date()
        if day not in settings:
            settings[day] = rules.settings_at(day)
        due = rules.inform_contact_persons_due(alarm.raised_at, settings[day])
        rows.append(Deadline(kind=ALARM_INFORM, object_type="monitoring.alarm", object_id=str(alarm.pk),
                             due_at=due.due_at, payload={"citation": due.citation}))
    Deadline.objects.bulk_create(rows)


@deadlines.register(ALARM_INFORM)
def alarm_inform_overdue(deadline: Deadline, now: datetime) -> str:
    alarm = Alarm.objects.select_related("contact_ban__case", "contact_ban__rlc").filter(pk=deadline.object_id).first()
    if alarm is None or alarm.contact_ban is None:
        return "inget ärende"
    listed = alarm.contact_ban.facts.get("pm438_3_contact_persons", [])
    ok, missing = rules.contact_persons_informed(listed, alarm.informed.values_list("contact_person", flat=True))
    if ok:
        return "kontaktpersonerna är informerade"
    text = "Kontaktpersonerna är inte informerade om larmet: " + ", ".join(missing)
    cases.event(alarm.contact_ban.case, SYSTEM_ACTOR, "em_inform_overdue", text, citation="20 § PMFS 2020:1",
                now=now)
    cases.notify_unit(alarm.contact_ban.case, alarm.contact_ban.rlc, "contact_ban.inform_overdue", text)
    return "eskalerad"


def pending_for(ban: ContactBan) -> list[Deadline]:
    return list(Deadline.objects.filter(object_type=OBJECT, object_id=str(ban.pk), kind=DUE,
                                        state=DeadlineState.PENDING).order_by("due_at"))
