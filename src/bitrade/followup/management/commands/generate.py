"""`bitrade generate --years N --seed S`: deterministic synthetic national data for the follow-up."""

from __future__ import annotations

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from bitrade.followup import synthetic


class Command(BaseCommand):
    help = ("Fyll databasen med realistiska, deterministiska syntetiska ärenden för hela landet: handräckning, "
            "verkställighet av avvisning och utvisning samt kontaktförbud med elektronisk övervakning "
            "(se docs/synthetic-data.md).")

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, default=10, help="antal år bakåt från --until (standard 10)")
        parser.add_argument("--seed", type=int, default=1, help="slumpfrö; samma frö ger samma data (standard 1)")
        parser.add_argument("--scale", type=float, default=1.0,
                            help="andel av den nationella volymen, t.ex. 0.02 för en demo (standard 1.0)")
        parser.add_argument("--until", default=synthetic.DEFAULT_UNTIL.isoformat(),
                            help="slutdatum (exklusivt, svensk tid), ÅÅÅÅ-MM-DD eller 'nu' "
                                 f"(standard {synthetic.DEFAULT_UNTIL.isoformat()})")
        parser.add_argument("--care-laws-only", action="store_true",
                            help="bara vårdlagarna (utan övrig handräckning på samma saknummer)")
        parser.add_argument("--no-events", action="store_true", help="skriv inga händelser i ärendenas tidslinjer")
        parser.add_argument("--replace", action="store_true", help="ta bort tidigare genererade ärenden först")
        parser.add_argument("--quiet", action="store_true", help="ingen förloppsindikator")

    def handle(self, *args, **o):
        if o["until"] in ("nu", "now"):
            from django.utils import timezone

            until = timezone.now()
        else:
            try:
                until = date.fromisoformat(o["until"])
            except ValueError:
                raise CommandError(f"--until: '{o['until']}' är inte ett datum (ÅÅÅÅ-MM-DD) eller 'nu'.") from None
        started = time.monotonic()
        try:
            result = synthetic.generate(years=o["years"], seed=o["seed"], scale=o["scale"], until=until,
                                        care_laws_only=o["care_laws_only"], events=not o["no_events"],
                                        replace=o["replace"], progress=not o["quiet"],
                                        log=None if o["quiet"] else self.stdout.write)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        elapsed = time.monotonic() - started
        if not o["quiet"]:
            self.stdout.write(f"Genererade {result.start:%Y-%m-%d}–{result.until:%Y-%m-%d} "
                              f"(frö {result.seed}, skala {result.scale}) på {elapsed:.0f} s: {result.summary()}.")
