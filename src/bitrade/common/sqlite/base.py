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
    _queue_fd: int | None = None
    _queued: bool = False

    def _queue_file(self) -> int | None:
        if self._queue_fd is None and not self.is_in_memory_db():
            name = str(self.settings_dict["NAME"])
            self._queue_fd = os.open(f"{name}-writers.lock", os.O_RDWR | os.O_CREAT, 0o640)
        return self._queue_fd

    def _start_transaction_under_autocommit(self):
        fd = self._queue_file()
        if fd is not None and not self._queued:
            fcntl.flock(fd, fcntl.LOCK_EX)  # the GIL is let go while waiting
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
                self._queue_fd = None
