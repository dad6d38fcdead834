from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "bitrade.intake"
    label = "intake"
    verbose_name = "Begäranden"

    def ready(self):
        # Deadline handlers of this app's duties register on import: before any sweep.
        from bitrade.intake import handlers  # noqa: F401
