from __future__ import annotations

import json
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bitrade.audit import keys
from bitrade.audit.selectors import prove, verify
from bitrade.audit.services import SealTimes, follow, seal_pending


class Command(BaseCommand):
    help = ("Audit trail tools. 'audit seal' links committed events into the chain and signs checkpoints "
            "(--follow: keep sealing); 'audit verify' checks the chain against the signed checkpoints; "
            "'audit prove SEQ' prints an inclusion proof of one event; 'audit keygen' makes a signing key.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "seal", "prove", "keygen"])
        parser.add_argument("seq", nargs="?", type=int, help="event number (prove)")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument("--follow", action="store_true", help="seal: keep running until SIGTERM")
        parser.add_argument("--interval", type=float, default=None,
                            help="seal --follow: seconds from the start of one run to the start of the next "
                                 "(default BITRADE_AUDIT_SEAL_INTERVAL)")
        parser.add_argument("--timings", action="store_true",
                            help="seal --follow: on exit, print where the time went per batch (JSON)")
        parser.add_argument("--out", help="keygen: write the private key (PEM) to this file")

    def handle(self, *args, **options):
        return getattr(self, f"_{options['action']}")(options)

    def _verify(self, options):
        report = verify()
        if options["json"]:
            self.stdout.write(json.dumps({
                "ok": report.ok, "checked": report.checked, "checkpoints": report.checkpoints,
                "unsealed": report.unsealed, "first_bad_seq": report.first_bad_seq, "problem": report.problem,
                "findings": [{"kind": f.kind, "seq": f.seq, "message": f.message} for f in report.findings]},
                ensure_ascii=False))
        elif report.ok:
            self.stdout.write(f"OK: {report.checked} förseglade händelser och {report.checkpoints} signerade "
                              f"kontrollpunkter stämmer; {report.unsealed} händelser väntar på försegling.")
        if not report.ok:
            if not options["json"]:
                self.stdout.write(f"MANIPULERAD: {len(report.findings)} fel, första vid händelse "
                                  f"#{report.first_bad_seq}.")
                for f in report.findings:
                    self.stdout.write(f"  #{f.seq}: {f.message}" if f.seq is not None else f"  {f.message}")
            raise CommandError("audit chain broken", returncode=1)

    def _seal(self, options):
        if not options["follow"]:
            self.stdout.write(f"Förseglade {seal_pending()} händelser.")
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        times = SealTimes() if options["timings"] else None
        try:
            follow(stop, options["interval"] or settings.BITRADE_AUDIT_SEAL_INTERVAL, times=times)
        except KeyboardInterrupt:
            pass
        if times is not None:
            self.stdout.write(json.dumps({"seal_times": times.summary()}))

    def _prove(self, options):
        if options["seq"] is None:
            raise CommandError("Ange händelsens nummer: bitrade audit prove SEQ")
        try:
            result = prove(options["seq"])
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            cp = result["checkpoint"]
            self.stdout.write(f"Händelse #{result['seq']} (plats {result['position']}) ingår i kontrollpunkt "
                              f"{cp['number']}: löv {result['leaf_index']} av {result['tree_size']}.")
            self.stdout.write(f"Händelsens kontrollsumma: {result['event_hash']}")
            self.stdout.write("Granskningsväg (RFC 6962): " + (" ".join(result["proof"]) or "(tom)"))
            self.stdout.write(f"Kontrollpunkt: {cp['body']}")
            self.stdout.write(f"Signatur ({cp['key_id']}): {cp['signature']}")
            self.stdout.write("Beviset stämmer." if result["verified"] else "BEVISET STÄMMER INTE.")
        if not result["verified"]:
            raise CommandError("inclusion proof does not verify", returncode=1)

    def _keygen(self, options):
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        key = Ed25519PrivateKey.generate()
        if not options["out"]:
            raise CommandError("Ange --out FIL för den privata nyckeln.")
        import os

        fd = os.open(options["out"], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(keys.private_pem(key))
        self.stdout.write(keys.public_line(key.public_key()))
