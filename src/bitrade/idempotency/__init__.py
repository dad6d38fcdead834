"""The one store of answers to API writes, keyed by who wrote and their Idempotency-Key."""
