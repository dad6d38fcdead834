from django.apps import AppConfig


class TransportConfig(AppConfig):
    name = "bitrade.transport"
    label = "transport"
    verbose_name = "Transporter"

    def ready(self):
        # Deadline handlers of this app's duties register on import: before any sweep.
        from bitrade.transport import handlers  # noqa: F401
