"""The continuous sealer's schedule (``services.follow``) and its account of where a batch's time goes."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from bitrade.audit import services
from bitrade.audit.models import AuditEvent

from .helpers import events as _events


class _Clock:
    """A stop event and monotonic clock in one: ``wait`` advances the clock and records what was asked."""

    def __init__(self, runs: int):
        self.now = 100.0
        self.waits: list[float] = []
        self.runs = runs

    def monotonic(self) -> float:
        return self.now

    def is_set(self) -> bool:
        return self.runs <= 0

    def wait(self, seconds: float) -> bool:
        self.waits.append(round(seconds, 6))
        self.now += seconds
        return False


def _follow_with(monkeypatch, durations: list[float], interval: float) -> list[float]:
    clock = _Clock(len(durations))
    spent = iter(durations)

    def seal(**_):
        clock.now += next(spent)
        clock.runs -= 1
        return 0

    monkeypatch.setattr(services, "seal_pending", seal)
    monkeypatch.setattr(services.time, "monotonic", clock.monotonic)
    monkeypatch.setattr(services, "close_old_connections", lambda: None)
    monkeypatch.setattr(services.connection, "close", lambda: None)
    services.follow(clock, interval)
    return clock.waits


def test_runs_start_every_interval_counted_from_the_start_of_the_previous_run(monkeypatch):
    # a run of 0.1 s leaves 0.4 s of a 0.5 s interval; a run longer than the interval: the next at once
    assert _follow_with(monkeypatch, [0.1, 0.3, 0.7, 0.0], 0.5) == [0.4, 0.2, 0.0, 0.5]


def test_a_failing_run_is_logged_and_retried(monkeypatch, caplog):
    clock = _Clock(2)

    def seal(**_):
        clock.runs -= 1
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "seal_pending", seal)
    monkeypatch.setattr(services.time, "monotonic", clock.monotonic)
    monkeypatch.setattr(services, "close_old_connections", lambda: None)
    monkeypatch.setattr(services.connection, "close", lambda: None)
    services.follow(clock, 0.5)
    assert clock.runs == 0
    assert "audit sealing failed" in caplog.text


@pytest.mark.django_db
def test_seal_times_account_for_each_batch(settings):
    services.seal_pending()  # whatever the setup recorded
    settings.BITRADE_AUDIT_SEAL_BATCH = 4
    _events(10)
    times = services.SealTimes()
    assert services.seal_pending(times=times) == 10
    assert [b[0] for b in times.batches] == [4, 4, 2]
    assert all(len(b) == 6 and min(b[1:]) >= 0 for b in times.batches)
    summary = times.summary()
    assert summary["batches"] == 3 and summary["events"] == 10 and summary["batch_size_max"] == 4
    assert set(summary) >= {"read", "hash_sign", "lock_wait", "write", "file", "total"}
    assert not AuditEvent.objects.filter(position__isnull=True).exists()


@pytest.mark.django_db
def test_seal_follow_prints_its_timings_when_stopped(monkeypatch, capsys):
    services.seal_pending()
    _events(3)

    def once(stop, interval, *, times=None):
        services.seal_pending(times=times)

    monkeypatch.setattr("bitrade.audit.management.commands.audit.follow", once)
    call_command("audit", "seal", "--follow", "--timings")
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["seal_times"]["events"] == 3
