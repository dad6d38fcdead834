"""The set-up the in-process profiles share: production settings in this process (SQLite in a temporary
directory unless DATABASE_URL is set), ``BITRADE_SRC`` for an A/B on other code, and the demo organisation
with N open cases in Handräckningsgrupp Malmö."""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def environment(prefix: str) -> str:
    """Point imports at the code under test and set production settings; returns that code's src folder."""
    src = os.environ.get("BITRADE_SRC") or str(BENCH.parent / "src")
    sys.path.insert(0, src)
    sys.path.insert(0, str(BENCH))
    os.environ.setdefault("BITRADE_VAR_DIR", tempfile.mkdtemp(prefix=prefix))
    os.environ.update({"BITRADE_ENV": "production", "BITRADE_DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50),
                       "BITRADE_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver", "BITRADE_LOG_LEVEL": "WARNING",
                       "BITRADE_SSL_REDIRECT": "0", "DJANGO_SETTINGS_MODULE": "bitrade.config.settings"})
    return src


def demo_with_cases(n: int):
    """Migrate, load the demo organisation and ``n`` open cases in Handräckningsgrupp Malmö; returns the unit."""
    import cases_bench
    from django.core.management import call_command
    from django.utils import timezone

    from bitrade.organisation.demo import load_demo
    from bitrade.organisation.models import Municipality, RequestingOrganisation, Unit

    call_command("migrate", verbosity=0, interactive=False)
    load_demo()
    unit = Unit.objects.get(name="Handräckningsgrupp Malmö")
    cases_bench.load_cases(n, unit, RequestingOrganisation.objects.get(name="Socialnämnden Malmö stad"),
                           Municipality.objects.get(code="1280"), timezone.now())
    return unit
