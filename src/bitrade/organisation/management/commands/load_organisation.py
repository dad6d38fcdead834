import json

from django.core.management.base import BaseCommand

from bitrade.organisation.services import load_police_structure


class Command(BaseCommand):
    help = "Load or update the police regions, police areas, counties and all 290 municipalities."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(load_police_structure()))
