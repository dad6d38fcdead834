"""The SQLite writers' queue (bitrade.common.sqlite) on a database file of its own, so that it is proven on every
leg of the suite, also where the project's database is PostgreSQL (there the project's connections never use
the queue, and tests/test_sqlite_write_queue.py, which drives it through the project's own connection, does not
apply)."""

from __future__ import annotations

import fcntl
import os
import threading
import time

from bitrade.common.sqlite.base import DatabaseWrapper


def _wrapper(path) -> DatabaseWrapper:
    settings = {"NAME": str(path), "ENGINE": "bitrade.common.sqlite", "OPTIONS": {"timeout": 5},
                "AUTOCOMMIT": True, "ATOMIC_REQUESTS": False, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False,
                "TIME_ZONE": None, "USER": "", "PASSWORD": "", "HOST": "", "PORT": "", "TEST": {}}
    return DatabaseWrapper(settings, alias="queue-standalone")


def _queue_free(path) -> bool:
    fd = os.open(f"{path}-writers.lock", os.O_RDWR | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


def _begin(db: DatabaseWrapper) -> None:
    db.ensure_connection()
    db.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)


def _end(db: DatabaseWrapper, *, commit: bool) -> None:
    db.commit() if commit else db.rollback()
    db.set_autocommit(True)


def test_a_transaction_holds_the_queue_until_commit_or_rollback_and_a_second_writer_waits(tmp_path,
                                                                                        django_db_blocker):
    path = tmp_path / "queue.sqlite3"
    with django_db_blocker.unblock():  # a database of the test's own, not the project's
        _run(path, _wrapper(path))


def _run(path, first: DatabaseWrapper) -> None:
    try:
        first.ensure_connection()
        with first.cursor() as cur:
            cur.execute("CREATE TABLE t (n INTEGER)")
        assert _queue_free(path)
        _begin(first)
        with first.cursor() as cur:
            cur.execute("INSERT INTO t VALUES (1)")
        assert not _queue_free(path)

        order: list[str] = []

        def write_second():
            second = _wrapper(path)  # a connection is used by the thread that made it
            try:
                _begin(second)  # waits in the queue until the first lets go
                order.append("second in")
                with second.cursor() as cur:
                    cur.execute("INSERT INTO t VALUES (2)")
                _end(second, commit=True)
            finally:
                second.close()

        thread = threading.Thread(target=write_second)
        thread.start()
        time.sleep(0.3)
        assert order == []  # still queued behind the open transaction
        order.append("first out")
        _end(first, commit=False)  # a rollback lets go too
        thread.join(10)
        assert order == ["first out", "second in"]
        assert _queue_free(path)
        with first.cursor() as cur:
            cur.execute("SELECT n FROM t")
            assert [r[0] for r in cur.fetchall()] == [2]
    finally:
        first.close()
