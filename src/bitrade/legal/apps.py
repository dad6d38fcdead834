from django.apps import AppConfig


class LegalConfig(AppConfig):
    name = "bitrade.legal"
    label = "legal"
    verbose_name = "Rättskällor"
