"""The inbox's change stamps depend on database triggers (``bitrade.cases.stamps``). On SQLite a migration
that rebuilds a table (Django's way of altering a column there) drops that table's triggers silently; this
test names every stamp trigger so such a migration fails here until it creates them again
(``stamps.run_triggers`` in the same migration)."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

EXPECTED = {
    f"{name}_stamp_{event}"
    for name, events in {
        "cases_case": ("ins", "upd", "del"), "organisation_unit": ("upd",), "assistance_case": ("ins", "upd", "del"),
        "assistance_transfer": ("ins", "upd", "del"), "intake_assistancerequest": ("ins", "upd", "del"),
        "monitoring_case": ("ins", "upd", "del"), "monitoring_contactban": ("ins", "upd", "del"),
        "returns_returncase": ("ins", "upd", "del"),
    }.items()
    for event in events
}


def test_every_stamp_trigger_exists():
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE '%%\\_stamp\\_%%'")
        else:
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%\\_stamp\\_%' ESCAPE '\\'")
        found = {row[0] for row in cur.fetchall()}
    assert found == EXPECTED
