from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "bitrade.followup"
    label = "followup"
    verbose_name = "Uppföljning"

    def ready(self) -> None:
        from bitrade.cases import synthetic

        from .synthetic.runner import HANDRACKNING, generate_handrackning
        from .synthetic.writing import delete_handrackning

        # The national generator's handräckning cases take part in `bitrade generate` like every kind's.
        synthetic.register(synthetic.SyntheticKind(
            key=HANDRACKNING, label="handräckningsärenden", prefix=synthetic.PREFIX, generate=generate_handrackning,
            delete=delete_handrackning, order=0))

        from . import atervandande

        atervandande.register()  # return enforcement's fact rows and measures
