"""The `bitrade` command: Django management plus the project's own commands.

Usage: bitrade COMMAND [ARGS...]

Project commands:
  demo                 migrate, load the demo organisation, start web (127.0.0.1:8000) and worker
  setup-demo           migrate and load the demo organisation only (idempotent)
  worker               run the background worker (deadlines, outbox, tasks)
  review FILE.json     formal review of a request body, as JSON on stdout
  route FILE.json --at ISO-TIME   routing decision for the demo organisation, as JSON
  audit verify         walk the audit hash chain; exit 1 on the first tampered event
  load-organisation    load regions, police areas and all 290 municipalities
  legal import [DIR]   import the legal corpus (default BITRADE_SEEDS_DIR); also: legal reindex, legal status
  search "QUERY" [--json] [--kind K] [--status S]   search the legal knowledge base
  em check FILE.json --at TIME         contact ban: state, mount allowed, checks, deadlines (JSON)
  em route-alarm FILE.json --at TIME   contact ban: how an alarm is classified and routed (JSON)
  em simulate --cases N --alarms-per-hour R [--seed S]   a monitoring system posting to the alarm API

Any other command is passed to Django's manage.py (migrate, createsuperuser, shell, ...).
`bitrade help` lists every command.
"""

from __future__ import annotations

import os
import sys

PROJECT_COMMANDS = {
    "demo": "demo",
    "setup-demo": "setup_demo",
    "worker": "worker",
    "review": "review",
    "route": "route",
    "load-organisation": "load_organisation",
}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bitrade.config.settings")
    args = argv[1:]
    if not args or args[0] in ("-h", "--help"):
        print(__doc__)
        return
    command = PROJECT_COMMANDS.get(args[0], args[0])
    from django.core.management import execute_from_command_line

    execute_from_command_line(["bitrade", command, *args[1:]])


if __name__ == "__main__":
    main()
