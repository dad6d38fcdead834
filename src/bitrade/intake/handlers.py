"""Deadline handlers for intake duties; imported from ``IntakeConfig.ready()``."""

from __future__ import annotations

from datetime import datetime

from bitrade.assistance import rules as case_rules
from bitrade.assistance import services as cases
from bitrade.deadlines import duties
from bitrade.deadlines import services as deadlines

from .models import AssistanceRequest
from .services import ORAL_CONFIRMATION_DEADLINE


@deadlines.register(ORAL_CONFIRMATION_DEADLINE)
def oral_confirmation_overdue(deadline, now: datetime) -> str:
    """An oral request is not confirmed in writing in time: the handling unit (and the requester) are
    reminded, then the region's RLC is told. Nothing happens once the case is closed or withdrawn."""
    req = AssistanceRequest.objects.select_related("case", "case__unit").get(pk=int(deadline.object_id))
    done = req.oral_confirmed_at is not None or req.case.state not in case_rules.OPEN_STATES
    outcome = duties.remind_then_escalate(deadline, now, case=req.case, done=done, event="oral_unconfirmed",
                                          audit_action="request.oral_unconfirmed", audit_obj=req)
    if not done and deadline.payload.get("stage", duties.REMINDER) == duties.REMINDER:
        cases.notify_requester(req.case, "request.oral_unconfirmed",
                               "Bekräfta den muntliga begäran skriftligen")
    return outcome
