from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "bitrade.returns"
    label = "returns"
    verbose_name = "Återvändande"

    def ready(self) -> None:
        from bitrade.cases import kinds

        from . import services  # noqa: F401 — registers the deadline handlers of return cases
        from .kind import RETURN

        kinds.register(RETURN)

        from bitrade.cases import synthetic as generated

        from . import synthetic

        generated.register(generated.SyntheticKind(
            key="return", label="returärenden", prefix=synthetic.PREFIX, generate=synthetic.write,
            delete=synthetic.delete_generated, order=10))
