from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "bitrade.assistance"
    label = "assistance"
    verbose_name = "Handräckning"

    def ready(self) -> None:
        from bitrade.cases import kinds

        from . import services  # noqa: F401 — registers the deadline handlers of the case
        from .kind import ASSISTANCE

        kinds.register(ASSISTANCE)
