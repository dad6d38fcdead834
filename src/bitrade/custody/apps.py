from django.apps import AppConfig


class CustodyConfig(AppConfig):
    name = "bitrade.custody"
    label = "custody"
    verbose_name = "Frihetsberövanden"
