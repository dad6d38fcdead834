"""Settings for the test suite: the ordinary settings with BITRADE_ENV=test."""

import os

os.environ["BITRADE_ENV"] = "test"

from .settings import *  # noqa: E402,F403

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
