from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "bitrade.deadlines"
    label = "deadlines"
    verbose_name = "Tidsfrister"
