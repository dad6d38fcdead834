from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "bitrade.audit"
    label = "audit"
    verbose_name = "Granskning"

    def ready(self):
        from django.db.backends.signals import connection_created

        from .guards import on_connection_created

        connection_created.connect(on_connection_created, dispatch_uid="bitrade.audit.guards")
