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
