from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "bitrade.organisation"
    label = "organisation"
    verbose_name = "Organisation"
