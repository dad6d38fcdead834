"""bitrade route FILE.json --at TIME — where the demo organisation would route this request."""

import json
import sys
from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from pydantic import ValidationError

from bitrade.common.errors import swedish_validation_errors
from bitrade.intake import services
from bitrade.intake.management.commands.review import DEFAULT_KIND
from bitrade.intake.schemas import RequestIn
from bitrade.organisation.models import Unit


class Command(BaseCommand):
    help = ("Routing decision for a request body (the API's JSON) at a given time, using the units, office "
            "hours and routing rules in the database (run 'bitrade setup-demo' first). JSON on stdout.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="request body as JSON ('-' for standard input)")
        parser.add_argument("--at", help="ISO time with offset, e.g. 2026-06-19T14:00:00+02:00 (default: now)")

    def handle(self, *args, **options):
        if not Unit.objects.exists():
            raise CommandError("Databasen har inga enheter. Kör först: bitrade setup-demo")
        path = options["file"]
        try:
            raw = json.load(sys.stdin if path == "-" else Path(path).open(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise CommandError(f"Kan inte läsa {path}: {exc}") from exc
        org_kind = raw.pop("organisation_kind", None) if isinstance(raw, dict) else None
        raw.pop("organisation_name", None) if isinstance(raw, dict) else None
        try:
            data = RequestIn.model_validate(raw)
        except ValidationError as exc:
            self.stdout.write(json.dumps({"errors": swedish_validation_errors(exc.errors())}, ensure_ascii=False))
            raise CommandError("ogiltig begäran", returncode=2) from exc
        at = datetime.fromisoformat(options["at"]) if options["at"] else timezone.now()
        if at.tzinfo is None:
            raise CommandError("--at behöver en tidszon, t.ex. 2026-06-19T14:00:00+02:00")
        try:
            plan = services.plan_route(data, org_kind or DEFAULT_KIND.get(data.requester.role.value, ""), at)
        except services.IntakeError as exc:
            raise CommandError(f"{exc.field}: {exc.message}") from exc
        d = plan.decision
        self.stdout.write(json.dumps({
            "region": plan.region.code, "police_area": plan.municipality.police_area.code,
            "unit": d.unit.name if d.unit else None, "unit_kind": d.unit.kind if d.unit else None,
            "rule": d.rule.name if d.rule else None, "priority": d.priority, "reasons": list(d.reasons),
        }, ensure_ascii=False, indent=2))
