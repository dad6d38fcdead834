from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "bitrade.cases"
    label = "cases"
    verbose_name = "Ärenden"
    # The kernel registers no kind and no deadline handler: each kind does so from its own ready().
