from django.apps import AppConfig


class TransportConfig(AppConfig):
    name = "bitrade.transport"
    label = "transport"
    verbose_name = "Transporter"
