"""`bitrade backup FILE`: a consistent copy of a running SQLite database (the online backup API).

The audit trail is sealed first, so the copy ends on a signed checkpoint. On PostgreSQL use pg_dump
(docs/operations.md "Backup and restore"); this command then says so and stops.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection


def require_sqlite() -> None:
    if connection.vendor != "sqlite":
        raise CommandError("Databasen är PostgreSQL: säkerhetskopiera med pg_dump -Fc och återställ med "
                           "pg_restore (docs/operations.md, ”Säkerhetskopiering och återställning”).")


def summary(conn: sqlite3.Connection) -> dict:
    events, sealed = conn.execute("SELECT COUNT(*), COUNT(position) FROM audit_auditevent").fetchone()
    checkpoints = conn.execute("SELECT COUNT(*) FROM audit_auditcheckpoint").fetchone()[0]
    requests = conn.execute("SELECT COUNT(*) FROM intake_assistancerequest").fetchone()[0]
    return {"audit_events": events, "sealed": sealed, "checkpoints": checkpoints, "requests": requests}


class Command(BaseCommand):
    help = "Consistent online copy of the SQLite database to FILE (the audit trail is sealed first)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="where to write the copy (must not exist)")
        parser.add_argument("--no-seal", action="store_true", help="do not seal the audit trail first")

    def handle(self, *args, **options):
        require_sqlite()
        target = Path(options["file"])
        if target.exists():
            raise CommandError(f"{target} finns redan; välj ett nytt filnamn.")
        if not options["no_seal"]:
            from bitrade.audit.services import seal_pending

            seal_pending()
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        connection.ensure_connection()
        dest = sqlite3.connect(partial)
        try:
            connection.connection.backup(dest)  # page by page, consistent, while others keep writing
            dest.execute("PRAGMA journal_mode=DELETE")
            if dest.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise CommandError("Kopian klarade inte integritetskontrollen.")
            info = summary(dest)
        finally:
            dest.close()
        with open(partial, "rb") as fh:
            os.fsync(fh.fileno())
        partial.rename(target)
        self.stdout.write(json.dumps({"file": str(target), **info}, ensure_ascii=False))
