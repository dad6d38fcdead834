from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "bitrade.audit"
    label = "audit"
    verbose_name = "Granskning"
