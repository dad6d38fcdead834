from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "bitrade.routing"
    label = "routing"
    verbose_name = "Styrning"

    def ready(self) -> None:
        from . import signals  # noqa: F401
