from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "bitrade.followup"
    label = "followup"
    verbose_name = "Uppföljning"

    def ready(self) -> None:
        from . import atervandande

        atervandande.register()  # return enforcement's fact rows and measures
