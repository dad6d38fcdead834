"""What the case page offers is what this person may do: an officer of the handling unit executes and
records; receiving a case and setting its priority are a commander's or group leader's. A step sent from
the case page's work surface (htmx) gets the updated page at once instead of a redirect."""

from __future__ import annotations

import pytest

from bitrade.assistance import services as cases
from bitrade.assistance.tests.test_escalation import _submit
from bitrade.cases.services import CaseError


@pytest.mark.django_db
def test_an_officer_may_neither_acknowledge_nor_set_priority(demo, actor_of):
    case = _submit(actor_of)
    officer = actor_of("polis.malmo")
    assert officer.unit_id == case.unit_id and "officer" in officer.functions
    with pytest.raises(CaseError) as refused:
        cases.acknowledge(officer, case)
    assert refused.value.status == 403 and "befäl" in refused.value.message
    with pytest.raises(CaseError):
        cases.assess_risk(officer, case, level="high", assessment="x", priority=1)
    case.refresh_from_db()
    assert case.acknowledged_at is None and case.priority is None


@pytest.mark.django_db
def test_the_page_offers_each_person_their_own_actions(demo, actor_of, login_client):
    case = _submit(actor_of)
    officer_page = login_client("polis.malmo").get(f"/arenden/{case.public_id}/").content.decode()
    assert 'data-testid="competence"' in officer_page  # why they cannot decide is still explained
    assert "/kvittera/" not in officer_page and "/risk/" not in officer_page
    leader_page = login_client("gc.malmo").get(f"/arenden/{case.public_id}/").content.decode()
    assert "/kvittera/" in leader_page and "/risk/" in leader_page


@pytest.mark.django_db
def test_the_work_surface_shows_why_an_officer_may_not_acknowledge(demo, actor_of, login_client):
    case = _submit(actor_of)
    client = login_client("polis.malmo")
    r = client.post(f"/arenden/{case.public_id}/kvittera/", HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    assert "Bara ett befäl eller en gruppchef" in r.content.decode()
    case.refresh_from_db()
    assert case.acknowledged_at is None


@pytest.mark.django_db
def test_a_step_from_the_work_surface_answers_with_the_updated_page(demo, actor_of, login_client):
    case = _submit(actor_of)
    client = login_client("gc.malmo")
    r = client.post(f"/arenden/{case.public_id}/kvittera/", HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert r.status_code == 200 and 'id="case-main"' in body
    assert "Sparat." in body and "Kvitterad av polisen" in body
    plain = client.post(f"/arenden/{case.public_id}/risk/", {"risk_level": "low", "risk_assessment": "Lugn."})
    assert plain.status_code == 302 and plain["Location"] == f"/arenden/{case.public_id}/"  # without JavaScript


@pytest.mark.django_db
def test_the_custody_clock_and_its_next_deadline_are_at_the_top(demo, actor_of, login_client):
    from django.utils import timezone

    from bitrade.custody import services as custody
    from bitrade.custody.tests.test_custody_flow import executing_case

    case, gc = executing_case(actor_of)
    page = login_client("gc.malmo").get(f"/arenden/{case.public_id}/").content.decode()
    assert 'data-testid="clock"' not in page  # nobody is held: nothing to count
    custody.start_episode(gc, case, ground="pl_13_2", place="Arresten Malmö",
                          started_at=timezone.now() - timezone.timedelta(minutes=95))
    page = login_client("gc.malmo").get(f"/arenden/{case.public_id}/").content.decode()
    clock = page[page.index('data-testid="clock"'):]
    assert page.index('data-testid="clock"') < page.index('id="req-h"')  # above the request
    assert "Frihetsberövad sedan" in clock and "(1 timme 35 min" in clock.split("</p>")[0]
    assert "längre än 6 timmar (16 § andra stycket PL)" in clock.split("</section>")[0]
