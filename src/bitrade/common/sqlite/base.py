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
"""

from __future__ import annotations

import fcntl
import os

from django.db.backends.sqlite3 import base


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

    def _start_transaction_under_autocommit(self):
        fds = self._queue_files()
        if fds is not None and not self._queued:
            queue, gate = fds
            # the GIL is let go while waiting
            if self.write_priority:
                fcntl.flock(gate, fcntl.LOCK_EX)
                self._gated = True
            else:
                fcntl.flock(gate, fcntl.LOCK_SH)
                fcntl.flock(gate, fcntl.LOCK_UN)
            fcntl.flock(queue, fcntl.LOCK_EX)
            self._queued = True
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
