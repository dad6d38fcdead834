from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "bitrade.cases"
    label = "cases"
    verbose_name = "Ärenden"

    def ready(self):
        # Deadline handlers ("case.ack", "case.assign") register on import: before any sweep.
        from bitrade.cases import services  # noqa: F401
