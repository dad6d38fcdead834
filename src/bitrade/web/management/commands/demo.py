import os
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Set up the demo (migrate, demo organisation) and run web (127.0.0.1:8000) and worker together."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, **options):
        call_command("setup_demo")
        env = dict(os.environ)
        bitrade = [sys.executable, "-m", "bitrade.config.cli"]
        worker = subprocess.Popen([*bitrade, "worker"], env=env)
        self.stdout.write(f"\nBiträde runs at http://{options['addr']}/  (worker pid {worker.pid}; Ctrl-C stops both)\n")
        try:
            subprocess.call([*bitrade, "runserver", options["addr"], "--noreload"], env=env)
        except KeyboardInterrupt:
            pass
        finally:
            worker.terminate()
            worker.wait(timeout=10)


