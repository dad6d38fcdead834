from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "bitrade.outbox"
    label = "outbox"
    verbose_name = "Utskick"
