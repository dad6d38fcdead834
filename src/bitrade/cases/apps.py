from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "bitrade.cases"
    label = "cases"
    verbose_name = "Ärenden"
