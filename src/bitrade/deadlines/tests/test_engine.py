"""The deadline engine: isolation of failing handlers, retries with backoff, unknown kinds, the
start-up registry and the administrators' view."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps

from bitrade.audit.models import AuditEvent
from bitrade.deadlines import services
from bitrade.deadlines.models import Deadline, DeadlineState

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 6, 17, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
fired: list[str] = []
failures_left: dict[str, int] = {}


@services.register("test.ok")
def _ok(deadline, now):
    fired.append(deadline.object_id)
    return "ok"


@services.register("test.flaky")
def _flaky(deadline, now):
    """Raises while failures_left[object_id] > 0; writes a row first to prove the rollback."""
    Deadline.objects.create(kind="test.side_effect", object_type="t", object_id=deadline.object_id, due_at=now,
                            state=DeadlineState.CANCELLED)
    left = failures_left.get(deadline.object_id, 0)
    if left:
        failures_left[deadline.object_id] = left - 1
        raise ValueError(f"tjänsten svarar inte ({left})")
    fired.append(deadline.object_id)
    return "ok efter fel"


@pytest.fixture(autouse=True)
def _reset():
    fired.clear()
    failures_left.clear()


def _due(kind, object_id, at=T0):
    return services.schedule(kind, object_type="t", object_id=object_id, due_at=at)


def test_a_raising_handler_does_not_hold_up_the_others_and_is_retried_with_backoff(settings):
    settings.DEADLINE_RETRY_BASE_SECONDS, settings.DEADLINE_RETRY_MAX_SECONDS = 30, 3600
    first = _due("test.ok", "a", T0 - timedelta(minutes=2))
    flaky = _due("test.flaky", "b", T0 - timedelta(minutes=1))
    last = _due("test.ok", "c", T0)
    failures_left["b"] = 2
    assert services.sweep(now=T0) == 2
    assert fired == ["a", "c"]  # the one after the failing deadline fired too
    assert {d.state for d in Deadline.objects.filter(pk__in=[first.pk, last.pk])} == {"fired"}
    flaky.refresh_from_db()
    assert (flaky.state, flaky.attempts, flaky.next_attempt_at) == ("retrying", 1, T0 + timedelta(seconds=30))
    assert "ValueError: tjänsten svarar inte (2)" in flaky.last_error
    assert not Deadline.objects.filter(kind="test.side_effect").exists()  # the failed attempt was rolled back

    assert services.sweep(now=T0 + timedelta(seconds=29)) == 0  # not before the backoff
    assert services.sweep(now=T0 + timedelta(seconds=30)) == 0  # second failure: backoff doubles
    flaky.refresh_from_db()
    assert (flaky.state, flaky.attempts) == ("retrying", 2)
    assert flaky.next_attempt_at == T0 + timedelta(seconds=30 + 60)
    assert services.sweep(now=T0 + timedelta(seconds=89)) == 0
    assert services.sweep(now=T0 + timedelta(seconds=90)) == 1
    flaky.refresh_from_db()
    assert (flaky.state, flaky.outcome, flaky.next_attempt_at) == ("fired", "ok efter fel", None)
    assert fired == ["a", "c", "b"]
    assert Deadline.objects.filter(kind="test.side_effect").count() == 1  # only the successful run's row


def test_a_handler_that_keeps_failing_is_failed_for_good_after_the_limit(settings):
    settings.DEADLINE_MAX_ATTEMPTS, settings.DEADLINE_RETRY_BASE_SECONDS = 3, 30
    settings.DEADLINE_RETRY_MAX_SECONDS = 45
    flaky = _due("test.flaky", "x")
    failures_left["x"] = 99
    now = T0
    delays = []
    for _ in range(3):
        services.sweep(now=now)
        flaky.refresh_from_db()
        if flaky.next_attempt_at:
            delays.append(flaky.next_attempt_at - now)
            now = flaky.next_attempt_at
    assert delays == [timedelta(seconds=30), timedelta(seconds=45)]  # 30, 60 capped at 45
    assert (flaky.state, flaky.attempts, flaky.next_attempt_at) == ("failed", 3, None)
    assert services.sweep(now=now + timedelta(days=1)) == 0 and failures_left["x"] == 96
    # An administrator fixes the cause and retries: a fresh set of attempts.
    failures_left["x"] = 0
    assert services.retry([flaky.pk]) == 1
    assert services.sweep(now=now + timedelta(days=1)) == 1
    flaky.refresh_from_db()
    assert flaky.state == "fired"


def test_backoff_doubles_from_thirty_seconds_and_is_capped(settings):
    settings.DEADLINE_RETRY_BASE_SECONDS, settings.DEADLINE_RETRY_MAX_SECONDS = 30, 3600
    assert [services.retry_delay(n).total_seconds() for n in range(1, 9)] == [
        30, 60, 120, 240, 480, 960, 1920, 3600]


def test_unknown_kind_stays_pending_and_raises_one_alarm_per_kind(caplog):
    for i in range(3):
        Deadline.objects.create(kind="nobody.handles", object_type="t", object_id=str(i), due_at=T0)
    _due("test.ok", "ok")
    with caplog.at_level(logging.ERROR, logger="bitrade.deadlines.services"):
        assert services.sweep(now=T0) == 1
        assert services.sweep(now=T0 + timedelta(minutes=1)) == 0
    rows = Deadline.objects.filter(kind="nobody.handles")
    assert set(rows.values_list("state", flat=True)) == {"pending"}  # never fired unhandled
    assert all(r.no_handler_at == T0 and "Ingen hanterare" in r.last_error for r in rows)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and "nobody.handles" in r.getMessage()]
    assert len(errors) == 2  # every sweep logs
    alarms = AuditEvent.objects.filter(action="deadline.no_handler")
    assert alarms.count() == 1  # but the audit trail gets one event for the rows
    assert alarms.get().new == {"kind": "nobody.handles", "count": 3}
    # Once a handler exists (a fixed deployment) the waiting deadlines fire.
    services.register("nobody.handles")(lambda d, now: "nu finns en hanterare")
    try:
        assert services.sweep(now=T0 + timedelta(minutes=2)) == 3
    finally:
        services._HANDLERS.pop("nobody.handles")


def test_sweep_refuses_to_run_before_the_apps_are_ready(monkeypatch):
    _due("test.ok", "early")
    monkeypatch.setattr(apps, "ready", False)
    with pytest.raises(RuntimeError, match="innan alla appar"):
        services.sweep(now=T0)
    monkeypatch.setattr(apps, "ready", True)
    assert services.sweep(now=T0) == 1


def test_every_kind_the_services_schedule_is_registered_at_start_up():
    from bitrade.custody.services import CLOCK_KINDS

    expected = {"case.ack", "case.assign", "custody.task", "custody.protocol", "transport.nte_answer",
                "intake.oral_confirmation", *CLOCK_KINDS}
    assert expected <= services.registered_kinds()


def test_cancel_reaches_retrying_deadlines_and_only_matching_payloads():
    a = services.schedule("test.ok", object_type="t", object_id=1, due_at=T0, payload={"code": "a"})
    b = services.schedule("test.ok", object_type="t", object_id=1, due_at=T0, payload={"code": "b"})
    Deadline.objects.filter(pk=a.pk).update(state="retrying", next_attempt_at=T0)
    assert services.cancel("test.ok", object_type="t", object_id=1, payload={"code": "a"}, reason="gjort") == 1
    assert Deadline.objects.get(pk=a.pk).state == "cancelled" and Deadline.objects.get(pk=b.pk).state == "pending"


def test_admin_lists_failed_deadlines_and_retries_them(admin_client):
    failed = _due("test.ok", "f")
    Deadline.objects.filter(pk=failed.pk).update(state="failed", attempts=8, last_error="ValueError: trasig")
    _due("test.ok", "p")
    url = "/admin/deadlines/deadline/"
    page = admin_client.get(url, {"problem": "failed"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "Misslyckade (alla)" in body and "ValueError: trasig" in body and "Försök igen" in body
    assert page.context["cl"].result_count == 1
    response = admin_client.post(url, {"action": "retry", "_selected_action": [failed.pk]})
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.state, failed.attempts, failed.next_attempt_at) == ("pending", 0, None)
    assert AuditEvent.objects.filter(action="deadline.retry").count() == 1
