"""The administrator's audit page runs a fixed number of queries whatever the number of events shown."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bitrade.audit import services as audit
from bitrade.common.actor import SYSTEM_ACTOR

pytestmark = pytest.mark.django_db


def test_audit_page_runs_the_same_queries_for_1_and_100_events(demo, login_client):
    admin = login_client("admin")
    url = "/granskning/?action=test.page"
    audit.record(SYSTEM_ACTOR, "test.page", object_type="test", object_id=1)
    admin.get(url)
    counts = []
    for n in (0, 99):
        for i in range(n):
            audit.record(SYSTEM_ACTOR, "test.page", object_type="test", object_id=i + 2)
        with CaptureQueriesContext(connection) as ctx:
            r = admin.get(url)
        assert r.status_code == 200 and r.content.decode().count("<td><code>test.page</code></td>") == 1 + n
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
