"""`bitrade search "QUERY" [--json] [--kind KIND] [--status STATUS] [--limit N]`: search the legal
knowledge base, best hits first."""

from __future__ import annotations

import json
import re

from django.core.management.base import BaseCommand, CommandError

_TAGS = re.compile(r"</?mark>")


class Command(BaseCommand):
    help = "Sök i rättskällorna. Träffarna skrivs bäst först; --json ger title, source, chapter, section, status, snippet och url."

    def add_arguments(self, parser):
        parser.add_argument("query", help="Sökfråga, t.ex. ”får barn under 15 tas i förvar” eller ”29 a § polislagen”.")
        parser.add_argument("--json", action="store_true", help="Skriv träffarna som JSON.")
        parser.add_argument("--kind", action="append", default=None,
                            help="Slag av källa: statute, ordinance, regulation, report, guide, jo_decision, guideline "
                                 "(kan upprepas eller kommasepareras).")
        parser.add_argument("--status", action="append", default=None,
                            help="Status: in_force, expiring, repealed, coming.")
        parser.add_argument("--limit", type=int, default=10, help="Högst så många träffar (1–100, standard 10).")

    def handle(self, *args, **options):
        from bitrade.legal.search import SearchError, search

        try:
            result = search(options["query"], kinds=options["kind"], statuses=options["status"], limit=options["limit"])
        except SearchError as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(json.dumps({
                "query": result.query, "total": result.total, "message": result.message,
                "citations": result.citations,
                "hits": [{k: h.as_dict()[k] for k in ("title", "source", "chapter", "section", "status", "snippet",
                                                      "url", "kind", "exact")} for h in result.hits],
            }, ensure_ascii=False, indent=2))
            return
        if result.message:
            self.stdout.write(result.message)
        for i, h in enumerate(result.hits, start=1):
            where = f"{h.chapter} kap. " if h.chapter else ""
            self.stdout.write(f"{i}. {h.title} [{h.source}; {h.status_label}]{' (lagrummet)' if h.exact else ''}")
            self.stdout.write(f"   {_TAGS.sub('**', h.snippet)}")
            self.stdout.write(f"   {h.url}")
            del where
