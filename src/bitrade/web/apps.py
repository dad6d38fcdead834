from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "bitrade.web"
    label = "web"
    verbose_name = "Webb"

    def ready(self):
        from bitrade.organisation import actor
        from bitrade.routing.selectors import configuration_version

        from .audit_hooks import connect

        connect()
        # The actor's unit memberships are kept per routing configuration version, which every change of a unit
        # membership, unit or region bumps (routing.signals).
        actor.membership_version = configuration_version
