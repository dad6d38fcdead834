"""SQLite with a queue in front of its single write lock.

SQLite lets one writer in at a time; the others poll the lock and sleep between tries (1, 2, 5 … up to
100 ms), so under load a writer can sleep while the lock is free and a request that came late can overtake
one that has waited long (a long tail of waiting: the intake's p99, the audit sealer's delay). Here a
write transaction (``BEGIN IMMEDIATE``, as every ``atomic`` block starts one) first takes an exclusive
``flock`` on a file next to the database: waiting writers sleep in the kernel and are woken as soon as the
lock is let go at COMMIT or ROLLBACK (or when the process ends). SQLite's own lock is then free when BEGIN
is sent; its busy timeout still covers writers that do not come through here (another tool, a write
outside a transaction). One lock file descriptor per connection: threads of one process queue as
processes do. An in-memory database has no file and no queue.

A queued writer waits at most as long as SQLite's busy timeout (the connection's ``timeout`` option) and
then fails with the same error, "database is locked": a writer that never lets go (a hung transaction, a
thread writing through a second connection while its first holds the lock) makes the others fail after
that time, as SQLite alone would, instead of holding every request thread of the site for ever. When the
lock is free the writer takes it at once without another thread; otherwise a short-lived thread waits
in the kernel for it, and if the time runs out that thread lets the lock go (and closes its descriptors)
whenever it does get it.
"""

from __future__ import annotations

import fcntl
import os
import threading

from django.db.backends.sqlite3 import base
from django.db.utils import OperationalError

DEFAULT_TIMEOUT = 5.0  # Python's sqlite3 default busy timeout, when the connection sets none


def _try(fd: int, op: int) -> bool:
    try:
        fcntl.flock(fd, op | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class _Waiter:
    """Takes the gate and queue locks on the caller's descriptors in a thread of its own, so that the caller
    can stop waiting; if it stops, the thread closes the descriptors (letting go of what it took)."""

    def __init__(self, queue: int, gate: int, priority: bool, gate_held: bool):
        self.queue, self.gate, self.priority, self.gate_held = queue, gate, priority, gate_held
        self.done = threading.Event()
        self.error: BaseException | None = None
        self._lock = threading.Lock()
        self._abandoned = False

    def run(self) -> None:
        try:
            if not self.gate_held:
                if self.priority:
                    fcntl.flock(self.gate, fcntl.LOCK_EX)
                else:
                    fcntl.flock(self.gate, fcntl.LOCK_SH)
                    fcntl.flock(self.gate, fcntl.LOCK_UN)
            with self._lock:
                if self._abandoned:  # gave up while this thread waited at the gate
                    os.close(self.queue)
                    os.close(self.gate)
                    return
            fcntl.flock(self.queue, fcntl.LOCK_EX)
        except BaseException as exc:  # noqa: BLE001 — handed to the caller
            self.error = exc
        with self._lock:
            if self._abandoned:
                os.close(self.queue)
                os.close(self.gate)
                return
            self.done.set()

    def abandon(self) -> bool:
        """Stop waiting; False if the locks were taken meanwhile (the caller has them after all)."""
        with self._lock:
            if self.done.is_set():
                return False
            self._abandoned = True
            if self.priority:
                # The gate must not stay closed while this thread still waits for the queue (the descriptor is
                # open: the thread closes it only after it has seen ``_abandoned``).
                fcntl.flock(self.gate, fcntl.LOCK_UN)
            return True


class DatabaseWrapper(base.DatabaseWrapper):
    # A connection with ``write_priority`` set (the audit sealer) goes to the head of the queue: it closes a
    # gate that every other writer passes on its way in, so it waits only for those already queued.
    write_priority: bool = False
    _queue_fd: int | None = None
    _gate_fd: int | None = None
    _queued: bool = False
    _gated: bool = False

    def _queue_files(self) -> tuple[int, int] | None:
        if self.is_in_memory_db():
            return None
        if self._queue_fd is None:
            name = str(self.settings_dict["NAME"])
            self._queue_fd = os.open(f"{name}-writers.lock", os.O_RDWR | os.O_CREAT, 0o640)
            self._gate_fd = os.open(f"{name}-writers-gate.lock", os.O_RDWR | os.O_CREAT, 0o640)
        return self._queue_fd, self._gate_fd

    def _queue_timeout(self) -> float:
        return float(self.settings_dict.get("OPTIONS", {}).get("timeout", DEFAULT_TIMEOUT))

    def _enter_queue(self, queue: int, gate: int) -> None:
        priority = self.write_priority
        # Without waiting when nobody is in the way (no thread needed).
        if priority:
            gate_held = _try(gate, fcntl.LOCK_EX)
        else:
            gate_held = _try(gate, fcntl.LOCK_SH)
            if gate_held:
                fcntl.flock(gate, fcntl.LOCK_UN)
        if gate_held and _try(queue, fcntl.LOCK_EX):
            self._gated = priority
            self._queued = True
            return
        self._gated = priority and gate_held  # let go by _leave_queue if the wait below fails
        waiter = _Waiter(queue, gate, priority, gate_held)
        threading.Thread(target=waiter.run, name="sqlite-writers-queue", daemon=True).start()
        if not waiter.done.wait(self._queue_timeout()) and waiter.abandon():
            # The waiting thread owns the descriptors now; this connection opens new ones next time.
            self._queue_fd = self._gate_fd = None
            self._gated = False
            raise OperationalError("database is locked")
        if waiter.error is not None:
            self._leave_queue()
            raise waiter.error
        self._gated = priority
        self._queued = True

    def _start_transaction_under_autocommit(self):
        fds = self._queue_files()
        if fds is not None and not self._queued:
            self._enter_queue(*fds)  # the GIL is let go while waiting
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._leave_queue()
            raise

    def _leave_queue(self) -> None:
        if self._queued:
            self._queued = False
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)
        if self._gated:
            self._gated = False
            if self._gate_fd is not None:
                fcntl.flock(self._gate_fd, fcntl.LOCK_UN)

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._leave_queue()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._leave_queue()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._leave_queue()
            if self._queue_fd is not None:
                os.close(self._queue_fd)
                os.close(self._gate_fd)
                self._queue_fd = self._gate_fd = None
