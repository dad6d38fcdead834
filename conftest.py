"""Shared fixtures: the demo organisation in the test database, actors, API clients."""

from __future__ import annotations

import pytest

# The test database is emptied between transactional tests (DELETE on SQLite, TRUNCATE on PostgreSQL),
# which the append-only audit tables refuse unless the connection opts in (bitrade/audit/guards.py).
from bitrade.audit import guards

guards.ALLOW_TEST_FLUSH = True


@pytest.fixture(autouse=True)
def _fresh_reference_sequences(request, django_db_blocker):
    """A flush empties tables but keeps PostgreSQL sequences: drop the reference-number ones as well."""
    yield
    if "transactional_db" not in request.fixturenames:
        return
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cur:
        cur.execute("SELECT sequence_name FROM information_schema.sequences "
                    "WHERE sequence_name LIKE 'cases_reference_%%'")
        for (name,) in cur.fetchall():
            cur.execute(f'DROP SEQUENCE IF EXISTS "{name}"')


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """What a process keeps across requests by change stamp or version (the inbox's rows, the start page's unit,
    the actor's memberships, the follow-up's questions run ahead and its geography) is forgotten between tests: a
    rolled-back test leaves the stamps where they were, so the next test's different data would find the same keys."""
    yield
    from bitrade.cases import inbox_cache
    from bitrade.followup import duck, geography
    from bitrade.organisation import actor
    from bitrade.web import views

    duck.AHEAD.clear()
    geography.clear()
    inbox_cache.clear()
    views._units.clear()
    actor._kept.clear()


@pytest.fixture(autouse=True)
def _audit_checkpoint_dir(settings, tmp_path_factory):
    """Each test has its own checkpoint file (checkpoints of rolled-back test transactions do not leak)."""
    settings.BITRADE_AUDIT_CHECKPOINT_DIR = tmp_path_factory.mktemp("audit-checkpoints")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from bitrade.organisation.demo import load_demo

    with django_db_blocker.unblock():
        load_demo()


@pytest.fixture
def demo(db):
    """The demo organisation (already loaded once per session; reloaded after a flush)."""
    from bitrade.organisation.demo import load_demo
    from bitrade.organisation.models import Person

    if not Person.objects.filter(username="sb.malmo").exists():
        load_demo()
    return True


@pytest.fixture
def demo_tx(transactional_db):
    """The demo organisation for tests that need real commits (live server, threads)."""
    from bitrade.organisation.demo import load_demo

    load_demo()
    return True


@pytest.fixture
def actor_of():
    """actor_of("sb.malmo") -> the Actor of that demo login in its first capacity."""
    from bitrade.organisation.actor import actor_for_person
    from bitrade.organisation.models import Person

    def make(username: str, capacity_key: str | None = None):
        return actor_for_person(Person.objects.get(username=username), capacity_key)

    return make


@pytest.fixture
def login_client(client):
    """login_client("soc.malmo") -> a Django test client logged in as that demo persona."""
    from bitrade.organisation.models import Person

    def make(username: str):
        client.force_login(Person.objects.get(username=username))
        return client

    return make


@pytest.fixture
def api_key_for():
    """api_key_for("Socialnämnden Malmö stad") -> plaintext key for that organisation."""
    from bitrade.common.actor import SYSTEM_ACTOR
    from bitrade.organisation.models import RequestingOrganisation
    from bitrade.organisation.services import issue_api_key

    def make(org_name: str) -> str:
        org = RequestingOrganisation.objects.get(name=org_name)
        return issue_api_key(SYSTEM_ACTOR, org, "test")[1]

    return make
