from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "bitrade.monitoring"
    label = "monitoring"
    verbose_name = "Kontaktförbud med elektronisk övervakning"

    def ready(self) -> None:
        from bitrade.cases import kinds

        from . import deadlines  # noqa: F401 — registers the deadline handlers of the kind
        from .kind import CONTACT_BAN

        kinds.register(CONTACT_BAN)

        from bitrade.cases import synthetic as generated

        from . import synthetic

        generated.register(generated.SyntheticKind(
            key=synthetic.KIND, label="kontaktförbudsärenden", prefix=synthetic.PREFIX, generate=synthetic.write,
            delete=synthetic.delete_generated, order=20))
