"""bitrade return generate [--years 2014-2019] [--scale S] — synthetic return cases calibrated on the report.

bitrade return assess FILE.json --at TIME — the assessment of a handover body (as the API takes it), JSON on
stdout: police_category, category_reasons, final_on, voluntary_departure_deadline, lapses_on, enforceable_now,
inactive_reasons, priority_group, missing, against_agreement, citations."""

import json
import sys
from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from pydantic import ValidationError

from bitrade.common.errors import swedish_validation_errors
from bitrade.returns import rules
from bitrade.returns.schemas import HandoverIn, facts_of_handover
from bitrade.returns.services import law_settings


class Command(BaseCommand):
    help = ("Return enforcement. 'assess FILE.json [--at TIME]': category, deadlines, lapse date, whether the "
            "decision can be enforced now, inactive reasons, priority group, what the handover lacks and whether "
            "it is against the agreement, as JSON. FILE is a handover body as POST /api/v1/returns/handovers "
            "takes it ('-' for standard input).")

    def add_arguments(self, parser):
        parser.add_argument("verb", choices=["assess", "generate"])
        parser.add_argument("file", nargs="?", help="assess: the handover body")
        parser.add_argument("--years", default="2014-2019", help="generate: the years, e.g. 2014-2019")
        parser.add_argument("--scale", type=float, default=1.0, help="generate: share of the report's volumes")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--at", help="ISO date or time of the assessment (default: now)")
        parser.add_argument("--origin", default="mv", choices=sorted(rules.ORIGINS),
                            help="the case's source (default mv: a handover from Migrationsverket)")

    def handle(self, *args, **options):
        if options["verb"] == "generate":
            return self.generate(options)
        path = options["file"]
        if not path:
            raise CommandError("Ange filen med överlämnandet.")
        try:
            raw = json.load(sys.stdin if path == "-" else Path(path).open(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise CommandError(f"Kan inte läsa {path}: {exc}") from exc
        try:
            data = HandoverIn.model_validate(raw)
        except ValidationError as exc:
            self.stdout.write(json.dumps({"errors": swedish_validation_errors(exc.errors())}, ensure_ascii=False,
                                         indent=2))
            raise CommandError("ogiltigt överlämnande", returncode=2) from exc
        try:
            at = datetime.fromisoformat(options["at"]) if options["at"] else timezone.now()
        except ValueError as exc:
            raise CommandError("--at: ange datum eller tid som ÅÅÅÅ-MM-DD eller ÅÅÅÅ-MM-DDTHH:MM") from exc
        if timezone.is_aware(at):
            at = timezone.localtime(at)
        result = rules.assess(facts_of_handover(data, options["origin"]), at.date(), law_settings())
        self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False, indent=2))

    def generate(self, options):
        from bitrade.returns import synthetic

        try:
            first, _, last = options["years"].partition("-")
            years = range(int(first), int(last or first) + 1)
        except ValueError as exc:
            raise CommandError("--years: ange t.ex. 2014-2019") from exc
        if not set(years) <= set(synthetic.TABLE_2):
            raise CommandError("Rapportens tabell 2 täcker 2014–2019.")
        made = synthetic.generate(years, scale=options["scale"], seed=options["seed"])
        self.stdout.write(json.dumps({"cases": made, "years": [years.start, years.stop - 1]}))
