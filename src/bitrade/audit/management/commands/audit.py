from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from bitrade.audit.selectors import verify


class Command(BaseCommand):
    help = "Audit trail tools. 'audit verify' walks the hash chain and reports the first tampered event."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **options):
        report = verify()
        if options["json"]:
            self.stdout.write(json.dumps({"ok": report.ok, "checked": report.checked,
                                          "first_bad_seq": report.first_bad_seq, "problem": report.problem}))
        elif report.ok:
            self.stdout.write(f"OK: {report.checked} events, chain intact.")
        if not report.ok:
            if not options["json"]:
                self.stdout.write(f"TAMPERED: event #{report.first_bad_seq}: {report.problem}")
            raise CommandError("audit chain broken", returncode=1)
