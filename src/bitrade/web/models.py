"""The web shell keeps no data of its own (API idempotency lives in ``bitrade.idempotency``)."""
