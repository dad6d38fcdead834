"""What a contact ban's inbox row shows, read from the row's values: the protected person's name, hidden
as "Skyddad identitet" from everyone but the handling unit when the identity is protected."""

from __future__ import annotations

import pytest

from bitrade.monitoring import rules
from bitrade.monitoring.models import ContactBan

pytestmark = pytest.mark.django_db


def _row(login_client, username, ban) -> dict:
    r = login_client(username).get("/api/v1/cases?limit=200")
    assert r.status_code == 200, r.content[:300]
    return next(row for row in r.json() if row["id"] == str(ban.case.public_id))


def test_a_protected_identity_shows_only_to_the_handling_unit(em_demo, login_client):
    ban = ContactBan.objects.select_related("case").filter(case__state=rules.ACTIVE).first()
    ContactBan.objects.filter(pk=ban.pk).update(protected_identity=False, protected_name="Sara Skydd")
    for username in ("bops.syd", "rlc.syd"):
        row = _row(login_client, username, ban)
        assert row["person_name"] == "Sara Skydd" and row["citation"] == "PMFS 2020:1"
        assert row["priority_label"] == "Kontaktförbud" and row["kind"] == "contact_ban"
    ContactBan.objects.filter(pk=ban.pk).update(protected_identity=True)
    assert _row(login_client, "bops.syd", ban)["person_name"] == "Sara Skydd"
    assert _row(login_client, "rlc.syd", ban)["person_name"] == "Skyddad identitet"
