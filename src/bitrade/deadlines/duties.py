"""A duty with a time limit: a reminder to the handling unit when it is due, then one escalation.

The owning app schedules the deadline where the duty arises (:func:`schedule_duty`), cancels it where
the duty is done (:func:`bitrade.deadlines.services.cancel`), and registers a handler that calls
:func:`remind_then_escalate` with whether the duty is done. The reminder writes a timeline event (not
public, action ``event``), an audit event and an e-mail to the handling unit through the outbox (both
named ``audit_action``), and schedules the
escalation stage of the same kind; if the duty is still not done then, the region's RLC is told (or,
without an RLC, the unit again). Nothing happens once the duty is done.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from . import services
from .models import Deadline

#: How long after the reminder the duty is escalated (platform default, not law).
DEFAULT_ESCALATE_AFTER = timedelta(minutes=30)

REMINDER, ESCALATION = "reminder", "escalation"


def schedule_duty(kind: str, *, object_type: str, object_id, due_at: datetime, title: str, citation: str = "",
                  escalate_after: timedelta = DEFAULT_ESCALATE_AFTER, **extra) -> Deadline:
    return services.schedule(kind, object_type=object_type, object_id=object_id, due_at=due_at, payload={
        "title": title, "citation": citation or "", "stage": REMINDER,
        "escalate_after_s": int(escalate_after.total_seconds()), **extra,
    })


def remind_then_escalate(deadline: Deadline, now: datetime, *, case, done: bool, event: str,
                         text: str | None = None, audit_action: str | None = None, audit_obj=None) -> str:
    """The handler body for a duty deadline; returns the outcome text stored on the deadline."""
    from bitrade.audit import services as audit
    from bitrade.cases.services import _event, notify_unit
    from bitrade.organisation.actor import SYSTEM_ACTOR
    from bitrade.organisation.models import Unit

    if done:
        return "gjort"
    payload = deadline.payload or {}
    text = text or f"Inte gjort i tid: {payload.get('title', deadline.kind)}"
    citation = payload.get("citation", "")
    audit_action, audit_obj = audit_action or event, audit_obj if audit_obj is not None else case
    if payload.get("stage", REMINDER) == REMINDER:
        _event(case, SYSTEM_ACTOR, event, text, citation=citation, public=False, now=now)
        audit.record(SYSTEM_ACTOR, audit_action, obj=audit_obj, reason=text, new={"deadline": deadline.pk, "stage": REMINDER})
        notify_unit(case, case.unit, audit_action, text)
        after = timedelta(seconds=int(payload.get("escalate_after_s", DEFAULT_ESCALATE_AFTER.total_seconds())))
        services.schedule(deadline.kind, object_type=deadline.object_type, object_id=deadline.object_id,
                          due_at=now + after, payload={**payload, "stage": ESCALATION})
        return text
    rlc = Unit.objects.filter(region_id=case.region_id, kind="rlc", active=True).first()
    target = rlc if rlc is not None else case.unit
    escalated = f"Eskalerat till {target.name}: {text}"
    _event(case, SYSTEM_ACTOR, f"{event}_escalated", escalated, citation=citation, public=False, now=now)
    audit.record(SYSTEM_ACTOR, f"{audit_action}_escalated", obj=audit_obj, reason=escalated,
                 new={"deadline": deadline.pk, "stage": ESCALATION, "unit": target.pk})
    notify_unit(case, target, f"{audit_action}_escalated", f"Eskalerat: {text}")
    return escalated
