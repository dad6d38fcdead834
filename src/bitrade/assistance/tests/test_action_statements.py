"""The statements one case action through the API costs (``POST /api/v1/cases/{id}/actions/{name}`` with a
session and an ``Idempotency-Key``), the actions of the mixed national load: a ceiling, so that the count
cannot creep back. Per action, besides what any request of a person costs (session, person with the routing
configuration's version, memberships kept per version): the
case looked up through the actor's scope (the kind's scope as a subquery of that lookup), the key claimed (no
lookup before it), the case locked and read with the kind's rows, the step's writes (no savepoint of its own),
the step's audit event with the held read event, the answer's reads, the answer stored on the key.

Here the test runs inside a transaction, so the request's write block is a savepoint (not BEGIN and COMMIT)
and the held read event goes in at once on its own (in a request outside a transaction it goes in with the
step's event: one statement fewer, ``bench/profile_actions.py`` counts that)"""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bitrade.audit.models import AuditEvent
from bitrade.intake import services as intake
from bitrade.intake.schemas import RequestIn
from bitrade.intake.tests.helpers import LPT_RETURN
from bitrade.organisation.models import Person

from .test_action_answer import STEPS

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 6, 17, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))

# The most statements each action may take, on either engine (SQLite and PostgreSQL count alike).
CEILING = {"acknowledge": 16, "assess_risk": 14, "inform_requester": 14, "record_not_found": 15}
# The steps of the mixed load in the order a case takes them (the same path as the answers' test, without its last repeat).
PATH = STEPS[:7]


def test_each_action_of_the_mixed_load_stays_within_its_statements(demo, actor_of):
    police = Client()
    police.force_login(Person.objects.get(username="gc.malmo"))
    case = intake.submit_request(actor_of("overlakare.malmo"), RequestIn.model_validate(LPT_RETURN),
                                 idempotency_key=str(uuid.uuid4()), now=T0).request.case
    police.get("/")  # the session is established, as for a person at work
    counted = {}
    for name, payload in PATH:
        before = AuditEvent.objects.count()
        with CaptureQueriesContext(connection) as ctx:
            r = police.post(f"/api/v1/cases/{case.public_id}/actions/{name}", payload,
                            content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
        assert r.status_code == 200, (name, r.content)
        if name in CEILING:
            counted[name] = len(ctx.captured_queries)
            # One savepoint: the request's write block (the test runs inside a transaction); the step adds none.
            assert sum(q["sql"].upper().startswith("SAVEPOINT") for q in ctx.captured_queries) == 1, \
                [q["sql"][:80] for q in ctx.captured_queries]
            # The routing configuration's version is read in the session's person's statement, not on its own.
            assert not any(q["sql"].startswith('SELECT "version" FROM') for q in ctx.captured_queries), \
                [q["sql"][:80] for q in ctx.captured_queries]
            # The read on record and the step's event, inserted together.
            assert AuditEvent.objects.count() - before >= 2
    assert counted == {k: min(counted[k], v) for k, v in CEILING.items()}, counted
