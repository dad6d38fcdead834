import logging
import signal
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from bitrade.audit.services import follow, seal_pending
from bitrade.deadlines.services import sweep
from bitrade.outbox.services import deliver_due

log = logging.getLogger("bitrade.worker")


class Command(BaseCommand):
    help = ("Background worker: seals the audit trail (signed checkpoints), fires due deadlines (escalations) "
            "exactly once, delivers the outbox (e-mail, webhooks) with retries, runs queued django-tasks, and "
            "keeps the follow-up's facts and analytics replica in step (rebuilt fully each night).")

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between sweeps")
        parser.add_argument("--once", action="store_true", help="one sweep, then exit")
        parser.add_argument("--seal-interval", type=float, default=None,
                            help="seconds between audit sealing runs (a thread of its own; 0: only on sweeps; "
                                 "default BITRADE_AUDIT_SEAL_INTERVAL)")
        parser.add_argument("--no-tasks", action="store_true", help="do not run the django-tasks db_worker")
        parser.add_argument("--no-followup", action="store_true",
                            help="do not refresh the follow-up's facts and analytics replica (nor rebuild them at night)")

    def handle(self, *args, **options):
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        if options["once"]:
            self._tick()
            return
        tasks = None
        if not options["no_tasks"]:
            # django-tasks' db_worker installs signal handlers, so it runs as a child process.
            tasks = subprocess.Popen([sys.executable, "-m", "bitrade.config.cli", "db_worker", "--no-reload"])
        if not options["no_followup"]:
            threading.Thread(target=self._followup_loop, args=(stop,), daemon=True, name="followup").start()
        seal_interval = options["seal_interval"]
        if seal_interval is None:
            seal_interval = settings.BITRADE_AUDIT_SEAL_INTERVAL
        if seal_interval > 0:
            threading.Thread(target=self._seal_loop, args=(stop, seal_interval), daemon=True,
                             name="audit-sealer").start()
        self.stdout.write("Biträde worker running (Ctrl-C to stop).")
        try:
            while not stop.is_set():
                self._tick()
                stop.wait(options["interval"])
        except KeyboardInterrupt:
            pass
        finally:
            if tasks is not None:
                tasks.terminate()
                tasks.wait(timeout=10)

    def _seal_loop(self, stop: threading.Event, interval: float) -> None:
        """Seal the audit trail within about `interval` seconds of each commit (audit.services.follow)."""
        follow(stop, interval)

    def _followup_loop(self, stop: threading.Event) -> None:
        """The follow-up's facts and analytics replica: refreshed every few seconds, rebuilt each night."""
        from bitrade.followup import schedule

        while not stop.is_set():
            close_old_connections()
            busy = False
            try:
                done = schedule.tick()
                busy = done.rebuilding
                if done.rebuilt or done.refreshed or done.snapshot:
                    log.info("follow-up: %s facts rebuilt, %s refreshed, snapshot: %s", done.rebuilt,
                             done.refreshed, done.snapshot)
            except Exception:  # noqa: BLE001 — retried on the next run
                log.exception("follow-up refresh failed")
            stop.wait(0.1 if busy else schedule.interval())
        connection.close()

    def _tick(self):
        if not connection.in_atomic_block:
            close_old_connections()
        try:
            seal_pending()
        except Exception:  # noqa: BLE001 — sealing is retried on the next tick
            log.exception("audit sealing failed")
        try:
            fired = sweep()
            sent = deliver_due()
            if fired or sent:
                log.info("deadlines fired: %s, messages sent: %s", fired, sent)
        except Exception:  # noqa: BLE001 — a worker keeps running; the error is logged
            log.exception("worker tick failed")
            time.sleep(1)
        self._housekeeping()

    _last_housekeeping = 0.0

    def _housekeeping(self) -> None:
        """Every ten minutes: documents kept for request forms never sent are removed after a day."""
        if time.monotonic() - self._last_housekeeping < 600:
            return
        self._last_housekeeping = time.monotonic()
        from bitrade.intake.services import purge_stale_uploads

        try:
            removed = purge_stale_uploads()
            if removed:
                log.info("staged uploads removed: %s", removed)
        except Exception:  # noqa: BLE001 — tried again at the next round
            log.exception("housekeeping failed")
