"""`bitrade restore FILE`: put a copy made by `bitrade backup` back as the SQLite database.

Stop the web server and the worker first. The copy is checked (integrity, the audit chain against the
checkpoint file) before anything is replaced; the database is then overwritten page by page, and
`audit verify` runs on the result. Checkpoints in the file beyond the copy (events written after the
backup) make verify report the missing events: that loss is real and is reported, not hidden.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from .backup import require_sqlite, summary


class Command(BaseCommand):
    help = "Restore the SQLite database from a copy made by `bitrade backup` (stop web and worker first)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **options):
        require_sqlite()
        source = Path(options["file"])
        if not source.is_file():
            raise CommandError(f"{source} finns inte.")
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            if src.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise CommandError(f"{source} klarade inte integritetskontrollen; inget har ändrats.")
            connection.close()
            dest = sqlite3.connect(connection.settings_dict["NAME"])
            try:
                src.backup(dest)
                dest.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                info = summary(dest)
            finally:
                dest.close()
        finally:
            src.close()
        from bitrade.audit.selectors import verify

        report = verify()
        self.stdout.write(json.dumps({"restored_from": str(source), **info, "audit_ok": report.ok,
                                      "audit_checked": report.checked, "unsealed": report.unsealed},
                                     ensure_ascii=False))
        if not report.ok:
            raise CommandError("Återställd, men granskningsloggen stämmer inte mot kontrollpunkterna: "
                               + "; ".join(f.message for f in report.findings[:5]), returncode=1)
