"""Deadline handlers for transport duties; imported from ``TransportConfig.ready()``."""

from __future__ import annotations

from datetime import datetime

from bitrade.deadlines import duties
from bitrade.deadlines import services as deadlines

from .models import TransportOrder, TransportState
from .services import NTE_ANSWER_DEADLINE


@deadlines.register(NTE_ANSWER_DEADLINE)
def nte_answer_overdue(deadline, now: datetime) -> str:
    """Kriminalvården (NTE) has not answered a transport order: the unit is reminded, then the RLC."""
    order = TransportOrder.objects.select_related("case", "case__unit", "nte_organisation").get(
        pk=int(deadline.object_id))
    return duties.remind_then_escalate(deadline, now, case=order.case, done=order.state != TransportState.REQUESTED,
                                       event="transport_unanswered", audit_action="transport.unanswered",
                                       audit_obj=order)
