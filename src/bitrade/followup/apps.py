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

        from django.db.models.signals import post_delete, post_save

        from bitrade.routing.signals import bump

        from .models import ThresholdSetting

        # The thresholds are kept per version of the configuration (``selectors.stored_thresholds``).
        post_save.connect(bump, sender=ThresholdSetting, dispatch_uid="followup-bump-save-threshold")
        post_delete.connect(bump, sender=ThresholdSetting, dispatch_uid="followup-bump-delete-threshold")
