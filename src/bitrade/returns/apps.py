from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "bitrade.returns"
    label = "returns"
    verbose_name = "Återvändande"

    def ready(self) -> None:
        from bitrade.cases import kinds

        from . import services  # noqa: F401 — registers the deadline handlers of return cases
        from .kind import RETURN

        kinds.register(RETURN)
