from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "bitrade.routing"
    label = "routing"
    verbose_name = "Styrning"
