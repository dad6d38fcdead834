from django.apps import AppConfig


class IdempotencyConfig(AppConfig):
    name = "bitrade.idempotency"
    label = "idempotency"
    verbose_name = "Idempotenta skrivningar"
    default_auto_field = "django.db.models.BigAutoField"
