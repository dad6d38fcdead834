from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "bitrade.web"
    label = "web"
    verbose_name = "Webb"
