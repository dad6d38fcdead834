"""Stock, flow and the four-year cohort measure (definitions in docs/returns.md)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from bitrade.cases.models import Case
from bitrade.returns import selectors, services
from bitrade.returns.schemas import HandoverIn

pytestmark = pytest.mark.django_db


def _handover(mv_actor, body, mv_id, at):
    body = {**body, "mv_case_id": mv_id}
    return services.receive_handover(mv_actor, HandoverIn.model_validate(body), now=at)


def test_stock_flow_and_cohort(demo, mv_actor, handover_body, actor_of):
    gm = actor_of("gp.syd")
    t2019 = timezone.make_aware(datetime(2019, 3, 1, 10))
    departed = _handover(mv_actor, handover_body, "A", t2019)
    lapsed = _handover(mv_actor, handover_body, "B", t2019)
    still_open = _handover(mv_actor, {**handover_body, "reason": "avviken"}, "C", t2019)
    later = _handover(mv_actor, handover_body, "D", timezone.make_aware(datetime(2023, 5, 1, 10)))
    services.record_outcome(gm, departed, "charter", destination="IQ",
                            now=timezone.make_aware(datetime(2020, 1, 10, 10)))
    Case.objects.filter(pk=departed.case_id).update(closed_at=timezone.make_aware(datetime(2020, 1, 11)))
    Case.objects.filter(pk=lapsed.case_id).update(outcome="preskriberat",
                                                  closed_at=timezone.make_aware(datetime(2023, 2, 1)))
    got = selectors.stock_and_flow(actor_of("analytiker"), 2023)
    assert got["cohort"] == {"opened_year": 2019, "opened": 3, "departed": 1, "lapsed": 1, "permit": 0,
                             "open_after_four_years": 1, "share_departed": 0.333, "share_lapsed": 0.333,
                             "share_permit": 0.0}
    assert sum(r["count"] for r in got["stock"]) == 2  # C (2019) and D (2023) are open at the end of 2023
    assert sum(r["count"] for r in got["inflow"]) == 1 and got["mv_handovers_by_reason"] == {"tvang": 1}
    assert got["outflow_by_outcome"] == {"preskriberat": 1}
    assert still_open.pk and later.pk
    assert "Karim" not in str(got)


def test_follow_up_is_not_for_requesters(demo, actor_of):
    with pytest.raises(PermissionDenied):
        selectors.stock_and_flow(actor_of("soc.malmo"), 2023)


def test_time_in_each_stage_and_inactive_time(demo, mv_actor, handover_body, actor_of):
    t0 = timezone.make_aware(datetime(2024, 3, 1, 10))
    rc = _handover(mv_actor, handover_body, "S", t0)
    gm = actor_of("gp.syd")
    services.assign(gm, rc, "Kemal Aydin", now=t0 + timedelta(days=4))
    services.change_status(mv_actor, rc, "stay_granted", now=t0 + timedelta(days=10))
    services.change_status(mv_actor, rc, "stay_lifted", now=t0 + timedelta(days=40))
    services.record_outcome(gm, rc, "uppehallstillstand", now=t0 + timedelta(days=50))
    services.close_case(gm, rc, now=t0 + timedelta(days=50))
    got = selectors.stage_and_inactive_times(actor_of("analytiker"), 2024)
    assert got["cases"] == 1
    assert got["mean_days_in_state"] == {"assigned": 46.0, "closed": 0.0, "concluded": 0.0, "received": 4.0}
    assert got["mean_days_inactive_by_reason"] == {"stay": 30.0}
