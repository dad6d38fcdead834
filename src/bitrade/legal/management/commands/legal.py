"""`bitrade legal import [DIR]` imports the legal corpus; `bitrade legal reindex` rebuilds the search index;
`bitrade legal status` lists what is imported."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from bitrade.common.actor import SYSTEM_ACTOR


class Command(BaseCommand):
    help = "Rättskällorna: importera (import [KATALOG]), bygg om sökindexet (reindex) eller visa läget (status)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{import,reindex,status}")
        imp = sub.add_parser("import", help="Importera dokumenten i katalogen (standard: BITRADE_SEEDS_DIR).")
        imp.add_argument("directory", nargs="?", default=None)
        imp.add_argument("--json", action="store_true", help="Skriv resultatet som JSON.")
        sub.add_parser("reindex", help="Bygg om sökindexet från de gällande versionerna.")
        sub.add_parser("status", help="Visa importerade dokument och sökindexets storlek.")

    def handle(self, *args, **options):
        from bitrade.legal import services
        from bitrade.legal.models import Document, LegalNote, SearchEntry

        action = options["action"]
        if action == "import":
            try:
                result = services.import_corpus(SYSTEM_ACTOR, options["directory"])
            except services.LegalImportError as exc:
                raise CommandError(str(exc)) from None
            if options["json"]:
                self.stdout.write(json.dumps({
                    "directory": result.directory, "changed": result.changed, "index_rebuilt": result.index_rebuilt,
                    "entries": result.entries, "notes_changed": result.notes_changed,
                    "seconds": round(result.seconds, 3),
                    "documents": [o.__dict__ for o in result.outcomes],
                }, ensure_ascii=False, indent=2))
                return
            labels = {"created": "ny", "new_version": "ny version", "unchanged": "oförändrad", "skipped": "hoppades över"}
            for o in result.outcomes:
                line = f"{o.name}: {labels[o.action]}"
                if o.key:
                    line += f" – {o.key}" + (f" v{o.version}, {o.units} enheter" if o.version else "")
                if o.message:
                    line += f" ({o.message})"
                self.stdout.write(line)
            if result.notes_changed:
                self.stdout.write(f"JO-registret: {result.notes_changed} beslut nya eller ändrade")
            if result.index_rebuilt:
                self.stdout.write(f"Sökindexet byggdes om: {result.entries} poster")
            else:
                self.stdout.write("Inget har ändrats; sökindexet är oförändrat.")
            self.stdout.write(f"Klart på {result.seconds:.2f} s.")
        elif action == "reindex":
            count = services.rebuild_index(SYSTEM_ACTOR)
            self.stdout.write(f"Sökindexet byggdes om: {count} poster")
        else:
            for d in Document.objects.exclude(current_version=None).select_related("current_version"):
                self.stdout.write(f"{d.key}: {d.title} ({d.identifier}), {d.get_status_display()}, "
                                  f"version {d.current_version.number}, {d.current_version.unit_count} enheter")
            self.stdout.write(f"JO-beslut och riktlinjer: {LegalNote.objects.count()}; "
                              f"sökposter: {SearchEntry.objects.count()}")
