"""SQLite writers queue in the kernel for the single write lock (bitrade.common.sqlite): a write transaction
takes the queue's file lock at BEGIN and lets it go at COMMIT or ROLLBACK."""

from __future__ import annotations

import fcntl
import os
import threading
import time

import pytest
from django.db import OperationalError, connection, connections, transaction

pytestmark = pytest.mark.django_db(transaction=True)


def _queue_free() -> bool:
    """Whether another open file description could take the queue's lock now."""
    fd = os.open(f"{connection.settings_dict['NAME']}-writers.lock", os.O_RDWR | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


@pytest.fixture
def sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("the write queue is SQLite's (PostgreSQL has row locks)")


def test_a_write_transaction_holds_the_queue_until_commit_or_rollback(sqlite_only):
    from bitrade.routing.models import ConfigurationVersion

    assert _queue_free()
    with transaction.atomic():
        ConfigurationVersion.objects.update_or_create(id=1, defaults={"version": "a"})
        assert not _queue_free()
    assert _queue_free()
    with pytest.raises(RuntimeError), transaction.atomic():
        ConfigurationVersion.objects.update_or_create(id=1, defaults={"version": "b"})
        assert not _queue_free()
        raise RuntimeError
    assert _queue_free()
    assert ConfigurationVersion.objects.get(id=1).version == "a"


def test_a_second_writer_waits_in_the_queue_and_then_writes(sqlite_only):
    from bitrade.routing.models import ConfigurationVersion

    order: list[str] = []
    holding = threading.Event()

    def second():
        holding.wait()
        try:
            with transaction.atomic():
                order.append("second in")
                ConfigurationVersion.objects.update_or_create(id=1, defaults={"version": "second"})
        finally:
            connections.close_all()

    t = threading.Thread(target=second)
    t.start()
    with transaction.atomic():
        ConfigurationVersion.objects.update_or_create(id=1, defaults={"version": "first"})
        holding.set()
        time.sleep(0.3)  # the second writer is waiting now
        order.append("first out")
    t.join(10)
    assert order == ["first out", "second in"]
    assert ConfigurationVersion.objects.get(id=1).version == "second"


def test_a_priority_writer_closes_the_gate_for_the_writers_behind_it(sqlite_only):
    from bitrade.routing.models import ConfigurationVersion

    gate = os.open(f"{connection.settings_dict['NAME']}-writers-gate.lock", os.O_RDWR | os.O_CREAT, 0o640)
    try:
        connection.write_priority = True
        with transaction.atomic():
            ConfigurationVersion.objects.update_or_create(id=1, defaults={"version": "sealer"})
            with pytest.raises(BlockingIOError):  # a writer arriving now waits at the gate
                fcntl.flock(gate, fcntl.LOCK_SH | fcntl.LOCK_NB)
        fcntl.flock(gate, fcntl.LOCK_SH | fcntl.LOCK_NB)  # open again after the commit
        fcntl.flock(gate, fcntl.LOCK_UN)
    finally:
        connection.write_priority = False
        os.close(gate)


def _hold(name: str) -> int:
    """Take one of the queue's locks from another open file description (a writer that does not let go)."""
    fd = os.open(f"{connection.settings_dict['NAME']}-{name}.lock", os.O_RDWR | os.O_CREAT, 0o640)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def _gate_free() -> bool:
    fd = os.open(f"{connection.settings_dict['NAME']}-writers-gate.lock", os.O_RDWR | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


@pytest.mark.parametrize("priority", [False, True], ids=["writer", "sealer"])
def test_a_queued_writer_gives_up_after_the_busy_timeout_like_sqlite(sqlite_only, monkeypatch, priority):
    from bitrade.routing.models import ConfigurationVersion

    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "timeout", 0.3)
    monkeypatch.setattr(connection, "write_priority", priority)
    holder = _hold("writers")
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError, match="database is locked"), transaction.atomic():
            ConfigurationVersion.objects.update_or_create(id=1, defaults={"version": "never"})
        assert time.monotonic() - started >= 0.3
        assert _gate_free()  # the sealer that gave up does not keep the gate closed
    finally:
        fcntl.flock(holder, fcntl.LOCK_UN)
        os.close(holder)
    time.sleep(0.2)  # the thread that waited took the lock when it came free, and let it go again
    assert _queue_free() and _gate_free()
    with transaction.atomic():  # the connection queues again as before
        ConfigurationVersion.objects.update_or_create(id=1, defaults={"version": "later"})
        assert not _queue_free()
    assert ConfigurationVersion.objects.get(id=1).version == "later"


def test_a_writer_waiting_at_a_closed_gate_gives_up_too(sqlite_only, monkeypatch):
    from bitrade.routing.models import ConfigurationVersion

    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "timeout", 0.3)
    gate = _hold("writers-gate")  # a sealer that closed the gate and never went on
    try:
        with pytest.raises(OperationalError, match="database is locked"), transaction.atomic():
            ConfigurationVersion.objects.update_or_create(id=1, defaults={"version": "never"})
        assert _queue_free()
    finally:
        fcntl.flock(gate, fcntl.LOCK_UN)
        os.close(gate)
    with transaction.atomic():
        ConfigurationVersion.objects.update_or_create(id=1, defaults={"version": "later"})
    assert ConfigurationVersion.objects.get(id=1).version == "later"


def test_a_writer_that_waited_within_the_timeout_writes(sqlite_only, monkeypatch):
    from bitrade.routing.models import ConfigurationVersion

    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "timeout", 5)
    holder = _hold("writers")
    threading.Timer(0.3, lambda: (fcntl.flock(holder, fcntl.LOCK_UN), os.close(holder))).start()
    with transaction.atomic():
        ConfigurationVersion.objects.update_or_create(id=1, defaults={"version": "waited"})
        assert not _queue_free()
    assert _queue_free()
    assert ConfigurationVersion.objects.get(id=1).version == "waited"
