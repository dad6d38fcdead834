from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "bitrade.web"
    label = "web"
    verbose_name = "Webb"

    def ready(self):
        from .audit_hooks import connect

        connect()
