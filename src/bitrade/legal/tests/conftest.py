"""The legal corpus in the test database: imported once per session from legal/sources (well under a
second), and again in a test that runs after a transactional test has emptied the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    path = Path(settings.BITRADE_SEEDS_DIR)
    if not next(path.glob("001_*.txt"), None):
        pytest.fail(f"The legal sources are missing in {path} (set BITRADE_SEEDS_DIR)")
    return path


@pytest.fixture(scope="session")
def _corpus_once(django_db_setup, django_db_blocker, seeds_dir):
    from bitrade.common.actor import SYSTEM_ACTOR
    from bitrade.legal.services import import_corpus

    with django_db_blocker.unblock():
        import_corpus(SYSTEM_ACTOR, seeds_dir)


@pytest.fixture
def corpus(_corpus_once, db, seeds_dir):
    """The sources imported and indexed (re-imported if a transactional test has flushed them)."""
    from bitrade.common.actor import SYSTEM_ACTOR
    from bitrade.legal.models import SearchEntry
    from bitrade.legal.services import import_corpus

    if not SearchEntry.objects.exists():
        import_corpus(SYSTEM_ACTOR, seeds_dir)
    return seeds_dir
