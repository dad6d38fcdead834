"""bitrade em — contact bans with electronic monitoring on the command line (JSON on stdout).

  bitrade em check FILE.json --at TIME        the case's state, whether mounting is allowed, every check
                                              and every open deadline
  bitrade em route-alarm FILE.json --at TIME  how an alarm is classified and routed
  bitrade em simulate --cases N --alarms-per-hour R [--seed S]   a monitoring system posting to the API
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from pydantic import ValidationError

from bitrade.common.errors import swedish_validation_errors
from bitrade.monitoring import rules
from bitrade.monitoring.schemas import CaseFactsIn, RouteAlarmIn


def _at(value: str | None) -> datetime:
    at = datetime.fromisoformat(value) if value else timezone.now()
    if at.tzinfo is None:
        raise CommandError("--at behöver en tidszon, t.ex. 2026-06-19T14:00:00+02:00")
    return at


class Command(BaseCommand):
    help = "Kontaktförbud med elektronisk övervakning: check, route-alarm, simulate (JSON på stdout)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["check", "route-alarm", "simulate"])
        parser.add_argument("file", nargs="?", help="JSON file ('-' for standard input)")
        parser.add_argument("--at", help="ISO time with offset (default: now)")
        parser.add_argument("--cases", type=int, default=3)
        parser.add_argument("--alarms-per-hour", type=float, default=60.0)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--hours", type=float, default=1.0, help="simulate: simulated hours to post")
        parser.add_argument("--url", default="", help="simulate: post to this server instead of in-process")
        parser.add_argument("--speed", type=float, default=0.0,
                            help="simulate: simulated seconds per real second (0: as fast as possible)")

    def _read(self, path):
        if not path:
            raise CommandError("Ange en JSON-fil.")
        try:
            return json.load(sys.stdin if path == "-" else Path(path).open(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise CommandError(f"Kan inte läsa {path}: {exc}") from exc

    def _validate(self, schema, raw):
        try:
            return schema.model_validate(raw)
        except ValidationError as exc:
            self.stdout.write(json.dumps({"errors": swedish_validation_errors(exc.errors())}, ensure_ascii=False))
            raise CommandError("ogiltig fil", returncode=2) from exc

    def handle(self, *args, **o):
        if o["action"] == "check":
            return self._check(o)
        if o["action"] == "route-alarm":
            return self._route(o)
        return self._simulate(o)

    def _check(self, o):
        data = self._validate(CaseFactsIn, self._read(o["file"]))
        approved = ()
        if data.approved_models is None:
            from bitrade.monitoring.services import approved_models

            approved = approved_models()
        facts = data.to_facts(approved)
        at = _at(o["at"])
        report = rules.check_report(facts, at, data.state, rules.settings_at(at.date()))
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))

    def _route(self, o):
        from bitrade.monitoring.services import alarm_table, bops_for, rlc_for
        from bitrade.organisation.models import PoliceArea

        data = self._validate(RouteAlarmIn, self._read(o["file"]))
        area = None
        if data.police_area:
            area = PoliceArea.objects.select_related("region").filter(code=data.police_area).first()
        elif data.region:
            area = PoliceArea.objects.select_related("region").filter(region__code=data.region).order_by("code").first()
        if area is None:
            raise CommandError("Ange polisområde (police_area) eller region som finns; kör först: bitrade setup-demo")
        rlc, bops = rlc_for(area), bops_for(area)
        from bitrade.monitoring.services import _bops_opens

        classification = rules.classify(data.type, data.raised_at, alarm_table())
        at = _at(o["at"]) if o["at"] else data.raised_at
        route = rules.route(classification, at, rlc=rlc.name, bops=bops.name, bops_opens=_bops_opens(bops))
        self.stdout.write(json.dumps(route.as_dict(), ensure_ascii=False, indent=2))

    def _simulate(self, o):
        from bitrade.monitoring.simulator import simulate

        summary = simulate(cases=o["cases"], alarms_per_hour=o["alarms_per_hour"], seed=o["seed"], hours=o["hours"],
                           url=o["url"], speed=o["speed"], out=self.stdout)
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
