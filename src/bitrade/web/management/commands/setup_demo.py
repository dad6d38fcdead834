from django.core.management import call_command
from django.core.management.base import BaseCommand

from bitrade.organisation.demo import DEMO_API_KEY, DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Migrate and load the demo organisation (idempotent); prints the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, **options):
        call_command("migrate", verbosity=0, interactive=False)
        personas = load_demo()
        from bitrade.common.actor import SYSTEM_ACTOR
        from bitrade.legal.services import import_if_available

        import_if_available(SYSTEM_ACTOR)
        from bitrade.followup.synthetic import load_demo_data

        load_demo_data()  # a small national slice so the follow-up dashboards have content
        from bitrade.assistance.demo import load_demo_cases

        load_demo_cases()  # open handräckning cases in several states, so every inbox has work
        from bitrade.monitoring.demo import load_monitoring_demo

        personas += load_monitoring_demo()  # contact bans: BOPS groups, contact persons, a case in every state
        if options["quiet"]:
            return
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})\n")
        width = max(len(p["username"]) for p in personas)
        for p in personas:
            self.stdout.write(f"  {p['username']:<{width}}  {p['name']:<20}  {p['persona']}")
        self.stdout.write(f"\nDemo API key (Socialnämnden Malmö stad): {DEMO_API_KEY}\n")
