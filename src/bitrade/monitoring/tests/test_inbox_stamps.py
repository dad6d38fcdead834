"""The inbox ETag of the contact ban's wider scope (``cases.stamps``): the RLC that takes its alarms and
its two contact persons see the case, so a change of the case or of the ban changes their ETags too."""

from __future__ import annotations

import pytest

from bitrade.cases import services as case_services
from bitrade.cases.models import Case
from bitrade.monitoring import rules
from bitrade.monitoring.models import ContactBan
from bitrade.organisation.models import Person

pytestmark = pytest.mark.django_db


def etag(actor) -> str:
    return case_services.inbox_etag(actor, "api")


def test_the_rlc_sees_every_change_of_the_case_and_of_the_ban(em_demo, actor_of):
    ban = ContactBan.objects.select_related("case").filter(case__state=rules.ACTIVE).first()
    rlc = actor_of("rlc.syd")
    assert ban.rlc_id == rlc.unit_id
    for change in (lambda: Case.objects.filter(pk=ban.case_id).update(priority=1),
                   lambda: ContactBan.objects.filter(pk=ban.pk).update(protected_name="Ny Namn"),
                   lambda: ContactBan.objects.filter(pk=ban.pk).update(protected_identity=True)):
        before = etag(rlc)
        change()
        assert etag(rlc) != before


def test_a_contact_person_in_another_unit_sees_the_case_enter_change_and_leave(em_demo, actor_of):
    ban = ContactBan.objects.select_related("case").filter(case__state=rules.ACTIVE).first()
    officer = actor_of("polis.malmo")  # not in the handling BOPS group, not the RLC
    assert officer.unit_id not in (ban.case.unit_id, ban.rlc_id)
    steps = [
        lambda: ContactBan.objects.filter(pk=ban.pk).update(
            contact_person_protected=Person.objects.get(username="polis.malmo")),
        lambda: Case.objects.filter(pk=ban.case_id).update(priority=2),
        lambda: ContactBan.objects.filter(pk=ban.pk).update(contact_person_protected=None),
    ]
    for step in steps:
        before = etag(officer)
        step()
        assert etag(officer) != before
    before = etag(officer)
    Case.objects.filter(pk=ban.case_id).update(priority=3)  # no longer theirs
    assert etag(officer) == before


def test_the_backfill_gives_a_contact_person_from_before_the_stamps_their_own_stamp(em_demo):
    """A contact person whose stamp row is missing (a ban made before the triggers) gets one from migration
    0005, and one already there is left as it is."""
    import importlib

    from django.apps import apps
    from django.db import connection

    from bitrade.cases import stamps
    from bitrade.cases.models import ScopeStamp

    ban = ContactBan.objects.filter(contact_person_protected__isnull=False).first()
    person = f"p:{ban.contact_person_protected_id}"
    ScopeStamp.objects.filter(scope__in=stamps.rows_of(person, connection.vendor)).delete()
    kept = dict(ScopeStamp.objects.filter(scope__startswith="p:").values_list("scope", "version"))
    assert kept  # the other contact persons' rows, which the backfill must leave as they are
    assert stamps.versions([person]) == {person: 0}
    importlib.import_module("bitrade.monitoring.migrations.0005_backfill_person_stamps").backfill(apps, None)
    assert stamps.versions([person])[person] > 0
    assert dict(ScopeStamp.objects.filter(scope__in=list(kept)).values_list("scope", "version")) == kept
