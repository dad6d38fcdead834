from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "bitrade.intake"
    label = "intake"
    verbose_name = "Begäranden"
