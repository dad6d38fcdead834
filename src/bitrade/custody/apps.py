from django.apps import AppConfig


class CustodyConfig(AppConfig):
    name = "bitrade.custody"
    label = "custody"
    verbose_name = "Frihetsberövanden"

    def ready(self):
        # Deadline handlers of this app's duties register on import: before any sweep.
        from bitrade.custody import services  # noqa: F401  (clock, task and protocol handlers)
