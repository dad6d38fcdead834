from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "bitrade.routing"
    label = "routing"
    verbose_name = "Styrning"

    def ready(self) -> None:
        from bitrade.organisation.services import read_with_api_key

        from . import selectors, signals  # noqa: F401

        # The configuration version an API request routes by is read in its key's statement (one round
        # trip less), and kept for the rest of that request as if read by ``configuration_version``.
        read_with_api_key(selectors.VERSION_MEMO, selectors.version_sql, selectors.version_read_with_api_key)
