from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "bitrade.followup"
    label = "followup"
    verbose_name = "Uppföljning"
